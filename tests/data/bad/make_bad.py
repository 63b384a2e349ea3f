"""The corpus of hostile and broken inputs (issue 15), generated on the fly: nothing large is committed.

Each `Case` names one file (or folder, link, pipe) and the outcome every front-end must give:

- `refused`: a non-zero exit and one sentence containing `says` (the file is not usable);
- `no-person`: a non-zero exit and the "no person" sentence (a real video with nobody to analyse);
- `ok`: exit 0, a result folder (the analysis still means something; `says` then names the warning
  the output carries, when there is one);
- `either`: a result or a refusal, both bounded and in one sentence (a file still being written).

People come from samples/squat_front.mp4 (a rendered human), scaled down, cut, flipped or repeated
with numpy; videos are tiny (180x320 px, under 30 frames) except the 8K case (3 frames).

    python -m tests.data.bad.make_bad OUT_DIR      # writes the corpus, prints one line per case
"""

from __future__ import annotations

import os
import random
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from tests.helpers import empty_room_frames, marker_frame, write_clip

REPO = Path(__file__).resolve().parents[3]
PERSON_SOURCE = REPO / "samples" / "squat_front.mp4"
#: Size of the person clips: big enough for MediaPipe to find the rendered human, small enough to be quick.
WIDTH, HEIGHT = 180, 320
N_FRAMES = 24
TEN_HOURS_S = 36_000


@dataclass(frozen=True)
class Case:
    """One hostile input and the outcome expected of it."""

    name: str
    file: str  # its name in the corpus folder (relative; may hold a sub-folder)
    expect: str  # refused | no-person | ok | either
    says: str  # a phrase the one-sentence message (or the warning) contains; "" for none
    what: str  # the input, for docs/reliability.md
    flags: tuple[str, ...] = ()  # extra arguments before the video (e.g. "--" for a leading dash)
    grow_from: str = ""  # the file's full bytes are in this corpus file: it is written while analysed
    web: bool = True  # the file's bytes can be uploaded (not a folder, a pipe, a link or a growing file)


