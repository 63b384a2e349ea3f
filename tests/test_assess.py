"""Thresholds, verdicts, hip contribution, confidence and asymmetry; and whole analyses of
landmark series with known valgus (no video needed)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gaitcheck import assess
from gaitcheck.assess import (
    aggregate,
    assess_leg,
    frontal_event_row,
    grade,
    knee_over_ankle,
    knee_over_foot,
    squat_depth,
    threshold_for,
)
from gaitcheck.model import Caveat, VideoInfo
from gaitcheck.pipeline import analyze_landmarks
from gaitcheck.settings import Settings
from tests.helpers import frontal_skeleton, series_from_points


def rep(
    fppa: float, femoral: float | None = None, drop: float = 0.0, over_foot: float = -0.1, over_ankle: float = -0.1
) -> dict:
    return {
        "fppa_deg": fppa,
        "femoral_adduction_deg": fppa * 0.3 if femoral is None else femoral,
        "pelvic_drop_deg": drop,
        "knee_over_foot": over_foot,
        "knee_medial_shift": over_ankle,
        "frontal_event": "bottom",
    }


@pytest.mark.parametrize(
    "fppa,verdict",
    [(2.0, "aligned"), (6.4, "aligned"), (6.6, "borderline"), (12.5, "borderline")]
    + [(18.4, "borderline"), (18.6, "valgus")],
)
def test_single_leg_thresholds(fppa, verdict):
    leg = assess_leg("left", "single-leg-squat", "front", [rep(fppa)] * 5, [])
    assert leg.verdict == verdict
    assert leg.confidence == "high"


def test_every_threshold_names_its_source_population_and_task():
    for t in assess.THRESHOLDS:
        assert t.source and t.population and t.tasks
        assert t.borderline_from < t.valgus_from
    for movement in ("squat", "single-leg-squat", "step-down", "lunge", "run"):
        assert movement in assess.threshold_for(movement).tasks


def test_bilateral_squats_are_graded_on_the_knee_over_the_ankle_not_the_foot_or_fppa():
    """Turned-out feet move the foot's midline and a wide stance tilts FPPA; the knee's place over
    the ankle says whether it caves in (issue 10)."""
    caving = assess_leg("right", "squat", "front", [rep(-30.0, over_foot=-0.1, over_ankle=0.2)] * 5, [])
    over_turned_out_feet = assess_leg("right", "squat", "front", [rep(20.0, over_foot=0.2, over_ankle=-0.1)] * 5, [])
    assert (caving.verdict, over_turned_out_feet.verdict) == ("valgus", "aligned")
    lunge = assess_leg("right", "lunge", "front", [rep(30.0, over_foot=-0.2)] * 5, [])
    assert lunge.verdict == "aligned"


def test_a_value_within_its_error_of_a_band_edge_is_never_the_far_category():
    t = threshold_for("single-leg-squat")
    for edge in (t.borderline_from, t.valgus_from):
        for offset in np.linspace(-0.99, 0.99, 9) * t.margin:
            assert grade(edge + offset, t) == "borderline"
    leg = assess_leg("left", "single-leg-squat", "front", [rep(9.0)] * 5, [])
    assert "+- 3.5 deg" in leg.reasons[0] and "within measurement error" in leg.reasons[0]


@pytest.mark.parametrize(
    "view,yaw,reason",
    (("side", 85.0, "side view"), ("oblique", 50.0, "off square")),
)
def test_views_that_cannot_show_frontal_alignment(view, yaw, reason):
    leg = assess_leg("left", "single-leg-squat", view, [rep(20.0)] * 5, [], off_square_deg=yaw)
    assert leg.verdict == "insufficient-data"
    assert reason in leg.reasons[0]


@pytest.mark.parametrize("yaw,off", ((0.0, 0.0), (25.0, 25.0), (-25.0, 25.0), (155.0, 25.0), (-150.0, 30.0), (90, 90)))
def test_off_square_is_measured_from_the_front_or_from_behind(yaw, off):
    """A camera 25 deg off square behind the person (body yaw 155) is as readable as one in front."""
    from gaitcheck.model import Detected

    view = Detected("oblique", 1.0, details={"yaw_deg": yaw})
    assert view.off_square_deg == pytest.approx(off)
    readable = assess.frontal_unreadable("oblique", view.off_square_deg) is None
    assert readable == (off <= assess.MAX_OFF_SQUARE_DEG)


def test_no_repetitions_is_insufficient_data():
    leg = assess_leg("right", "single-leg-squat", "front", [], [])
    assert leg.verdict == "insufficient-data" and "no repetitions" in leg.reasons[0]
    free = assess_leg("right", "single-leg-squat", "front", [], [], other_leg_events=4)
    assert "not tested: every repetition was on the left leg" in free.reasons[0]


def test_hip_contribution():
    femur = assess_leg("left", "single-leg-squat", "front", [rep(18.0, femoral=12.0)] * 5, [])
    pelvis = assess_leg("left", "single-leg-squat", "front", [rep(18.0, femoral=2.0, drop=7.0)] * 5, [])
    shank = assess_leg("left", "single-leg-squat", "front", [rep(18.0, femoral=2.0, drop=1.0)] * 5, [])
    aligned = assess_leg("left", "single-leg-squat", "front", [rep(3.0)] * 5, [])
    assert femur.hip_contributes and pelvis.hip_contributes
    assert shank.hip_contributes is False and "shank and foot" in shank.reasons[-2]
    assert "reads about 3 deg low" in shank.reasons[-1]  # on one leg a small drop does not clear the pelvis
    running = assess_leg("left", "run", "back", [rep(18.0, femoral=2.0, drop=1.0)] * 9, [])
    assert not any("reads about" in r for r in running.reasons)
    assert aligned.hip_contributes is None


def test_the_hips_share_is_not_judged_where_fppa_is_not_graded():
    """A shared real lunge (front leg, back leg, filmed 21 deg off square) was told 'the hip contributes:
    the femur's inward tilt accounts for 100 % of the FPPA' from FPPA -39 and +42 deg and femoral
    adduction 66: where the thighs point at the camera those readings mean little."""
    lunge = assess_leg("right", "lunge", "front", [rep(42.0, femoral=66.0, over_foot=0.07)] * 3, [])
    squat = assess_leg("right", "squat", "front", [rep(30.0, femoral=25.0, over_ankle=0.2)] * 3, [])
    assert lunge.verdict == "borderline" and squat.verdict == "valgus"
    assert lunge.hip_contributes is None and squat.hip_contributes is None
    assert not any("FPPA" in r for r in lunge.reasons + squat.reasons)
    legs = {"left": assess_leg("left", "lunge", "front", [rep(-39.0, over_foot=-0.4)] * 3, []), "right": lunge}
    assert "fppa_deg" not in assess.asymmetry(legs, "knee_over_foot")
    assert "fppa_deg" in assess.asymmetry(legs, "fppa_deg")


def test_confidence():
    few = assess_leg("left", "single-leg-squat", "front", [rep(5.0)] * 2, [])
    minor = assess_leg("left", "single-leg-squat", "front", [rep(5.0)] * 5, [Caveat("camera 20 deg off square")])
    severe = assess_leg("left", "single-leg-squat", "front", [rep(5.0)] * 5, [Caveat("low fps", severe=True)])
    assert few.confidence == "low" and "only 2 reps" in few.confidence_reasons[-1]
    assert minor.confidence == "medium" and severe.confidence == "low"
    steps = assess_leg("left", "run", "back", [rep(5.0)] * 6, [])
    assert steps.confidence == "low" and "only 6 steps" in steps.confidence_reasons[-1]


def test_asymmetry_beyond_measurement_error():
    legs = {
        "left": assess_leg("left", "single-leg-squat", "front", [rep(4.0)] * 5, []),
        "right": assess_leg("right", "single-leg-squat", "front", [rep(16.0)] * 5, []),
    }
    fppa = assess.asymmetry(legs)["fppa_deg"]
    assert fppa["left_minus_right"] == pytest.approx(-12.0)
    assert fppa["beyond_error"] and "Munro" in fppa["source"]
    close = {"left": legs["left"], "right": assess_leg("right", "single-leg-squat", "front", [rep(9.0)] * 5, [])}
    assert not assess.asymmetry(close)["fppa_deg"]["beyond_error"]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(("front", "back")), st.sampled_from(("left", "right")), st.floats(-40, 40), st.floats(0.3, 1.0))
def test_knee_over_ankle_is_the_medial_knee_shift_in_standing_shank_lengths(view, side, shift_px, pitch):
    """+ when the knee moves medially, in units of the standing shank (150 px here), whatever the
    shank's foreshortening at the bottom (its projected length shrinks when it pitches at the camera)."""
    standing = frontal_skeleton(view)
    bottom = frontal_skeleton(view, **{f"{side}_knee_shift": shift_px})
    ankle = bottom[f"{side}_ankle"]
    bottom[f"{side}_knee"] = ankle + (bottom[f"{side}_knee"] - ankle) * np.array([1.0, pitch])
    series = series_from_points([standing] * 30 + [bottom])
    assert knee_over_ankle(series, side)[-1] == pytest.approx(shift_px / 150.0, abs=1e-9)


