"""View and movement detection, and splitting a clip into segments."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from gaitcheck.detect import (
    HIDDEN_MARGIN_S,
    detect_movement,
    detect_view,
    find_cuts,
    judge_rep_clearly,
    majority_movement,
    seen_clearly,
    split_segments,
    yaw_deg,
)
from gaitcheck.events import pelvis_depth_torso
from gaitcheck.landmarks import INDEX, PoseSeries
from gaitcheck.model import Rep
from tests.helpers import frontal_skeleton, running_series, series_from_points, squatting_series

LEG_PX = 300.0  # frontal_skeleton: hips at y = 300, ankles at y = 600
WORLD_PX_PER_M = 500.0  # series_from_points: world metres = picture px / 500


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


def test_from_behind_the_turn_is_read_from_the_shoulders():
    """From behind, MediaPipe's hip line over-reads a turned camera (by 9-19 deg on renders) while
    the shoulder line does not: a hip line turned further than the shoulders must not move the turn."""
    series = turned(squatting_series(60), np.full(60, 160.0))
    world = series.world_m.copy()
    for name, sign in (("left_hip", 1.0), ("right_hip", -1.0)):
        world[:, INDEX[name], 2] += sign * 0.05  # the hip line turned about 25 deg further
    detected = detect_view(series.replace(world_m=world))
    assert detected.details["turn_deg"] == pytest.approx(-20.0, abs=1.0)
    assert detected.value == "back"


def test_facing_the_camera_both_lines_count():
    series = turned(squatting_series(60), np.full(60, 20.0))
    world = series.world_m.copy()
    for name, sign in (("left_hip", 1.0), ("right_hip", -1.0)):
        world[:, INDEX[name], 2] += sign * 0.05
    turn = detect_view(series.replace(world_m=world)).details["turn_deg"]
    assert abs(turn) > 22.0  # the hips count: their extra turn shows


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


def scaled_torso(series, rows, factor: float):
    """`series` with the shoulders moved toward the hips in `rows` (the torso `factor` as long)."""
    image = series.image_px.copy()
    for side in ("left", "right"):
        hip, shoulder = INDEX[f"{side}_hip"], INDEX[f"{side}_shoulder"]
        image[rows, shoulder] = image[rows, hip] + factor * (image[rows, shoulder] - image[rows, hip])
    return series.replace(image_px=image)


def test_a_torso_read_at_half_its_length_for_a_frame_or_two_is_not_a_cut():
    """A rendered squat seen from behind: the bottom's torso flickered between whole and half, and
    each flicker cut the clip, losing both repetitions."""
    series = scaled_torso(squatting_series(240, fps=30.0, reps=4), [100, 101, 130], 0.5)
    assert list(find_cuts(series)) == []
    assert split_segments(series) == [(0, 240)]


def test_a_trunk_leaning_at_the_bottom_while_its_fit_flickers_is_not_a_cut():
    """Seen from behind, the torso looks shorter as the trunk leans forward at a squat's bottom, and
    its fit flickers between whole and half there: the median after the first flicker is far from
    the one before, but most frames are not (bystander render 24, cut at its first bottom)."""
    leaning = scaled_torso(squatting_series(240, fps=30.0, reps=4), slice(150, 170), 0.85)
    flickering = scaled_torso(leaning, slice(150, 162, 2), 0.7)  # every other frame shorter again
    assert list(find_cuts(flickering)) == []


def test_a_lasting_change_of_scale_is_a_cut():
    series = scaled_torso(squatting_series(240, fps=30.0, reps=4), slice(150, None), 0.5)
    assert list(find_cuts(series)) == [150]


def test_frames_without_a_person_are_left_out():
    series = squatting_series(240, fps=30.0, reps=4)
    image = series.image_px.copy()
    world = series.world_m.copy()
    image[200:] = np.nan
    world[200:] = np.nan
    assert split_segments(series.replace(image_px=image, world_m=world)) == [(0, 200)]


def hidden(series: PoseSeries, rows: slice) -> PoseSeries:
    """The same series with nobody found in `rows` (someone passing in front, say)."""
    image, world = series.image_px.copy(), series.world_m.copy()
    image[rows], world[rows] = np.nan, np.nan
    return series.replace(image_px=image, world_m=world)


def test_a_person_hidden_briefly_stays_in_one_segment():
    series = hidden(squatting_series(240, fps=30.0, reps=4), slice(100, 118))  # 0.6 s
    assert split_segments(series) == [(0, 240)]


def test_a_person_hidden_briefly_who_comes_back_turned_starts_a_new_segment():
    series = squatting_series(300, fps=30.0, reps=5)
    yaw = np.where(np.arange(300) < 150, 0.0, 90.0)
    assert split_segments(hidden(turned(series, yaw), slice(135, 150))) == [(0, 135), (150, 300)]


def test_a_person_gone_for_longer_splits_the_clip():
    series = hidden(squatting_series(240, fps=30.0, reps=4), slice(100, 145))  # 1.5 s
    assert split_segments(series) == [(0, 100), (145, 240)]


def test_a_repetition_with_a_moment_hidden_is_read_where_the_person_was_seen_clearly():
    """Both feet planted, two repetitions; in the second the person is hidden just after the bottom
    and the half-hidden fits either side of the gap put the right ankle well inside: read there,
    that repetition would vote single-leg (and win the tie); read where the person was seen
    clearly, it is a squat like the first."""

    def feet(phase):
        return {"left": (360.0, 600.0), "right": (240.0, 600.0)}

    series = legs_series(feet, reps=2, n=240)  # 30 fps, bottoms at rows 60 and 180
    image = series.image_px.copy()
    image[170:211, INDEX["right_ankle"], 0] += 0.5 * LEG_PX  # the fits within 0.4 s of the gap
    series = series.replace(image_px=image)
    assert detect_movement(series, "front").value == "single-leg-squat"  # were it seen so
    found = detect_movement(hidden(series, slice(182, 199)), "front")
    assert found.value == "squat"
    assert found.details["rep_votes"] == {"squat": 2}


def test_feet_are_not_read_where_someone_else_covers_the_person():
    """Bystander render 4: a walker crossed in front during the squat's one repetition; the subject
    choice marks those frames covered, where the two bodies' landmarks mix and a planted foot reads
    as moved. Covered frames count as a moment out of sight: the feet are read only where the
    person was seen clearly, here nowhere deep enough, so the repetition casts no vote."""

    def feet(phase):
        return {"left": (360.0, 600.0), "right": (240.0, 600.0)}

    series = legs_series(feet, reps=1, n=120)  # 30 fps, bottom at row 60
    image = series.image_px.copy()
    image[40:81, INDEX["right_ankle"], 0] += 0.5 * LEG_PX
    series = series.replace(image_px=image)
    assert detect_movement(series, "front").value == "single-leg-squat"  # were it read there
    covered = series.replace(notes={"subject": {"covered_frames": [int(f) for f in series.frame[40:81]]}})
    clear, margin = seen_clearly(covered), int(HIDDEN_MARGIN_S * 30)  # frames
    assert not clear[40 - margin + 1 : 81 + margin - 1].any()
    assert clear[: 40 - margin - 1].all() and clear[81 + margin + 1 :].all()
    found = detect_movement(covered, "front")
    assert "rep_votes" not in found.details and found.details["reason"] == "no repetition seen clearly"


def test_a_single_leg_repetition_with_a_moment_hidden_still_votes_single_leg():
    series = legs_series(single_leg_feet, reps=2, n=240)
    found = detect_movement(hidden(series, slice(182, 199)), "front")
    assert found.value == "single-leg-squat"
    assert found.details["rep_votes"] == {"single-leg-squat": 2}


def test_a_repetition_seen_clearly_only_near_standing_does_not_vote():
    """Hidden from halfway down to halfway up (rows 150-210): the deepest frame seen clearly, 0.4 s
    from the gap, is a fifth of the way down, too shallow for the feet to tell anything."""
    series = hidden(legs_series(single_leg_feet, reps=2, n=240), slice(150, 211))
    t = series.time_s
    depth = pelvis_depth_torso(series)[[120, 149]]
    rep = Rep(1, 120, 149, 239, float(t[120]), float(t[149]), float(t[239]), "left", float(depth[1] - depth[0]))
    assert judge_rep_clearly(series, rep, "front", seen_clearly(series)) is None


# ------------------------------------------------------------------------------------------------
# movement from what the feet do
# ------------------------------------------------------------------------------------------------
def legs_series(feet, drop_px: float = 120.0, reps: int = 3, n: int = 180, depth_m=None) -> PoseSeries:
    """A person going down and up `reps` times (the pelvis drops drop_px at each bottom) whose
    ankles are where `feet(phase)` puts them ({side: (x, y) px}, phase 0 standing, 1 at the
    bottom); each knee halfway between hip and ankle. `depth_m(phase)` ({side: z}) sets the
    ankles' MediaPipe world depth (m, negative toward the camera)."""
    frames, phases = [], []
    for i in range(n):
        phase = 0.5 - 0.5 * np.cos(2 * np.pi * reps * i / n)
        pts = frontal_skeleton("front")
        for name in ("left_hip", "right_hip", "left_shoulder", "right_shoulder"):
            pts[name] = pts[name] + (0, drop_px * phase)
        for side, xy in feet(phase).items():
            pts[f"{side}_ankle"] = np.asarray(xy, dtype=float)
        for side in ("left", "right"):
            pts[f"{side}_knee"] = (pts[f"{side}_hip"] + pts[f"{side}_ankle"]) / 2 + (0, 0)
        frames.append(pts)
        phases.append(phase)
    series = series_from_points(frames)
    if depth_m is not None:
        world = series.world_m.copy()
        for i, phase in enumerate(phases):
            for side, z in depth_m(phase).items():
                world[i, INDEX[f"{side}_ankle"], 2] = z
        series = series.replace(world_m=world)
    return series


