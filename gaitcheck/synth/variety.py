"""Random, varied clip specs from a seed: for accuracy benchmarks and calibration sets.

Each spec draws what real people and phones vary:

* a body (sex, late teens to old age, 1.35-2.05 m, lean to heavy; or a preset);
* a movement with its knobs: valgus -5..20 deg, foot progression 10 deg toe-in to 35 deg toe-out,
  squat stance 0.2-0.55 m and depth 40-115 deg knee flexion, single-leg depth 40-85 deg, the free
  leg forward / back / high / to the side with free hip flexion 0-90 deg, every arm style, trunk
  forward and lateral lean, tempo 1.5-4 s per rep, running cadence 150-195 steps/min;
* a phone camera: horizontal field of view 55-85 deg, 0.05-1.5 m high (floor to chest), aimed or
  pitched by hand, roll -8..8 deg, yaw within 60 deg of a front or back view (60 % within 20 deg),
  2-5 m away, 480x360 to 1080x1920 portrait or landscape, 30/60/120/240 fps;
* the look (room, clothes, light, noise, blur - each switch on or off) and the file's compression;
* on request (`random_bystander`), a second person standing by or walking across, nearer or farther.

The camera is re-drawn until the whole body (arms, free leg, step box) is in the picture and at
least MIN_BODY_SHARE of its height. Clips stay under MAX_FRAMES frames (fewer reps, or shorter
running, at high frame rates). The same seed always gives the same spec, and render_clip makes the
same clip from it; `factors` flattens a spec into the values a benchmark bins and holds out on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import TypeVar, cast

import numpy as np

from gaitcheck.errors import InputError
from gaitcheck.synth.body import BODY_PRESETS, Body, estimated_stature_m, random_body
from gaitcheck.synth.bystander import MIN_CAMERA_DEPTH_M, Bystander, walking_across
from gaitcheck.synth.camera import Camera, framing_aim_height_m, make_projection
from gaitcheck.synth.clip import ClipSpec
from gaitcheck.synth.encode import Encoding
from gaitcheck.synth.motion import DEFAULT_KNEE_FLEXION_DEG, free_leg_for
from gaitcheck.synth.movements import (
    ARM_STYLES,
    VALGUS_RANGE_DEG,
    ArmStyle,
    FreeLegStyle,
    LegControl,
    Level,
    Movement,
    Running,
    SingleLegSquat,
    Squat,
    StepDown,
)
from gaitcheck.synth.scene import Realism, choose_look

MOVEMENT_KINDS = ("squat", "single-leg-squat", "step-down", "run")
#: Frame rates drawn, and their weights for squat-like tasks and for running.
FPS_CHOICES = (30.0, 60.0, 120.0, 240.0)
FPS_WEIGHTS = {"squat-like": (0.35, 0.35, 0.2, 0.1), "run": (0.15, 0.35, 0.35, 0.15)}
#: Frame sizes (landscape width x height; portrait swaps them), 480x360 up to 1920x1080, with weights.
FRAME_SIZES_PX = ((480, 360), (640, 480), (854, 480), (960, 540), (1280, 720), (1920, 1080))
FRAME_SIZE_WEIGHTS = (0.1, 0.15, 0.15, 0.2, 0.25, 0.15)
PORTRAIT_SHARE = 0.7
#: A clip has at most this many frames (reps, rep time or running time are cut to fit).
MAX_FRAMES = 600
#: The standing body must span at least this share of the picture's height (people frame themselves).
MIN_BODY_SHARE = 0.3
#: Projected body points must stay this share of the picture's size inside its edges.
FRAME_MARGIN = 0.03
#: Arm styles of squat-like tasks (running swings its arms).
STILL_ARM_STYLES: tuple[ArmStyle, ...] = cast(tuple[ArmStyle, ...], tuple(a for a in ARM_STYLES if a != "swing"))
#: Per free-leg style: ranges (deg) of free hip and knee flexion at the bottom, when overridden.
FREE_LEG_RANGES_DEG: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "forward": ((25.0, 60.0), (10.0, 60.0)),
    "back": ((0.0, 30.0), (70.0, 110.0)),
    "high": ((60.0, 90.0), (70.0, 110.0)),
    "side": ((0.0, 25.0), (0.0, 30.0)),
}

_Option = TypeVar("_Option", bound=str)


def _pick(rng: np.random.Generator, options: list[_Option] | tuple[_Option, ...]) -> _Option:
    """rng.choice of one of the strings, typed as the option it is (numpy returns a numpy str)."""
    return cast(_Option, str(rng.choice(list(options))))


def _uniform(rng: np.random.Generator, low: float, high: float, digits: int = 1) -> float:
    return round(float(rng.uniform(low, high)), digits)


def _valgus(rng: np.random.Generator) -> float:
    return _uniform(rng, *VALGUS_RANGE_DEG, digits=2)


def _toe_out(rng: np.random.Generator) -> float:
    """Foot progression: 10 deg toe-in to 35 deg toe-out, most people 0-20 deg out."""
    return round(float(np.clip(rng.normal(9.0, 10.0), -10.0, 35.0)), 1)


# ------------------------------------------------------------------------------------------------
# movements
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Timing:
    """Repetition timing that fits a clip into a duration budget."""

    reps: int
    rep_s: float
    pause_s: float
    lead_s: float

    @property
    def duration_s(self) -> float:
        return 2 * self.lead_s + self.reps * self.rep_s + (self.reps - 1) * self.pause_s


def random_timing(rng: np.random.Generator, max_duration_s: float) -> Timing:
    """2-4 reps of 1.5-4 s; fewer reps, then shorter leads and reps, when the budget is short."""
    timing = Timing(
        reps=int(rng.integers(2, 5)),
        rep_s=_uniform(rng, 1.5, 4.0, 2),
        pause_s=_uniform(rng, 0.2, 0.8, 2),
        lead_s=_uniform(rng, 0.3, 0.6, 2),
    )
    while timing.reps > 1 and timing.duration_s > max_duration_s:
        timing = Timing(timing.reps - 1, timing.rep_s, timing.pause_s, timing.lead_s)
    if timing.duration_s > max_duration_s:
        lead = 0.25
        timing = Timing(1, round(min(timing.rep_s, max_duration_s - 2 * lead), 2), timing.pause_s, lead)
    return timing


def _forward_lean(rng: np.random.Generator, knee_deg: float) -> float | None:
    """None (the default: 40 % of knee flexion) half the time, else 20-60 % of it (at most 60 deg)."""
    return None if rng.random() < 0.5 else round(min(60.0, knee_deg * float(rng.uniform(0.2, 0.6))), 1)


def random_squat(rng: np.random.Generator, max_duration_s: float) -> Squat:
    knee = _uniform(rng, 40.0, 115.0)
    toe_out = _toe_out(rng)
    legs = {
        side: LegControl(
            valgus_deg=_valgus(rng),
            knee_flexion_deg=knee,
            toe_out_deg=round(float(np.clip(toe_out + rng.normal(0.0, 3.0), -10.0, 35.0)), 1),
        )
        for side in ("left", "right")
    }
    timing = random_timing(rng, max_duration_s)
    return Squat(
        **vars(timing),
        left=legs["left"],
        right=legs["right"],
        stance_width_m=_uniform(rng, 0.2, 0.55, 3),
        arms=_pick(rng, STILL_ARM_STYLES),
        trunk_forward_lean_deg=_forward_lean(rng, knee),
        trunk_lateral_lean_deg=_uniform(rng, -6.0, 6.0, 2),
    )


def _single_leg_control(rng: np.random.Generator, knee_range: tuple[float, float]) -> LegControl:
    return LegControl(
        valgus_deg=_valgus(rng),
        knee_flexion_deg=_uniform(rng, *knee_range),
        pelvic_drop_deg=_uniform(rng, 0.0, 8.0, 2),
        toe_out_deg=_toe_out(rng),
    )


def random_single_leg_squat(rng: np.random.Generator, max_duration_s: float) -> SingleLegSquat:
    control = _single_leg_control(rng, (40.0, 85.0))
    style: FreeLegStyle = _pick(rng, ["forward", "back", "high", "side"])
    hip_range, knee_range = FREE_LEG_RANGES_DEG[style]
    return SingleLegSquat(
        **vars(random_timing(rng, max_duration_s)),
        stance=_pick(rng, ["left", "right"]),
        stance_leg=control,
        free_leg=style,
        free_hip_flexion_deg=_uniform(rng, *hip_range) if rng.random() < 0.5 else None,
        free_knee_flexion_deg=_uniform(rng, *knee_range) if rng.random() < 0.4 else None,
        arms=_pick(rng, STILL_ARM_STYLES),
        trunk_forward_lean_deg=_forward_lean(rng, float(cast(float, control.knee_flexion_deg))),
        trunk_lateral_lean_deg=_uniform(rng, -6.0, 6.0, 2),
    )


def random_step_down(rng: np.random.Generator, max_duration_s: float) -> StepDown:
    control = _single_leg_control(rng, (60.0, 90.0))
    return StepDown(
        **vars(random_timing(rng, max_duration_s)),
        stance=_pick(rng, ["left", "right"]),
        stance_leg=control,
        direction=_pick(rng, ["forward", "lateral"]),
        arms=_pick(rng, STILL_ARM_STYLES),
        trunk_lateral_lean_deg=_uniform(rng, -6.0, 6.0, 2),
    )


def random_running(rng: np.random.Generator, max_duration_s: float) -> Running:
    legs = {
        side: LegControl(
            valgus_deg=_uniform(rng, -2.0, 15.0, 2),
            knee_flexion_deg=_uniform(rng, 35.0, 50.0),
            pelvic_drop_deg=_uniform(rng, 0.0, 8.0, 2),
            toe_out_deg=round(float(np.clip(rng.normal(7.0, 7.0), -10.0, 30.0)), 1),
        )
        for side in ("left", "right")
    }
    return Running(
        duration_s=round(min(float(rng.uniform(3.0, 4.0)), max_duration_s), 2),
        cadence_spm=_uniform(rng, 150.0, 195.0),
        left=legs["left"],
        right=legs["right"],
        step_width_m=_uniform(rng, 0.0, 0.14, 3),
        trunk_forward_lean_deg=_uniform(rng, 3.0, 15.0),
        trunk_lateral_lean_deg=_uniform(rng, -4.0, 4.0, 2),
    )


def random_movement(rng: np.random.Generator, kind: str, max_duration_s: float = 20.0) -> Movement:
    """A movement of the given kind with random knobs in plausible ranges, at most max_duration_s long."""
    makers: dict[str, Callable[[np.random.Generator, float], Movement]] = {
        "squat": random_squat,
        "single-leg-squat": random_single_leg_squat,
        "step-down": random_step_down,
        "run": random_running,
    }
    if kind not in makers:
        raise ValueError(f"unknown movement {kind!r}")
    return makers[kind](rng, max_duration_s)


# ------------------------------------------------------------------------------------------------
# cameras
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Extent:
    """The space the moving body may fill, around the subject's vertical axis (m)."""

    top_m: float  # highest point above the floor (crown, raised hands, or the box plus the crown)
    half_width_m: float  # arms, free leg and stride, to each side and to the front and back
    stature_m: float


