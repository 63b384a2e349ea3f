"""What the clip shows: camera view and movement, each with a confidence.

View comes from the orientation of the pelvis and shoulder lines in MediaPipe's 3-D world
landmarks (yaw about the vertical; the shoulder line alone from behind), cross-checked against
their 2-D widths. Movement comes from what the feet do: running alternates the feet at stride
frequency; in a bilateral squat both feet stay planted through every repetition; in a single-leg
task the free foot is carried by the body (it moves as the pelvis goes down, or is held up or
hidden), and in a step-down it is lowered on a straight leg to below the standing foot. Feet are
measured in leg lengths and against their own positions at each repetition's start, so the
camera's height and yaw do not matter.
"""

from __future__ import annotations

import itertools
import warnings
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from gaitcheck.landmarks import PoseSeries
from gaitcheck.model import Detected, Rep
from gaitcheck.signals import detrend, medfilt, savgol_filter, welch
from gaitcheck.vocabulary import SIDES, Side, other_side

FRONT_MAX_YAW_DEG = 25.0  # |yaw| up to this: a frontal view (front or back)
SIDE_MIN_YAW_DEG = 65.0  # |yaw| from this to 180 - this: a side view; in between: oblique
STRIDE_BAND_HZ = (0.9, 2.6)  # one foot's cycle when running: cadence 110-310 steps/min
#: A runner's pelvis stays up: its height varies by the vertical oscillation, 6-12 cm, at most
#: ~0.3 torso lengths with landmark noise (5th-95th percentile; 0.32 the most over the rendered
#: and real runs); a step-down or squat whose feet happen to alternate goes down further [derived].
RUN_MAX_PELVIS_RANGE_TORSO = 0.4


# ------------------------------------------------------------------------------------------------
# view
# ------------------------------------------------------------------------------------------------
#: The body's lines yaw_deg can be read from (its left point minus its right one).
BODY_LINES = ("hip", "shoulder")


def yaw_deg(series: PoseSeries, lines: tuple[str, ...] = BODY_LINES) -> np.ndarray:
    """Per frame, the body's rotation about vertical: 0 facing the camera, +-90 side-on, 180 away.

    From world landmarks: the right-to-left vectors of the `lines` (hip, shoulder) lie along +x when
    the person faces the camera (their left is the image's right); detect_view reads the shoulder
    line alone from behind.
    """
    w = series.world
    vectors = sum(w(f"left_{line}") - w(f"right_{line}") for line in lines)
    return np.degrees(np.arctan2(vectors[:, 2], vectors[:, 0]))


def circular_median_deg(angles_deg: np.ndarray) -> float:
    """The median direction of angles in degrees (-180..180), missing values left out."""
    radians = np.radians(angles_deg[np.isfinite(angles_deg)])
    return float(np.degrees(np.angle(np.median(np.cos(radians)) + 1j * np.median(np.sin(radians)))))


def _facing_away(yaw: np.ndarray) -> bool:
    """Whether the person mostly has their back to the camera, past a side view (which keeps both
    lines: it is not graded on the frontal question, and its view is found as it always was)."""
    return abs(circular_median_deg(yaw)) > 180.0 - SIDE_MIN_YAW_DEG


def turn_deg(yaw: float) -> float:
    """The camera's signed angle off square from the body's yaw (-90..90): the yaw itself facing the
    camera, its difference from 180 facing away. + when the side of the body on the picture's right
    is the farther one, from the front and from behind alike (kinematics.turned_camera_fppa_deg)."""
    return float(yaw if abs(yaw) <= 90.0 else (yaw % 360.0) - 180.0)


def _view_of(yaw: np.ndarray) -> np.ndarray:
    a = np.abs(yaw)
    out = np.full(yaw.shape, "oblique", dtype=object)
    out[a <= FRONT_MAX_YAW_DEG] = "front"
    out[a >= 180 - FRONT_MAX_YAW_DEG] = "back"
    out[(a >= SIDE_MIN_YAW_DEG) & (a <= 180 - SIDE_MIN_YAW_DEG)] = "side"
    return out


