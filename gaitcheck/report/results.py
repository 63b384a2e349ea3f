"""A result, whether fresh from `analyze()` or read back from a result folder: summary.json's dict
and the angles table. Reports, exports and comparisons read only this, so a report can be rebuilt
from a folder and two sessions can be compared without re-running anything."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gaitcheck.assess import MAX_OFF_SQUARE_DEG, THRESHOLDS, Threshold
from gaitcheck.errors import InputError

if TYPE_CHECKING:
    from gaitcheck.analysis import Analysis

SIDES = ("left", "right")


def _finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def threshold_for(movement: str) -> Threshold | None:
    return next((t for t in THRESHOLDS if movement in t.tasks), None)


def graded_measure(movement: str) -> str:
    """The per-event measure a task's verdict rests on (as in gaitcheck.assess.assess_leg)."""
    return "knee_over_foot" if movement in ("squat", "lunge") else "fppa_deg"


def grade(value: float | None, threshold: Threshold | None) -> str:
    if value is None or threshold is None or not math.isfinite(value):
        return "insufficient-data"
    if value >= threshold.valgus_from:
        return "valgus"
    if value >= threshold.borderline_from:
        return "borderline"
    return "aligned"


@dataclass
class Result:
    """summary.json (NaN written as None) and angles.csv of one analysed clip."""

    summary: dict
    angles: pd.DataFrame
    folder: Path | None = None

    # --- construction ----------------------------------------------------------------------------
    @classmethod
    def from_analysis(cls, analysis: Analysis) -> Result:
        return cls(summary=_finite(analysis.summary), angles=analysis.angles.reset_index(drop=True))

    @classmethod
    def from_folder(cls, folder: str | Path) -> Result:
        folder = Path(folder)
        if not folder.exists():
            raise InputError(f"no such folder: {folder}")
        if not folder.is_dir():
            raise InputError(f"{folder} is not a folder (give a gaitcheck result folder)")
        for name in ("summary.json", "angles.csv"):
            if not (folder / name).is_file():
                raise InputError(f"{folder} is not a gaitcheck result folder (missing {name})")
        try:
            summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
            angles = pd.read_csv(folder / "angles.csv")
        except (json.JSONDecodeError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputError(f"{folder}: unreadable gaitcheck results ({type(exc).__name__})") from None
        if not isinstance(summary, dict) or "legs" not in summary or "frame" not in angles.columns:
            raise InputError(f"{folder} is not a gaitcheck result folder (summary.json or angles.csv has no results)")
        return cls(summary=summary, angles=angles, folder=folder)

    # --- facts -----------------------------------------------------------------------------------
    @property
    def movement(self) -> str:
        return (self.summary.get("movement") or {}).get("value", "")

    @property
    def view(self) -> str:
        return (self.summary.get("view") or {}).get("value", "")

    @property
    def running(self) -> bool:
        return self.movement == "run"

    @property
    def event(self) -> str:
        return "step" if self.running else "rep"

    @property
    def threshold(self) -> Threshold | None:
        return threshold_for(self.movement)

    @property
    def graded(self) -> str:
        return graded_measure(self.movement)

    @property
    def primary(self) -> list[int]:
        return list(self.summary.get("primary_segments") or [0])

    def leg(self, side: str) -> dict:
        return (self.summary.get("legs") or {}).get(side) or {}

    def verdicts(self) -> dict[str, str]:
        return {side: self.leg(side).get("verdict", "insufficient-data") for side in SIDES}

    def mean(self, side: str, measure: str) -> tuple[float | None, float | None, int]:
        m = (self.leg(side).get("measures") or {}).get(measure) or {}
        return m.get("mean"), m.get("sd"), int(m.get("n") or 0)

    @property
    def name(self) -> str:
        return Path((self.summary.get("video") or {}).get("path", "clip")).name

    def segment(self, index: int) -> dict:
        for s in self.summary.get("segments") or []:
            if s.get("index") == index:
                return s
        return {}

    def row_of_frame(self) -> dict[int, int]:
        return {int(f): i for i, f in enumerate(self.angles["frame"].to_numpy())}

    # --- one row per repetition or step and leg -----------------------------------------------------
    def event_rows(self) -> list[dict[str, Any]]:
        """Every repetition (per stance leg) and every step, with its measures and its own grade
        against the task's threshold (the same rule as the leg verdicts)."""
        rows: list[dict[str, Any]] = []
        for rep in self.summary.get("reps") or []:
            segment = self.segment(rep.get("segment", 0))
            legs = rep.get("legs") or {}
            sides = list(SIDES) if rep.get("stance_leg") == "both" else [rep.get("stance_leg")]
            for side in sides:
                measures = legs.get(side) or {}
                rows.append(
                    {
                        "event": "rep",
                        "number": int(rep["index"]) + 1,
                        "segment": rep.get("segment", 0),
                        "primary": rep.get("segment", 0) in self.primary,
                        "leg": side,
                        "stance_leg": rep.get("stance_leg"),
                        "start_frame": rep.get("start_frame"),
                        "event_frame": rep.get("bottom_frame"),
                        "end_frame": rep.get("end_frame"),
                        "start_s": rep.get("start_s"),
                        "event_s": rep.get("bottom_s"),
                        "end_s": rep.get("end_s"),
                        "depth_torso": rep.get("depth_torso"),
                        **measures,
                        **self._grade_event(segment, measures),
                    }
                )
        steps = sorted(self.summary.get("steps") or [], key=lambda s: s.get("contact_frame", 0))
        counts = {"left": 0, "right": 0}
        for step in steps:
            segment = self.segment(step.get("segment", 0))
            measures = step.get("measures") or self._sagittal_step(step)
            counts[step["leg"]] += 1
            rows.append(
                {
                    "event": "step",
                    "number": counts[step["leg"]],
                    "segment": step.get("segment", 0),
                    "primary": step.get("segment", 0) in self.primary,
                    "leg": step["leg"],
                    "stance_leg": step["leg"],
                    "start_frame": step.get("contact_frame"),
                    "event_frame": step.get("midstance_frame"),
                    "end_frame": step.get("toe_off_frame"),
                    "start_s": step.get("contact_s"),
                    "event_s": step.get("midstance_s"),
                    "end_s": step.get("toe_off_s"),
                    **measures,
                    **self._grade_event(segment, measures),
                }
            )
        return rows

    def _sagittal_step(self, step: dict) -> dict[str, float]:
        """Knee flexion at contact and its peak over stance, from the angles table, for steps that
        have no frontal measures (side views)."""
        row_of = self.row_of_frame()
        column = f"{step['leg']}_knee_flexion_deg"
        try:
            first, last = row_of[step["contact_frame"]], row_of[step["toe_off_frame"]]
        except KeyError:
            return {}
        if column not in self.angles:
            return {}
        values = self.angles[column].to_numpy(float)[first : last + 1]
        out: dict[str, float] = {}
        if np.isfinite(values[0]):
            out["knee_flexion_contact_deg"] = float(values[0])
        if np.isfinite(values).any():
            out["knee_flexion_peak_deg"] = float(np.nanmax(values))
        if step.get("stance_s") is not None:
            out["stance_s"] = step["stance_s"]
        return out

    def _grade_event(self, segment: dict, measures: dict) -> dict[str, Any]:
        movement = (segment.get("movement") or {}).get("value", self.movement)
        view = segment.get("view") or {}
        key = graded_measure(movement)
        value = measures.get(key)
        threshold = threshold_for(movement)
        frontal = view.get("value") != "side" and not (
            view.get("value") == "oblique" and abs(view.get("yaw_deg") or 0) > MAX_OFF_SQUARE_DEG
        )
        verdict = grade(value, threshold) if frontal else "insufficient-data"
        return {"graded_measure": key, "graded_value": value, "verdict": verdict}

    def event_windows(self, side: str, primary_only: bool = True) -> list[tuple[int, int, int]]:
        """(start_row, event_row, end_row) of this leg's repetitions or stance phases."""
        row_of = self.row_of_frame()
        out = []
        for row in self.event_rows():
            if row["leg"] != side or (primary_only and not row["primary"]):
                continue
            try:
                out.append((row_of[row["start_frame"]], row_of[row["event_frame"]], row_of[row["end_frame"]]))
            except KeyError:
                continue
        return out
