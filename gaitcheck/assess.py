"""From curves to what a clinician decides with: per-repetition and per-step measures, legs
compared, published thresholds, a verdict per leg, and an honest confidence.

The thresholds live in one table (THRESHOLDS), each row with its source, population and task
(../shared/clinical.md section 2). gaitcheck describes movement; it does not diagnose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Literal

import numpy as np
import pandas as pd

from gaitcheck import kinematics as k
from gaitcheck.landmarks import PoseSeries
from gaitcheck.model import (
    Caveat,
    Detected,
    Graded,
    LegAssessment,
    Rep,
    RepResult,
    Segment,
    Step,
    StepResult,
    Threshold,
)
from gaitcheck.vocabulary import SIDES, SINGLE_LEG_MOVEMENTS, Confidence, Side, Verdict, event_word, other_side

#: FPPA's measurement error at an event, in deg: a value this close to a band edge grades
#: 'borderline'. It is the median absolute error of FPPA at single-leg bottoms and running midstance
#: on renders of bodies, cameras and rooms gaitcheck was not tuned on (3.4-4.3 deg; docs/accuracy.md,
#: 'graded measures at the true events'): the part that differs between people and cameras, which
#: averaging repetitions does not remove.
FPPA_MARGIN_DEG = 3.5
_FPPA_NORMS = (
    "10-11 deg recurs as the upper limit of normal: lateral step-down 'dynamic valgus' > 10 deg "
    "(Quantitative and qualitative assessment of frontal plane knee motion, 54 adults); smartphone SLS "
    "cut-off 11.34 deg (Park et al. 2024, J Sport Rehabil 34(2):126-133). Groups with patellofemoral "
    "pain average 15-17 deg: 16.8 +- 5.4 (Herrington 2014, Knee 21(2):514-517, women), 15.0 (Ghulam "
    "2021, Int J Clin Med 12:261-271, men); healthy 7-8.4 +- 5 deg."
)
_PIVA = (
    "Adapted from the knee-position item of the lateral step-down score (Piva et al. 2006, BMC "
    "Musculoskelet Disord 7:33): tibial tuberosity medial to the 2nd toe (+1), medial to the medial "
    "border of the foot (+2). "
)
_PIVA_POPULATION = "clinical movement-quality rating (patellofemoral pain, healthy women)"

THRESHOLDS: tuple[Threshold, ...] = (
    Threshold(
        measure="fppa_deg at the bottom",
        tasks=("single-leg-squat", "step-down"),
        borderline_from=10.0,
        valgus_from=15.0,
        unit="deg",
        source=_FPPA_NORMS,
        population="adults, healthy and with patellofemoral pain; marker-based manual 2-D digitising",
        note="Absolute norms come from skin markers, not from pose estimation; compare legs and sessions first.",
        margin=FPPA_MARGIN_DEG,
    ),
    Threshold(
        measure="knee_medial_shift: how far the knee moves medially over the ankle from standing to the bottom",
        tasks=("squat",),
        borderline_from=0.05,
        valgus_from=0.12,
        unit="shank lengths",
        source=(
            _PIVA + "Here the knee's medial position over the ankle centre at the bottom minus the same at "
            "the start of the repetition (standing), in standing shank lengths: the ankle does not move when "
            "the feet turn out (the toe tip does), and the standing position takes out the inward slant of the "
            "shanks in a wide stance. Knees that track out over turned-out feet read negative, caving in reads "
            "positive. 0.05 (~2 cm) is allowed for landmark error and 0.12 (~5 cm) stands in for the medial "
            "border of the foot [derived]. It does not use the hip point, so the thigh pointing at the camera "
            "at the bottom of a deep squat does not disturb it (FPPA is ill-conditioned there: reported, not "
            "graded)."
        ),
        population=_PIVA_POPULATION,
        margin=0.06,
    ),
    Threshold(
        measure="knee_over_foot at the bottom (knee medial to the foot's midline, shank lengths)",
        tasks=("lunge",),
        borderline_from=0.05,
        valgus_from=0.12,
        unit="shank lengths",
        source=(
            _PIVA + "The foot's midline (heel to toe tip) stands in for the 2nd toe, which "
            "MediaPipe does not mark; 0.05 shank lengths (~2 cm) is allowed for landmark error, and the "
            "medial border of the foot is taken as 0.12 shank lengths (~5 cm) medial of the midline "
            "[derived]. With the front thigh pointing at the camera, FPPA is ill-conditioned, so it is "
            "reported but not graded."
        ),
        population=_PIVA_POPULATION,
        margin=0.02,
    ),
    Threshold(
        measure="fppa_deg at midstance",
        tasks=("run",),
        borderline_from=10.0,
        valgus_from=15.0,
        unit="deg",
        source=(
            "No validated running cut-offs exist (Souza 2016, Phys Med Rehabil Clin N Am 27(1):217-236); the "
            "single-leg-task values above are used as a guide, and 2-D running knee valgus relates poorly to "
            "3-D knee abduction."
        ),
        population="guide only",
        margin=FPPA_MARGIN_DEG,
    ),
)

#: A contralateral pelvic drop this large on the stance leg suggests the hip does not hold the pelvis.
#: Weak source (clinician blog "< 5 deg normal", healthhp.com.au); Nakagawa 2012: 3-D SLS CPD 10.3 (PFP)
#: vs 7.4 deg (controls). Bramah 2018: each degree of running CPD raised injury odds 1.8 times.
PELVIC_DROP_DEG = 5.0
#: Share of FPPA explained by the femur's tilt (femoral adduction) for the hip to count as a contributor.
FEMORAL_SHARE = 0.5
#: Left-right differences below these are within 2-D measurement error.
ASYMMETRY_ERROR = {
    "fppa_deg": (8.0, "Munro et al. 2012 (J Sport Rehabil 21(1):7-11): smallest detectable difference 7.5-9 deg"),
    "hip_adduction_deg": (3.8, "Dingenen et al. 2018 (Phys Ther Sport 33:40-47), running: SDD 2.3-3.8 deg"),
    "pelvic_drop_deg": (2.8, "Dingenen et al. 2018, running: SDD 2.7-2.8 deg"),
}
#: On one leg, MediaPipe's hip points under-read the pelvis's drop (the free-side point rides up
#: with the lifted thigh): by about this much on average on renders gaitcheck was not tuned on
#: (single-leg squats and step-downs; docs/accuracy.md, 'pelvic drop on one leg'; another
#: generator's renders showed 3.4 deg). No correction held up across free-leg styles and tasks, so
#: the value is reported as measured and the shortfall is said in the verdict's reasons.
SINGLE_LEG_DROP_UNDER_READ_DEG = 3.0
MIN_REPS = 3  # Willson/Munro average 3 trials; Crossley and Piva use 5
#: Beyond this camera yaw, apparent varus and valgus can swap (Englander et al. 2019, OJSM).
MAX_OFF_SQUARE_DEG = 35.0
MIN_STEPS = 7  # Dingenen 2018: >= 7 steps per leg for a stable mean
#: How far gaitcheck's off-square estimate may be from the truth: its mean absolute error on the
#: accuracy renders was 3.9 deg (48 clips, read by hand from their summaries against the rendered
#: camera). The camera-angle allowance and caveat take the camera to be this much nearer square
#: than estimated, so a square camera's small misreading is never "corrected".
OFF_SQUARE_ERROR_DEG = 4.0
#: The event measures a turned camera's share is taken out of, and how much that is. FPPA in every
#: task: on renders against a square camera's truth (docs/accuracy.md, 'The camera's angle') its
#: allowance was never worse than the picture's value in any factor bin.
CAMERA_ALLOWANCE: dict[str, Callable[[str, float, float], float]] = {"fppa_deg": k.turned_camera_fppa_deg}
#: The knee's shift over the ankle (kinematics.turned_camera_shift) only where it is graded and was
#: shown to help: bilateral squats filmed facing the camera (on both render sets, every factor bin
#: nearer a square camera's truth: docs/accuracy.md, 'The camera's angle'). In single-leg tasks and
#: filmed from behind, it was worse: there MediaPipe does not show the knee's forward travel as the
#: geometry predicts. No squat was rendered from behind within MAX_OFF_SQUARE_DEG, so none is allowed for.
SQUAT_SHIFT_ALLOWANCE: dict[str, Callable[[str, float, float], float]] = {"knee_medial_shift": k.turned_camera_shift}


def camera_allowances(movement: str, view: Detected) -> dict[str, Callable[[str, float, float], float]]:
    """The allowances that apply to one segment's events (CAMERA_ALLOWANCE, SQUAT_SHIFT_ALLOWANCE)."""
    if movement == "squat" and view.facing_camera:
        return {**CAMERA_ALLOWANCE, **SQUAT_SHIFT_ALLOWANCE}
    return CAMERA_ALLOWANCE


