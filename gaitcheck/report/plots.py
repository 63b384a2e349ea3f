"""Angle-curve figures: left and right overlaid, repetitions or stance phases shaded, the task's
threshold bands, and per-repetition views (time-normalised curves, bars).

Matplotlib's object API only (no pyplot): no global state, no GUI backend, nothing written but the
files asked for.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from gaitcheck.report.results import Result
from gaitcheck.report.style import (
    BAND_BORDERLINE,
    BAND_VALGUS,
    INK,
    LEG_COLOUR,
    LEG_TINT,
    MEASURE_LABEL,
    MEASURE_UNIT,
    MEASURES,
    MUTED,
    RULE,
)
from gaitcheck.vocabulary import SIDES

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

SIGN_NOTE = {
    "fppa_deg": "+ valgus (knee medial to the hip–ankle line)",
    "hip_adduction_deg": "+ femur points medially relative to the pelvis",
    "femoral_adduction_deg": "+ knee medial to the hip, relative to vertical",
    "pelvic_drop_deg": "+ opposite hip lower (this leg as stance leg)",
    "knee_medial_displacement": "+ knee medial to the hip–ankle line",
    "knee_flexion_deg": "0 = straight knee",
    "hip_internal_rotation_deg": "experimental, low confidence: do not use for decisions",
    "trunk_lean_deg": "+ toward the subject's right",
    "knee_over_foot": "+ knee inside the foot's midline",
    "knee_medial_shift": "+ knee moves inward over the ankle",
}
DPI = 150
RC: dict[RcKeyType, Any] = {
    "font.size": 9,
    "axes.edgecolor": RULE,
    "axes.labelcolor": INK,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "axes.titlesize": 10,
}


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI)
    fig.set_facecolor("white")
    return fig


def _margins(fig: Figure, left: float, right: float, top: float, bottom: float, hspace: float = 0.0) -> None:
    """Fixed margins in inches (a layout engine would redraw the figure several times: slow)."""
    w, h = fig.get_size_inches()
    fig.subplots_adjust(left=left / w, right=1 - right / w, top=1 - top / h, bottom=bottom / h, hspace=hspace)


def _style(ax) -> None:
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    ax.grid(True, color="#eef0f3", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=8, length=3, color=RULE)


def available(result: Result, measure: str) -> bool:
    columns = [f"{s}_{measure}" for s in SIDES] if f"left_{measure}" in result.angles else [measure]
    return any(c in result.angles and np.isfinite(result.angles[c].to_numpy(float)).any() for c in columns)


def curve_measures(result: Result) -> list[str]:
    """Measures that have data in this result, in report order."""
    names = [m for m, *_ in MEASURES] + ["trunk_lean_deg"]
    return [m for m in names if available(result, m)]


def band_edges(result: Result, measure: str) -> tuple[float, float] | None:
    """Where this measure's borderline band starts and its valgus band starts, each widened by the
    measurement error (a value within it of an edge grades borderline); None when the curves of this
    measure get no bands (not the graded measure, or nothing graded)."""
    t = result.threshold
    if t is None or measure != result.graded or measure not in ("fppa_deg", "knee_over_foot", "knee_medial_shift"):
        return None
    if all(v == "insufficient-data" for v in result.verdicts().values()):
        return None  # nothing is graded (side view, camera off square): no bands to suggest it
    return t.borderline_from - t.margin, t.valgus_from + t.margin


def band_top(edges: tuple[float, float], data_top: float) -> float:
    """The top of the valgus band: above the data, and high enough to read as a band."""
    return max(data_top, edges[1] * 1.4)


def _threshold_bands(ax, result: Result, measure: str) -> bool:
    edges = band_edges(result, measure)
    if edges is None:
        return False
    top = band_top(edges, ax.get_ylim()[1])
    ax.axhspan(edges[0], edges[1], color=BAND_BORDERLINE, zorder=0, linewidth=0)
    ax.axhspan(edges[1], top, color=BAND_VALGUS, zorder=0, linewidth=0)
    ax.set_ylim(top=top)
    return True


def event_spans(result: Result) -> list[tuple[float, float, str]]:
    """(start_s, end_s, leg) of each repetition (by its stance leg: left, right or both) or stance phase."""
    if result.running:
        return [(s["contact_s"], s["toe_off_s"], s.get("leg")) for s in result.summary.get("steps") or []]
    return [(r["start_s"], r["end_s"], r.get("stance_leg", "both")) for r in result.summary.get("reps") or []]


def _shade_events(ax, result: Result) -> set[str]:
    """Shade each repetition (by its stance leg) or stance phase; return the tints used."""
    used = set()
    alpha = 0.7 if result.running else 1.0
    for start, end, leg in event_spans(result):
        ax.axvspan(start, end, color=LEG_TINT.get(leg, LEG_TINT["both"]), alpha=alpha, linewidth=0, zorder=0)
        used.add(leg)
    return used


def curves_figure(result: Result, measures: list[str], width: float = 10.0, panel_height: float = 1.9) -> Figure:
    """Stacked time curves, one panel per measure, left and right overlaid."""
    with _rc():
        height = 0.95 + panel_height * len(measures)
        fig = _figure(width, height)
        axes = fig.subplots(len(measures), 1, sharex=True, squeeze=False)[:, 0]
        _margins(fig, 0.6, 0.2, 0.55, 0.45, hspace=0.45 / panel_height * 1.4)
        t = result.angles["time_s"].to_numpy(float)
        tints: set[str] = set()
        banded = False
        for ax, measure in zip(axes, measures, strict=True):
            _style(ax)
            tints |= _shade_events(ax, result)
            per_leg = f"left_{measure}" in result.angles
            if per_leg:
                for side in SIDES:
                    ax.plot(t, result.angles[f"{side}_{measure}"].to_numpy(float), color=LEG_COLOUR[side], lw=1.5)
                    _event_markers(ax, result, side, measure)
            else:
                ax.plot(t, result.angles[measure].to_numpy(float), color=INK, lw=1.3)
            ax.axhline(0, color="#9aa5b1", lw=0.7, zorder=1)
            banded |= _threshold_bands(ax, result, measure)
            unit = MEASURE_UNIT.get(measure, "")
            ax.set_ylabel("deg" if unit == "deg" else unit, fontsize=8, color=MUTED)
            title = MEASURE_LABEL.get(measure, measure)
            ax.set_title(f"{title}   ", loc="left", fontweight="bold", color=INK)
            ax.set_title(SIGN_NOTE.get(measure, ""), loc="right", fontsize=7.5, color=MUTED)
        axes[-1].set_xlabel("time (s)")
        axes[-1].set_xlim(t[0] if len(t) else 0, t[-1] if len(t) else 1)
        _legend(fig, result, tints, banded)
    return fig


def _event_markers(ax, result: Result, side: str, measure: str) -> None:
    """A dot where each of this leg's repetitions (or steps) was measured."""
    values = result.angles[f"{side}_{measure}"].to_numpy(float)
    t = result.angles["time_s"].to_numpy(float)
    windows = [(event if result.running else start, event) for start, event, _ in result.event_windows(side)]
    idx = [i for start, event in windows if (i := read_row(values, start, event)) is not None]
    if idx:
        ax.plot(t[idx], values[idx], "o", ms=4.5, color=LEG_COLOUR[side], mec=INK, mew=0.7, zorder=4)


