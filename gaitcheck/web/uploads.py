"""Receiving an upload safely: streamed to disk, counted byte by byte, checked by decoding.

FastAPI's UploadFile and Form spool a whole body with no size cap, and a Content-Length header
can be missing (chunked) or lie. So the body is read from `request.stream()`, counted as it
arrives and fed to python-multipart's streaming parser; the video part goes straight to a file
whose name we choose. Past the limit nothing more is written: the rest of the body is read and
dropped (up to DRAIN_BYTES, so the client gets to read the 413) and the upload is refused.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from python_multipart.multipart import MultipartParseError, MultipartParser, parse_options_header

from gaitcheck.errors import GaitcheckError
from gaitcheck.video import probe_video

#: Video containers gaitcheck reads, by file extension, with the media type they are served as.
VIDEO_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".avi": "video/x-msvideo",
    ".mkv": "video/x-matroska",
    ".webm": "video/webm",
}
#: An upload's stored name: "uploaded" plus its extension when known (never the user's name).
KNOWN_TYPES = ", ".join(ext.lstrip(".") for ext in VIDEO_TYPES)
UPLOAD_STEM = "uploaded"
UNKNOWN_EXTENSION = ".video"
VIDEO_FIELD = "video"
TEXT_FIELDS = ("movement", "view", "label")
#: Room for the form's boundaries, headers and text fields beyond the video's own bytes.
FORM_SLACK_BYTES = 64 * 1024
#: Bytes past the limit read and dropped before the 413, so the client gets to read it.
DRAIN_BYTES = 16 * 1024 * 1024
MAX_FIELD_BYTES = 1000


class UploadRefused(Exception):
    """An upload we will not take: an HTTP status and one sentence saying what to do."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def too_large(limit_bytes: int) -> UploadRefused:
    size = f"{limit_bytes / (1024 * 1024):g} MB"
    return UploadRefused(413, f"The video is larger than this server accepts ({size}); trim it or film a shorter clip.")


@dataclass
class Upload:
    """A received form: where the video was written, and the text fields."""

    video_path: Path | None = None
    original_name: str = ""
    size_bytes: int = 0
    fields: dict[str, str] = field(default_factory=dict)


def display_name(raw: str) -> str:
    """The uploaded file's name for display only: its last path part, printable, at most 200 characters."""
    name = re.split(r"[\\/]", raw)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:200]


def stored_name(original_name: str) -> str:
    """The file name an upload is stored under: ours, with the extension only if it is a known video one."""
    suffix = Path(original_name).suffix.lower()
    return UPLOAD_STEM + (suffix if suffix in VIDEO_TYPES else UNKNOWN_EXTENSION)


class FormReceiver:
    """python-multipart callbacks: the video part to a file in `folder`, text fields to memory."""

    def __init__(self, folder: Path, limit_bytes: int) -> None:
        self.folder, self.limit_bytes = folder, limit_bytes
        self.upload = Upload()
        self.header_name = b""
        self.headers: dict[bytes, bytes] = {}
        self.name = ""
        self.file: BinaryIO | None = None
        self.text = bytearray()

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": lambda data, start, end: setattr(self, "header_name", data[start:end].lower()),
            "on_header_value": self.header_value,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def part_begin(self) -> None:
        self.headers, self.name, self.text = {}, "", bytearray()

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self.headers[self.header_name] = self.headers.get(self.header_name, b"") + data[start:end]

    def headers_finished(self) -> None:
        _, params = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.name = params.get(b"name", b"").decode("utf-8", "replace")
        if self.name == VIDEO_FIELD and self.upload.video_path is None and b"filename" in params:
            self.upload.original_name = display_name(params[b"filename"].decode("utf-8", "replace"))
            self.upload.video_path = self.folder / stored_name(self.upload.original_name)
            self.file = open(self.upload.video_path, "wb")  # closed in part_end or close

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.file is not None:
            self.upload.size_bytes += end - start
            if self.upload.size_bytes > self.limit_bytes:
                raise too_large(self.limit_bytes)
            self.file.write(data[start:end])
        elif self.name in TEXT_FIELDS:
            self.text += data[start:end]
            if len(self.text) > MAX_FIELD_BYTES:
                raise UploadRefused(400, f"The form field '{self.name}' is too long (at most {MAX_FIELD_BYTES} bytes).")

    def part_end(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        elif self.name in TEXT_FIELDS:
            self.upload.fields[self.name] = self.text.decode("utf-8", "replace").strip()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def check_headers(headers: dict[str, str], limit_bytes: int) -> bytes:
    """Refuse at once what the headers already give away; the multipart boundary otherwise."""
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit_bytes + FORM_SLACK_BYTES:
        raise too_large(limit_bytes)
    kind, params = parse_options_header(headers.get("content-type", ""))
    if kind != b"multipart/form-data" or not params.get(b"boundary"):
        raise UploadRefused(415, "Send the video as a multipart/form-data form with the file in a field named 'video'.")
    return params[b"boundary"]


def feed(parser: MultipartParser, chunk: bytes | None) -> UploadRefused | None:
    """Parse one chunk (None: the end of the body); the refusal it leads to, if any."""
    try:
        if chunk is None:
            parser.finalize()
        else:
            parser.write(chunk)
    except UploadRefused as exc:
        return exc
    except MultipartParseError:
        return UploadRefused(400, "The upload is not a well-formed form; send it again.")
    return None


async def receive(headers: dict[str, str], body: AsyncIterator[bytes], folder: Path, limit_bytes: int) -> Upload:
    """Stream a multipart body into `folder`, enforcing `limit_bytes` while it arrives."""
    receiver = FormReceiver(folder, limit_bytes)
    parser = MultipartParser(check_headers(headers, limit_bytes), receiver.callbacks())
    received, refusal = 0, None
    try:
        async for chunk in body:
            received += len(chunk)
            if refusal is None and received > limit_bytes + FORM_SLACK_BYTES:
                refusal = too_large(limit_bytes)
            if refusal is None:
                refusal = feed(parser, chunk)
            elif received > limit_bytes + DRAIN_BYTES:
                break  # enough read for the client to see the answer
        refusal = refusal or feed(parser, None)
    finally:
        receiver.close()
    if refusal is not None:
        raise refusal
    return receiver.upload


def check_video(upload: Upload) -> None:
    """Refuse an upload with no video, an empty one, or one that does not decode as a video."""
    if upload.video_path is None:
        raise UploadRefused(400, "The form has no file in a field named 'video'; choose a video and send it again.")
    if upload.size_bytes == 0:
        raise UploadRefused(400, "The uploaded file is empty; choose a video file and try again.")
    try:
        probe_video(upload.video_path)
    except GaitcheckError as exc:
        text = str(exc).replace(str(upload.video_path), "the file")
        inner = re.search(r"can read \((.*)\)$", text)
        reason = (inner.group(1) if inner else text).rstrip(".")
        raise UploadRefused(
            415, f"This file is not a video gaitcheck can read: {reason}; choose a video file ({KNOWN_TYPES})."
        ) from None
