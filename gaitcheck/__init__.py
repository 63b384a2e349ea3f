"""gaitcheck: does the hip keep the knee in line? Knee valgus, hip adduction and pelvic drop
measured from a phone video of a squat, single-leg squat, step-down or running.

    >>> import gaitcheck
    >>> a = gaitcheck.analyze("clip.mp4", movement="single-leg-squat")
    >>> a.angles[["time_s", "left_fppa_deg", "right_fppa_deg"]]
    >>> gaitcheck.save(a, "results/")          # data files, report, annotated video
    >>> b = gaitcheck.load("results/")         # the same Analysis, nothing recomputed

This module is the public Python API: it re-exports the flow (`gaitcheck.pipeline`,
`gaitcheck.store`) and the model; see docs/architecture.md for the layers behind it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gaitcheck import pipeline, report, store
from gaitcheck.context import ProgressEvent, RunContext
from gaitcheck.errors import Cancelled, GaitcheckError
from gaitcheck.model import Analysis
from gaitcheck.pipeline import analyze
from gaitcheck.settings import OutputOptions, Settings
from gaitcheck.store import load
from gaitcheck.version import __version__


def save(
    analysis: Analysis,
    folder: str | Path,
    outputs: OutputOptions | None = None,
    *,
    context: RunContext | None = None,
) -> Path:
    """Write the data files and the outputs asked for (default: report and annotated video) into
    `folder`, whole or not at all."""
    with store.staged(folder) as stage:
        store.save(analysis, stage)
        report.write(analysis, stage, outputs, context=context)
    return Path(folder)


def analyze_saved(result_dir: str | Path, settings: Settings | None = None, **overrides: Any) -> Analysis:
    """Re-run everything after pose inference from a result folder's saved raw landmarks."""
    raw, info, saved = store.load_landmarks(result_dir)
    return pipeline.analyze_landmarks(raw, info, pipeline.settings_with(settings or saved, overrides))


__all__ = [
    "Analysis",
    "Cancelled",
    "GaitcheckError",
    "OutputOptions",
    "ProgressEvent",
    "RunContext",
    "Settings",
    "__version__",
    "analyze",
    "analyze_saved",
    "load",
    "save",
]
