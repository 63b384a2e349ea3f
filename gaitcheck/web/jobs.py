"""The job queue: one SQLite table that survives crashes and restarts.

Why a table of our own (docs/web.md): huey's SQLite queue drops a job whose worker is SIGKILLed,
and a ProcessPoolExecutor fails every pending job when one worker is OOM-killed. Here a worker
claims a job atomically (`BEGIN IMMEDIATE` + `UPDATE ... RETURNING`) under a lease it renews with
heartbeats; a job whose lease ran out (its worker died) is re-queued by whoever looks next, up to
`max_attempts` times. Every write names the claim it holds, so a worker that lost its lease can
no longer change the job. Times are wall-clock seconds (several processes share them).
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

Status = Literal["queued", "running", "done", "failed"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    stage TEXT,
    progress REAL NOT NULL DEFAULT 0,
    movement TEXT NOT NULL DEFAULT 'auto',
    view TEXT NOT NULL DEFAULT 'auto',
    label TEXT NOT NULL DEFAULT '',
    original_name TEXT NOT NULL DEFAULT '',
    video_name TEXT NOT NULL,
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    lease_expires REAL,
    heartbeat REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    claim TEXT,
    worker_pid INTEGER,
    error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, seq);
"""

#: What a job that kept killing its worker says (the attempts cap was reached).
GAVE_UP = (
    "The analysis stopped {n} times without finishing (the worker crashed or ran out of memory); "
    "try a shorter clip, or restart the server with fewer workers."
)


@dataclass(frozen=True)
class Job:
    """One row of the jobs table."""

    seq: int
    id: str
    status: Status
    stage: str | None
    progress: float
    movement: str
    view: str
    label: str
    original_name: str
    video_name: str
    created: float
    started: float | None
    finished: float | None
    lease_expires: float | None
    heartbeat: float | None
    attempts: int
    claim: str | None
    worker_pid: int | None
    error: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Job:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True)
class NewJob:
    """What an upload adds to the queue."""

    id: str
    video_name: str
    movement: str = "auto"
    view: str = "auto"
    label: str = ""
    original_name: str = ""


def new_job_id() -> str:
    """A random, unguessable id (16 URL-safe characters)."""
    return secrets.token_urlsafe(12)