def detect_view(series: PoseSeries) -> Detected:
    """Majority view over the frames with a person, and the median yaw.

    From behind, the yaw is read from the shoulder line alone: there MediaPipe's hip line turns
    further than the body does. On rendered clips filmed from behind, the turn's mean error was
    13-19 deg from the hip line alone, 4-5 from the shoulder line, 5-8.5 from both
    (docs/camera-turn.md, `benchmarks/camera_turn.py`). Chosen on the accuracy renders; on the
    bystander renders, not looked at for it, 4.9 -> 3.9 deg. Facing the camera both lines do best.
    """
    yaw = yaw_deg(series)
    if np.isfinite(yaw).any() and _facing_away(yaw):
        yaw = yaw_deg(series, lines=("shoulder",))
    ok = np.isfinite(yaw)
    if ok.sum() == 0:
        return Detected("front", 0.0, details={"reason": "no usable landmarks"})
    yaw = yaw[ok]
    labels = _view_of(yaw)
    values, counts = np.unique(labels, return_counts=True)
    best = values[np.argmax(counts)]
    share = counts.max() / counts.sum()
    median_yaw = circular_median_deg(yaw)
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
            "turn_deg": round(turn_deg(median_yaw), 1),
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
    return medfilt(filled, window) if len(filled) > window else filled


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
        diff = detrend(diff)
        freqs, power = welch(diff, 1.0 / dt, nperseg=min(len(diff), int(4 / dt)))
        usable = freqs > 0.15
        total = power[usable].sum()
        band = (freqs >= STRIDE_BAND_HZ[0]) & (freqs <= STRIDE_BAND_HZ[1])
        share = float(power[band].sum() / total) if total > 0 else 0.0
        amplitude = float(np.std(diff))
        smooth = savgol_filter(diff, max(5, int(0.2 / dt) | 1), 2) if len(diff) > int(0.2 / dt) + 2 else diff
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
    """Running, or what the feet do in each repetition; the majority wins."""
    scale = series.body_scale_px()
    if not np.isfinite(scale):
        return Detected("squat", 0.0, details={"reason": "body not visible"})
    px = series.px
    pelvis_y = (px("left_hip")[:, 1] + px("right_hip")[:, 1]) / 2 / scale
    pelvis_range = float(np.nanpercentile(pelvis_y, 95) - np.nanpercentile(pelvis_y, 5))
    alt = _alternation(series)
    details: dict = {"pelvis_range_torso": round(pelvis_range, 2), "feet_alternation": round(alt["amplitude"], 2)}
    # Running: the feet alternate at stride frequency, or (slowed-down clips) alternate widely,
    # repeatedly; in both, the pelvis stays up.
    pelvis_up = pelvis_range < RUN_MAX_PELVIS_RANGE_TORSO
    cadence_like = alt["share"] >= 0.35 and alt["amplitude"] >= 0.1 and pelvis_up
    wide_alternation = alt["amplitude"] >= 0.3 and alt["crossings"] >= 3 and pelvis_up
    if cadence_like or wide_alternation:
        details["stride_hz"] = round(alt["stride_hz"], 2)
        return Detected("run", 0.9 if cadence_like else 0.6, details=details)
    from gaitcheck.events import find_reps  # events depends on nothing here; imported late to keep layers clear

    reps = find_reps(series, "single-leg-squat")
    clear = seen_clearly(series)
    judged = [found for found in (judge_rep_clearly(series, rep, view, clear) for rep in reps) if found]
    if len(judged) < len(reps):
        details["reps_not_seen_clearly"] = len(reps) - len(judged)
    if not judged:
        reason = "no repetitions found" if not reps else "no repetition seen clearly"
        return Detected("squat", 0.3, details={**details, "reason": reason})
    votes = Counter(movement for movement, _ in judged)
    best, count = majority_movement(votes)
    details["rep_votes"] = dict(sorted(votes.items()))
    details["feet"] = dict(sorted(Counter(evidence or "planted" for _, evidence in judged).items()))
    return Detected(best, round(0.4 + 0.5 * count / len(judged), 2), details=details)


