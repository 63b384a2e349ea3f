"""Side-view running: what a clinician reads from beside the runner.

Souza 2016 (Phys Med Rehabil Clin N Am 27(1):217-236) lists the lateral view's measures: foot
strike, knee flexion at initial contact, overstride and trunk forward lean (../shared/clinical.md
section 4); Bramah et al. 2018 (AJSM 46(12):3023-3031) found injured runners, as a group, landing
with a straighter knee and leaning further forward at midstance. To those gaitcheck adds the peak
knee flexion in stance, cadence, stance time and the pelvis's vertical oscillation. No validated
cut-offs exist for any of them (Souza 2016): they are described, never graded.

Pure functions over the cleaned landmarks of a side-view running segment and its steps
(`gaitcheck.events` finds them by the foot's reach ahead of and behind the pelvis, Zeni et al.
2008, then re-timed from the foot's height: `events.floor_contact_rows`). Every horizontal measure
is signed by the running direction (the way the toes point, as `events` finds it), so a runner going right-to-left gives
the same numbers as one going left-to-right, and a mirrored clip the same numbers with the legs
swapped. "Vertical" is the picture's y axis: keep the phone level (docs/definitions.md).

Per step (+ means):

* ``knee_flexion_contact_deg``  180 - hip-knee-ankle angle at contact (0 = straight), 2-D image
* ``knee_flexion_peak_deg``     the largest knee flexion over stance
* ``overstride_shank``          heel ahead of the pelvis (mid-hip) at contact, in shank lengths
* ``shank_angle_contact_deg``   knee->ankle line vs vertical at contact: ankle ahead of the knee
* ``foot_angle_contact_deg``    heel->toe line vs horizontal at contact: toes up
* ``trunk_forward_lean_deg``    mid-hip->mid-shoulder line vs vertical, mean over stance: shoulders ahead
* ``vertical_oscillation_leg``  pelvis (mid-hip) rise and fall from this contact to the next one
                                (either foot), in leg lengths (thigh + shank)
* ``stance_s``                  contact to toe-off, seconds of the file's time

A step with a value outside the plausible range (PLAUSIBLE) is a landmark or event error, not a
runner: it is left out of every mean, its values are not kept, and it is counted by the measure
that was out of range.
"""

from __future__ import annotations

import typing

import numpy as np
import pandas as pd

from gaitcheck.assess import mean_sd_n
from gaitcheck.events import running_cadence_spm, running_direction
from gaitcheck.kinematics import knee_flexion_deg
from gaitcheck.landmarks import PoseSeries
from gaitcheck.model import FOOT_STRIKES, FootStrike, SagittalLeg, SagittalRunning, SagittalStep, Segment, Step
from gaitcheck.vocabulary import SIDES, Side

#: The per-step measures, in display order.
SAGITTAL_MEASURES: tuple[str, ...] = (
    "knee_flexion_contact_deg",
    "knee_flexion_peak_deg",
    "overstride_shank",
    "shank_angle_contact_deg",
    "foot_angle_contact_deg",
    "trunk_forward_lean_deg",
    "vertical_oscillation_leg",
    "stance_s",
)
#: One line per measure: its definition and sign (summary.json's side_view.definitions).
SAGITTAL_NOTES: dict[str, str] = {
    "knee_flexion_contact_deg": "2-D knee flexion (180 - hip-knee-ankle angle) at initial contact; 0 = straight",
    "knee_flexion_peak_deg": "largest 2-D knee flexion over stance",
    "overstride_shank": "heel ahead of the pelvis (mid-hip) at contact, along the running direction, in shank "
    "lengths (knee to ankle); + heel ahead",
    "shank_angle_contact_deg": "knee-to-ankle line vs vertical at contact; + ankle ahead of the knee",
    "foot_angle_contact_deg": "heel-to-toe line vs the picture's horizontal at contact; + toes up",
    "trunk_forward_lean_deg": "mid-hip to mid-shoulder line vs vertical, mean over stance; + shoulders ahead",
    "vertical_oscillation_leg": "pelvis (mid-hip) rise and fall from this contact to the next (either foot), "
    "in leg lengths (thigh + shank)",
    "stance_s": "contact to toe-off, seconds",
}
#: Measured in seconds of real time: meaningful only when the clip's real frame rate is known
#: (withheld from a clip that looks slowed down, as gaitcheck.summary.REAL_TIME_MEASURES).
REAL_TIME_MEASURES: tuple[str, ...] = ("stance_s",)

