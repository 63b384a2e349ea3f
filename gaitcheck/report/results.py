"""A result, whether fresh from `analyze()` or read back from a result folder: summary.json's dict
and the angles table. Reports, exports and comparisons read only this, so a report can be rebuilt
from a folder and two sessions can be compared without re-running anything."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gaitcheck.errors import InputError
from gaitcheck.model import Analysis, Threshold
from gaitcheck.store import ANGLES_CSV, read_summary
from gaitcheck.summary import build
from gaitcheck.vocabulary import SIDES


@dataclass
class Result:
    """summary.json (NaN written as None) and angles.csv of one analysed clip."""

    summary: dict
    angles: pd.DataFrame
    folder: Path | None = None

    # --- construction ----------------------------------------------------------------------------
    @classmethod
    def from_analysis(cls, analysis: Analysis) -> Result:
        return cls(summary=build(analysis), angles=analysis.angles.reset_index(drop=True))

    @classmethod
    def from_folder(cls, folder: str | Path) -> Result:
        folder = Path(folder)
        summary = read_summary(folder)
        if not (folder / ANGLES_CSV).is_file():
            raise InputError(f"{folder} is not a gaitcheck result folder (missing {ANGLES_CSV})")
        try:
            angles = pd.read_csv(folder / ANGLES_CSV)
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputError(f"{folder}: unreadable gaitcheck results ({type(exc).__name__})") from None
        if "frame" not in angles.columns:
            raise InputError(f"{folder} is not a gaitcheck result folder (angles.csv has no results)")
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
        """What the leg verdicts were graded against (as assess stored it)."""
        stored = self.summary.get("thresholds")
        return None if not stored else Threshold.from_json(stored)

    @property
    def graded(self) -> str:
        """The measure the leg verdicts rest on (as assess chose it)."""
        return str(self.summary.get("graded_measure") or "fppa_deg")

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
        """Every repetition (per stance leg) and every step, with its measures and the grade assess
        gave it."""
        rows: list[dict[str, Any]] = []
        for rep in self.summary.get("reps") or []:
            legs = rep.get("legs") or {}
            sides = list(SIDES) if rep.get("stance_leg") == "both" else [rep.get("stance_leg")]
            for side in sides:
                graded = legs.get(side) or {}
                measures = {k: v for k, v in graded.items() if k not in ("graded_measure", "verdict")}
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
                        "depth": (rep.get("depth") or {}).get("name"),
                        **measures,
                        **_grade_of(graded, measures),
                        "hand_adjusted": (rep.get("hand_adjusted") or {}).get(side),
                    }
                )
        steps = sorted(self.summary.get("steps") or [], key=lambda s: s.get("contact_frame", 0))
        counts = {"left": 0, "right": 0}
        for step in steps:
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
                    **_grade_of(step, measures),
                    "hand_adjusted": step.get("hand_adjusted"),
                }
            )
        return rows

    def _sagittal_step(self, step: dict) -> dict[str, Any]:
        """The side-view measures of a step that has no frontal measures: as gaitcheck.sagittal
        stored them (summary side_view; a step left out as implausible shows none), or, in results
        without a side_view, knee flexion at contact and its peak over stance from the angles table."""
        if self.summary.get("side_view") is not None:
            return self._side_view_step(step)
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

    def _side_view_step(self, step: dict) -> dict[str, Any]:
        """The side_view step of this leg whose (re-timed) contact lies nearest this step's one, within
        0.15 s: its measures that were kept, its foot strike, and its contact and toe-off."""
        candidates = [
            s
            for s in (self.summary.get("side_view") or {}).get("steps") or []
            if s.get("leg") == step.get("leg") and s.get("contact_s") is not None and step.get("contact_s") is not None
        ]
        if not candidates:
            return {}
        near = min(candidates, key=lambda s: abs(s["contact_s"] - step["contact_s"]))
        if abs(near["contact_s"] - step["contact_s"]) > 0.15:
            return {}
        out: dict[str, Any] = {k: v for k, v in (near.get("measures") or {}).items() if v is not None}
        if near.get("foot_strike"):
            out["foot_strike"] = near["foot_strike"]
        # the stance as re-timed from the foot's height (the row's start and end)
        for key, stored in (("start_frame", "contact_frame"), ("end_frame", "toe_off_frame")):
            out[key] = near.get(stored, step.get(stored))
        for key, stored in (("start_s", "contact_s"), ("end_s", "toe_off_s")):
            out[key] = near.get(stored, step.get(stored))
        return out

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


def _grade_of(stored: dict[str, Any], measures: dict[str, Any]) -> dict[str, Any]:
    """The grade assess stored for one leg in one repetition or step, and the value it rests on."""
    key = stored.get("graded_measure", "fppa_deg")
    verdict = stored.get("verdict", "insufficient-data")
    return {"graded_measure": key, "graded_value": measures.get(key), "verdict": verdict}