#: Squat depth named from the stance knees' peak flexion in the repetition, after Schoenfeld 2010
#: (J Strength Cond Res 24(12):3497-3506: partial squats about 40 deg of knee flexion, half squats
#: 70-100 deg, deep squats beyond 100 deg); deepest first. Flexion, not pelvis height, so the name
#: does not depend on the camera's height or distance.
SQUAT_DEPTH_FROM_DEG = (("deep", 100.0), ("half", 70.0), ("partial", 0.0))


def squat_depth(knee_flexion_peak_deg: float | None) -> str | None:
    """'deep', 'half' or 'partial' for a repetition's peak knee flexion; None without a value."""
    if knee_flexion_peak_deg is None or not np.isfinite(knee_flexion_peak_deg):
        return None
    return next(name for name, low in SQUAT_DEPTH_FROM_DEG if knee_flexion_peak_deg >= low)


def threshold_for(movement: str, thresholds: tuple[Threshold, ...] = THRESHOLDS) -> Threshold:
    return next(t for t in thresholds if movement in t.tasks)


# ------------------------------------------------------------------------------------------------
# the one grading rule (legs, repetitions and steps alike)
# ------------------------------------------------------------------------------------------------
#: The measure each task is graded on where it is not FPPA (see THRESHOLDS for why).
GRADED_MEASURE = {"squat": "knee_medial_shift", "lunge": "knee_over_foot"}


