"""OUT/index.html: one row per video with its verdict badges and a link to its report.

Self-contained (inline style, no script, nothing from the internet), built from the same rows as
summary.csv, so it never disagrees with the table. Badge colours and labels are the report's own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from gaitcheck.batch.folders import write_atomic
from gaitcheck.batch.table import has_report
from gaitcheck.report import REPORT_HTML
from gaitcheck.report.html import badge
from gaitcheck.report.style import INK, MUTED, RULE, VERDICT_COLOUR, VERDICT_SHORT
from gaitcheck.version import __version__

INDEX_HTML = "index.html"
CSS = f"""
body {{ margin: 0; background: #f3f4f6; color: {INK};
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "Helvetica Neue", Arial, sans-serif; }}
.page {{ max-width: 1180px; margin: 24px auto; background: #fff; padding: 28px 36px; border-radius: 6px; }}
h1 {{ font-size: 22px; margin: 0 0 4px; }}
.meta {{ color: {MUTED}; font-size: 13px; margin: 0 0 18px; }}
table {{ border-collapse: collapse; width: 100%; font-size: 13px; }}
th {{ text-align: left; color: {MUTED}; font-weight: 600; border-bottom: 1.5px solid {INK}; padding: 6px; }}
td {{ border-bottom: 1px solid {RULE}; padding: 6px; vertical-align: top; }}
td.error {{ color: #9b1c1c; max-width: 420px; }}
td.warn {{ color: {MUTED}; font-size: 12px; max-width: 300px; }}
.badge {{ display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 11.5px; font-weight: 650;
  color: #fff; background: var(--v); white-space: nowrap; }}
{"".join(f".badge.{k} {{ --v: {v}; }} " for k, v in VERDICT_COLOUR.items())}
.badge.failed {{ --v: #9b1c1c; }}
.legv {{ white-space: nowrap; margin: 0 0 3px; }}
.leg {{ display: inline-block; width: 2.6em; color: {MUTED}; font-size: 11.5px; }}
.conf {{ color: {MUTED}; font-size: 11.5px; margin-left: 6px; }}
a {{ color: #2563a8; }}
"""


def write_index(rows: list[dict[str, Any]], id_columns: list[str], out: Path) -> Path:
    """Write OUT/index.html from the table's rows (several rows of one video become one line)."""
    videos = group_by_video(rows)
    id_columns = [c for c in id_columns if any(row.get(c) for row in rows)]  # no empty id columns
    failed = sum(1 for video_rows in videos if video_rows[0]["status"] != "ok")
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = "".join(f"<th>{escape(c.replace('_', ' '))}</th>" for c in ("video", *id_columns))
    body = "".join(video_row(video_rows, id_columns, out) for video_rows in videos)
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>gaitcheck batch: {len(videos)} videos</title><style>{CSS}</style></head>
<body><div class="page">
<h1>gaitcheck batch</h1>
<p class="meta">{len(videos)} videos: {len(videos) - failed} analysed, {failed} failed · {created} ·
gaitcheck {escape(__version__)} · the same rows as summary.csv</p>
<table><thead><tr>{head}<th>movement</th><th>view</th><th>verdict per leg (confidence)</th>
<th>warnings or error</th><th>report</th></tr></thead>
<tbody>{body}</tbody></table>
</div></body></html>
"""
    return write_atomic(out / INDEX_HTML, html)


def group_by_video(rows: Iterable[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Consecutive rows of the same result (or the same failed input) as one group."""
    groups: list[list[dict[str, Any]]] = []
    for row in rows:
        same = groups and groups[-1][0]["video"] == row["video"] and groups[-1][0]["result"] == row["result"]
        if same:
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def video_row(rows: list[dict[str, Any]], id_columns: list[str], out: Path) -> str:
    """One <tr>: the video, its ids, movement and view, a badge per leg, confidence, and a link."""
    first = rows[0]
    cells = [escape(str(first["video"])), *(escape(str(first.get(c) or "")) for c in id_columns)]
    if first["status"] != "ok":
        cells += ["", "", badge("failed", "failed")]
        text = f'<td class="error">{escape(str(first["error"]))}</td><td></td>'
    else:
        verdicts = "".join(leg_verdict(r) for r in rows)
        cells += [escape(str(first["movement"])), escape(str(first["view"])), verdicts]
        link = f'<a href="{escape(str(first["result"]))}/{REPORT_HTML}">report</a>' if has_report(out, first) else ""
        text = f'<td class="warn">{escape(str(first.get("warnings") or ""))}</td><td>{link}</td>'
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + text + "</tr>\n"


def leg_verdict(row: dict[str, Any]) -> str:
    """`left [Borderline] high`: one leg's badge and confidence on a line of its own."""
    verdict = str(row["verdict"])
    label = VERDICT_SHORT.get(verdict, verdict)
    return (
        f'<div class="legv"><span class="leg">{escape(str(row["leg"]))}</span>{badge(verdict, label)}'
        f'<span class="conf">{escape(str(row["confidence"]))}</span></div>'
    )
