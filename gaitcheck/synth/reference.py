"""What gaitcheck should find on a rendered clip, read from its ground truth with gaitcheck's own
event and assessment functions (so truth and estimate are judged by exactly the same rules).

Does not need anny: it only reads X.truth.csv and X.truth.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from gaitcheck.assess import assess_leg, rep_measures, step_measures
from gaitcheck.landmarks import INDEX, N_LANDMARKS, PoseSeries
from gaitcheck.model import LegAssessment, Rep, Step
from gaitcheck.vocabulary import SIDES, Side


@dataclass
class Reference:
    """A rendered clip's truth: per-frame table, sidecar, events and the rig's projected joints."""

    truth: pd.DataFrame
    meta: dict
    reps: list[Rep]
    steps: list[Step]
    series: PoseSeries

    @property
    def movement(self) -> str:
        return self.meta["movement"]

    @property
    def view(self) -> str:
        return self.meta["view"]

    @property
    def row_of(self) -> dict[int, int]:
        return {int(f): i for i, f in enumerate(self.truth["frame"])}

    def event_measures(self, angles: pd.DataFrame, series: PoseSeries) -> dict[Side, list[dict]]:
        """Per leg, the measures of `angles` read at the true events (reps, or stance phases)."""
        per_leg: dict[Side, list[dict]] = {side: [] for side in SIDES}
        for rep in self.reps:
            for side, values in rep_measures(rep, angles, series, self.row_of).items():
                per_leg[side].append(values)
        for step in self.steps:
            per_leg[step.leg].append(step_measures(step, angles, self.row_of))
        return per_leg

    def verdicts(self) -> dict[Side, LegAssessment]:
        """The verdict per working leg that the truth itself earns under gaitcheck's rules."""
        per_leg = self.event_measures(self.truth, self.series)
        return {
            side: assess_leg(side, self.movement, self.view, events, []) for side, events in per_leg.items() if events
        }


def load_reference(video_path: str | Path) -> Reference:
    """Read X.truth.csv and X.truth.json next to X.mp4."""
    video_path = Path(video_path)
    truth = pd.read_csv(video_path.with_suffix(".truth.csv"))
    meta = json.loads(video_path.with_suffix(".truth.json").read_text())
    times = truth["time_s"].to_numpy(float)
    n = len(times)
    events = meta.get("events", {})
    reps = [
        Rep(i, r["start_frame"], r["bottom_frame"], r["end_frame"], times[r["start_frame"]],
            times[r["bottom_frame"]], times[r["end_frame"]], r["stance"], 0.0)
        for i, r in enumerate(events.get("reps") or [])
        if r["end_frame"] < n
    ]  # fmt: skip
    steps = [
        Step(s["leg"], s["initial_contact_frame"], s["midstance_frame"], s["toe_off_frame"],
             times[s["initial_contact_frame"]], times[s["midstance_frame"]], times[s["toe_off_frame"]])
        for s in events.get("steps") or []
        if s["toe_off_frame"] < n  # the last stance phase may run past the clip's end
    ]  # fmt: skip
    video = meta["video"]
    return Reference(truth, meta, reps, steps, rig_series(truth, video["width_px"], video["height_px"]))


def rig_series(truth: pd.DataFrame, width: int, height: int) -> PoseSeries:
    """The rig's projected joints as a PoseSeries (other landmarks missing)."""
    n = len(truth)
    image = np.full((n, N_LANDMARKS, 2), np.nan)
    for joint in ("hip", "knee", "ankle", "shoulder", "heel", "foot_index"):
        for side in SIDES:
            if f"{side}_{joint}_x_px" in truth:
                image[:, INDEX[f"{side}_{joint}"]] = truth[[f"{side}_{joint}_x_px", f"{side}_{joint}_y_px"]].to_numpy()
    series = PoseSeries.empty(truth["time_s"].to_numpy(float), width, height)
    return replace(
        series,
        frame=truth["frame"].to_numpy(int),
        image_px=image,
        image_z_px=np.zeros((n, N_LANDMARKS)),
        visibility=np.ones((n, N_LANDMARKS)),
        presence=np.ones((n, N_LANDMARKS)),
        detected=np.ones(n, dtype=bool),
    )