class JobStore:
    """The jobs table of one data folder. Open one per thread or process (sqlite3 connections are
    not shared); every method is one short transaction."""

    def __init__(self, path: str | Path, lease_s: float = 30.0, max_attempts: int = 3) -> None:
        self.path = Path(path)
        self.lease_s = lease_s
        self.max_attempts = max_attempts
        self.db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA busy_timeout = 30000")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes the write lock at once (no lock upgrade, no deadlock)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- the queue --------------------------------------------------------------------------------
    def add(self, job: NewJob) -> Job:
        with self.transaction() as db:
            row = db.execute(
                "INSERT INTO jobs (id, status, movement, view, label, original_name, video_name, created) "
                "VALUES (?, 'queued', ?, ?, ?, ?, ?, ?) RETURNING *",
                (job.id, job.movement, job.view, job.label, job.original_name, job.video_name, time.time()),
            ).fetchone()
        return Job.from_row(row)

    def claim(self, worker_pid: int) -> Job | None:
        """The oldest queued job, now running under a fresh lease for this worker; None if none."""
        now = time.time()
        with self.transaction() as db:
            self._expire(db, now)
            row = db.execute(
                "UPDATE jobs SET status = 'running', claim = ?, worker_pid = ?, attempts = attempts + 1, "
                "lease_expires = ?, heartbeat = ?, started = ?, stage = NULL, progress = 0, error = NULL "
                "WHERE seq = (SELECT seq FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1) RETURNING *",
                (secrets.token_hex(8), worker_pid, now + self.lease_s, now, now),
            ).fetchone()
        return None if row is None else Job.from_row(row)

    def requeue_expired(self) -> int:
        """Re-queue (or fail, past the attempts cap) running jobs whose lease ran out."""
        with self.transaction() as db:
            return self._expire(db, time.time())

    def _expire(self, db: sqlite3.Connection, now: float) -> int:
        failed = db.execute(
            "UPDATE jobs SET status = 'failed', claim = NULL, lease_expires = NULL, finished = ?, error = ? "
            "WHERE status = 'running' AND lease_expires < ? AND attempts >= ?",
            (now, GAVE_UP.format(n=self.max_attempts), now, self.max_attempts),
        ).rowcount
        queued = db.execute(
            "UPDATE jobs SET status = 'queued', claim = NULL, lease_expires = NULL, stage = NULL, progress = 0 "
            "WHERE status = 'running' AND lease_expires < ?",
            (now,),
        ).rowcount
        return failed + queued

    # --- a running job (each write names its claim: a worker that lost the lease changes nothing) --
    def heartbeat(self, job: Job) -> bool:
        """Renew the lease; False when the job is no longer this claim's (re-queued or deleted)."""
        now = time.time()
        return self._update(job, "heartbeat = ?, lease_expires = ?", (now, now + self.lease_s))

    def set_progress(self, job: Job, stage: str, progress: float) -> bool:
        return self._update(job, "stage = ?, progress = MAX(progress, ?)", (stage, progress))

    def finish(self, job: Job) -> bool:
        return self._end(job, "done", None)

    def fail(self, job: Job, error: str) -> bool:
        return self._end(job, "failed", error)

    def release(self, job: Job) -> bool:
        """Give a job back to the queue (the worker is shutting down); the attempt does not count."""
        return self._update(
            job,
            "status = 'queued', claim = NULL, lease_expires = NULL, stage = NULL, progress = 0, "
            "attempts = MAX(attempts - 1, 0)",
            (),
        )

    def _end(self, job: Job, status: Status, error: str | None) -> bool:
        progress = ", progress = 1" if status == "done" else ""
        sets = "status = ?, error = ?, finished = ?, claim = NULL, lease_expires = NULL" + progress
        return self._update(job, sets, (status, error, time.time()))

    def _update(self, job: Job, sets: str, values: tuple[Any, ...]) -> bool:
        with self.transaction() as db:
            changed = db.execute(
                f"UPDATE jobs SET {sets} WHERE id = ? AND claim = ? AND status = 'running'",
                (*values, job.id, job.claim),
            ).rowcount
        return changed == 1

    # --- reading and deleting ---------------------------------------------------------------------
    def get(self, job_id: str) -> Job | None:
        row = self.db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else Job.from_row(row)

    def all(self) -> list[Job]:
        """Every job, newest first."""
        return [Job.from_row(r) for r in self.db.execute("SELECT * FROM jobs ORDER BY seq DESC")]

    def queue_position(self, job: Job) -> int | None:
        """1 for the next job to run; None when the job is not waiting. For a list of jobs use
        `queue_positions` on one reading: counted job by job, a worker taking a job in between
        gives two jobs the same place."""
        if job.status != "queued":
            return None
        ahead = self.db.execute("SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND seq < ?", (job.seq,)).fetchone()[
            0
        ]
        return int(ahead) + 1

    @staticmethod
    def queue_positions(jobs: list[Job]) -> dict[str, int]:
        """Each waiting job's place in the queue (1 = next to run), from one reading of the jobs."""
        waiting = sorted((job for job in jobs if job.status == "queued"), key=lambda job: job.seq)
        return {job.id: place for place, job in enumerate(waiting, start=1)}

    def delete(self, job_id: str) -> Job | None:
        """Remove the row (a running job's worker notices at its next heartbeat); the removed job."""
        with self.transaction() as db:
            row = db.execute("DELETE FROM jobs WHERE id = ? RETURNING *", (job_id,)).fetchone()
        return None if row is None else Job.from_row(row)
