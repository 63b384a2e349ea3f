"""Render a Document as an A4 PDF with ReportLab (pure Python, no system libraries, offline).

The same Document as the HTML page, so the same sections in the same order; DejaVu Sans (shipped
inside matplotlib) gives the PDF the figures' typeface and the degree, plus-minus and minus signs."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Image as RLImage
from reportlab.platypus import Table as RLTable

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
from gaitcheck.report.style import INK, LEG_COLOUR, MUTED, RULE, VERDICT_COLOUR, VERDICT_LABEL, font_path

FONT, BOLD = "GaitcheckSans", "GaitcheckSans-Bold"
MARGIN = 15 * mm


def _register_fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(font_path(False))))
        pdfmetrics.registerFont(TTFont(BOLD, str(font_path(True))))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    ink, muted = colors.HexColor(INK), colors.HexColor(MUTED)
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12.5, textColor=ink, spaceAfter=5)
    return {
        "body": base,
        "lead": ParagraphStyle("lead", parent=base, fontSize=10, leading=13.5),
        "note": ParagraphStyle("note", parent=base, fontSize=8, leading=10.5, textColor=muted),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5, textColor=muted),
        "subhead": ParagraphStyle("subhead", parent=base, fontName=BOLD, fontSize=9.5, spaceBefore=6, spaceAfter=3),
        "brand": ParagraphStyle("brand", parent=base, fontSize=7.5, textColor=muted, spaceAfter=2),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=18, leading=22, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10, leading=13, spaceAfter=3),
        "meta": ParagraphStyle("meta", parent=base, fontSize=7.5, leading=10, textColor=muted, spaceAfter=0),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=BOLD, fontSize=11, leading=14, textColor=ink, spaceBefore=4, spaceAfter=2
        ),
        "h3": ParagraphStyle("h3", parent=base, fontName=BOLD, fontSize=9.5, leading=12.5, spaceAfter=3),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.5, spaceAfter=0),
        "cellnum": ParagraphStyle("cellnum", parent=base, fontSize=7.5, leading=9.5, spaceAfter=0, alignment=2),
        "head": ParagraphStyle(
            "head", parent=base, fontName=BOLD, fontSize=7, leading=9, textColor=muted, spaceAfter=0
        ),
        "card": ParagraphStyle("card", parent=base, fontSize=8.8, leading=11.8, spaceAfter=4),
        "cardfirst": ParagraphStyle("cardfirst", parent=base, fontSize=9.5, leading=12.8, spaceAfter=4),
        "side": ParagraphStyle("side", parent=base, fontName=BOLD, fontSize=11, leading=14, spaceAfter=4),
    }


def _text(text: str) -> str:
    return escape(text)


def _badge(verdict: str, label: str, size: float = 8) -> str:
    colour = VERDICT_COLOUR.get(verdict, MUTED)
    return f'<font name="{BOLD}" size="{size}" color="white" backColor="{colour}">&nbsp;{_text(label)}&nbsp;</font>'


class _Rule(Flowable):
    """A thin horizontal line across the frame."""

    def __init__(self, colour: str = RULE, thickness: float = 0.6, space: float = 4):
        super().__init__()
        self.colour, self.thickness, self.space = colour, thickness, space

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        return avail_width, self.thickness + self.space

    def draw(self):
        self.canv.setStrokeColor(colors.HexColor(self.colour))
        self.canv.setLineWidth(self.thickness)
        self.canv.line(0, self.space / 2, self.width, self.space / 2)


class _Renderer:
    def __init__(self, width: float):
        self.width = width
        self.s = _styles()

    def section(self, section: Section) -> list:
        head = [CondPageBreak(40 * mm), Spacer(1, 8), Paragraph(_text(section.title), self.s["h2"]), _Rule()]
        flow: list = []
        for block in section.blocks:
            flow.extend(self.block(block))
        if flow:  # keep the heading with its introduction and the first table or picture
            first = next((i for i, f in enumerate(flow) if not isinstance(f, Paragraph)), 0)
            return [*head[:1], KeepTogether([*head[1:], *flow[: first + 1]]), *flow[first + 1 :]]
        return head

    def block(self, block) -> list:
        s = self.s
        if isinstance(block, Para):
            return [Paragraph(_text(block.text), s.get(block.kind, s["body"]))]
        if isinstance(block, Bullets):
            style = s["small"] if block.kind == "small" else s["body"]
            return [Paragraph(_text(item), style, bulletText="•") for item in block.items]
        if isinstance(block, Callout):
            return [self.callout(block)]
        if isinstance(block, Cards):
            return [self.cards(block), Spacer(1, 6)]
        if isinstance(block, Table):
            return self.table(block)
        if isinstance(block, Image):
            return self.image(block, self.width * block.width)
        if isinstance(block, ImageRow):
            return self.image_row(block)
        if isinstance(block, Viewer):
            return []  # a video and its live curves have no place on paper: the figures stand in
        if isinstance(block, KeyValues):
            rows = [[Paragraph(_text(k), s["small"]), Paragraph(_text(v), s["cell"])] for k, v in block.pairs]
            table = RLTable(rows, colWidths=[32 * mm, self.width - 32 * mm])
            table.setStyle(_plain())
            return [table, Spacer(1, 4)]
        raise TypeError(f"unknown block {type(block).__name__}")

    def callout(self, block: Callout) -> RLTable:
        s = self.s
        inner: list = [Paragraph(_text(block.title), s["h3"])]
        inner += [Paragraph(_text(i), s["body"], bulletText="•") for i in block.items]
        if block.tips:
            inner.append(Paragraph("<b>How to film better:</b>", s["body"]))
            inner += [Paragraph(_text(t), s["small"], bulletText="•") for t in block.tips]
        warn = block.kind == "warning"
        table = RLTable([[inner]], colWidths=[self.width])
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fdf8ea" if warn else "#f3f7fc")),
                    ("LINEBEFORE", (0, 0), (0, -1), 3.5, colors.HexColor("#c98a04" if warn else LEG_COLOUR["left"])),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                    ("TOPPADDING", (0, 0), (-1, -1), 7),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ]
            )
        )
        return table

    def cards(self, block: Cards) -> RLTable:
        s = self.s
        cells = []
        for card in block.cards:
            colour = LEG_COLOUR.get(card.side, INK)
            head = (
                f'<font color="{colour}">{_text(card.side.capitalize())} leg</font>&nbsp;&nbsp;'
                f"{_badge(card.verdict, card.badge)}"
            )
            content: list = [Paragraph(head, s["side"])]
            for i, sentence in enumerate(card.sentences):
                content.append(Paragraph(_text(sentence), s["cardfirst" if i == 0 else "card"]))
            if card.confidence:
                content.append(Paragraph(_text(card.confidence), s["note"]))
            for detail in card.details:
                content.append(Paragraph(_text(detail), s["note"], bulletText="•"))
            cells.append(content)
        gap = 5 * mm
        col = (self.width - gap) / 2
        table = RLTable([[cells[0], "", cells[1]]], colWidths=[col, gap, col])
        style: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ("RIGHTPADDING", (0, 0), (-1, -1), 8),
            ("TOPPADDING", (0, 0), (-1, -1), 7),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ]
        for i, card in zip((0, 2), block.cards, strict=False):
            style += [
                ("BOX", (i, 0), (i, 0), 0.6, colors.HexColor(RULE)),
                ("LINEABOVE", (i, 0), (i, 0), 3.5, colors.HexColor(LEG_COLOUR.get(card.side, INK))),
            ]
        table.setStyle(TableStyle(style))
        return table

    def _cell(self, cell: Cell) -> Paragraph:
        s = self.s
        if cell.verdict:
            return Paragraph(
                _badge(cell.verdict, cell.text or VERDICT_LABEL.get(cell.verdict, cell.verdict), 6.5), s["cell"]
            )
        text = _text(cell.text)
        if cell.muted:
            text = f'<font color="#8a94a3">{text}</font>'
        if cell.leg in LEG_COLOUR:
            text = f'<font color="{LEG_COLOUR[cell.leg]}">●</font> {text}'
        return Paragraph(text, s["cellnum" if cell.numeric else "cell"])

    def table(self, block: Table) -> list:
        s = self.s
        n = len(block.columns)
        numeric = [all(r[i].numeric for r in block.rows) if block.rows else False for i in range(n)]
        head = [
            Paragraph(_text(c), ParagraphStyle("h", parent=s["head"], alignment=2 if numeric[i] else 0))
            for i, c in enumerate(block.columns)
        ]
        rows = [head] + [[self._cell(c) for c in row] for row in block.rows]
        weights = block.widths or [_weight(block, i) for i in range(n)]
        total = sum(weights)
        table = RLTable(rows, colWidths=[self.width * w / total for w in weights], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.9, colors.HexColor(INK)),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor("#e3e7ec")),
                    ("LEFTPADDING", (0, 0), (-1, -1), 3),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ]
            )
        )
        out: list = [table]
        if block.caption:
            out.append(Spacer(1, 3))
            out.append(Paragraph(_text(block.caption), s["note"]))
        out.append(Spacer(1, 4))
        return out

    def image(self, block: Image, width: float) -> list:
        picture = _picture(block.png, width, max_height=120 * mm)  # tall figures fit beside a section's start
        out: list = [picture]
        if block.caption:
            out.append(Paragraph(_text(block.caption), self.s["note"]))
        return [KeepTogether(out), Spacer(1, 4)]

    def image_row(self, block: ImageRow) -> list:
        n = max(1, len(block.images))
        gap = 4 * mm
        col = (self.width - gap * (n - 1)) / n
        cells = []
        for image in block.images:
            cell: list = [_picture(image.png, col, max_height=95 * mm)]
            if image.caption:
                cell.append(Paragraph(_text(image.caption), self.s["note"]))
            cells.append(cell)
        if n == 1:
            widths = [col]
        else:
            widths = []
            row: list = []
            for i, cell in enumerate(cells):
                if i:
                    row.append("")
                    widths.append(gap)
                row.append(cell)
                widths.append(col)
            cells = row
        table = RLTable([cells], colWidths=widths)
        table.setStyle(_plain())
        return [table, Spacer(1, 4)]


def _weight(block: Table, i: int) -> float:
    """Column width from the longest text in it (bounded), for tables without explicit widths."""
    cells = [r[i] for r in block.rows]
    content = max((len(c.text) + (4 if c.verdict or c.leg else 0) for c in cells), default=0)
    header = max((len(word) for word in block.columns[i].split()), default=0)
    return max(3.0, min(max(content, header) + 1.0, 40.0))


def _plain() -> TableStyle:
    return TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]
    )


def _picture(data: bytes, width: float, max_height: float | None = None) -> RLImage:
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(data)) as im:
        w, h = im.size
    height = width * h / w
    if max_height and height > max_height:
        height, width = max_height, max_height * w / h
    return RLImage(io.BytesIO(data), width=width, height=height)


def render_pdf(doc: Document, path: str | Path) -> Path:
    """Write the document as an A4 PDF."""
    _register_fonts()
    path = Path(path)
    width = A4[0] - 2 * MARGIN
    r = _Renderer(width)
    s = r.s
    story: list = [
        Paragraph(_text(doc.brand.upper()), s["brand"]),
        Paragraph(_text(doc.title), s["title"]),
        Paragraph(_text(doc.subtitle), s["subtitle"]),
        Paragraph(_text("  ·  ".join(doc.meta)), s["meta"]),
        Spacer(1, 4),
        _Rule(INK, 1.4, 6),
    ]
    for section in doc.sections:
        story.extend(r.section(section))
    if doc.footer:
        story += [Spacer(1, 10), _Rule(), Paragraph(_text(doc.footer), s["note"])]

    def page(canvas, document):
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(colors.HexColor(MUTED))
        canvas.drawString(MARGIN, 9 * mm, f"gaitcheck · {doc.title}")
        canvas.drawRightString(A4[0] - MARGIN, 9 * mm, f"page {document.page}")
        canvas.restoreState()

    template = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=doc.title,
        author="gaitcheck",
        subject=doc.subtitle,
        creator="gaitcheck",
    )
    template.build(story, onFirstPage=page, onLaterPages=page)
    return path