def body_extent(body: Body, kind: str, arms: str) -> Extent:
    """A conservative box around the moving body (the estimated stature plus 4 cm)."""
    stature = estimated_stature_m(body) + 0.04
    top = stature * (1.3 if arms == "overhead" else 1.0) + (0.35 if kind == "step-down" else 0.0)
    return Extent(top_m=top, half_width_m=0.55, stature_m=stature)


def frames_body(camera: Camera, extent: Extent) -> bool:
    """Whether the body's box is inside the picture (with a margin) and big enough in it."""
    projection = make_projection(camera, framing_aim_height_m(camera, extent.stature_m))
    w = extent.half_width_m
    corners = np.array([(x, y, z) for x in (-w, w) for y in (-w, w) for z in (0.0, extent.top_m)])
    px = projection.project(corners)
    in_front = np.all(projection.to_camera(corners)[:, 2] > 0.3)
    size = np.array([camera.width_px, camera.height_px])
    inside = np.all(px >= FRAME_MARGIN * size) and np.all(px <= (1 - FRAME_MARGIN) * size)
    feet, crown = projection.project(np.array([[0.0, 0.0, 0.0], [0.0, 0.0, extent.stature_m]]))
    big_enough = np.linalg.norm(feet - crown) >= MIN_BODY_SHARE * camera.height_px
    return bool(in_front and inside and big_enough)


