"""Video input: facts about a clip and its frames, upright, with their real timestamps.

Phones record portrait clips as landscape pixels plus a rotation tag, at variable frame rate,
in HEVC, sometimes in slow motion. PyAV (FFmpeg) gives us the tag, the codec and each frame's
presentation timestamp, so nothing here assumes a constant frame rate. Frames are streamed one
at a time: memory does not grow with the clip's length.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gaitcheck.errors import InputError, VideoError
from gaitcheck.model import VideoInfo

log = logging.getLogger(__name__)

#: A clip counts as truncated when fewer than this share of the frames its index lists decode.
TRUNCATED_SHARE = 0.98
#: A truncated clip still holding at least this share of its frames is analysed, with a warning;
#: below it, too much of the movement is missing to trust what is left.
USABLE_SHARE = 0.8
#: Frames smaller than this (either side, pixels) cannot show a person the pose model could find.
MIN_SIDE_PX = 32
#: File extensions taken for videos where only a name is known (a folder scanned by gaitcheck batch,
#: a file name typed after a '-'); the content is still checked by decoding.
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm")
#: Frame rates outside this range are header damage, not a camera; timing then falls back to
#: FALLBACK_FPS (phones film at 24-960 fps).
PLAUSIBLE_FPS = (1.0, 1000.0)
FALLBACK_FPS = 30.0
#: Demuxer formats that hold a single picture (FFmpeg's names), and the word for them.
PICTURE_FORMATS = {"image2": "an image", "gif": "a GIF", "apng": "an animated PNG"}
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
    """Refuse what is no file to decode: missing, a folder, a pipe or device (reading one could
    wait forever), empty."""
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a video file")
    if not path.is_file():
        raise InputError(f"{path} is not a regular file (a pipe or a device); save the video to a file first")
    if path.stat().st_size == 0:
        raise VideoError(f"{path} is empty (0 bytes)")


def _mp4_boxes(path: Path, limit: int = 64) -> list[bytes] | None:
    """The top-level box types of an MP4/MOV file (None when it does not start like one)."""
    kinds: list[bytes] = []
    with open(path, "rb") as handle:
        size_total = path.stat().st_size
        at = 0
        while at + 8 <= size_total and len(kinds) < limit:
            handle.seek(at)
            header = handle.read(16)
            size, kind = int.from_bytes(header[:4], "big"), header[4:8]
            if size == 1 and len(header) == 16:
                size = int.from_bytes(header[8:16], "big")
            kinds.append(kind)
            if size < 8:
                break
            at += size
    return kinds if kinds and kinds[0] in (b"ftyp", b"wide", b"mdat", b"free", b"moov") else None


def _open_failure(path: Path, reason: str) -> VideoError:
    """Why FFmpeg could not open the file, in words a user can act on."""
    boxes = _mp4_boxes(path)
    if boxes is not None and b"moov" not in boxes:
        return VideoError(
            f"{path} has no index (moov atom): the recording was cut off before it was finished, or the file "
            "is still being copied; send the complete file"
        )
    return VideoError(f"{path} is not a video gaitcheck can read ({reason})")


def _open(path: Path):
    av = _import_av()
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise _open_failure(path, _reason(exc)) from None
    if not container.streams.video:
        container.close()
        raise VideoError(f"{path} has no video stream (sound only?); choose the video file")
    picture = PICTURE_FORMATS.get(container.format.name) or (
        "an image" if container.format.name.endswith("_pipe") else None
    )
    if picture is not None:
        container.close()
        raise VideoError(f"{path} is {picture}, a still picture, not a video; film the movement as a video clip")
    if container.streams.video[0].codec_context is None:  # FFmpeg knows no decoder for it
        container.close()
        raise VideoError(f"{path} uses a video codec gaitcheck cannot decode; export it as H.264 or HEVC")
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


@dataclass(frozen=True)
class _Header:
    """What the container says about its video stream (and the first frame, decoded)."""

    container: str
    codec: str
    width: int
    height: int
    rotation: int
    stored_fps: float
    duration_s: float
    header_frames: int
    capture_fps: float | None


def _read_header(path: Path, capture_fps: float | None) -> _Header:
    """The stream's header facts, after decoding its first frame (sizes of the upright picture)."""
    container = _open(path)
    try:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        try:
            first = next(container.decode(stream))
        except StopIteration:
            raise VideoError(f"{path} holds no decodable video frames") from None
        except _import_av().error.FFmpegError:
            raise VideoError(f"{path} is damaged or cut short: its first video frame does not decode") from None
        rotation = int(round(first.rotation or 0)) % 360
        rotation = rotation - 360 if rotation > 180 else rotation
        width, height = (first.height, first.width) if abs(rotation) == 90 else (first.width, first.height)
        if stream.duration is not None and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        else:
            duration = container.duration / 1_000_000 if container.duration else 0.0
        return _Header(
            container=container.format.name,
            codec=stream.codec_context.name,
            width=width,
            height=height,
            rotation=rotation,
            stored_fps=float(rate) if rate else 0.0,
            duration_s=duration,
            header_frames=int(stream.frames or 0),
            capture_fps=capture_fps or _capture_fps(container, stream),
        )
    finally:
        container.close()


