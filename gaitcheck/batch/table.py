"""OUT/summary.csv: one row per video and leg, rebuilt from the result folders on every run.

Never appended to: the rows are read back from each video's batch.json and summary.json, so a
killed and resumed batch, or one run twice, gives each row exactly once. A failed video has one row
(its leg empty, unless the manifest named one) with `status` failed and the one-line `error`.
Numbers are the leg verdicts' own (summary.json `legs`), never re-derived.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gaitcheck.batch import folders
from gaitcheck.batch.inputs import ID_COLUMNS
from gaitcheck.batch.model import Item
from gaitcheck.report import REPORT_HTML
from gaitcheck.store import SUMMARY_JSON
from gaitcheck.vocabulary import SIDES

SUMMARY_CSV = "summary.csv"
#: Per-leg measures in the table, as mean and SD over the leg's repetitions or steps.
MEASURES = (
    "fppa_deg",
    "fppa_peak_deg",
    "hip_adduction_deg",
    "pelvic_drop_deg",
    "knee_flexion_peak_deg",
    "knee_medial_shift",
    "knee_over_foot",
)
#: Left-minus-right differences (the same on both legs' rows) and whether they exceed measurement error.
ASYMMETRY = ("fppa_deg", "hip_adduction_deg", "pelvic_drop_deg")
HEAD_COLUMNS = ("video", *ID_COLUMNS)
RESULT_COLUMNS = (
    "leg",
    "status",
    "error",
    "movement",
    "view",
    "verdict",
    "confidence",
    "graded_measure",
    "n_events",
    *(f"{m}_{stat}" for m in MEASURES for stat in ("mean", "sd")),
    *(f"asymmetry_{m}_left_minus_right" for m in ASYMMETRY),
    "asymmetry_beyond_error",
    "warnings",
    "cadence_spm",
    "duration_s",
    "frames",
    "seconds",
    "result",
    "key",
)
#: Separator of several warnings in one cell.
WARNING_SEPARATOR = " | "


@dataclass(frozen=True)
class Entry:
    """One input video as the table sees it: the item, its result folder's name (None when the
    video could not even be read) and the reason when it failed before any worker ran."""

    item: Item
    name: str | None
    error: str = ""


def columns(extra: list[str]) -> list[str]:
    """The table's columns: the video, ids, the manifest's extra columns, then the results."""
    return [*HEAD_COLUMNS, *extra, *RESULT_COLUMNS]


def build_rows(entries: list[Entry], out: Path) -> list[dict[str, Any]]:
    """Every row of the table, in input order, read from the result folders in `out`."""
    return [row for entry in entries for row in entry_rows(entry, out)]


def entry_rows(entry: Entry, out: Path) -> list[dict[str, Any]]:
    """The rows of one video: one per leg when it was analysed, one when it failed or is missing."""
    head: dict[str, Any] = {"video": entry.item.label, **entry.item.columns, "result": entry.name or ""}
    record = folders.read_record(out / entry.name) if entry.name else None
    if record is None:
        error = entry.error or "Not analysed yet (the batch was stopped before this clip); run the batch again."
        return [head | {"leg": entry.item.leg or "", "status": "failed", "error": error}]
    head |= {"key": record.key, "seconds": record.seconds}
    if record.status != "ok":
        return [head | {"leg": entry.item.leg or "", "status": "failed", "error": record.error}]
    summary = json.loads((out / record.name / SUMMARY_JSON).read_text(encoding="utf-8"))
    legs = [entry.item.leg] if entry.item.leg in SIDES else list(SIDES)
    return [head | {"status": "ok", **video_cells(summary), **leg_cells(summary, str(leg))} for leg in legs]


def video_cells(summary: dict[str, Any]) -> dict[str, Any]:
    """What a video's rows share: movement, view, asymmetry, warnings, duration."""
    asymmetry = summary.get("asymmetry") or {}
    beyond = [m for m in ASYMMETRY if (asymmetry.get(m) or {}).get("beyond_error")]
    cells = {
        "movement": summary["movement"]["value"],
        "view": summary["view"]["value"],
        "asymmetry_beyond_error": " ".join(beyond),
        "warnings": WARNING_SEPARATOR.join(summary.get("quality", {}).get("warnings") or []),
        "cadence_spm": summary.get("cadence_spm"),
        "duration_s": summary["video"]["duration_s"],
        "frames": summary["video"]["n_frames"],
    }
    for m in ASYMMETRY:
        cells[f"asymmetry_{m}_left_minus_right"] = (asymmetry.get(m) or {}).get("left_minus_right")
    return cells


def leg_cells(summary: dict[str, Any], leg: str) -> dict[str, Any]:
    """One leg's verdict, confidence and measures (mean, SD) from summary.json's `legs`."""
    data = summary["legs"][leg]
    measures = data.get("measures") or {}
    cells: dict[str, Any] = {
        "leg": leg,
        "verdict": data["verdict"],
        "confidence": data["confidence"],
        "graded_measure": summary.get("graded_measure"),
        "n_events": data.get("n_reps", data.get("n_steps")),
    }
    for m in MEASURES:
        stats = measures.get(m) or {}
        cells[f"{m}_mean"], cells[f"{m}_sd"] = stats.get("mean"), stats.get("sd")
    return cells


def write_csv(rows: list[dict[str, Any]], names: list[str], path: Path) -> Path:
    """Write the table (atomically: never half a table)."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=names, extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    return folders.write_atomic(path, text.getvalue())


def has_report(out: Path, row: dict[str, Any]) -> bool:
    """Whether a row's result folder holds a report.html to link to."""
    return bool(row.get("result")) and (out / str(row["result"]) / REPORT_HTML).is_file()
