"""The per-process landmarker cache (`pose.LandmarkerCache`): the numbers of a clip analysed after
another one in the same worker are those of a fresh run, and the model is not loaded again for it."""

from __future__ import annotations

import numpy as np
import pytest

from gaitcheck.context import RunContext
from gaitcheck.landmarks import PoseSeries
from gaitcheck.pose import MAX_PEOPLE, LandmarkerCache, PoseLandmarker, estimate_pose, landmarker_key
from gaitcheck.settings import Settings
from gaitcheck.video import iter_frames, probe_video
from tests.batch.helpers import SAMPLES

FRAMES = 30


def pose_of(name: str, settings: Settings, context: RunContext | None = None) -> PoseSeries:
    """The raw landmarks of a sample's first FRAMES frames (inside `context` when one is given)."""
    info = probe_video(SAMPLES / name)
    frames = (f for f in iter_frames(info, settings.max_inference_side_px) if f.index < FRAMES)
    if context is None:
        return estimate_pose(frames, info, settings)
    with context.active():
        return estimate_pose(frames, info, settings)


def assert_same(a: PoseSeries, b: PoseSeries) -> None:
    for field in ("time_s", "image_px", "image_z_px", "world_m", "visibility", "presence", "detected"):
        assert np.array_equal(getattr(a, field), getattr(b, field), equal_nan=True), field


@pytest.mark.video
@pytest.mark.slow
@pytest.mark.parametrize("flip_average", [False, True])
def test_second_clip_through_the_cache_equals_a_fresh_run(flip_average):
    settings = Settings().replace(flip_average=flip_average)
    fresh = pose_of("single_leg_squat_left_front.mp4", settings)
    cache = LandmarkerCache()
    try:
        context = RunContext(landmarkers=cache)
        pose_of("squat_front.mp4", settings, context)  # clip A: the landmarkers' first clip
        second = pose_of("single_leg_squat_left_front.mp4", settings, RunContext(landmarkers=cache))
    finally:
        cache.close()
    assert_same(fresh, second)
    # B built nothing on its way: the IMAGE-mode counter was A's, the VIDEO ones spares built after A
    videos = 2 if flip_average else 1
    assert cache.reused == videos + 1
    assert cache.created == (videos + 1) + videos + videos  # A's own, the spares after A, after B


@pytest.mark.video
def test_image_mode_landmarker_is_stateless():
    """What makes reusing an IMAGE-mode landmarker safe: a picture's answer does not depend on the
    pictures before it."""
    settings = Settings()
    info = probe_video(SAMPLES / "squat_front.mp4")
    other = probe_video(SAMPLES / "step_down_front.mp4")
    frames = [f.rgb for f in iter_frames(info, settings.max_inference_side_px) if f.index < 3]
    before = next(f.rgb for f in iter_frames(other, settings.max_inference_side_px))
    with PoseLandmarker(settings.model_path, settings, MAX_PEOPLE, video=False) as fresh:
        expected = [fresh.detect(rgb) for rgb in frames]
    with PoseLandmarker(settings.model_path, settings, MAX_PEOPLE, video=False) as used:
        used.detect(before)
        got = [used.detect(rgb) for rgb in frames]
    for want, have in zip(expected, got, strict=True):
        assert len(want) == len(have) > 0
        for a, b in zip(want, have, strict=True):
            assert np.array_equal(a.image, b.image) and np.array_equal(a.world, b.world)


def test_no_cache_unless_asked():
    """Plain runs (the CLI, the Python API) build their own landmarkers, as before."""
    assert RunContext().landmarkers is None


def test_key_separates_what_changes_the_model(tmp_path):
    settings = Settings()
    key = landmarker_key(settings.model_path, settings, 1, True)
    assert key == landmarker_key(settings.model_path, Settings(), 1, True)
    assert key != landmarker_key(settings.model_path, settings, 1, False)
    assert key != landmarker_key(settings.model_path, settings, MAX_PEOPLE, True)
    assert key != landmarker_key(settings.model_path, settings.replace(min_tracking_confidence=0.6), 1, True)
    copy = tmp_path / "pose.task"
    copy.write_bytes(settings.model_path.read_bytes())
    assert key != landmarker_key(copy, settings, 1, True)
    stamp = landmarker_key(copy, settings, 1, True)
    copy.write_bytes(settings.model_path.read_bytes() + b"\0")  # the same file, rewritten
    assert stamp != landmarker_key(copy, settings, 1, True)


def video_landmarks(landmarker: PoseLandmarker, frames: list, offset_ms: int = 0) -> np.ndarray:
    """Each frame's first pose (image and world columns; NaN where none), at the clip's times + offset_ms."""
    out = np.full((len(frames), 33, 8), np.nan)
    for i, frame in enumerate(frames):
        found = landmarker.detect(frame.rgb, (round(frame.time_s * 1000) + offset_ms) / 1000)
        if found:
            out[i] = np.concatenate([found[0].image, found[0].world], axis=1)
    return out


@pytest.mark.video
def test_a_used_video_mode_landmarker_is_not_a_fresh_one():
    """Why VIDEO-mode landmarkers are never reused: after another clip, a timestamp gap and a blank
    frame, a clip's landmarks still differ from a fresh landmarker's on it. If MediaPipe ever resets
    on this, this test fails and reuse (with a gap and a blank frame) could be reconsidered."""
    settings = Settings()
    clips = [probe_video(SAMPLES / name) for name in ("squat_front.mp4", "single_leg_squat_left_front.mp4")]
    a, b = ([f for f in iter_frames(i, settings.max_inference_side_px) if f.index < 20] for i in clips)
    start_ms = 60_000  # both runs see clip B at the same times: only the history differs
    with PoseLandmarker(settings.model_path, settings) as fresh:
        expected = video_landmarks(fresh, b, start_ms)
    with PoseLandmarker(settings.model_path, settings) as used:
        video_landmarks(used, a)
        assert used.detect(np.zeros_like(b[0].rgb), (start_ms - 1000) / 1000) == []
        got = video_landmarks(used, b, start_ms)
    assert not np.isnan(expected).any() and not np.isnan(got).any()
    assert not np.array_equal(expected, got)
