"""Local backend: worker processes of our own, one video at a time each.

Not `concurrent.futures.ProcessPoolExecutor`: when one of its workers dies (the kernel's OOM
killer, a segfault in native code) the whole pool breaks and every pending video fails with it.
Here each worker has its own inbox; the parent sees a dead worker, records a failure for the one
video it held, starts a new worker and goes on. Workers are started with "spawn" (MediaPipe is not
fork-safe once loaded), import gaitcheck and MediaPipe once, and then serve many videos, keeping
their pose landmarkers from video to video (`pose.LandmarkerCache`). A worker whose parent is gone
(the batch was SIGKILLed) exits within a second instead of running on.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from gaitcheck.batch import folders
from gaitcheck.batch.model import OnRecord, VideoJob, VideoRecord
from gaitcheck.batch.work import lost_record, process
from gaitcheck.malloc import limit_arenas
from gaitcheck.pose import LandmarkerCache

#: How often the parent looks for finished and dead workers, and a worker for its parent.
POLL_S = 0.5
STOP_WAIT_S = 5.0


@dataclass
class Slot:
    """One worker process, its inbox, and the job it holds (None when idle)."""

    index: int
    process: BaseProcess
    inbox: Any
    job: VideoJob | None = None


def run_local(jobs: Sequence[VideoJob], workers: int, log_dir: Path, on_record: OnRecord) -> None:
    """Run `process` on every job with `workers` processes; `on_record` gets each record in the
    parent, in the order they finish. A worker's stdout and stderr go to log_dir/worker-N.log."""
    pool = LocalPool(max(1, min(workers, len(jobs))), log_dir)
    try:
        pool.run(jobs, on_record)
    finally:
        pool.stop()


class LocalPool:
    """The parent's side of the worker processes (see the module docstring)."""

    def __init__(self, workers: int, log_dir: Path) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.results: Any = self.context.Queue()
        self.log_dir = log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        self.slots = [self._start(index) for index in range(workers)]

    def _start(self, index: int) -> Slot:
        inbox = self.context.Queue()
        log_path = self.log_dir / f"worker-{index + 1}.log"
        args = (index, inbox, self.results, os.getpid(), str(log_path))
        worker = self.context.Process(target=worker_main, args=args, name=f"gaitcheck-batch-{index + 1}", daemon=True)
        worker.start()
        return Slot(index, worker, inbox)

    def run(self, jobs: Sequence[VideoJob], on_record: OnRecord) -> None:
        pending = deque(jobs)
        while pending or any(slot.job is not None for slot in self.slots):
            for slot in self.slots:
                if slot.job is None and pending:
                    slot.job = pending.popleft()
                    slot.inbox.put(slot.job)
            self._collect(on_record)
            self._replace_dead(on_record)

    def _collect(self, on_record: OnRecord, wait_s: float = POLL_S) -> None:
        """Wait up to `wait_s` for a record, then take every other one already there."""
        while True:
            try:
                index, record = self.results.get(timeout=wait_s) if wait_s > 0 else self.results.get_nowait()
            except queue.Empty:
                return
            self.slots[index].job = None
            on_record(record)
            wait_s = 0.0

    def _replace_dead(self, on_record: OnRecord) -> None:
        """A worker that died holding a job: the job's video fails (unless its result made it into
        place before the death), and a new worker takes the slot."""
        for slot in self.slots:
            if slot.process.is_alive():
                continue
            self._collect(on_record, 0.0)  # its last record may still be in the queue
            if slot.job is not None:
                job, slot.job = slot.job, None
                on_record(finished_or_lost(job, slot.process.exitcode))
            self.slots[slot.index] = self._start(slot.index)

    def stop(self) -> None:
        """Ask every worker to finish, then end those that do not within STOP_WAIT_S."""
        for slot in self.slots:
            if slot.process.is_alive():
                slot.inbox.put(None)
        deadline = time.monotonic() + STOP_WAIT_S
        for slot in self.slots:
            slot.process.join(max(0.0, deadline - time.monotonic()))
            if slot.process.is_alive():
                slot.process.terminate()
                slot.process.join(1.0)


def finished_or_lost(job: VideoJob, exitcode: int | None) -> VideoRecord:
    """The record of a job whose worker died: its result if it was published, else a failure."""
    done = folders.read_record(job.out_dir / job.name)
    if done is not None and done.key == job.key:
        return done
    why = f"killed by signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"exit code {exitcode}"
    record = lost_record(job, why)
    folders.publish_failure(job.out_dir, record)
    return record


def worker_main(index: int, inbox: Any, results: Any, parent_pid: int, log_path: str) -> None:
    """A worker process: take jobs from `inbox` until None, put (index, record) in `results`."""
    redirect_output(log_path)
    limit_arenas()  # before any decoding or pose thread starts: see gaitcheck.malloc
    threading.Thread(target=exit_when_orphaned, args=(parent_pid,), daemon=True).start()
    landmarkers = LandmarkerCache()  # the model is loaded for this process, not for each video
    try:
        while (job := inbox.get()) is not None:
            results.put((index, process(job, landmarkers)))
    finally:
        landmarkers.close()


def redirect_output(log_path: str) -> None:
    """Send this process's stdout and stderr (MediaPipe's native logging too) to its log file."""
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def exit_when_orphaned(parent_pid: int) -> None:
    """End this worker at once when the batch that started it is gone (killed: no clean stop)."""
    while os.getppid() == parent_pid:
        time.sleep(POLL_S)
    os._exit(3)