def _yaw(rng: np.random.Generator, kind: str) -> float:
    """Within 20 deg of square 60 % of the time, else 20-60 deg off; behind for a quarter (half when running)."""
    back = rng.random() < (0.5 if kind == "run" else 0.25)
    off = rng.uniform(-20.0, 20.0) if rng.random() < 0.6 else rng.choice([-1.0, 1.0]) * rng.uniform(20.0, 60.0)
    return round(float(off) + (180.0 if back else 0.0), 2)


def _draw_camera(rng: np.random.Generator, yaw_deg: float, fps: float, extent: Extent) -> Camera:
    """One candidate camera (it may not frame the body)."""
    width, height = FRAME_SIZES_PX[int(rng.choice(len(FRAME_SIZES_PX), p=FRAME_SIZE_WEIGHTS))]
    if rng.random() < PORTRAIT_SHARE:
        width, height = height, width
    camera = Camera(
        height_m=_uniform(rng, 0.05, 1.5, 3),
        distance_m=_uniform(rng, 2.0, 5.0, 3),
        yaw_deg=yaw_deg,
        width_px=width,
        height_px=height,
        fps=fps,
        horizontal_fov_deg=_uniform(rng, 55.0, 85.0),
        roll_deg=_uniform(rng, -8.0, 8.0, 2),
    )
    if rng.random() < 0.6:
        return camera
    aim = framing_aim_height_m(camera, extent.stature_m)
    aimed_pitch = math.degrees(math.atan2(camera.height_m - aim, camera.distance_m))
    return replace(camera, pitch_deg=round(aimed_pitch + float(rng.uniform(-6.0, 6.0)), 2))