def graded_measure(movement: str) -> str:
    """The measure a task is graded on: where the knee sits over the ankle in bilateral squats and
    over the foot in lunges (the thigh points at the camera there), FPPA otherwise."""
    return GRADED_MEASURE.get(movement, "fppa_deg")


def near_edge(value: float, t: Threshold) -> bool:
    """Within the measurement error of a band edge: no side of that edge can be claimed."""
    return min(abs(value - t.borderline_from), abs(value - t.valgus_from)) < t.margin


def grade(value: float | None, t: Threshold) -> Verdict:
    """aligned / borderline / valgus against the task's threshold; a value within its measurement
    error of a band edge is borderline, never the far category; no value, no grade."""
    if value is None or not np.isfinite(value):
        return "insufficient-data"
    if near_edge(value, t):
        return "borderline"
    if value >= t.valgus_from:
        return "valgus"
    if value >= t.borderline_from:
        return "borderline"
    return "aligned"


def frontal_unreadable(view: str, off_square_deg: float, movement: str = "") -> str | None:
    """Why frontal-plane alignment cannot be judged from this view, or None when it can."""
    if view == "side":
        where = "behind" if movement == "run" else "the front"  # running: clinical.md capture protocol
        return f"side view: frontal-plane alignment cannot be measured; film from {where}"
    if view == "oblique" and off_square_deg > MAX_OFF_SQUARE_DEG:
        return (
            f"the camera is about {off_square_deg:.0f} deg off square: frontal alignment cannot be judged "
            "(film square to the person)"
        )
    return None


def nearer_square_deg(off_square_deg: float) -> float:
    """An estimated angle off square (signed or not) taken OFF_SQUARE_ERROR_DEG nearer square, never
    past it: what the camera allowance and the camera-angle caveat both assume."""
    return float(np.sign(off_square_deg)) * max(0.0, abs(off_square_deg) - OFF_SQUARE_ERROR_DEG)


def foreshortening_off_square_deg(view: Detected) -> float | None:
    """The camera's angle off square that knee flexion read from foreshortening allows for
    (kinematics.compute_angles), taken nearer square like the camera allowance; None beyond the
    angles gaitcheck grades at (MAX_OFF_SQUARE_DEG), where a thigh tilting forward mostly turns in
    the picture instead of shortening and the model's 3-D estimate is kept."""
    if view.value == "side" or view.off_square_deg > MAX_OFF_SQUARE_DEG:
        return None
    return abs(nearer_square_deg(view.off_square_deg))


