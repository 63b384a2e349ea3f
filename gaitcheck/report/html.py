"""Render a Document as ONE self-contained HTML file: inline CSS, images as data URIs, system
fonts and nothing fetched, so it opens from disk, offline, and prints cleanly. The only script is
the interactive curves' (inline), when the annotated video sits beside the page."""

from __future__ import annotations

import base64
from html import escape

from gaitcheck.report.document import (
    Bullets,
    Callout,
    Cards,
    Cell,
    Document,
    Image,
    ImageRow,
    KeyValues,
    Para,
    Section,
    Table,
    Viewer,
)
from gaitcheck.report.style import LEG_COLOUR, LEG_TINT, VERDICT_COLOUR

CSS = """
:root {
  --ink: #1f2933; --muted: #5f6b7a; --rule: #d5dae1; --paper: #ffffff; --bg: #f3f4f6;
  --left: LEFT; --right: RIGHT; --left-tint: LEFT_TINT; --right-tint: RIGHT_TINT;
  --aligned: ALIGNED; --borderline: BORDERLINE; --valgus: VALGUS; --insufficient: INSUFFICIENT;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "Helvetica Neue", Arial, "Noto Sans", sans-serif;
}
.page { max-width: 1060px; margin: 24px auto; background: var(--paper); padding: 36px 48px 40px;
  border-radius: 6px; box-shadow: 0 1px 3px rgba(15,23,42,.08), 0 8px 24px rgba(15,23,42,.04); }
header { border-bottom: 2px solid var(--ink); padding-bottom: 14px; margin-bottom: 18px; }
.brand { font-size: 12px; letter-spacing: .12em; text-transform: uppercase; color: var(--muted); }
h1 { font-size: 26px; line-height: 1.2; margin: 4px 0 6px; font-weight: 650; letter-spacing: -.01em; }
.subtitle { font-size: 15.5px; color: var(--ink); margin: 0 0 6px; }
.meta { font-size: 12.5px; color: var(--muted); margin: 0; }
.meta span + span::before { content: "·"; margin: 0 .5em; color: var(--rule); }
nav { font-size: 12.5px; margin-top: 10px; }
nav a { color: var(--muted); text-decoration: none; margin-right: 14px; white-space: nowrap; }
nav a:hover { color: var(--ink); text-decoration: underline; }
section { margin: 30px 0 0; }
h2 { font-size: 13px; letter-spacing: .09em; text-transform: uppercase; color: var(--muted); font-weight: 650;
  border-bottom: 1px solid var(--rule); padding-bottom: 6px; margin: 0 0 14px; }
p { margin: 0 0 10px; }
p.lead { font-size: 16px; }
p.note, p.small { font-size: 13px; color: var(--muted); }
p.subhead { font-weight: 650; font-size: 14px; margin: 16px 0 6px; }
ul { margin: 0 0 10px; padding-left: 20px; }
li { margin: 2px 0; }
ul.small { font-size: 13px; color: var(--muted); }
.callout { border: 1px solid #ecd9a8; border-left: 5px solid #c98a04; background: #fdf8ea; border-radius: 4px;
  padding: 12px 16px 6px; margin: 0 0 8px; }
.callout.info { border-color: #cdd9e8; border-left-color: var(--left); background: #f3f7fc; }
.callout h3 { margin: 0 0 6px; font-size: 14.5px; }
.callout .tips { display: block; margin-top: 8px; font-size: 13.5px; }
.callout .tips b { font-weight: 600; }
.cards { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.card { border: 1px solid var(--rule); border-top: 5px solid var(--leg); border-radius: 5px; padding: 14px 16px 10px;
  break-inside: avoid; page-break-inside: avoid; }
.card.left { --leg: var(--left); } .card.right { --leg: var(--right); }
.card .head { display: flex; align-items: center; justify-content: space-between; gap: 8px; margin-bottom: 8px; }
.card .side { font-weight: 650; font-size: 16px; color: var(--leg); }
.card p { font-size: 14.5px; }
.card p.first { font-size: 15.5px; }
.card .conf { font-size: 12.5px; color: var(--muted); margin-top: 4px; }
.card .details { font-size: 12px; color: var(--muted); margin: 6px 0 0; padding-left: 16px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 650;
  color: #fff; background: var(--v); white-space: nowrap; letter-spacing: .01em; }
.badge.small { padding: 0 7px; font-size: 11px; }
.badge.aligned { --v: var(--aligned); } .badge.borderline { --v: var(--borderline); }
.badge.valgus { --v: var(--valgus); } .badge.insufficient-data { --v: var(--insufficient); }
.legdot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 6px;
  vertical-align: baseline; }
.legdot.left { background: var(--left); } .legdot.right { background: var(--right); }
.legdot.both { background: linear-gradient(90deg, var(--left) 50%, var(--right) 50%); }
figure { margin: 0 0 18px; break-inside: avoid; page-break-inside: avoid; }
figure img { display: block; max-width: 100%; height: auto; border-radius: 3px; }
figcaption { font-size: 12.5px; color: var(--muted); margin-top: 6px; }
.imagerow { display: flex; gap: 16px; flex-wrap: wrap; }
.imagerow figure { flex: 1 1 0; min-width: 260px; }
.imagerow.keyframes figure { flex: 0 1 400px; }
.imagerow figure img { border: 1px solid var(--rule); }
.tablewrap { overflow-x: auto; margin: 0 0 10px; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; font-variant-numeric: tabular-nums; }
.tablecaption { font-size: 12px; color: var(--muted); margin: -4px 0 12px; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 11.5px; text-transform: none;
  border-bottom: 1.5px solid var(--ink); padding: 6px 6px; vertical-align: bottom; }
td { border-bottom: 1px solid #e8ebef; padding: 5px 6px; vertical-align: top; }
td.leg, td.badgecell { white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.muted { color: #8a94a3; }
tr.leg-left td:first-child { box-shadow: inset 3px 0 0 var(--left); }
tr.leg-right td:first-child { box-shadow: inset 3px 0 0 var(--right); }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0 0 10px; font-size: 13.5px; }
dl.kv dt { color: var(--muted); } dl.kv dd { margin: 0; }
footer { margin-top: 34px; padding-top: 10px; border-top: 1px solid var(--rule); font-size: 12px; color: var(--muted); }
@media (max-width: 760px) { .page { padding: 20px; margin: 0; } .cards { grid-template-columns: 1fr; } }
@media print {
  body { background: #fff; font-size: 11pt; }
  .page { box-shadow: none; margin: 0; padding: 0; max-width: none; }
  nav { display: none; }
  section { break-inside: auto; }
  h2 { break-after: avoid; page-break-after: avoid; }
  tr { break-inside: avoid; }
  .badge, .legdot, .callout, .card { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  @page { size: A4; margin: 16mm 14mm; }
}
"""


