"""summary.json: what one analysis found, for people and programs (schema: docs/summary-schema.md).

`build(analysis)` turns the model into the JSON-ready dict (NaN written as None); every value in it
comes from the `Analysis`, so a result folder loaded back gives the same dict.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gaitcheck.assess import asymmetry, graded_measure, knee_flexion_source, squat_depth
from gaitcheck.events import running_cadence_spm
from gaitcheck.kinematics import PER_LEG_MEASURES, WHOLE_BODY_MEASURES
from gaitcheck.landmarks import PoseSeries
from gaitcheck.model import Analysis, RepResult, Segment
from gaitcheck.sagittal import FOOT_STRIKE_SOURCE, MIN_STEPS_PER_LEG, PLAUSIBLE, SAGITTAL_NOTES
from gaitcheck.version import __version__
from gaitcheck.vocabulary import SIDES

MEASURE_NOTES = {
    "fppa_deg": "2-D knee frontal plane projection angle (hip keypoint-knee-ankle); + valgus; "
    "blank where the thigh points at the camera",
    "hip_adduction_deg": "2-D femur vs the perpendicular to the pelvis line; + adduction; "
    "blank where the thigh points at the camera",
    "femoral_adduction_deg": "2-D femur vs vertical; + knee medial to hip; blank where the thigh points at the camera",
    "pelvic_drop_deg": "2-D pelvis line vs horizontal, this leg as stance leg; + opposite hip lower",
    "knee_medial_displacement": "knee offset from the hip-ankle line in shank lengths; + medial",
    "knee_over_foot": "knee offset from the foot's midline (heel to toe tip) along the medial direction, "
    "shank lengths; + inside",
    "knee_medial_shift": "how far the knee moves medially over the ankle centre from standing to the bottom, "
    "in standing shank lengths; + inward (bilateral squats are graded on it)",
    "hip_internal_rotation_deg": "not reported (blank): a 3-D estimate from one camera (knee flexion plane vs "
    "pelvis) did not follow the true rotation on held-out renders (kinematics.HIP_ROTATION_TASKS)",
    "trunk_lean_deg": "2-D mid-hip to mid-shoulder line vs vertical; + toward the subject's right",
    "trunk_lean_ipsilateral_deg": "trunk lean toward the stance leg (+)",
    "knee_separation_ratio": "knee gap / ankle gap along the pelvis line (bilateral squats)",
}


#: figures in seconds of real time: withheld (null, or left out of the leg means) from a clip that
#: looks slowed down and has no known real frame rate (`Analysis.slow_motion_suspected`)
REAL_TIME_MEASURES = ("stance_s",)


def primary_cadence_spm(analysis: Analysis) -> float | None:
    """Steps per minute over the segments the verdicts come from (None when not running), in the
    file's time: check `analysis.slow_motion_suspected` before showing it as real."""
    primary = [analysis.segments[i] for i in analysis.primary]
    if not any(s.steps for s in primary):
        return None
    longest = max(primary, key=lambda s: s.stop_row - s.start_row)
    return running_cadence_spm(segment_landmarks(analysis, longest), [p for s in primary for p in s.steps])


def segment_landmarks(analysis: Analysis, segment: Segment) -> PoseSeries:
    return analysis.landmarks.clean.select(slice(segment.start_row, segment.stop_row))


def segment_json(segment: Segment, series: PoseSeries, withhold: bool = False) -> dict[str, Any]:
    cadence = None if withhold or not segment.steps else running_cadence_spm(series, segment.steps)
    return {
        "index": segment.index,
        "start_row": segment.start_row,
        "stop_row": segment.stop_row,
        "start_s": round(segment.start_s, 3),
        "end_s": round(segment.end_s, 3),
        "view": segment.view.to_json(),
        "movement": segment.movement.to_json(),
        "n_reps": len(segment.reps),
        "n_steps": len(segment.steps),
        "cadence_spm": None if cadence is None else round(cadence, 1),
    }


