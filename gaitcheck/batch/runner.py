"""The whole batch: read the input, plan what is left to do, run it, rebuild the table and index.

    inputs -> plan (content keys; finished keys skipped, failed ones redone with --retry-failed)
           -> local worker processes or Ray tasks (work.process per video)
           -> summary.csv and index.html, from the result folders

The output folder is locked for the run; temporary folders a killed run left are removed first.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from gaitcheck.batch import folders, keys
from gaitcheck.batch.index import write_index
from gaitcheck.batch.inputs import ID_COLUMNS, Inputs, read_inputs
from gaitcheck.batch.local import run_local
from gaitcheck.batch.model import Item, OnRecord, VideoJob
from gaitcheck.batch.progress import Progress
from gaitcheck.batch.table import SUMMARY_CSV, Entry, build_rows, columns, write_csv
from gaitcheck.errors import InputError
from gaitcheck.settings import OutputOptions, Settings
from gaitcheck.version import __version__

BATCH_LOG = "batch.log"
LOGS_DIR = "logs"
Backend = Literal["local", "ray"]


@dataclass(frozen=True)
class BatchOptions:
    """Everything `gaitcheck batch` was asked to do; one default each, here."""

    source: Path
    out: Path
    settings: Settings = field(default_factory=Settings)
    outputs: OutputOptions = field(default_factory=OutputOptions)
    #: videos analysed at once (local: processes; Ray: tasks in flight); None: the backend's default
    workers: int | None = None
    backend: Backend = "local"
    ray_address: str | None = None
    retry_failed: bool = False
    #: memory a Ray task reserves: the peak of one analysis (docs/performance.md) plus headroom
    worker_memory_mb: int = 2000
    #: no progress line and no log lines on stderr (batch.log is still written)
    quiet: bool = False


@dataclass(frozen=True)
class BatchResult:
    """What a batch did: counts of videos and where its table and index are."""

    videos: int
    ok: int
    failed: int
    reused: int
    summary_csv: Path
    index_html: Path


@dataclass
class Plan:
    """Every input video as a table entry, and the jobs still to run."""

    entries: list[Entry] = field(default_factory=list)
    jobs: list[VideoJob] = field(default_factory=list)
    #: videos whose result (finished or failed) an earlier run left and this run keeps
    reused: int = 0


def run(options: BatchOptions) -> BatchResult:
    """Run a batch to the end (see the module docstring)."""
    out = options.out
    with folders.locked(out):
        log = open_log(out / BATCH_LOG, to_stderr=not options.quiet and not sys.stderr.isatty())
        try:
            return run_locked(options, log)
        finally:
            close_log(log)


def run_locked(options: BatchOptions, log: logging.Logger) -> BatchResult:
    """The batch, once OUT is ours: inputs, leftovers, plan, backend, table and index."""
    out = options.out
    log.info("gaitcheck %s batch of %s into %s (pid %d)", __version__, options.source, out, os.getpid())
    inputs = read_inputs(options.source, exclude=out)
    for label, reason in inputs.skipped:
        log.info("skipped %s (%s)", label, reason)
    for leftover in folders.clean_leftovers(out):
        log.info("removed %s, left by a stopped run", leftover.name)
    plan = make_plan(inputs, options, log)
    log.info("%d videos: %d to analyse, %d kept from earlier runs", len(plan.entries), len(plan.jobs), plan.reused)
    log_other_results(out, plan, log)
    progress = Progress(len(plan.jobs), log, enabled=not options.quiet)
    try:
        execute(plan.jobs, options, progress, log)
    finally:
        progress.close()
    rows = build_rows(plan.entries, out)
    id_columns = [*ID_COLUMNS, *inputs.extra_columns]
    csv_path = write_csv(rows, columns(inputs.extra_columns), out / SUMMARY_CSV)
    index_path = write_index(rows, id_columns, out)
    failed = len({(r["video"], r["result"]) for r in rows if r["status"] != "ok"})
    log.info("done: %d videos, %d failed; table %s", len(plan.entries), failed, csv_path)
    return BatchResult(len(plan.entries), len(plan.entries) - failed, failed, plan.reused, csv_path, index_path)


def make_plan(inputs: Inputs, options: BatchOptions, log: logging.Logger) -> Plan:
    """Key every input video; keep the jobs whose result is missing (or failed, with --retry-failed)."""
    plan = Plan()
    seen: set[str] = set()
    for item in inputs.items:
        if not item.video.is_file():
            plan.entries.append(Entry(item, None, f"File not found: {item.label}."))
            continue
        settings = item_settings(options.settings, item)
        try:
            key = keys.content_key(keys.file_sha256(item.video), settings)
        except OSError as exc:  # unreadable (permissions, a disk error): a failed row, not a stopped batch
            plan.entries.append(Entry(item, None, f"Cannot read the file: {exc.strerror or exc}."))
            continue
        name = keys.folder_name(item.video, key)
        plan.entries.append(Entry(item, name))
        if name in seen:
            log.info("%s: listed again (same clip, same settings): one result", item.label)
            continue
        seen.add(name)
        record = folders.read_record(options.out / name)
        if record is not None and (record.status == "ok" or not options.retry_failed):
            plan.reused += 1
            continue
        plan.jobs.append(VideoJob(item.video, item.label, name, key, options.out, settings, options.outputs))
    return plan


def log_other_results(out: Path, plan: Plan, log: logging.Logger) -> None:
    """Say how many result folders in OUT belong to no video of this input (other clips, older
    settings or gaitcheck versions): kept, but not in this table."""
    ours = {entry.name for entry in plan.entries}
    others = [p for p in out.iterdir() if p.is_dir() and p.name not in ours and (p / folders.RECORD_JSON).is_file()]
    if others:
        log.info(
            "%d result folders in %s are not from this input or these settings: kept, not in the table",
            len(others),
            out,
        )


def item_settings(base: Settings, item: Item) -> Settings:
    """The batch's settings with the manifest's movement and view for this video, when given."""
    changes = {k: v for k, v in (("movement", item.movement), ("view", item.view)) if v is not None}
    return base.replace(**changes) if changes else base


def execute(jobs: list[VideoJob], options: BatchOptions, on_record: OnRecord, log: logging.Logger) -> None:
    """Run the jobs on the chosen backend."""
    if not jobs:
        return
    if options.backend == "ray":
        from gaitcheck.batch.ray_backend import run_ray

        run_ray(
            jobs,
            address=options.ray_address,
            workers=options.workers,
            memory_mb=options.worker_memory_mb,
            on_record=on_record,
            log=log,
        )
    elif options.backend == "local":
        workers = options.workers or default_local_workers()
        log.info("local: %d worker processes", min(workers, len(jobs)))
        run_local(jobs, workers, options.out / LOGS_DIR, on_record)
    else:
        raise InputError(f"unknown backend '{options.backend}' (local or ray)")


def default_local_workers() -> int:
    """One analysis per two cores: pose inference with flip-averaging keeps about two cores busy."""
    return max(1, (os.cpu_count() or 1) // 2)


def open_log(path: Path, to_stderr: bool) -> logging.Logger:
    """This batch's logger: batch.log (appended: one section per run), and stderr when no
    progress line is shown (not a terminal)."""
    log = logging.getLogger(f"gaitcheck.batch.run.{id(path)}")
    log.setLevel(logging.INFO)
    log.propagate = False
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    log.addHandler(handler)
    if to_stderr:
        log.addHandler(logging.StreamHandler())
    return log


def close_log(log: logging.Logger) -> None:
    for handler in list(log.handlers):
        handler.close()
        log.removeHandler(handler)
