"""Result folders: `save(analysis, folder)` writes the data files; `load(folder)` rebuilds the whole
`Analysis` from them without recomputing anything.

The data files are angles.csv, landmarks_raw.csv, landmarks_clean.csv, summary.json and run.log.
Each is written to a temporary name and renamed into place, so a file is either whole or absent.
Pictures, the report and the annotated video are presentation (`gaitcheck.report.write`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from gaitcheck.errors import InputError
from gaitcheck.landmarks import Landmarks, PoseSeries
from gaitcheck.model import (
    Analysis,
    Detected,
    Issue,
    LegAssessment,
    RepResult,
    SagittalRunning,
    Segment,
    SlowMotion,
    StepResult,
    Threshold,
    VideoInfo,
)
from gaitcheck.settings import Settings
from gaitcheck.summary import build
from gaitcheck.vocabulary import SIDES

ANGLES_CSV = "angles.csv"
LANDMARKS_RAW_CSV = "landmarks_raw.csv"
LANDMARKS_CLEAN_CSV = "landmarks_clean.csv"
SUMMARY_JSON = "summary.json"
RUN_LOG = "run.log"
DATA_FILES = (ANGLES_CSV, LANDMARKS_RAW_CSV, LANDMARKS_CLEAN_CSV, SUMMARY_JSON, RUN_LOG)
#: cleaning notes that describe the raw pose results (restored on the raw landmarks)
POSE_NOTES = ("people", "subject", "flip_disagreements")


# ------------------------------------------------------------------------------------------------
# save
# ------------------------------------------------------------------------------------------------
def save(analysis: Analysis, folder: str | Path) -> Path:
    """Write the data files of `analysis` into `folder` (created if needed); return the folder."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    _write(out / ANGLES_CSV, lambda p: analysis.angles.to_csv(p, index=False, float_format="%.3f"))
    _write(out / LANDMARKS_RAW_CSV, analysis.landmarks.raw.save_csv)
    _write(out / LANDMARKS_CLEAN_CSV, analysis.landmarks.clean.save_csv)
    text = json.dumps(build(analysis), indent=2) + "\n"
    _write(out / SUMMARY_JSON, lambda p: p.write_text(text, encoding="utf-8"))
    log_text = "\n".join(analysis.log_lines) + "\n"
    _write(out / RUN_LOG, lambda p: p.write_text(log_text, encoding="utf-8"))
    return out


