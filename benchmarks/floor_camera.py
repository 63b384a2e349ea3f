"""Bilateral squats filmed by a phone standing on the floor, turned 30-60 deg: is the movement right?

    python benchmarks/floor_camera.py                # renders once (cached), poses, writes docs/floor-camera.md

Clinics and people at home often stand the phone on the floor against a wall, and rarely square to
the person. From there the far foot looks higher than the near one and the knees come toward the lens,
which once made gaitcheck call a bilateral squat a single-leg squat (issue 11). Each squat is rendered
by gaitcheck.synth (bodies, stance widths, depths and yaw differ from clip to clip), cached in --cache
with its truth, posed once by MediaPipe, and analysed by today's code. Nothing here tuned anything.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from side_running import analysed, made_by, rendered  # noqa: E402  (benchmarks/ is on the path when run as a script)

from gaitcheck.synth import BODY_PRESETS, Camera, ClipSpec, Squat  # noqa: E402
from gaitcheck.synth.reference import load_reference  # noqa: E402

BODIES = ("female", "male", "heavy", "athletic_female", "older_male", "tall_male")
YAWS_DEG = (30.0, -40.0, 50.0, -60.0, 35.0, -55.0)


def spec_for(index: int) -> ClipSpec:
    """A bodyweight squat seen from a phone 5-10 cm above the floor, turned by YAWS_DEG[index]."""
    return ClipSpec(
        movement=Squat(reps=3, rep_s=2.2, pause_s=0.5, stance_width_m=(0.3, 0.4, 0.5)[index % 3]),
        body=BODY_PRESETS[BODIES[index % len(BODIES)]],
        camera=Camera(
            yaw_deg=YAWS_DEG[index % len(YAWS_DEG)],
            height_m=(0.05, 0.1)[index % 2],
            distance_m=2.6,
            width_px=480,
            height_px=640,
            fps=30.0,
            horizontal_fov_deg=(70.0, 80.0)[index % 2],
        ),
        seed=700 + index,
    )


def row(video: Path, cache: Path, index: int) -> str:
    ref = load_reference(video)
    a = analysed(video, cache)
    spec = spec_for(index)
    warnings = ", ".join(sorted({i.code for i in a.issues})) or "-"
    movements = "/".join(sorted({s.movement.value for s in a.segments}))
    return (
        f"| {video.stem} | {spec.camera.yaw_deg:+.0f} | {spec.camera.height_m:.2f} | {spec.body.name} "
        f"| {a.view.value} | {movements} | {'yes' if a.movement.value == 'squat' else 'NO'} "
        f"| {len(a.reps)} of {len(ref.reps)} | {warnings} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=6, help="how many squats")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "gaitcheck-floor")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "floor-camera.md")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    lines = []
    for k in range(args.n):
        video = rendered(args.cache / f"floor_squat_{k}.mp4", spec_for(k))
        lines.append(row(video, args.cache, k))
        print(lines[-1], flush=True)
    text = (
        "# Squats filmed from the floor, turned 30-60 deg\n\n"
        + made_by("python benchmarks/floor_camera.py", started)
        + ": bilateral bodyweight squats rendered by gaitcheck.synth (480x640, 30 fps, 3 "
        "repetitions), the phone 5-10 cm above the floor and turned by the yaw given, posed by MediaPipe, "
        "analysed by today's code. Not used to tune anything.\n\n"
        "| clip | yaw (deg) | camera height (m) | body | view found | movement(s) found | squat? "
        "| repetitions | warnings |\n|---|---|---|---|---|---|---|---|---|\n" + "\n".join(lines) + "\n\n"
        "Target (issue 11): the movement right, with the view warning the oblique camera earns.\n"
    )
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