def single_leg_feet(phase: float) -> dict:
    """Standing on the left foot; the right one held up and carried out to the side by the body."""
    return {"left": (360.0, 600.0), "right": (250.0 + 0.5 * LEG_PX * phase, 560.0 + 0.1 * LEG_PX * phase)}


def floor_oblique_bilateral(phase: float) -> dict:
    """Both feet planted, seen obliquely from near the floor: the far (right) foot looks a little
    higher than the near one all along, and its landmark drifts up and across at the bottom, where
    the near knee hides it."""
    drift = 0.05 * LEG_PX * phase
    return {"left": (360.0, 600.0), "right": (300.0 + drift, 600.0 - 0.12 * LEG_PX - drift)}


def test_a_bilateral_squat_filmed_obliquely_from_the_floor_is_a_squat():
    series = legs_series(floor_oblique_bilateral, depth_m=lambda phase: {"left": 0.0, "right": 0.35})
    detected = detect_movement(series, "oblique")
    assert detected.value == "squat"
    assert detected.details["rep_votes"] == {"squat": 3}
    assert detected.details["feet"] == {"planted": 3}


def test_the_same_squat_filmed_from_the_front_is_a_squat():
    """Feet level and still: the front view's own check (one foot raised) must not fire either."""
    series = legs_series(lambda phase: {"left": (360.0, 600.0), "right": (280.0, 602.0)})
    assert detect_movement(series, "front").value == "squat"


