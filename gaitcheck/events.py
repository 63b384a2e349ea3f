"""What the clip shows: camera view and movement, each with a confidence.

View comes from the orientation of the pelvis and shoulder lines in MediaPipe's 3-D world
landmarks (yaw about the vertical), cross-checked against their 2-D widths. Movement comes from
how the feet move: running alternates the feet at stride frequency; a single-leg task keeps one
foot still while the other is held up (single-leg squat) or lowered (step-down).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import signal

from gaitcheck.landmarks import PoseSeries

FRONT_MAX_YAW_DEG = 25.0  # |yaw| up to this: a frontal view (front or back)
SIDE_MIN_YAW_DEG = 65.0  # |yaw| from this to 180 - this: a side view; in between: oblique
STRIDE_BAND_HZ = (0.9, 2.6)  # one foot's cycle when running: cadence 110-310 steps/min


@dataclass(frozen=True)
class Detected:
    """A label with how sure we are and where it came from ('given' by the user or 'detected')."""

    value: str
    confidence: float
    source: str = "detected"
    details: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "value": self.value,
            "confidence": round(self.confidence, 2),
            "source": self.source,
            **self.details,
        }


def given(value: str) -> Detected:
    return Detected(value=value, confidence=1.0, source="given")


# ------------------------------------------------------------------------------------------------
# view
# ------------------------------------------------------------------------------------------------
def yaw_deg(series: PoseSeries) -> np.ndarray:
    """Per frame, the body's rotation about vertical: 0 facing the camera, +-90 side-on, 180 away.

    From world landmarks: the right-to-left hip and shoulder vectors lie along +x when the
    person faces the camera (their left is the image's right).
    """
    w = series.world
    vectors = (w("left_hip") - w("right_hip")) + (w("left_shoulder") - w("right_shoulder"))
    return np.degrees(np.arctan2(vectors[:, 2], vectors[:, 0]))


def _view_of(yaw: np.ndarray) -> np.ndarray:
    a = np.abs(yaw)
    out = np.full(yaw.shape, "oblique", dtype=object)
    out[a <= FRONT_MAX_YAW_DEG] = "front"
    out[a >= 180 - FRONT_MAX_YAW_DEG] = "back"
    out[(a >= SIDE_MIN_YAW_DEG) & (a <= 180 - SIDE_MIN_YAW_DEG)] = "side"
    return out


def detect_view(series: PoseSeries) -> Detected:
    """Majority view over the frames with a person, and the median yaw."""
    yaw = yaw_deg(series)
    ok = np.isfinite(yaw)
    if ok.sum() == 0:
        return Detected("front", 0.0, details={"reason": "no usable landmarks"})
    yaw = yaw[ok]
    labels = _view_of(yaw)
    values, counts = np.unique(labels, return_counts=True)
    best = values[np.argmax(counts)]
    share = counts.max() / counts.sum()
    median_yaw = float(
        np.degrees(np.angle(np.median(np.cos(np.radians(yaw))) + 1j * np.median(np.sin(np.radians(yaw)))))
    )
    # 2-D cross-check: shoulder width over torso length is ~0.7 facing the camera, ~0.1 side-on.
    px = series.px
    torso = np.linalg.norm(
        (px("left_shoulder") + px("right_shoulder")) / 2 - (px("left_hip") + px("right_hip")) / 2, axis=1
    )
    width = np.abs(px("left_shoulder")[:, 0] - px("right_shoulder")[:, 0])
    ratio = float(np.nanmedian(width / np.where(torso > 0, torso, np.nan)))
    agrees = (best in ("front", "back") and ratio > 0.45) or (best == "side" and ratio < 0.3) or best == "oblique"
    confidence = share * (1.0 if agrees else 0.6)
    return Detected(
        str(best),
        float(confidence),
        details={
            "yaw_deg": round(abs(median_yaw) if best != "back" else median_yaw, 1),
            "shoulder_width_ratio": round(ratio, 2),
        },
    )


# ------------------------------------------------------------------------------------------------
# movement
# ------------------------------------------------------------------------------------------------
def _interp_finite(time_s: np.ndarray, values: np.ndarray) -> np.ndarray | None:
    ok = np.isfinite(values)
    if ok.sum() < max(8, 0.5 * len(values)):
        return None
    return np.interp(time_s, time_s[ok], values[ok])


def _torso_scale(series: PoseSeries) -> np.ndarray:
    """Per-frame torso length in pixels (tolerates a runner approaching a tracking camera)."""
    px = series.px
    torso = np.linalg.norm(
        (px("left_shoulder") + px("right_shoulder")) / 2 - (px("left_hip") + px("right_hip")) / 2, axis=1
    )
    dt = float(np.median(np.diff(series.time_s))) if series.n_frames > 1 else 1.0
    window = max(3, int(round(1.0 / dt)) | 1)
    filled = _interp_finite(series.time_s, torso)
    if filled is None:
        return np.full(series.n_frames, np.nan)
    return signal.medfilt(filled, window) if len(filled) > window else filled


def _alternation(series: PoseSeries) -> dict[str, float]:
    """How the two feet move against each other.

    Returns the share of the left-minus-right ankle signal's power in the running stride band,
    the band's peak frequency, the signal's amplitude (in torso lengths, per-frame scale so a
    runner approaching the camera is fine) and its number of sign changes.
    """
    scale = _torso_scale(series)
    la, ra = series.px("left_ankle"), series.px("right_ankle")
    dt = float(np.median(np.diff(series.time_s))) if series.n_frames > 1 else 0.0
    best = {"share": 0.0, "stride_hz": 0.0, "amplitude": 0.0, "crossings": 0.0}
    if dt <= 0 or series.n_frames < 16:
        return best
    for axis in (0, 1):
        diff = _interp_finite(series.time_s, (la[:, axis] - ra[:, axis]) / scale)
        if diff is None:
            continue
        diff = signal.detrend(diff)
        freqs, power = signal.welch(diff, fs=1.0 / dt, nperseg=min(len(diff), int(4 / dt)))
        usable = freqs > 0.15
        total = power[usable].sum()
        band = (freqs >= STRIDE_BAND_HZ[0]) & (freqs <= STRIDE_BAND_HZ[1])
        share = float(power[band].sum() / total) if total > 0 else 0.0
        amplitude = float(np.std(diff))
        smooth = signal.savgol_filter(diff, max(5, int(0.2 / dt) | 1), 2) if len(diff) > int(0.2 / dt) + 2 else diff
        crossings = float(np.sum(np.diff(np.sign(smooth[np.abs(smooth) > 0.1 * amplitude])) != 0))
        if amplitude > best["amplitude"]:
            best = {
                "share": share,
                "stride_hz": float(freqs[band][np.argmax(power[band])]) if band.any() else 0.0,
                "amplitude": amplitude,
                "crossings": crossings,
            }
    return best


def detect_movement(series: PoseSeries, view: str) -> Detected:
    """Running, bilateral squat, single-leg squat or step-down, from foot and pelvis behaviour."""
    scale = series.body_scale_px()
    if not np.isfinite(scale):
        return Detected("squat", 0.0, details={"reason": "body not visible"})
    px = series.px
    pelvis_y = (px("left_hip")[:, 1] + px("right_hip")[:, 1]) / 2 / scale
    pelvis_range = float(np.nanpercentile(pelvis_y, 95) - np.nanpercentile(pelvis_y, 5))
    alt = _alternation(series)
    details: dict = {
        "pelvis_range_torso": round(pelvis_range, 2),
        "feet_alternation": round(alt["amplitude"], 2),
    }
    # Running: the feet alternate at stride frequency, or (slowed-down clips) alternate widely,
    # repeatedly, while the pelvis stays up.
    cadence_like = alt["share"] >= 0.35 and alt["amplitude"] >= 0.1
    wide_alternation = alt["amplitude"] >= 0.3 and alt["crossings"] >= 3 and pelvis_range < 0.4
    if cadence_like or wide_alternation:
        details["stride_hz"] = round(alt["stride_hz"], 2)
        return Detected("run", 0.9 if cadence_like else 0.6, details=details)

    la_y = px("left_ankle")[:, 1] / scale
    ra_y = px("right_ankle")[:, 1] / scale
    if not (np.isfinite(la_y).any() and np.isfinite(ra_y).any()):
        return Detected("squat", 0.0, details={**details, "reason": "feet not visible"})
    spread = {
        side: float(np.nanpercentile(v, 95) - np.nanpercentile(v, 5)) for side, v in (("left", la_y), ("right", ra_y))
    }
    diff = la_y - ra_y  # > 0: the left ankle is lower in the picture
    offset = float(np.nanmedian(diff))
    moving = max(spread, key=spread.get)
    still = "right" if moving == "left" else "left"
    ratio = spread[moving] / max(spread[still], 0.02)
    held_up = abs(offset) > 0.2 and view != "side"
    one_foot_moves = spread[moving] > 0.12 and ratio > 2.0
    details["foot_motion_torso"] = {k: round(v, 2) for k, v in spread.items()}
    if not (held_up or one_foot_moves):
        return Detected("squat", 0.8 if spread[moving] < 0.08 else 0.5, details=details)
    free = ("right" if offset > 0 else "left") if held_up and not one_foot_moves else moving
    stance = "right" if free == "left" else "left"
    # Where is the free foot when the pelvis is lowest? Well below the stance foot: a step-down.
    deep = pelvis_y >= np.nanpercentile(pelvis_y, 90)
    free_minus_stance = (diff if free == "left" else -diff)[deep]
    below = float(np.nanmedian(free_minus_stance)) if np.isfinite(free_minus_stance).any() else 0.0
    details.update(stance_leg=stance, free_foot_below_stance_torso=round(below, 2))
    if below > 0.15:
        return Detected("step-down", 0.6, details=details)
    return Detected("single-leg-squat", 0.6 if below < 0.05 else 0.4, details=details)
