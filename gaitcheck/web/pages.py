"""The two pages of `gaitcheck serve` (upload and jobs; one job's result), as plain HTML strings.

No template engine and no framework: a page is a shell plus a few escaped fragments; the
behaviour lives in static/gaitcheck.js and the look in static/gaitcheck.css, both served by
gaitcheck itself (the page fetches nothing from the internet). The verdict is worded by
gaitcheck.report's own sentence functions, read from the job's summary.json, never re-derived.
"""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path
from typing import Any

from gaitcheck.errors import GaitcheckError
from gaitcheck.vocabulary import SIDES

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
CSS_TYPE = "text/css; charset=utf-8"
JS_TYPE = "text/javascript; charset=utf-8"
#: The only static files served, and as what: the web front-end's own and the report's curve viewer.
STATIC_TYPES = {"gaitcheck.css": CSS_TYPE, "gaitcheck.js": JS_TYPE, "viewer.css": CSS_TYPE, "viewer.js": JS_TYPE}
#: What the job page loads before gaitcheck.js: the curve viewer (gaitcheck.report.viewer).
VIEWER_HEAD = '<link rel="stylesheet" href="/static/viewer.css">\n<script src="/static/viewer.js" defer></script>\n'
TAGLINE = "Does the hip keep the knee in line?"
PRIVATE = "Videos and results stay on this computer: gaitcheck sends nothing anywhere else."


def static_text(name: str) -> str:
    """The text of one static file (a name of STATIC_TYPES): the viewer's from gaitcheck.report."""
    from gaitcheck.report.viewer import viewer_css, viewer_script

    readers = {"viewer.js": viewer_script, "viewer.css": viewer_css}
    reader = readers.get(name)
    return reader() if reader is not None else (STATIC_DIR / name).read_text(encoding="utf-8")


def shell(title: str, body: str, page: str, attributes: str = "", head: str = "") -> str:
    """A whole page around `body`; `page` tells gaitcheck.js which behaviour to start."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · gaitcheck</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/gaitcheck.css">
{head}<script src="/static/gaitcheck.js" defer></script>
</head>
<body data-page="{page}" {attributes}>
<header class="top"><a class="brand" href="/">gaitcheck</a><span class="tagline">{TAGLINE}</span></header>
<main>
{body}
</main>
<footer class="bottom">{PRIVATE}</footer>
</body>
</html>
"""


def options(values: tuple[str, ...]) -> str:
    return "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)


def upload_page(movements: tuple[str, ...], views: tuple[str, ...], max_upload_mb: float) -> str:
    body = f"""
<section class="card">
<h1>Analyse a video</h1>
<form id="upload-form" novalidate>
<label class="drop" id="drop">
<input type="file" id="file" name="video" accept="video/*,.mp4,.mov,.m4v,.avi,.mkv,.webm">
<span class="drop-title">Drop a video here, or <span class="link">choose a file</span></span>
<span class="drop-hint">Up to {max_upload_mb:g} MB. Film squats and step-downs from the front, running from
behind; the whole body in the picture.</span>
<span class="chosen" id="chosen"></span>
</label>
<div class="fields">
<label>Movement <select name="movement" id="movement">{options(movements)}</select></label>
<label>View <select name="view" id="view">{options(views)}</select></label>
<label class="wide">Label (optional) <input name="label" id="label" maxlength="200"
placeholder="e.g. initials and session"></label>
</div>
<div class="actions"><button type="submit" id="send" disabled>Upload and analyse</button></div>
<p class="error" id="upload-error" role="alert" hidden></p>
</form>
</section>
<section class="card">
<h2>Jobs</h2>
<ul class="jobs" id="jobs"><li class="empty">No videos yet.</li></ul>
</section>"""
    return shell("Upload", body, "upload")