@pytest.mark.parametrize("view", ("front", "back"))
@pytest.mark.parametrize("side", ("left", "right"))
def test_knee_over_foot_is_positive_when_the_knee_caves_in(view, side):
    caved = series_from_points([frontal_skeleton(view, **{f"{side}_knee_shift": 30.0})] * 3)
    straight = series_from_points([frontal_skeleton(view)] * 3)
    assert knee_over_foot(caved, side)[0] > 0.1
    assert abs(knee_over_foot(straight, side)[0]) < 1e-9


def test_frontal_angles_are_read_before_the_thigh_points_at_the_camera():
    frames = []
    for share in np.r_[np.linspace(1.0, 0.3, 20), np.linspace(0.3, 1.0, 20)]:
        pts = frontal_skeleton("front")
        pts["left_knee"] = pts["left_hip"] + (pts["left_knee"] - pts["left_hip"]) * share
        frames.append(pts)
    series = series_from_points(frames)
    row, where = frontal_event_row(series, "left", 0, 19, 39)
    assert where == "descent" and row < 19
    assert frontal_event_row(series_from_points([frontal_skeleton("front")] * 40), "left", 0, 19, 39) == (19, "bottom")


# ------------------------------------------------------------------------------------------------
# whole analyses of landmark series (cleaning, segments, events, verdicts)
# ------------------------------------------------------------------------------------------------
def single_leg_squats(stance: str, valgus_px: float, n_reps: int = 4, fps: float = 30.0):
    """Front-view single-leg squats on one leg; the knee moves medially by valgus_px at the bottom."""
    frames = []
    free = "right" if stance == "left" else "left"
    per_rep = int(2 * fps)
    frames += [frontal_skeleton("front")] * int(0.5 * fps)
    for i in range(n_reps * per_rep):
        phase = 0.5 - 0.5 * np.cos(2 * np.pi * i / per_rep)
        pts = frontal_skeleton("front", **{f"{stance}_knee_shift": valgus_px * phase})
        shift = pts[f"{stance}_ankle"][0] - (pts["left_hip"][0] + pts["right_hip"][0]) / 2
        for name in ("left_hip", "right_hip", "left_shoulder", "right_shoulder", f"{free}_knee", f"{free}_ankle"):
            pts[name] = pts[name] + (0.4 * shift, 0)
        for name in ("left_hip", "right_hip", "left_shoulder", "right_shoulder"):
            pts[name] = pts[name] + (0, 70 * phase)
        pts[f"{stance}_knee"] = pts[f"{stance}_knee"] + (0, 30 * phase)
        pts[f"{free}_ankle"] = pts[f"{free}_ankle"] + (10, -110)
        pts[f"{free}_knee"] = pts[f"{free}_knee"] + (5, -40)
        frames.append(pts)
    frames += [frontal_skeleton("front")] * int(0.5 * fps)
    return series_from_points(frames, fps=fps)