def majority_movement(votes: Counter[str]) -> tuple[str, int]:
    """The movement most repetitions showed, and how many. In a tie, what the feet showed in some
    repetitions (one foot off the floor, a split stance) outweighs both feet seen planted in as
    many: a foot that hovers can escape the tests of one repetition, and a planted foot was not
    once taken for a raised one in a bilateral squat of the renders or the shared clips (169
    repetitions) [derived: bystander render 5, a single-leg squat filmed from 0.3 m, voted 1:1]."""
    count = max(votes.values())
    tied = [movement for movement, n in votes.items() if n == count]
    shown = [movement for movement in tied if movement != "squat"]
    return (shown or tied)[0], count


# ------------------------------------------------------------------------------------------------
# movement: what the feet do over one repetition
#
# Lengths are in leg lengths measured in the same picture at the repetition's start and end
# (standing): the camera's distance, height and yaw then scale the feet and the leg alike. Feet are
# compared with their own positions at the repetition's start and end, not read as absolute
# levels: a camera above the floor shows the farther foot higher, one on the floor shows both feet
# level, and neither changes while the feet stay put.
# ------------------------------------------------------------------------------------------------
# Landmark jitter: a planted ankle's landmark wanders up to this far (leg lengths) between standing
# and the bottom of a repetition, though the foot does not move.
PLANTED_JITTER_LEG = 0.04
# A free foot is carried by the body: it moves by at least about half the pelvis's drop (0.45-1.3 x
# in the renders' single-leg squats and step-downs). A planted foot hidden behind the other leg at
# the bottom drifts too, but by at most ~0.4 x (oblique and side-on bilateral squats).
CARRIED_SHARE_OF_DROP = 0.45
# Toward or away from the camera a foot's motion does not show in the picture; MediaPipe's depth
# sees it, coarsely: between two planted feet it wanders up to ~0.2 leg lengths over a squat, while
# a free foot swung forward, back or out moves 0.3-0.5.
DEPTH_MOVED_LEG = 0.3
# Two planted feet can look this far out of level (leg lengths) in a frontal view: the ankle
# landmark sits a little differently on each foot. More than that, beyond what the picture's roll
# and perspective explain, means one foot is held up.
LEVEL_NOISE_LEG = 0.08
# The far foot of a bilateral stance looks higher by up to this times its extra distance from the
# camera: a camera up to ~0.6 of its distance above the floor (a phone at 1.5 m, 2.5 m away).
PERSPECTIVE_RISE_PER_DEPTH = 0.6
# The trunk at standing gives the picture's roll to within this (deg): nobody stands exactly upright.
ROLL_RESIDUAL_DEG = 3.0
# Step-down: at the bottom the free foot is at least this far below the standing one (leg lengths;
# a step is 0.15-0.25 m, 0.2-0.3 leg lengths; perspective and the heel's tap make it look less), ...
STEP_BELOW_LEG = 0.08
# ... lowered from standing by at least this much (leg lengths), more down than sideways, ...
STEP_LOWERED_LEG = 0.07
# ... on a free leg about straight in the picture (a pistol's free leg points at the camera and
# looks short): its hip-to-ankle distance at least this share of the standing leg length.
STEP_STRAIGHT_SHARE = 0.85
# A moment's position is the median over +- this (s): through landmark jitter, within the moment.
MOMENT_HALF_S = 0.1
# Someone walking in front covers the person gradually: this long (s) either side of a stretch where
# the person was not found, the fits are of a partly hidden body [derived: in the bystander renders
# another person covered more than 5 % of the subject for up to 0.33 s either side of each of the 8
# stretches where MediaPipe lost the subject].
HIDDEN_MARGIN_S = 0.4


def _moment(values: np.ndarray, row: int, half: int) -> np.ndarray:
    """The median of `values` over rows row-half..row+half (NaN where none is finite)."""
    window = values[max(0, row - half) : row + half + 1]
    if not np.isfinite(window).any():
        return np.full(values.shape[1:], np.nan)
    return np.nanmedian(window, axis=0)


