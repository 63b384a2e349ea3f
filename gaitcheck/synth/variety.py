"""Random, varied clip specs from a seed: for accuracy benchmarks and calibration sets.

Each spec draws a body, a movement with its knobs (valgus -5..20 deg, depth, pelvic drop, lean),
a camera (height, distance, yaw within 15 deg of a front or back view, frame rate, orientation)
and the realism switches. The same seed always gives the same spec, and render_clip makes the same
clip from it.
"""

from __future__ import annotations

from typing import TypeVar, cast

import numpy as np

from gaitcheck.synth.body import BODY_PRESETS, random_body
from gaitcheck.synth.camera import Camera
from gaitcheck.synth.clip import ClipSpec
from gaitcheck.synth.movements import (
    VALGUS_RANGE_DEG,
    LegControl,
    Movement,
    Running,
    Side,
    SingleLegSquat,
    Squat,
    StepDown,
)
from gaitcheck.synth.scene import Realism

MOVEMENT_KINDS = ("squat", "single-leg-squat", "step-down", "run")

_Option = TypeVar("_Option", bound=str)


def _pick(rng: np.random.Generator, options: list[_Option]) -> _Option:
    """rng.choice of one of the strings, typed as the option it is (numpy returns a numpy str)."""
    return cast(_Option, str(rng.choice(options)))


def _valgus(rng: np.random.Generator) -> float:
    return round(float(rng.uniform(*VALGUS_RANGE_DEG)), 2)


def random_movement(rng: np.random.Generator, kind: str) -> Movement:
    """A movement of the given kind with random knobs in clinically plausible ranges."""
    side: Side = _pick(rng, ["left", "right"])
    lateral = round(float(rng.uniform(-4.0, 4.0)), 2)
    if kind == "squat":
        knee = round(float(rng.uniform(60.0, 95.0)), 1)
        toe_out = round(float(rng.uniform(0.0, 18.0)), 1)
        legs = {
            s: LegControl(valgus_deg=_valgus(rng), knee_flexion_deg=knee, toe_out_deg=toe_out)
            for s in ("left", "right")
        }
        return Squat(
            reps=int(rng.integers(3, 5)),
            rep_s=round(float(rng.uniform(2.0, 3.0)), 2),
            pause_s=0.4,
            left=legs["left"],
            right=legs["right"],
            stance_width_m=round(float(rng.uniform(0.26, 0.42)), 3),
            trunk_lateral_lean_deg=lateral,
        )
    control = LegControl(
        valgus_deg=_valgus(rng),
        knee_flexion_deg=round(float(rng.uniform(45.0, 75.0) if kind != "step-down" else rng.uniform(75, 90)), 1),
        pelvic_drop_deg=round(float(rng.uniform(0.0, 8.0)), 2),
        toe_out_deg=round(float(rng.uniform(0.0, 14.0)), 1),
    )
    if kind == "single-leg-squat":
        return SingleLegSquat(
            reps=int(rng.integers(3, 5)),
            rep_s=round(float(rng.uniform(2.0, 3.0)), 2),
            pause_s=0.4,
            stance=side,
            stance_leg=control,
            free_leg=_pick(rng, ["forward", "back"]),
            trunk_lateral_lean_deg=lateral,
            arms=_pick(rng, ["hips", "crossed"]),
        )
    if kind == "step-down":
        return StepDown(
            reps=int(rng.integers(3, 5)),
            rep_s=round(float(rng.uniform(2.0, 3.0)), 2),
            pause_s=0.4,
            stance=side,
            stance_leg=control,
            direction=_pick(rng, ["forward", "lateral"]),
            trunk_lateral_lean_deg=lateral,
            arms=_pick(rng, ["hips", "crossed"]),
        )
    legs = {
        s: LegControl(
            valgus_deg=round(float(rng.uniform(-2.0, 15.0)), 2),
            knee_flexion_deg=round(float(rng.uniform(35.0, 45.0)), 1),
            pelvic_drop_deg=round(float(rng.uniform(0.0, 8.0)), 2),
            toe_out_deg=round(float(rng.uniform(0.0, 12.0)), 1),
        )
        for s in ("left", "right")
    }
    return Running(
        duration_s=round(float(rng.uniform(3.0, 4.0)), 2),
        cadence_spm=round(float(rng.uniform(160.0, 190.0)), 1),
        left=legs["left"],
        right=legs["right"],
        step_width_m=round(float(rng.uniform(0.03, 0.12)), 3),
    )


def random_camera(rng: np.random.Generator, kind: str) -> Camera:
    back = rng.random() < (0.5 if kind == "run" else 0.25)
    yaw = float(rng.uniform(-15.0, 15.0)) + (180.0 if back else 0.0)
    portrait = rng.random() < 0.8
    width, height = (720, 1280) if portrait else (1280, 720)
    fps = float(rng.choice([60.0, 120.0] if kind == "run" else [30.0, 60.0]))
    return Camera(
        height_m=round(float(rng.uniform(0.5, 1.3)), 3),
        distance_m=round(float(rng.uniform(2.4, 4.0)), 3),
        yaw_deg=round(yaw, 2),
        pitch_deg=None if rng.random() < 0.7 else 0.0,
        width_px=width,
        height_px=height,
        fps=fps,
    )


def random_clip_spec(seed: int, movement: str | None = None) -> ClipSpec:
    """One varied clip spec; `movement` fixes the kind (squat, single-leg-squat, step-down, run)."""
    rng = np.random.default_rng([seed, 2024])
    kind = movement or str(rng.choice(MOVEMENT_KINDS))
    if kind not in MOVEMENT_KINDS:
        raise ValueError(f"unknown movement {kind!r}")
    body = random_body(rng) if rng.random() < 0.5 else BODY_PRESETS[str(rng.choice(list(BODY_PRESETS)))]
    realism = Realism() if rng.random() < 0.75 else Realism.off()
    return ClipSpec(
        movement=random_movement(rng, kind),
        body=body,
        camera=random_camera(rng, kind),
        realism=realism,
        seed=int(seed),
    )


def benchmark_specs(n: int = 40, seed: int = 0) -> list[ClipSpec]:
    """n varied specs cycling through the four movements (seeds seed, seed+1, ...)."""
    return [random_clip_spec(seed + i, MOVEMENT_KINDS[i % len(MOVEMENT_KINDS)]) for i in range(n)]