def build(analysis: Analysis) -> dict[str, Any]:
    """The content of summary.json."""
    clean, raw, stats = analysis.landmarks.clean, analysis.landmarks.raw, analysis.frame_stats
    flexion_source = knee_flexion_source(analysis.view, analysis.movement.value)
    legs = {
        side: {
            **analysis.legs[side].to_json(),
            "frame_stats": {m: stats.get(f"{side}_{m}", {"n_frames": 0}) for m in PER_LEG_MEASURES},
        }
        for side in SIDES
    }
    withhold = analysis.slow_motion_suspected is not None
    cadence = None if withhold else primary_cadence_spm(analysis)
    steps = [p.to_json() for p in analysis.step_results]
    if withhold:
        steps = [_without_real_time(p) for p in steps]
        for leg in legs.values():
            leg["measures"] = {k: v for k, v in leg["measures"].items() if k not in REAL_TIME_MEASURES}
    slow = analysis.slow_motion_suspected
    graded = graded_measure(analysis.movement.value)
    summary = {
        "gaitcheck_version": __version__,
        "created": analysis.created,
        "video": analysis.video.to_json(),
        "movement": analysis.movement.to_json(),
        "view": analysis.view.to_json(),
        "subject": raw.notes.get("subject"),
        "segments": [segment_json(s, segment_landmarks(analysis, s), withhold) for s in analysis.segments],
        "primary_segments": analysis.primary,
        "reps": [rep_json(r, analysis.angles, analysis.view.value) for r in analysis.rep_results],
        "steps": steps,
        "cadence_spm": None if cadence is None else round(cadence, 1),
        "slow_motion_suspected": None if slow is None else slow.to_json(),
        "legs": legs,
        "asymmetry": asymmetry(analysis.legs, graded),
        "side_view": side_view_json(analysis, withhold),
        "graded_measure": graded,
        "thresholds": None if analysis.threshold is None else analysis.threshold.to_json(),
        "pose": {
            "model": analysis.settings.model_path.name,
            "model_sha256": analysis.model_sha256,
            "frames": raw.n_frames,
            "frames_with_person": int(raw.detected.sum()),
            "detection_rate": round(raw.detection_rate, 4),
        },
        "cleaning": clean.notes,
        "measures": {**MEASURE_NOTES, "knee_flexion_deg": f"knee flexion from {flexion_source}"},
        "whole_body": {m: stats.get(m, {"n_frames": 0}) for m in WHOLE_BODY_MEASURES},
        "quality": {
            "warnings": analysis.warnings,
            "issues": [issue.to_json() for issue in analysis.issues],
        },
        "settings": analysis.settings.to_json(),
        "timings_s": analysis.timings_s,
    }
    return finite(summary)


def rep_json(result: RepResult, angles: pd.DataFrame, view: str) -> dict[str, Any]:
    """A repetition as summary.json holds it, with its depth in side views: the stance knees' peak
    flexion over the repetition (the mean of both knees' peaks in a bilateral squat) and its name
    (assess.squat_depth). Front and back views get none: there knee flexion is inferred from how
    much thigh and shank shorten in the picture, not seen (docs/definitions.md, 'Knee flexion')."""
    rep = result.rep
    rows = angles["frame"].between(rep.start_frame, rep.end_frame)
    peaks = []
    for side in rep.legs if view == "side" else ():
        values = angles.loc[rows, f"{side}_knee_flexion_deg"].to_numpy(float)
        if np.isfinite(values).any():
            peaks.append(float(np.nanmax(values)))
    peak = float(np.mean(peaks)) if peaks else None
    depth = {"knee_flexion_peak_deg": None if peak is None else round(peak, 1), "name": squat_depth(peak)}
    return {**result.to_json(), "depth": depth}


def side_view_json(analysis: Analysis, withhold: bool = False) -> dict[str, Any] | None:
    """The side-view running measures (gaitcheck.sagittal), null when no segment is running filmed
    side-on; real-time figures withheld as everywhere else when the clip looks slowed down."""
    if analysis.sagittal is None:
        return None
    data = analysis.sagittal.to_json()
    if withhold:
        data["cadence_spm"] = None
        data["steps"] = [_without_real_time(p) for p in data["steps"]]
        for leg in data["legs"].values():
            leg["measures"] = {k: v for k, v in leg["measures"].items() if k not in REAL_TIME_MEASURES}
        data["left_minus_right"] = {k: v for k, v in data["left_minus_right"].items() if k not in REAL_TIME_MEASURES}
    return {
        **data,
        "definitions": dict(SAGITTAL_NOTES),
        "plausible_range": {k: list(v) for k, v in PLAUSIBLE.items()},
        "foot_strike_rule": FOOT_STRIKE_SOURCE,
        "min_steps_per_leg": MIN_STEPS_PER_LEG,
    }


def _without_real_time(step: dict[str, Any]) -> dict[str, Any]:
    """A step's summary with its real-time figures null (its frames, file times and angles kept)."""
    measures = {k: (None if k in REAL_TIME_MEASURES else v) for k, v in (step.get("measures") or {}).items()}
    return {**step, "stance_s": None, "measures": measures}


def finite(value: Any) -> Any:
    """JSON-ready: NaN and infinities become None, numpy scalars plain numbers, paths strings."""
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value
