"""Two sessions side by side (before/after treatment, or two visits): time-normalised curves per
repetition, per-leg changes against measurement error, in the report's style.

Reads only result folders (summary.json + angles.csv), so sessions analysed on different days or
machines can be compared without their videos.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from matplotlib.patches import Patch

from gaitcheck.assess import ASYMMETRY_ERROR
from gaitcheck.errors import InputError
from gaitcheck.report import plots, wording
from gaitcheck.report.content import method_blocks
from gaitcheck.report.document import Callout, Card, Cards, Cell, Document, Image, Para, Section, Table
from gaitcheck.report.html import render_html
from gaitcheck.report.results import Result
from gaitcheck.report.style import (
    INK,
    LEG_COLOUR,
    MEASURE_LABEL,
    MEASURE_UNIT,
    MOVEMENT_LABEL,
    VERDICT_LABEL,
    fmt,
    plus_minus,
)
from gaitcheck.version import __version__
from gaitcheck.vocabulary import SIDES

COMPARE_HTML = "compare.html"
COMPARE_CSV = "compare.csv"
CURVE_MEASURES = ("fppa_deg", "hip_adduction_deg", "pelvic_drop_deg", "knee_flexion_deg")
TABLE_MEASURES = (
    "fppa_deg",
    "knee_medial_shift",
    "knee_over_foot",
    "hip_adduction_deg",
    "femoral_adduction_deg",
    "pelvic_drop_deg",
    "trunk_lean_ipsilateral_deg",
    "knee_flexion_peak_deg",
    "hip_internal_rotation_deg",
)

# section titles
ANSWER = "What changed?"
QUALITY = "Recording quality"
CURVES = "Curves per repetition"
CHANGES = "Changes per leg"
SESSIONS = "The two sessions"
METHOD = "Method, definitions and sources"


def measurement_error(measure: str, running: bool) -> tuple[float, str] | None:
    """Smallest detectable difference for a measure (FPPA always; the running SDDs only for running)."""
    if measure == "fppa_deg" or (running and measure in ASYMMETRY_ERROR):
        value, source = ASYMMETRY_ERROR[measure]
        return value, source.split(":")[0].split(" (")[0]
    return None


def _change_words(delta: float, error: float) -> str:
    size = abs(delta)
    if size >= error + 1:
        return "beyond"
    if size >= error - 1:
        return "at the limit of"
    return "within"


# ------------------------------------------------------------------------------------------------
def _session_curves(ax, result: Result, measure: str, label: str, dashed: bool = False, band: bool = True) -> None:
    x = np.linspace(0, 100, 101)
    for side in SIDES:
        curves = plots.normalised_curves(result, side, measure)
        if not len(curves):
            continue
        mean, sd = plots.mean_and_sd(curves)
        ax.plot(x, mean, color=LEG_COLOUR[side], lw=2.0, ls="--" if dashed else "-",
                label=f"{side} {label} (n={len(curves)})")  # fmt: skip
        if band and len(curves) > 1:
            ax.fill_between(x, mean - sd, mean + sd, color=LEG_COLOUR[side], alpha=0.15, linewidth=0)


def compare_figure(a: Result, b: Result, measure: str, labels: tuple[str, str]):
    """Three panels: session A (mean ± SD per leg), session B, and both overlaid (A dashed)."""
    with plots._rc():
        fig = plots._figure(10.0, 3.0)
        axes = fig.subplots(1, 3, sharey=True)
        plots._margins(fig, 0.6, 0.2, 0.5, 0.5)
        fig.subplots_adjust(wspace=0.12)
        titles = (labels[0], labels[1], f"{labels[0]} (dashed) vs {labels[1]}")
        for ax, title in zip(axes, titles, strict=True):
            plots._style(ax)
            ax.set_title(title, loc="left", fontsize=9, color=INK)
            ax.axhline(0, color="#9aa5b1", lw=0.7)
            ax.set_xlim(0, 100)
            ax.set_xlabel(f"% of {'stance' if b.running else 'repetition'}", fontsize=8)
        _session_curves(axes[0], a, measure, labels[0])
        _session_curves(axes[1], b, measure, labels[1])
        _session_curves(axes[2], a, measure, labels[0], dashed=True, band=False)
        _session_curves(axes[2], b, measure, labels[1], band=False)
        for ax in axes:
            plots._threshold_bands(ax, b, measure)
        unit = MEASURE_UNIT.get(measure, "")
        axes[0].set_ylabel("deg" if unit == "deg" else unit, fontsize=8)
        fig.suptitle(f"{MEASURE_LABEL.get(measure, measure)}   ({plots.SIGN_NOTE.get(measure, '')})",
                     x=0.06, ha="left", fontsize=10, fontweight="bold", color=INK)  # fmt: skip
        handles = [Patch(color=LEG_COLOUR[s], label=f"{s} leg") for s in SIDES]
        axes[2].legend(handles=handles, frameon=False, fontsize=7.5, loc="best")
    return fig


def events_figure(a: Result, b: Result, labels: tuple[str, str]):
    """The graded measure of every repetition or step, per leg, in each session."""
    measure = b.graded
    with plots._rc():
        fig = plots._figure(10.0, 2.8)
        axes = fig.subplots(1, 2, sharey=True)
        plots._margins(fig, 0.6, 0.2, 0.35, 0.4)
        for ax, side in zip(axes, SIDES, strict=True):
            plots._style(ax)
            for i, result in enumerate((a, b)):
                values = [
                    r["graded_value"]
                    for r in result.event_rows()
                    if r["leg"] == side and r["primary"] and r.get("graded_value") is not None
                ]
                if not values:
                    continue
                jitter = np.linspace(-0.12, 0.12, len(values)) if len(values) > 1 else np.zeros(1)
                ax.plot(i + jitter, values, "o", color=LEG_COLOUR[side], alpha=0.75, ms=5, mec="white", zorder=3)
                ax.plot([i - 0.25, i + 0.25], [np.mean(values)] * 2, color=INK, lw=2, zorder=4)
            ax.set_xticks([0, 1], labels)
            ax.set_xlim(-0.6, 1.6)
            ax.axhline(0, color="#9aa5b1", lw=0.7)
            plots._threshold_bands(ax, b, measure)
            ax.set_title(f"{side.capitalize()} leg", loc="left", fontsize=9, color=LEG_COLOUR[side], fontweight="bold")
        unit = MEASURE_UNIT.get(measure, "")
        axes[0].set_ylabel(f"{MEASURE_LABEL.get(measure, measure)} ({'deg' if unit == 'deg' else unit})", fontsize=8)
    return fig


# ------------------------------------------------------------------------------------------------
def change_rows(a: Result, b: Result) -> list[dict]:
    rows = []
    for side in SIDES:
        for measure in TABLE_MEASURES:
            ma, sa, na = a.mean(side, measure)
            mb, sb, nb = b.mean(side, measure)
            if ma is None and mb is None:
                continue
            delta = None if ma is None or mb is None else mb - ma
            error = measurement_error(measure, b.running)
            rows.append(
                {
                    "leg": side,
                    "measure": measure,
                    "a_mean": ma,
                    "a_sd": sa,
                    "a_n": na,
                    "b_mean": mb,
                    "b_sd": sb,
                    "b_n": nb,
                    "change": delta,
                    "measurement_error": error[0] if error else None,
                    "error_source": error[1] if error else "",
                    "vs_error": _change_words(delta, error[0]) if error and delta is not None else "",
                }
            )
    return rows


def _sentences(a: Result, b: Result, labels: tuple[str, str], side: str) -> list[str]:
    va, vb = a.leg(side).get("verdict", "insufficient-data"), b.leg(side).get("verdict", "insufficient-data")
    out = [f"Verdict: {VERDICT_LABEL.get(va, va).lower()} in {labels[0]}, {VERDICT_LABEL.get(vb, vb).lower()} in "
           f"{labels[1]}."]  # fmt: skip
    moment = "at midstance" if b.running else "at the deepest point"
    for measure, name in (
        ("fppa_deg", f"FPPA {moment}"),
        ("knee_medial_shift", "knee's medial shift over the ankle"),
        ("knee_over_foot", "knee over foot at the bottom"),
    ):
        ma, sa, na = a.mean(side, measure)
        mb, sb, nb = b.mean(side, measure)
        if ma is None or mb is None:
            continue
        digits, unit = (0, "deg") if measure == "fppa_deg" else (2, "")
        text = (
            f"{name[0].upper() + name[1:]} changed from {fmt(ma, digits, unit)}"
            + plus_minus(sa, na, digits, unit)
            + f" ({labels[0]}) to {fmt(mb, digits, unit)}"
            + plus_minus(sb, nb, digits, unit)
            + f" ({labels[1]}), {fmt(mb - ma, digits, unit, signed=True)}"
        )
        error = measurement_error(measure, b.running)
        if error:
            text += (
                f": {_change_words(mb - ma, error[0])} typical 2-D measurement error (about "
                f"{fmt(error[0], 0, 'deg')}, {error[1]})"
            )
        else:
            text += " (no published measurement error for this measure: judge it against the spread of the reps)"
        out.append(text + ".")
    if len(out) == 1:
        out.append(f"No comparable measure for the {side} leg in both sessions.")
    return out


def _comparability(a: Result, b: Result, labels: tuple[str, str]) -> list[str]:
    out = []
    if a.movement != b.movement:
        out.append(
            f"different movements: {MOVEMENT_LABEL.get(a.movement, a.movement)} ({labels[0]}) vs "
            f"{MOVEMENT_LABEL.get(b.movement, b.movement)} ({labels[1]}): the comparison may not be meaningful"
        )
    if a.view != b.view:
        out.append(f"different camera views: {a.view} ({labels[0]}) vs {b.view} ({labels[1]})")
    fa = (a.summary.get("video") or {}).get("fps") or 0
    fb = (b.summary.get("video") or {}).get("fps") or 0
    if fa and fb and abs(fa - fb) / max(fa, fb) > 0.2:
        out.append(f"different frame rates: {fa:.0f} vs {fb:.0f} fps")
    for label, r in zip(labels, (a, b), strict=True):
        for w in (r.summary.get("quality") or {}).get("warnings") or []:
            out.append(f"{label}: {w}")
    return out


def _issues(result: Result) -> list[dict]:
    return list((result.summary.get("quality") or {}).get("issues") or [])


def build_compare(a: Result, b: Result, labels: tuple[str, str], figures: dict[str, bytes]) -> Document:
    warnings = _comparability(a, b, labels)
    sections = []
    if warnings:
        sections.append(
            Section(
                QUALITY,
                [
                    Callout(
                        "Read the comparison with these in mind",
                        warnings,
                        wording.tips_for(_issues(a) + _issues(b))
                        + ["Film both sessions the same way: same place, camera height and distance, same task."],
                    )
                ],
                "quality",
            )
        )
    cards = []
    for side in SIDES:
        vb = b.leg(side).get("verdict", "insufficient-data")
        cards.append(Card(side, vb, f"{labels[1]}: {VERDICT_LABEL.get(vb, vb)}", _sentences(a, b, labels, side)))
    sections.append(
        Section(
            ANSWER,
            [
                Cards(cards),
                Para(wording.MEASUREMENT_ERROR, "note"),
                Para(wording.NON_DIAGNOSTIC, "note"),
            ],
            "answer",
        )
    )
    curve_blocks: list = []
    if "events" in figures:
        curve_blocks.append(Image(figures["events"], f"The graded measure of every {b.event}; line: mean."))
    for measure in CURVE_MEASURES:
        if measure in figures:
            curve_blocks.append(
                Image(
                    figures[measure],
                    f"Each {b.event} time-normalised: mean ± SD per leg in each session, then both overlaid.",
                )
            )
    if not curve_blocks:
        curve_blocks.append(Para("No repetitions or steps with curves in both sessions.", "note"))
    sections.append(Section(CURVES, curve_blocks, "curves"))
    rows = []
    for r in change_rows(a, b):
        unit = MEASURE_UNIT.get(r["measure"], "")
        digits = 2 if unit == "shank lengths" else 1

        def ms(mean, sd, n, digits=digits, unit=unit):
            return "–" if mean is None else fmt(mean, digits, unit) + plus_minus(sd, n, digits)

        error = r["measurement_error"]
        rows.append(
            [
                Cell(r["leg"], leg=r["leg"]),
                Cell(MEASURE_LABEL.get(r["measure"], r["measure"]), muted=r["measure"] == "hip_internal_rotation_deg"),
                Cell(ms(r["a_mean"], r["a_sd"], r["a_n"]), numeric=True),
                Cell(ms(r["b_mean"], r["b_sd"], r["b_n"]), numeric=True),
                Cell(fmt(r["change"], digits, unit, signed=True), numeric=True),
                Cell(f"{fmt(error, 1, 'deg')} — {r['vs_error']}" if error else "–", numeric=True, muted=not error),
            ]
        )
    sections.append(
        Section(
            CHANGES,
            [
                Table(
                    [
                        "Leg",
                        "Measure",
                        f"{labels[0]} (mean ± SD)",
                        f"{labels[1]} (mean ± SD)",
                        "Change",
                        "Measurement error",
                    ],
                    rows,
                    "Change = second session minus first. Measurement error: smallest detectable difference "
                    "(FPPA 8°, Munro 2012; running hip adduction 3.8° and pelvic drop 2.8°, Dingenen 2018).",
                )
                if rows
                else Para("No per-leg measures in either session.", "note")
            ],
            "changes",
        )
    )
    session_rows = []
    for label, session in zip(labels, (a, b), strict=True):
        video = session.summary.get("video") or {}
        n = len(session.summary.get("steps") or []) if session.running else len(session.summary.get("reps") or [])
        session_rows.append(
            [
                Cell(label),
                Cell(session.name),
                Cell(str(session.folder) if session.folder else ""),
                Cell(f"{MOVEMENT_LABEL.get(session.movement, session.movement)}, {session.view} view"),
                Cell(f"{n} {session.event}s"),
                Cell(f"{fmt(video.get('fps'), 0)} fps, {video.get('width_px')}×{video.get('height_px')}"),
                Cell(str(session.summary.get("created", ""))[:10]),
                Cell(str(session.summary.get("gaitcheck_version", ""))),
            ]
        )
    sections.append(
        Section(
            SESSIONS,
            [Table(["", "Clip", "Result folder", "Task", "Events", "Video", "Analysed", "gaitcheck"], session_rows)],
            "sessions",
        )
    )
    sections.append(Section(METHOD, method_blocks(b), "method"))
    task = MOVEMENT_LABEL.get(b.movement, b.movement or "movement")
    return Document(
        brand="gaitcheck · session comparison",
        title=f"Session comparison: {task}",
        subtitle=f"{labels[0]}: {a.name}  →  {labels[1]}: {b.name}",
        meta=[f"{labels[0]}: {a.folder}", f"{labels[1]}: {b.folder}", f"gaitcheck {__version__}"],
        sections=sections,
        footer=f"Generated by gaitcheck {__version__}. It describes movement; it does not replace a clinical "
        "examination.",
    )


def compare_folders(
    folder_a: str | Path, folder_b: str | Path, out: str | Path, labels: tuple[str, str] | None = None
) -> Path:
    """Write compare.html, compare.csv and plots/ for two result folders into `out`."""
    a, b = Result.from_folder(folder_a), Result.from_folder(folder_b)
    out = Path(out)
    if out.resolve() in (Path(folder_a).resolve(), Path(folder_b).resolve()):
        raise InputError("--out must be a new folder, not one of the result folders being compared")
    labels = labels or _default_labels(Path(folder_a), Path(folder_b))
    if labels[0] == labels[1]:
        labels = (labels[0] + " (1)", labels[1] + " (2)")
    out.mkdir(parents=True, exist_ok=True)
    folder = out / "plots"
    figures: dict[str, bytes] = {}
    if any(a.event_windows(s) for s in SIDES) or any(b.event_windows(s) for s in SIDES):
        figures["events"] = plots.save(events_figure(a, b, labels), folder, f"compare_per_{b.event}", svg=True)
        for measure in CURVE_MEASURES:
            if plots.available(a, measure) and plots.available(b, measure):
                figure = compare_figure(a, b, measure, labels)
                figures[measure] = plots.save(figure, folder, f"compare_{measure}", svg=True)
    doc = build_compare(a, b, labels, figures)
    (out / COMPARE_HTML).write_text(render_html(doc), encoding="utf-8")
    rows = change_rows(a, b)
    with open(out / COMPARE_CSV, "w", newline="", encoding="utf-8") as handle:
        fields = ["leg", "measure", "a_mean", "a_sd", "a_n", "b_mean", "b_sd", "b_n", "change",
                  "measurement_error", "error_source", "vs_error"]  # fmt: skip
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return out / COMPARE_HTML


def _default_labels(a: Path, b: Path) -> tuple[str, str]:
    return a.resolve().name or "A", b.resolve().name or "B"
