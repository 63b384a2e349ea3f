"""What gaitcheck should find on a rendered clip, read from its ground truth with gaitcheck's own
event and assessment functions (so truth and estimate are judged by exactly the same rules).

**Which hip is true.** anny's rig hip joints (upperleg01 heads) sit 0.22-0.24 m apart, wider than
anatomical hip joint centres (0.17-0.20 m; Harrington-style regressions from pelvic width), and
MediaPipe's hip points sit 1-3 cm medial of them (../shared/synth-notes.md). Scoring against the rig's
hips teaches a correction the generator's quirk: fitted on it, gaitcheck's calibration made FPPA
worse on another generator's renders. The reference therefore re-measures the frontal-plane truth
with each hip moved toward the pelvis midpoint to ANATOMICAL_HIP_SHARE of the rig's separation
(0.78: 0.237 m -> 0.185 m on the widest body); the rig's own values stay in the truth file.

Does not need anny: it only reads X.truth.csv and X.truth.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from gaitcheck.assess import THRESHOLDS, assess_leg, rep_measures, step_measures
from gaitcheck.landmarks import INDEX, N_LANDMARKS, PoseSeries
from gaitcheck.model import LegAssessment, Rep, Step
from gaitcheck.synth.truth import POINTS, frontal_columns
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

    def event_measures(
        self, angles: pd.DataFrame, series: PoseSeries, row_of: dict[int, int] | None = None
    ) -> dict[Side, list[dict]]:
        """Per leg, the measures of `angles` read at the true events (reps, or stance phases).
        `row_of` maps the clip's frames to rows of `angles` and `series` (default: one row per
        frame, as in the truth; an analysis that posed every k-th frame needs its own map)."""
        rows = self.row_of if row_of is None else row_of
        per_leg: dict[Side, list[dict]] = {side: [] for side in SIDES}
        for rep in self.reps:
            for side, values in rep_measures(rep, angles, series, rows).items():
                per_leg[side].append(values)
        for step in self.steps:
            per_leg[step.leg].append(step_measures(step, angles, rows))
        return per_leg

    def verdicts(self) -> dict[Side, LegAssessment]:
        """The verdict per working leg that the truth itself earns under gaitcheck's rules: the same
        bands, without the measurement-error margin (the truth has none)."""
        per_leg = self.event_measures(self.truth, self.series)
        exact = tuple(replace(t, margin=0.0) for t in THRESHOLDS)
        return {
            side: assess_leg(side, self.movement, self.view, events, [], thresholds=exact)
            for side, events in per_leg.items()
            if events
        }


#: Anatomical hip joint centres as a share of the rig's hip separation (see the module docstring).
ANATOMICAL_HIP_SHARE = 0.78


def anatomical_hips(truth: pd.DataFrame, share: float = ANATOMICAL_HIP_SHARE) -> pd.DataFrame:
    """The truth with the hips' pixel columns moved toward their midpoint to `share` of their
    separation, and the frontal-plane columns re-measured from them (a side view keeps its blanks).
    Scaling about the midpoint in the picture is the projection of that move in 3-D up to
    perspective (the hips are at one depth within a few cm)."""
    out = truth.copy()
    left, right = (truth[[f"{s}_hip_x_px", f"{s}_hip_y_px"]].to_numpy(float) for s in SIDES)
    middle = (left + right) / 2
    px = {f"{s}_{j}": truth[[f"{s}_{j}_x_px", f"{s}_{j}_y_px"]].to_numpy(float) for s in SIDES for j in POINTS}
    px["left_hip"], px["right_hip"] = middle + share * (left - middle), middle + share * (right - middle)
    for name in ("left_hip", "right_hip"):
        out[f"{name}_x_px"], out[f"{name}_y_px"] = px[name][:, 0], px[name][:, 1]
    frontal = np.isfinite(truth["left_fppa_deg"].to_numpy(float)) | np.isfinite(truth["right_fppa_deg"].to_numpy(float))
    for column, values in frontal_columns(px).items():
        out[column] = np.where(frontal, values, np.nan)
    return out


def load_reference(video_path: str | Path, hip_share: float = ANATOMICAL_HIP_SHARE) -> Reference:
    """Read X.truth.csv and X.truth.json next to X.mp4 (frontal truth at anatomical hips, see above;
    hip_share=1 gives the rig's own)."""
    video_path = Path(video_path)
    truth = anatomical_hips(pd.read_csv(video_path.with_suffix(".truth.csv")), hip_share)
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