@dataclass(frozen=True)
class _Moments:
    """A repetition's rows: standing at its start and end, the bottom; a moment spans +- half rows."""

    start: int
    bottom: int
    end: int
    half: int

    @classmethod
    def of(cls, series: PoseSeries, rep: Rep) -> _Moments:
        row = {int(f): i for i, f in enumerate(series.frame)}
        dt = series.frame_step_s
        half = max(1, int(round(MOMENT_HALF_S / dt))) if dt > 0 else 1
        return cls(row[rep.start_frame], row[rep.bottom_frame], row[rep.end_frame], half)

    def bottom_of(self, values: np.ndarray) -> np.ndarray:
        return _moment(values, self.bottom, self.half)

    def standing(self, values: np.ndarray) -> np.ndarray:
        """The mean of start and end (either alone when the other is missing, e.g. a hidden foot)."""
        both = np.stack([_moment(values, self.start, self.half), _moment(values, self.end, self.half)])
        return np.nanmean(both, axis=0) if np.isfinite(both).any() else both[0]

    def change(self, values: np.ndarray) -> np.ndarray:
        """From standing to the bottom."""
        return self.bottom_of(values) - self.standing(values)


@dataclass(frozen=True)
class FeetInRep:
    """What the feet do over one repetition, in leg lengths (picture: x right, y down).

    drop: how far the pelvis goes down; shift[side]: that ankle's displacement from standing to the
    bottom; apart_change: how far the ankles move relative to each other in the picture (robust to
    a moving camera); depth_change: the same toward or away from the camera (MediaPipe's depth);
    gap: right ankle minus left ankle at the bottom, the picture's roll undone; far: the foot
    farther from the camera ('' unknown), by depth_gap; leg_share[side]: that leg's hip-to-ankle
    distance at the bottom (1 = straight and across the line of sight).
    """

    drop: float
    shift: dict[Side, np.ndarray]
    apart_change: float
    depth_change: float
    gap: np.ndarray
    far: str
    depth_gap: float
    leg_share: dict[Side, float]


def _leg_px(series: PoseSeries, side: str) -> np.ndarray:
    """Per frame, thigh plus shank length in the picture (px): the leg's length when straight."""
    px = series.px
    knee = px(f"{side}_knee")
    return np.linalg.norm(px(f"{side}_hip") - knee, axis=1) + np.linalg.norm(knee - px(f"{side}_ankle"), axis=1)


def _standing_leg(moments: _Moments, per_side: list[np.ndarray]) -> float:
    """The longer leg standing (its per-frame lengths given per side); NaN when neither is seen."""
    standing = [float(moments.standing(lengths[:, None])[0]) for lengths in per_side]
    finite = [value for value in standing if np.isfinite(value)]
    return max(finite) if finite else float("nan")


def _roll_deg(series: PoseSeries, moments: _Moments) -> float:
    """The picture's roll (+: turned clockwise), from the trunk (mid-hip to mid-shoulder) standing."""
    px = series.px
    up = moments.standing((px("left_shoulder") + px("right_shoulder") - px("left_hip") - px("right_hip")) / 2)
    return float(np.degrees(np.arctan2(up[0], -up[1]))) if np.isfinite(up).all() else 0.0


def _upright(vector: np.ndarray, roll_deg: float) -> np.ndarray:
    """A picture vector (x right, y down) with the picture's roll undone."""
    a = np.radians(roll_deg)
    x, y = vector
    return np.array([x * np.cos(a) + y * np.sin(a), -x * np.sin(a) + y * np.cos(a)])


def _depth(series: PoseSeries, moments: _Moments) -> tuple[float, str, float]:
    """From MediaPipe's world depth (leg lengths): how far the feet move toward or away from each
    other along the line of sight, the foot farther from the camera at the bottom, and by how much."""
    w = series.world
    leg_m = _standing_leg(moments, [np.linalg.norm(w(f"{side}_hip") - w(f"{side}_ankle"), axis=1) for side in SIDES])
    if not leg_m > 0:
        return np.nan, "", 0.0
    apart = (w("right_ankle")[:, 2] - w("left_ankle")[:, 2])[:, None] / leg_m
    change, at_bottom = float(moments.change(apart)[0]), float(moments.bottom_of(apart)[0])
    if not np.isfinite(at_bottom):
        return abs(change), "", 0.0
    return abs(change), ("right" if at_bottom > 0 else "left"), abs(at_bottom)


