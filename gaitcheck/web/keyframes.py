"""Key frames checked by hand: the frame each graded repetition or step was read at, its hip, knee
and ankle points, and a clinician's corrected points with FPPA and the grade recomputed.

FPPA and hip adduction come from gaitcheck.kinematics (the functions that made angles.csv) and the
grade from gaitcheck.assess.grade against the threshold the result was graded with; nothing here
has a formula or a cut-off of its own. Edits live in the result folder's edits.json and are copied
into summary.json as `hand_adjusted` beside the automatic values (never over them); both files are
replaced atomically. Removing an edit restores the automatic values alone.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import logging
import math
import os
import re
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from gaitcheck import kinematics
from gaitcheck.assess import frontal_event_row, grade, mean_sd_n
from gaitcheck.errors import GaitcheckError
from gaitcheck.landmarks import PoseSeries
from gaitcheck.model import Threshold
from gaitcheck.report.results import Result
from gaitcheck.store import LANDMARKS_CLEAN_CSV, SUMMARY_JSON, load, read_summary
from gaitcheck.video import iter_frames, probe_video
from gaitcheck.vocabulary import other_side

log = logging.getLogger(__name__)

EDITS_JSON = "edits.json"
#: A key frame's id in URLs: event, its number (as in the report's tables) and the leg.
KEY_PATTERN = re.compile(r"^(rep|step)-([0-9]{1,4})-(left|right)$")
#: The points a clinician can move; `other_hip` sets the leg's medial direction and the pelvis.
POINT_NAMES = ("hip", "knee", "ankle", "other_hip")
#: The image around the points: this share of the hip-ankle distance on every side.
CROP_MARGIN = 0.45
JPEG_QUALITY = 88
JPEG_LOCK = threading.Lock()


class KeyFrameRefused(Exception):
    """A request about key frames that cannot be answered: an HTTP status and one sentence."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class KeyFrame:
    """One graded repetition's (one leg) or step's key frame with its automatic values."""

    key: str
    event: str
    number: int
    leg: str
    frame: int
    time_s: float
    start_frame: int  # locates the rep or step in summary.json
    points_px: dict[str, tuple[float, float]]
    crop_px: tuple[int, int, int, int]  # x, y, width, height of the image served
    size_px: tuple[int, int]  # the video frame's width and height
    automatic: dict[str, Any]
    threshold: Threshold | None  # what the result was graded against

    def to_json(self, job_id: str) -> dict[str, Any]:
        return {
            "key": self.key,
            "event": self.event,
            "number": self.number,
            "leg": self.leg,
            "frame": self.frame,
            "time_s": round(self.time_s, 3),
            "points_px": {name: [round(x, 1), round(y, 1)] for name, (x, y) in self.points_px.items()},
            "crop_px": list(self.crop_px),
            "size_px": list(self.size_px),
            "image_url": f"/api/jobs/{job_id}/keyframes/{self.key}.jpg",
            "automatic": self.automatic,
        }


# ------------------------------------------------------------------------------------------------
# the key frames of a result folder
# ------------------------------------------------------------------------------------------------
def key_frames(folder: Path) -> dict[str, KeyFrame]:
    """Every graded primary repetition (per leg) and step of a result folder, by key."""
    try:
        stamp = (folder / LANDMARKS_CLEAN_CSV).stat().st_mtime_ns
        return dict(_cached_key_frames(str(folder), stamp))
    except (GaitcheckError, OSError) as exc:
        raise KeyFrameRefused(409, f"This job's landmarks cannot be read ({exc}); analyse the video again.") from None


@functools.lru_cache(maxsize=8)
def _cached_key_frames(folder: str, stamp: int) -> tuple[tuple[str, KeyFrame], ...]:
    analysis = load(folder)
    clean = analysis.landmarks.clean
    result = Result.from_folder(folder)
    size = (analysis.video.width_px, analysis.video.height_px)
    row_of = {int(f): i for i, f in enumerate(clean.frame)}
    found = []
    for row in result.event_rows():
        if not row["primary"] or row.get("graded_value") is None or row["verdict"] == "insufficient-data":
            continue
        index = reading_row(clean, row, row_of)
        if index is None:
            continue
        built = build_key_frame(clean, row, index, size)
        if built is not None:
            found.append((built.key, replace(built, threshold=result.threshold)))
    return tuple(found)