#: Plausible range of each measure for a running step [derived: anatomy and the range of running
#: reported in the literature, wide on purpose]. Knee flexion at contact of runners is roughly
#: 10-30 deg and its stance peak 35-50 deg (e.g. 41-43 deg by foot-strike group: J Sports Sci Med
#: 24:747, table 1, jssm.org/mobile/ShowTable.php?TableId=table001&jid=jssm-24-747.xml); a
#: straight-legged contact reads 0 and more than 60 deg is no landing. Stance lasts
#: ~0.2-0.3 s (0.24-0.25 s, same table), 0.1-0.6 s as gaitcheck.plausibility bounds a running stance
#: (Cavanagh & Kram 1989: 0.15-0.35 s from faster to slower running). The heel lands at
#: most about a leg length (~2 shank lengths) ahead of the pelvis. Values outside are landmark
#: errors (a hidden far leg, a left/right mix-up) or a wrong event, not a runner.
PLAUSIBLE: dict[str, tuple[float, float]] = {
    "knee_flexion_contact_deg": (0.0, 60.0),
    "knee_flexion_peak_deg": (10.0, 80.0),
    "overstride_shank": (-0.5, 1.5),
    "shank_angle_contact_deg": (-30.0, 40.0),
    "foot_angle_contact_deg": (-40.0, 45.0),
    "trunk_forward_lean_deg": (-15.0, 35.0),
    "vertical_oscillation_leg": (0.0, 0.25),
    "stance_s": (0.1, 0.6),
}

#: Foot strike from the foot angle at contact: rearfoot above 7.4 deg, forefoot below -0.8 deg,
#: midfoot between (Mo, Huang, Ng & Cheung 2021, Res Sports Med, 'Footstrike angle cut-off values
#: to classify footstrike pattern in runners': ROC against the strike index, 43 people;
#: research.polyu.edu.hk/en/publications/footstrike-angle-cut-off-values-to-classify-footstrike-
#: pattern-in). Altman & Davis 2012 (Gait Posture 35(2):298-300) used about 8 and -1.6 deg [from
#: memory, not checked]. Both measured the angle against a standing trial; gaitcheck has none and
#: measures MediaPipe's heel and toe points against the picture's horizontal [derived].
REARFOOT_ABOVE_DEG = 7.4
FOREFOOT_BELOW_DEG = -0.8
FOOT_STRIKE_SOURCE = (
    "foot angle at contact: rearfoot > 7.4 deg, forefoot < -0.8 deg, midfoot between (Mo et al. 2021, "
    "Res Sports Med, cut-offs validated against the strike index); gaitcheck has no standing trial and "
    "measures MediaPipe's heel-to-toe line against the picture's horizontal"
)

#: Left-right differences below these are within the measure's smallest detectable difference in
#: manual 2-D running video, 1 week apart (Dingenen et al. 2018, Phys Ther Sport 33:40-47; clinical.md
#: section 3.1). Pose estimation adds its own error (OpenPose knee RMSE ~7.5 deg in running, Van
#: Hooren et al. 2023), so these are lower bounds.
SAGITTAL_ERROR: dict[str, tuple[float, str]] = {
    "knee_flexion_contact_deg": (3.8, "Dingenen et al. 2018: knee flexion SDD 2.3-3.8 deg (manual 2-D video)"),
    "knee_flexion_peak_deg": (3.8, "Dingenen et al. 2018: knee flexion SDD 2.3-3.8 deg (manual 2-D video)"),
    "shank_angle_contact_deg": (4.8, "Dingenen et al. 2018: tibia inclination SDD 2.2-4.8 deg (manual 2-D video)"),
    "foot_angle_contact_deg": (2.3, "Dingenen et al. 2018: foot inclination SDD 1.3-2.3 deg (manual 2-D video)"),
}
#: Hips and shoulders this much nearer the camera on one side (m, MediaPipe's world depth) mark the
#: near leg; side-on they are ~0.2 m apart in depth.
NEAR_DEPTH_M = 0.05
#: Dingenen et al. 2018: at least 7 steps per leg for a stable mean.
MIN_STEPS_PER_LEG = 7