# ------------------------------------------------------------------------------------------------
# pictures and clips
# ------------------------------------------------------------------------------------------------
def person_frames(n: int = N_FRAMES, width: int = WIDTH, height: int = HEIGHT, start: int = 0) -> list[np.ndarray]:
    """The first `n` frames (after `start`) of the rendered squat, scaled to width x height."""
    import av

    frames: list[np.ndarray] = []
    with av.open(str(PERSON_SOURCE)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index >= start:
                frames.append(frame.to_ndarray(format="rgb24", width=width, height=height))
            if len(frames) == n:
                break
    return frames


def three_people(frames: list[np.ndarray]) -> list[np.ndarray]:
    """Three copies of the person side by side, out of step (a class, a family video)."""
    out = []
    for i in range(len(frames)):
        row = [frames[(i + shift) % len(frames)] for shift in (0, 7, 14)]
        out.append(np.ascontiguousarray(np.concatenate(row, axis=1)))
    return out


def fragmented_mp4(path: Path) -> bytes:
    """A good person clip whose index (moov) is at the end, as a phone writes while recording."""
    return write_clip(path, person_frames()).read_bytes()


def faststart_mp4(path: Path, frames: list[np.ndarray] | None = None) -> bytes:
    """A clip with its index (moov) first: a cut end loses frames, not the index."""
    return write_clip(path, frames if frames is not None else person_frames(), faststart=True).read_bytes()


def box(data: bytes, kind: bytes, after: int = 0) -> int:
    """Offset of an mp4 box's size field (the 4 bytes before its type), searched from `after`."""
    at = data.find(kind, after)
    if at < 4:
        raise ValueError(f"no {kind!r} box")
    return at - 4


def with_duration(data: bytes, seconds: float | None) -> bytes:
    """mvhd, tkhd and mdhd durations set to `seconds` (None: the largest 32-bit value)."""
    out = bytearray(data)
    movie_scale = struct.unpack(">I", out[box(data, b"mvhd") + 20 : box(data, b"mvhd") + 24])[0]
    media_scale = struct.unpack(">I", out[box(data, b"mdhd") + 20 : box(data, b"mdhd") + 24])[0]
    for kind, field, scale in ((b"mvhd", 24, movie_scale), (b"tkhd", 28, movie_scale), (b"mdhd", 24, media_scale)):
        at = box(data, kind) + field
        value = 0xFFFFFFFF if seconds is None else int(seconds * scale)
        out[at : at + 4] = struct.pack(">I", value)
    return bytes(out)


def with_zero_frame_rate(data: bytes) -> bytes:
    """Every sample's duration in the time-to-sample table (stts) set to 0: the header gives no rate."""
    out = bytearray(data)
    at = box(data, b"stts") + 12
    entries = struct.unpack(">I", out[at : at + 4])[0]
    for i in range(entries):
        delta = at + 4 + 8 * i + 4
        out[delta : delta + 4] = b"\0\0\0\0"
    return bytes(out)


def with_unknown_codec(data: bytes) -> bytes:
    """The sample entry's codec code (avc1, after stsd) replaced by one no decoder knows."""
    at = data.find(b"avc1", box(data, b"stsd"))
    return data[:at] + b"zzz9" + data[at + 4 :]


def damaged(data: bytes, flips: int = 0, zero_blocks: int = 0, seed: int = 15) -> bytes:
    """Random bit flips and zeroed 2 KB blocks inside the media data (mdat), headers left intact."""
    out = bytearray(data)
    start = box(data, b"mdat") + 64
    end = len(data) if data.find(b"moov", start) < 0 else box(data, b"moov", start)
    end = min(end, len(data))
    rng = random.Random(seed)
    for _ in range(flips):
        at = rng.randrange(start, end)
        out[at] ^= 1 << rng.randrange(8)
    for _ in range(zero_blocks):
        at = rng.randrange(start, max(start + 1, end - 2048))
        out[at : at + 2048] = bytes(2048)
    return bytes(out)


def without_moov(data: bytes) -> bytes:
    """A faststart clip with its index (moov box) taken out: the frames are there, nothing says where."""
    at = box(data, b"moov")
    size = struct.unpack(">I", data[at : at + 4])[0]
    return data[:at] + data[at + size :]


def restamped_mkv(path: Path, frames: list[np.ndarray], pts_ms: list[int]) -> Path:
    """A Matroska clip whose frames carry the given presentation times (ms): repeated or going
    backwards. Decode times stay increasing (the muxer insists); the encoder makes no B-frames."""
    import av

    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "bframes": "0"}
        packets = []
        for rgb in frames:
            packets += stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24"))
        packets += stream.encode()
        for index, packet in enumerate(packets):
            packet.time_base = Fraction(1, 1000)
            packet.dts = index
            packet.pts = max(index, pts_ms[index])
            container.mux(packet)
    return path


def audio_only(path: Path, seconds: float = 1.0) -> Path:
    """An AAC tone in an mp4 container: a voice memo, no video stream."""
    import av

    rate = 44100
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("aac", rate=rate)
        tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * rate)) / rate)).astype(np.float32)
        for start in range(0, tone.size, 1024):
            frame = av.AudioFrame.from_ndarray(tone[None, start : start + 1024], format="fltp", layout="mono")
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def picture(path: Path, kind: str) -> Path:
    """A still picture of the person (PNG, JPEG or GIF) under `path`."""
    from PIL import Image

    Image.fromarray(person_frames(1)[0]).save(path, format=kind)
    return path


