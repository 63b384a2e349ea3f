"""The one flow every front-end calls:
video -> pose -> clean -> segments (view, movement) -> angles -> events -> assessment.

`analyze()` returns an `Analysis` holding each stage's product; writing files is a separate step
(`Analysis.save`), so `--from-landmarks` re-enters the flow after pose inference and a batch worker
is just analyze + save.
"""

from __future__ import annotations

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
from gaitcheck.assess import LegAssessment, assess_leg, asymmetry, rep_measures, step_measures
from gaitcheck.calibration import default_calibration
from gaitcheck.cleaning import clean_before_filter, cutoff_for, lowpass
from gaitcheck.detect import Detected, detect_movement, detect_view, given, split_segments
from gaitcheck.errors import InputError, NoPersonError
from gaitcheck.events import Rep, Step, cadence_spm, find_reps, find_steps
from gaitcheck.kinematics import angle_columns, compute_angles
from gaitcheck.landmarks import Landmarks, PoseSeries
from gaitcheck.pose import Progress, estimate_pose
from gaitcheck.quality import leg_caveats, quality_warnings
from gaitcheck.settings import Settings
from gaitcheck.video import VideoInfo, iter_frames, prefetch, probe_video

log = logging.getLogger(__name__)

MIN_FRAMES_WITH_PERSON = 10

# File names inside a result folder.
ANGLES_CSV = "angles.csv"
LANDMARKS_RAW_CSV = "landmarks_raw.csv"
LANDMARKS_CLEAN_CSV = "landmarks_clean.csv"
SUMMARY_JSON = "summary.json"
RUN_LOG = "run.log"


@dataclass
class Segment:
    """A stretch of the clip with one shot, one view and one movement, analysed on its own."""

    index: int
    start_row: int
    stop_row: int  # exclusive
    start_s: float
    end_s: float
    view: Detected
    movement: Detected
    reps: list[Rep] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def frontal(self) -> bool:
        return self.view.value != "side"

    @property
    def n_events(self) -> int:
        return len(self.steps) if self.movement.value == "run" else len(self.reps)

    def to_json(self) -> dict:
        return {
            "index": self.index,
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "view": self.view.to_json(),
            "movement": self.movement.to_json(),
            "n_reps": len(self.reps),
            "n_steps": len(self.steps),
            "cadence_spm": _round(cadence_spm(self.steps)),
        }


@dataclass
class Analysis:
    """Everything one run produced. `angles` has one row per frame (see angles.csv)."""

    video: VideoInfo
    settings: Settings
    landmarks: Landmarks
    angles: pd.DataFrame
    segments: list[Segment]
    primary: list[int]  # segments the leg verdicts come from (same movement, frontal view)
    legs: dict[str, LegAssessment]
    rep_details: list[dict] = field(default_factory=list)
    step_details: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)
    log_lines: list[str] = field(default_factory=list)

    @property
    def view(self) -> Detected:
        return self.segments[self.primary[0]].view

    @property
    def movement(self) -> Detected:
        return self.segments[self.primary[0]].movement

    @property
    def reps(self) -> list[Rep]:
        return [r for s in self.segments for r in s.reps]

    @property
    def steps(self) -> list[Step]:
        return [p for s in self.segments for p in s.steps]

    @property
    def cadence_spm(self) -> float | None:
        return cadence_spm([p for i in self.primary for p in self.segments[i].steps])

    @property
    def asymmetry(self) -> dict:
        return asymmetry(self.legs)

    @property
    def summary(self) -> dict[str, Any]:
        """The content of summary.json."""
        from gaitcheck.summary import build_summary

        return build_summary(self)

    def save(self, out_dir: str | Path) -> Path:
        """Write angles.csv, landmarks_raw.csv, landmarks_clean.csv, summary.json and run.log."""
        return save_analysis(self, out_dir)


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


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
    """Everything after pose inference: cleaning, segments, angles, events, assessment."""
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
        clean, angles, segments = _analyse_segments(pre, settings)
        primary = _primary(segments)
        legs, rep_details, step_details = _assess(segments, primary, angles, clean, info, settings)
        analysis = Analysis(
            video=info,
            settings=settings,
            landmarks=Landmarks(raw=raw, clean=clean),
            angles=angles,
            segments=segments,
            primary=primary,
            legs=legs,
            rep_details=rep_details,
            step_details=step_details,
        )
        analysis.warnings = quality_warnings(analysis)
        for warning in analysis.warnings:
            log.warning(warning)
        for side, leg in legs.items():
            log.info("%s leg: %s (confidence %s)", side, leg.verdict, leg.confidence)
        analysis.timings_s = {"analysis": round(time.perf_counter() - started, 2)}
    analysis.log_lines = lines
    return analysis


