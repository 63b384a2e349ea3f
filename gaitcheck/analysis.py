"""The one flow every front-end calls: video -> pose -> clean -> kinematics (-> events -> assessment).

`analyze()` returns an `Analysis` holding each stage's product; writing files is a separate step
(`Analysis.save`), so `--from-landmarks` re-enters the flow after pose inference and a batch worker
is just analyze + save.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gaitcheck import __version__
from gaitcheck.cleaning import clean_before_filter, cutoff_for, lowpass
from gaitcheck.errors import InputError, NoPersonError
from gaitcheck.events import Detected, detect_movement, detect_view, given
from gaitcheck.kinematics import PER_LEG_MEASURES, SIDES, WHOLE_BODY_MEASURES, compute_angles
from gaitcheck.landmarks import Landmarks, PoseSeries
from gaitcheck.pose import Progress, estimate_pose
from gaitcheck.settings import Settings
from gaitcheck.video import VideoInfo, iter_frames, prefetch, probe_video

log = logging.getLogger(__name__)

MIN_FRAMES_WITH_PERSON = 10
LOW_DETECTION_RATE = 0.9

# File names inside a result folder.
ANGLES_CSV = "angles.csv"
LANDMARKS_RAW_CSV = "landmarks_raw.csv"
LANDMARKS_CLEAN_CSV = "landmarks_clean.csv"
SUMMARY_JSON = "summary.json"
RUN_LOG = "run.log"

MEASURE_NOTES = {
    "fppa_deg": "2-D knee frontal plane projection angle (hip keypoint-knee-ankle); + valgus",
    "hip_adduction_deg": "2-D femur vs the perpendicular to the pelvis line; + adduction",
    "femoral_adduction_deg": "2-D femur vs vertical; + knee medial to hip",
    "pelvic_drop_deg": "2-D pelvis line vs horizontal, this leg as stance leg; + opposite hip lower",
    "knee_medial_displacement": "knee offset from the hip-ankle line in shank lengths; + medial",
    "hip_internal_rotation_deg": "EXPERIMENTAL, low confidence: 3-D estimate from one camera (knee flexion plane "
    "vs pelvis), only where the knee is flexed; do not use for decisions",
    "trunk_lean_deg": "2-D mid-hip to mid-shoulder line vs vertical; + toward the subject's right",
    "knee_separation_ratio": "knee gap / ankle gap along the pelvis line (bilateral squats)",
}


@dataclass
class Analysis:
    """Everything one run produced. `angles` has one row per frame (see angles.csv)."""

    video: VideoInfo
    settings: Settings
    landmarks: Landmarks
    view: Detected
    movement: Detected
    angles: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)
    log_lines: list[str] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, Any]:
        """The content of summary.json."""
        return build_summary(self)

    def save(self, out_dir: str | Path) -> Path:
        """Write angles.csv, landmarks_raw.csv, landmarks_clean.csv, summary.json and run.log."""
        return save_analysis(self, out_dir)


# ------------------------------------------------------------------------------------------------
@contextmanager
def _collect_log(lines: list[str]) -> Iterator[None]:
    """Keep this run's log records so every front-end can write the same run.log."""

    class _ListHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = _ListHandler(level=logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("gaitcheck")
    previous = root.level
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.DEBUG:
        root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def _settings(settings: Settings | None, overrides: dict[str, Any]) -> Settings:
    base = settings if settings is not None else Settings()
    return base.replace(**overrides) if overrides else base


def analyze(
    video: str | Path,
    settings: Settings | None = None,
    *,
    progress: Progress | None = None,
    **overrides: Any,
) -> Analysis:
    """Analyse one clip. Keyword overrides are Settings fields, e.g. analyze(p, movement="squat")."""
    settings = _settings(settings, overrides)
    lines: list[str] = []
    with _collect_log(lines):
        log.info("gaitcheck %s analysing %s", __version__, video)
        started = time.perf_counter()
        info = probe_video(video, settings.capture_fps)
        log.info(
            "video: %dx%d px, %.2f fps, %d frames, rotation %d deg, codec %s",
            info.width_px, info.height_px, info.fps, info.n_frames, info.rotation_deg, info.codec,
        )  # fmt: skip
        frames = iter_frames(info, settings.max_inference_side_px)
        raw = estimate_pose(prefetch(frames), info, settings, progress)
        info = info.with_timestamps(raw.time_s)
        pose_s = time.perf_counter() - started
        log.info("pose: person found in %d of %d frames (%.1f s)", raw.detected.sum(), raw.n_frames, pose_s)
        analysis = analyze_landmarks(raw, info, settings)
    analysis.timings_s = {"pose": round(pose_s, 2), **analysis.timings_s}
    analysis.log_lines = lines  # the outer collector saw every record, the inner ones too
    return analysis


def analyze_landmarks(raw: PoseSeries, info: VideoInfo, settings: Settings) -> Analysis:
    """Everything after pose inference: cleaning, view and movement, angles."""
    lines: list[str] = []
    with _collect_log(lines):
        started = time.perf_counter()
        n_found = int(raw.detected.sum())
        if n_found == 0:
            raise NoPersonError(f"no person found in any of the {raw.n_frames} frames of {info.path}")
        if n_found < MIN_FRAMES_WITH_PERSON:
            raise NoPersonError(
                f"a person was found in only {n_found} of {raw.n_frames} frames of {info.path}: too few to analyse"
            )
        pre = clean_before_filter(raw, settings, settings.view)
        view = given(settings.view) if settings.view != "auto" else detect_view(pre)
        movement = given(settings.movement) if settings.movement != "auto" else detect_movement(pre, view.value)
        log.info("view: %s (%s, confidence %.2f)", view.value, view.source, view.confidence)
        log.info("movement: %s (%s, confidence %.2f)", movement.value, movement.source, movement.confidence)
        cutoff = cutoff_for(movement.value, settings)
        clean = lowpass(pre, cutoff, settings.filter_order)
        angles = compute_angles(clean, view.value, settings.min_knee_flexion_for_rotation_deg)
        analysis = Analysis(
            video=info,
            settings=settings,
            landmarks=Landmarks(raw=raw, clean=clean),
            view=view,
            movement=movement,
            angles=angles,
        )
        analysis.warnings = quality_warnings(analysis)
        for warning in analysis.warnings:
            log.warning(warning)
        analysis.timings_s = {"analysis": round(time.perf_counter() - started, 2)}
    analysis.log_lines = lines
    return analysis


# ------------------------------------------------------------------------------------------------
def quality_warnings(analysis: Analysis) -> list[str]:
    """Plain-language problems with the recording that limit what the numbers mean."""
    warnings: list[str] = []
    raw, clean, info = analysis.landmarks.raw, analysis.landmarks.clean, analysis.video
    rate = raw.detection_rate
    if rate < LOW_DETECTION_RATE:
        warnings.append(f"the person was found in only {rate:.0%} of frames")
    missing = clean.notes.get("missing_frames", {})
    worst = max(missing.items(), key=lambda kv: kv[1], default=(None, 0))
    if worst[0] is not None and worst[1] > 0.1 * clean.n_frames:
        warnings.append(
            f"{worst[0].replace('_', ' ')} is hidden or out of frame in {worst[1] / clean.n_frames:.0%} of frames"
        )
    view = analysis.view.value
    if view == "side":
        warnings.append("side view: frontal-plane measures (FPPA, hip adduction, pelvic drop) are not computed")
    elif view == "oblique":
        yaw = analysis.view.details.get("yaw_deg")
        warnings.append(
            f"the camera is not square to the person (about {yaw} deg): frontal-plane angles are distorted"
            if yaw is not None
            else "the camera is not square to the person: frontal-plane angles are distorted"
        )
    if analysis.view.source == "detected" and analysis.view.confidence < 0.6:
        warnings.append("the camera view is uncertain; pass --view to set it")
    if analysis.movement.source == "detected" and analysis.movement.confidence < 0.5:
        warnings.append("the movement is uncertain; pass --movement to set it")
    if analysis.movement.value == "run":
        stride_hz = analysis.movement.details.get("stride_hz", 0) or 0
        if 0 < stride_hz < 1.0 and info.slow_motion_factor == 1.0:
            warnings.append(
                f"running cadence looks like {stride_hz * 120:.0f} steps/min: if the clip is slowed down, "
                "pass --capture-fps"
            )
        if info.fps < 60:
            warnings.append(f"{info.fps:.0f} fps is low for running (120-240 fps recommended for foot contacts)")
    if info.variable_frame_rate:
        log.info("variable frame rate: real timestamps used, filtering on a uniform grid")
    return warnings


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
    frontal = analysis.view.value != "side"
    knee_flexion_source = "2-D image (side view)" if not frontal else "3-D world landmarks (lower confidence)"
    legs = {side: {"frame_stats": {m: _stats(angles[f"{side}_{m}"]) for m in PER_LEG_MEASURES}} for side in SIDES}
    return {
        "gaitcheck_version": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "video": analysis.video.to_json(),
        "movement": analysis.movement.to_json(),
        "view": analysis.view.to_json(),
        "pose": {
            **_model_facts(analysis.settings.model_path),
            "frames": raw.n_frames,
            "frames_with_person": int(raw.detected.sum()),
            "detection_rate": round(raw.detection_rate, 4),
        },
        "cleaning": clean.notes,
        "measures": {**MEASURE_NOTES, "knee_flexion_deg": f"knee flexion from {knee_flexion_source}"},
        "legs": legs,
        "whole_body": {m: _stats(angles[m]) for m in WHOLE_BODY_MEASURES},
        "quality": {"warnings": list(analysis.warnings)},
        "settings": analysis.settings.to_json(),
        "timings_s": analysis.timings_s,
    }


# ------------------------------------------------------------------------------------------------
def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def save_analysis(analysis: Analysis, out_dir: str | Path) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    analysis.angles.to_csv(out / ANGLES_CSV, index=False, float_format="%.3f")
    analysis.landmarks.raw.save_csv(out / LANDMARKS_RAW_CSV)
    analysis.landmarks.clean.save_csv(out / LANDMARKS_CLEAN_CSV)
    (out / SUMMARY_JSON).write_text(json.dumps(analysis.summary, indent=2, default=_json_default) + "\n")
    (out / RUN_LOG).write_text("\n".join(analysis.log_lines) + "\n")
    return out


def load_landmarks(result_dir: str | Path) -> tuple[PoseSeries, VideoInfo, Settings]:
    """The raw landmarks, video facts and settings of an earlier run (for --from-landmarks)."""
    folder = Path(result_dir)
    summary_path, raw_path = folder / SUMMARY_JSON, folder / LANDMARKS_RAW_CSV
    for path in (summary_path, raw_path):
        if not path.is_file():
            raise InputError(f"{folder} is not a gaitcheck result folder (missing {path.name})")
    try:
        summary = json.loads(summary_path.read_text())
        info = VideoInfo.from_json(summary["video"])
        settings = Settings.from_mapping(summary.get("settings", {}))
        raw = PoseSeries.load_csv(raw_path, info.width_px, info.height_px)
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{folder}: unreadable gaitcheck results ({exc})") from None
    return raw, info, settings


def analyze_saved(result_dir: str | Path, settings: Settings | None = None, **overrides: Any) -> Analysis:
    """Re-run everything after pose inference from a result folder's saved raw landmarks."""
    raw, info, saved = load_landmarks(result_dir)
    return analyze_landmarks(raw, info, _settings(settings or saved, overrides))
