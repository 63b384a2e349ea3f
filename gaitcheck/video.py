"""Video input: facts about a clip and its frames, upright, with their real timestamps.

Phones record portrait clips as landscape pixels plus a rotation tag, at variable frame rate,
in HEVC, sometimes in slow motion. PyAV (FFmpeg) gives us the tag, the codec and each frame's
presentation timestamp, so nothing here assumes a constant frame rate. Frames are streamed one
at a time: memory does not grow with the clip's length.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gaitcheck.errors import InputError, VideoError
from gaitcheck.model import VideoInfo

log = logging.getLogger(__name__)

#: A clip counts as truncated when fewer than this share of the frames its index lists decode.
TRUNCATED_SHARE = 0.98
#: Metadata keys phones use to record the true capture rate of a slowed-down clip.
CAPTURE_FPS_KEYS = ("com.android.capture.fps", "capture_fps", "com.apple.quicktime.capture.fps")


@dataclass(frozen=True)
class Frame:
    """One decoded picture: upright RGB pixels and when it was taken."""

    index: int
    time_s: float
    rgb: np.ndarray  # (height, width, 3) uint8, upright


def _import_av():
    import av  # imported lazily: `gaitcheck --help` should not pay for FFmpeg

    return av


def _check_path(path: Path) -> None:
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a video file")
    if path.stat().st_size == 0:
        raise VideoError(f"{path} is empty (0 bytes)")


def _open(path: Path):
    av = _import_av()
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise VideoError(f"{path} is not a video gaitcheck can read ({_reason(exc)})") from None
    if not container.streams.video:
        container.close()
        raise VideoError(f"{path} has no video stream")
    return container


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[-1].strip() or type(exc).__name__


def _capture_fps(container, stream) -> float | None:
    """The capture rate a phone recorded for a slowed-down clip, if it says (keys vary in case)."""
    for meta in (stream.metadata, container.metadata):
        lowered = {key.lower(): value for key, value in meta.items()}
        for key in CAPTURE_FPS_KEYS:
            if key in lowered:
                try:
                    return float(lowered[key])
                except ValueError:
                    log.warning("ignoring unreadable %s=%r", key, lowered[key])
    return None


def _count_packets(path: Path) -> int:
    """Video packets actually present in the file (demuxing only: fast, no decoding)."""
    av = _import_av()
    container = _open(path)
    count = 0
    try:
        for packet in container.demux(container.streams.video[0]):
            count += bool(packet.size)
    except av.error.FFmpegError:
        pass  # damaged data: what was read so far is what the file holds
    finally:
        container.close()
    return count


def probe_video(path: str | Path, capture_fps: float | None = None) -> VideoInfo:
    """Header facts about a clip, after checking that its first frame decodes."""
    path = Path(path)
    _check_path(path)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        codec = stream.codec_context.name
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        stored_fps = float(rate) if rate else 0.0
        try:
            first = next(container.decode(stream))
        except StopIteration:
            raise VideoError(f"{path} holds no decodable video frames") from None
        except _import_av().error.FFmpegError as exc:
            raise VideoError(f"{path}: the first video frame does not decode ({_reason(exc)})") from None
        rotation = int(round(first.rotation or 0)) % 360
        rotation = rotation - 360 if rotation > 180 else rotation
        coded_w, coded_h = first.width, first.height
        width, height = (coded_h, coded_w) if abs(rotation) == 90 else (coded_w, coded_h)
        if stream.duration is not None and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        elif container.duration:
            duration = container.duration / 1_000_000
        else:
            duration = 0.0
        header_frames = int(stream.frames or 0)
        n_frames = header_frames or int(round(duration * stored_fps))
        capture = capture_fps or _capture_fps(container, stream)
        container_name = container.format.name
    finally:
        container.close()
    if stored_fps <= 0:
        raise VideoError(f"{path}: the video stream has no frame rate")
    if header_frames:
        packets = _count_packets(path)
        if packets < TRUNCATED_SHARE * header_frames - 2:
            raise VideoError(f"{path} is truncated: it holds {packets} of the {header_frames} frames its index lists")
    factor = 1.0
    if capture and capture > stored_fps * 1.2:
        factor = capture / stored_fps
        log.info("slow-motion clip: stored at %.1f fps, captured at %.1f fps", stored_fps, capture)
    return VideoInfo(
        path=str(path),
        container=container_name,
        codec=codec,
        width_px=width,
        height_px=height,
        rotation_deg=rotation,
        fps=stored_fps * factor,
        n_frames=n_frames,
        duration_s=duration / factor,
        header_frames=header_frames,
        slow_motion_factor=factor,
    )


def upright(rgb: np.ndarray, rotation_deg: int) -> np.ndarray:
    """Apply a display rotation tag (counter-clockwise degrees, FFmpeg's convention).

    Always returns a C-contiguous array: FFmpeg pads rows to aligned line sizes, and MediaPipe
    reads the buffer as tightly packed rows (a 360-px-wide clip otherwise comes out as noise).
    """
    quarter_turns = int(round(rotation_deg / 90)) % 4
    if quarter_turns:
        rgb = np.rot90(rgb, k=quarter_turns)
    return np.ascontiguousarray(rgb)


def decode_size(info: VideoInfo, max_side_px: int) -> tuple[int, int]:
    """(width, height) of the upright picture scaled so its longer side is at most max_side_px."""
    longest = max(info.width_px, info.height_px)
    if not max_side_px or longest <= max_side_px:
        return info.width_px, info.height_px
    scale = max_side_px / longest
    return max(2, round(info.width_px * scale)), max(2, round(info.height_px * scale))


def iter_frames(info: VideoInfo, max_side_px: int = 0) -> Iterator[Frame]:
    """Decode frames one by one, upright, with real timestamps starting at 0 s.

    With `max_side_px`, FFmpeg scales each picture down while converting it (cheaper than
    converting at full size); the Frame then holds the smaller picture.

    A file whose frames stop well short of what its index promises (a truncated upload) raises
    VideoError once that is known, as does one that yields nothing: a partial clip would silently
    lose repetitions.
    """
    av = _import_av()
    path = Path(info.path)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        time_base = stream.time_base
        width, height = decode_size(info, max_side_px)
        if abs(info.rotation_deg) == 90:
            width, height = height, width  # FFmpeg scales the stored (sideways) picture
        first_time: float | None = None
        last_time = -np.inf
        index = 0
        decoder = container.decode(stream)
        while True:
            try:
                frame = next(decoder)
            except StopIteration:
                break
            except av.error.FFmpegError as exc:
                if index == 0:
                    raise VideoError(f"{path}: video frames do not decode ({_reason(exc)})") from None
                log.warning("video stream breaks off after %d frames (%s)", index, _reason(exc))
                break
            if frame.pts is not None and time_base is not None:
                stamp = float(frame.pts * time_base)
            else:
                stamp = index / (info.fps * info.slow_motion_factor)
            if first_time is None:
                first_time = stamp
            time_s = (stamp - first_time) / info.slow_motion_factor
            if time_s <= last_time:
                # Duplicate or out-of-order timestamps: keep order, nudge forward by a microsecond.
                time_s = last_time + 1e-6
            last_time = time_s
            rgb = upright(frame.to_ndarray(format="rgb24", width=width, height=height), info.rotation_deg)
            yield Frame(index=index, time_s=time_s, rgb=rgb)
            index += 1
        if index == 0:
            raise VideoError(f"{path} holds no decodable video frames")
        if info.header_frames and index < TRUNCATED_SHARE * info.header_frames - 2:
            raise VideoError(f"{path} is truncated or damaged: only {index} of its {info.header_frames} frames decode")
    finally:
        container.close()


def prefetch(frames: Iterator[Frame], depth: int = 4) -> Iterator[Frame]:
    """Decode ahead in a background thread (FFmpeg releases the GIL) while pose inference runs.

    At most `depth` frames wait in the queue, so memory stays bounded; an error in decoding
    is raised in the consumer, where it belongs.
    """
    import queue
    import threading

    done = object()
    slots: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for frame in frames:
                while not stop.is_set():
                    try:
                        slots.put(frame, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(done)
        except BaseException as exc:  # handed to the consumer
            slots.put(exc)

    worker = threading.Thread(target=produce, name="gaitcheck-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                slots.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)
        if hasattr(frames, "close"):
            frames.close()