def _nearest_fitting_distance(camera: Camera, extent: Extent) -> Camera | None:
    """The camera moved to the distance nearest its own (2-5 m, 5 cm steps) that frames the body."""
    candidates = sorted(np.arange(2.0, 5.001, 0.05), key=lambda d: abs(d - camera.distance_m))
    for distance in [camera.distance_m, *candidates]:
        moved = replace(camera, distance_m=round(float(distance), 3))
        if frames_body(moved, extent):
            return moved
    return None


def random_camera(rng: np.random.Generator, kind: str, fps: float, extent: Extent) -> Camera:
    """A phone camera that frames the body: drawn, moved nearer or farther if needed, re-drawn if
    no distance works (a safe tripod camera after 30 tries)."""
    yaw = _yaw(rng, kind)
    for _ in range(30):
        camera = _nearest_fitting_distance(_draw_camera(rng, yaw, fps, extent), extent)
        if camera is not None:
            return camera
    return Camera(height_m=0.9, distance_m=3.5, yaw_deg=yaw, fps=fps, horizontal_fov_deg=65.0)


def random_fps(rng: np.random.Generator, kind: str) -> float:
    weights = FPS_WEIGHTS["run" if kind == "run" else "squat-like"]
    return float(FPS_CHOICES[int(rng.choice(len(FPS_CHOICES), p=weights))])


# ------------------------------------------------------------------------------------------------
# look and file
# ------------------------------------------------------------------------------------------------
def random_realism(rng: np.random.Generator) -> Realism:
    """All effects off for 15 % of clips; otherwise each switch on or off on its own (mostly on)."""
    if rng.random() < 0.15:
        return Realism.off()

    def on(chance: float) -> bool:
        return bool(rng.random() < chance)

    return Realism(
        background=on(0.9),
        clothing=on(0.95),
        lighting=on(0.9),
        shadows=on(0.9),
        noise=on(0.85),
        motion_blur=on(0.85),
        supersample=2 if on(0.15) else 1,
    )


