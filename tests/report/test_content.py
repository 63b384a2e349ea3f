"""Key-frame captions: what the picture shows, and what the camera's angle was allowed for."""

from __future__ import annotations

from gaitcheck.report.content import key_frame_caption


def squat_rep(**extra) -> dict:
    return {
        "event": "rep",
        "number": 2,
        "graded_measure": "knee_medial_shift",
        "graded_value": 0.03,
        "hip_adduction_deg": 4.0,
        **extra,
    }


def test_a_squats_caption_gives_the_knee_shift_as_measured():
    caption = key_frame_caption(squat_rep(), "left", 6.0, 3.25)
    assert caption.startswith("Left leg, rep 2 at 3.25 s (frame measured): FPPA +6.0")
    assert caption.endswith("; knee medial shift over the ankle (+ inward) +0.03.")
    assert "allowing" not in caption


def test_a_squats_caption_shows_the_picture_beside_the_shift_allowed_for_the_camera():
    caption = key_frame_caption(squat_rep(knee_medial_shift_picture=0.11), "right", 6.0, 3.25)
    assert "+0.11 (+0.03 allowing for the camera's angle)" in caption


def test_a_steps_caption_gives_fppa_allowed_for_the_camera_beside_the_picture():
    step = {
        "event": "step",
        "number": 4,
        "graded_measure": "fppa_deg",
        "graded_value": 5.0,
        "fppa_deg": 5.0,
        "fppa_deg_picture": 11.0,
        "hip_adduction_deg": 2.0,
    }
    caption = key_frame_caption(step, "right", 11.0, 1.5)
    assert caption.startswith("Right leg, right step 4 at 1.50 s (midstance): FPPA +11.0")
    assert "(+5.0" in caption and "allowing for the camera's angle)" in caption