def reading_row(clean: PoseSeries, row: dict[str, Any], row_of: dict[int, int]) -> int | None:
    """The landmark row a repetition's or step's frontal angles were read at (as assess chose it)."""
    try:
        start, event, end = (row_of[int(row[k])] for k in ("start_frame", "event_frame", "end_frame"))
    except (KeyError, TypeError, ValueError):
        return None
    if row["event"] == "step":
        return event
    return frontal_event_row(clean, row["leg"], start, event, end)[0]


def build_key_frame(clean: PoseSeries, row: dict[str, Any], index: int, size: tuple[int, int]) -> KeyFrame | None:
    """The key frame of one event row read at landmark row `index` (None when a point is missing)."""
    side = row["leg"]
    names = {"hip": f"{side}_hip", "knee": f"{side}_knee", "ankle": f"{side}_ankle"}
    names["other_hip"] = f"{other_side(side)}_hip"
    points = {key: clean.px(name)[index] for key, name in names.items()}
    if not all(np.isfinite(p).all() for p in points.values()):
        return None
    key = f"{row['event']}-{row['number']}-{side}"
    automatic = {
        "fppa_deg": finite_or_none(row.get("fppa_deg")),
        "fppa_deg_picture": finite_or_none(row.get("fppa_deg_picture")),  # None: no camera allowance
        "hip_adduction_deg": finite_or_none(row.get("hip_adduction_deg")),
        "graded_measure": row["graded_measure"],
        "graded_value": finite_or_none(row.get("graded_value")),
        "verdict": row["verdict"],
    }
    return KeyFrame(
        key=key,
        event=row["event"],
        number=int(row["number"]),
        leg=side,
        frame=int(clean.frame[index]),
        time_s=float(clean.time_s[index]),
        start_frame=int(row["start_frame"]),
        points_px={k: (float(p[0]), float(p[1])) for k, p in points.items()},
        crop_px=crop_box(list(points.values()), size),
        size_px=size,
        automatic=automatic,
        threshold=None,
    )


