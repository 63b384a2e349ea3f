"""Repetitions, stance legs, foot contacts and cadence on landmark series with known answers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gaitcheck.events import (
    cadence_spm,
    find_reps,
    find_steps,
    running_cadence_spm,
    slow_motion_estimate,
    stance_by_balance,
    stance_by_motion,
)
from gaitcheck.landmarks import INDEX
from tests.helpers import frontal_skeleton, running_series, series_from_points, squatting_series


@pytest.mark.parametrize("reps", (1, 3, 5))
def test_every_complete_squat_is_counted_with_its_bottom(reps):
    series = squatting_series(60 * reps, fps=30.0, reps=reps)
    found = find_reps(series, "squat")
    assert len(found) == reps
    for k, rep in enumerate(found):
        assert rep.bottom_s == pytest.approx((k + 0.5) * 2.0, abs=0.05)  # each rep lasts 2 s
        assert rep.start_s < rep.bottom_s < rep.end_s
        assert rep.stance_leg == "both"
        assert rep.index == k


def test_partial_repetitions_at_the_clip_edges_are_not_counted():
    series = squatting_series(180, fps=30.0, reps=3)
    # start at the first bottom, stop half-way down the last rep
    cut = series.select(slice(30, 160))
    assert len(find_reps(cut, "squat")) == 1


def test_holding_the_bottom_is_one_repetition():
    frames = []
    for phase in np.r_[np.linspace(0, 1, 30), np.ones(60), np.linspace(1, 0, 30), np.zeros(20)]:
        pts = frontal_skeleton("front")
        for name in ("left_hip", "right_hip", "left_shoulder", "right_shoulder"):
            pts[name] = pts[name] + (0, 120 * phase)
        frames.append(pts)
    reps = find_reps(series_from_points([frontal_skeleton("front")] * 10 + frames), "squat")
    assert len(reps) == 1


def test_small_wobbles_are_not_repetitions():
    frames = []
    for i in range(150):
        pts = frontal_skeleton("front")
        sway = 6 * np.sin(2 * np.pi * i / 50)  # 6 px on a 200 px torso: standing sway, not squats
        for name in ("left_hip", "right_hip", "left_shoulder", "right_shoulder"):
            pts[name] = pts[name] + (0, sway)
        frames.append(pts)
    assert find_reps(series_from_points(frames), "squat") == []


def single_leg_series(stance: str, n: int = 120) -> tuple:
    """A single-leg squat: the free foot lifted and drifting; the body centre over the stance foot."""
    frames = []
    free = "right" if stance == "left" else "left"
    for i in range(n):
        phase = 0.5 - 0.5 * np.cos(2 * np.pi * 2 * i / n)
        pts = frontal_skeleton("front", **{f"{stance}_knee_shift": 10 * phase})
        shift = pts[f"{stance}_ankle"][0] - (pts["left_hip"][0] + pts["right_hip"][0]) / 2
        for name in ("left_hip", "right_hip", "left_shoulder", "right_shoulder", f"{free}_knee", f"{free}_ankle"):
            pts[name] = pts[name] + (shift, 0)
        for name in ("left_hip", "right_hip", "left_shoulder", "right_shoulder"):
            pts[name] = pts[name] + (0, 80 * phase)
        pts[f"{free}_ankle"] = pts[f"{free}_ankle"] + (20 * phase, -120 - 40 * phase)
        pts[f"{free}_knee"] = pts[f"{free}_knee"] + (0, -30)
        frames.append(pts)
    return series_from_points(frames)


@pytest.mark.parametrize("stance", ("left", "right"))
def test_stance_leg_of_a_single_leg_squat(stance):
    series = single_leg_series(stance)
    reps = find_reps(series, "single-leg-squat")
    assert len(reps) == 2
    assert all(r.stance_leg == stance for r in reps)
    assert stance_by_balance(series, 0, series.n_frames - 1) == stance
    assert stance_by_motion(series, 0, series.n_frames - 1) == stance


@pytest.mark.parametrize("view", ("side", "front", "back", "front in place"))
@pytest.mark.parametrize("fps", (30.0, 60.0, 120.0, 240.0))
def test_foot_contacts_match_the_truth(view, fps):
    series, truth = running_series(view.split()[0], fps, in_place="in place" in view)
    view = view.split()[0]
    steps = find_steps(series, view)
    for leg in ("left", "right"):
        found = np.array([s.contact_s for s in steps if s.leg == leg])
        inside = truth[leg][(truth[leg] > 0.3) & (truth[leg] < 3.7)]
        assert len(found) >= len(inside)
        errors_frames = [np.min(np.abs(found - c)) * fps for c in inside]
        # 2 frames, a little more at 240 fps; side-on a contact is the first frame the foot is within
        # FLOOR_TOLERANCE_LEG of the floor, which a foot landing at ~1.2 m/s reaches ~10 ms early
        allowed = 2.0 + fps / 120.0 if view != "side" else max(2.0, 0.025 * fps)
        assert max(errors_frames) <= allowed
    for step in steps:
        assert step.contact_s <= step.midstance_s <= step.toe_off_s
        assert 0.1 < step.stance_s < 0.35


@pytest.mark.parametrize("after_toe_off_s", (0.04, 0.08))
def test_a_side_view_clip_that_ends_just_after_a_toe_off_keeps_that_last_step(after_toe_off_s):
    """The foot furthest behind (the reach toe-off) needs frames after it to stand out as a peak;
    a stance that ends in the clip's last few frames is still a whole step, timed from the floor."""
    stride_s, duty = 120.0 / 170.0, 0.35
    last_contact_s = 4 * stride_s
    series, _ = running_series("side", 60.0, seconds=last_contact_s + duty * stride_s + after_toe_off_s)
    left = [s for s in find_steps(series, "side") if s.leg == "left"]
    assert left[-1].contact_s == pytest.approx(last_contact_s, abs=2.5 / 60)
    assert left[-1].stance_s == pytest.approx(duty * stride_s, abs=3.5 / 60)


