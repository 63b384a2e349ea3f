"""Video input as phones make it: rotation tags, HEVC, variable frame rate, slow motion, and bad files.

These clips are encoded on the fly with PyAV (no pose model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from gaitcheck.errors import InputError, VideoError
from gaitcheck.video import iter_frames, prefetch, probe_video, to_rgb, upright
from tests.helpers import marker_frame, write_clip

W, H = 96, 64  # upright picture: landscape, red block top-left


def is_upright(rgb: np.ndarray) -> bool:
    top_left = rgb[: rgb.shape[0] // 8, : rgb.shape[1] // 8].mean(axis=(0, 1))
    bottom_right = rgb[-rgb.shape[0] // 8 :, -rgb.shape[1] // 8 :].mean(axis=(0, 1))
    return top_left[0] > 150 > top_left[1] and bottom_right[1] > 150 > bottom_right[0]


@pytest.mark.parametrize("rotation", (90, -90, 180))
@pytest.mark.parametrize("codec,suffix", (("libx264", ".mp4"), ("libx265", ".mov")))
def test_rotation_tag_gives_upright_frames(tmp_path, rotation, codec, suffix):
    # Store the pixels turned the other way and tag the stream, as a phone held sideways does.
    stored = [np.rot90(marker_frame(W, H, i), k=-rotation // 90) for i in range(6)]
    path = write_clip(tmp_path / f"phone{suffix}", stored, codec=codec, rotation=rotation)
    info = probe_video(path)
    assert info.rotation_deg == rotation
    assert (info.width_px, info.height_px) == (W, H)
    frames = list(iter_frames(info))
    assert len(frames) == 6
    assert all(f.rgb.shape == (H, W, 3) and is_upright(f.rgb) for f in frames)


def test_upright_rotation_matches_ffmpeg_convention():
    rgb = marker_frame(W, H)
    assert is_upright(upright(rgb, 0))
    assert is_upright(upright(np.rot90(rgb, k=-1), 90))
    assert upright(rgb[:, ::-1], 0).flags["C_CONTIGUOUS"]


@pytest.mark.parametrize(
    "codec,suffix",
    (
        ("libx264", ".mp4"),
        ("libx265", ".mp4"),
        ("libx264", ".mkv"),
        ("mjpeg", ".avi"),
        ("libvpx-vp9", ".webm"),
    ),
)
def test_containers_and_codecs_decode(tmp_path, codec, suffix):
    path = write_clip(tmp_path / f"clip{suffix}", [marker_frame(W, H, i) for i in range(12)], codec=codec)
    info = probe_video(path)
    frames = list(iter_frames(info))
    assert len(frames) == 12
    assert info.fps == pytest.approx(30.0, rel=0.01)
    np.testing.assert_allclose([f.time_s for f in frames], np.arange(12) / 30, atol=1e-3)


@pytest.mark.parametrize("fps", (60.0, 120.0, 240.0))
def test_high_frame_rates_are_read_as_recorded(tmp_path, fps):
    path = write_clip(tmp_path / "fast.mp4", [marker_frame(W, H, i) for i in range(24)], fps=fps)
    info = probe_video(path)
    assert info.fps == pytest.approx(fps, rel=0.01)
    frames = list(iter_frames(info))
    assert frames[-1].time_s == pytest.approx(23 / fps, abs=1e-4)
    assert info.with_timestamps(np.array([f.time_s for f in frames])).fps == pytest.approx(fps, rel=0.01)


def test_variable_frame_rate_timestamps_are_kept(tmp_path):
    rng = np.random.default_rng(3)
    times = np.cumsum(np.r_[0, rng.uniform(0.6, 1.6, 29) / 30])
    path = write_clip(tmp_path / "vfr.mp4", [marker_frame(W, H, i) for i in range(30)], times_s=times)
    info = probe_video(path)
    decoded = np.array([f.time_s for f in iter_frames(info)])
    np.testing.assert_allclose(decoded, times - times[0], atol=2e-5)
    assert info.with_timestamps(decoded).variable_frame_rate


def test_slow_motion_metadata_restores_real_time(tmp_path):
    path = write_clip(
        tmp_path / "slowmo.mp4",
        [marker_frame(W, H, i) for i in range(16)],
        fps=30,
        metadata={"com.android.capture.fps": "240.000000"},
    )
    info = probe_video(path)
    assert info.slow_motion_factor == pytest.approx(8.0)
    assert info.fps == pytest.approx(240.0)
    frames = list(iter_frames(info))
    assert frames[-1].time_s == pytest.approx(15 / 240, abs=1e-5)


def test_capture_fps_given_by_the_user(tmp_path):
    path = write_clip(tmp_path / "slowed.mp4", [marker_frame(W, H, i) for i in range(8)], fps=30)
    assert probe_video(path, capture_fps=120).fps == pytest.approx(120.0)


# ------------------------------------------------------------------------------------------------
def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        probe_video(tmp_path / "nope.mp4")


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(InputError, match="folder"):
        probe_video(tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(VideoError, match="empty"):
        probe_video(tmp_path / "empty.mp4")


def test_text_file(tmp_path):
    (tmp_path / "notes.mp4").write_text("this is not a video\n" * 50)
    with pytest.raises(VideoError, match="not a video"):
        probe_video(tmp_path / "notes.mp4")


def test_image_only_container_without_video_stream(tmp_path):
    import av

    path = tmp_path / "sound.m4a"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono")
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with pytest.raises(VideoError, match="no video stream"):
        probe_video(path)


@pytest.mark.parametrize("index_first", (True, False))
def test_truncated_file(tmp_path, index_first):
    full = write_clip(tmp_path / "full.mp4", [marker_frame(320, 240, i) for i in range(60)], faststart=index_first)
    data = full.read_bytes()
    assert (data.find(b"moov") < data.find(b"mdat")) == index_first
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    # index first: the frames it lists are missing; index last: the index itself is gone
    with pytest.raises(VideoError, match="truncated" if index_first else "no index"):
        probe_video(cut)


def test_prefetch_keeps_order_and_raises_decoder_errors(tmp_path):
    path = write_clip(tmp_path / "clip.mp4", [marker_frame(W, H, i) for i in range(20)])
    info = probe_video(path)
    assert [f.index for f in prefetch(iter_frames(info), depth=2)] == list(range(20))

    def broken():
        yield from iter_frames(info)
        raise VideoError("boom")

    with pytest.raises(VideoError, match="boom"):
        list(prefetch(broken()))


def _yuv_frame(width: int, height: int, pixel_format: str = "yuv420p"):
    """A colour picture as a decoder would hand it over: gradients and one sharp-edged block."""
    import av

    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack(
        [x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), (x + y) * 255 // (width + height)], axis=2
    )
    rgb[height // 3 : height // 2, width // 4 : width // 2] = (250, 30, 30)
    frame = av.VideoFrame.from_ndarray(rgb.astype(np.uint8), format="rgb24")
    return frame.reformat(format=pixel_format)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ((720, 1280), (720, 1280)),  # no scaling: conversion only
        ((1080, 1920), (720, 1280)),  # a 1080p phone clip at pose size
        ((1080, 1920), (362, 642)),  # rows not a multiple of 4: chroma planes straddle rows
        ((2160, 3840), (540, 960)),  # 4x: averaged, not sampled
        ((1080, 1920), (721, 1280)),  # odd width: FFmpeg's converter
    ],
)
def test_to_rgb_matches_ffmpegs_converter(source, target):
    frame = _yuv_frame(*source)
    ours = to_rgb(frame, *target).astype(int)
    ffmpeg = frame.to_ndarray(format="rgb24", width=target[0], height=target[1]).astype(int)
    assert ours.shape == ffmpeg.shape == (target[1], target[0], 3)
    assert np.abs(ours - ffmpeg).mean() < 3.0  # interpolation differs; colours do not
    assert np.percentile(np.abs(ours - ffmpeg), 50) <= 2


def test_to_rgb_full_range_pictures_keep_ffmpegs_colours():
    frame = _yuv_frame(640, 480, "yuvj420p")
    assert np.array_equal(to_rgb(frame, 320, 240), frame.to_ndarray(format="rgb24", width=320, height=240))


@pytest.mark.parametrize(
    ("colorspace", "color_range"),
    [(1, 1), (1, 2), (2, 2), (9, 1)],  # BT.709 (phones' HD clips), full range, BT.2020
)
def test_to_rgb_keeps_ffmpegs_colours_for_tagged_pictures(colorspace, color_range):
    frame = _yuv_frame(1080, 1920)
    frame.colorspace, frame.color_range = colorspace, color_range
    native = frame.to_ndarray(format="rgb24").astype(int)
    assert np.abs(to_rgb(frame, 1080, 1920).astype(int) - native).max() <= 1  # no scaling: FFmpeg's colours
    ours = to_rgb(frame, 720, 1280).astype(int)
    ffmpeg = frame.to_ndarray(format="rgb24", width=720, height=1280).astype(int)
    assert np.abs(ours - ffmpeg).mean() < 3.0


@pytest.mark.parametrize("rotation_deg", [0, 90, 180, 270, -90])
def test_upright_turns_as_numpy_would_and_packs_padded_rows(rotation_deg):
    padded = np.arange(6 * 9 * 3, dtype=np.uint8).reshape(6, 9, 3)[:, :7]  # rows longer than the picture
    turned = upright(padded, rotation_deg)
    assert np.array_equal(turned, np.rot90(padded, k=(rotation_deg // 90) % 4))
    assert turned.flags["C_CONTIGUOUS"]
