"""Hand edits of key frames without a server: points checked, angles from gaitcheck.kinematics,
grades from gaitcheck.assess, summary.json rebuilt beside the automatic values."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest

from gaitcheck.assess import THRESHOLDS, grade, threshold_for
from gaitcheck.kinematics import fppa_deg
from gaitcheck.web import keyframes
from gaitcheck.web.keyframes import KeyFrame, KeyFrameRefused

#: A right leg seen from the front: the other (left) hip lies at larger x.
POINTS = {"hip": (300.0, 400.0), "knee": (310.0, 600.0), "ankle": (300.0, 800.0), "other_hip": (420.0, 400.0)}


def key_frame(graded_measure: str = "fppa_deg", event: str = "rep") -> KeyFrame:
    movement = "single-leg-squat" if graded_measure == "fppa_deg" else "squat"
    return KeyFrame(
        key=f"{event}-2-right",
        event=event,
        number=2,
        leg="right",
        frame=50,
        time_s=1.67,
        start_frame=30,
        points_px=POINTS,
        crop_px=(200, 300, 300, 600),
        size_px=(720, 1280),
        automatic={"fppa_deg": 5.7, "hip_adduction_deg": 2.9, "graded_measure": graded_measure, "verdict": "aligned"},
        threshold=threshold_for(movement, THRESHOLDS),
    )


def as_body(points: dict[str, tuple[float, float]]) -> dict:
    return {"points_px": {name: list(xy) for name, xy in points.items()}}


def test_fppa_and_grade_come_from_gaitcheck_s_own_functions():
    inward = {**POINTS, "knee": (360.0, 600.0)}  # toward the other hip: valgus
    answer = keyframes.measure(inward, key_frame())
    expected = float(fppa_deg(*(np.array(inward[n]) for n in keyframes.POINT_NAMES)))
    assert expected > 15 and answer["fppa_deg"] == pytest.approx(expected, abs=0.01)
    assert answer["verdict"] == grade(expected, threshold_for("single-leg-squat")) == "valgus"
    assert answer["regraded"] is True and answer["hip_adduction_deg"] > 0


def test_a_task_graded_on_another_measure_keeps_its_grade():
    answer = keyframes.measure({**POINTS, "knee": (360.0, 600.0)}, key_frame("knee_medial_shift"))
    assert answer["verdict"] == "aligned" and answer["regraded"] is False


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ([1, 2], "exactly the points"),
        ({"points_px": {"hip": [1, 2]}}, "exactly the points"),
        (as_body({**POINTS, "knee": (1.0, float("nan"))}), "knee must be [x, y]"),
        ({"points_px": {**as_body(POINTS)["points_px"], "ankle": [1, 2, 3]}}, "ankle must be [x, y]"),
        ({"points_px": {**as_body(POINTS)["points_px"], "hip": ["1", 2]}}, "hip must be [x, y]"),
        (as_body({**POINTS, "other_hip": (721.0, 10.0)}), "outside the 720x1280"),
    ],
)
def test_bad_points_are_refused_with_a_sentence(body, words):
    with pytest.raises(KeyFrameRefused) as refused:
        keyframes.parse_points(body, (720, 1280))
    assert refused.value.status == 422 and words in refused.value.message


def test_points_on_one_spot_give_no_angle():
    with pytest.raises(KeyFrameRefused, match="apart"):
        keyframes.measure({**POINTS, "knee": POINTS["hip"]}, key_frame())


def test_summary_gets_hand_adjusted_beside_the_automatic_values_and_loses_it_again(tmp_path):
    rep_frame, step_frame = key_frame(), key_frame(event="step")
    summary = {
        "reps": [{"index": 1, "start_frame": 30, "legs": {"right": {"fppa_deg": 5.7, "verdict": "aligned"}}}],
        "steps": [{"leg": "right", "contact_frame": 30, "measures": {"fppa_deg": 4.0}, "verdict": "aligned"}],
    }
    automatic = copy.deepcopy(summary)
    edit = {"fppa_deg": 20.0, "hip_adduction_deg": 9.0, "verdict": "valgus", "graded_measure": "fppa_deg"}
    edit |= {"points_px": as_body(POINTS)["points_px"], "frame": 50, "edited": "2026-12-03T20:00:00+00:00"}
    frames = {rep_frame.key: rep_frame, step_frame.key: step_frame}
    edited = keyframes.with_edits(copy.deepcopy(summary), {rep_frame.key: edit, step_frame.key: edit}, frames)
    assert edited["reps"][0]["hand_adjusted"] == {"right": edit}
    assert edited["steps"][0]["hand_adjusted"] == edit
    assert edited["reps"][0]["legs"] == automatic["reps"][0]["legs"]
    assert keyframes.with_edits(edited, {}, frames) == automatic
    target = tmp_path / "summary.json"
    keyframes.write_json_atomic(target, edited)
    assert json.loads(target.read_text()) == edited and [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_the_leg_is_regraded_from_its_key_frames_with_the_hand_values():
    threshold = threshold_for("single-leg-squat", THRESHOLDS)
    frames = {}
    for number, automatic in ((1, 16.0), (2, 18.0), (3, 17.0)):
        frame = key_frame()
        frames[f"rep-{number}-right"] = KeyFrame(
            **{**frame.__dict__, "key": f"rep-{number}-right", "number": number},
        )
        frames[f"rep-{number}-right"].automatic.update(graded_value=automatic)
    assert keyframes.leg_with_hand_values("right", {}, frames) is None
    stored = {"hip_adduction_deg": 1.0, "verdict": "aligned", "graded_measure": "fppa_deg", "points_px": {}}
    stored |= {"frame": 50, "edited": "2026-12-04T03:00:00+00:00"}
    edits = {"rep-2-right": {**stored, "fppa_deg": 4.0}, "rep-3-right": {**stored, "fppa_deg": 5.0}}
    regraded = keyframes.leg_with_hand_values("right", edits, frames)
    assert regraded is not None
    assert regraded["mean"] == pytest.approx((16.0 + 4.0 + 5.0) / 3, abs=0.01)
    assert regraded["events_adjusted"] == 2 and regraded["events"] == 3 and regraded["n"] == 3
    assert regraded["verdict"] == grade(regraded["mean"], threshold)
    assert keyframes.leg_with_hand_values("left", edits, frames) is None

    summary = {"legs": {"right": {"verdict": "valgus"}, "left": {"verdict": "aligned"}}}
    edited = keyframes.with_edits(copy.deepcopy(summary), edits, frames)
    assert edited["legs"]["right"]["hand_adjusted"] == regraded and "hand_adjusted" not in edited["legs"]["left"]
    assert edited["legs"]["right"]["verdict"] == "valgus"  # the automatic verdict stays
    assert keyframes.with_edits(edited, {}, frames) == summary


def test_a_leg_graded_on_knee_shift_counts_its_edits_but_keeps_its_grade():
    frame = key_frame("knee_medial_shift")
    regraded = keyframes.leg_with_hand_values("right", {frame.key: {"fppa_deg": 4.0}}, {frame.key: frame})
    assert regraded == {"graded_measure": "knee_medial_shift", "events_adjusted": 1, "events": 1, "verdict": None}


@pytest.mark.slow
def test_the_report_shows_a_hand_edit_beside_the_automatic_values_and_drops_it_on_undo(tmp_path):
    import gaitcheck
    from gaitcheck.settings import OutputOptions
    from tests.report.test_report import analysis_with_clip, visible_text

    out = tmp_path / "out"
    gaitcheck.save(analysis_with_clip(tmp_path), out, OutputOptions())
    video_mtime = (out / "annotated.mp4").stat().st_mtime_ns
    frames = keyframes.key_frames(out)
    frame = frames["rep-1-right"]
    assert not keyframes.report_is_stale(out) and not keyframes.refresh_report(out)

    straight = {**frame.points_px, "knee": (frame.points_px["hip"][0], frame.points_px["knee"][1])}
    edit = keyframes.save_edit(out, frame, straight)
    assert keyframes.report_is_stale(out) and keyframes.refresh_report(out) and not keyframes.report_is_stale(out)
    text = " ".join(visible_text((out / "report.html").read_text(encoding="utf-8")).split())
    assert "By hand" in text and "1 of 3 key frames on this leg adjusted by hand" in text
    assert "The verdict above is gaitcheck's automatic one" in text
    reps = pd.read_csv(out / "reps.csv")
    by_hand = reps.loc[(reps["number"] == 1) & (reps["leg"] == "right"), "fppa_deg_by_hand"]
    assert by_hand.tolist() == [pytest.approx(edit["fppa_deg"], abs=0.001)]
    assert (out / "annotated.mp4").stat().st_mtime_ns == video_mtime  # kept, not redrawn

    assert keyframes.remove_edit(out, frame) and keyframes.refresh_report(out)
    text = " ".join(visible_text((out / "report.html").read_text(encoding="utf-8")).split())
    assert "By hand" not in text and "adjusted by hand" not in text
    assert "fppa_deg_by_hand" not in pd.read_csv(out / "reps.csv").columns