def feet_in_rep(series: PoseSeries, rep: Rep) -> FeetInRep | None:
    """The feet over one repetition (None when the legs are not seen standing)."""
    moments = _Moments.of(series, rep)
    leg_px = _standing_leg(moments, [_leg_px(series, side) for side in SIDES])
    if not leg_px > 0:
        return None
    px = series.px
    ankle = {side: px(f"{side}_ankle") / leg_px for side in SIDES}
    hip_to_ankle = {side: np.linalg.norm(px(f"{side}_hip") / leg_px - ankle[side], axis=1)[:, None] for side in SIDES}
    apart = ankle["right"] - ankle["left"]
    depth_change, far, depth_gap = _depth(series, moments)
    return FeetInRep(
        drop=float(moments.change((px("left_hip") + px("right_hip"))[:, 1:] / 2 / leg_px)[0]),
        shift={side: moments.change(ankle[side]) for side in SIDES},
        apart_change=float(np.linalg.norm(moments.change(apart))),
        depth_change=depth_change,
        gap=_upright(moments.bottom_of(apart), _roll_deg(series, moments)),
        far=far,
        depth_gap=depth_gap,
        leg_share={side: float(moments.bottom_of(hip_to_ankle[side])[0]) for side in SIDES},
    )


def foot_off_floor(feet: FeetInRep, view: str) -> str:
    """Why one foot is off the floor in this repetition: 'moved' (it is carried by the body),
    'hidden' (a frontal view loses it behind the standing leg) or 'raised' (a frontal view shows it
    higher than roll and perspective explain); '' when both feet stay planted."""
    if feet.apart_change > max(PLANTED_JITTER_LEG, CARRIED_SHARE_OF_DROP * feet.drop):
        return "moved"
    if feet.depth_change > DEPTH_MOVED_LEG:
        return "moved"
    if view not in ("front", "back"):  # side-on and oblique, the far foot hides behind the near leg
        return ""
    seen = [side for side in SIDES if np.isfinite(feet.shift[side]).all()]
    if len(seen) == 1:
        return "hidden"
    return "raised" if _raised_beyond_perspective(feet) else ""


def _raised_beyond_perspective(feet: FeetInRep) -> bool:
    """One foot higher at the bottom than roll and perspective can make a planted one look."""
    across, rise = abs(float(feet.gap[0])), float(feet.gap[1])  # rise < 0: the right foot is higher
    if not (np.isfinite(across) and np.isfinite(rise)):
        return False
    higher = "right" if rise < 0 else "left"
    allowance = LEVEL_NOISE_LEG + across * np.tan(np.radians(ROLL_RESIDUAL_DEG))
    if higher == feet.far:
        allowance += PERSPECTIVE_RISE_PER_DEPTH * feet.depth_gap
    return abs(rise) > allowance


def _stance_side(feet: FeetInRep, rep: Rep) -> Side:
    """The standing foot: the one seen, or the one that moved less; else the repetition's."""
    moved = {side: float(np.linalg.norm(feet.shift[side])) for side in SIDES}
    finite = [side for side in SIDES if np.isfinite(moved[side])]
    if len(finite) == 1:
        return finite[0]
    if len(finite) == 2 and moved["left"] != moved["right"]:
        return min(finite, key=lambda side: moved[side])
    return rep.stance_leg if rep.stance_leg in SIDES else "left"


def _steps_down(feet: FeetInRep, stance: Side) -> bool:
    """The free foot is lowered, mostly downward, on a straight leg, to below the standing foot."""
    free = other_side(stance)
    below = float(feet.gap[1]) if free == "right" else -float(feet.gap[1])
    relative = feet.shift[free] - feet.shift[stance]
    lowered, sideways = float(relative[1]), abs(float(relative[0]))
    straight = feet.leg_share[free] >= STEP_STRAIGHT_SHARE
    return bool(below >= STEP_BELOW_LEG and lowered >= max(STEP_LOWERED_LEG, sideways) and straight)


def _lunges(series: PoseSeries, rep: Rep, bottom: int) -> bool:
    """A deep repetition in which one shank is upside down in the picture: the back knee sinks
    below its own foot, which stands far behind."""
    scale = series.body_scale_px()
    px = series.px
    knee_above_ankle = {
        side: (px(f"{side}_ankle")[bottom, 1] - px(f"{side}_knee")[bottom, 1]) / scale for side in SIDES
    }
    return rep.depth_torso > 0.8 and any(
        knee_above_ankle[side] < -0.1 and knee_above_ankle[other_side(side)] > 0.5 for side in SIDES
    )