def _css() -> str:
    values = {
        "LEFT_TINT": LEG_TINT["left"],
        "RIGHT_TINT": LEG_TINT["right"],
        "LEFT": LEG_COLOUR["left"],
        "RIGHT": LEG_COLOUR["right"],
        "ALIGNED": VERDICT_COLOUR["aligned"],
        "BORDERLINE": VERDICT_COLOUR["borderline"],
        "VALGUS": VERDICT_COLOUR["valgus"],
        "INSUFFICIENT": VERDICT_COLOUR["insufficient-data"],
    }
    css = CSS
    for key, value in values.items():  # longest keys first: LEFT_TINT before LEFT
        css = css.replace(key, value)
    return css


def data_uri(image: bytes) -> str:
    kind = "jpeg" if image[:3] == b"\xff\xd8\xff" else "png"
    return f"data:image/{kind};base64," + base64.b64encode(image).decode("ascii")


def badge(verdict: str, label: str, small: bool = False) -> str:
    return f'<span class="badge {escape(verdict)}{" small" if small else ""}">{escape(label)}</span>'


def _cell(cell: Cell, header: bool = False) -> str:
    classes = [
        c
        for c, on in (("num", cell.numeric), ("muted", cell.muted), ("leg", cell.leg), ("badgecell", cell.verdict))
        if on
    ]
    attr = f' class="{" ".join(classes)}"' if classes else ""
    if cell.verdict:
        from gaitcheck.report.style import VERDICT_LABEL

        inner = badge(cell.verdict, cell.text or VERDICT_LABEL.get(cell.verdict, cell.verdict), small=True)
    else:
        inner = escape(cell.text)
    if cell.leg:
        inner = f'<span class="legdot {escape(cell.leg)}"></span>' + inner
    return f"<td{attr}>{inner}</td>"