def read_row(values: np.ndarray, start: int, event: int) -> int | None:
    """Where a repetition's value was read: its key frame, or the last frame before it (from
    `start`) with a value: angles drawn along the thigh are read in the descent where the thigh
    pointed at the camera at the bottom, and not given there (plausibility.gate_foreshortened_thigh).
    A step's is read at midstance only (`start` = `event`)."""
    finite = np.flatnonzero(np.isfinite(values[start : event + 1]))
    return start + int(finite[-1]) if finite.size else None


def _legend(fig: Figure, result: Result, tints: set[str], banded: bool) -> None:
    handles = [Patch(color=LEG_COLOUR[s], label=f"{s} leg") for s in SIDES]
    event = "stance" if result.running else "rep"
    for leg in ("left", "right", "both"):
        if leg in tints:
            label = f"{event}, {leg} leg" if leg != "both" else f"{event}, both legs"
            handles.append(Patch(color=LEG_TINT[leg], label=label))
    if banded and result.threshold is not None:
        t = result.threshold
        low, high = t.borderline_from - t.margin, t.valgus_from + t.margin
        edges = f"{t.borderline_from:g}–{t.valgus_from:g} ± {t.margin:g}"
        handles.append(Patch(color=BAND_BORDERLINE, label=f"borderline {low:g}–{high:g} ({edges})"))
        handles.append(Patch(color=BAND_VALGUS, label=f"valgus ≥ {high:g}"))
    fig.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, 1.0), ncol=len(handles), frameon=False, fontsize=8
    )


