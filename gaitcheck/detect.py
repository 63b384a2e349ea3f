"""What the clip shows: camera view and movement, each with a confidence.

View comes from the orientation of the pelvis and shoulder lines in MediaPipe's 3-D world
landmarks (yaw about the vertical), cross-checked against their 2-D widths. Movement comes from
how the feet move: running alternates the feet at stride frequency; a single-leg task keeps one
foot still while the other is held up (single-leg squat) or lowered (step-down).
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import signal

from gaitcheck.landmarks import PoseSeries
from gaitcheck.model import Detected

FRONT_MAX_YAW_DEG = 25.0  # |yaw| up to this: a frontal view (front or back)
SIDE_MIN_YAW_DEG = 65.0  # |yaw| from this to 180 - this: a side view; in between: oblique
STRIDE_BAND_HZ = (0.9, 2.6)  # one foot's cycle when running: cadence 110-310 steps/min


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
    dt = series.frame_step_s if series.n_frames > 1 else 1.0
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
    dt = series.frame_step_s
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
    """Running, or what each repetition looks like at its bottom; the majority wins."""
    scale = series.body_scale_px()
    if not np.isfinite(scale):
        return Detected("squat", 0.0, details={"reason": "body not visible"})
    px = series.px
    pelvis_y = (px("left_hip")[:, 1] + px("right_hip")[:, 1]) / 2 / scale
    pelvis_range = float(np.nanpercentile(pelvis_y, 95) - np.nanpercentile(pelvis_y, 5))
    alt = _alternation(series)
    details: dict = {"pelvis_range_torso": round(pelvis_range, 2), "feet_alternation": round(alt["amplitude"], 2)}
    # Running: the feet alternate at stride frequency, or (slowed-down clips) alternate widely,
    # repeatedly, while the pelvis stays up.
    cadence_like = alt["share"] >= 0.35 and alt["amplitude"] >= 0.1
    wide_alternation = alt["amplitude"] >= 0.3 and alt["crossings"] >= 3 and pelvis_range < 0.4
    if cadence_like or wide_alternation:
        details["stride_hz"] = round(alt["stride_hz"], 2)
        return Detected("run", 0.9 if cadence_like else 0.6, details=details)
    from gaitcheck.events import find_reps  # events depends on nothing here; imported late to keep layers clear

    reps = find_reps(series, "single-leg-squat")
    votes = [classify_rep(series, r, view) for r in reps]
    if not votes:
        return Detected("squat", 0.3, details={**details, "reason": "no repetitions found"})
    values, counts = np.unique(votes, return_counts=True)
    best = str(values[np.argmax(counts)])
    share = float(counts.max() / counts.sum())
    details["rep_votes"] = {str(v): int(c) for v, c in zip(values, counts, strict=True)}
    return Detected(best, round(0.4 + 0.5 * share, 2), details=details)


def classify_rep(series: PoseSeries, rep, view: str) -> str:
    """Bilateral squat, lunge, step-down or single-leg squat, from the legs at the bottom.

    * squat: both feet still (and level, where both are seen);
    * lunge: a deep repetition in which one shank is upside down in the picture (the back knee
      sinks below its own foot, which stands far behind);
    * step-down: the free foot reaches well below the standing foot on a straight leg seen
      side-on in the picture (a free leg pointing at the camera looks low too: that is a pistol);
    * otherwise a single-leg squat. From the front the last two can look alike; both are
      assessed the same way, and --movement names the task when it matters.
    """
    from gaitcheck.events import foot_motion, stance_by_motion

    scale = series.body_scale_px()
    row = {int(f): i for i, f in enumerate(series.frame)}
    start, bottom, end = row[rep.start_frame], row[rep.bottom_frame], row[rep.end_frame]
    px = series.px
    motion = foot_motion(series, start, end)
    level = abs(px("left_ankle")[bottom, 1] - px("right_ankle")[bottom, 1]) / scale
    side_on = view == "side"  # the far foot is half hidden and looks higher: be lenient
    if side_on and min(motion.values()) < 0.2 and not level > 0.3:
        return "squat"
    if max(motion.values()) < 0.12 and not level > 0.15:  # both feet seen, still and level
        return "squat"
    ankle_y = {side: px(f"{side}_ankle")[bottom, 1] for side in ("left", "right")}
    knee_above_ankle = {side: (ankle_y[side] - px(f"{side}_knee")[bottom, 1]) / scale for side in ankle_y}
    for side, other in (("left", "right"), ("right", "left")):
        if rep.depth_torso > 0.8 and knee_above_ankle[side] < -0.1 and knee_above_ankle[other] > 0.5:
            return "lunge"
    stance = rep.stance_leg if rep.stance_leg in ("left", "right") else stance_by_motion(series, start, end)
    free = "right" if stance == "left" else "left"
    foot_drop = (ankle_y[free] - ankle_y[stance]) / scale
    leg_now = np.linalg.norm(px(f"{free}_hip")[bottom] - px(f"{free}_ankle")[bottom])
    leg_lengths = np.linalg.norm(px(f"{free}_hip") - px(f"{free}_ankle"), axis=1)
    leg_full = np.nanpercentile(leg_lengths, 95) if not np.isnan(leg_lengths).all() else np.nan  # no All-NaN warning
    if foot_drop > 0.3 and leg_now >= 0.85 * leg_full:
        return "step-down"
    return "single-leg-squat"


# ------------------------------------------------------------------------------------------------
# segments: edited cuts and changes of view
# ------------------------------------------------------------------------------------------------
CUT_PICTURE_CHANGE = 25.0  # mean grey-level change (0-255) between frames that marks an edited cut
CUT_JUMP_TORSO = 0.6  # the body jumping this far (torso lengths) in one frame is a cut too
MIN_SEGMENT_S = 1.5  # shorter stretches are not analysed on their own
MIN_VIEW_CHANGE_S = 2.0  # a new view must last this long to start a segment


def find_cuts(series: PoseSeries) -> np.ndarray:
    """Frames where a new shot starts: the picture changes abruptly, or the body jumps or rescales."""
    px = series.px
    centre = (px("left_hip") + px("right_hip") + px("left_shoulder") + px("right_shoulder")) / 4
    torso = np.linalg.norm(
        (px("left_shoulder") + px("right_shoulder")) / 2 - (px("left_hip") + px("right_hip")) / 2, axis=1
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        jump = np.r_[0.0, np.linalg.norm(np.diff(centre, axis=0), axis=1) / torso[1:]]
        rescale = np.r_[0.0, np.abs(np.log(torso[1:] / torso[:-1]))]
    picture = series.picture_change
    typical = float(np.median(picture)) if picture.size else 0.0
    cut = (picture > max(CUT_PICTURE_CHANGE, 6 * typical)) | (jump > CUT_JUMP_TORSO) | (rescale > 0.25)
    return np.flatnonzero(np.nan_to_num(cut, nan=False).astype(bool))


def _runs(labels: np.ndarray) -> list[tuple[int, int, str]]:
    """(start, stop, label) of constant runs."""
    out = []
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            out.append((start, i, labels[start]))
            start = i
    return out


def _facing_of(yaw: np.ndarray) -> np.ndarray:
    """Coarse classes for splitting a clip: a person turning from the camera to side-on is a new
    segment; drifting between front and slightly oblique is not."""
    a = np.abs(yaw)
    return np.where(a < 45, "front", np.where(a > 135, "back", "side")).astype(object)


def view_track(series: PoseSeries, smooth_s: float = 1.0) -> np.ndarray:
    """Per-frame facing ('front', 'back', 'side', or '' without a person), smoothed with a running
    majority so a few odd frames do not make a new segment."""
    yaw = yaw_deg(series)
    labels = np.where(np.isfinite(yaw), _facing_of(np.nan_to_num(yaw)), "").astype(object)
    dt = series.frame_step_s if series.n_frames > 1 else 1.0
    half = max(1, int(round(smooth_s / dt / 2)))
    smoothed = labels.copy()
    for i in range(len(labels)):
        window = labels[max(0, i - half) : i + half + 1]
        window = window[window != ""]
        if labels[i] != "" and window.size:
            values, counts = np.unique(window, return_counts=True)
            smoothed[i] = values[np.argmax(counts)]
    return smoothed


def split_segments(series: PoseSeries) -> list[tuple[int, int]]:
    """Frame ranges [start, stop) to analyse separately: each shot between edited cuts, split again
    where the view changes for good. Filtering and repetitions never run across a boundary.
    Stretches without a person, or shorter than MIN_SEGMENT_S, are left out."""
    labels = view_track(series)
    dt = series.frame_step_s if series.n_frames > 1 else 1.0
    min_frames = max(2, int(round(MIN_SEGMENT_S / dt)))
    min_view_frames = max(2, int(round(MIN_VIEW_CHANGE_S / dt)))
    runs = _runs(labels)
    for i, (start, stop, label) in enumerate(runs):  # absorb short view blips into a neighbour
        if label != "" and stop - start < min_view_frames and len(runs) > 1:
            before = runs[i - 1][2] if i > 0 else ""
            after = runs[i + 1][2] if i + 1 < len(runs) else ""
            labels[start:stop] = before or after or label
    bounds = {0, series.n_frames, *find_cuts(series).tolist()}
    bounds |= {start for start, _, _ in _runs(labels)}
    edges = sorted(bounds)
    segments = []
    for start, stop in itertools.pairwise(edges):
        person = labels[start:stop] != ""
        if person.sum() >= min_frames:
            first, last = start + int(np.argmax(person)), stop - int(np.argmax(person[::-1]))
            segments.append((first, last))
    return segments or [(0, series.n_frames)]