def _frame_count(path: Path, header_frames: int, max_frames: int) -> tuple[int, tuple[str, ...]]:
    """Frames actually in the file (its packets: a header can promise anything), checked against the
    index and the cap; with the damage a user should be told about."""
    packets = _count_packets(path)
    if packets == 0:
        raise VideoError(f"{path} holds no video frames")
    if max_frames and packets > max_frames:
        raise VideoError(
            f"{path} has {packets} frames, more than gaitcheck analyses at once ({max_frames}, the max_frames "
            "setting); trim the clip to the movement"
        )
    if header_frames and packets < TRUNCATED_SHARE * header_frames - 2:
        if packets < USABLE_SHARE * header_frames:
            raise VideoError(f"{path} is truncated: it holds {packets} of the {header_frames} frames its index lists")
        note = f"the file is truncated: it holds {packets} of the {header_frames} frames its index lists"
        return packets, (note + "; the analysis covers those",)
    return packets, ()


def _duration_s(header_s: float, n_frames: int, fps: float) -> float:
    """The header's duration unless it is missing or absurd for the frames there (a 10-hour header
    over 10 frames): then frames / fps."""
    from_frames = n_frames / fps
    return header_s if 0 < header_s <= 2 * from_frames + 1 else from_frames


def nominal_fps(stored_fps: float) -> float:
    """The header's frame rate when a camera could have filmed at it, else FALLBACK_FPS."""
    low, high = PLAUSIBLE_FPS
    return stored_fps if low <= stored_fps <= high else FALLBACK_FPS


def probe_video(path: str | Path, capture_fps: float | None = None, max_frames: int = 0) -> VideoInfo:
    """Facts about a clip, after checking that its first frame decodes. The frame count is that of
    the video packets in the file (`max_frames`: refuse more; 0: no cap), not what the header says."""
    path = Path(path)
    _check_path(path)
    header = _read_header(path, capture_fps)
    if min(header.width, header.height) < MIN_SIDE_PX:
        raise VideoError(
            f"{path} is {header.width}x{header.height} px: too small to find a person in "
            f"(at least {MIN_SIDE_PX} px a side)"
        )
    n_frames, damage = _frame_count(path, header.header_frames, max_frames)
    stored_fps = nominal_fps(header.stored_fps)
    if stored_fps != header.stored_fps:
        log.warning(
            "the header's frame rate (%.6g fps) is not a camera's; timing from the timestamps", header.stored_fps
        )
    factor = 1.0
    if header.capture_fps and header.capture_fps > stored_fps * 1.2:
        factor = header.capture_fps / stored_fps
        log.info("slow-motion clip: stored at %.1f fps, captured at %.1f fps", stored_fps, header.capture_fps)
    return VideoInfo(
        path=str(path),
        container=header.container,
        codec=header.codec,
        width_px=header.width,
        height_px=header.height,
        rotation_deg=header.rotation,
        fps=stored_fps * factor,
        n_frames=n_frames,
        duration_s=_duration_s(header.duration_s, n_frames, stored_fps) / factor,
        header_frames=header.header_frames,
        slow_motion_factor=factor,
        damage=damage,
    )


def upright(rgb: np.ndarray, rotation_deg: int) -> np.ndarray:
    """Apply a display rotation tag (counter-clockwise degrees, FFmpeg's convention).

    Always returns a C-contiguous array: FFmpeg pads rows to aligned line sizes, and MediaPipe
    reads the buffer as tightly packed rows (a 360-px-wide clip otherwise comes out as noise).
    """
    quarter_turns = int(round(rotation_deg / 90)) % 4
    if quarter_turns:  # by OpenCV, into a packed copy: np.rot90 and a copy took several times as long
        import cv2

        turns = {1: cv2.ROTATE_90_COUNTERCLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_CLOCKWISE}
        return cv2.rotate(rgb, turns[quarter_turns])  # accepts padded rows, writes packed ones
    return np.ascontiguousarray(rgb)


