"""The interactive angle curves under the annotated video: the data they draw and their script.

`viewer_data(analysis or result)` is the compact JSON the chart needs (times, one series per measure
and leg with NaN as null, repetitions or steps with their key moment, threshold bands, colours and
labels in plain words); `viewer_script()` and `viewer_css()` are the chart itself (plain JS and CSS
shipped in gaitcheck/report/static/, nothing fetched). In a page:
`GaitcheckViewer.mount(container, video, data)`. report.html inlines all three with
`viewer_html(...)`; the web server serves them as files and the data from its own endpoint.
"""

from __future__ import annotations

import json
import math
from html import escape
from importlib import resources
from typing import Any

import numpy as np

from gaitcheck.model import Analysis
from gaitcheck.report import style
from gaitcheck.report.plots import SIGN_NOTE, band_edges, band_top, curve_measures, event_spans
from gaitcheck.report.results import Result
from gaitcheck.vocabulary import SIDES

#: Bumped when the JSON changes shape, so a page can refuse data it does not understand.
DATA_VERSION = 1
#: Measures drawn when the page opens (the static overview's); the others are a checkbox away.
SHOWN_FIRST = ("fppa_deg", "hip_adduction_deg", "pelvic_drop_deg", "knee_flexion_deg")
#: Ids of the elements `viewer_html` writes (the web result page has its own).
VIDEO_ID = "gv-video"
CURVES_ID = "gv-curves"
DATA_ID = "gv-data"

__all__ = ["DATA_VERSION", "viewer_css", "viewer_data", "viewer_html", "viewer_script"]


def viewer_data(source: Analysis | Result) -> dict[str, Any]:
    """Everything the chart draws, JSON-ready (no NaN: missing values are None)."""
    result = source if isinstance(source, Result) else Result.from_analysis(source)
    video = result.summary.get("video") or {}
    times = result.angles["time_s"].to_numpy(float)
    fps = float(video.get("fps") or 0.0) or _fps_of(times)
    return {
        "version": DATA_VERSION,
        "fps": fps,
        "slow_motion_factor": float(video.get("slow_motion_factor") or 1.0),
        "duration_s": float(video.get("duration_s") or (times[-1] if len(times) else 0.0)),
        "frame": [int(f) for f in result.angles["frame"].to_numpy()],
        "time_s": _numbers(times, 6),
        "event": result.event,
        "event_label": "step" if result.running else "repetition",
        "key_moment": "midstance" if result.running else "deepest point",
        "legs": [{"key": side, "label": f"{side.capitalize()} leg"} for side in SIDES],
        "measures": [_measure(result, m) for m in curve_measures(result)],
        "spans": [{"start_s": a, "end_s": b, "leg": leg} for a, b, leg in event_spans(result)],
        "events": _events(result),
        "graded_label": style.MEASURE_LABEL.get(result.graded, result.graded),
        "graded_unit": style.MEASURE_UNIT.get(result.graded, ""),
        "colours": _colours(),
    }


def _fps_of(times: np.ndarray) -> float:
    """Frame rate from the time stamps, when the summary has none."""
    steps = np.diff(times)
    steps = steps[steps > 0]
    return float(1.0 / np.median(steps)) if len(steps) else 30.0


def _numbers(values: np.ndarray, digits: int) -> list[float | None]:
    """Rounded floats with NaN and infinities as None (JSON null)."""
    return [round(float(v), digits) if math.isfinite(v) else None for v in values]


def _measure(result: Result, measure: str) -> dict[str, Any]:
    """One measure's curves (per leg, or one whole-body curve under the key 'both') and bands."""
    per_leg = f"left_{measure}" in result.angles
    columns = {side: f"{side}_{measure}" for side in SIDES} if per_leg else {"both": measure}
    unit = style.MEASURE_UNIT.get(measure, "")
    series = {key: _numbers(result.angles[c].to_numpy(float), 3 if unit == "deg" else 4) for key, c in columns.items()}
    edges = band_edges(result, measure)
    bands = None
    if edges is not None:
        values = np.concatenate([result.angles[c].to_numpy(float) for c in columns.values()])
        finite = values[np.isfinite(values)]
        top = band_top(edges, float(finite.max()) if len(finite) else edges[1])
        bands = {"borderline": [edges[0], edges[1]], "valgus": [edges[1], top]}
    return {
        "key": measure,
        "label": style.MEASURE_LABEL.get(measure, measure),
        "unit": unit,
        "digits": 1 if unit == "deg" else 2,
        "note": SIGN_NOTE.get(measure, ""),
        "shown": measure in SHOWN_FIRST,
        "series": series,
        "bands": bands,
    }


def _events(result: Result) -> list[dict[str, Any]]:
    """One row per repetition and leg, or per step: when it was, its key moment, and its grade."""
    rows = []
    for row in result.event_rows():
        value = row.get("graded_value")
        rows.append(
            {
                "kind": row["event"],
                "number": row["number"],
                "leg": row["leg"],
                "stance_leg": row.get("stance_leg"),
                "primary": bool(row["primary"]),
                "start_s": row.get("start_s"),
                "end_s": row.get("end_s"),
                "key_s": row.get("event_s"),
                "key_frame": row.get("event_frame"),
                "graded_value": value if isinstance(value, int | float) and math.isfinite(value) else None,
                "verdict": row["verdict"],
                "verdict_label": style.VERDICT_SHORT.get(row["verdict"], row["verdict"]),
            }
        )
    return rows


def _colours() -> dict[str, Any]:
    """The report's palette (gaitcheck.report.style), so curves match the static figures."""
    return {
        "leg": dict(style.LEG_COLOUR) | {"both": style.INK},
        "tint": dict(style.LEG_TINT),
        "band_borderline": style.BAND_BORDERLINE,
        "band_valgus": style.BAND_VALGUS,
        "verdict": dict(style.VERDICT_COLOUR),
        "ink": style.INK,
        "muted": style.MUTED,
        "rule": style.RULE,
    }


def _static(name: str) -> str:
    return resources.files("gaitcheck.report").joinpath("static", name).read_text(encoding="utf-8")


def viewer_script() -> str:
    """The chart's JavaScript: defines `GaitcheckViewer.mount(container, video, data)`."""
    return _static("viewer.js")


def viewer_css() -> str:
    """The chart's stylesheet (every rule under the `.gv` class the script gives its container)."""
    return _static("viewer.css")


def data_json(data: dict[str, Any]) -> str:
    """The data as JSON that is safe inside a <script> element: every '<' escaped, so no '</script>'
    or '<!--' in a label can end it early."""
    return json.dumps(data, allow_nan=False, separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")


def viewer_html(video_src: str, data: dict[str, Any]) -> str:
    """The video and its curves as one HTML fragment with the data and script inline (report.html);
    the page's <head> needs `viewer_css()`."""
    mount = (
        f"GaitcheckViewer.mount(document.getElementById({json.dumps(CURVES_ID)}), "
        f"document.getElementById({json.dumps(VIDEO_ID)}), "
        f"JSON.parse(document.getElementById({json.dumps(DATA_ID)}).textContent));"
    )
    return (
        '<div class="gv-report">'
        f'<div class="gv-stage"><video id="{VIDEO_ID}" src="{escape(video_src)}" controls muted playsinline '
        'preload="auto"></video></div>'
        f'<div id="{CURVES_ID}"><noscript><p class="note">The interactive curves need JavaScript; the figures '
        "below show the same curves.</p></noscript></div>"
        f'<script type="application/json" id="{DATA_ID}">{data_json(data)}</script>'
        f"<script>{viewer_script()}\n{mount}</script></div>"
    )