def _write(path: Path, writer: Callable[[Path], object]) -> None:
    """Write through a temporary file beside `path`, then rename: never a half-written file."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    try:
        writer(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------------------------------------
# load
# ------------------------------------------------------------------------------------------------
def read_summary(folder: str | Path) -> dict[str, Any]:
    """summary.json of a result folder, or one clear error."""
    folder = Path(folder)
    if not folder.exists():
        raise InputError(f"no such folder: {folder}")
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder (give a gaitcheck result folder)")
    path = folder / SUMMARY_JSON
    if not path.is_file():
        raise InputError(f"{folder} is not a gaitcheck result folder (missing {SUMMARY_JSON})")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{folder}: unreadable gaitcheck results ({type(exc).__name__})") from None
    if not isinstance(summary, dict) or "legs" not in summary:
        raise InputError(f"{folder} is not a gaitcheck result folder (summary.json has no results)")
    return summary


def saved_settings(summary: dict[str, Any]) -> Settings:
    """The settings a result was made with (output choices of older versions are ignored)."""
    return Settings.from_mapping(Settings.pick(summary.get("settings") or {}))


def load_landmarks(folder: str | Path) -> tuple[PoseSeries, VideoInfo, Settings]:
    """The raw landmarks, video facts and settings of an earlier run (to re-run after pose)."""
    folder = Path(folder)
    summary = read_summary(folder)
    _require(folder, LANDMARKS_RAW_CSV)
    try:
        info = VideoInfo.from_json(summary["video"])
        raw = PoseSeries.load_csv(folder / LANDMARKS_RAW_CSV, info.width_px, info.height_px)
        raw = raw.replace(notes={k: v for k, v in (summary.get("cleaning") or {}).items() if k in POSE_NOTES})
        return raw, info, saved_settings(summary)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{folder}: unreadable gaitcheck results ({exc})") from None


def load(folder: str | Path) -> Analysis:
    """The `Analysis` a result folder holds, rebuilt from its data files (nothing recomputed)."""
    folder = Path(folder)
    raw, info, settings = load_landmarks(folder)
    for name in (ANGLES_CSV, LANDMARKS_CLEAN_CSV):
        _require(folder, name)
    summary = read_summary(folder)
    try:
        clean = PoseSeries.load_csv(folder / LANDMARKS_CLEAN_CSV, info.width_px, info.height_px)
        angles = pd.read_csv(folder / ANGLES_CSV)
        analysis = _analysis(summary, info, settings, Landmarks(raw, clean.replace(notes=summary["cleaning"])), angles)
    except (KeyError, TypeError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(
            f"{folder}: unreadable gaitcheck results ({type(exc).__name__}: {exc}); "
            "results of an older gaitcheck need a re-run"
        ) from None
    log_file = folder / RUN_LOG
    analysis.log_lines = log_file.read_text(encoding="utf-8").splitlines() if log_file.is_file() else []
    return analysis


def _analysis(
    summary: dict[str, Any], info: VideoInfo, settings: Settings, landmarks: Landmarks, angles: pd.DataFrame
) -> Analysis:
    reps = [RepResult.from_json(r) for r in summary.get("reps") or []]
    steps = [StepResult.from_json(p) for p in summary.get("steps") or []]
    segments = [_segment(s, reps, steps) for s in summary["segments"]]
    legs = {side: LegAssessment.from_json(summary["legs"][side]) for side in SIDES}
    frame_stats = {f"{side}_{m}": v for side in SIDES for m, v in summary["legs"][side]["frame_stats"].items()}
    threshold = summary.get("thresholds")
    slow = summary.get("slow_motion_suspected")
    side_view = summary.get("side_view")
    return Analysis(
        video=info,
        settings=settings,
        landmarks=landmarks,
        angles=angles,
        segments=segments,
        primary=list(summary["primary_segments"]),
        legs=legs,
        rep_results=reps,
        step_results=steps,
        issues=[Issue.from_json(i) for i in summary["quality"]["issues"]],
        threshold=None if threshold is None else Threshold.from_json(threshold),
        slow_motion_suspected=None if slow is None else SlowMotion.from_json(slow),
        sagittal=None if side_view is None else SagittalRunning.from_json(side_view),
        frame_stats={**frame_stats, **summary["whole_body"]},
        model_sha256=summary["pose"].get("model_sha256"),
        created=summary.get("created", ""),
        timings_s=dict(summary.get("timings_s") or {}),
    )


def _segment(data: dict[str, Any], reps: list[RepResult], steps: list[StepResult]) -> Segment:
    index = data["index"]
    return Segment(
        index=index,
        start_row=data["start_row"],
        stop_row=data["stop_row"],
        start_s=data["start_s"],
        end_s=data["end_s"],
        view=Detected.from_json(data["view"]),
        movement=Detected.from_json(data["movement"]),
        reps=[r.rep for r in reps if r.rep.segment == index],
        steps=[p.step for p in steps if p.step.segment == index],
    )


def _require(folder: Path, name: str) -> None:
    if not (folder / name).is_file():
        raise InputError(f"{folder} is not a gaitcheck result folder (missing {name})")


# ------------------------------------------------------------------------------------------------
# staging: a result folder is whole or untouched
# ------------------------------------------------------------------------------------------------
@contextmanager
def staged(folder: str | Path) -> Iterator[Path]:
    """A private folder inside `folder` to write a result into; on success its files replace
    those of the same names in `folder`, on any error (or a cancel) it is removed, and `folder`
    too when this call created it. Nothing is written outside `folder`."""
    out = Path(folder)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".partial-", dir=out))
    try:
        yield stage
        for entry in sorted(stage.iterdir()):
            target = out / entry.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(entry, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if created and not any(out.iterdir()):
            out.rmdir()


__all__ = ["DATA_FILES", "load", "load_landmarks", "read_summary", "save", "saved_settings", "staged"]