def normalised_curves(result: Result, side: str, measure: str, n: int = 101) -> np.ndarray:
    """(events, n) curves of one leg's repetitions or stance phases, resampled to 0-100 %; NaN
    where a value is missing on either side (a gap is not bridged with a line no one measured)."""
    column = f"{side}_{measure}"
    if column not in result.angles:
        return np.zeros((0, n))
    values = result.angles[column].to_numpy(float)
    out = []
    for start, _, end in result.event_windows(side):
        if end - start < 2:
            continue
        segment = values[start : end + 1]
        if np.isfinite(segment).sum() < 2:
            continue
        out.append(np.interp(np.linspace(0, 1, n), np.linspace(0, 1, len(segment)), segment))
    return np.array(out) if out else np.zeros((0, n))


def mean_and_sd(curves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column of (events, n) curves, the mean and sample SD over the events with a value (NaN
    where none has one; the SD where fewer than two)."""
    counts = np.isfinite(curves).sum(axis=0)
    total = np.nansum(curves, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts > 0, total / counts, np.nan)
        squares = np.nansum((curves - mean) ** 2, axis=0)
        sd = np.where(counts > 1, np.sqrt(squares / (counts - 1)), np.nan)
    return mean, sd


def rep_curves_figure(result: Result, measure: str, width: float = 5.0, height: float = 3.0) -> Figure:
    """Each repetition (or stance phase) time-normalised, thin; the mean per leg, bold."""
    with _rc():
        fig = _figure(width, height)
        ax = fig.subplots()
        _margins(fig, 0.6, 0.15, 0.3, 0.45)
        _style(ax)
        x = np.linspace(0, 100, 101)
        for side in SIDES:
            curves = normalised_curves(result, side, measure)
            for curve in curves:
                ax.plot(x, curve, color=LEG_COLOUR[side], lw=0.8, alpha=0.35)
            if len(curves):
                ax.plot(x, mean_and_sd(curves)[0], color=LEG_COLOUR[side], lw=2.2, label=f"{side} (n={len(curves)})")
        ax.axhline(0, color="#9aa5b1", lw=0.7)
        _threshold_bands(ax, result, measure)
        event = "stance phase" if result.running else "repetition"
        ax.set_xlabel(f"% of {event}")
        unit = MEASURE_UNIT.get(measure, "")
        ax.set_ylabel("deg" if unit == "deg" else unit, fontsize=8, color=MUTED)
        ax.set_title(MEASURE_LABEL.get(measure, measure), loc="left", fontweight="bold", color=INK)
        ax.set_xlim(0, 100)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(frameon=False, fontsize=8)
    return fig


def bars_figure(result: Result, width: float = 10.0, height: float = 2.6) -> Figure | None:
    """The graded measure of every repetition or step, per leg, against the threshold bands."""
    rows = [r for r in result.event_rows() if r["primary"] and r.get("graded_value") is not None]
    if not rows:
        return None
    measure = result.graded
    with _rc():
        fig = _figure(width, height)
        ax = fig.subplots()
        _margins(fig, 0.6, 1.1, 0.3, 0.5)
        _style(ax)
        labels = []
        digits = 2 if MEASURE_UNIT.get(measure) == "shank lengths" else 0
        for i, row in enumerate(rows):
            value = row["graded_value"]
            ax.bar(i, value, color=LEG_COLOUR[row["leg"]], width=0.6, zorder=3)
            if len(rows) <= 24:
                ax.annotate(
                    f"{value:.{digits}f}".replace("-", "−"), (i, value), xytext=(0, 2 if value >= 0 else -9),
                    textcoords="offset points", ha="center", fontsize=7, color=INK,
                )  # fmt: skip
            labels.append(f"{'S' if row['event'] == 'step' else 'R'}{row['number']}\n{row['leg'][0].upper()}")
        ax.axhline(0, color="#9aa5b1", lw=0.7)
        _threshold_bands(ax, result, measure)
        ax.set_xticks(range(len(rows)), labels if len(rows) <= 30 else [""] * len(rows), fontsize=7)
        ax.set_xlim(-0.6, max(len(rows), 12) - 0.4)
        unit = MEASURE_UNIT.get(measure, "")
        ax.set_ylabel("deg" if unit == "deg" else unit, fontsize=8, color=MUTED)
        event = "step (midstance)" if result.running else "repetition (deepest point)"
        ax.set_title(f"{MEASURE_LABEL.get(measure, measure)} per {event}", loc="left", fontweight="bold", color=INK)
        handles = [Patch(color=LEG_COLOUR[s], label=f"{s} leg") for s in SIDES]
        ax.legend(handles=handles, frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


class _rc:
    def __enter__(self):
        import matplotlib

        self._ctx = matplotlib.rc_context(RC)
        self._ctx.__enter__()

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)


def png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def png_bytes_of_image(rgb: np.ndarray, quality: int = 88) -> bytes:
    """A video frame for embedding: JPEG (a photo; a tenth of the size of a PNG)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def save(fig: Figure, folder: Path | None, name: str, svg: bool = False) -> bytes:
    """Write name.png (and name.svg when asked) into folder (when given); return the PNG for embedding."""
    data = png_bytes(fig)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.png").write_bytes(data)
        if svg:
            fig.savefig(folder / f"{name}.svg", format="svg", facecolor="white", metadata={"Date": None})
    return data


#: The measures whose per-repetition figure the report shows (gaitcheck.report.content).
REPORT_REP_MEASURES = ("fppa_deg", "hip_adduction_deg")


def write_plots(result: Result, folder: Path | None, svg: bool = False, every: bool = False) -> dict[str, bytes]:
    """The report's figures: an overview of the main measures over the clip, the per-repetition
    bars, and FPPA and hip adduction per repetition, time-normalised. With `every`, each measure's
    own figures too (its curves over the clip and per repetition): about a tenth of a second each,
    the larger part of the report's time, and report.html draws every measure itself. Returns
    name -> PNG. SVG copies only when asked."""
    figures: dict[str, bytes] = {}
    measures = curve_measures(result)
    main: list[str] = [
        m for m in ("fppa_deg", "hip_adduction_deg", "pelvic_drop_deg", "knee_flexion_deg") if m in measures
    ]
    if main:
        figures["overview"] = save(curves_figure(result, main), folder, "overview", svg)
    has_events = any(result.event_windows(s) for s in SIDES)
    for measure in measures:
        if every:
            figures[f"curve_{measure}"] = save(curves_figure(result, [measure], panel_height=2.4), folder, measure, svg)
        if has_events and f"left_{measure}" in result.angles and (every or measure in REPORT_REP_MEASURES):
            figures[f"reps_{measure}"] = save(rep_curves_figure(result, measure), folder, f"reps_{measure}", svg)
    bars = bars_figure(result)
    if bars is not None:
        figures["bars"] = save(bars, folder, f"per_{result.event}_{result.graded}", svg)
    return figures
