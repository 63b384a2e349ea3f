"""The output folder's layout and its crash-safe writes.

    OUT/<clip>-<key>/        a finished result: the files of `gaitcheck analyze` and batch.json
                             (status ok), or a failed one: batch.json (status failed, the reason)
                             and error.log when the cause was a bug
    OUT/.tmp-<clip>-<key>-*  a result being written; never read, removed by the next run
    OUT/summary.csv, index.html, batch.log, logs/

A worker writes into a fresh `.tmp-` folder, fsyncs it, and renames it to its final name (atomic on
one filesystem): a folder with a final name is always complete, whatever was killed when. The
record (batch.json) is the last file written, so its presence is what "finished" means.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gaitcheck.batch.model import VideoRecord
from gaitcheck.errors import InputError

TMP_PREFIX = ".tmp-"
RECORD_JSON = "batch.json"
ERROR_LOG = "error.log"
LOCK_FILE = ".batch.lock"
FOLDER_MODE = 0o755
FILE_MODE = 0o644


def new_stage(out: Path, name: str) -> Path:
    """A fresh temporary folder in `out` for the result `name`."""
    out.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{name}-", dir=out))
    stage.chmod(FOLDER_MODE)  # mkdtemp's 0700 would hide results from the clinic's other accounts
    return stage


def read_record(folder: Path) -> VideoRecord | None:
    """The record of a finished result folder; None when there is none (or it is unreadable)."""
    try:
        return VideoRecord.from_json(json.loads((folder / RECORD_JSON).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def publish(stage: Path, out: Path, record: VideoRecord) -> None:
    """Write the record into `stage`, make it durable and rename it to `out / record.name`.

    A failed result already there (a --retry-failed run) is moved aside first and removed after;
    a finished one (the same video listed twice, or a worker that outlived its batch) wins and
    `stage` is dropped."""
    (stage / RECORD_JSON).write_text(json.dumps(record.to_json(), indent=2) + "\n", encoding="utf-8")
    _fsync_tree(stage)
    final = out / record.name
    old = read_record(final) if final.exists() else None
    if old is not None and old.status == "ok":
        shutil.rmtree(stage, ignore_errors=True)
        return
    aside = None
    if final.exists():
        aside = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}old-", dir=out))
        os.replace(final, aside / record.name)
    os.replace(stage, final)
    _fsync_dir(out)
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def publish_failure(out: Path, record: VideoRecord) -> None:
    """A failed record for a video whose worker gave no answer (it died, or its Ray task failed)."""
    publish(new_stage(out, record.name), out, record)


def write_atomic(path: Path, text: str) -> Path:
    """Write a text file through a temporary file beside it and a rename: never half a file."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def clean_leftovers(out: Path) -> list[Path]:
    """Remove every temporary folder (and half-written table or index) a killed run left in `out`;
    return what was removed."""
    if not out.is_dir():
        return []
    stages = sorted(p for p in out.glob(f"{TMP_PREFIX}*") if p.is_dir())
    parts = sorted(p for p in out.glob(".*.part") if p.is_file())
    for path in stages:
        shutil.rmtree(path, ignore_errors=True)
    for path in parts:
        path.unlink(missing_ok=True)
    return stages + parts


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold `out` for this batch: a second batch writing to the same folder stops with one line
    (the lock dies with the process, so a SIGKILLed batch never leaves it held)."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / LOCK_FILE, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            busy = f"another gaitcheck batch is writing to {out}; wait for it or choose another --out"
            raise InputError(busy) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync_tree(folder: Path) -> None:
    """fsync every file below `folder`, then the folders: the data is on disk before the rename."""
    for root, _dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(root))


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
