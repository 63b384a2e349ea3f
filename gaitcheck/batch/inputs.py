"""What a batch analyses: every video under a folder, or the rows of a manifest CSV.

A folder is searched recursively; hidden files and folders, files that are not videos (by
extension) and anything inside the output folder are skipped and listed. A manifest has a `path`
column (relative paths resolve against the manifest's folder) and optional `subject_id`,
`session`, `date`, `movement`, `view` and `leg`; other columns are carried through to the table.
"""

from __future__ import annotations

import csv
import typing
from dataclasses import dataclass, field
from pathlib import Path

from gaitcheck.batch.model import Item
from gaitcheck.errors import InputError
from gaitcheck.settings import MovementChoice, ViewChoice
from gaitcheck.video import VIDEO_SUFFIXES

#: Manifest columns every table has, in this order (empty for a folder input).
ID_COLUMNS = ("subject_id", "session", "date")
#: Manifest columns that steer the analysis or the table rather than being carried through.
STEERING_COLUMNS = ("path", "movement", "view", "leg")
LEG_CHOICES = ("left", "right", "both")


@dataclass(frozen=True)
class Inputs:
    """The videos to analyse, what was skipped (path, reason), and the manifest's extra columns."""

    items: list[Item]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)


def read_inputs(source: str | Path, exclude: Path | None = None) -> Inputs:
    """A folder or a manifest CSV, read into items; one clear error when it is neither."""
    path = Path(source)
    if path.is_dir():
        return scan_folder(path, exclude)
    if path.is_file() and path.suffix.lower() == ".csv":
        return read_manifest(path)
    if not path.exists():
        raise InputError(f"no such folder or manifest: {path}")
    raise InputError(f"{path} is neither a folder of videos nor a manifest .csv")


def scan_folder(folder: Path, exclude: Path | None = None) -> Inputs:
    """Every video below `folder`, sorted by path; hidden and non-video files listed as skipped."""
    root = folder.resolve()
    excluded = exclude.resolve() if exclude is not None else None
    items: list[Item] = []
    skipped: list[tuple[str, str]] = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if excluded is not None and path.is_relative_to(excluded):
            continue
        video_name = path.suffix.lower() in VIDEO_SUFFIXES
        if not path.is_file():  # a folder named like a video, a pipe, a socket: said, never opened
            if video_name:
                skipped.append((str(relative), "a folder" if path.is_dir() else "not a regular file"))
        elif any(part.startswith(".") for part in relative.parts):
            skipped.append((str(relative), "hidden"))
        elif not video_name:
            skipped.append((str(relative), "not a video"))
        else:
            items.append(Item(video=path, label=str(relative)))
    return Inputs(items=items, skipped=skipped)


def read_manifest(manifest: Path) -> Inputs:
    """The rows of a manifest CSV as items, checked: a missing `path` column, an empty path or a
    movement, view or leg outside gaitcheck's vocabulary stops the batch before any work."""
    try:
        with open(manifest, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read manifest {manifest}: {exc}") from None
    if "path" not in header:
        raise InputError(f"manifest {manifest} has no 'path' column (columns: {', '.join(header) or 'none'})")
    extra = [name for name in header if name and name not in (*STEERING_COLUMNS, *ID_COLUMNS)]
    items = [_manifest_item(manifest, number, row, extra) for number, row in enumerate(rows, start=2)]
    return Inputs(items=items, extra_columns=extra)


def _manifest_item(manifest: Path, line: int, row: dict[str, str], extra: list[str]) -> Item:
    """One manifest row (`line` counts the header as line 1) as an item."""
    where = f"manifest {manifest.name} line {line}"
    given = row.get("path", "")
    if not given:
        raise InputError(f"{where}: empty path")
    video = Path(given).expanduser()
    video = video if video.is_absolute() else manifest.parent / video
    columns = {name: row.get(name, "") for name in (*ID_COLUMNS, *extra)}
    return Item(
        video=video.resolve(),
        label=given,
        columns=columns,
        movement=_choice(where, "movement", row.get("movement", ""), typing.get_args(MovementChoice)),
        view=_choice(where, "view", row.get("view", ""), typing.get_args(ViewChoice)),
        leg=_choice(where, "leg", row.get("leg", "").lower(), LEG_CHOICES),
    )


def _choice(where: str, column: str, value: str, choices: tuple[str, ...]) -> str | None:
    """An optional manifest value checked against its choices (empty -> None)."""
    if not value:
        return None
    if value not in choices:
        raise InputError(f"{where}: {column} '{value}' is not one of {', '.join(choices)}")
    return value