def info_for(series) -> VideoInfo:
    return VideoInfo(
        path="synthetic.mp4", container="mp4", codec="h264", width_px=series.width_px, height_px=series.height_px,
        rotation_deg=0, fps=30.0, n_frames=series.n_frames, duration_s=series.time_s[-1], decoded=True,
    )  # fmt: skip


@pytest.mark.parametrize("stance", ("left", "right"))
def test_known_valgus_gives_the_right_verdict_on_the_working_leg(stance):
    series = single_leg_squats(stance, valgus_px=45.0)
    settings = Settings(
        view="front", movement="single-leg-squat", calibrate=False
    )  # exact landmarks: no MediaPipe error to correct
    a = analyze_landmarks(series, info_for(series), settings)
    free = "right" if stance == "left" else "left"
    assert len(a.reps) == 4 and all(r.stance_leg == stance for r in a.reps)
    assert a.legs[stance].verdict == "valgus"
    assert a.legs[free].verdict == "insufficient-data"
    aligned = analyze_landmarks(single_leg_squats(stance, -25.0), info_for(series), settings)  # knee out: FPPA < 8
    assert aligned.legs[stance].verdict == "aligned"


def test_mirrored_landmarks_give_the_same_verdicts_with_legs_swapped():
    series = single_leg_squats("right", valgus_px=30.0)
    settings = Settings(view="front", movement="single-leg-squat")
    original = analyze_landmarks(series, info_for(series), settings)
    mirrored = analyze_landmarks(series.mirrored(), info_for(series), settings)
    for side, other in (("left", "right"), ("right", "left")):
        assert mirrored.legs[other].verdict == original.legs[side].verdict
        assert mirrored.legs[other].hip_contributes == original.legs[side].hip_contributes
    left, right = (
        original.legs["right"].measures["fppa_deg"]["mean"],
        mirrored.legs["left"].measures["fppa_deg"]["mean"],
    )
    assert right == pytest.approx(left, abs=0.01)


