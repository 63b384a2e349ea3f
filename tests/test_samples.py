"""End to end on the committed sample clips, whose ground truth is known exactly: real MediaPipe
inference, then view, movement, repetitions, stance legs, foot contacts and verdicts compared with
what the truth itself earns under gaitcheck's rules (gaitcheck.synth.reference)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gaitcheck
from gaitcheck.assess import squat_depth
from gaitcheck.landmarks import INDEX
from gaitcheck.summary import build, primary_cadence_spm
from gaitcheck.synth.reference import load_reference

pytestmark = [pytest.mark.video, pytest.mark.slow]  # real MediaPipe inference on samples/

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
CLIPS = sorted(p.name for p in SAMPLES.glob("*.mp4"))


@pytest.fixture(scope="module")
def run():
    cache: dict = {}

    def analysed(name: str):
        if name not in cache:
            cache[name] = (gaitcheck.analyze(SAMPLES / name), load_reference(SAMPLES / name))
        return cache[name]

    return analysed


def test_the_samples_are_there_and_small():
    assert len(CLIPS) >= 6
    assert sum(p.stat().st_size for p in SAMPLES.iterdir()) < 15e6


@pytest.mark.parametrize("name", CLIPS)
def test_view_movement_and_repetitions(run, name):
    analysis, ref = run(name)
    # a runner partly behind a coach is lost for a frame or two, never swapped for the coach (below)
    assert analysis.landmarks.raw.detection_rate >= (0.95 if "bystander" in ref.meta else 1.0)
    assert analysis.view.value == ref.view
    assert analysis.movement.value == ref.movement
    if ref.movement != "run":
        assert len(analysis.reps) == len(ref.reps)
        for found, true in zip(analysis.reps, ref.reps, strict=True):
            assert abs(found.bottom_frame - true.bottom_frame) <= 3
            assert found.stance_leg == true.stance_leg


def test_running_contacts_within_two_frames_at_60_fps(run):
    analysis, ref = run("running_back_60fps.mp4")
    assert analysis.video.fps == pytest.approx(60.0)
    for leg in ("left", "right"):
        found = np.array([s.contact_frame for s in analysis.steps if s.leg == leg])
        for step in (s for s in ref.steps if s.leg == leg):
            assert np.min(np.abs(found - step.contact_frame)) <= 2, (leg, step.contact_frame)
    true_cadence = ref.meta["spec"]["movement"]["cadence_spm"]
    assert primary_cadence_spm(analysis) == pytest.approx(true_cadence, rel=0.03)


UNDER_READ = {  # known measurement errors (docs/accuracy.md), kept visible as strict expected failures
    "running_back_60fps.mp4": "MediaPipe under-reads large running FPPA from behind (slope ~0.8 at midstance): "
    "the right leg's true 24 deg reads ~17 deg, borderline within the 3.5 deg margin of 15 deg",
    "squat_front.mp4": "MediaPipe under-reads the knee's medial shift in a deep squat: the true 0.16 shank "
    "lengths reads ~0.11, borderline within the 0.06 margin of 0.12",
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=UNDER_READ[c])) if c in UNDER_READ else c
        for c in CLIPS
        if "side" not in c
    ],
)
def test_every_working_leg_gets_the_verdict_its_truth_earns(run, name):
    """The samples' valgus is set well clear of the band edges plus their margins, so measurement
    error (docs/accuracy.md) must not change a verdict."""
    analysis, ref = run(name)
    truth = ref.verdicts()
    assert truth, "a sample without a working leg"
    legs = build(analysis)["legs"]
    for side, expected in truth.items():
        assert legs[side]["verdict"] == expected.verdict, (side, legs[side]["reasons"])


def test_a_slowed_down_copy_withholds_cadence_until_its_capture_rate_is_given(run, tmp_path):
    """The 60 fps running sample stored as a 4x slowed-down file (the same frames at 15 fps, no
    metadata): gaitcheck says so and shows no cadence; told the capture rate, it measures it again."""
    from gaitcheck.video import iter_frames, probe_video
    from tests.helpers import write_clip

    original, _ = run("running_back_60fps.mp4")
    info = probe_video(SAMPLES / "running_back_60fps.mp4")
    slowed = write_clip(tmp_path / "slowed.mp4", (f.rgb for f in iter_frames(info)), fps=info.fps / 4)
    a = gaitcheck.analyze(slowed)
    issue = next(i for i in a.issues if i.code == "slow-motion-suspected")
    assert "about 4x" in issue.text
    assert build(a)["cadence_spm"] is None and all(s["stance_s"] is None for s in build(a)["steps"])
    told = gaitcheck.analyze(slowed, capture_fps=info.fps)
    assert told.video.slow_motion_factor == pytest.approx(4.0)
    assert "slow-motion-suspected" not in [i.code for i in told.issues]
    assert build(told)["cadence_spm"] == pytest.approx(primary_cadence_spm(original), rel=0.03)


def test_the_runner_is_followed_not_the_larger_coach_in_front(run):
    """A coach stands nearer the camera than the treadmill runner, larger in the picture and partly
    in front: every frame's landmarks are the runner's (nearer the runner's box centre than the
    coach's, from the render's own boxes), and the running is measured."""
    analysis, ref = run("running_side_with_coach_60fps.mp4")
    raw = analysis.landmarks.raw
    subject = raw.notes["subject"]
    assert subject["people"] == 2 and "in place" in subject["reason"]
    boxes = {who: np.array(ref.meta["people"][f"{who}_box_px"], dtype=float) for who in ("subject", "bystander")}
    trunk = raw.image_px[:, [INDEX[n] for n in ("left_hip", "right_hip", "left_shoulder", "right_shoulder")]]
    centre = trunk.mean(axis=1)[raw.detected]
    box_centre = {who: (b[raw.detected, :2] + b[raw.detected, 2:]) / 2 for who, b in boxes.items()}
    distance = {who: np.linalg.norm(centre - c, axis=1) for who, c in box_centre.items()}
    assert (distance["subject"] < distance["bystander"]).all()
    assert analysis.movement.value == "run" and analysis.view.value == "side"
    true_cadence = ref.meta["spec"]["movement"]["cadence_spm"]
    assert primary_cadence_spm(analysis) == pytest.approx(true_cadence, rel=0.03)


@pytest.mark.parametrize("name", ["squat_side.mp4", "squat_front.mp4"])
def test_squat_depth_is_named_from_side_views_only(run, name):
    analysis, _ = run(name)
    truth = pd.read_csv(SAMPLES / name.replace(".mp4", ".truth.csv"))
    reps = build(analysis)["reps"]
    assert reps
    for rep in reps:
        if analysis.view.value != "side":
            assert rep["depth"] == {"knee_flexion_peak_deg": None, "name": None}
            continue
        rows = truth["frame"].between(rep["start_frame"], rep["end_frame"])
        true_peak = float(truth.loc[rows, ["left_knee_flexion_deg", "right_knee_flexion_deg"]].max().mean())
        assert rep["depth"]["name"] == squat_depth(true_peak)
        assert abs(rep["depth"]["knee_flexion_peak_deg"] - true_peak) < 20  # accuracy.md: reads 15-20 deg low


@pytest.mark.parametrize(
    "name",
    [
        "squat_front.mp4",
        "single_leg_squat_left_front.mp4",
        "single_leg_squat_right_valgus_front.mp4",
        "step_down_front.mp4",
    ],
)
def test_a_loaded_knees_bend_seen_from_the_front_is_read_near_its_truth(run, name):
    """Seen from the front, the stance knee's peak flexion per repetition comes from the thigh's and
    shank's foreshortening: within 12 deg of the truth (docs/accuracy.md: MAE 7 deg). The 3-D
    landmarks alone failed this on three of the four (squat_front.mp4's 85 deg read 22), which left
    the camera allowance too little bend to work with."""
    analysis, _ = run(name)
    truth = pd.read_csv(SAMPLES / name.replace(".mp4", ".truth.csv"))
    assert analysis.reps
    for rep in analysis.reps:
        for side in rep.legs:
            rows = analysis.angles["frame"].between(rep.start_frame, rep.end_frame)
            true_rows = truth["frame"].between(rep.start_frame, rep.end_frame)
            read = float(analysis.angles.loc[rows, f"{side}_knee_flexion_deg"].max())
            true_peak = float(truth.loc[true_rows, f"{side}_knee_flexion_deg"].max())
            assert abs(read - true_peak) < 12, (side, rep.index, read, true_peak)


def _high_rate_copy(name: str, path: Path, repeat: int, seconds: float | None = None) -> Path:
    """`name` with every frame written `repeat` times at `repeat` x its rate (a 240 fps phone clip's
    cost and timing, without its extra motion detail)."""
    from gaitcheck.video import iter_frames, probe_video
    from tests.helpers import write_clip

    info = probe_video(SAMPLES / name)
    frames = (f.rgb for f in iter_frames(info) if seconds is None or f.time_s < seconds)
    return write_clip(path, (rgb for rgb in frames for _ in range(repeat)), fps=info.fps * repeat)


def test_a_240_fps_squat_is_posed_at_60_fps_with_the_same_answer_and_every_frame_annotated(run, tmp_path):
    """Squat-like tasks need no 240 poses a second (their filter cuts at 6 Hz): every 4th frame is
    posed, the answer is the 30 fps clip's, and the annotated video keeps all 1,872 frames."""
    from gaitcheck.report.overlay import render_video

    original, _ = run("squat_front.mp4")
    fast = gaitcheck.analyze(_high_rate_copy("squat_front.mp4", tmp_path / "squat_240.mp4", 8))
    assert fast.video.fps == pytest.approx(240.0) and fast.video.n_frames == 8 * original.video.n_frames
    assert fast.landmarks.raw.notes["pose_every_nth_frame"] == 4
    assert fast.landmarks.raw.n_frames == 2 * original.landmarks.raw.n_frames
    assert len(fast.reps) == len(original.reps)
    for side in ("left", "right"):
        assert fast.legs[side].verdict == original.legs[side].verdict
    fppa = [a.frame_stats["left_fppa_deg"]["p95"] for a in (original, fast)]
    assert fppa[1] == pytest.approx(fppa[0], abs=1.5)
    video = tmp_path / "annotated.mp4"
    render_video(fast, video)
    import av

    with av.open(str(video)) as container:
        assert sum(1 for _ in container.decode(video=0)) == fast.video.n_frames


def test_a_240_fps_runner_is_posed_on_every_frame(run, tmp_path):
    """Running needs every frame for its contacts: a first pass at 60 fps finds running, and the
    frames in between are posed too."""
    fast = gaitcheck.analyze(_high_rate_copy("running_back_60fps.mp4", tmp_path / "run_240.mp4", 4, seconds=3.0))
    assert fast.movement.value == "run"
    assert fast.landmarks.raw.notes["pose_every_nth_frame"] == 1
    assert fast.landmarks.raw.n_frames == fast.video.n_frames == 720
    assert np.all(np.diff(fast.landmarks.raw.frame) == 1)
    original, _ = run("running_back_60fps.mp4")
    assert primary_cadence_spm(fast) == pytest.approx(primary_cadence_spm(original), rel=0.03)
