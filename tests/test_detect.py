"""View and movement detection, and splitting a clip into segments."""

from __future__ import annotations

import numpy as np
import pytest

from gaitcheck.detect import detect_movement, detect_view, find_cuts, split_segments, yaw_deg
from tests.helpers import running_series, squatting_series


def turned(series, yaw_deg_by_frame: np.ndarray):
    """The same landmarks with the body turned about the vertical by the given yaw per frame
    (world landmarks rotated; the picture's shoulders and hips narrowed accordingly)."""
    world = series.world_m.copy()
    image = series.image_px.copy()
    a = np.radians(yaw_deg_by_frame)[:, None]
    centre = np.nanmean(world, axis=1, keepdims=True)
    x, z = world[..., 0] - centre[..., 0], world[..., 2] - centre[..., 2]
    world[..., 0] = centre[..., 0] + x * np.cos(a) - z * np.sin(a)
    world[..., 2] = centre[..., 2] + x * np.sin(a) + z * np.cos(a)
    mid_x = np.nanmean(image[..., 0], axis=1, keepdims=True)
    image[..., 0] = mid_x + (image[..., 0] - mid_x) * np.abs(np.cos(a))
    return series.replace(world_m=world, image_px=image)


@pytest.mark.parametrize(
    "yaw,view", ((0.0, "front"), (10.0, "front"), (40.0, "oblique"), (85.0, "side"), (180.0, "back"))
)
def test_view_from_yaw(yaw, view):
    series = squatting_series(60)
    rotated = turned(series, np.full(60, yaw))
    assert np.nanmedian(np.abs(yaw_deg(rotated))) == pytest.approx(abs(yaw if yaw <= 180 else yaw - 360), abs=1.0)
    detected = detect_view(rotated)
    assert detected.value == view
    assert detected.confidence > 0.5


def test_movement_detection_on_known_series():
    assert detect_movement(squatting_series(180, reps=3), "front").value == "squat"
    running, _ = running_series("back", 60.0, seconds=4.0)
    assert detect_movement(running, "back").value == "run"


def test_a_lasting_change_of_view_splits_the_clip():
    series = squatting_series(240, fps=30.0, reps=4)
    yaw = np.where(np.arange(240) < 120, 85.0, 0.0)  # side-on for 4 s, then facing the camera
    segments = split_segments(turned(series, yaw))
    assert segments == [(0, 120), (120, 240)]


def test_a_brief_turn_does_not_split_the_clip():
    series = squatting_series(240, fps=30.0, reps=4)
    yaw = np.zeros(240)
    yaw[100:120] = 80.0  # 0.7 s
    assert split_segments(turned(series, yaw)) == [(0, 240)]


def test_an_edited_cut_splits_the_clip():
    series = squatting_series(240, fps=30.0, reps=4)
    change = series.picture_change.copy()
    change[150] = 80.0
    cut = series.replace(picture_change=change)
    assert list(find_cuts(cut)) == [150]
    assert split_segments(cut) == [(0, 150), (150, 240)]


def test_frames_without_a_person_are_left_out():
    series = squatting_series(240, fps=30.0, reps=4)
    image = series.image_px.copy()
    world = series.world_m.copy()
    image[200:] = np.nan
    world[200:] = np.nan
    assert split_segments(series.replace(image_px=image, world_m=world)) == [(0, 200)]