def unprojection_off_square_deg(view: Detected) -> float | None:
    """The camera's angle off square that knee flexion un-projected from the picture stretches by
    (kinematics.compute_angles): beyond MAX_OFF_SQUARE_DEG, where foreshortening stops; None nearer
    square and in a side view (read from the picture as it is)."""
    if view.value == "side" or view.off_square_deg <= MAX_OFF_SQUARE_DEG:
        return None
    return view.off_square_deg


KNEE_FLEXION_SOURCE = {
    "image": "2-D image (side view)",
    "foreshortening": "the thigh's and shank's foreshortening in the picture, or MediaPipe's 3-D world landmarks "
    "where they read more; the free leg of a single-leg task from the 3-D landmarks (lower confidence)",
    "unprojected": "the picture, its horizontal extents stretched back by the camera's angle off square (the leg "
    "taken to lie in its sagittal plane), or MediaPipe's 3-D world landmarks where they read more; the free leg "
    "of a single-leg task from the 3-D landmarks (lower confidence)",
    "3-d": "3-D world landmarks (lower confidence)",
}


def knee_flexion_source(view: Detected, movement: str) -> str:
    """Where a segment's knee flexion comes from (kinematics.knee_flexion_method), in words for summary.json."""
    method = k.knee_flexion_method(
        view.value, movement, foreshortening_off_square_deg(view), unprojection_off_square_deg(view)
    )
    return KNEE_FLEXION_SOURCE[method]


def allow_for_camera(
    measures: dict[str, Any],
    side: str,
    view: Detected,
    allowances: Mapping[str, Callable[[str, float, float], float]] = CAMERA_ALLOWANCE,
) -> dict[str, Any]:
    """The event's measures in `allowances` with the turned camera's share taken out (Englander 2019: a
    camera off square changes apparent valgus at a bent knee; kinematics.turned_camera_fppa_deg), at
    the event's peak knee flexion and the estimated turn less OFF_SQUARE_ERROR_DEG. What the picture
    showed is kept as <measure>_picture."""
    bend = measures.get("knee_flexion_peak_deg")
    turn = nearer_square_deg(view.turn_deg)
    if turn == 0.0 or bend is None or not np.isfinite(bend):
        return measures
    out = dict(measures)
    for key, share_of in allowances.items():
        value = measures.get(key)
        if value is not None and np.isfinite(value):
            out[key], out[f"{key}_picture"] = value - share_of(side, turn, float(bend)), value
    return out


def grade_event(
    measures: dict[str, float], movement: str, view: Detected, thresholds: tuple[Threshold, ...] = THRESHOLDS
) -> Graded:
    """One repetition's (one leg) or one step's grade, by the same rule as the leg verdicts."""
    key = graded_measure(movement)
    if frontal_unreadable(view.value, view.off_square_deg):
        return Graded(measures, key, "insufficient-data")
    return Graded(measures, key, grade(measures.get(key), threshold_for(movement, thresholds)))