def login_page(wrong: bool) -> str:
    note = "That token is not the right one." if wrong else "This server asks for an access token."
    body = f"""
<section class="card narrow">
<h1>Access token</h1>
<p>{note} Ask whoever started gaitcheck for it; this browser keeps it afterwards.</p>
<form id="token-form">
<label>Token <input type="password" id="token" autocomplete="current-password" required></label>
<div class="actions"><button type="submit">Continue</button></div>
</form>
</section>"""
    return shell("Access token", body, "login")


def message_page(message: str) -> str:
    return shell(
        "gaitcheck",
        f'<section class="card"><p class="error">{escape(message)}</p>'
        '<p><a href="/">Back to the upload page</a></p></section>',
        "message",
    )


def job_page(job: dict[str, Any], result: Path) -> str:
    """One job: its state, then (when done) quality warnings and the verdict per leg, the video with
    the curves container beneath it, and the downloads."""
    title = job["label"] or job["original_filename"] or job["id"]
    parts = [
        '<p class="back"><a href="/">&larr; All jobs</a></p>',
        f'<h1>{escape(title)}</h1><p class="meta">{escape(job_meta(job))}</p>',
        status_block(job),
    ]
    if job["status"] == "done":
        parts.append(verdict_section(result))
    parts.append(media_section(job))
    if has_curves(job):
        parts.append(key_frames_section(job))
    parts.append(downloads_section(job))
    attributes = f'data-job-id="{escape(job["id"])}" data-status="{escape(job["status"])}"'
    return shell(title, "\n".join(parts), "job", attributes, VIEWER_HEAD if has_curves(job) else "")


def has_curves(job: dict[str, Any]) -> bool:
    """A done job's page draws the curves (its angles and summary are there)."""
    return job["status"] == "done" and {"angles.csv", "summary.json"} <= set(job["files"])


def job_meta(job: dict[str, Any]) -> str:
    created = (job["created"] or "").replace("T", " ").replace("+00:00", " UTC")
    chosen = f"movement {job['movement']}, view {job['view']}"
    return f"{job['original_filename']} · uploaded {created} · {chosen}"


def status_block(job: dict[str, Any]) -> str:
    """Where the job stands; gaitcheck.js keeps it current and reloads the page when it ends."""
    status = job["status"]
    if status == "done":
        return '<div id="status" class="status done" hidden></div>'
    if status == "failed":
        message = job["error"] or "The analysis failed."
        return f'<div id="status" class="status failed"><strong>The analysis failed.</strong> {escape(message)}</div>'
    if status == "queued":
        text = f"Waiting: number {job['queue_position']} in the queue."
    else:
        text = f"Analysing: {job['stage_label'] or 'starting'}."
    percent = round(100 * job["progress"])
    return (
        f'<div id="status" class="status {status}"><span class="status-text">{escape(text)}</span>'
        f'<progress max="100" value="{percent}">{percent}%</progress></div>'
    )


def verdict_section(result: Path) -> str:
    """Quality warnings first, then the answer per leg, in the report's own words."""
    try:
        return answer_html(result)
    except (GaitcheckError, OSError, KeyError, TypeError, ValueError) as exc:
        log.warning("cannot word the verdict of %s: %s", result, exc)
        return '<section class="answer"><p class="error">The verdict could not be read; open the report.</p></section>'