def test_a_single_leg_squat_with_the_free_foot_held_low_is_single_leg():
    """The free foot hovers just off the floor and is swung forward as the body goes down: in the
    picture it hardly moves and ends about level with the standing foot; MediaPipe's depth sees it
    come toward the camera."""

    def feet(phase):
        return {"left": (360.0, 600.0), "right": (300.0, 590.0 + 0.03 * LEG_PX * phase)}

    series = legs_series(feet, depth_m=lambda phase: {"left": 0.0, "right": -0.25 * phase})
    detected = detect_movement(series, "front")
    assert detected.value == "single-leg-squat"
    assert detected.details["feet"] == {"moved": 3}


def test_a_single_leg_squat_with_the_free_foot_held_still_and_up_is_single_leg():
    """Front view: the free foot neither moves in the picture nor in depth, but is held higher
    than roll and perspective could make a planted foot look."""
    series = legs_series(lambda phase: {"left": (360.0, 600.0), "right": (250.0, 600.0 - 0.2 * LEG_PX)})
    detected = detect_movement(series, "front")
    assert detected.value == "single-leg-squat"
    assert detected.details["feet"] == {"raised": 3}


def test_a_single_leg_squat_whose_free_foot_hides_behind_the_standing_leg_is_single_leg():
    series = legs_series(lambda phase: {"left": (360.0, 600.0), "right": (330.0, 560.0)}, drop_px=90.0)
    image = series.image_px.copy()
    hidden = np.flatnonzero(series.time_s % 2.0 > 0.5)  # all but the standing moments
    image[hidden, INDEX["right_ankle"]] = np.nan
    assert detect_movement(series.replace(image_px=image), "front").value == "single-leg-squat"