def test_a_stance_the_clip_cuts_off_is_not_a_step():
    stride_s, duty = 120.0 / 170.0, 0.35
    series, _ = running_series("side", 60.0, seconds=4 * stride_s + 0.6 * duty * stride_s)
    left = [s for s in find_steps(series, "side") if s.leg == "left"]
    assert left[-1].contact_s < 3.5 * stride_s


@pytest.mark.parametrize("cadence", (150.0, 170.0, 190.0))
def test_cadence(cadence):
    series, _ = running_series("back", 60.0, cadence_spm=cadence, seconds=6.0)
    assert cadence_spm(find_steps(series, "back")) == pytest.approx(cadence, rel=0.03)


def test_cadence_survives_a_missed_step_and_needs_enough_steps():
    series, _ = running_series("back", 60.0, cadence_spm=180.0, seconds=6.0)
    steps = find_steps(series, "back")
    assert cadence_spm(steps[:3] + steps[4:]) == pytest.approx(180.0, rel=0.03)
    assert cadence_spm(steps[:2]) is None


@pytest.mark.parametrize(
    ("apparent", "factor"),
    ((45.0, 4.0), (85.0, 2.0), (22.0, 8.0), (11.0, 16.0), (119.0, 2.0), (120.0, None), (170.0, None), (None, None)),
)
def test_slow_motion_factor_from_a_cadence_below_anyones_running(apparent, factor):
    assert slow_motion_estimate(apparent) == factor


def test_no_steps_without_feet():
    series, _ = running_series("back", 60.0)
    image = series.image_px.copy()
    for side in ("left", "right"):
        for joint in ("ankle", "heel", "foot_index"):
            image[:, INDEX[f"{side}_{joint}"]] = np.nan
    assert find_steps(series.replace(image_px=image), "back") == []


def test_cadence_falls_back_on_the_feet_frequency_when_contacts_are_confused():
    """Contacts given to the wrong leg (a runner partly hidden) make the strides nonsense; the feet
    still swap places at the runner's cadence. Clean contacts keep their own, finer answer."""
    series, _ = running_series("side", 60.0, cadence_spm=170.0)
    steps = find_steps(series, "side")
    assert running_cadence_spm(series, steps) == cadence_spm(steps)
    confused = [
        dataclasses.replace(s, leg="right" if s.leg == "left" else "left") if k % 3 == 1 else s
        for k, s in enumerate(steps)
    ]
    assert cadence_spm(confused) != pytest.approx(170.0, rel=0.1)
    assert running_cadence_spm(series, confused) == pytest.approx(170.0, rel=0.03)