def random_encoding(rng: np.random.Generator, portrait: bool) -> Encoding:
    """H.264 (HEVC for 15 %), CRF 16 (a phone's own file) to 32 (a messenger's re-encode), and the
    display-rotation tag phones write (portrait clips are mostly stored sideways)."""
    tags, weights = ((0, 90, -90), (0.5, 0.35, 0.15)) if portrait else ((0, 180), (0.9, 0.1))
    return Encoding(
        codec="hevc" if rng.random() < 0.15 else "h264",
        crf=int(rng.integers(16, 33)),
        rotation_tag_deg=int(tags[int(rng.choice(len(tags), p=weights))]),
    )


# ------------------------------------------------------------------------------------------------
# clip specs
# ------------------------------------------------------------------------------------------------
def random_clip_spec(seed: int, movement: str | None = None) -> ClipSpec:
    """One varied clip spec; `movement` fixes the kind (squat, single-leg-squat, step-down, run)."""
    rng = np.random.default_rng([seed, 2025])
    kind = movement or str(rng.choice(MOVEMENT_KINDS))
    if kind not in MOVEMENT_KINDS:
        raise ValueError(f"unknown movement {kind!r}")
    body = random_body(rng) if rng.random() < 0.5 else BODY_PRESETS[str(rng.choice(list(BODY_PRESETS)))]
    fps = random_fps(rng, kind)
    moving = random_movement(rng, kind, max_duration_s=(MAX_FRAMES - 2) / fps)
    camera = random_camera(rng, kind, fps, body_extent(body, kind, moving.arms))
    return ClipSpec(
        movement=moving,
        body=body,
        camera=camera,
        realism=random_realism(rng),
        encoding=random_encoding(rng, portrait=camera.height_px > camera.width_px),
        seed=int(seed),
    )


def random_bystander(rng: np.random.Generator, camera: Camera) -> Bystander:
    """A second person in the picture: standing 0.7 m or more to either side, anywhere from 1 m
    behind the subject to 1.5 m nearer the camera, facing any way; or walking across the picture
    in front of or behind the subject at 0.7-1.6 m/s. Any body. Redrawn until the two people keep
    apart and the bystander stands in front of the camera."""
    body = random_body(rng) if rng.random() < 0.5 else BODY_PRESETS[str(rng.choice(list(BODY_PRESETS)))]
    seed = int(rng.integers(0, 10_000))
    for _ in range(50):
        toward = _uniform(rng, -1.0, 1.5, 2)
        try:
            if rng.random() < 0.5:
                depth = camera.distance_m - toward
                if depth < MIN_CAMERA_DEPTH_M + 0.2:  # the margin covers the camera's pitch and yaw
                    raise InputError("the bystander would stand too near the camera")
                half_width = depth * math.tan(math.radians(camera.horizontal_fov_used_deg) / 2)
                lateral = _uniform(rng, 0.7, max(0.75, half_width - 0.2), 2) * float(rng.choice([-1.0, 1.0]))
                facing = _uniform(rng, -180.0, 180.0, 0)
                return Bystander("standing", body, lateral, toward, facing_deg=facing, seed=seed)
            speed = _uniform(rng, 0.7, 1.6, 2)
            return walking_across(camera, toward, body, speed, from_left=bool(rng.random() < 0.5), seed=seed)
        except InputError:
            continue
    raise InputError("no bystander fits this camera (50 tries)")


def bystander_clip_spec(seed: int, movement: str, max_fps: float = 60.0) -> ClipSpec:
    """A varied clip (`random_clip_spec`) with a random second person (`random_bystander`), filmed
    at most at `max_fps` (following a person does not need 240 frames a second)."""
    spec = random_clip_spec(seed, movement)
    camera = replace(spec.camera, fps=min(spec.camera.fps, max_fps))
    rng = np.random.default_rng([seed, 2026])
    return replace(spec, camera=camera, bystander=random_bystander(rng, camera))


def benchmark_specs(n: int = 40, seed: int = 0) -> list[ClipSpec]:
    """n varied specs cycling through the four movements (seeds seed, seed+1, ...)."""
    return [random_clip_spec(seed + i, MOVEMENT_KINDS[i % len(MOVEMENT_KINDS)]) for i in range(n)]