@pytest.mark.parametrize(
    ("flexion_deg", "name"),
    [(None, None), (float("nan"), None), (35.0, "partial"), (69.9, "partial"), (70.0, "half"), (100.0, "deep")],
)
def test_squat_depth_is_named_from_knee_flexion(flexion_deg, name):
    assert squat_depth(flexion_deg) == name


def _turned(turn: float):
    from gaitcheck.model import Detected

    return Detected("front", 1.0, details={"yaw_deg": abs(turn), "turn_deg": turn})


def test_the_camera_allowance_takes_the_turned_cameras_share_out_of_fppa_only():
    from gaitcheck.kinematics import turned_camera_fppa_deg

    event = {"fppa_deg": 12.0, "knee_medial_shift": 0.1, "knee_flexion_peak_deg": 60.0}
    for side in ("left", "right"):
        allowed = assess.allow_for_camera(event, side, _turned(20.0))
        share = turned_camera_fppa_deg(side, 20.0 - assess.OFF_SQUARE_ERROR_DEG, 60.0)
        assert abs(share) > 5
        assert allowed["fppa_deg"] == pytest.approx(12.0 - share)
        assert allowed["fppa_deg_picture"] == 12.0
        assert allowed["knee_medial_shift"] == 0.1 and "knee_medial_shift_picture" not in allowed
    left, right = (assess.allow_for_camera(event, side, _turned(20.0))["fppa_deg"] for side in ("left", "right"))
    assert (left - 12.0) == pytest.approx(12.0 - right)  # valgus taken from one leg, varus from the other


def test_a_squat_filmed_facing_the_camera_also_allows_for_the_knee_shift():
    from gaitcheck.kinematics import turned_camera_shift

    event = {"fppa_deg": 12.0, "knee_medial_shift": 0.1, "knee_flexion_peak_deg": 90.0}
    view = _turned(20.0)
    allowed = assess.allow_for_camera(event, "right", view, assess.camera_allowances("squat", view))
    share = turned_camera_shift("right", 20.0 - assess.OFF_SQUARE_ERROR_DEG, 90.0)
    assert share > 0.03  # the right knee looks more medial: taken out
    assert allowed["knee_medial_shift"] == pytest.approx(0.1 - share)
    assert allowed["knee_medial_shift_picture"] == 0.1
    assert "fppa_deg_picture" in allowed


