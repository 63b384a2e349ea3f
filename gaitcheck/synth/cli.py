"""`gaitcheck synth`: render a synthetic clip with known joint angles from the command line.

    gaitcheck synth --movement single-leg-squat --leg right --valgus 12 --out clip.mp4

writes clip.mp4, clip.truth.csv and clip.truth.json and nothing else. gaitcheck/cli.py adds the
subcommand with `add_synth_parser(subparsers)`; importing this module does not import anny or torch.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from gaitcheck.errors import InputError
from gaitcheck.synth.body import BODY_PRESETS
from gaitcheck.synth.movements import ARM_STYLES, FREE_LEG_STYLES, LegControl, Running, SingleLegSquat, Squat, StepDown

MOVEMENTS = ("squat", "single-leg-squat", "step-down", "run")
VIEW_YAW_DEG = {"front": 0.0, "back": 180.0, "side": 90.0}
SIZES = {"portrait": (720, 1280), "landscape": (1280, 720)}
#: bystander.BYSTANDER_KINDS, spelled out so that building the parser stays light (no renderer imports)
BYSTANDER_KINDS = ("standing", "walking")


def add_synth_parser(subparsers) -> argparse.ArgumentParser:
    """Add the `synth` subcommand to an argparse subparsers object; it runs run_synth(args)."""
    p = subparsers.add_parser(
        "synth",
        help="render a synthetic clip with known joint angles (needs the synth extra)",
        description="Render a person (anny body model) doing a squat, single-leg squat, step-down or running, "
        "with controlled knee valgus, hip adduction and rotation, pelvic drop and trunk lean; write an mp4 and "
        "its per-frame ground truth (OUT.truth.csv, OUT.truth.json).",
    )
    p.add_argument("--out", "-o", required=True, metavar="CLIP.mp4", help="the video to write (.mp4)")
    p.add_argument("--movement", choices=MOVEMENTS, default="single-leg-squat", help="(default: single-leg-squat)")
    p.add_argument(
        "--leg",
        choices=("left", "right"),
        help="stance leg of a single-leg task (default right); for squats and running, the leg --valgus "
        "applies to (default both)",
    )
    knobs = p.add_argument_group("joint angles (degrees, + valgus / adduction / internal rotation)")
    knobs.add_argument(
        "--valgus",
        type=float,
        metavar="DEG",
        help="knee FPPA at the bottom of each rep (midstance "
        "when running), seen from the front; the hip adduction that gives it is solved",
    )
    knobs.add_argument(
        "--valgus-last",
        type=float,
        metavar="DEG",
        help="grow the valgus linearly to this value by the last rep (or step)",
    )
    knobs.add_argument(
        "--other-valgus",
        type=float,
        default=2.0,
        metavar="DEG",
        help="valgus of the other leg when --leg is given for a squat or running (default 2)",
    )
    knobs.add_argument(
        "--knee-flexion",
        type=float,
        metavar="DEG",
        help="stance knee flexion at the bottom "
        "(default: squat 80, single-leg squat 60, step-down 85, running 40 at midstance)",
    )
    knobs.add_argument(
        "--hip-rotation",
        type=float,
        metavar="DEG",
        help="hip internal rotation at the bottom "
        "instead of solving it (single-leg tasks; not together with --valgus in squats or running)",
    )
    knobs.add_argument(
        "--pelvic-drop",
        type=float,
        default=0.0,
        metavar="DEG",
        help="contralateral pelvic drop at the bottom / midstance (single-leg tasks, running)",
    )
    knobs.add_argument(
        "--trunk-lean", type=float, default=0.0, metavar="DEG", help="trunk lateral lean, + toward the subject's right"
    )
    task = p.add_argument_group("movement")
    task.add_argument("--reps", type=int, default=3, help="repetitions of squat-like tasks (default 3)")
    task.add_argument("--rep-seconds", type=float, metavar="S", help="seconds per rep (default 2.4)")
    task.add_argument(
        "--duration",
        type=float,
        metavar="S",
        help="clip length: running time, or the reps spread over it (squat-like tasks)",
    )
    task.add_argument("--cadence", type=float, default=172.0, metavar="SPM", help="running steps/min (default 172)")
    task.add_argument("--free-leg", choices=FREE_LEG_STYLES, default="forward", help="single-leg squat")
    task.add_argument("--direction", choices=("forward", "lateral"), default="forward", help="step-down")
    task.add_argument(
        "--box-height",
        type=float,
        metavar="M",
        help="step-down box (default: the free heel taps the floor at the bottom)",
    )
    task.add_argument(
        "--arms",
        choices=ARM_STYLES,
        help="arm style (default: forward for squats, hips for single-leg tasks, swing for running)",
    )
    cam = p.add_argument_group("camera")
    where = cam.add_mutually_exclusive_group()
    where.add_argument(
        "--view", choices=tuple(VIEW_YAW_DEG), help="front (default), back, or side (the subject's left)"
    )
    where.add_argument(
        "--yaw",
        type=float,
        metavar="DEG",
        help="camera position around the subject: 0 front, 90 the subject's left, -90 right, 180 behind",
    )
    cam.add_argument("--camera-height", type=float, default=0.9, metavar="M", help="(default 0.9)")
    cam.add_argument("--distance", type=float, default=3.0, metavar="M", help="horizontal distance (default 3.0)")
    cam.add_argument(
        "--pitch", type=float, metavar="DEG", help="tilt down; default: aimed at the body centre; 0: level"
    )
    cam.add_argument("--roll", type=float, default=0.0, metavar="DEG", help="+ turns the picture clockwise (default 0)")
    lens = cam.add_mutually_exclusive_group()
    lens.add_argument("--fov", type=float, metavar="DEG", help="vertical field of view (default: a phone's camera)")
    lens.add_argument("--hfov", type=float, metavar="DEG", help="horizontal field of view (instead of --fov)")
    cam.add_argument("--orientation", choices=tuple(SIZES), default="portrait", help="(default portrait)")
    cam.add_argument("--size", metavar="WxH", help="frame size in pixels, e.g. 1080x1920 (overrides --orientation)")
    cam.add_argument("--fps", type=float, default=30.0, help="frames per second (default 30)")
    other = p.add_argument_group("a second person (bystander)")
    other.add_argument(
        "--bystander",
        choices=BYSTANDER_KINDS,
        help="add a bystander: standing (default 0.9 m to the picture's right of the subject and 0.8 m nearer "
        "the camera) or walking (across the picture 1.0 m in front of the subject, edge to edge, at 1 m/s, "
        "midway through the clip); the sidecar then records both people's image boxes per frame",
    )
    other.add_argument("--bystander-body", default="male", help="the bystander's body, as --body (default male)")
    other.add_argument(
        "--bystander-lateral",
        type=float,
        metavar="M",
        help="bystander position across the picture, + right of the subject (walking: where the walk starts; "
        "it ends as far on the other side)",
    )
    other.add_argument(
        "--bystander-toward",
        type=float,
        metavar="M",
        help="bystander distance nearer the camera than the subject (negative: behind the subject)",
    )
    other.add_argument("--bystander-speed", type=float, default=1.0, metavar="M/S", help="walking speed (default 1.0)")
    look = p.add_argument_group("look and file")
    look.add_argument("--body", default="female", help=f"{', '.join(BODY_PRESETS)} or random (default female)")
    look.add_argument("--seed", type=int, default=0, help="seed for the random body, clothes, room, noise (default 0)")
    look.add_argument(
        "--realism",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="room, clothes, light, shadows, noise and motion blur (default on)",
    )
    look.add_argument("--supersample", type=int, choices=(1, 2), default=1, help="2: smoother edges, slower")
    look.add_argument("--codec", choices=("h264", "hevc"), default="h264", help="(default h264)")
    look.add_argument("--crf", type=int, default=20, help="x264/x265 quality, lower is better (default 20)")
    look.add_argument(
        "--rotation-tag",
        type=int,
        choices=(0, 90, -90, 180),
        default=0,
        help="store the picture turned with a display-rotation tag, as phones do (default 0)",
    )
    look.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    p.set_defaults(func=run_synth)
    return p


# ------------------------------------------------------------------------------------------------
def _size(args: argparse.Namespace) -> tuple[int, int]:
    if not args.size:
        return SIZES[args.orientation]
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        raise InputError(f"--size must look like 720x1280 (got {args.size!r})") from None
    return width, height


def _level(first: float | None, last: float | None):
    if first is None:
        return None
    return first if last is None else (first, last)


def _squat_timing(args: argparse.Namespace) -> dict:
    timing = {"reps": args.reps}
    if args.rep_seconds is not None:
        timing["rep_s"] = args.rep_seconds
    if args.duration is not None:
        lead, pause = 0.5, 0.6
        rep_s = (args.duration - 2 * lead - (args.reps - 1) * pause) / max(args.reps, 1)
        if rep_s < 0.6:
            raise InputError(f"--duration {args.duration:g} s is too short for {args.reps} reps")
        timing["rep_s"] = round(rep_s, 4)
    return timing


def movement_from_args(args: argparse.Namespace):
    """The movement spec the flags describe."""
    valgus = _level(args.valgus, args.valgus_last)
    stance = LegControl(
        valgus_deg=valgus if valgus is not None or args.hip_rotation is not None else 8.0,
        hip_internal_rotation_deg=args.hip_rotation,
        knee_flexion_deg=args.knee_flexion,
        pelvic_drop_deg=args.pelvic_drop,
    )
    arms = {"arms": args.arms} if args.arms else {}
    if args.movement in ("single-leg-squat", "step-down"):
        common = dict(
            stance=args.leg or "right",
            stance_leg=stance,
            trunk_lateral_lean_deg=args.trunk_lean,
            **_squat_timing(args),
            **arms,
        )
        if args.movement == "single-leg-squat":
            return SingleLegSquat(free_leg=args.free_leg, **common)
        return StepDown(direction=args.direction, box_height_m=args.box_height, **common)

    default = 3.0 if args.movement == "squat" else 4.0
    chosen = valgus if valgus is not None else (None if args.hip_rotation is not None else default)
    legs = {}
    for side in ("left", "right"):
        own = args.leg is None or args.leg == side
        legs[side] = replace(stance, valgus_deg=chosen if own else args.other_valgus)
        if not own:
            legs[side] = replace(legs[side], hip_internal_rotation_deg=None)
    if args.movement == "squat":
        legs = {s: replace(c, pelvic_drop_deg=0.0) for s, c in legs.items()}
        return Squat(
            left=legs["left"],
            right=legs["right"],
            trunk_lateral_lean_deg=args.trunk_lean,
            **_squat_timing(args),
            **arms,
        )
    return Running(
        duration_s=args.duration if args.duration is not None else 4.0,
        cadence_spm=args.cadence,
        left=legs["left"],
        right=legs["right"],
        trunk_lateral_lean_deg=args.trunk_lean,
        **arms,
    )


def spec_from_args(args: argparse.Namespace):
    """The ClipSpec the flags describe (imports the renderer lazily)."""
    from gaitcheck.synth.body import body_preset, random_body
    from gaitcheck.synth.camera import Camera
    from gaitcheck.synth.clip import ClipSpec
    from gaitcheck.synth.encode import Encoding
    from gaitcheck.synth.scene import Realism

    width, height = _size(args)
    yaw = args.yaw if args.yaw is not None else VIEW_YAW_DEG[args.view or "front"]
    camera = Camera(
        height_m=args.camera_height,
        distance_m=args.distance,
        yaw_deg=yaw,
        pitch_deg=args.pitch,
        vertical_fov_deg=args.fov,
        horizontal_fov_deg=args.hfov,
        roll_deg=args.roll,
        width_px=width,
        height_px=height,
        fps=args.fps,
    )
    body = random_body(np.random.default_rng([args.seed, 17])) if args.body == "random" else body_preset(args.body)
    realism = replace(Realism() if args.realism else Realism.off(), supersample=args.supersample)
    encoding = Encoding(codec=args.codec, crf=args.crf, rotation_tag_deg=args.rotation_tag)
    return ClipSpec(
        movement=movement_from_args(args),
        body=body,
        camera=camera,
        realism=realism,
        encoding=encoding,
        seed=args.seed,
        bystander=bystander_from_args(args, camera),
    )


def bystander_from_args(args: argparse.Namespace, camera):
    """The Bystander the flags describe, or None without --bystander."""
    from gaitcheck.synth.body import body_preset, random_body
    from gaitcheck.synth.bystander import Bystander, walking_across

    kind = getattr(args, "bystander", None)
    if kind is None:
        return None
    name = args.bystander_body
    body = random_body(np.random.default_rng([args.seed, 23])) if name == "random" else body_preset(name)
    toward = args.bystander_toward
    if kind == "standing":
        return Bystander(
            kind="standing",
            body=body,
            lateral_m=0.9 if args.bystander_lateral is None else args.bystander_lateral,
            toward_camera_m=0.8 if toward is None else toward,
        )
    walk = walking_across(camera, toward_camera_m=1.0 if toward is None else toward, body=body)
    if args.bystander_lateral is not None:
        walk = replace(walk, lateral_m=args.bystander_lateral, end_lateral_m=-args.bystander_lateral)
    return replace(walk, speed_m_s=args.bystander_speed)


def run_synth(args: argparse.Namespace) -> int:
    """Render the clip the flags describe; print where it went."""
    out = Path(args.out)
    if out.suffix.lower() != ".mp4":
        raise InputError(f"--out must name an .mp4 file (got {out.name})")
    spec = spec_from_args(args)
    from gaitcheck.synth.clip import render_clip

    result = render_clip(spec, out, progress=None if args.quiet else _Progress())
    if not args.quiet:
        print(_describe(result), file=sys.stdout)
        if spec.bystander is not None:
            print(
                f"  with a {spec.bystander.kind} bystander: both people's boxes under 'people' in "
                f"{result.truth_json_path.name}",
                file=sys.stdout,
            )
    return 0


class _Progress:
    """A frame counter on a terminal; silent when stderr is not a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.enabled:
            end = "\n" if done == total else ""
            print(f"\rrendering: {done}/{total} frames", end=end, file=sys.stderr, flush=True)


def _describe(result) -> str:
    truth, events = result.truth, result.events
    lines = [f"gaitcheck synth: {result.video_path} ({len(truth)} frames, {result.timings_s['total_s']:.1f} s)"]
    for event in events.get("reps", []):
        legs = ", ".join(
            f"{side} FPPA {leg['fppa_front_deg']:+.1f} deg"
            + (" (capped: knees would touch)" if leg["valgus_capped"] else "")
            for side, leg in event["legs"].items()
        )
        lines.append(f"  rep {event['rep'] + 1}: bottom at {event['bottom_s']:.2f} s, {legs}")
    steps = events.get("steps", [])
    if steps:
        lines.append(f"  {len(steps)} steps at {events['cadence_spm']:.0f} steps/min")
    lines.append(f"  truth: {result.truth_csv_path.name}, {result.truth_json_path.name}")
    return "\n".join(lines)