# ------------------------------------------------------------------------------------------------
# factors
# ------------------------------------------------------------------------------------------------
def _mean_level(level: Level | None, default: float) -> float:
    """A Level's mean over the clip (the mean of first and last for a ramp); default when None."""
    if level is None:
        return default
    if isinstance(level, (tuple, list)):
        return float(np.mean(level))
    return float(level)


def _stance_legs(movement: Movement) -> list[LegControl]:
    if isinstance(movement, (Squat, Running)):
        return [movement.left, movement.right]
    return [movement.stance_leg]


def _free_leg(movement: Movement) -> tuple[str, float]:
    """(free-leg style or 'none', its hip flexion at the bottom in deg or nan)."""
    if isinstance(movement, SingleLegSquat):
        return movement.free_leg, free_leg_for(movement).bottom.hip_flexion_deg
    if isinstance(movement, StepDown):  # the forward step-down's free hip is fitted to the box
        return "step-" + movement.direction, math.nan
    return "none", math.nan


def _sex(body: Body) -> str:
    return "male" if body.sex <= 0.2 else "female" if body.sex >= 0.8 else "intermediate"


def _realism(realism: Realism) -> str:
    switches = [getattr(realism, f.name) for f in fields(realism) if f.type == "bool"]
    return "on" if any(switches) else "off"


def factors(spec: ClipSpec) -> dict[str, float | str]:
    """The factor values of a spec, flat, for binning a benchmark's errors and holding factors out.

    Angles in degrees, lengths in metres; nan where a factor does not apply. ``toe_out_deg`` and
    ``knee_flexion_deg`` (the target at the bottom, or at midstance when running) are means over
    the stance leg(s) and reps; ``body_height_m`` is estimated from the phenotype (within ~5 cm;
    the clip's sidecar has the rig's own); ``compression`` is the encoder's CRF (higher: worse).
    """
    movement, camera, body = spec.movement, spec.camera, spec.body
    yaw = (camera.yaw_deg + 180.0) % 360.0 - 180.0
    legs = _stance_legs(movement)
    default_knee = DEFAULT_KNEE_FLEXION_DEG[movement.kind]
    free_leg, free_hip = _free_leg(movement)
    forward_lean = getattr(movement, "trunk_forward_lean_deg", None)
    return {
        "movement": movement.kind,
        "view": camera.view,
        "yaw_deg": yaw,
        "yaw_off_square_deg": min(abs(yaw), 180.0 - abs(yaw)),
        "camera_height_m": camera.height_m,
        "camera_distance_m": camera.distance_m,
        "horizontal_fov_deg": camera.horizontal_fov_used_deg,
        "vertical_fov_deg": camera.fov_deg,
        "roll_deg": camera.roll_deg,
        "pitch_deg": math.nan if camera.pitch_deg is None else camera.pitch_deg,
        "fps": camera.fps,
        "width_px": camera.width_px,
        "height_px": camera.height_px,
        "orientation": "portrait" if camera.height_px > camera.width_px else "landscape",
        "duration_s": movement.duration_s,
        "toe_out_deg": float(np.mean([leg.toe_out_deg for leg in legs])),
        "stance_width_m": movement.stance_width_m if isinstance(movement, Squat) else math.nan,
        "knee_flexion_deg": float(np.mean([_mean_level(leg.knee_flexion_deg, default_knee) for leg in legs])),
        "valgus_deg": float(np.mean([_mean_level(leg.valgus_deg, math.nan) for leg in legs])),
        "trunk_forward_lean_deg": _mean_level(forward_lean, math.nan),
        "trunk_lateral_lean_deg": _mean_level(movement.trunk_lateral_lean_deg, 0.0),
        "free_leg": free_leg,
        "free_hip_flexion_deg": free_hip,
        "arms": movement.arms,
        "body_height_m": estimated_stature_m(body),
        "sex": _sex(body),
        "body_age": body.age,
        "body_weight": body.weight,
        "realism": _realism(spec.realism),
        "room": choose_look(spec.realism, spec.seed, camera.yaw_deg).room,
        "compression": float(spec.encoding.crf),
        "codec": spec.encoding.codec,
        "rotation_tag_deg": float(spec.encoding.rotation_tag_deg),
        "bystander": "none" if spec.bystander is None else spec.bystander.kind,
    }