@pytest.mark.parametrize(
    ("movement", "yaw"), [("squat", 160.0), ("squat", -110.0), ("single-leg-squat", 20.0), ("step-down", 20.0)]
)
def test_the_knee_shift_is_not_allowed_for_from_behind_or_outside_squats(movement, yaw):
    from gaitcheck.model import Detected

    view = Detected("oblique", 1.0, details={"yaw_deg": yaw, "turn_deg": 20.0})
    assert "knee_medial_shift" not in assess.camera_allowances(movement, view)
    assert "fppa_deg" in assess.camera_allowances(movement, view)


@pytest.mark.parametrize(
    ("yaw", "facing"), [(0.0, True), (-90.0, True), (120.0, False), (-179.0, False), (350.0, True)]
)
def test_facing_the_camera_is_read_from_the_body_yaw(yaw, facing):
    from gaitcheck.model import Detected

    assert Detected("front", 1.0, details={"yaw_deg": yaw}).facing_camera is facing


@pytest.mark.parametrize("turn", [0.0, 3.9, -4.0])
def test_a_camera_within_its_estimate_error_of_square_gets_no_allowance(turn):
    event = {"fppa_deg": 12.0, "knee_flexion_peak_deg": 80.0}
    assert assess.allow_for_camera(event, "left", _turned(turn)) == event


@pytest.mark.parametrize(("turn", "expected"), [(20.0, 16.0), (-3.0, 0.0), (36.0, None)])
def test_foreshortening_allows_for_the_turn_as_the_allowance_does_within_the_graded_range(turn, expected):
    assert assess.foreshortening_off_square_deg(_turned(turn)) == expected


@pytest.mark.parametrize(("turn", "expected"), [(20.0, None), (35.0, None), (-50.0, 50.0), (36.0, 36.0)])
def test_the_picture_is_unprojected_just_where_foreshortening_stops(turn, expected):
    assert assess.unprojection_off_square_deg(_turned(turn)) == expected


def test_no_foreshortening_in_a_side_view():
    from gaitcheck.model import Detected

    assert assess.foreshortening_off_square_deg(Detected("side", 1.0, details={"yaw_deg": 80.0})) is None
    assert assess.unprojection_off_square_deg(Detected("side", 1.0, details={"yaw_deg": 80.0})) is None


def test_no_allowance_without_the_knee_bend():
    event = {"fppa_deg": 12.0, "knee_flexion_peak_deg": float("nan")}
    assert assess.allow_for_camera(event, "left", _turned(25.0)) == event


def test_the_femurs_share_is_read_against_the_pictures_fppa_when_fppa_allows_for_the_camera():
    events = [{**rep(12.0, femoral=8.0), "fppa_deg_picture": 20.0} for _ in range(3)]
    leg = assess_leg("left", "single-leg-squat", "front", events, [], off_square_deg=20.0)
    assert leg.hip_contributes is False  # 8 of the picture's 20 deg, not 8 of the allowed 12
    assert any("allowing for the camera" in r and "+20.0" in r for r in leg.reasons)


def test_a_measure_only_some_repetitions_have_is_summarised_over_those():
    """A clip in two parts, the camera turned in one and square in the other: only the turned part's
    repetitions keep the picture's FPPA beside the allowed one (this raised KeyError once)."""
    turned = {"fppa_deg": 8.0, "fppa_deg_picture": 12.0, "verdict": "aligned"}
    square = {"fppa_deg": 6.0, "verdict": "aligned"}
    out = aggregate([square, turned, turned])
    assert out["fppa_deg"] == {"mean": 7.33, "sd": 1.15, "n": 3}
    assert out["fppa_deg_picture"] == {"mean": 12.0, "sd": 0.0, "n": 2}
    assert "verdict" not in out and aggregate([]) == {}


def test_the_summary_names_where_knee_flexion_came_from():
    from gaitcheck.model import Detected

    assert "foreshortening" in assess.knee_flexion_source(_turned(10.0), "step-down")
    assert assess.knee_flexion_source(_turned(10.0), "run").startswith("3-D")
    assert assess.knee_flexion_source(_turned(50.0), "squat").startswith("the picture, its horizontal extents")
    assert assess.knee_flexion_source(_turned(50.0), "run").startswith("the picture, its horizontal extents")
    assert assess.knee_flexion_source(Detected("side", 1.0), "squat").startswith("2-D")