def judge_rep(series: PoseSeries, rep: Rep, view: str) -> tuple[str, str]:
    """The movement one repetition shows, and the feet's evidence ('' when both stay planted)."""
    bottom = int(np.flatnonzero(series.frame == rep.bottom_frame)[0])
    if _lunges(series, rep, bottom):  # both feet planted, far apart: before the planted-feet test
        return "lunge", "split"
    feet = feet_in_rep(series, rep)
    evidence = foot_off_floor(feet, view) if feet is not None else ""
    if feet is None or not evidence:
        return "squat", evidence
    if _steps_down(feet, _stance_side(feet, rep)):
        return "step-down", evidence
    return "single-leg-squat", evidence


def person_found(series: PoseSeries) -> np.ndarray:
    """Per row: the person's hips are in the picture's landmarks."""
    px = series.px
    return np.isfinite(px("left_hip")).all(axis=1) & np.isfinite(px("right_hip")).all(axis=1)


def seen_clearly(series: PoseSeries) -> np.ndarray:
    """Per row: the person was found and not covered by someone else (the subject choice's
    `covered_frames`), and is not within HIDDEN_MARGIN_S of a moment they were either: both are a
    body partly out of sight, whose fits mix with the other body or the background beside it."""
    covered = (series.notes.get("subject") or {}).get("covered_frames", ())
    seen = person_found(series) & ~np.isin(series.frame, np.fromiter(covered, dtype=int))
    if seen.all() or not seen.any():
        return seen
    t, hidden_t = series.time_s, series.time_s[~seen]
    after = np.clip(np.searchsorted(hidden_t, t), 0, len(hidden_t) - 1)
    before = np.clip(after - 1, 0, len(hidden_t) - 1)
    nearest = np.minimum(np.abs(t - hidden_t[after]), np.abs(t - hidden_t[before]))
    return seen & (nearest > HIDDEN_MARGIN_S)


def hidden_moments(series: PoseSeries) -> list[list[float]]:
    """[start (s), duration (s)] of each stretch inside the series where the person was not found."""
    seen = person_found(series)
    t, dt = series.time_s, series.frame_step_s if series.n_frames > 1 else 0.0
    return [
        [round(float(t[start]), 2), round(float(t[stop - 1] - t[start] + dt), 2)]
        for start, stop, found in _runs(seen)
        if not found and start > 0 and stop < len(seen)
    ]


def judge_rep_clearly(series: PoseSeries, rep: Rep, view: str, clear: np.ndarray) -> tuple[str, str] | None:
    """`judge_rep`, reading the feet only where the person was seen clearly (`seen_clearly`). A
    repetition during which someone passed in front is judged with its bottom at the deepest frame
    seen clearly, and its standing moments where they were; None (no vote) when too little was.
    Beside the gap the fits are of a half-hidden body, whose feet read as moved [derived: bystander
    renders 4, 8 and 16, bilateral squats whose one repetition, its bottom beside such a gap, read
    as single-leg]."""
    rows = (series.frame >= rep.start_frame) & (series.frame <= rep.end_frame)
    if clear[rows].all():
        return judge_rep(series, rep, view)
    moved = _bottom_seen_clearly(series, rep, clear)
    if moved is None:
        return None
    image, world = series.image_px.copy(), series.world_m.copy()
    image[~clear], world[~clear] = np.nan, np.nan
    blanked = series.replace(image_px=image, world_m=world)
    return judge_rep(blanked, moved, view) if feet_in_rep(blanked, moved) is not None else None


def _bottom_seen_clearly(series: PoseSeries, rep: Rep, clear: np.ndarray) -> Rep | None:
    """The repetition with its bottom at the deepest frame seen clearly between its start and end,
    or None when that frame is less than half as deep as the bottom found."""
    from gaitcheck.events import pelvis_depth_torso  # as in detect_movement

    depth = pelvis_depth_torso(series)
    bottom = int(np.flatnonzero(series.frame == rep.bottom_frame)[0])
    if clear[bottom]:
        return rep
    rows = (series.frame >= rep.start_frame) & (series.frame <= rep.end_frame) & clear & np.isfinite(depth)
    if not rows.any():
        return None
    deepest = int(np.flatnonzero(rows)[np.argmax(depth[rows])])
    standing = depth[bottom] - rep.depth_torso
    if not depth[deepest] - standing >= 0.5 * rep.depth_torso:
        return None
    return replace(rep, bottom_frame=int(series.frame[deepest]), bottom_s=float(series.time_s[deepest]))


