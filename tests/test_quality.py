"""Quality checks: structured issues with stable codes, tips keyed by code, neutral wording."""

from __future__ import annotations

import dataclasses

from gaitcheck import pipeline, quality
from gaitcheck.model import Detected
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
