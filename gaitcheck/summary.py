"""summary.json: what one analysis found, for people and programs (schema: docs/summary-schema.md)."""

from __future__ import annotations

import datetime as _dt
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gaitcheck import __version__
from gaitcheck.assess import THRESHOLDS
from gaitcheck.kinematics import PER_LEG_MEASURES, SIDES, WHOLE_BODY_MEASURES

if TYPE_CHECKING:
    from gaitcheck.analysis import Analysis

MEASURE_NOTES = {
    "fppa_deg": "2-D knee frontal plane projection angle (hip keypoint-knee-ankle); + valgus",
    "hip_adduction_deg": "2-D femur vs the perpendicular to the pelvis line; + adduction",
    "femoral_adduction_deg": "2-D femur vs vertical; + knee medial to hip",
    "pelvic_drop_deg": "2-D pelvis line vs horizontal, this leg as stance leg; + opposite hip lower",
    "knee_medial_displacement": "knee offset from the hip-ankle line in shank lengths; + medial",
    "knee_over_foot": "knee offset from the foot's midline (heel to toe tip) along the medial direction, "
    "shank lengths; + inside",
    "hip_internal_rotation_deg": "EXPERIMENTAL, low confidence: 3-D estimate from one camera (knee flexion plane "
    "vs pelvis), only where the knee is flexed; do not use for decisions",
    "trunk_lean_deg": "2-D mid-hip to mid-shoulder line vs vertical; + toward the subject's right",
    "trunk_lean_ipsilateral_deg": "trunk lean toward the stance leg (+)",
    "knee_separation_ratio": "knee gap / ankle gap along the pelvis line (bilateral squats)",
}


def _stats(values: pd.Series) -> dict[str, Any]:
    finite = values.to_numpy(float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return {"n_frames": 0}
    return {
        "n_frames": int(finite.size),
        "median": round(float(np.median(finite)), 2),
        "p5": round(float(np.percentile(finite, 5)), 2),
        "p95": round(float(np.percentile(finite, 95)), 2),
        "min": round(float(finite.min()), 2),
        "max": round(float(finite.max()), 2),
    }


def _model_facts(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    return {"model": path.name, "model_sha256": digest}


def build_summary(analysis: Analysis) -> dict[str, Any]:
    angles = analysis.angles
    clean, raw = analysis.landmarks.clean, analysis.landmarks.raw
    knee_flexion_source = (
        "2-D image (side view)" if analysis.view.value == "side" else "3-D world landmarks (lower confidence)"
    )
    legs = {}
    for side in SIDES:
        legs[side] = {
            **analysis.legs[side].to_json(),
            "frame_stats": {m: _stats(angles[f"{side}_{m}"]) for m in PER_LEG_MEASURES},
        }
    movement = analysis.movement.value
    threshold = next((t for t in THRESHOLDS if movement in t.tasks), None)
    return {
        "gaitcheck_version": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "video": analysis.video.to_json(),
        "movement": analysis.movement.to_json(),
        "view": analysis.view.to_json(),
        "segments": [s.to_json() for s in analysis.segments],
        "primary_segments": analysis.primary,
        "reps": analysis.rep_details,
        "steps": analysis.step_details,
        "cadence_spm": None if analysis.cadence_spm is None else round(analysis.cadence_spm, 1),
        "legs": legs,
        "asymmetry": analysis.asymmetry,
        "thresholds": None
        if threshold is None
        else {
            "measure": threshold.measure,
            "borderline_from": threshold.borderline_from,
            "valgus_from": threshold.valgus_from,
            "unit": threshold.unit,
            "source": threshold.source,
            "population": threshold.population,
            "note": threshold.note,
        },
        "pose": {
            **_model_facts(analysis.settings.model_path),
            "frames": raw.n_frames,
            "frames_with_person": int(raw.detected.sum()),
            "detection_rate": round(raw.detection_rate, 4),
        },
        "cleaning": clean.notes,
        "measures": {**MEASURE_NOTES, "knee_flexion_deg": f"knee flexion from {knee_flexion_source}"},
        "whole_body": {m: _stats(angles[m]) for m in WHOLE_BODY_MEASURES},
        "quality": {"warnings": list(analysis.warnings)},
        "settings": analysis.settings.to_json(),
        "timings_s": analysis.timings_s,
    }
