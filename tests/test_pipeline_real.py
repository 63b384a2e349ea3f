"""Real MediaPipe inference on real public clips (../shared/videos; skipped when absent).

Phone behaviour is tested on copies we make of them: a portrait clip stored sideways with a
rotation tag, re-encoded as HEVC; and a horizontally mirrored clip.
"""

from __future__ import annotations

import numpy as np
import pytest

import gaitcheck
from tests.conftest import shared_clip
from tests.helpers import read_shared_frames, write_clip

pytestmark = pytest.mark.video

FRONT_SQUATS = (
    "squat_front_bodyweight_hands_on_hips_lab.mp4",
    "squat_front_air_squats_home_workout_overlay.mp4",
)


@pytest.mark.parametrize("name", FRONT_SQUATS)
def test_pose_found_in_95_percent_of_front_squat_frames(analysed, name):
    a = analysed(name)
    assert a.landmarks.raw.detection_rate >= 0.95
    assert a.view.value == "front"
    assert a.angles["left_fppa_deg"].notna().mean() >= 0.95


@pytest.fixture(scope="module")
def portrait_pair(tmp_path_factory):
    """The first 3 s of a portrait phone clip, and a copy stored sideways in HEVC with a rotation tag."""
    name = "squat_front_bodyweight_hands_on_hips_lab.mp4"
    shared_clip(name)
    frames, fps = read_shared_frames(name, limit=90)
    folder = tmp_path_factory.mktemp("phone")
    plain = write_clip(folder / "plain.mp4", frames, fps=fps)
    # An iPhone held upright stores landscape pixels and a -90 deg display rotation.
    sideways = [np.rot90(f, k=1) for f in frames]
    tagged = write_clip(folder / "IMG_0001.MOV", sideways, fps=fps, codec="libx265", rotation=-90)
    return gaitcheck.analyze(plain), gaitcheck.analyze(tagged)


def test_rotation_tagged_hevc_portrait_clip_comes_out_upright(portrait_pair):
    plain, tagged = portrait_pair
    assert tagged.video.codec == "hevc" and tagged.video.rotation_deg == -90
    assert (tagged.video.width_px, tagged.video.height_px) == (plain.video.width_px, plain.video.height_px)
    assert tagged.video.height_px > tagged.video.width_px
    assert tagged.landmarks.raw.detection_rate >= 0.95
    # upright: head above hips above ankles, and the same angles as the plain copy
    px = tagged.landmarks.clean.px
    assert (px("nose")[:, 1] < px("left_hip")[:, 1]).all() and (px("left_hip")[:, 1] < px("left_ankle")[:, 1]).all()
    for column in ("left_fppa_deg", "right_fppa_deg", "left_hip_adduction_deg"):
        diff = np.abs(tagged.angles[column] - plain.angles[column])
        assert np.nanmedian(diff) < 2.0, column


@pytest.mark.parametrize(
    "name,limit",
    (
        ("single_leg_squat_front_man_barefoot_indoor.mp4", None),
        ("squat_front_bodyweight_hands_on_hips_lab.mp4", 150),
    ),
)
def test_mirrored_clip_swaps_left_and_right_curves(tmp_path, name, limit):
    frames, fps = read_shared_frames(name, limit=limit)
    original = gaitcheck.analyze(write_clip(tmp_path / "original.mp4", frames, fps=fps), view="front")
    mirrored = gaitcheck.analyze(
        write_clip(tmp_path / "mirrored.mp4", [f[:, ::-1] for f in frames], fps=fps), view="front"
    )
    measures = (
        "fppa_deg", "hip_adduction_deg", "femoral_adduction_deg", "pelvic_drop_deg", "knee_flexion_deg",
        "hip_internal_rotation_deg",
    )  # fmt: skip
    for measure in measures:
        for side, other in (("left", "right"), ("right", "left")):
            diff = np.abs(mirrored.angles[f"{other}_{measure}"] - original.angles[f"{side}_{measure}"])
            assert np.nanmedian(diff) < 2.0, f"{side} {measure}: {np.nanmedian(diff):.2f}"
    lean = np.abs(mirrored.angles["trunk_lean_deg"] + original.angles["trunk_lean_deg"])
    assert np.nanmedian(lean) < 2.0