def classify_rep(series: PoseSeries, rep: Rep, view: str) -> str:
    """Bilateral squat, lunge, step-down or single-leg squat, from what the feet do.

    * squat: both feet stay planted (see `foot_off_floor`);
    * lunge: a deep repetition in which one shank is upside down in the picture;
    * step-down: the free foot is lowered, on a straight leg, to below the standing foot;
    * otherwise a single-leg squat. From the front the last two can look alike; both are
      assessed the same way, and --movement names the task when it matters.
    """
    return judge_rep(series, rep, view)[0]


# ------------------------------------------------------------------------------------------------
# segments: edited cuts and changes of view
# ------------------------------------------------------------------------------------------------
CUT_PICTURE_CHANGE = 25.0  # mean grey-level change (0-255) between frames that marks an edited cut
CUT_JUMP_TORSO = 0.6  # the body jumping this far (torso lengths) in one frame is a cut too
CUT_RESCALE_LOG = 0.25  # ... or its torso changing length by this (log ratio, ~28 %) in one frame
CUT_PERSIST_S = 0.2  # ... when the change holds: the medians of this long after and before differ as much,
#: ... and this share of the frames after it differ from the median before by as much: a new shot holds
#: in every frame, a trunk whose fit flickers between whole and half while it leans at a squat's bottom
#: does not [derived: bystander render 24, a squat seen from behind cut at its first bottom on 2026-12-05].
CUT_HOLD_SHARE = 0.8
MIN_SEGMENT_S = 1.5  # shorter stretches are not analysed on their own
MIN_VIEW_CHANGE_S = 2.0  # a new view must last this long to start a segment
#: The person out of sight for up to this long (s), with the same view before and after and no cut
#: between, stays in one segment: someone walking past in front hides them for 0.2-0.8 s in the
#: bystander renders, and a repetition spanning that is still one repetition [derived: bystander
#: render 21, hidden 0.3 s]. Longer absences (out of the picture, a camera put down) split.
MAX_HIDDEN_S = 1.0
FACING_CENTRE_DEG = {"front": 0.0, "side": 90.0, "back": 180.0}  # |yaw| of each coarse facing
FACING_HYSTERESIS_DEG = 15.0  # the facing changes once |yaw| is this far past a boundary (45, 135 deg)


