"""Content keys: a result is named after what made it, so a rerun can tell what is already done.

key = sha256(video bytes, gaitcheck's version, the settings that shape the numbers, the pose
model's bytes), shortened. Renaming or moving a clip keeps its key; changing a setting, the model
or gaitcheck gives a new one (and so a new result folder). Output choices (pdf, annotated video)
are not part of it: they change files, not numbers.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path

from gaitcheck.pipeline import model_sha256
from gaitcheck.settings import LIMIT_FIELDS, Settings
from gaitcheck.version import __version__

#: Hex digits of the key kept in folder names: 48 bits, no collision in any clinic's lifetime.
KEY_HEX_DIGITS = 12
#: Longest clip-name part of a result folder's name.
MAX_STEM_CHARS = 60
CHUNK_BYTES = 1 << 20


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in 1 MiB chunks (videos can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def _model_fingerprint(path: Path) -> str:
    """The model file's sha256, once per model per batch (the file is about 9 MB)."""
    return model_sha256(path) or f"missing:{path}"


def settings_fingerprint(settings: Settings) -> str:
    """The settings that shape the numbers as canonical JSON (not the run's limits), the model given
    by its bytes rather than its path."""
    values = {k: v for k, v in settings.to_json().items() if k not in LIMIT_FIELDS}
    values["model"] = _model_fingerprint(settings.model_path)
    return json.dumps(values, sort_keys=True, separators=(",", ":"))


def content_key(video_sha256: str, settings: Settings) -> str:
    """The short key of one video analysed with `settings` by this gaitcheck."""
    text = "\n".join((video_sha256, __version__, settings_fingerprint(settings)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:KEY_HEX_DIGITS]


def folder_name(video: Path, key: str) -> str:
    """`<clip stem>-<key>`: readable in a file browser, unique by content and settings."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", video.stem).strip("._") or "video"
    return f"{stem[:MAX_STEM_CHARS]}-{key}"