# ------------------------------------------------------------------------------------------------
# per-repetition and per-step measures
# ------------------------------------------------------------------------------------------------
def _knee_offset_px(series: PoseSeries, side: str, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The knee's offset from a reference point along the medial direction, and the shank's
    projected length, per frame, in pixels."""
    knee, ankle = series.px(f"{side}_knee"), series.px(f"{side}_ankle")
    m = k.medial_direction(series.px(f"{side}_hip"), series.px(f"{other_side(side)}_hip"))  # type: ignore[arg-type]
    return np.sum((knee - reference) * m, axis=1), np.linalg.norm(knee - ankle, axis=1)


def knee_over_foot(series: PoseSeries, side: str) -> np.ndarray:
    """Knee offset from the middle of the foot (halfway between heel and toe tip) along the medial
    direction, in shank lengths (+ = knee medial to the foot's midline: 'knee caving inside')."""
    midfoot = (series.px(f"{side}_heel") + series.px(f"{side}_foot_index")) / 2
    offset, shank = _knee_offset_px(series, side, midfoot)
    with np.errstate(invalid="ignore", divide="ignore"):
        return offset / shank


def knee_over_ankle(series: PoseSeries, side: str) -> np.ndarray:
    """Knee offset from the ankle centre along the medial direction, in standing shank lengths (+ =
    knee medial to the ankle: 'knee caving inside'). The shank's standing length (95th percentile of
    its projected length) is the unit, so a shank pitched toward the camera does not inflate it."""
    offset, shank = _knee_offset_px(series, side, series.px(f"{side}_ankle"))
    standing = np.nanpercentile(shank, 95) if np.isfinite(shank).any() else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        return offset / standing


def _shift(values: np.ndarray, start: int, bottom: int) -> float:
    """The change from the repetition's start (standing) to its bottom; the start is the median of
    its first frames, so one noisy frame does not set the baseline."""
    baseline = values[start : min(start + 3, bottom + 1)]
    if not np.isfinite(baseline).any() or not np.isfinite(values[bottom]):
        return float("nan")
    return float(values[bottom] - np.nanmedian(baseline))


def _ipsilateral_lean(angles: pd.DataFrame, side: str) -> pd.Series:
    """Trunk lean toward this leg (+): the table's trunk lean is + toward the subject's right."""
    return angles["trunk_lean_deg"] if side == "right" else -angles["trunk_lean_deg"]


def _at(values: pd.Series, row: int) -> float:
    value = values.iloc[row]
    return float(value) if np.isfinite(value) else float("nan")


def _at_or_nan(values: pd.Series, row: int | None) -> float:
    return _at(values, row) if row is not None else float("nan")


def _gated_rows(angles: pd.DataFrame) -> np.ndarray:
    """Rows with no angle at all: no person, or a plausibility gate blanked them (another person
    covering the subject, or beside a moment they were hidden): measures read from the landmarks
    directly are not read there either."""
    return angles[k.measure_columns(angles.columns)].isna().all(axis=1).to_numpy()


def _peak(values: pd.Series, rows: slice) -> float:
    window = values.iloc[rows].to_numpy(float)
    return float(np.nanmax(window)) if np.isfinite(window).any() else float("nan")


def frontal_event_row(series: PoseSeries, side: str, start: int, bottom: int, end: int) -> tuple[int | None, str]:
    """The frame to read frontal angles at: the bottom, or, when the thigh points at the camera
    there, the deepest frame of the descent where it is still seen well enough."""
    share = k.thigh_visible_share(series, side, slice(start, end + 1))
    at_bottom = share[bottom - start]
    if np.isfinite(at_bottom) and at_bottom >= k.THIGH_VISIBLE_SHARE:
        return bottom, "bottom"
    descent = np.flatnonzero(np.nan_to_num(share[: bottom - start + 1], nan=0.0) >= k.THIGH_VISIBLE_SHARE)
    if descent.size == 0:
        return None, "thigh foreshortened"
    return start + int(descent[-1]), "descent"


def rep_measures(
    rep: Rep, angles: pd.DataFrame, series: PoseSeries, row_of: dict[int, int]
) -> dict[Side, dict[str, Any]]:
    """Per stance leg: frontal measures at the bottom (see frontal_event_row) and peaks over the rep."""
    start, bottom, end = row_of[rep.start_frame], row_of[rep.bottom_frame], row_of[rep.end_frame]
    rows = slice(start, end + 1)
    gated = _gated_rows(angles)
    out: dict[Side, dict[str, Any]] = {}
    for side in rep.legs:
        col = lambda m, side=side: angles[f"{side}_{m}"]  # noqa: E731
        event, where = frontal_event_row(series, side, start, bottom, end)
        at = partial(_at_or_nan, row=event)
        out[side] = {
            "fppa_deg": at(col("fppa_deg")),
            "fppa_peak_deg": _peak(col("fppa_deg"), rows),
            "hip_adduction_deg": at(col("hip_adduction_deg")),
            "femoral_adduction_deg": at(col("femoral_adduction_deg")),
            "pelvic_drop_deg": at(col("pelvic_drop_deg")),
            "trunk_lean_ipsilateral_deg": at(_ipsilateral_lean(angles, side)),
            "knee_flexion_peak_deg": _peak(col("knee_flexion_deg"), rows),
            "knee_medial_displacement": at(col("knee_medial_displacement")),
            "knee_over_foot": _at(pd.Series(np.where(gated, np.nan, knee_over_foot(series, side))), bottom),
            "knee_medial_shift": _shift(np.where(gated, np.nan, knee_over_ankle(series, side)), start, bottom),
            "hip_internal_rotation_deg": _at(col("hip_internal_rotation_deg"), bottom),
            "frontal_event": where,
        }
        if rep.stance_leg == "both":
            ratio = -_peak(-angles["knee_separation_ratio"], rows)  # the smallest gap over the rep
            out[side]["knee_separation_ratio_min"] = ratio
    return out


def step_measures(step: Step, angles: pd.DataFrame, row_of: dict[int, int]) -> dict[str, float]:
    """Measures of one stance phase: at midstance, peaks over stance, knee flexion at contact."""
    side = step.leg
    mid, rows = row_of[step.midstance_frame], slice(row_of[step.contact_frame], row_of[step.toe_off_frame] + 1)
    col = lambda m: angles[f"{side}_{m}"]  # noqa: E731
    return {
        "fppa_deg": _at(col("fppa_deg"), mid),
        "fppa_peak_deg": _peak(col("fppa_deg"), rows),
        "hip_adduction_deg": _at(col("hip_adduction_deg"), mid),
        "hip_adduction_peak_deg": _peak(col("hip_adduction_deg"), rows),
        "femoral_adduction_deg": _at(col("femoral_adduction_deg"), mid),
        "pelvic_drop_deg": _at(col("pelvic_drop_deg"), mid),
        "pelvic_drop_peak_deg": _peak(col("pelvic_drop_deg"), rows),
        "trunk_lean_ipsilateral_deg": _at(_ipsilateral_lean(angles, side), mid),
        "knee_flexion_contact_deg": _at(col("knee_flexion_deg"), row_of[step.contact_frame]),
        "knee_flexion_peak_deg": _peak(col("knee_flexion_deg"), rows),
        "knee_medial_displacement": _at(col("knee_medial_displacement"), mid),
        "hip_internal_rotation_deg": _at(col("hip_internal_rotation_deg"), mid),
        "stance_s": round(step.stance_s, 3),
    }


def assess_events(
    segments: list[Segment],
    angles: pd.DataFrame,
    clean: PoseSeries,
    thresholds: tuple[Threshold, ...] = THRESHOLDS,
    camera_allowance: bool = True,
) -> tuple[list[RepResult], list[StepResult]]:
    """Every repetition and step of every segment: its measures (frontal views) and its grade, FPPA
    allowing for the camera's angle (allow_for_camera) unless `camera_allowance` is off."""
    row_of = {int(f): i for i, f in enumerate(clean.frame)}
    reps: list[RepResult] = []
    steps: list[StepResult] = []
    for segment in segments:
        movement, view = segment.movement.value, segment.view
        allowances = camera_allowances(movement, view)
        for rep in segment.reps:
            per_leg = rep_measures(rep, angles, clean, row_of) if segment.frontal else {}
            legs: dict[Side, Graded] = {}
            for side in rep.legs:
                measures = dict(per_leg.get(side, {}))
                where = measures.pop("frontal_event", None)
                if camera_allowance:
                    measures = allow_for_camera(measures, side, view, allowances)
                graded = grade_event(measures, movement, view, thresholds)
                legs[side] = Graded(graded.measures, graded.graded_measure, graded.verdict, where)
            reps.append(RepResult(rep, legs))
        for step in segment.steps:
            measures = step_measures(step, angles, row_of) if segment.frontal else {}
            if camera_allowance and measures:
                measures = allow_for_camera(measures, step.leg, view, allowances)
            steps.append(StepResult(step, grade_event(measures, movement, view, thresholds)))
    return reps, steps


def assess_legs(
    segments: list[Segment],
    primary: list[int],
    reps: list[RepResult],
    steps: list[StepResult],
    caveats: dict[Side, list[Caveat]],
    thresholds: tuple[Threshold, ...] = THRESHOLDS,
) -> dict[Side, LegAssessment]:
    """The verdict per leg, from the repetitions or steps of the primary segments."""
    main = segments[primary[0]]
    per_leg: dict[Side, list[dict[str, Any]]] = {"left": [], "right": []}
    for r in reps:
        if r.rep.segment in primary and segments[r.rep.segment].frontal:
            for side, graded in r.legs.items():
                per_leg[side].append({**graded.measures, "frontal_event": graded.frontal_event})
    for p in steps:
        if p.step.segment in primary and p.graded.measures:
            per_leg[p.step.leg].append(p.graded.measures)
    return {
        side: assess_leg(
            side,
            main.movement.value,
            main.view.value,
            per_leg[side],
            caveats[side],
            off_square_deg=main.view.off_square_deg,
            other_leg_events=len(per_leg[other_side(side)]),
            thresholds=thresholds,
        )
        for side in SIDES
    }


def frame_stats(angles: pd.DataFrame, columns: list[str]) -> dict[str, dict[str, Any]]:
    """How each angle column is distributed over the frames where it was measured."""
    return {column: _stats(angles[column]) for column in columns}


def _stats(values: pd.Series) -> dict[str, Any]:
    finite = values.to_numpy(float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return {"n_frames": 0}
    return {
        "n_frames": int(finite.size),
        "median": round(float(np.median(finite)), 2),
        "p5": round(float(np.percentile(finite, 5)), 2),
        "p95": round(float(np.percentile(finite, 95)), 2),
        "min": round(float(finite.min()), 2),
        "max": round(float(finite.max()), 2),
    }


def aggregate(per_event: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Mean, SD and n of each measure over repetitions or steps (a measure some events lack, e.g.
    `fppa_deg_picture` where the camera's angle was not allowed for, over the events that have it)."""
    out = {}
    names = dict.fromkeys(name for event in per_event for name, value in event.items() if not isinstance(value, str))
    for name in names:
        summary = mean_sd_n([e[name] for e in per_event if name in e])
        if summary is not None:
            out[name] = summary
    return out


def mean_sd_n(values: list[float], digits: int = 2) -> dict[str, float] | None:
    """Mean, sample SD (0 for one value) and n of the finite values; None when there are none."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if not finite.size:
        return None
    sd = round(float(finite.std(ddof=1)), digits) if finite.size > 1 else 0.0
    return {"mean": round(float(finite.mean()), digits), "sd": sd, "n": int(finite.size)}


# ------------------------------------------------------------------------------------------------
# verdicts
# ------------------------------------------------------------------------------------------------
def insufficient(reason: str, event: Literal["rep", "step"] = "rep") -> LegAssessment:
    return LegAssessment("insufficient-data", None, [reason], "low", [reason], event=event)


def assess_leg(
    side: Side,
    movement: str,
    view: str,
    per_event: list[dict[str, float]],
    caveats: list[Caveat],
    off_square_deg: float = 0.0,
    other_leg_events: int = 0,
    thresholds: tuple[Threshold, ...] = THRESHOLDS,
) -> LegAssessment:
    """Verdict for one leg from its repetitions (or steps), against the task's threshold."""
    event = event_word(movement)
    unreadable = frontal_unreadable(view, off_square_deg, movement)
    if unreadable:
        return insufficient(unreadable, event)
    if not per_event:
        what = "steps" if event == "step" else "repetitions"
        if other_leg_events and event == "rep":
            return insufficient(f"not tested: every repetition was on the {other_side(side)} leg", event)
        return insufficient(f"no {what} on the {side} leg were found", event)
    measures = aggregate(per_event)
    t = threshold_for(movement, thresholds)
    key = graded_measure(movement)
    if key not in measures:
        return insufficient(f"the {side} knee, hip or ankle was not visible at the key moments", event)
    value = measures[key]["mean"]
    verdict = grade(value, t)
    reasons = [_verdict_reason(side, movement, key, value, t, verdict)]
    picture = measures.get(f"{key}_picture")
    if picture is not None:
        digits = 1 if t.unit == "deg" else 2
        reasons.append(
            f"allowing for the camera about {off_square_deg:.0f} deg off square at this knee bend (Englander 2019; "
            f"approximate): the picture itself showed {picture['mean']:+.{digits}f} {t.unit}"
        )
    if key == "fppa_deg":
        hip = _hip_contribution(measures, verdict, reasons, movement in SINGLE_LEG_MOVEMENTS)
    else:  # the hip's share is read from FPPA, which means little where the thigh points at the camera
        hip = None
    level, why = _confidence(len(per_event), event, caveats)
    return LegAssessment(verdict, hip, reasons, level, why, measures, len(per_event), event)


def _verdict_reason(side: str, movement: str, key: str, value: float, t: Threshold, verdict: str) -> str:
    where = "at midstance" if movement == "run" else "at the bottom"
    if key == "knee_medial_shift":
        motion = "moved medially over the ankle" if value > 0 else "moved out or stayed over the ankle"
        return (
            f"{side} knee {motion} from standing to the bottom ({value:+.2f} +- {t.margin:.2f} shank lengths; "
            f"graded {verdict} after Piva 2006, adapted)"
        )
    if key == "knee_over_foot":
        landmark = "the foot's midline"
        position = f"inside {landmark}" if value > 0 else f"over or outside {landmark}"
        return (
            f"{side} knee {position} {where} ({value:+.2f} +- {t.margin:.2f} shank lengths; graded {verdict} "
            "after Piva 2006, adapted)"
        )
    edge = "; within measurement error of a band edge" if near_edge(value, t) else ""
    return (
        f"{side} FPPA {where} {value:+.1f} +- {t.margin:.1f} deg (aligned below {t.borderline_from:.0f}, "
        f"valgus from {t.valgus_from:.0f} deg{edge})"
    )


def _hip_contribution(measures: dict, verdict: str, reasons: list[str], single_leg: bool) -> bool | None:
    """Does the hip explain the knee's inward movement? The femur's tilt (femoral adduction) makes
    up at least half of the FPPA, or the pelvis drops on the other side. Not asked when aligned.
    The share compares two readings of one picture: FPPA as the picture showed it, when the graded
    FPPA allows for the camera's angle (femoral adduction is not allowed for)."""
    if verdict not in ("borderline", "valgus"):
        return None
    drop = measures.get("pelvic_drop_deg", {}).get("mean", np.nan)
    femoral = measures.get("femoral_adduction_deg", {}).get("mean", np.nan)
    fppa = measures.get("fppa_deg_picture", measures.get("fppa_deg", {})).get("mean", np.nan)
    share = femoral / fppa if np.isfinite(femoral) and np.isfinite(fppa) and fppa > 3 else np.nan
    contributes = False
    if np.isfinite(share) and share >= FEMORAL_SHARE:
        reasons.append(f"the femur's inward tilt accounts for {min(share, 1):.0%} of the FPPA")
        contributes = True
    if np.isfinite(drop) and drop >= PELVIC_DROP_DEG:
        reasons.append(f"the pelvis drops {drop:.1f} deg on the other side")
        contributes = True
    if not contributes:
        reasons.append("the hip and pelvis explain little of it: look at the shank and foot too")
    if single_leg and np.isfinite(drop) and drop < PELVIC_DROP_DEG:
        reasons.append(
            f"pelvic drop on one leg reads about {SINGLE_LEG_DROP_UNDER_READ_DEG:.0f} deg low (docs/accuracy.md): "
            "a small value does not rule the pelvis out"
        )
    return contributes


def _confidence(n_events: int, event: str, caveats: list[Caveat]) -> tuple[Confidence, list[str]]:
    """'high' with no caveats, 'medium' with minor ones, 'low' with a severe one or too few events."""
    minimum = MIN_STEPS if event == "step" else MIN_REPS
    caveats = list(caveats)
    if n_events < minimum:
        caveats.append(
            Caveat(f"only {n_events} {event}{'s' if n_events != 1 else ''} (at least {minimum} advised)", True)
        )
    reasons = [c.text for c in caveats]
    if any(c.severe for c in caveats):
        return "low", reasons
    return ("medium" if caveats else "high"), reasons


def asymmetry(legs: Mapping[Side, LegAssessment], graded: str = "fppa_deg") -> dict[str, dict[str, Any]]:
    """Left minus right of the main measures, and whether it exceeds measurement error. FPPA only
    in tasks graded on it: where both thighs point at the camera (bilateral squats, lunges) it
    shows stance width, turn-out and depth, and a lunge's front and back legs differ by design."""
    out: dict[str, dict[str, Any]] = {}
    if any(legs[s].verdict == "insufficient-data" for s in SIDES):
        return out
    for name, (error, source) in ASYMMETRY_ERROR.items():
        if name == "fppa_deg" and graded != "fppa_deg":
            continue
        left, right = (legs[s].measures.get(name, {}).get("mean") for s in SIDES)
        if left is None or right is None:
            continue
        diff = round(left - right, 2)
        out[name] = {
            "left_minus_right": diff,
            "measurement_error": error,
            "beyond_error": abs(diff) >= error,
            "source": source,
        }
    return out