def _analyse_segments(pre: PoseSeries, settings: Settings) -> tuple[PoseSeries, pd.DataFrame, list[Segment]]:
    """Split at cuts and view changes; per segment: view, movement, filter, angles, events."""
    image, world, z = pre.image_px.copy(), pre.world_m.copy(), pre.image_z_px.copy()
    angles = pd.DataFrame({c: np.full(pre.n_frames, np.nan) for c in angle_columns()})
    angles["frame"], angles["time_s"] = pre.frame, pre.time_s
    segments: list[Segment] = []
    n_reps = 0
    notes: dict = {}
    for index, (start, stop) in enumerate(split_segments(pre)):
        rows = slice(start, stop)
        sub = pre.select(rows)
        view = given(settings.view) if settings.view != "auto" else detect_view(sub)
        movement = given(settings.movement) if settings.movement != "auto" else detect_movement(sub, view.value)
        sub = lowpass(sub, cutoff_for(movement.value, settings), settings.filter_order)
        notes = {**notes, **sub.notes}
        image[rows], world[rows], z[rows] = sub.image_px, sub.world_m, sub.image_z_px
        table = compute_angles(sub, view.value, settings.min_knee_flexion_for_rotation_deg)
        calibration = default_calibration() if settings.calibrate and view.value != "side" else None
        if calibration is not None:
            table = calibration.apply(table)
            notes = {**notes, "calibration": calibration.to_json()}
        angles.iloc[start:stop] = table.to_numpy()
        segment = Segment(index, start, stop, float(pre.time_s[start]), float(pre.time_s[stop - 1]), view, movement)
        if movement.value == "run":
            segment.steps = find_steps(sub, view.value, segment=index)
        else:
            segment.reps = find_reps(sub, movement.value, segment=index, first_index=n_reps)
            n_reps += len(segment.reps)
        log.info(
            "segment %d (%.1f-%.1f s): %s view, %s, %d reps, %d steps",
            index, segment.start_s, segment.end_s, view.value, movement.value, len(segment.reps), len(segment.steps),
        )  # fmt: skip
        segments.append(segment)
    angles["frame"] = angles["frame"].astype(int)
    clean = pre.replace(image_px=image, world_m=world, image_z_px=z, notes={**pre.notes, **notes})
    return clean, angles, segments


def _primary(segments: list[Segment]) -> list[int]:
    """The segments the verdicts come from: frontal views of the movement with the most events."""
    frontal = [s for s in segments if s.frontal] or segments
    counts: dict[str, int] = {}
    for s in frontal:
        counts[s.movement.value] = counts.get(s.movement.value, 0) + s.n_events
    best = max(
        counts, key=lambda m: (counts[m], sum(s.stop_row - s.start_row for s in frontal if s.movement.value == m))
    )
    return [s.index for s in frontal if s.movement.value == best]


def _assess(
    segments: list[Segment],
    primary: list[int],
    angles: pd.DataFrame,
    clean: PoseSeries,
    info: VideoInfo,
    settings: Settings,
) -> tuple[dict[str, LegAssessment], list[dict], list[dict]]:
    """Per-rep/step measures for every event; verdicts per leg from the primary segments."""
    row_of = {int(f): i for i, f in enumerate(clean.frame)}
    main = segments[primary[0]]
    movement, view = main.movement.value, main.view.value
    rep_details, step_details = [], []
    per_leg: dict[str, list[dict]] = {"left": [], "right": []}
    for segment in segments:
        frontal = segment.frontal
        for rep in segment.reps:
            measures = rep_measures(rep, angles, clean, row_of) if frontal else {}
            rep_details.append({**rep.to_json(), "legs": measures})
            if segment.index in primary:
                for side, values in measures.items():
                    per_leg[side].append(values)
        for step in segment.steps:
            measures = step_measures(step, angles, row_of) if frontal else {}
            step_details.append({**step.to_json(), "measures": measures})
            if segment.index in primary and measures:
                per_leg[step.leg].append(measures)
    legs = {}
    for side in ("left", "right"):
        caveats = leg_caveats(side, segments, primary, clean, info, settings)
        yaw = main.view.details.get("yaw_deg", 0.0) or 0.0
        other = "right" if side == "left" else "left"
        legs[side] = assess_leg(
            side, movement, view, per_leg[side], caveats, yaw_deg=yaw, other_leg_events=len(per_leg[other])
        )
    return legs, rep_details, step_details


# ------------------------------------------------------------------------------------------------
def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _finite(value: Any) -> Any:
    """NaN and infinities are not JSON: write null."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        return None
    return value


def save_analysis(analysis: Analysis, out_dir: str | Path) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    analysis.angles.to_csv(out / ANGLES_CSV, index=False, float_format="%.3f")
    analysis.landmarks.raw.save_csv(out / LANDMARKS_RAW_CSV)
    analysis.landmarks.clean.save_csv(out / LANDMARKS_CLEAN_CSV)
    summary = _finite(analysis.summary)
    (out / SUMMARY_JSON).write_text(json.dumps(summary, indent=2, default=_json_default) + "\n")
    (out / RUN_LOG).write_text("\n".join(analysis.log_lines) + "\n")
    from gaitcheck.report import write_outputs  # report.html, plots, reps.csv, annotated.mp4, ... per settings

    write_outputs(analysis, out)
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
        pose_notes = {k: v for k, v in summary.get("cleaning", {}).items() if k in ("people", "flip_disagreements")}
        raw = raw.replace(notes=pose_notes)
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{folder}: unreadable gaitcheck results ({exc})") from None
    return raw, info, settings


def analyze_saved(result_dir: str | Path, settings: Settings | None = None, **overrides: Any) -> Analysis:
    """Re-run everything after pose inference from a result folder's saved raw landmarks."""
    raw, info, saved = load_landmarks(result_dir)
    return analyze_landmarks(raw, info, _settings(settings or saved, overrides))
