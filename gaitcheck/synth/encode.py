"""Writing frames to an mp4 with PyAV (FFmpeg), one at a time: H.264 that browsers play, or HEVC
as iPhones record it; optionally stored sideways with a display-rotation tag, as phones store
portrait clips."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import numpy as np

from gaitcheck.errors import InputError

CODECS: dict[str, Literal["libx264", "libx265"]] = {"h264": "libx264", "hevc": "libx265"}


@dataclass(frozen=True)
class Encoding:
    """How the clip is stored. ``rotation_tag_deg`` (90, -90 or 180) stores the picture turned and
    tags the stream so players (and gaitcheck) show it upright, like a phone's portrait clip."""

    codec: Literal["h264", "hevc"] = "h264"
    crf: int = 20
    preset: str = "fast"
    rotation_tag_deg: int = 0

    def __post_init__(self) -> None:
        if self.codec not in CODECS:
            raise InputError(f"codec must be h264 or hevc (got {self.codec!r})")
        if self.rotation_tag_deg not in (0, 90, -90, 180):
            raise InputError(f"rotation tag must be 0, 90, -90 or 180 (got {self.rotation_tag_deg})")
        if not 0 <= self.crf <= 51:
            raise InputError(f"crf must be 0-51 (got {self.crf})")

    def to_json(self) -> dict:
        return asdict(self)


class Mp4Writer:
    """A context manager that encodes upright RGB frames as they come."""

    def __init__(self, path: str | Path, width_px: int, height_px: int, fps: float, encoding: Encoding):
        import av

        self.encoding = encoding
        self.quarter_turns = (encoding.rotation_tag_deg // 90) % 4
        stored_w, stored_h = (height_px, width_px) if self.quarter_turns % 2 else (width_px, height_px)
        self.container = av.open(str(path), mode="w", options={"movflags": "+faststart"})
        rate = Fraction(fps).limit_denominator(1001)
        self.stream = self.container.add_stream(CODECS[encoding.codec], rate=rate)
        self.stream.width, self.stream.height = stored_w, stored_h
        self.stream.pix_fmt = "yuv420p"
        options: dict[str, object] = {"crf": str(encoding.crf), "preset": encoding.preset}
        if encoding.codec == "hevc":
            options["x265-params"] = "log-level=error"
            self.stream.codec_tag = "hvc1"  # what Apple players expect
        self.stream.options = options
        if encoding.rotation_tag_deg:
            self.stream.set_display_rotation(encoding.rotation_tag_deg)
        self._frame_type = av.VideoFrame
        self.frames_written = 0

    def write(self, rgb: np.ndarray) -> None:
        """Encode one upright RGB frame (height, width, 3) uint8."""
        stored = np.rot90(rgb, k=-self.quarter_turns) if self.quarter_turns else rgb
        frame = self._frame_type.from_ndarray(np.ascontiguousarray(stored), format="rgb24")
        for packet in self.stream.encode(frame):
            self.container.mux(packet)
        self.frames_written += 1

    def close(self) -> None:
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