def _angle_deg(along: np.ndarray, across: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.degrees(np.arctan2(along, across))


def near_leg(series: PoseSeries) -> Side | None:
    """The leg nearer the camera, from MediaPipe's depth of the hips and shoulders (z away from the
    camera); None when the depths do not tell (less than NEAR_DEPTH_M apart)."""
    gaps = [series.world(f"left_{j}")[:, 2] - series.world(f"right_{j}")[:, 2] for j in ("hip", "shoulder")]
    gap = np.concatenate(gaps)
    if not np.isfinite(gap).any():
        return None
    median = float(np.nanmedian(gap))
    if abs(median) < NEAR_DEPTH_M:
        return None
    return "left" if median < 0 else "right"


def _median_length(a: np.ndarray, b: np.ndarray) -> float:
    lengths = np.linalg.norm(a - b, axis=1)
    lengths = lengths[np.isfinite(lengths) & (lengths > 0)]
    return float(np.median(lengths)) if lengths.size else float("nan")


def shank_length_px(series: PoseSeries, side: str) -> float:
    """The leg's knee-to-ankle length (median over the frames; side-on the shank lies in the picture)."""
    return _median_length(series.px(f"{side}_knee"), series.px(f"{side}_ankle"))


def leg_length_px(series: PoseSeries) -> float:
    """Thigh plus shank (medians), averaged over the legs: a length that does not shrink as the knee bends."""
    lengths = [
        _median_length(series.px(f"{s}_hip"), series.px(f"{s}_knee")) + shank_length_px(series, s) for s in SIDES
    ]
    finite = [v for v in lengths if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def foot_strike(foot_angle_deg: float) -> FootStrike | None:
    """rearfoot / midfoot / forefoot from the foot angle at contact (Mo et al. 2021 cut-offs)."""
    if not np.isfinite(foot_angle_deg):
        return None
    if foot_angle_deg > REARFOOT_ABOVE_DEG:
        return "rearfoot"
    if foot_angle_deg < FOREFOOT_BELOW_DEG:
        return "forefoot"
    return "midfoot"


def implausible(measures: dict[str, float], real_time: bool = True) -> tuple[str, ...]:
    """The measures outside their plausible range (stance time only when the real frame rate is
    known: in a slowed-down file's own time it is not a runner's)."""
    out = []
    for name, (low, high) in PLAUSIBLE.items():
        value = measures.get(name, float("nan"))
        if name in REAL_TIME_MEASURES and not real_time:
            continue
        if np.isfinite(value) and not low <= value <= high:
            out.append(name)
    return tuple(out)


def step_measures(
    series: PoseSeries,
    steps: list[Step],
    real_time: bool = True,
    knee_flexion: dict[str, np.ndarray] | None = None,
) -> list[SagittalStep]:
    """Every step's sagittal measures (one side-view segment: its cleaned landmarks and its steps).
    `knee_flexion` per leg, one value per row of `series`: the angles table's side-view column, with
    what gaitcheck.plausibility set missing; without it, knee flexion from the hip, knee and ankle
    pixels (the same formula, ungated)."""
    if not steps:
        return []
    px = series.px
    forward = running_direction(series)
    row_of = {int(f): i for i, f in enumerate(series.frame)}
    pelvis = (px("left_hip") + px("right_hip")) / 2
    shoulders = (px("left_shoulder") + px("right_shoulder")) / 2
    trunk = shoulders - pelvis
    lean = _angle_deg(forward * trunk[:, 0], -trunk[:, 1])  # y down: up is -y
    leg = leg_length_px(series)
    contacts = sorted(row_of.get(s.contact_frame, -1) for s in steps)
    gaps = np.diff(contacts)
    typical_gap = float(np.median(gaps)) if gaps.size else float("nan")
    out: list[SagittalStep] = []
    for step in steps:
        side = step.leg
        start, stop = row_of.get(step.contact_frame), row_of.get(step.toe_off_frame)
        if start is None or stop is None:
            continue
        hip, knee, ankle = px(f"{side}_hip"), px(f"{side}_knee"), px(f"{side}_ankle")
        heel, toe = px(f"{side}_heel")[start], px(f"{side}_foot_index")[start]
        if knee_flexion is not None and side in knee_flexion:
            flexion = np.asarray(knee_flexion[side], dtype=float)[start : stop + 1]
        else:
            flexion = knee_flexion_deg(hip[start : stop + 1], knee[start : stop + 1], ankle[start : stop + 1])
        shank = shank_length_px(series, side)
        with np.errstate(invalid="ignore", divide="ignore"):
            overstride = forward * (heel[0] - pelvis[start, 0]) / shank
        shank_vec = ankle[start] - knee[start]
        foot_vec = toe - heel
        stance_lean = lean[start : stop + 1]
        measures = {
            "knee_flexion_contact_deg": float(flexion[0]),
            "knee_flexion_peak_deg": float(np.nanmax(flexion)) if np.isfinite(flexion).any() else float("nan"),
            "overstride_shank": float(overstride),
            "shank_angle_contact_deg": float(_angle_deg(forward * shank_vec[0], shank_vec[1])),
            "foot_angle_contact_deg": float(_angle_deg(-foot_vec[1], forward * foot_vec[0])),
            "trunk_forward_lean_deg": float(np.nanmean(stance_lean)) if np.isfinite(stance_lean).any() else np.nan,
            "vertical_oscillation_leg": _oscillation(pelvis[:, 1], start, contacts, typical_gap, leg),
            "stance_s": round(step.stance_s, 3),
        }
        out.append(judged(step, measures, real_time))
    return out


#: Measures that say whether the step itself was seen right (its leg and its timing): one of them out
#: of range and the whole step is left out. Others (the foot's small heel and toe points, the trunk,
#: the pelvis's rise) are left out alone.
WHOLE_STEP_MEASURES = frozenset(
    ("knee_flexion_contact_deg", "knee_flexion_peak_deg", "overstride_shank", "shank_angle_contact_deg", "stance_s")
)


def judged(step: Step, measures: dict[str, float], real_time: bool) -> SagittalStep:
    """The step with its implausible measures left out: all of them when one that defines the step
    (WHOLE_STEP_MEASURES) fails, else only those that fail."""
    bad = implausible(measures, real_time)
    if WHOLE_STEP_MEASURES & set(bad):
        return SagittalStep(step, {k: float("nan") for k in measures}, None, bad)
    kept = {k: (float("nan") if k in bad else v) for k, v in measures.items()}
    strike = foot_strike(kept["foot_angle_contact_deg"]) if np.isfinite(kept["foot_angle_contact_deg"]) else None
    return SagittalStep(step, kept, strike, bad)


def whole_step_dropped(step: SagittalStep) -> bool:
    return bool(WHOLE_STEP_MEASURES & set(step.dropped))


def _oscillation(pelvis_y: np.ndarray, start: int, contacts: list[int], typical_gap: float, leg_px: float) -> float:
    """The pelvis's rise and fall from this contact to the next one (either foot), in leg lengths.
    The straight line between its heights at the two contacts is taken out first: a camera that is
    not quite level, or a runner drifting nearer, tilts the path, not the bounce. NaN when the next
    contact is missing or far later than usual (a contact was missed)."""
    later = [c for c in contacts if c > start]
    if not later or not np.isfinite(typical_gap) or later[0] - start > 1.5 * typical_gap:
        return float("nan")
    window = pelvis_y[start : later[0] + 1]
    if window.size < 3 or not np.isfinite(window).all() or not np.isfinite(leg_px):
        return float("nan")
    trend = np.linspace(window[0], window[-1], window.size)
    bounce = window - trend
    return float((bounce.max() - bounce.min()) / leg_px)


def _aggregate(steps: list[SagittalStep]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name in SAGITTAL_MEASURES:
        summary = mean_sd_n([s.measures.get(name, np.nan) for s in steps], digits=3)  # dropped ones are NaN
        if summary is not None:
            out[name] = summary
    return out


def leg_summary(steps: list[SagittalStep]) -> SagittalLeg:
    """One leg's means, SDs and counts over its plausible steps, its foot strikes and what was dropped."""
    dropped: dict[str, int] = {}
    for s in steps:
        for name in s.dropped:
            dropped[name] = dropped.get(name, 0) + 1
    strikes: dict[str, int] = {pattern: sum(1 for s in steps if s.foot_strike == pattern) for pattern in FOOT_STRIKES}
    return SagittalLeg(
        measures=_aggregate(steps),
        foot_strikes=strikes,
        n_steps=len(steps),
        n_dropped=sum(1 for s in steps if whole_step_dropped(s)),
        dropped=dropped,
    )


def left_minus_right(legs: dict[Side, SagittalLeg]) -> dict[str, dict[str, typing.Any]]:
    """Left minus right of every measure both legs have, with the smallest detectable difference
    where one is published (SAGITTAL_ERROR); whether the difference is beyond it is judged only
    with at least MIN_STEPS_PER_LEG steps on each leg (a mean of fewer is not stable)."""
    out: dict[str, dict[str, typing.Any]] = {}
    for name in SAGITTAL_MEASURES:
        left, right = (legs[s].measures.get(name, {}) for s in SIDES)
        if "mean" not in left or "mean" not in right:
            continue
        diff = round(left["mean"] - right["mean"], 3)
        error, source = SAGITTAL_ERROR.get(name, (None, None))
        stable = min(left.get("n", 0), right.get("n", 0)) >= MIN_STEPS_PER_LEG
        out[name] = {
            "left_minus_right": diff,
            "measurement_error": error,
            "beyond_error": None if error is None or not stable else bool(abs(diff) >= error),
            "source": source,
        }
    return out


def is_side_run(segment: Segment) -> bool:
    return segment.view.value == "side" and segment.movement.value == "run"


def sagittal_running(
    series: PoseSeries,
    segments: list[Segment],
    real_time: bool = True,
    angles: pd.DataFrame | None = None,
) -> SagittalRunning | None:
    """The side-view running measures of every running segment filmed side-on (None when there is
    none). `series` is the whole clip's cleaned landmarks, `segments` its segments with their steps,
    `angles` the angles table (same rows; knee flexion is read from it when given); `real_time` False
    when the file looks slowed down (stance time is then not checked against a runner's range;
    cadence and stance time stay in the file's time, for the consumer to withhold)."""
    chosen = [s for s in segments if is_side_run(s)]
    if not chosen:
        return None
    steps: list[SagittalStep] = []
    directions, nears = [], []
    for segment in chosen:
        rows = slice(segment.start_row, segment.stop_row)
        sub = series.select(rows)
        flexion: dict[str, np.ndarray] | None = None
        if angles is not None:
            flexion = {side: angles[f"{side}_knee_flexion_deg"].to_numpy(float)[rows] for side in SIDES}
        steps += step_measures(sub, segment.steps, real_time, flexion)
        directions.append(running_direction(sub))
        nears.append(near_leg(sub))
    steps.sort(key=lambda s: (s.step.contact_s, s.step.leg))
    longest = max(chosen, key=lambda s: s.stop_row - s.start_row)
    legs = {side: leg_summary([s for s in steps if s.step.leg == side]) for side in SIDES}
    known = {d for d in directions if np.isfinite(d)}
    direction = {1.0: "right", -1.0: "left"}.get(known.pop(), "unknown") if len(known) == 1 else "unknown"
    return SagittalRunning(
        segments=[s.index for s in chosen],
        direction=direction,
        steps=steps,
        legs=legs,
        left_minus_right=left_minus_right(legs),
        cadence_spm=running_cadence_spm(
            series.select(slice(longest.start_row, longest.stop_row)), [p for s in chosen for p in s.steps]
        ),
        near_leg=nears[0] if len(set(nears)) == 1 else None,
    )