def find_cuts(series: PoseSeries) -> np.ndarray:
    """Frames where a new shot starts: the picture changes abruptly, or the body jumps or rescales
    from one frame to the next and stays so (`_lasting_change`): a fit that flickers for a frame or
    two (a deep squat's torso read at half its length) is noise for cleaning, not a new shot."""
    px = series.px
    centre = (px("left_hip") + px("right_hip") + px("left_shoulder") + px("right_shoulder")) / 4
    torso = np.linalg.norm(
        (px("left_shoulder") + px("right_shoulder")) / 2 - (px("left_hip") + px("right_hip")) / 2, axis=1
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        jump = np.r_[0.0, np.linalg.norm(np.diff(centre, axis=0), axis=1) / torso[1:]]
        rescale = np.r_[0.0, np.abs(np.log(torso[1:] / torso[:-1]))]
        log_torso = np.log(torso)
    half = max(2, int(round(CUT_PERSIST_S / series.frame_step_s))) if series.n_frames > 1 else 1
    body = _lasting_change(centre / torso[:, None], jump > CUT_JUMP_TORSO, half, CUT_JUMP_TORSO)
    body |= _lasting_change(log_torso[:, None], rescale > CUT_RESCALE_LOG, half, CUT_RESCALE_LOG)
    picture = series.picture_change
    typical = float(np.median(picture)) if picture.size else 0.0
    cut = (picture > max(CUT_PICTURE_CHANGE, 6 * typical)) | body
    return np.flatnonzero(np.nan_to_num(cut, nan=False).astype(bool))


def _lasting_change(values: np.ndarray, candidates: np.ndarray, half: int, limit: float) -> np.ndarray:
    """Of the `candidates` frames (bool), those i where the median of `values` (T, k) over the
    `half` frames from i differs from that over the `half` frames before i by more than `limit`,
    as do at least CUT_HOLD_SHARE of those frames one by one."""
    out = np.zeros(len(values), dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN window: no change found there
        for i in np.flatnonzero(np.nan_to_num(candidates, nan=False).astype(bool)):
            if i == 0:
                continue
            before = np.nanmedian(values[max(0, i - half) : i], axis=0)
            after = values[i : i + half]
            changed = np.linalg.norm(after - before, axis=1) > limit
            held = changed.sum() >= CUT_HOLD_SHARE * np.isfinite(after).all(axis=1).sum()
            out[i] = bool(np.linalg.norm(np.nanmedian(after, axis=0) - before) > limit and held)
    return out


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
    segment; drifting between front and slightly oblique is not. With hysteresis: a person filmed
    from about 45 deg sways across the front/side boundary with every repetition, and the facing
    changes only once the yaw is FACING_HYSTERESIS_DEG past it ('' without a person)."""
    out = np.full(len(yaw), "", dtype=object)
    current = ""
    for i, value in enumerate(np.abs(yaw)):
        if not np.isfinite(value):
            continue
        nearest = "front" if value < 45 else ("back" if value > 135 else "side")
        if current and abs(value - FACING_CENTRE_DEG[current]) < 45 + FACING_HYSTERESIS_DEG:
            nearest = current
        out[i] = current = nearest
    return out


def view_track(series: PoseSeries, smooth_s: float = 1.0) -> np.ndarray:
    """Per-frame facing ('front', 'back', 'side', or '' without a person), smoothed with a running
    majority so a few odd frames do not make a new segment."""
    labels = _facing_of(yaw_deg(series))
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


def _absorb_short_runs(labels: np.ndarray, min_frames: int) -> np.ndarray:
    """A copy of the facing labels in which a view lasting less than min_frames (a blip) does not
    start a segment: it takes the label of the lasting view before it (at the clip's start, of the
    first lasting view)."""
    runs = [run for run in _runs(labels) if run[2] != ""]
    lasting = [label for start, stop, label in runs if stop - start >= min_frames]
    current = lasting[0] if lasting else (runs[0][2] if runs else "")
    out = labels.copy()
    for start, stop, label in runs:
        if stop - start >= min_frames:
            current = label
        out[start:stop] = current
    return out


def _bridge_short_absences(labels: np.ndarray, max_frames: int) -> np.ndarray:
    """A copy of the facing labels in which a stretch without the person ('') of at most
    `max_frames`, between two stretches of the same facing, takes that facing."""
    out = labels.copy()
    runs = _runs(labels)
    for before, (start, stop, label), after in zip(runs, runs[1:], runs[2:], strict=False):
        if label == "" and stop - start <= max_frames and before[2] == after[2] != "":
            out[start:stop] = before[2]
    return out


def split_segments(series: PoseSeries) -> list[tuple[int, int]]:
    """Frame ranges [start, stop) to analyse separately: each shot between edited cuts, split again
    where the view changes for good. Filtering and repetitions never run across a boundary.
    Stretches without a person, or shorter than MIN_SEGMENT_S, are left out; a moment without
    the person (up to MAX_HIDDEN_S, the same facing either side) stays inside its segment."""
    labels = view_track(series)
    dt = series.frame_step_s if series.n_frames > 1 else 1.0
    min_frames = max(2, int(round(MIN_SEGMENT_S / dt)))
    min_view_frames = max(2, int(round(MIN_VIEW_CHANGE_S / dt)))
    labels = _absorb_short_runs(labels, min_view_frames)
    seen = labels != ""
    bridged = _bridge_short_absences(labels, max(1, int(round(MAX_HIDDEN_S / dt))))
    bounds = {0, series.n_frames, *find_cuts(series).tolist()}
    bounds |= {start for start, _, _ in _runs(bridged)}
    edges = sorted(bounds)
    segments = []
    for start, stop in itertools.pairwise(edges):
        person = seen[start:stop]
        if person.sum() >= min_frames:
            first, last = start + int(np.argmax(person)), stop - int(np.argmax(person[::-1]))
            segments.append((first, last))
    return segments or [(0, series.n_frames)]
