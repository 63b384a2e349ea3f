"""Quality checks: structured issues with stable codes, tips keyed by code, neutral wording."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from gaitcheck import pipeline, quality
from gaitcheck.model import Detected, Segment
from gaitcheck.settings import Settings
from tests.test_assess import info_for, single_leg_squats


def analysis_of(**settings):
    series = single_leg_squats("left", valgus_px=20.0, n_reps=2)
    return pipeline.analyze_landmarks(series, info_for(series), Settings(**settings))


def test_every_issue_has_a_code_with_a_tip():
    a = analysis_of(view="front", movement="single-leg-squat")
    assert a.issues, "two repetitions are fewer than advised: expected an issue"
    for issue in a.issues:
        assert issue.code in quality.TIPS and issue.tip == quality.TIPS[issue.code]
        assert issue.severity in ("minor", "major")
    few = [i for i in a.issues if i.code == "few-events"]
    assert [i.leg for i in few] == ["left"]
    assert a.warnings == [i.text for i in a.issues]


def test_wording_names_no_command_line_flag():
    a = analysis_of(view="front", movement="single-leg-squat")
    uncertain = dataclasses.replace(a.main, view=Detected("front", 0.3), movement=Detected("single-leg-squat", 0.3))
    a = dataclasses.replace(a, segments=[uncertain])
    issues = quality.quality_issues(a)
    assert {"view-uncertain", "movement-uncertain"} <= {i.code for i in issues}
    for issue in issues:
        assert "--" not in issue.text and "--" not in issue.tip
    for text in quality.TIPS.values():
        assert "--" not in text


def test_side_view_is_a_major_issue():
    a = analysis_of(view="side", movement="single-leg-squat")
    assert a.issues[0].code == "side-view" and a.issues[0].severity == "major"


def _bent(degrees: float, n: int = 20) -> pd.DataFrame:
    return pd.DataFrame({"left_knee_flexion_deg": np.full(n, degrees), "right_knee_flexion_deg": np.full(n, degrees)})


def _segment(view: str, yaw_deg: float, movement: str = "single-leg-squat") -> Segment:
    return Segment(0, 0, 20, 0.0, 1.0, Detected(view, 0.9, details={"yaw_deg": yaw_deg}), Detected(movement, 0.9))


def test_a_deep_bend_filmed_off_square_gets_the_camera_angle_caveat():
    rows = np.arange(20)
    deep = quality.view_angle_caveat("left", _segment("front", 20.0), _bent(80.0), rows)
    assert deep is not None and deep.severe and "camera angle alone" in deep.text and "left knee" in deep.text
    shallow = quality.view_angle_caveat("left", _segment("front", 20.0), _bent(15.0), rows)
    assert shallow is not None and not shallow.severe  # 3.5-5 deg: more than the margin, less than a band
    assert quality.view_angle_caveat("left", _segment("front", 4.0), _bent(80.0), rows) is None  # within the yaw error
    assert quality.view_angle_caveat("left", _segment("side", 90.0), _bent(80.0), rows) is None
    squat = quality.view_angle_caveat("right", _segment("back", 160.0, "squat"), _bent(90.0), rows)
    assert squat is not None and "shank lengths" in squat.text


def test_the_camera_angle_caveat_lowers_the_legs_confidence():
    a = analysis_of(view="front", movement="single-leg-squat")
    turned = dataclasses.replace(a.main, view=Detected("front", 0.9, details={"yaw_deg": 24.0}))
    angles = a.angles.copy()
    angles["left_knee_flexion_deg"] = 70.0
    caveats = quality.leg_caveats("left", [turned], [0], a.landmarks.clean, a.video, angles)
    assert any(c.severe and "camera angle alone" in c.text for c in caveats)


def test_a_front_view_off_square_at_deep_bends_is_a_quality_issue():
    a = analysis_of(view="front", movement="single-leg-squat")
    assert "off-square" not in {i.code for i in a.issues}
    turned = dataclasses.replace(a.main, view=Detected("front", 0.9, details={"yaw_deg": 24.0}))
    angles = a.angles.copy()
    angles["left_knee_flexion_deg"] = 70.0
    issues = quality.quality_issues(dataclasses.replace(a, segments=[turned], angles=angles))
    off = [i for i in issues if i.code == "off-square"]
    assert len(off) == 1 and "24 deg off square" in off[0].text and off[0].severity == "minor"
    assert "FPPA allows for it" in off[0].text


def test_the_off_square_issue_of_a_squat_says_the_knee_shift_is_allowed_for_too():
    a = analysis_of(view="front", movement="single-leg-squat")
    turned = dataclasses.replace(
        a.main, view=Detected("front", 0.9, details={"yaw_deg": 24.0}), movement=Detected("squat", 0.9)
    )
    angles = a.angles.copy()
    angles[["left_knee_flexion_deg", "right_knee_flexion_deg"]] = 90.0
    issues = quality.quality_issues(dataclasses.replace(a, segments=[turned], angles=angles))
    off = [i for i in issues if i.code == "off-square"]
    assert len(off) == 1 and "the knee's shift over the ankle allow for it" in off[0].text


def test_the_people_note_says_what_following_the_subject_changed():
    """Frames taken back after a crossing, left out after a jump and without angles where someone
    covered the subject are all named, with their counts."""
    a = analysis_of(view="front", movement="single-leg-squat")
    a.landmarks.clean.notes["people"] = {"max": 2}
    a.landmarks.raw.notes["subject"] = {
        "id": 1,
        "reason": "the person doing the movement in place",
        "swapped_back": 146,
        "jumps_left_out": 1,
        "covered_no_angles": 45,
    }
    (people,) = [i for i in quality.quality_issues(a) if i.code == "several-people"]
    assert "in 146 frames the one followed was taken back from another person's track" in people.text
    assert "1 frame where the person followed jumped away" in people.text
    assert "no angles read in 45 frames" in people.text
    assert people.text.startswith("more than one person is in the picture (up to 2 found at once)")


def test_a_second_person_found_for_a_moment_only_is_not_reported_nor_lowers_confidence():
    """A shared real clip (a pistol squat in a gym): the people count found two people in 1 of 60
    checked frames, nobody but the subject lasted, and the report said 'more than one person is in
    the picture ... gaitcheck followed person 1, the only person in the picture'."""
    a = analysis_of(view="front", movement="single-leg-squat")
    a.landmarks.clean.notes["people"] = {"max": 2, "checked_frames": 60, "frames_with_more": 1}
    a.landmarks.clean.notes["subject"] = {"id": 1, "reason": "the only person in the picture", "people": 1}
    assert "several-people" not in {i.code for i in quality.quality_issues(a)}
    assert not quality.several_people(a.landmarks.clean.notes)
    a.landmarks.clean.notes["subject"]["people"] = 2
    assert quality.several_people(a.landmarks.clean.notes)
    assert "several-people" in {i.code for i in quality.quality_issues(a)}


def test_a_moment_the_person_was_out_of_sight_is_named_with_when_and_how_long():
    a = analysis_of(view="front", movement="squat")
    assert "hidden-moment" not in {i.code for i in quality.quality_issues(a)}
    a.landmarks.clean.notes["plausibility"] = {"hidden_moments_s": [[2.63, 0.3]], "beside_hidden_frames_no_angles": 40}
    (hidden,) = [i for i in quality.quality_issues(a) if i.code == "hidden-moment"]
    assert "out of sight for a moment (0.3 s at 2.6 s)" in hidden.text and "within 0.4 s either side" in hidden.text