def _block(block) -> str:
    if isinstance(block, Para):
        return f'<p class="{block.kind}">{escape(block.text)}</p>'
    if isinstance(block, Bullets):
        items = "".join(f"<li>{escape(i)}</li>" for i in block.items)
        return f'<ul class="{block.kind}">{items}</ul>'
    if isinstance(block, Callout):
        items = "".join(f"<li>{escape(i)}</li>" for i in block.items)
        tips = ""
        if block.tips:
            tips = '<div class="tips"><b>How to film better:</b><ul>' + "".join(
                f"<li>{escape(t)}</li>" for t in block.tips
            )
            tips += "</ul></div>"
        return f'<div class="callout {block.kind}"><h3>{escape(block.title)}</h3><ul>{items}</ul>{tips}</div>'
    if isinstance(block, Cards):
        return '<div class="cards">' + "".join(_card(c) for c in block.cards) + "</div>"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Image):
        return _figure(block)
    if isinstance(block, ImageRow):
        kind = " keyframes" if block.kind == "keyframes" else ""
        return f'<div class="imagerow{kind}">' + "".join(_figure(i) for i in block.images) + "</div>"
    if isinstance(block, Viewer):
        from gaitcheck.report.viewer import viewer_html

        return viewer_html(block.video, block.data)
    if isinstance(block, KeyValues):
        rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in block.pairs)
        return f'<dl class="kv">{rows}</dl>'
    raise TypeError(f"unknown block {type(block).__name__}")


def _card(card) -> str:
    sentences = "".join(f'<p class="{"first" if i == 0 else ""}">{escape(s)}</p>' for i, s in enumerate(card.sentences))
    conf = f'<div class="conf">{escape(card.confidence)}</div>' if card.confidence else ""
    details = ""
    if card.details:
        details = '<ul class="details">' + "".join(f"<li>{escape(d)}</li>" for d in card.details) + "</ul>"
    return (
        f'<div class="card {escape(card.side)}"><div class="head"><span class="side">{escape(card.side.capitalize())}'
        f" leg</span>{badge(card.verdict, card.badge)}</div>{sentences}{conf}{details}</div>"
    )


def _table(table: Table) -> str:
    numeric = [all(r[i].numeric for r in table.rows) if table.rows else False for i in range(len(table.columns))]
    head = "".join(f"<th{' class=num' if numeric[i] else ''}>{escape(c)}</th>" for i, c in enumerate(table.columns))
    body = []
    for row in table.rows:
        leg = next((c.leg for c in row if c.leg in ("left", "right")), None)
        attr = f' class="leg-{leg}"' if leg else ""
        body.append(f"<tr{attr}>" + "".join(_cell(c) for c in row) + "</tr>")
    # the caption sits under the scrolling wrapper, not in the table: a wide table's caption is as
    # wide as the table, and was cut off at the page's edge
    caption = f'<p class="tablecaption">{escape(table.caption)}</p>' if table.caption else ""
    return (
        f'<div class="tablewrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{caption}"
    )


def _figure(image: Image) -> str:
    caption = f"<figcaption>{escape(image.caption)}</figcaption>" if image.caption else ""
    style = f' style="max-width:{image.width * 100:.0f}%"' if image.width < 1 else ""
    return (
        f'<figure{style}><img src="{data_uri(image.png)}" alt="{escape(image.alt or image.caption)}">{caption}</figure>'
    )


def _section(section: Section, index: int) -> str:
    anchor = section.anchor or f"s{index}"
    return (
        f'<section id="{escape(anchor)}"><h2>{escape(section.title)}</h2>'
        + "".join(_block(b) for b in section.blocks)
        + "</section>"
    )


def render_html(doc: Document) -> str:
    nav = "".join(f'<a href="#{escape(s.anchor or f"s{i}")}">{escape(s.title)}</a>' for i, s in enumerate(doc.sections))
    meta = "".join(f"<span>{escape(m)}</span>" for m in doc.meta)
    body = "".join(_section(s, i) for i, s in enumerate(doc.sections))
    footer = f"<footer>{escape(doc.footer)}</footer>" if doc.footer else ""
    css = _css()
    if any(isinstance(b, Viewer) for s in doc.sections for b in s.blocks):
        from gaitcheck.report.viewer import viewer_css

        css += viewer_css()
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(doc.title)}</title><style>{css}</style></head>"
        f'<body><div class="page"><header><div class="brand">{escape(doc.brand)}</div>'
        f'<h1>{escape(doc.title)}</h1><p class="subtitle">{escape(doc.subtitle)}</p>'
        f'<p class="meta">{meta}</p><nav>{nav}</nav></header>{body}{footer}</div></body></html>\n'
    )
