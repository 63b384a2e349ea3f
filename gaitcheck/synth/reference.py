"""What gaitcheck should find on a rendered clip, read from its ground truth with gaitcheck's own
event and assessment functions (so truth and estimate are judged by exactly the same rules).

**Which hip is true.** anny's rig hip joints (upperleg01 heads) sit 0.22-0.24 m apart, wider than
anatomical hip joint centres (0.17-0.20 m; Harrington-style regressions from pelvic width), and
MediaPipe's hip points sit 1-3 cm medial of them (../shared/synth-notes.md). Scoring against the rig's
hips teaches a correction the generator's quirk: fitted on it, gaitcheck's calibration made FPPA
worse on another generator's renders. The reference therefore re-measures the frontal-plane truth
with each hip moved toward the pelvis midpoint to ANATOMICAL_HIP_SHARE of the rig's separation
(0.78: 0.237 m -> 0.185 m on the widest body); the rig's own values stay in the truth file.

**Which camera.** The truth is the rig projected through the clip's own camera, so a camera off
square puts its angle's artefact (kinematics.view_artefact_fppa_deg) into the truth itself.
``camera="square"`` re-projects the rig's 3-D joints through the camera the motion's valgus was planned
with instead (the sidecar's ``valgus_camera``: the same height, distance, pitch and lens, moved
straight in front of the subject and held level): what a clinician filming square would measure.

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


def _camera_points(truth: pd.DataFrame, camera: dict) -> np.ndarray:
    """The POINTS per frame in the clip camera's axes (n, points, 3), absolute: the truth stores them
    relative to the mid-hip, so the mid-hip's own position is solved, by least squares per frame,
    from where every point appears in the picture (u - cx = f x / z, linear in the mid-hip)."""
    names = [f"{side}_{point}" for side in SIDES for point in POINTS]
    relative = np.stack([truth[[f"{n}_{a}_m" for a in "xyz"]].to_numpy(float) for n in names], axis=1)
    pixels = np.stack([truth[[f"{n}_x_px", f"{n}_y_px"]].to_numpy(float) for n in names], axis=1)
    k = np.asarray(camera["intrinsics_px"], float)
    ray = (pixels - k[[0, 1], [2, 2]]) / k[[0, 1], [0, 1]]  # x/z and y/z of each point
    n_frames, n_points = ray.shape[:2]
    design = np.zeros((n_frames, 2 * n_points, 3))
    design[:, 0::2, 0] = design[:, 1::2, 1] = 1.0
    design[:, 0::2, 2], design[:, 1::2, 2] = -ray[..., 0], -ray[..., 1]
    target = np.empty((n_frames, 2 * n_points))
    target[:, 0::2] = ray[..., 0] * relative[..., 2] - relative[..., 0]
    target[:, 1::2] = ray[..., 1] * relative[..., 2] - relative[..., 1]
    mid_hip = np.stack([np.linalg.lstsq(a, b, rcond=None)[0] for a, b in zip(design, target, strict=True)])
    return relative + mid_hip[:, None, :]


def square_camera_pixels(truth: pd.DataFrame, meta: dict) -> pd.DataFrame:
    """The truth with its points' pixel columns re-projected through the square camera the motion was
    planned with (meta['camera']['valgus_camera']); the angle columns are re-measured by
    `anatomical_hips`, which load_reference applies next. A side view keeps its blanks there."""
    clip, square = meta["camera"], meta["camera"]["valgus_camera"]
    # camera = (world - centre) @ R.T, so world = camera @ R + centre
    world = _camera_points(truth, clip) @ np.asarray(clip["world_to_camera_rotation"], float)
    world += np.asarray(clip["camera_centre_m"], float)
    rotation = np.asarray(square["world_to_camera_rotation"], float)
    cam = (world - np.asarray(square["camera_centre_m"], float)) @ rotation.T
    k = np.asarray(square["intrinsics_px"], float)
    px = cam[..., :2] / np.maximum(cam[..., 2:3], 1e-6) * k[[0, 1], [0, 1]] + k[[0, 1], [2, 2]]
    out = truth.copy()
    for i, name in enumerate(f"{side}_{point}" for side in SIDES for point in POINTS):
        out[f"{name}_x_px"], out[f"{name}_y_px"] = px[:, i, 0], px[:, i, 1]
    return out


CAMERAS = ("clip", "square")


def load_reference(video_path: str | Path, hip_share: float = ANATOMICAL_HIP_SHARE, camera: str = "clip") -> Reference:
    """Read X.truth.csv and X.truth.json next to X.mp4 (frontal truth at anatomical hips, see above;
    hip_share=1 gives the rig's own), as the clip's camera or a square one sees it (see above)."""
    if camera not in CAMERAS:
        raise ValueError(f"camera must be one of {CAMERAS}, got {camera!r}")
    video_path = Path(video_path)
    meta = json.loads(video_path.with_suffix(".truth.json").read_text())
    truth = pd.read_csv(video_path.with_suffix(".truth.csv"))
    if camera == "square":
        truth = square_camera_pixels(truth, meta)
    truth = anatomical_hips(truth, hip_share)
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
