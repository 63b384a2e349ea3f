"""Test helpers: hand-built skeletons with known angles, and small video files made on the fly."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from gaitcheck.landmarks import INDEX, N_LANDMARKS, PoseSeries

SHARED_VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "videos"


# ------------------------------------------------------------------------------------------------
# skeletons
# ------------------------------------------------------------------------------------------------
def frontal_skeleton(
    view: str = "front",
    left_knee_shift: float = 0.0,
    right_knee_shift: float = 0.0,
    pelvis_drop: float = 0.0,
    trunk_shift: float = 0.0,
    centre_x: float = 320.0,
) -> dict[str, np.ndarray]:
    """Key points of a standing person seen from the front or the back, image pixels (y down).

    Shifts are toward the body midline (medial) for the knees, toward the subject's right for the
    trunk; `pelvis_drop` lowers the right hip by that many pixels.
    """
    facing = 1.0 if view == "front" else -1.0  # front: subject's left appears at larger x
    half = 40.0
    lx, rx = centre_x + facing * half, centre_x - facing * half
    points = {
        "left_hip": (lx, 300.0),
        "right_hip": (rx, 300.0 + pelvis_drop),
        "left_knee": (lx - facing * left_knee_shift, 450.0),
        "right_knee": (rx + facing * right_knee_shift, 450.0),
        "left_ankle": (lx, 600.0),
        "right_ankle": (rx, 600.0),
        "left_shoulder": (centre_x + facing * 55 - facing * trunk_shift, 100.0),
        "right_shoulder": (centre_x - facing * 55 - facing * trunk_shift, 100.0),
    }
    return {k: np.array(v, dtype=float) for k, v in points.items()}


def series_from_points(
    frames: Sequence[dict[str, np.ndarray]], fps: float = 30.0, width: int = 640, height: int = 720
) -> PoseSeries:
    """A PoseSeries whose named landmarks follow the given per-frame points (others copied from hips)."""
    t = len(frames)
    image = np.full((t, N_LANDMARKS, 2), np.nan)
    for i, pts in enumerate(frames):
        mid_hip = (pts["left_hip"] + pts["right_hip"]) / 2
        image[i, :] = mid_hip
        for name, xy in pts.items():
            image[i, INDEX[name]] = xy
        for side in ("left", "right"):
            ankle = pts[f"{side}_ankle"]
            image[i, INDEX[f"{side}_heel"]] = ankle + (0, 15)
            image[i, INDEX[f"{side}_foot_index"]] = ankle + (0, 25)
            if f"{side}_shoulder" in pts:
                image[i, INDEX[f"{side}_elbow"]] = pts[f"{side}_shoulder"] + (0, 100)
                image[i, INDEX[f"{side}_wrist"]] = pts[f"{side}_shoulder"] + (0, 190)
        image[i, INDEX["nose"]] = (pts["left_shoulder"] + pts["right_shoulder"]) / 2 + (0, -60)
    world = np.concatenate([(image - image[:, [INDEX["left_hip"]]]) / 500.0, np.zeros((t, N_LANDMARKS, 1))], axis=-1)
    return exact_series(image, world, fps, width, height)


def exact_series(image: np.ndarray, world: np.ndarray, fps: float, width: int, height: int) -> PoseSeries:
    """A PoseSeries of exactly known landmarks: (T, 33, 2) pixels and (T, 33, 3) metres, every
    landmark seen in every frame, no cuts."""
    t = len(image)
    return PoseSeries(
        time_s=np.arange(t) / fps,
        frame=np.arange(t),
        image_px=image,
        image_z_px=np.zeros((t, N_LANDMARKS)),
        world_m=world,
        visibility=np.ones((t, N_LANDMARKS)),
        presence=np.ones((t, N_LANDMARKS)),
        detected=np.ones(t, dtype=bool),
        picture_change=np.zeros(t),
        width_px=width,
        height_px=height,
    )


def squatting_series(n_frames: int = 150, fps: float = 30.0, view: str = "front", reps: float = 3.0) -> PoseSeries:
    """A bilateral squat: knees dive in and out while the pelvis goes down and up."""
    frames = []
    for i in range(n_frames):
        phase = 0.5 - 0.5 * np.cos(2 * np.pi * reps * i / n_frames)
        pts = frontal_skeleton(view, left_knee_shift=15 * phase, right_knee_shift=10 * phase)
        for name in ("left_hip", "right_hip", "left_shoulder", "right_shoulder"):
            pts[name] = pts[name] + (0, 120 * phase)
        for name in ("left_knee", "right_knee"):
            pts[name] = pts[name] + (0, 40 * phase)
        frames.append(pts)
    return series_from_points(frames, fps=fps)


def running_side_series(n: int = 240, fps: float = 60.0) -> PoseSeries:
    """Side-view legs that cross each other every step (the case continuity must not 'repair')."""
    base = squatting_series(n, fps, reps=0.0001)
    image = base.image_px.copy()
    t = np.arange(n) / fps
    for side, phase in (("left", 0.0), ("right", np.pi)):
        swing = np.sin(2 * np.pi * 1.4 * t + phase)
        image[:, INDEX[f"{side}_hip"]] = np.stack([320 + 2 * swing, np.full(n, 300.0)], axis=1)
        image[:, INDEX[f"{side}_knee"]] = np.stack([320 + 60 * swing, 450 - 20 * np.clip(swing, 0, None)], axis=1)
        for joint, dy in (("ankle", 0), ("heel", 15), ("foot_index", 25)):
            image[:, INDEX[f"{side}_{joint}"]] = np.stack(
                [320 + 120 * swing, 600 + dy - 60 * np.clip(-np.cos(2 * np.pi * 1.4 * t + phase), 0, None)],
                axis=1,
            )
    return base.replace(image_px=image)


def running_series(
    view: str = "side",
    fps: float = 60.0,
    cadence_spm: float = 170.0,
    seconds: float = 4.0,
    duty: float = 0.35,
    in_place: bool = False,
) -> tuple[PoseSeries, dict[str, np.ndarray]]:
    """Treadmill running with known foot contacts: each foot is planted for `duty` of its stride,
    sliding backward under the pelvis, then swings forward through the air. From the front or the
    back, the camera looks slightly down, so the foot's distance shows as height in the picture.
    World landmarks (metres, z away from the camera) carry the same fore-aft travel; `in_place`
    runs on the spot (no fore-aft travel at all).

    Returns the series and, per leg, the true contact times (the foot's most forward point).
    """
    n = int(seconds * fps)
    t = np.arange(n) / fps
    stride_hz = cadence_spm / 120.0
    base = squatting_series(n, fps, reps=0.0001)
    image = base.image_px.copy()
    world = np.full_like(base.world_m, np.nan)
    towards_camera = {"front": 1.0, "back": -1.0}.get(view, 0.0)
    contacts = {}
    for side, offset in (("left", 0.0), ("right", 0.5)):
        u = (stride_hz * t + offset) % 1.0  # 0 at contact
        in_stance = u < duty
        reach = np.where(in_stance, 1 - 2 * u / duty, -1 + 2 * (u - duty) / (1 - duty))  # +1 front, -1 back
        reach = 0.0 * reach if in_place else reach
        lift = np.where(in_stance, 0.0, np.sin(np.pi * (u - duty) / (1 - duty)))
        hip_x = 0.1 if side == "left" else -0.1
        world[:, INDEX[f"{side}_hip"]] = (hip_x, 0.0, 0.0)
        for joint, depth in (("ankle", 0.0), ("heel", 0.05)):
            world[:, INDEX[f"{side}_{joint}"]] = np.stack(
                [np.full(n, hip_x), 0.85 - 0.1 * lift, depth - 0.3 * reach * towards_camera], axis=1
            )
        first = (np.arange(int(stride_hz * seconds) + 2) - offset) / stride_hz
        contacts[side] = first[(first > 0) & (first < t[-1])]
        ankle_y = 600 - 60 * lift
        if view != "side":  # the camera looks down at the floor: a nearer foot is lower in the picture
            ankle_y = ankle_y + 25 * reach * (1 if view == "front" else -1)
        if view == "side":
            x = 320 + 110 * reach
            image[:, INDEX[f"{side}_knee"]] = np.stack([320 + 55 * reach + 30 * lift, 450 - 30 * lift], axis=1)
            parts = {"ankle": (x, ankle_y), "heel": (x - 12, ankle_y + 15), "foot_index": (x + 28, ankle_y + 20)}
        else:
            x = np.full(n, 320 + (40 if side == "left" else -40) * (1 if view == "front" else -1))
            image[:, INDEX[f"{side}_knee"]] = np.stack([x, 450 - 40 * lift], axis=1)
            parts = {"ankle": (x, ankle_y), "heel": (x, ankle_y + 15), "foot_index": (x, ankle_y + 25)}
        for joint, (px, py) in parts.items():
            image[:, INDEX[f"{side}_{joint}"]] = np.stack([px, py], axis=1)
    return base.replace(image_px=image, world_m=world), contacts


# ------------------------------------------------------------------------------------------------
# clips
# ------------------------------------------------------------------------------------------------
def marker_frame(width: int, height: int, index: int = 0) -> np.ndarray:
    """A picture that shows which way is up: a red block in the top-left corner, a green one
    bottom-right, and a moving bar so consecutive frames differ."""
    rgb = np.full((height, width, 3), 90, dtype=np.uint8)
    rgb[: height // 4, : width // 4] = (230, 30, 30)
    rgb[-height // 4 :, -width // 4 :] = (30, 200, 30)
    x = (index * 7) % max(1, width - 8)
    rgb[height // 2 - 4 : height // 2 + 4, x : x + 8] = 255
    return rgb


def write_clip(
    path: Path,
    frames: Iterable[np.ndarray],
    fps: float = 30.0,
    codec: str = "libx264",
    rotation: int = 0,
    times_s: Sequence[float] | None = None,
    metadata: dict[str, str] | None = None,
    faststart: bool = False,
) -> Path:
    """Encode RGB frames as stored pixels; `rotation` tags the stream (FFmpeg display rotation,
    counter-clockwise). `times_s` sets each frame's timestamp (variable frame rate)."""
    import av

    frames = list(frames)
    height, width = frames[0].shape[:2]
    rate = Fraction(fps).limit_denominator(1001)
    flags = [f for f, on in (("use_metadata_tags", bool(metadata)), ("faststart", faststart)) if on]
    options = {"movflags": "+".join(flags)} if flags and path.suffix in (".mp4", ".mov") else {}
    with av.open(str(path), mode="w", options=options) as container:
        if metadata:
            container.metadata.update(metadata)
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        if codec in ("libx264", "libx265"):
            stream.options = {"preset": "ultrafast"}
        if times_s is not None:
            stream.codec_context.time_base = Fraction(1, 90000)
        if rotation:
            stream.set_display_rotation(rotation)
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            if times_s is not None:
                frame.pts = int(round(times_s[i] * 90000))
                frame.time_base = Fraction(1, 90000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def shared_clip(name: str) -> Path:
    """Path of a shared public clip; the test is skipped when the folder or clip is absent."""
    path = SHARED_VIDEOS / name
    if not path.is_file():
        pytest.skip(f"{path} not available (../shared/videos is not shipped with the repository)")
    return path


def read_shared_frames(name: str, limit: int | None = None, step: int = 1) -> tuple[list[np.ndarray], float]:
    """Decoded upright frames of a shared clip, and its frame rate (the test skips without the clip)."""
    from gaitcheck.video import iter_frames, probe_video

    info = probe_video(shared_clip(name))
    frames = []
    for frame in iter_frames(info):
        if limit is not None and len(frames) >= limit:
            break
        if frame.index % step == 0:
            frames.append(frame.rgb)
    return frames, info.fps / step


def empty_room_frames(n: int = 45, width: int = 480, height: int = 640) -> list[np.ndarray]:
    """A scene with furniture-like blocks, a floor and sensor noise, but nobody in it."""
    rng = np.random.default_rng(7)
    base = np.zeros((height, width, 3), dtype=np.float32)
    base[:] = np.linspace(170, 120, height)[:, None, None]
    base[int(0.7 * height) :] = (110, 95, 80)
    base[200:380, 40:160] = (60, 90, 140)
    base[120:200, 300:440] = (200, 200, 210)
    frames = []
    for i in range(n):
        noisy = base + rng.normal(0, 4, base.shape)
        noisy[300:330, (i * 5) % (width - 40) : (i * 5) % (width - 40) + 40] = (230, 80, 60)  # a moving ball
        frames.append(np.clip(noisy, 0, 255).astype(np.uint8))
    return frames
