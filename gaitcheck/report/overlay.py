"""Pictures of the person with the measurement drawn on: the annotated video and the key frames.

Every leg is drawn hip -> knee -> ankle -> foot in the colour of that leg's verdict, with the
hip-ankle line dashed (FPPA is the knee's angle off that line); joints carry the leg's own colour
(left blue, right orange). Frames are decoded one at a time with gaitcheck.video.iter_frames and
encoded at once, so memory does not grow with the clip. Faces can be blurred (from the face
landmarks 0-10, with a margin) before anything is drawn.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
import pandas as pd
from PIL import Image, ImageDraw, ImageFont

from gaitcheck.landmarks import INDEX, PoseSeries
from gaitcheck.report.style import (
    LEG_COLOUR,
    MUTED,
    VERDICT_COLOUR,
    VERDICT_LABEL,
    VERDICT_ON_DARK,
    fmt,
    font_path,
    hex_rgb,
)
from gaitcheck.video import VideoInfo, iter_frames, prefetch
from gaitcheck.vocabulary import SIDES

if TYPE_CHECKING:
    from gaitcheck.model import Analysis

log = logging.getLogger(__name__)

#: The annotated video is written at most this large (longer side): enough to review (report.html
#: shows it at most 460 px high, the web page at most 70 % of the window's height), and every pixel
#: costs encoding time: at 1280 px the default outputs of the 1080p squat took 3.3-3.5 s, at 960 px
#: 2.4-2.7 s, the file 1.9 MB against 1.3 (timed by hand, three alternating runs, 2026-12-05).
VIDEO_MAX_SIDE_PX = 960
VIDEO_CRF = 23
VIDEO_PRESET = "veryfast"
#: x264's quickest motion search and no B-frames on top of the 'veryfast' preset: encoding takes
#: 28 % less CPU than with B-frames and subme=1, the default outputs about 0.45 s less on the 1080p
#: squat (3.0 instead of 3.3-3.6 s), for files 45 % larger at the same quality (crf); 'ultrafast'
#: would save another 0.3 s for files three times as large (timed by hand).
VIDEO_X264 = "ref=1:subme=0:me=dia:trellis=0:bframes=0:mixed-refs=0:weightp=0"
FACE_LANDMARKS = tuple(range(11))  # nose, eyes, ears, mouth
FACE_HOLD_S = 0.5  # a face box is carried this long over frames where the face was not found
KEY_FRAME_HEIGHT_PX = 640
PANEL_RGB = (17, 24, 39)  # the readout panels' backing, at this opacity (0-255)
PANEL_OPACITY = 200

UPPER_BODY = (
    ("left_shoulder", "right_shoulder"),
    ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
)
LEG_CHAIN = ("hip", "knee", "ankle", "heel", "foot_index")


# ------------------------------------------------------------------------------------------------
# faces
# ------------------------------------------------------------------------------------------------
def face_boxes(series: PoseSeries) -> np.ndarray:
    """(T, 4) x0, y0, x1, y1 in pixels around each frame's head (NaN where unknown).

    The box spans the face landmarks grown to the whole head (forehead, chin, hair) with a margin,
    never smaller than a third of the shoulder width; a frame without a face borrows the nearest
    box within FACE_HOLD_S, so a missed detection does not unblur a face for a frame.
    """
    face = series.image_px[:, FACE_LANDMARKS]
    with np.errstate(invalid="ignore"), _quiet():
        lo, hi = np.nanmin(face, axis=1), np.nanmax(face, axis=1)
    shoulders = np.linalg.norm(series.px("left_shoulder") - series.px("right_shoulder"), axis=1)
    width, height = hi[:, 0] - lo[:, 0], hi[:, 1] - lo[:, 1]
    size = np.fmax(np.fmax(width, 1.6 * height), 0.33 * np.nan_to_num(shoulders, nan=0.0))
    size = np.fmax(size, 12.0)
    cx, cy = (lo[:, 0] + hi[:, 0]) / 2, (lo[:, 1] + hi[:, 1]) / 2 - 0.15 * size
    boxes = np.stack([cx - 0.85 * size, cy - 1.05 * size, cx + 0.85 * size, cy + 1.05 * size], axis=1)
    if series.n_frames > 1:
        dt = float(np.median(np.diff(series.time_s))) or 1 / 30
        limit = max(1, int(round(FACE_HOLD_S / dt)))
        table = pd.DataFrame(boxes)
        boxes = table.ffill(limit=limit).bfill(limit=limit).to_numpy()
    return boxes


class _quiet:
    """Silence numpy's 'All-NaN slice' warnings (a frame without a face is normal)."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)


