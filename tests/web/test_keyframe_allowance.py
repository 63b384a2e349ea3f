"""A key frame checked by hand on a clip filmed off square: the hand-placed points give FPPA as the
picture shows it, and the automatic value's camera allowance is taken out of it too, so the hand
value is graded as the automatic one was (gaitcheck.web.keyframes.measure)."""

from __future__ import annotations

import numpy as np
import pytest

from gaitcheck.assess import threshold_for
from gaitcheck.kinematics import fppa_deg
from gaitcheck.web.keyframes import KeyFrame, measure

# a knee a little inside the hip-ankle line: the picture's FPPA about +11 deg
POINTS = {"hip": (100.0, 100.0), "knee": (110.0, 200.0), "ankle": (100.0, 300.0), "other_hip": (160.0, 100.0)}


def key_frame(automatic_fppa: float, automatic_picture: float | None) -> KeyFrame:
    automatic = {
        "fppa_deg": automatic_fppa,
        "fppa_deg_picture": automatic_picture,
        "hip_adduction_deg": 0.0,
        "graded_measure": "fppa_deg",
        "graded_value": automatic_fppa,
        "verdict": "aligned",
    }
    return KeyFrame(
        key="rep-1-left", event="rep", number=1, leg="left", frame=10, time_s=0.33, start_frame=0,
        points_px=POINTS, crop_px=(0, 0, 200, 400), size_px=(200, 400), automatic=automatic,
        threshold=threshold_for("single-leg-squat"),
    )  # fmt: skip


def picture_fppa() -> float:
    return float(fppa_deg(*(np.array(POINTS[n]) for n in ("hip", "knee", "ankle", "other_hip"))))


def test_hand_points_carry_the_automatic_values_camera_allowance():
    picture = picture_fppa()
    measured = measure(POINTS, key_frame(automatic_fppa=4.0, automatic_picture=10.0))
    assert measured["fppa_deg_picture"] == pytest.approx(picture, abs=0.01)
    assert measured["fppa_deg"] == pytest.approx(picture - 6.0, abs=0.01)


def test_without_an_allowance_the_hand_value_is_the_picture():
    measured = measure(POINTS, key_frame(automatic_fppa=4.0, automatic_picture=None))
    assert measured["fppa_deg_picture"] is None
    assert measured["fppa_deg"] == pytest.approx(picture_fppa(), abs=0.01)