def odd_size_clip(path: Path, width: int, height: int, n: int) -> Path:
    """A clip of any size (odd sizes in 4:4:4 chroma), a marker picture scaled up or down to it."""
    import av

    pix_fmt = "yuv444p" if width % 2 or height % 2 else "yuv420p"
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height = width, height
        stream.pix_fmt = pix_fmt
        stream.options = {"preset": "ultrafast"}
        for i in range(n):
            frame = av.VideoFrame.from_ndarray(marker_frame(64, 36, i), format="rgb24")
            for packet in stream.encode(frame.reformat(width, height, format=pix_fmt)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


# ------------------------------------------------------------------------------------------------
# the corpus
# ------------------------------------------------------------------------------------------------
class Sources:
    """The good clips the damaged ones are made from, each encoded once."""

    def __init__(self, folder: Path) -> None:
        scratch = folder / ".sources"
        scratch.mkdir(parents=True, exist_ok=True)
        self.frames = person_frames()
        self.moov_last = fragmented_mp4(scratch / "moov_last.mp4")
        self.moov_first = faststart_mp4(scratch / "moov_first.mp4", self.frames)
        self.long_moov_first = faststart_mp4(scratch / "long.mp4", person_frames(60))
        self.scratch = scratch


Builder = Callable[[Path, Sources], None]


def _bytes(make: Callable[[Sources], bytes]) -> Builder:
    """A builder that writes the bytes `make` returns."""
    return lambda target, sources: target.write_bytes(make(sources))


def _clip(make: Callable[[Sources], list[np.ndarray]]) -> Builder:
    """A builder that encodes the frames `make` returns (H.264, 30 fps)."""
    return lambda target, sources: write_clip(target, make(sources))


def _cut(share: float) -> Builder:
    """The first `share` of a clip's bytes (its index first, so the index promises more frames)."""
    return _bytes(lambda s: s.long_moov_first[: int(share * len(s.long_moov_first))])


def _symlink(target: Path, sources: Sources) -> None:
    target.symlink_to("/etc/passwd")


def _pipe(target: Path, sources: Sources) -> None:
    os.mkfifo(target)


def _growing(target: Path, sources: Sources) -> None:
    """The start of a clip whose index is at the end (the runner appends the rest while analysing)."""
    (target.parent / "growing.full").write_bytes(sources.moov_last)
    target.write_bytes(sources.moov_last[: len(sources.moov_last) // 4])


def _named(target: Path, sources: Sources) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(sources.moov_first)


def _repeated_ms(n: int) -> list[int]:
    return [33 * (i // 2 * 2) for i in range(n)]  # every second frame repeats the one before


def _backwards_ms(n: int) -> list[int]:
    return [33 * i + (120 if i % 5 == 4 else 0) - (90 if i % 5 == 0 and i else 0) for i in range(n)]


NOT_A_VIDEO = "not a video gaitcheck can read"
GOOD = "good.mp4"
CORPUS: tuple[tuple[Case, Builder], ...] = (
    (Case("good", GOOD, "ok", "", "a good clip (control)"), _named),
    (Case("zero-bytes", "zero.mp4", "refused", "empty", "zero bytes"), _bytes(lambda s: b"")),
    (
        Case("text", "notes.mp4", "refused", NOT_A_VIDEO, "a text file named .mp4"),
        _bytes(lambda s: b"Patient notes, not a video.\n" * 40),
    ),
    (Case("truncated-10", "cut10.mp4", "refused", "cut short", "an mp4 truncated at 10%"), _cut(0.10)),
    (Case("truncated-50", "cut50.mp4", "refused", "truncated", "an mp4 truncated at 50%"), _cut(0.50)),
    (Case("truncated-90", "cut90.mp4", "ok", "truncated", "an mp4 truncated at 90%"), _cut(0.90)),
    (
        Case("no-moov", "nomoov.mp4", "refused", "no index", "the moov atom (index) missing"),
        _bytes(lambda s: without_moov(s.moov_first)),
    ),
    (
        Case("moov-end-truncated", "moovend.mp4", "refused", "no index", "moov at the end, file truncated"),
        _bytes(lambda s: s.moov_last[: int(0.8 * len(s.moov_last))]),
    ),
    (Case("audio-only", "voice.mp4", "refused", "no video", "audio only (AAC in mp4)"), lambda t, s: audio_only(t)),
    (
        Case("one-frame", "one.mp4", "no-person", "too few", "one frame"),
        _clip(lambda s: s.frames[:1]),
    ),
    (
        Case("png-named-mp4", "still.mp4", "refused", "still picture", "a PNG picture named .mp4"),
        lambda t, s: picture(t, "PNG"),
    ),
    (Case("png", "picture.png", "refused", "still picture", "a PNG picture"), lambda t, s: picture(t, "PNG")),
    (Case("jpeg", "picture.jpg", "refused", "still picture", "a JPEG picture"), lambda t, s: picture(t, "JPEG")),
    (Case("gif", "picture.gif", "refused", "still picture", "a GIF picture"), lambda t, s: picture(t, "GIF")),
    (Case("1x1", "tiny.mp4", "refused", "too small", "1x1 px frames"), lambda t, s: odd_size_clip(t, 1, 1, 12)),
    (
        Case("8k", "8k.mp4", "no-person", "no person", "7680x4320 frames (3 frames, nobody in them)"),
        lambda t, s: odd_size_clip(t, 7680, 4320, 3),
    ),
    (
        Case("zero-fps", "zerofps.mp4", "ok", "timestamps", "0 fps in the header (every frame lasts 0)"),
        _bytes(lambda s: with_zero_frame_rate(s.moov_first)),
    ),
    (
        Case("absurd-duration", "forever.mp4", "ok", "", "an absurd duration in the header (2^32-1 ticks)"),
        _bytes(lambda s: with_duration(s.moov_first, None)),
    ),
    (
        Case("ten-hour-header", "tenhours.mp4", "ok", "", "a 10-hour header over 24 frames"),
        _bytes(lambda s: with_duration(s.moov_first, TEN_HOURS_S)),
    ),
    (
        Case("timestamps-repeat", "repeat.mkv", "ok", "timestamps", "timestamps that repeat (Matroska)"),
        lambda t, s: restamped_mkv(t, s.frames, _repeated_ms(len(s.frames))),
    ),
    (
        Case("timestamps-backwards", "backwards.mkv", "ok", "timestamps", "timestamps that go backwards (Matroska)"),
        lambda t, s: restamped_mkv(t, s.frames, _backwards_ms(len(s.frames))),
    ),
    (
        Case("bit-flips", "flipped.mp4", "no-person", "too few", "20 bit flips in the media data"),
        _bytes(lambda s: damaged(s.moov_first, flips=20)),
    ),
    (
        Case("zeroed-blocks", "zeroed.mp4", "refused", "damaged", "four zeroed 2 KB blocks in the media data"),
        _bytes(lambda s: damaged(s.moov_first, zero_blocks=4)),
    ),
    (
        Case("unsupported-codec", "unknown.mp4", "refused", "codec", "a codec no decoder knows (zzz9)"),
        _bytes(lambda s: with_unknown_codec(s.moov_first)),
    ),
    (Case("no-person", "room.mp4", "no-person", "no person", "an empty room"), _clip(lambda s: empty_room_frames(20))),
    (
        Case("black", "black.mp4", "no-person", "no person", "all black"),
        _clip(lambda s: [np.zeros((HEIGHT, WIDTH, 3), np.uint8)] * 20),
    ),
    (
        Case("three-people", "three.mp4", "ok", "", "three people side by side"),
        _clip(lambda s: three_people(s.frames)),
    ),
    (
        Case("upside-down", "upside.mp4", "ok", "upside down", "the person upside down (pixels, no rotation tag)"),
        _clip(lambda s: [np.ascontiguousarray(f[::-1, ::-1]) for f in s.frames]),
    ),
    (
        Case("cut-at-knees", "knees.mp4", "ok", "", "the person cut off at the knees"),
        _clip(lambda s: [np.ascontiguousarray(f[: int(0.6 * HEIGHT)]) for f in s.frames]),
    ),
    (Case("spaces", "name with spaces.mp4", "ok", "", "a file name with spaces"), _named),
    (Case("unicode", "séance-ü-日本.mp4", "ok", "", "a file name in unicode"), _named),
    (Case("quotes", 'it\'s "quoted".mp4', "ok", "", "a file name with quotes"), _named),
    (
        Case("leading-dash", "-clip.mp4", "ok", "", "a file name with a leading dash, after --", flags=("--",)),
        _named,
    ),
    (
        Case("leading-dash-bare", "-dash.mp4", "refused", "starts with '-'", "a leading dash, without --", web=False),
        _named,
    ),
    (Case("dotdot", "sub/../dotdot.mp4", "ok", "", "a path through `..`"), _named),
    (
        Case("symlink-passwd", "passwd.mp4", "refused", NOT_A_VIDEO, "a symlink to /etc/passwd", web=False),
        _symlink,
    ),
    (Case("folder", "folder.mp4", "refused", "folder", "a folder named .mp4", web=False), lambda t, s: t.mkdir()),
    (Case("fifo", "pipe.mp4", "refused", "not a regular file", "a named pipe named .mp4", web=False), _pipe),
    (
        Case("growing", "growing.mp4", "either", "", "a file still being written", grow_from="growing.full", web=False),
        _growing,
    ),
)


def make_corpus(folder: Path) -> list[Case]:
    """Write every case into `folder` (made if needed); the cases, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = Sources(folder)
    for case, build in CORPUS:
        target = folder / case.file
        target.parent.mkdir(parents=True, exist_ok=True)
        build(target, sources)
    return [case for case, _ in CORPUS]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tests.data.bad.make_bad OUT_DIR", file=sys.stderr)
        return 2
    for case in make_corpus(Path(args[0])):
        print(f"{case.name:<22} {case.expect:<10} {case.file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
