"""Everything a person or another program reads after an analysis: report.html (and report.pdf),
the curve figures in plots/, reps.csv, annotated.mp4 with key frames, and an optional .trc.

`write(analysis, out, outputs, context=...)` is what a front-end calls after `store.save`; which
outputs are written follows the `OutputOptions` (report, annotated_video, blur_faces, pdf, trc).
`prepare(outputs)`, called before the analysis, imports what they need while the clip is analysed.
The report reads the model and never the other way. A missing source video (e.g.
--from-landmarks on another machine) skips the video and key frames with a line in run.log; it
never fails the run.
"""

from __future__ import annotations

import importlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gaitcheck.context import RunContext
from gaitcheck.errors import Cancelled, GaitcheckError
from gaitcheck.model import Analysis
from gaitcheck.report.results import Result
from gaitcheck.settings import OutputOptions
from gaitcheck.store import RUN_LOG
from gaitcheck.vocabulary import SIDES

if TYPE_CHECKING:  # drawing (matplotlib) is imported when a report is written, not with gaitcheck
    from gaitcheck.report.content import KeyFrame

log = logging.getLogger(__name__)

REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"
ANNOTATED_MP4 = "annotated.mp4"
PLOTS_DIR = "plots"

__all__ = ["ANNOTATED_MP4", "PLOTS_DIR", "REPORT_HTML", "REPORT_PDF", "prepare", "refresh", "write"]

#: What writing the outputs imports beyond gaitcheck's analysis: matplotlib's figures alone take
#: about 0.3 s, an eighth of the default outputs of a 9 s clip (timed by hand, 2026-12-05).
OUTPUT_MODULES = (
    "gaitcheck.report.plots",
    "gaitcheck.report.overlay",
    "gaitcheck.report.content",
    "gaitcheck.report.html",
    "matplotlib.backends.backend_agg",
)
PDF_MODULES = ("gaitcheck.report.pdf",)
_preparing: list[threading.Thread] = []


def prepare(outputs: OutputOptions | None = None) -> None:
    """Import what writing `outputs` needs, in a thread, while the caller analyses the clip: pose
    inference leaves part of a core idle, and the imports would otherwise be paid after it.
    `write` waits for them. Cheap when they are imported already."""
    outputs = outputs if outputs is not None else OutputOptions()
    if not (outputs.report or outputs.pdf or outputs.annotated_video):
        return
    modules = OUTPUT_MODULES + (PDF_MODULES if outputs.pdf else ())
    thread = threading.Thread(target=_import_quietly, args=(modules,), name="gaitcheck-prepare")
    _preparing.append(thread)
    thread.start()


