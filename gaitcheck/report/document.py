"""A small document model between the report's content and its formats: the HTML page and the PDF
are both rendered from one Document, so they always have the same sections in the same order."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Cell:
    """A table cell: text, optionally a verdict badge, a leg marker, muted or numeric style."""

    text: str
    verdict: str | None = None
    leg: str | None = None
    muted: bool = False
    numeric: bool = False


@dataclass
class Para:
    text: str
    kind: str = "body"  # body, lead, note, small


@dataclass
class Bullets:
    items: list[str]
    kind: str = "body"


@dataclass
class Callout:
    """A boxed notice: the recording-quality warnings and how to film better."""

    title: str
    items: list[str]
    tips: list[str] = field(default_factory=list)
    kind: str = "warning"  # warning or info


@dataclass
class Card:
    """The answer for one leg."""

    side: str
    verdict: str
    badge: str
    sentences: list[str]
    confidence: str = ""
    details: list[str] = field(default_factory=list)


@dataclass
class Cards:
    cards: list[Card]


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Cell]]
    caption: str = ""
    widths: list[float] | None = None  # relative column widths (PDF)


@dataclass
class Image:
    png: bytes
    caption: str = ""
    alt: str = ""
    width: float = 1.0  # share of the text width


@dataclass
class ImageRow:
    images: list[Image]
    kind: str = ""  # "keyframes": pictures of the person, shown smaller


@dataclass
class Viewer:
    """The annotated video with the interactive curves under it: on screen only (HTML), so the PDF
    and the printed page leave it out and keep the figures."""

    video: str  # the video's address relative to the page, e.g. annotated.mp4
    data: dict  # gaitcheck.report.viewer.viewer_data(...)


@dataclass
class KeyValues:
    pairs: list[tuple[str, str]]


@dataclass
class Section:
    title: str
    blocks: list
    anchor: str = ""


@dataclass
class Document:
    title: str
    subtitle: str
    meta: list[str]
    sections: list[Section]
    footer: str = ""
    brand: str = "gaitcheck · movement report"

    def headings(self) -> list[str]:
        return [s.title for s in self.sections]
