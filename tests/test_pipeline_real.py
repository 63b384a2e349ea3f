"""Real MediaPipe inference on real public clips (../shared/videos; skipped when absent).

Phone behaviour is tested on copies we make of them: a portrait clip stored sideways with a
rotation tag, re-encoded as HEVC; and a horizontally mirrored clip.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import gaitcheck
from gaitcheck.kinematics import HIP_ROTATION_TASKS
from gaitcheck.summary import build, primary_cadence_spm
from tests.helpers import read_shared_frames, shared_clip, write_clip

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
    assert a.angles["left_pelvic_drop_deg"].notna().mean() >= 0.95
    # FPPA too, but where the thigh pointed at the camera (a deep squat's bottoms: not given by design)
    missing_fppa = int(a.angles["left_fppa_deg"].isna().sum())
    thigh_at_camera = a.landmarks.clean.notes["plausibility"]["thigh_at_camera_leg_frames"]
    assert missing_fppa <= thigh_at_camera + 0.05 * len(a.angles)


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
            if measure == "hip_internal_rotation_deg" and original.movement.value not in HIP_ROTATION_TASKS:
                assert diff.isna().all()  # not reported in this task, in either copy
                continue
            assert np.nanmedian(diff) < 2.0, f"{side} {measure}: {np.nanmedian(diff):.2f}"
    lean = np.abs(mirrored.angles["trunk_lean_deg"] + original.angles["trunk_lean_deg"])
    assert np.nanmedian(lean) < 2.0


# ------------------------------------------------------------------------------------------------
# Repetitions, cadence and verdicts on the shared clips. The counts were made by a person watching
# each clip frame by frame (contact sheets at 0.25-0.5 s steps, running at 0.03-0.07 s steps).
# ------------------------------------------------------------------------------------------------
HAND_COUNTED_REPS = {
    # clip: (complete repetitions counted by hand, what was seen)
    "squat_front_bodyweight_hands_on_hips_lab.mp4": (5, "bottoms ~1.0, 2.7, 4.3, 6.0, 7.7 s"),
    "squat_front_air_squats_home_workout_overlay.mp4": (12, "one every ~2.3 s; at 28.5 s he goes down to push-ups"),
    "squat_side_then_front_bodyweight_crossfit.mp4": (3, "2 side-on (held bottoms), cross-fade at ~17.4 s, 1 front"),
    "squat_side_bodyweight_home_low_camera.mp4": (3, "bottoms ~2.6, 5.6, 8.4 s; walks off at 10 s"),
    "squat_side_barbell_back_squat_gym.mp4": (2, "bottoms ~10.5 and 17.2 s"),
    "single_leg_squat_front_man_barefoot_indoor.mp4": (1, "starts at a bottom, ends on the way down: 1 complete"),
    "single_leg_squat_front_man_outdoor_shallow.mp4": (1, "down 1-2 s, hold, up by 4.2 s"),
    "single_leg_squat_front_good_and_bad_reps.mp4": (1, "starts holding a bottom (partial); 1 complete at 4.5-7.6 s"),
    "single_leg_squat_pistol_front_gym.mp4": (10, "5 on the left leg, then 5 on the right"),
    "lateral_step_down_front_oblique_pt_demo.mp4": (11, "one every 2.0 s from 1.4 to 21.4 s"),
    "lunge_front_oblique_outdoor_woman.mp4": (5, "alternating reverse lunges, bottoms ~1.2, 5.7, 10.2, 14.7, 19.1 s"),
}
HAND_COUNTED_CADENCE = {
    # clip: (steps per minute by hand, how)
    "running_treadmill_side_phone_60fps.mp4": (170.0, "same foot pose recurs 4 and 8 strides later: 0.706 s/stride"),
    "jogging_in_place_front_indoor.mp4": (186.0, "right-foot lifts at 0.71 ... 5.21 s: 7 strides in 4.5 s"),
    "running_treadmill_oblique_side_tiktok.mp4": (166.0, "same pose 14.3 s later after ~20 strides (0.72 s/stride)"),
}
# Not in the table: the overground clips are slowed-down stock footage with too few strides in
# view (2.8 s toward the camera; a 3.5 s crossing; a 16 s replay of ~1.5 strides): gaitcheck
# reports little or no cadence for them and warns that the clip looks slowed down.


@pytest.mark.parametrize("name", sorted(HAND_COUNTED_REPS))
def test_repetition_counts_match_a_hand_count(analysed, name):
    expected, _ = HAND_COUNTED_REPS[name]
    assert len(analysed(name).reps) == expected


def test_pistol_squats_are_counted_on_the_right_legs(analysed):
    legs = [r.stance_leg for r in analysed("single_leg_squat_pistol_front_gym.mp4").reps]
    assert legs == ["left"] * 5 + ["right"] * 5


@pytest.mark.parametrize("name", sorted(HAND_COUNTED_CADENCE))
def test_running_cadence_within_5_percent_of_a_hand_count(analysed, name):
    expected, _ = HAND_COUNTED_CADENCE[name]
    a = analysed(name)
    assert a.movement.value == "run"
    assert primary_cadence_spm(a) == pytest.approx(expected, rel=0.05)
    assert a.slow_motion_suspected is None


def test_slowed_down_stock_footage_gets_no_real_time_cadence(analysed):
    """A runner crossing a street in stock footage at an apparent 73 steps/min: nobody runs that
    slowly, so the clip is said to look slowed down and its cadence is withheld."""
    a = analysed("running_overground_side_static_camera.mp4")
    assert a.slow_motion_suspected is not None and a.slow_motion_suspected.factor >= 2
    assert "slow-motion-suspected" in {i.code for i in a.issues}
    assert build(a)["cadence_spm"] is None


FRONT_VIEW_CLIPS = (
    "squat_front_bodyweight_hands_on_hips_lab.mp4",
    "squat_front_air_squats_home_workout_overlay.mp4",
    "single_leg_squat_front_man_barefoot_indoor.mp4",
    "single_leg_squat_front_man_outdoor_shallow.mp4",
    "single_leg_squat_front_good_and_bad_reps.mp4",
    "single_leg_squat_pistol_front_gym.mp4",
    "lateral_step_down_front_oblique_pt_demo.mp4",
    "lunge_front_oblique_outdoor_woman.mp4",
    "jogging_in_place_front_indoor.mp4",
)


@pytest.mark.parametrize("name", FRONT_VIEW_CLIPS)
def test_every_front_view_clip_gets_a_verdict_per_working_leg(analysed, name):
    a = analysed(name)
    working = {leg for r in a.reps for leg in (("left", "right") if r.stance_leg == "both" else (r.stance_leg,))}
    working |= {s.leg for s in a.steps}
    for side, leg in a.legs.items():
        assert leg.verdict in ("aligned", "borderline", "valgus", "insufficient-data")
        assert leg.reasons, side
        if leg.verdict == "insufficient-data":
            # the reason says why: not a working leg, or a view that cannot show it
            assert side not in working or "off square" in leg.reasons[0] or "view" in leg.reasons[0]
        else:
            assert side in working
            assert leg.confidence in ("high", "medium", "low")


def test_the_demonstrated_bad_single_leg_squat_is_flagged(analysed):
    a = analysed("single_leg_squat_front_good_and_bad_reps.mp4")
    assert a.legs["right"].verdict == "valgus"
    assert a.legs["right"].confidence == "low"  # one repetition only


def test_mirrored_clip_gets_the_same_verdicts_with_legs_swapped(tmp_path):
    name = "single_leg_squat_front_good_and_bad_reps.mp4"
    frames, fps = read_shared_frames(name)
    original = gaitcheck.analyze(write_clip(tmp_path / "original.mp4", frames, fps=fps))
    mirrored = gaitcheck.analyze(write_clip(tmp_path / "mirrored.mp4", [f[:, ::-1] for f in frames], fps=fps))
    assert len(mirrored.reps) == len(original.reps)
    for side, other in (("left", "right"), ("right", "left")):
        assert mirrored.legs[other].verdict == original.legs[side].verdict
        assert mirrored.legs[other].hip_contributes == original.legs[side].hip_contributes


def test_a_slow_motion_replay_of_a_stride_or_two_is_noticed(analysed):
    """A 16 s broadcast replay holding about one and a half strides: too few contacts for a
    cadence, but the feet swap places far too slowly for anyone running in real time."""
    a = analysed("running_overground_side_tracking_broadcast.mp4")
    assert a.slow_motion_suspected is not None and a.slow_motion_suspected.factor >= 8
    assert build(a)["cadence_spm"] is None


SIDE_VIEW_CLIPS = (
    "running_treadmill_side_phone_60fps.mp4",
    "running_overground_side_static_camera.mp4",
    "running_treadmill_oblique_side_tiktok.mp4",
    "squat_side_bodyweight_home_low_camera.mp4",
    "squat_side_barbell_back_squat_gym.mp4",
)


@pytest.mark.parametrize("name", SIDE_VIEW_CLIPS)
def test_side_view_knee_flexion_never_jumps_faster_than_a_knee(analysed, name):
    """No change between consecutive frames above 40 deg at 30 fps (1200 deg/s): near and far legs
    swapping as they cross must not reach the curves."""
    a = analysed(name)
    time_s = a.angles["time_s"].to_numpy()
    for side in ("left", "right"):
        knee = a.angles[f"{side}_knee_flexion_deg"].to_numpy()
        speed = np.abs(np.diff(knee)) / np.diff(time_s)
        assert not (speed[np.isfinite(speed)] > 1200.0).any(), side


@pytest.mark.parametrize("name", sorted(HAND_COUNTED_CADENCE))
def test_no_stance_longer_than_a_stance_can_be(analysed, name):
    steps = analysed(name).step_results
    assert steps and max(p.step.stance_s for p in steps) <= 0.6


def test_far_knee_of_a_side_view_squat_is_not_shown_when_mostly_hidden(analysed):
    """Home squat filmed side-on from the floor: the far knee is hidden in most frames and the few
    values read are noise; both knees bend alike in a squat, so the far one is not measured."""
    a = analysed("squat_side_bodyweight_home_low_camera.mp4")
    assert a.angles["left_knee_flexion_deg"].isna().all()
    assert a.angles["right_knee_flexion_deg"].max() > 120
    assert a.landmarks.clean.notes["plausibility"]["far_knee_not_measured"] == "left"


def slowed_copy(source, path, factor: int):
    """The same frames stored with a frame rate `factor` times lower, as a phone's slow-motion
    export without slow-motion metadata."""
    from gaitcheck.video import iter_frames, probe_video

    info = probe_video(source)
    frames = (frame.rgb for frame in iter_frames(info, 960))
    first = next(frames)
    return write_clip(path, itertools.chain([first], frames), fps=info.fps / factor)


@pytest.mark.slow
def test_a_clip_slowed_4x_gets_the_warning_and_with_capture_fps_the_real_cadence(analysed, tmp_path):
    name = "running_treadmill_side_phone_60fps.mp4"
    original = primary_cadence_spm(analysed(name))
    slowed = gaitcheck.analyze(slowed_copy(shared_clip(name), tmp_path / "slowed.mp4", 4))
    assert slowed.video.fps == pytest.approx(15.0)
    assert slowed.slow_motion_suspected is not None and slowed.slow_motion_suspected.factor == 4.0
    assert build(slowed)["cadence_spm"] is None
    told = gaitcheck.analyze(tmp_path / "slowed.mp4", capture_fps=60.0)
    assert told.slow_motion_suspected is None
    assert build(told)["cadence_spm"] == pytest.approx(original, rel=0.03)


@pytest.mark.slow
def test_mirrored_side_view_running_gives_the_same_steps_with_legs_swapped(tmp_path):
    """The treadmill runner filmed from the other side (the picture mirrored): each leg's contacts
    are the other leg's, frame for frame, and each leg's knee flexion the other's."""
    from gaitcheck.video import iter_frames, probe_video

    info = probe_video(shared_clip("running_treadmill_side_phone_60fps.mp4"))
    frames = [frame.rgb for frame in iter_frames(info, 960) if frame.index < 240]
    original = gaitcheck.analyze(write_clip(tmp_path / "original.mp4", frames, fps=info.fps))
    mirrored = gaitcheck.analyze(write_clip(tmp_path / "mirrored.mp4", [f[:, ::-1] for f in frames], fps=info.fps))
    assert original.view.value == mirrored.view.value == "side"
    for side, other in (("left", "right"), ("right", "left")):
        ours = [p.step.contact_frame for p in original.step_results if p.step.leg == side]
        theirs = [p.step.contact_frame for p in mirrored.step_results if p.step.leg == other]
        assert len(ours) >= 4 and len(ours) == len(theirs), side
        assert np.abs(np.subtract(ours, theirs)).max() <= 1, side
        diff = np.abs(original.angles[f"{side}_knee_flexion_deg"] - mirrored.angles[f"{other}_knee_flexion_deg"])
        assert np.nanmedian(diff) < 2.0, side