def blur_box(rgb: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Make the face in `box` unrecognisable (pixelate, then blur) inside an ellipse; in place."""
    if not np.all(np.isfinite(box)):
        return rgb
    h, w = rgb.shape[:2]
    x0, y0 = max(0, int(np.floor(box[0]))), max(0, int(np.floor(box[1])))
    x1, y1 = min(w, int(np.ceil(box[2]))), min(h, int(np.ceil(box[3])))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return rgb
    region = rgb[y0:y1, x0:x1]
    small = cv2.resize(region, (max(1, (x1 - x0) // 12), max(1, (y1 - y0) // 12)), interpolation=cv2.INTER_AREA)
    coarse = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    k = max(3, ((x1 - x0) // 6) | 1)
    coarse = cv2.GaussianBlur(coarse, (k, k), 0)
    mask = np.zeros((y1 - y0, x1 - x0), np.float32)
    centre = ((box[0] + box[2]) / 2 - x0, (box[1] + box[3]) / 2 - y0)
    axes = ((box[2] - box[0]) / 2, (box[3] - box[1]) / 2)
    cv2.ellipse(mask, (int(centre[0]), int(centre[1])), (int(axes[0]), int(axes[1])), 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, min(axes) * 0.08))[..., None]
    region[:] = (coarse * mask + region * (1 - mask)).astype(np.uint8)
    return rgb


# ------------------------------------------------------------------------------------------------
# drawing primitives
# ------------------------------------------------------------------------------------------------
@lru_cache(maxsize=16)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(bold)), size)


def _pt(xy: np.ndarray) -> tuple[int, int]:
    return int(round(xy[0] * 16)), int(round(xy[1] * 16))


def _finite(*points: np.ndarray) -> bool:
    return all(math.isfinite(v) for p in points for v in p[:2])


def _line(img: np.ndarray, a: np.ndarray, b: np.ndarray, colour, width: int, outline: bool = True) -> None:
    if not _finite(a, b):
        return
    pa, pb = _pt(a), _pt(b)
    if outline:
        cv2.line(img, pa, pb, (20, 24, 28), width + max(2, width // 2), cv2.LINE_AA, shift=4)
    cv2.line(img, pa, pb, colour, width, cv2.LINE_AA, shift=4)


def _dashed(img: np.ndarray, a: np.ndarray, b: np.ndarray, colour, width: int, dash: float) -> None:
    if not _finite(a, b):
        return
    length = float(np.linalg.norm(b - a))
    if length < 1:
        return
    n = max(1, int(length / dash))
    starts = np.arange(0, n, 2)
    shares = np.stack([starts, np.minimum(starts + 1, n)], axis=1) / n  # (dashes, 2): where each starts and ends
    ends_px = a + (b - a) * shares[..., None]
    dashes = list(np.rint(ends_px * 16).astype(np.int32))
    cv2.polylines(img, dashes, False, colour, width, cv2.LINE_AA, shift=4)  # one call for every dash


def _dot(img: np.ndarray, p: np.ndarray, colour, radius: int) -> None:
    if not _finite(p):
        return
    cv2.circle(img, _pt(p), (radius + 2) * 16, (255, 255, 255), -1, cv2.LINE_AA, shift=4)
    cv2.circle(img, _pt(p), radius * 16, colour, -1, cv2.LINE_AA, shift=4)


@dataclass(frozen=True)
class Panel:
    """A translucent picture ready to lay over a frame: its colour already multiplied by its
    opacity, and the share of the frame that shows through (both float32)."""

    colour: np.ndarray  # (h, w, 3)
    through: np.ndarray  # (h, w, 3): the same share for each channel, as OpenCV's multiply wants it

    @property
    def width(self) -> int:
        return int(self.colour.shape[1])

    @property
    def height(self) -> int:
        return int(self.colour.shape[0])


def paste_panel(img: np.ndarray, panel: Panel, x: int, y: int) -> None:
    """Lay `panel` over the frame at (x, y), clipped to the frame; in place."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + panel.width), min(h, y + panel.height)
    if x1 <= x0 or y1 <= y0:
        return
    rows, cols = slice(y0 - y, y1 - y), slice(x0 - x, x1 - x)
    region = img[y0:y1, x0:x1]
    # colour + region * through, in OpenCV (one pass each, a fifth of numpy's time); truncated to uint8
    blended = cv2.multiply(region, panel.through[rows, cols], dtype=cv2.CV_32F)
    region[:] = cv2.add(blended, panel.colour[rows, cols], dst=blended)


@lru_cache(maxsize=4096)
def _run(text: str, size: int, bold: bool) -> tuple[float, np.ndarray]:
    """One run of text: how far it advances the pen, and its ink coverage (0-1) in a box the
    font's full height, remembered: labels and rounded values repeat from frame to frame, and
    rasterising text was most of the cost of annotating one. A run with digits in it (a value,
    the clock) changes from frame to frame: it is put together from remembered characters."""
    if len(text) > 1 and any(c.isdigit() for c in text):
        return _composed(text, size, bold)
    return _rasterised(text, size, bold)


def _composed(text: str, size: int, bold: bool) -> tuple[float, np.ndarray]:
    """`text` from its characters' coverage (each a remembered `_run`) laid side by side (no
    kerning: digits, signs and units have none worth a pixel at these sizes)."""
    glyphs = [_run(c, size, bold) for c in text]
    advance = sum(step for step, _ in glyphs)
    coverage = np.zeros((glyphs[0][1].shape[0], int(np.ceil(advance)) + size, 1), dtype=np.float32)
    x = 0.0
    for step, ink in glyphs:
        left = int(round(x))
        region = coverage[:, left : left + ink.shape[1]]
        np.maximum(region, ink[:, : region.shape[1]], out=region)
        x += step
    coverage.flags.writeable = False
    return advance, coverage


def _rasterised(text: str, size: int, bold: bool) -> tuple[float, np.ndarray]:
    font = _font(size, bold)
    ascent, descent = font.getmetrics()
    advance = font.getlength(text)
    mask = Image.new("L", (int(np.ceil(advance)) + size, ascent + descent), 0)
    ImageDraw.Draw(mask).text((0, 0), text, font=font, fill=255)
    coverage = np.asarray(mask, dtype=np.float32)[..., None] / 255.0
    coverage.flags.writeable = False
    return advance, coverage


@lru_cache(maxsize=64)
def _backing(width: int, height: int, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """The panel's rounded dark backing, without text (remembered: panels repeat their size):
    its colour (h, w, 3) and the share that shows through (h, w, 1)."""
    shape = Image.new("L", (width, height), 0)
    ImageDraw.Draw(shape).rounded_rectangle((0, 0, width - 1, height - 1), radius=radius, fill=PANEL_OPACITY)
    opacity = np.asarray(shape, dtype=np.float32)[..., None] / 255.0
    colour, through = opacity * np.asarray(PANEL_RGB, dtype=np.float32), 1.0 - opacity
    colour.flags.writeable = through.flags.writeable = False
    return colour, through


def text_panel(rows: list[list[tuple[str, str, bool]]], size: int, pad: int | None = None) -> Panel:
    """A rounded translucent dark panel with lines of (text, hex colour, bold) runs."""
    pad = pad if pad is not None else max(6, size // 2)
    line_h = int(size * 1.35)
    runs = [[(_run(text, size, bold), colour) for text, colour, bold in row] for row in rows]
    width = int(max((sum(advance for (advance, _), _ in row) for row in runs), default=0)) + 2 * pad
    height = line_h * len(rows) + 2 * pad - (line_h - size) // 2
    colour, through = (a.copy() for a in _backing(max(1, width), max(1, height), max(4, size // 2)))
    y = pad
    for row in runs:
        x: float = pad
        for (advance, coverage), hex_colour in row:
            left = int(round(x))
            box = (slice(y, y + coverage.shape[0]), slice(left, left + coverage.shape[1]))
            region = colour[box]  # a view, clipped at the panel's edge
            ink = coverage[: region.shape[0], : region.shape[1]]
            region += ink * (np.asarray(hex_rgb(hex_colour), dtype=np.float32) - region)
            through[box] -= through[box] * ink
            x += advance
        y += line_h
    return Panel(colour, np.repeat(through, 3, axis=2))


@lru_cache(maxsize=8)
def _readout(rows: tuple[tuple[tuple[str, str, bool], ...], ...], size: int) -> Panel:
    """`text_panel` remembered: a readout's rounded values repeat from one frame to the next (a
    slow-motion clip posed every k-th frame shows the same values k frames running). Only the last
    few are kept: a panel is about 1 MB of float32, and keeping 512 held 450 MB more on a 240 fps
    clip for no more repeats found (timed by hand: 1707 of 2176 frames either way)."""
    return text_panel([list(row) for row in rows], size)


# ------------------------------------------------------------------------------------------------
# what to draw on each frame
# ------------------------------------------------------------------------------------------------
@dataclass
class Scene:
    """Per-frame facts the drawing needs, prepared once for the whole clip."""

    points: np.ndarray  # (T, 33, 2) cleaned landmarks, full-resolution pixels
    faces: np.ndarray | None  # (T, 4) face boxes, when blurring
    verdicts: dict[str, str]
    angles: pd.DataFrame
    events: list[str]  # per frame: "Rep 2 of 5 · right leg", "Step 14 · left stance", ""
    frontal: np.ndarray  # (T,) bool: frontal-plane readouts make sense in this frame
    row_of: dict[int, int]
    running: bool = False

    @classmethod
    def from_analysis(cls, analysis: Analysis, blur_faces: bool) -> Scene:
        clean, raw = analysis.landmarks.clean, analysis.landmarks.raw
        n = clean.n_frames
        row_of = {int(f): i for i, f in enumerate(clean.frame)}
        frontal = np.zeros(n, dtype=bool)
        events = [""] * n
        n_reps = len(analysis.reps)
        for segment in analysis.segments:
            frontal[segment.start_row : segment.stop_row] = segment.frontal
            for rep in segment.reps:
                leg = "both legs" if rep.stance_leg == "both" else f"{rep.stance_leg} leg"
                for f in range(rep.start_frame, rep.end_frame + 1):
                    if f in row_of:
                        events[row_of[f]] = f"Rep {rep.index + 1} of {n_reps} · {leg}"
        steps = sorted(analysis.steps, key=lambda s: s.contact_frame)
        for k, step in enumerate(steps):
            for f in range(step.contact_frame, step.toe_off_frame + 1):
                if f in row_of:
                    label = f"Step {k + 1} of {len(steps)} · {step.leg} stance"
                    events[row_of[f]] = label if not events[row_of[f]] else events[row_of[f]] + " + " + step.leg
        return cls(
            points=clean.image_px,
            faces=face_boxes(raw) if blur_faces else None,
            verdicts={side: analysis.legs[side].verdict for side in SIDES},
            angles=analysis.angles.reset_index(drop=True),
            events=events,
            frontal=frontal,
            row_of=row_of,
            running=bool(steps),
        )

    def row_for(self, frame_index: int) -> int | None:
        """The landmarks row drawn on a video frame: its own, or, in a clip posed on every k-th
        frame only (slow motion), the last posed frame's, held until the next."""
        row = self.row_of.get(frame_index)
        if row is not None or not self.row_of:
            return row
        frames, gap = self._posed
        before = int(np.searchsorted(frames, frame_index, side="right")) - 1
        if before < 0 or frame_index - frames[before] >= gap:
            return None
        return self.row_of[int(frames[before])]

    @cached_property
    def _posed(self) -> tuple[np.ndarray, int]:
        """The posed frames' indices, sorted, and their usual spacing."""
        frames = np.sort(np.fromiter(self.row_of, dtype=int))
        return frames, int(np.median(np.diff(frames))) if len(frames) > 1 else 1

    def value(self, row: int, column: str) -> float:
        values = self._columns.get(column)
        value = float(values[row]) if values is not None else float("nan")
        return value if math.isfinite(value) else float("nan")

    @cached_property
    def _columns(self) -> dict[str, np.ndarray]:
        """The angle table's numeric columns as arrays (a frame reads a dozen values)."""
        numeric = self.angles.select_dtypes("number")
        return {str(name): numeric[name].to_numpy(dtype=float) for name in numeric.columns}


def draw_legs(
    img: np.ndarray,
    points: np.ndarray,
    verdicts: Mapping[str, str],
    scale: float,
    offset: np.ndarray | None = None,
    emphasis: str | None = None,
    width: int | None = None,
    frontal: bool = True,
) -> None:
    """Skeleton on an RGB picture: neutral upper body, each leg in its verdict colour, hip-ankle
    line dashed, joints in the leg colour. `points` are full-resolution pixels; the picture is
    `scale` times that size, shifted by -offset (a crop)."""
    h, w = img.shape[:2]
    base = width or max(2, int(round(max(h, w) / 320)))
    off = np.zeros(2) if offset is None else offset
    p = {name: (points[INDEX[name]] - off) * scale for name in INDEX}
    for a, b in UPPER_BODY:
        _line(img, p[a], p[b], (235, 238, 242), max(1, base - 1))
    for side in SIDES:
        faint = emphasis is not None and side != emphasis
        verdict = verdicts.get(side, "insufficient-data")
        # a leg without a verdict (side view, not tested) is drawn in its own colour
        colour = hex_rgb(LEG_COLOUR[side] if verdict == "insufficient-data" else VERDICT_COLOUR.get(verdict, MUTED))
        if faint:
            colour = (200, 204, 210)
        thick = base if faint else base + max(1, base // 2)
        chain = [p[f"{side}_{j}"] for j in LEG_CHAIN]
        if frontal and not faint:
            _dashed(img, chain[0], chain[2], (255, 255, 255), max(1, base // 2), dash=max(6.0, 4.0 * base))
        for a, b in pairwise(chain):
            _line(img, a, b, colour, thick)
        for joint in chain[:3]:
            _dot(img, joint, hex_rgb(LEG_COLOUR[side]), max(2, base + (0 if faint else 1)))


def _readout_rows(scene: Scene, row: int) -> list[list[tuple[str, str, bool]]]:
    rows: list[list[tuple[str, str, bool]]] = []
    white, grey = "#f3f4f6", "#aab3bf"
    for side in SIDES:
        verdict = scene.verdicts.get(side, "insufficient-data")
        tag = [(f"{side[0].upper()}  ", LEG_COLOUR[side], True)]
        if scene.frontal[row]:
            fppa = scene.value(row, f"{side}_fppa_deg")
            hip = scene.value(row, f"{side}_hip_adduction_deg")
            runs = [("FPPA ", grey, False), (fmt(fppa, 0, "deg", signed=True).rjust(5), white, True)]
            runs += [("   hip add ", grey, False), (fmt(hip, 0, "deg", signed=True).rjust(5), white, True)]
        else:
            runs = []
        flexion = scene.value(row, f"{side}_knee_flexion_deg")
        runs += [
            ("   knee flex " if runs else "knee flex ", grey, False),
            (fmt(flexion, 0, "deg").rjust(4), white, True),
        ]
        runs += [("   " + VERDICT_LABEL.get(verdict, verdict).lower(), VERDICT_ON_DARK.get(verdict, grey), True)]
        rows.append(tag + runs)
    return rows


def annotate_frame(rgb: np.ndarray, scene: Scene, row: int, scale: float, time_s: float) -> np.ndarray:
    """One frame of annotated.mp4, taken at `time_s`, drawn from landmarks `row` (the picture is
    changed in place and returned)."""
    if scene.faces is not None:
        blur_box(rgb, scene.faces[row] * scale)
    draw_legs(rgb, scene.points[row], scene.verdicts, scale, frontal=bool(scene.frontal[row]))
    h, w = rgb.shape[:2]
    size = max(11, int(round(min(h, w) / 40)))
    margin = max(6, size // 2)
    paste_panel(rgb, _readout(tuple(tuple(r) for r in _readout_rows(scene, row)), size), margin, margin)
    label = scene.events[row] or ("between contacts" if scene.running else "between repetitions")
    footer = _readout((((label, "#f3f4f6", True),),), size)  # the same label for many frames running
    clock = text_panel([[(f"t = {fmt(time_s, 2, 's')}", "#aab3bf", False)]], size)
    paste_panel(rgb, footer, margin, h - footer.height - margin)
    paste_panel(rgb, clock, margin + footer.width + margin // 2, h - clock.height - margin)
    return rgb


# ------------------------------------------------------------------------------------------------
# the annotated video
# ------------------------------------------------------------------------------------------------
def _time_base(path: str) -> Fraction:
    """The source's stream time base, so output timestamps can be the source's own."""
    import av

    with av.open(path, metadata_errors="ignore") as container:
        tb = container.streams.video[0].time_base
    return Fraction(tb) if tb else Fraction(1, 90000)


def _even(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    return rgb[: h - h % 2, : w - w % 2]


class _Encoder:
    """H.264 encoding and muxing in a thread of its own, fed through a short queue: FFmpeg
    releases the GIL, so encoding one frame overlaps decoding and drawing the next ones. The file
    is opened with the first frame (its size is known then)."""

    def __init__(self, path: Path, rate: Fraction, time_base: Fraction, depth: int = 4) -> None:
        self.written = 0
        self.time_base = time_base
        self._path, self._rate = path, rate
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="gaitcheck-encode", daemon=True)
        self._thread.start()

    def put(self, rgb: np.ndarray, pts: int) -> None:
        """Queue one frame (waits while the queue is full; raises what the encoder raised)."""
        while True:
            if self._error is not None or not self._thread.is_alive():
                raise self._error or RuntimeError("the video encoder stopped")
            try:
                self._queue.put((rgb, pts), timeout=0.1)
                return
            except queue.Full:
                continue

    def close(self, quiet: bool = False) -> None:
        """Flush and close the file; raise what the encoder raised (unless `quiet`: the drawing
        side is already raising)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None and not quiet:
            raise self._error

    def _run(self) -> None:
        import av

        container = stream = None
        try:
            while (item := self._queue.get()) is not None:
                rgb, pts = item
                if container is None or stream is None:
                    container = av.open(str(self._path), mode="w", options={"movflags": "+faststart"})
                    stream = container.add_stream("libx264", rate=self._rate)
                    stream.width, stream.height = rgb.shape[1], rgb.shape[0]
                    stream.pix_fmt = "yuv420p"
                    stream.options = {"preset": VIDEO_PRESET, "crf": str(VIDEO_CRF), "x264-params": VIDEO_X264}
                    stream.codec_context.time_base = self.time_base
                # OpenCV's conversion gives FFmpeg's own BT.601 numbers at a fraction of the cost
                picture = av.VideoFrame.from_ndarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420), format="yuv420p")
                picture.pts, picture.time_base = pts, self.time_base
                container.mux(stream.encode(picture))
                self.written += 1
            if container is not None and stream is not None:
                container.mux(stream.encode())
        except BaseException as exc:  # handed to the drawing thread
            self._error = exc
            while self._queue.get() is not None:  # let a waiting producer finish
                pass
        finally:
            if container is not None:
                container.close()


def render_video(
    analysis: Analysis,
    path: Path | None,
    blur_faces: bool = False,
    capture: Iterable[int] = (),
    progress: Callable[[int, int], None] | None = None,
) -> dict[int, np.ndarray]:
    """Write annotated.mp4 to `path` (H.264, yuv420p, +faststart, the source's frame count and
    timestamps, upright) and return clean copies (face blurred if asked) of the frames listed in
    `capture` for the key frames. With path None only the frames are collected (the others are
    decoded but not converted). `progress(done, total)` is called once per frame drawn or
    collected (a front-end's cancel check can raise from it).

    Three threads share the work: decoding (`prefetch`), drawing (here) and encoding (`_Encoder`)."""
    info: VideoInfo = analysis.video
    scene = Scene.from_analysis(analysis, blur_faces)
    wanted = set(int(f) for f in capture)
    captured: dict[int, np.ndarray] = {}
    encoder = None
    if path is not None:
        rate = Fraction(info.fps * info.slow_motion_factor).limit_denominator(1001) or Fraction(30)
        encoder = _Encoder(path, rate, _time_base(info.path))
    last_pts = -1
    try:
        # key frames only: convert just those, and the frame after the last, so that the decoder
        # thread is not left decoding the rest of the clip toward a frame nobody asked for
        last = max(wanted, default=-1)
        keep = None if encoder is not None else (lambda index: index in wanted or index > last)
        for frame in prefetch(iter_frames(info, VIDEO_MAX_SIDE_PX, keep=keep)):
            if progress is not None:
                progress(frame.index + 1, info.n_frames)
            row = scene.row_for(frame.index)
            scale = frame.rgb.shape[1] / info.width_px
            if frame.index in wanted:
                captured[frame.index] = _key_frame(frame.rgb, scene, row, scale)
            if encoder is None:
                if len(captured) == len(wanted):
                    break
                continue
            rgb = _even(np.ascontiguousarray(frame.rgb))
            if row is not None:
                annotate_frame(rgb, scene, row, scale, frame.time_s)
            last_pts = max(int(round(frame.time_s * info.slow_motion_factor / encoder.time_base)), last_pts + 1)
            encoder.put(rgb, last_pts)
    except BaseException:
        if encoder is not None:
            encoder.close(quiet=True)
        raise
    if encoder is not None:
        encoder.close()
        log.info("annotated video: %d frames written to %s", encoder.written, path)
        if encoder.written != info.n_frames:
            log.warning("annotated video has %d frames, the analysis %d", encoder.written, info.n_frames)
    return captured


def _key_frame(rgb: np.ndarray, scene: Scene, row: int | None, scale: float) -> np.ndarray:
    """A clean copy of a frame for the key frames (face blurred if asked)."""
    keep = rgb.copy()
    if scene.faces is not None and row is not None:
        blur_box(keep, scene.faces[row] * scale)
    return keep


# ------------------------------------------------------------------------------------------------
# key frames
# ------------------------------------------------------------------------------------------------
def _crop_box(points: np.ndarray, width: int, height: int, aspect: float = 0.75) -> tuple[int, int, int, int]:
    """A box around the person with a margin, of the given width/height aspect, inside the frame."""
    finite = points[np.all(np.isfinite(points), axis=1)]
    if finite.size == 0:
        return 0, 0, width, height
    x0, y0 = finite.min(axis=0)
    x1, y1 = finite.max(axis=0)
    shoulders = (points[INDEX["left_shoulder"]] + points[INDEX["right_shoulder"]]) / 2
    hips = (points[INDEX["left_hip"]] + points[INDEX["right_hip"]]) / 2
    if np.all(np.isfinite(shoulders)) and np.all(np.isfinite(hips)):
        y0 = min(y0, shoulders[1] - 0.6 * np.linalg.norm(shoulders - hips))  # the head, when its landmarks are gated
    h = (y1 - y0) * 1.18 + 20
    w = max((x1 - x0) * 1.25 + 20, h * aspect)
    h = max(h, w / aspect)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = min(w, width), min(h, height)
    left = int(np.clip(cx - w / 2, 0, width - w))
    top = int(np.clip(cy - h / 2, 0, height - h))
    return left, top, int(left + w), int(top + h)


def key_frame_image(
    rgb: np.ndarray,
    points: np.ndarray,
    side: str,
    verdicts: Mapping[str, str],
    fppa: float,
    info_width: int,
    caption: str = "",
) -> np.ndarray:
    """The measured leg drawn large on a crop around the person: thigh and shank in the verdict
    colour, the hip-ankle line dashed, the thigh's line extended past the knee, and the FPPA arc."""
    scale_in = rgb.shape[1] / info_width
    pts = points * scale_in
    left, top, right, bottom = _crop_box(pts, rgb.shape[1], rgb.shape[0])
    crop = rgb[top:bottom, left:right]
    zoom = KEY_FRAME_HEIGHT_PX / max(1, crop.shape[0])
    out = cv2.resize(crop, (max(2, int(crop.shape[1] * zoom)), KEY_FRAME_HEIGHT_PX), interpolation=cv2.INTER_CUBIC)
    out = np.ascontiguousarray(out)
    offset = np.array([left, top], dtype=float) / scale_in
    scale = scale_in * zoom
    draw_legs(out, points, verdicts, scale, offset=offset, emphasis=side, width=3)
    hip, knee, ankle = ((points[INDEX[f"{side}_{j}"]] - offset) * scale for j in ("hip", "knee", "ankle"))
    if all(np.all(np.isfinite(v)) for v in (hip, knee, ankle)):
        thigh = (knee - hip) / max(1e-6, np.linalg.norm(knee - hip))
        reach = 0.55 * np.linalg.norm(ankle - knee)
        _dashed(out, knee, knee + thigh * reach, (255, 255, 255), 2, dash=7.0)
        start = np.degrees(np.arctan2(thigh[1], thigh[0]))
        shank = ankle - knee
        end = np.degrees(np.arctan2(shank[1], shank[0]))
        sweep = (end - start + 180) % 360 - 180
        radius = int(0.6 * reach)
        colour = hex_rgb(VERDICT_COLOUR.get(verdicts.get(side, ""), MUTED))
        if radius > 4 and abs(sweep) > 0.5:
            wedge = out.copy()
            axes = (radius * 16, radius * 16)
            cv2.ellipse(wedge, _pt(knee), axes, 0, start, start + sweep, colour, -1, cv2.LINE_AA, shift=4)
            out[:] = cv2.addWeighted(wedge, 0.55, out, 0.45, 0)
            cv2.ellipse(out, _pt(knee), axes, 0, start, start + sweep, (255, 255, 255), 2, cv2.LINE_AA, shift=4)
        label = text_panel([[("FPPA ", "#aab3bf", False), (fmt(fppa, 1, "deg", signed=True), "#ffffff", True)]], 18)
        # on the leg's outer side (away from the other hip), clear of the other leg
        other_hip = (points[INDEX[f"{'left' if side == 'right' else 'right'}_hip"]] - offset) * scale
        lateral = 1 if not np.all(np.isfinite(other_hip)) or hip[0] >= other_hip[0] else -1
        x = int(knee[0] + lateral * (radius + 14)) - (label.width if lateral < 0 else 0)
        x = int(np.clip(x, 4, max(4, out.shape[1] - label.width - 4)))
        paste_panel(out, label, x, int(knee[1] - label.height / 2))
    if caption:
        panel = text_panel([[(caption, "#f3f4f6", True)]], 16)
        paste_panel(out, panel, 8, 8)
    return out