def answer_html(result: Path) -> str:
    from gaitcheck.report import wording
    from gaitcheck.report.results import Result
    from gaitcheck.report.style import VERDICT_LABEL

    loaded = Result.from_folder(result)
    quality = loaded.summary.get("quality") or {}
    warnings = [str(w) for w in quality.get("warnings") or []]
    tips = wording.tips_for(list(quality.get("issues") or []))
    parts = []
    if warnings:
        items = "".join(f"<li>{escape(w)}</li>" for w in warnings)
        advice = "".join(f"<li>{escape(t)}</li>" for t in tips)
        parts.append(
            f'<section class="quality" id="quality"><h2>Read these results with care</h2><ul>{items}</ul>'
            + (f'<p>Filming tips:</p><ul class="tips">{advice}</ul>' if advice else "")
            + "</section>"
        )
    cards = []
    for side in SIDES:
        verdict = loaded.leg(side).get("verdict", "insufficient-data")
        sentences = [
            *wording.verdict_sentences(loaded, side),
            wording.running_pelvis_sentence(loaded, side),
            wording.hand_adjusted_sentence(loaded, side),
        ]
        confidence = wording.confidence_sentence(loaded, side)
        allowance = wording.allowance_sentence(loaded, side)
        text = "".join(f"<p>{escape(s)}</p>" for s in sentences if s)
        cards.append(
            f'<article class="leg {escape(verdict)}"><h3>{side.capitalize()} leg '
            f'<span class="badge {escape(verdict)}">{escape(VERDICT_LABEL.get(verdict, verdict))}</span></h3>'
            + text
            + (f'<p class="confidence">{escape(confidence)}</p>' if confidence else "")
            + (f'<p class="confidence allowance">{escape(allowance)}</p>' if allowance else "")
            + "</article>"
        )
    extra = "".join(f"<p>{escape(s)}</p>" for s in wording.asymmetry_sentences(loaded))
    parts.append(
        f'<section class="answer" id="answer"><h2>{escape(TAGLINE)}</h2><div class="legs">{"".join(cards)}</div>'
        f'{extra}<p class="note">{escape(wording.NON_DIAGNOSTIC)}</p></section>'
    )
    return "\n".join(parts)


def media_section(job: dict[str, Any]) -> str:
    """The annotated video when there is one (else the upload), with the curves container beneath."""
    files = job["files"]
    source = files.get("annotated.mp4") or files.get(job["video"])
    if source is None:
        return ""
    curves = ""
    if has_curves(job):
        curves = (
            f'<div id="curves" data-viewer-url="/api/jobs/{escape(job["id"])}/viewer.json" '
            f'data-angles-url="{escape(files["angles.csv"])}" data-summary-url="{escape(files["summary.json"])}">'
            '<p class="note">Drawing the curves…</p></div>'
        )
    what = "Annotated video" if "annotated.mp4" in files else "Uploaded video"
    return (
        f'<section class="media"><h2>{what}</h2>'
        f'<video id="video" controls preload="metadata" playsinline src="{escape(source)}"></video>'
        f"{curves}</section>"
    )


def key_frames_section(job: dict[str, Any]) -> str:
    """'Check key frames': filled by gaitcheck.js from /api/jobs/{id}/keyframes."""
    return (
        f'<section class="card keyframes" id="keyframes" data-url="/api/jobs/{escape(job["id"])}/keyframes">'
        "<h2>Check key frames</h2>"
        '<p class="note">Each graded repetition or step was measured on one frame. Drag the hip, knee and '
        "ankle points (and the other hip, which sets the pelvis) onto the joint centres you see: FPPA, hip "
        "adduction and the grade follow at once. Save keeps your correction with the job, beside the automatic "
        "values (summary.json, edits.json); Undo returns to the automatic points.</p>"
        '<div class="kf-list" id="keyframe-list"><p class="note">Loading the key frames…</p></div></section>'
    )


def downloads_section(job: dict[str, Any]) -> str:
    files = job["files"]
    report = files.get("report.html")
    links = "".join(
        f'<li><a href="{escape(url)}" download="{escape(name)}" data-file>{escape(name)}</a></li>'
        for name, url in files.items()
    )
    return (
        '<section class="downloads card"><h2>Files</h2>'
        + (
            f'<p><a class="button" href="{escape(report)}" target="_blank" data-file>Open the full report</a></p>'
            if report
            else ""
        )
        + f'<ul class="files">{links}</ul>'
        + f'<p><a class="button secondary" href="/api/jobs/{escape(job["id"])}/download.zip" data-file>'
        "Download everything (zip)</a> "
        '<button type="button" class="danger" id="delete">Delete this job and its files</button></p></section>'
    )
