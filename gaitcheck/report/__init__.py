"""Everything a person or another program reads after an analysis: report.html (and report.pdf),
the curve figures in plots/, reps.csv, annotated.mp4 with key frames, and an optional .trc.

`write_outputs(analysis, out)` is called by `Analysis.save` after the data files; which outputs
are written follows the Settings (report, annotated_video, blur_faces, pdf, trc). A missing
source video (e.g. --from-landmarks on another machine) skips the video and key frames with a
line in run.log; it never fails the run.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from gaitcheck.errors import GaitcheckError

if TYPE_CHECKING:
    from gaitcheck.analysis import Analysis

log = logging.getLogger(__name__)

REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"
ANNOTATED_MP4 = "annotated.mp4"
PLOTS_DIR = "plots"

__all__ = ["ANNOTATED_MP4", "PLOTS_DIR", "REPORT_HTML", "REPORT_PDF", "write_outputs"]


def write_outputs(analysis: Analysis, out: str | Path) -> list[Path]:
    """Write the outputs the settings ask for into `out`; append what happened to run.log."""
    from gaitcheck.analysis import RUN_LOG, _collect_log

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    with _collect_log(lines):
        written = _write(analysis, out)
    if lines:
        with open(out / RUN_LOG, "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
    return written


def _write(analysis: Analysis, out: Path) -> list[Path]:
    from gaitcheck.report.content import KeyFrame, build_report, file_list
    from gaitcheck.report.exports import REPS_CSV, TRC_FILE, write_reps_csv, write_trc
    from gaitcheck.report.results import Result

    settings = analysis.settings
    result = Result.from_analysis(analysis)
    written: list[Path] = []
    notes: list[str] = []
    wants_report = settings.report or settings.pdf
    if wants_report:
        written.append(write_reps_csv(result, out / REPS_CSV))
    if settings.trc:
        written.append(write_trc(analysis.landmarks.clean, out / TRC_FILE, analysis.video.fps))
    specs = key_frame_specs(analysis, result) if wants_report else []
    key_frames: list[KeyFrame] = []
    if settings.annotated_video or specs:
        video = Path(analysis.video.path)
        if not video.is_file():
            message = f"the source video {video} is not available: annotated video and key frames skipped"
            log.warning(message)
            notes.append(message.capitalize() + ".")
        else:
            target = out / ANNOTATED_MP4 if settings.annotated_video else None
            try:
                key_frames = _render(analysis, target, specs)
                if target is not None:
                    written.append(target)
            except (GaitcheckError, OSError, _ffmpeg_error()) as exc:  # never lose the analysis over its video
                log.warning("annotated video and key frames skipped: %s", exc)
                notes.append(f"Annotated video and key frames skipped: {exc}.")
                if target is not None and target.exists():
                    target.unlink()
    if wants_report:
        from gaitcheck.report.html import render_html
        from gaitcheck.report.plots import write_plots

        figures = write_plots(result, out / PLOTS_DIR)
        written.append(out / PLOTS_DIR)
        files = sorted(set(file_list(out)) | {REPORT_HTML} | ({REPORT_PDF} if settings.pdf else set()))
        if not settings.report:
            files.remove(REPORT_HTML)
        doc = build_report(result, figures, key_frames, files, notes, faces_blurred=settings.blur_faces)
        if settings.report:
            (out / REPORT_HTML).write_text(render_html(doc), encoding="utf-8")
            written.append(out / REPORT_HTML)
        if settings.pdf:
            from gaitcheck.report.pdf import render_pdf

            written.append(render_pdf(doc, out / REPORT_PDF))
    for path in written:
        log.info("wrote %s", path)
    return written


def _ffmpeg_error() -> type[Exception]:
    import av

    return av.error.FFmpegError


def key_frame_specs(analysis: Analysis, result) -> list[dict]:
    """Per leg, the repetition or step with the largest graded value in the verdict's segments,
    and the frame its frontal angles were read at."""
    from gaitcheck.assess import frontal_event_row

    clean = analysis.landmarks.clean
    row_of = {int(f): i for i, f in enumerate(clean.frame)}
    specs = []
    for side in ("left", "right"):
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


def _render(analysis: Analysis, target: Path | None, specs: list[dict]):
    from gaitcheck.report.content import KeyFrame
    from gaitcheck.report.overlay import key_frame_image, render_video
    from gaitcheck.report.plots import png_bytes_of_image
    from gaitcheck.report.style import MEASURE_LABEL, fmt

    captured = render_video(analysis, target, analysis.settings.blur_faces, capture=[s["frame"] for s in specs])
    verdicts = {side: analysis.legs[side].verdict for side in ("left", "right")}
    frames = []
    for spec in specs:
        rgb = captured.get(spec["frame"])
        if rgb is None or spec["row"] is None:
            continue
        event, side = spec["event"], spec["side"]
        points = analysis.landmarks.clean.image_px[spec["row"]]
        fppa = analysis.angles[f"{side}_fppa_deg"].iloc[spec["row"]]
        t = analysis.angles["time_s"].iloc[spec["row"]]
        what = f"rep {event['number']}" if event["event"] == "rep" else f"{side} step {event['number']}"
        image = key_frame_image(rgb, points, side, verdicts, float(fppa), analysis.video.width_px)
        graded = event["graded_measure"]
        extra = ""
        if graded != "fppa_deg":
            extra = f"; {MEASURE_LABEL.get(graded, graded).lower()} {fmt(event['graded_value'], 2, signed=True)}"
        caption = (
            f"{side.capitalize()} leg, {what} at {fmt(t, 2, 's')}: FPPA {fmt(fppa, 1, 'deg', signed=True)}, "
            f"hip adduction {fmt(event.get('hip_adduction_deg'), 1, 'deg', signed=True)}{extra} "
            f"({'midstance' if event['event'] == 'step' else 'frame measured'})."
        )
        frames.append(KeyFrame(side, png_bytes_of_image(image), caption))
    return frames
