"""Regenerate the sample clips in this folder, with their ground truth (fixed seeds: same output).

    python samples/make_samples.py            # all clips, about 5 minutes on 2 CPU cores
    python samples/make_samples.py squat_side # only the clips whose name contains 'squat_side'

Each clip X.mp4 comes with X.truth.csv (per-frame angles, same columns as gaitcheck's angles.csv)
and X.truth.json (the full spec, events, camera). Needs the synth extra (anny + torch).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from gaitcheck.synth import (
    BODY_PRESETS,
    Bystander,
    Camera,
    ClipSpec,
    LegControl,
    Running,
    SingleLegSquat,
    Squat,
    StepDown,
    render_clip,
)

HERE = Path(__file__).resolve().parent
PORTRAIT = Camera(height_m=0.8, distance_m=2.8, width_px=720, height_px=1280, fps=30.0)

SAMPLES: dict[str, ClipSpec] = {
    # bilateral squat to 85 deg, both knees caving in (24 deg rig FPPA at the bottom), arms forward
    "squat_front": ClipSpec(
        movement=Squat(
            reps=3,
            rep_s=2.0,
            pause_s=0.4,
            left=LegControl(valgus_deg=24.0, knee_flexion_deg=85.0, toe_out_deg=10.0),
            right=LegControl(valgus_deg=24.0, knee_flexion_deg=85.0, toe_out_deg=10.0),
            stance_width_m=0.42,
        ),
        body=BODY_PRESETS["male"],
        camera=PORTRAIT,
        seed=101,
    ),
    # right single-leg squat with clear dynamic valgus (28 deg rig FPPA at the bottom) and pelvic drop
    "single_leg_squat_right_valgus_front": ClipSpec(
        movement=SingleLegSquat(
            reps=3,
            rep_s=2.0,
            pause_s=0.4,
            stance="right",
            stance_leg=LegControl(valgus_deg=28.0, knee_flexion_deg=60.0, pelvic_drop_deg=5.0),
            free_leg="forward",
            arms="hips",
        ),
        body=BODY_PRESETS["female"],
        camera=PORTRAIT,
        seed=102,
    ),
    # left single-leg squat with the knee in line (2 deg FPPA), free leg bent back, arms crossed
    "single_leg_squat_left_front": ClipSpec(
        movement=SingleLegSquat(
            reps=3,
            rep_s=2.0,
            pause_s=0.4,
            stance="left",
            stance_leg=LegControl(valgus_deg=2.0, knee_flexion_deg=60.0, pelvic_drop_deg=1.0),
            free_leg="back",
            arms="crossed",
        ),
        body=BODY_PRESETS["athletic_female"],
        camera=PORTRAIT,
        seed=103,
    ),
    # forward step-down from a box on the right leg, knee in line, valgus growing from 3 to 7 deg over the reps
    "step_down_front": ClipSpec(
        movement=StepDown(
            reps=3,
            rep_s=2.2,
            pause_s=0.4,
            stance="right",
            stance_leg=LegControl(valgus_deg=(3.0, 7.0), pelvic_drop_deg=3.0),
            direction="forward",
        ),
        body=BODY_PRESETS["tall_male"],
        camera=Camera(height_m=0.9, distance_m=3.0, width_px=720, height_px=1280, fps=30.0),
        seed=104,
    ),
    # treadmill running seen from behind at 60 fps: more valgus and pelvic drop on the right
    "running_back_60fps": ClipSpec(
        movement=Running(
            duration_s=5.0,
            cadence_spm=180.0,
            left=LegControl(valgus_deg=3.0, pelvic_drop_deg=4.0, toe_out_deg=6.0),
            right=LegControl(valgus_deg=28.0, pelvic_drop_deg=7.0, toe_out_deg=6.0),
        ),
        body=BODY_PRESETS["athletic_female"],
        camera=Camera(height_m=0.7, distance_m=2.8, yaw_deg=180.0, width_px=720, height_px=1280, fps=60.0),
        seed=105,
    ),
    # bilateral squat seen from the subject's left side (sagittal view: knee flexion, trunk lean)
    "squat_side": ClipSpec(
        movement=Squat(
            reps=3,
            rep_s=2.0,
            pause_s=0.4,
            left=LegControl(valgus_deg=3.0, knee_flexion_deg=95.0),
            right=LegControl(valgus_deg=3.0, knee_flexion_deg=95.0),
        ),
        body=BODY_PRESETS["heavy"],
        camera=Camera(height_m=0.8, distance_m=3.0, yaw_deg=90.0, width_px=720, height_px=1280, fps=30.0),
        seed=106,
    ),
    # treadmill running seen from the side, 60 fps, with a coach standing nearer the camera, partly in front
    "running_side_with_coach_60fps": ClipSpec(
        movement=Running(duration_s=4.0, cadence_spm=172.0),
        body=BODY_PRESETS["female"],
        camera=Camera(yaw_deg=90.0, width_px=960, height_px=540, fps=60.0, distance_m=4.0, height_m=1.0),
        seed=107,
        bystander=Bystander(kind="standing", lateral_m=-0.45, toward_camera_m=0.8),
    ),
}


def main(argv: list[str]) -> int:
    chosen = [name for name in SAMPLES if not argv or any(word in name for word in argv)]
    for name in chosen:
        start = time.perf_counter()
        result = render_clip(SAMPLES[name], HERE / f"{name}.mp4")
        size_mb = result.video_path.stat().st_size / 1e6
        print(f"{name}.mp4: {len(result.truth)} frames, {size_mb:.1f} MB, {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