def _import_quietly(modules: tuple[str, ...]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # `write` imports it again and says what is wrong
            log.debug("could not import %s ahead of the outputs", name, exc_info=True)


def _prepared() -> None:
    """Wait for `prepare`'s imports (two threads importing one module would wait on each other anyway)."""
    while _preparing:
        _preparing.pop().join()


def write(
    analysis: Analysis,
    out: str | Path,
    outputs: OutputOptions | None = None,
    *,
    context: RunContext | None = None,
    result: Result | None = None,
) -> list[Path]:
    """Write the outputs asked for into `out`; append what happened to its run.log. `result` (the
    analysis's own by default) is what the report shows: `refresh` passes the folder's, hand edits and all."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    context = context if context is not None else RunContext()
    _prepared()
    already = len(context.lines)
    with context.active():
        written = _write(analysis, out, outputs if outputs is not None else OutputOptions(), context, result)
    lines = context.lines[already:]
    if lines:
        with open(out / RUN_LOG, "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
    return written


def refresh(
    folder: str | Path, outputs: OutputOptions | None = None, *, context: RunContext | None = None
) -> list[Path]:
    """Rewrite the report of a result folder from its own summary.json (reps.csv, plots, report.html,
    and report.pdf when it is there), keeping annotated.mp4: after key frames were checked by hand,
    whose values live in summary.json only. Nothing is re-analysed."""
    from gaitcheck.store import load

    folder = Path(folder)
    base = outputs if outputs is not None else OutputOptions()
    outputs = base.replace(annotated_video=False, pdf=(folder / REPORT_PDF).is_file())
    return write(load(folder), folder, outputs, context=context, result=Result.from_folder(folder))


def _write(
    analysis: Analysis, out: Path, outputs: OutputOptions, context: RunContext, result: Result | None = None
) -> list[Path]:
    from gaitcheck.report.exports import REPS_CSV, TRC_FILE, write_reps_csv, write_trc
    from gaitcheck.report.plots import write_plots

    context.progress("report", 0, 3)
    result = result if result is not None else Result.from_analysis(analysis)
    written: list[Path] = []
    notes: list[str] = []
    wants_report = outputs.report or outputs.pdf
    if wants_report:
        written.append(write_reps_csv(result, out / REPS_CSV))
    if outputs.trc:
        written.append(write_trc(analysis.landmarks.clean, out / TRC_FILE, analysis.video.fps))
    # The figures are drawn in a thread while the video is decoded, drawn on and encoded: matplotlib
    # mostly holds the interpreter, FFmpeg mostly does not, so on two cores the two overlap.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="gaitcheck-plots") as pool:
        drawing = (
            pool.submit(write_plots, result, out / PLOTS_DIR, outputs.svg_plots, outputs.every_plot)
            if wants_report
            else None
        )
        specs = key_frame_specs(analysis, result) if wants_report else []
        key_frames = _video_and_key_frames(analysis, out, outputs, specs, context, written, notes)
        figures = drawing.result() if drawing is not None else {}
    if wants_report:
        written.append(out / PLOTS_DIR)
        written += _documents(result, out, outputs, figures, key_frames, notes, context)
    context.progress("report", 3, 3)
    for path in written:
        log.info("wrote %s", path)
    return written


def _video_and_key_frames(
    analysis: Analysis,
    out: Path,
    outputs: OutputOptions,
    specs: list[dict[str, Any]],
    context: RunContext,
    written: list[Path],
    notes: list[str],
) -> list[KeyFrame]:
    """annotated.mp4 (when asked) and the key frames' pictures, in one pass over the video; a video
    that cannot be read or written costs these two, never the analysis (a note says why)."""
    if not (outputs.annotated_video or specs):
        return []
    video = Path(analysis.video.path)
    if not video.is_file():
        message = f"the source video {video} is not available: annotated video and key frames skipped"
        log.warning(message)
        notes.append(message.capitalize() + ".")
        return []
    target = out / ANNOTATED_MP4 if outputs.annotated_video else None
    try:
        key_frames = _render(analysis, target, specs, outputs.blur_faces, context)
    except Cancelled:
        raise
    except (GaitcheckError, OSError, _ffmpeg_error()) as exc:  # never lose the analysis over its video
        log.warning("annotated video and key frames skipped: %s", exc)
        notes.append(f"Annotated video and key frames skipped: {exc}.")
        if target is not None and target.exists():
            target.unlink()
        return []
    if target is not None:
        written.append(target)
    return key_frames


def _documents(
    result: Result,
    out: Path,
    outputs: OutputOptions,
    figures: dict[str, bytes],
    key_frames: list[KeyFrame],
    notes: list[str],
    context: RunContext,
) -> list[Path]:
    """report.html and report.pdf, as asked."""
    from gaitcheck.report.content import build_report, file_list
    from gaitcheck.report.html import render_html

    context.progress("report", 1, 3)
    files = sorted(set(file_list(out)) | {REPORT_HTML} | ({REPORT_PDF} if outputs.pdf else set()))
    if not outputs.report:
        files.remove(REPORT_HTML)
    video_src = ANNOTATED_MP4 if (out / ANNOTATED_MP4).is_file() else None  # written now, or kept by refresh
    doc = build_report(result, figures, key_frames, files, notes, faces_blurred=outputs.blur_faces, video_src=video_src)
    written = []
    if outputs.report:
        (out / REPORT_HTML).write_text(render_html(doc), encoding="utf-8")
        written.append(out / REPORT_HTML)
    if outputs.pdf:
        from gaitcheck.report.pdf import render_pdf

        context.progress("report", 2, 3)
        written.append(render_pdf(doc, out / REPORT_PDF))
    return written


def _ffmpeg_error() -> type[Exception]:
    import av

    return av.error.FFmpegError


def key_frame_specs(analysis: Analysis, result: Result) -> list[dict[str, Any]]:
    """Per leg, the repetition or step with the largest graded value in the verdict's segments,
    and the frame its frontal angles were read at."""
    from gaitcheck.assess import frontal_event_row

    clean = analysis.landmarks.clean
    row_of = {int(f): i for i, f in enumerate(clean.frame)}
    specs = []
    for side in SIDES:
        if analysis.legs[side].verdict == "insufficient-data":
            continue  # no verdict to illustrate (side view, camera off square, leg not tested)
        rows = [
            r for r in result.event_rows() if r["leg"] == side and r["primary"] and r.get("graded_value") is not None
        ]
        if not rows:
            continue
        worst = max(rows, key=lambda r: r["graded_value"])
        frame = worst["event_frame"]
        if worst["event"] == "rep":
            try:
                start, bottom, end = (row_of[worst[k]] for k in ("start_frame", "event_frame", "end_frame"))
            except KeyError:
                continue
            row, _ = frontal_event_row(clean, side, start, bottom, end)
            if row is None:
                continue
            frame = int(clean.frame[row])
        specs.append({"side": side, "frame": int(frame), "row": row_of.get(int(frame)), "event": worst})
    return specs


def _render(
    analysis: Analysis, target: Path | None, specs: list[dict[str, Any]], blur_faces: bool, context: RunContext
) -> list[KeyFrame]:
    from gaitcheck.report.content import KeyFrame, key_frame_caption
    from gaitcheck.report.overlay import key_frame_image, render_video
    from gaitcheck.report.plots import png_bytes_of_image

    wanted = [s["frame"] for s in specs]
    captured = render_video(analysis, target, blur_faces, capture=wanted, progress=context.stage_progress("video"))
    verdicts: dict[str, str] = {side: analysis.legs[side].verdict for side in SIDES}
    frames = []
    for spec in specs:
        rgb = captured.get(spec["frame"])
        if rgb is None or spec["row"] is None:
            continue
        event, side = spec["event"], spec["side"]
        points = analysis.landmarks.clean.image_px[spec["row"]]
        fppa = analysis.angles[f"{side}_fppa_deg"].iloc[spec["row"]]
        t = analysis.angles["time_s"].iloc[spec["row"]]
        image = key_frame_image(rgb, points, side, verdicts, float(fppa), analysis.video.width_px)
        caption = key_frame_caption(event, side, float(fppa), float(t))
        frames.append(KeyFrame(side, png_bytes_of_image(image), caption))
    return frames