def finite_or_none(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def crop_box(points: list[np.ndarray], size: tuple[int, int]) -> tuple[int, int, int, int]:
    """x, y, width, height of the picture around the points, inside the frame."""
    xy = np.array(points, dtype=float)
    low, high = xy.min(axis=0), xy.max(axis=0)
    margin = CROP_MARGIN * max(float(np.linalg.norm(xy[2] - xy[0])), float((high - low).max()), 40.0)
    x0, y0 = max(0, int(low[0] - margin)), max(0, int(low[1] - margin))
    x1, y1 = min(size[0], int(math.ceil(high[0] + margin))), min(size[1], int(math.ceil(high[1] + margin)))
    return x0, y0, max(1, x1 - x0), max(1, y1 - y0)


def find(folder: Path, key: str) -> KeyFrame:
    """One key frame by its key (404 with a sentence when there is none)."""
    if not KEY_PATTERN.fullmatch(key):
        raise KeyFrameRefused(
            404, "A key frame is named like rep-1-left or step-3-right; see the job's list of key frames."
        )
    found = key_frames(folder).get(key)
    if found is None:
        raise KeyFrameRefused(404, f"This job has no graded key frame {key}; see the job's list of key frames.")
    return found


# ------------------------------------------------------------------------------------------------
# measuring a set of points
# ------------------------------------------------------------------------------------------------
def measure(points: dict[str, tuple[float, float]], frame: KeyFrame) -> dict[str, Any]:
    """FPPA and hip adduction of these points (gaitcheck.kinematics) and the grade they give: the
    event's grade when it rests on FPPA, else the automatic grade, unchanged. The points give FPPA
    as the picture shows it; the automatic value's camera allowance (assess.allow_for_camera) is
    taken out of it as well, so both are graded alike."""
    hip, knee, ankle, contra = (np.asarray(points[n], dtype=float) for n in POINT_NAMES)
    picture = float(kinematics.fppa_deg(hip, knee, ankle, contra))
    automatic, automatic_picture = frame.automatic["fppa_deg"], frame.automatic.get("fppa_deg_picture")
    allowance = automatic_picture - automatic if automatic is not None and automatic_picture is not None else 0.0
    fppa = picture - allowance
    adduction = float(kinematics.hip_adduction_deg(hip, knee, contra))
    if not math.isfinite(fppa):
        raise KeyFrameRefused(422, "These points give no knee angle: hip, knee and ankle must be apart.")
    threshold = frame.threshold if frame.automatic["graded_measure"] == "fppa_deg" else None
    verdict = grade(fppa, threshold) if threshold is not None else frame.automatic["verdict"]
    return {
        "fppa_deg": round(fppa, 2),
        "fppa_deg_picture": round(picture, 2) if allowance else None,
        "hip_adduction_deg": round(adduction, 2) if math.isfinite(adduction) else None,
        "verdict": verdict,
        "regraded": threshold is not None,
    }


def parse_points(body: Any, size: tuple[int, int]) -> dict[str, tuple[float, float]]:
    """The points of a request body {"points_px": {"hip": [x, y], ...}}, inside the picture."""
    points = body.get("points_px") if isinstance(body, dict) else None
    if not isinstance(points, dict) or set(points) != set(POINT_NAMES):
        raise KeyFrameRefused(422, f'Send {{"points_px": {{...}}}} with exactly the points {", ".join(POINT_NAMES)}.')
    out = {}
    for name in POINT_NAMES:
        value = points[name]
        ok = isinstance(value, list) and len(value) == 2 and all(isinstance(v, int | float) for v in value)
        if not ok or not all(math.isfinite(v) for v in value):
            raise KeyFrameRefused(422, f"The point {name} must be [x, y] in pixels of the video frame.")
        x, y = float(value[0]), float(value[1])
        if not (0 <= x <= size[0] and 0 <= y <= size[1]):
            raise KeyFrameRefused(422, f"The point {name} lies outside the {size[0]}x{size[1]} video frame.")
        out[name] = (x, y)
    return out


# ------------------------------------------------------------------------------------------------
# edits.json and summary.json
# ------------------------------------------------------------------------------------------------
def read_edits(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / EDITS_JSON
    if not path.is_file():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")).get("edits") or {})


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to a temporary file beside `path`, then move it over `path` in one step."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2, allow_nan=False)
            out.write("\n")
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def save_edit(folder: Path, frame: KeyFrame, points: dict[str, tuple[float, float]]) -> dict[str, Any]:
    """Record a hand edit of one key frame in edits.json and summary.json; the edit as stored."""
    edit = {
        **measure(points, frame),
        "graded_measure": frame.automatic["graded_measure"],
        "points_px": {name: [round(x, 2), round(y, 2)] for name, (x, y) in points.items()},
        "frame": frame.frame,
        "start_frame": frame.start_frame,
        "edited": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    edits = read_edits(folder) | {frame.key: edit}
    write_json_atomic(folder / EDITS_JSON, {"version": 1, "edits": edits})
    write_json_atomic(folder / SUMMARY_JSON, with_edits(read_summary(folder), edits, key_frames(folder)))
    return edit


def remove_edit(folder: Path, frame: KeyFrame) -> bool:
    """Undo the hand edit of one key frame (False when there was none)."""
    edits = read_edits(folder)
    if edits.pop(frame.key, None) is None:
        return False
    if edits:
        write_json_atomic(folder / EDITS_JSON, {"version": 1, "edits": edits})
    else:
        (folder / EDITS_JSON).unlink(missing_ok=True)
    write_json_atomic(folder / SUMMARY_JSON, with_edits(read_summary(folder), edits, key_frames(folder)))
    return True


def with_edits(
    summary: dict[str, Any], edits: dict[str, dict[str, Any]], frames: dict[str, KeyFrame]
) -> dict[str, Any]:
    """summary.json with every `hand_adjusted` entry rebuilt from the edits: a repetition's per leg
    (`reps[i].hand_adjusted.<leg>`), a step's on the step; the automatic values untouched."""
    reps, steps = summary.get("reps") or [], summary.get("steps") or []
    for entry in (*reps, *steps):
        entry.pop("hand_adjusted", None)
    for key, edit in edits.items():
        frame = frames.get(key)
        if frame is None:
            continue
        stored = {
            k: edit[k]
            for k in ("fppa_deg", "hip_adduction_deg", "verdict", "graded_measure", "points_px", "frame", "edited")
        }
        if frame.event == "rep":
            rep = next((r for r in reps if r.get("start_frame") == frame.start_frame), None)
            if rep is not None:
                rep.setdefault("hand_adjusted", {})[frame.leg] = stored
        else:
            step = next(
                (s for s in steps if s.get("contact_frame") == frame.start_frame and s.get("leg") == frame.leg), None
            )
            if step is not None:
                step["hand_adjusted"] = stored
    for side, legs_entry in (summary.get("legs") or {}).items():
        legs_entry.pop("hand_adjusted", None)
        regraded = leg_with_hand_values(side, edits, frames)
        if regraded is not None:
            legs_entry["hand_adjusted"] = regraded
    return summary


def leg_with_hand_values(
    side: str, edits: dict[str, dict[str, Any]], frames: dict[str, KeyFrame]
) -> dict[str, Any] | None:
    """One leg's grade over its graded key frames, each edited one at its hand value: the mean of the
    graded measure graded against the result's threshold, exactly as `assess` grades the leg from
    its events (None when no key frame of the leg was edited). Only FPPA is re-read from points;
    a leg graded on another measure gets the count of edits and no new grade."""
    own = [f for f in frames.values() if f.leg == side]
    edited = [f for f in own if f.key in edits]
    if not edited:
        return None
    measure = own[0].automatic["graded_measure"]
    threshold = own[0].threshold
    if measure != "fppa_deg" or threshold is None:
        return {"graded_measure": measure, "events_adjusted": len(edited), "events": len(own), "verdict": None}
    values = [edits[f.key]["fppa_deg"] if f.key in edits else f.automatic["graded_value"] for f in own]
    stats = mean_sd_n([v for v in values if v is not None])
    if stats is None:
        return None
    return {
        "graded_measure": measure,
        "events_adjusted": len(edited),
        "events": len(own),
        **stats,
        "verdict": grade(stats["mean"], threshold),
    }


#: The files of a result that show hand edits and so are rewritten after one (gaitcheck.report.refresh).
REFRESHED_FILES = ("report.html", "report.pdf", "reps.csv")


def report_is_stale(folder: Path) -> bool:
    """Was summary.json rewritten by a hand edit (or its undo) after the report was written?"""
    try:
        return (folder / SUMMARY_JSON).stat().st_mtime_ns > (folder / REFRESHED_FILES[0]).stat().st_mtime_ns
    except FileNotFoundError:
        return False


def refresh_report(folder: Path) -> bool:
    """Rewrite the report from summary.json when a hand edit made it stale; True when it was rewritten."""
    from gaitcheck.report import refresh

    if not report_is_stale(folder):
        return False
    try:
        refresh(folder)
    except (GaitcheckError, OSError) as exc:  # the old report stays served; the edit itself is saved
        log.warning("the report of %s was not rewritten after a hand edit: %s", folder, exc)
        return False
    return True


# ------------------------------------------------------------------------------------------------
# the picture
# ------------------------------------------------------------------------------------------------
def frame_jpeg(video: Path, frame: KeyFrame, frames: dict[str, KeyFrame]) -> bytes:
    """The key frame's picture around its points, as JPEG, from the uploaded video. Every key frame
    of the job is cut in one pass through the video and kept (a page asks for all of them at once)."""
    wanted = tuple(sorted({(f.frame, f.crop_px) for f in frames.values()} | {(frame.frame, frame.crop_px)}))
    try:
        with JPEG_LOCK:  # the first request decodes, the others wait for its pictures
            pictures = _cached_jpegs(str(video), video.stat().st_mtime_ns, wanted)
    except (GaitcheckError, OSError) as exc:
        raise KeyFrameRefused(409, f"The uploaded video cannot be decoded again ({exc}).") from None
    picture = pictures.get((frame.frame, frame.crop_px))
    if picture is None:
        raise KeyFrameRefused(404, "The uploaded video has no frame of that number; the key frame cannot be shown.")
    return picture


@functools.lru_cache(maxsize=4)
def _cached_jpegs(
    video: str, stamp: int, wanted: tuple[tuple[int, tuple[int, int, int, int]], ...]
) -> dict[tuple[int, tuple[int, int, int, int]], bytes]:
    from PIL import Image

    pictures: dict[tuple[int, tuple[int, int, int, int]], bytes] = {}
    last = max(index for index, _ in wanted)
    for decoded in iter_frames(probe_video(video)):
        for index, (x, y, width, height) in wanted:
            if index == decoded.index:
                out = io.BytesIO()
                Image.fromarray(decoded.rgb[y : y + height, x : x + width]).save(out, "JPEG", quality=JPEG_QUALITY)
                pictures[(index, (x, y, width, height))] = out.getvalue()
        if decoded.index >= last:
            break
    return pictures