@pytest.mark.parametrize("view", ("front", "oblique"))
def test_a_step_down_is_a_step_down(view):
    """Standing on a box 0.2 leg lengths high, the free foot is lowered on a straight leg until
    its heel taps the floor beside the box."""
    drop = 0.2 * LEG_PX

    def feet(phase):
        return {"left": (360.0, 600.0), "right": (270.0, 600.0 + drop * phase)}

    detected = detect_movement(legs_series(feet, drop_px=drop), view)
    assert detected.value == "step-down"
    assert detected.details["feet"] == {"moved": 3}


def test_a_tie_between_feet_planted_and_a_foot_off_the_floor_goes_to_the_foot():
    """Bystander render 5: a single-leg squat filmed from 0.3 m, the free foot hovering; one of its
    two repetitions showed the foot off the floor, the other nothing."""
    assert majority_movement(Counter(["squat", "single-leg-squat"])) == ("single-leg-squat", 1)
    assert majority_movement(Counter(["single-leg-squat", "squat", "squat"])) == ("squat", 2)
    assert majority_movement(Counter(["squat", "lunge", "lunge", "squat"])) == ("lunge", 2)
    assert majority_movement(Counter(["step-down", "single-leg-squat"])) == ("step-down", 1)


def test_a_pistol_free_leg_pointing_at_the_camera_is_not_a_step_down():
    """The free foot looks lower than the standing one (it is nearer the camera) but its leg looks
    short: it points at the camera."""

    def feet(phase):
        return {"left": (360.0, 600.0), "right": (280.0, 450.0 + 0.6 * LEG_PX * phase)}

    assert detect_movement(legs_series(feet, drop_px=0.5 * LEG_PX), "front").value == "single-leg-squat"


def test_repetitions_sampled_fast_or_slow_give_the_same_answer():
    for n in (90, 360):
        series = legs_series(floor_oblique_bilateral, n=n)
        assert detect_movement(series, "oblique").value == "squat"


# ------------------------------------------------------------------------------------------------
# segments of an oblique view
# ------------------------------------------------------------------------------------------------
def test_swaying_across_the_front_side_boundary_does_not_split_the_clip():
    """Filmed from about 45 deg, the yaw crosses 45 deg with every repetition."""
    series = squatting_series(300, fps=30.0, reps=5)
    yaw = 45.0 + 6.0 * np.sin(2 * np.pi * 5 * np.arange(300) / 300)
    assert split_segments(turned(series, yaw)) == [(0, 300)]


def test_short_views_at_the_start_join_the_lasting_view():
    """The model takes the person for facing away for 1.5 s, then for facing the camera for 1 s,
    then away again for good: one segment, nothing dropped."""
    series = squatting_series(300, fps=30.0, reps=5)
    yaw = np.full(300, 170.0)
    yaw[45:75] = 20.0
    assert split_segments(turned(series, yaw)) == [(0, 300)]


def test_a_quick_step_down_whose_feet_alternate_like_strides_is_not_running():
    """Issue 11 (a held-out render's miss): one foot going down and up at a stride's frequency looks
    like alternating feet, but a runner's pelvis stays up; a step-down's goes down with the foot."""
    drop = 0.5 * LEG_PX

    def feet(phase):
        return {"left": (360.0, 600.0), "right": (270.0, 600.0 + drop * phase)}

    series = legs_series(feet, drop_px=drop, reps=8, n=180)  # 1.3 Hz at 30 fps: a stride band frequency
    detected = detect_movement(series, "back")
    assert detected.details["pelvis_range_torso"] > 0.4
    assert detected.value == "step-down"