#: Pixel formats whose planes OpenCV scales (8-bit 4:2:0, what phones record); others (10-bit HDR,
#: 4:2:2, 'yuvj420p') are scaled and converted by FFmpeg.
_FAST_FORMATS = ("yuv420p",)
#: Colour matrices OpenCV's YUV->RGB conversion implements (BT.601; FFmpeg's converter also takes an
#: untagged picture as BT.601), by FFmpeg's numbers: unspecified, BT.470BG, SMPTE 170M. Phones tag
#: HD clips BT.709 (1): those are converted by FFmpeg, after OpenCV has scaled them.
_BT601 = (2, 5, 6)
_LIMITED_RANGE = (0, 1)  # unspecified, MPEG; 2 (JPEG) is full range
#: Above this shrink factor, scaling averages whole pixel areas (bilinear would alias).
_AREA_SHRINK = 2.0


def to_rgb(frame, width: int, height: int) -> np.ndarray:
    """A decoded picture as (height, width, 3) RGB, scaled. For the usual phone format the
    planes are scaled by OpenCV in YUV and converted once, at the small size: 1080p frames decode
    to 1280 px 2.5x faster than through FFmpeg's scaler (benchmarks/speed.py, 'decode'), and
    OpenCV releases the interpreter while it works, so decoding overlaps pose inference. The colours are FFmpeg's:
    its converter does the pictures tagged with a matrix or range OpenCV does not have."""
    import cv2

    if frame.format.name not in _FAST_FORMATS or (frame.width | frame.height | width | height) & 1:
        return frame.to_ndarray(format="rgb24", width=width, height=height)
    i420 = _scaled_i420(frame, width, height).reshape(height * 3 // 2, width)
    if frame.colorspace in _BT601 and frame.color_range in _LIMITED_RANGE:
        return cv2.cvtColor(i420, cv2.COLOR_YUV2RGB_I420)
    av = _import_av()
    small = av.VideoFrame.from_ndarray(i420, format="yuv420p")
    small.colorspace, small.color_range = frame.colorspace, frame.color_range
    return small.to_ndarray(format="rgb24")


def _scaled_i420(frame, width: int, height: int) -> np.ndarray:
    """The picture's Y, U and V planes scaled by OpenCV, packed as I420 (flat)."""
    import cv2

    interpolation = cv2.INTER_AREA if frame.width / width > _AREA_SHRINK else cv2.INTER_LINEAR
    i420 = np.empty(width * height * 3 // 2, np.uint8)
    start = 0
    for plane, scale in zip(frame.planes, (1, 2, 2), strict=True):
        size = (width // scale, height // scale)
        target = i420[start : start + size[0] * size[1]].reshape(size[1], size[0])
        start += target.size
        pixels = np.frombuffer(plane, np.uint8, count=plane.line_size * plane.height)
        pixels = pixels.reshape(plane.height, plane.line_size)[:, : plane.width]
        if pixels.shape == target.shape:
            target[:] = pixels
        else:
            cv2.resize(pixels, size, dst=target, interpolation=interpolation)
    return i420


def decode_size(info: VideoInfo, max_side_px: int) -> tuple[int, int]:
    """(width, height) of the upright picture scaled so its longer side is at most max_side_px."""
    longest = max(info.width_px, info.height_px)
    if not max_side_px or longest <= max_side_px:
        return info.width_px, info.height_px
    scale = max_side_px / longest
    return max(2, round(info.width_px * scale)), max(2, round(info.height_px * scale))


class FrameClock:
    """Each frame's time in seconds from 0, from its timestamp. Once timestamps repeat or go
    backwards they cannot be trusted: from that frame on, frames are spaced evenly at the clip's
    usual step (the median of the good steps before, else the nominal frame rate)."""

    def __init__(self, fps: float, slow_motion_factor: float = 1.0) -> None:
        self.step_s = 1.0 / fps
        self.factor = slow_motion_factor
        self.first: float | None = None
        self.times: list[float] = []
        self.retimed = 0

    def time_s(self, stamp: float) -> float:
        if self.first is None:
            self.first = stamp
        time_s = (stamp - self.first) / self.factor
        if self.retimed or (self.times and time_s <= self.times[-1]):
            if not self.retimed and len(self.times) >= 2:
                self.step_s = float(np.median(np.diff(self.times)))
            self.retimed += 1
            time_s = self.times[-1] + self.step_s
        if len(self.times) >= 32:
            self.times = self.times[-2:]  # only the last is needed once the step is known
        self.times.append(time_s)
        return time_s

    def damage(self) -> tuple[str, ...]:
        if not self.retimed:
            return ()
        return (
            f"the file's timestamps repeat or go backwards: {self.retimed} frames were spaced evenly "
            f"({1 / self.step_s:.0f} fps), so times and speeds are approximate",
        )


def _frame_shortfall(path: Path, decoded: int, expected: int) -> tuple[str, ...]:
    """Refuse a clip of which too little decodes; the warning when some frames were lost."""
    if decoded == 0:
        raise VideoError(f"{path} holds no decodable video frames")
    if expected and decoded < USABLE_SHARE * expected:
        raise VideoError(f"{path} is truncated or damaged: only {decoded} of its {expected} frames decode")
    if expected and decoded < TRUNCATED_SHARE * expected - 2:
        return (f"the video is damaged: {decoded} of its {expected} frames decode; the analysis covers those",)
    return ()


def iter_frames(
    info: VideoInfo,
    max_side_px: int = 0,
    damage: list[str] | None = None,
    keep: Callable[[int], bool] | None = None,
    times: list[float] | None = None,
) -> Iterator[Frame]:
    """Decode frames one by one, upright, with real timestamps starting at 0 s.

    With `keep`, only the frames whose index it accepts are converted and yielded (the others
    must still be decoded, but cost no conversion); `times` receives every decoded frame's time.

    With `max_side_px`, FFmpeg scales each picture down while converting it (cheaper than
    converting at full size): only the smaller picture is ever held.

    A file whose frames stop well short of its packets (a truncated upload, damaged data) raises
    VideoError once that is known, as does one that yields nothing: a partial clip would lose
    repetitions. What was damaged but still usable (a few frames lost, timestamps re-spaced) is
    appended to `damage`, in words for the user.
    """
    av = _import_av()
    path = Path(info.path)
    container = _open(path)
    clock = FrameClock(info.fps, info.slow_motion_factor)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        time_base = stream.time_base
        width, height = decode_size(info, max_side_px)
        if abs(info.rotation_deg) == 90:
            width, height = height, width  # FFmpeg scales the stored (sideways) picture
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
            time_s = clock.time_s(stamp)
            if times is not None:
                times.append(time_s)
            if keep is None or keep(index):
                rgb = upright(to_rgb(frame, width, height), info.rotation_deg)
                yield Frame(index=index, time_s=time_s, rgb=rgb)
            index += 1
        notes = _frame_shortfall(path, index, info.n_frames) + clock.damage()
        if damage is not None:
            damage.extend(notes)
    finally:
        container.close()


def prefetch(frames: Iterator[Frame], depth: int = 4, waiting: Callable[[], None] | None = None) -> Iterator[Frame]:
    """Decode ahead in a background thread (FFmpeg releases the GIL) while pose inference runs.

    At most `depth` frames wait in the queue, so memory stays bounded; an error in decoding
    is raised in the consumer, where it belongs. While the consumer waits for a frame, `waiting`
    is called every 0.1 s (a run's cancel and timeout check): a decoder stuck on a file that
    stalls cannot hang the run. A decoder thread that does not stop within a second is left
    behind (it is a daemon).
    """
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
            try:
                item = slots.get(timeout=0.1)
            except queue.Empty:
                if waiting is not None:
                    waiting()
                continue
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        _drain(slots, worker, frames)


def _drain(slots: queue.Queue, worker: threading.Thread, frames: Iterator[Frame], wait_s: float = 1.0) -> None:
    """Let a stopped decoder thread finish (emptying the queue it may block on), then close its frames."""
    give_up = time.monotonic() + wait_s
    while worker.is_alive() and time.monotonic() < give_up:
        try:
            slots.get_nowait()
        except queue.Empty:
            worker.join(timeout=0.05)
    if worker.is_alive():
        log.warning("the video decoder did not stop; leaving it behind")
    elif hasattr(frames, "close"):
        frames.close()
