"""A worker process of `gaitcheck serve`: claims jobs from the table and analyses them one at a time.

Run by the server as `python -m gaitcheck.web.worker OPTIONS_JSON`. While a job runs, a heartbeat
thread renews its lease; when the lease is lost (the job was deleted, or re-queued after a stall)
or the server goes away, the run is cancelled. SIGTERM or SIGINT cancels the current run and gives
the job back to the queue, so a restart resumes it. Results go through `store.staged` into the
job's `result/` folder; a folder left half-written by a killed attempt is removed before the next
attempt, and only the table's `done` says a result is complete. The worker's pose landmarkers are
kept from job to job (`pose.LandmarkerCache`), so a job does not load the model again.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from gaitcheck.context import ProgressEvent, RunContext
from gaitcheck.errors import OUT_OF_MEMORY, Cancelled, GaitcheckError, user_sentence
from gaitcheck.malloc import limit_arenas
from gaitcheck.web.jobs import Job, JobStore
from gaitcheck.web.options import ServeOptions

if TYPE_CHECKING:
    from gaitcheck.pose import LandmarkerCache

log = logging.getLogger(__name__)

RESULT_DIR = "result"
WORKER_LOG = "worker.log"
#: Each stage's share of a job's progress (pose inference dominates). The report stage starts
#: before the annotated video is drawn and ends after it, so the two spans overlap.
STAGE_SPAN = {
    "decode/pose": (0.0, 0.6),
    "clean": (0.6, 0.65),
    "assess": (0.65, 0.7),
    "video": (0.7, 0.95),
    "report": (0.7, 1.0),
}
#: What each stage is doing, in words for the page.
STAGE_LABEL = {
    "decode/pose": "finding the person in each frame",
    "clean": "cleaning the landmarks",
    "assess": "measuring and grading",
    "video": "drawing the annotated video",
    "report": "writing the report",
}
#: Progress is written to the table at most this often (plus every change of stage).
PROGRESS_EVERY_S = 0.5
INTERNAL_ERROR = (
    "gaitcheck failed on this clip because of a bug (details in the job's worker.log); "
    "please report it, and try again with the movement and view chosen."
)
#: What a run cancelled by a shutdown returns: the job goes back to the queue.
RELEASE = "released"


def options_to_json(options: ServeOptions) -> str:
    """What the server passes a worker (the token stays with the server)."""
    values = dataclasses.asdict(options) | {"token": None}
    return json.dumps({k: (str(v) if isinstance(v, Path) else v) for k, v in values.items()})


def options_from_json(text: str) -> ServeOptions:
    values = json.loads(text)
    return ServeOptions(**(values | {"data_dir": Path(values["data_dir"])}))


class ProgressWriter:
    """RunContext's on_progress: overall progress and stage into the table, throttled."""

    def __init__(self, jobs: JobStore, job: Job) -> None:
        self.jobs, self.job = jobs, job
        self.stage = ""
        self.written_at = 0.0

    def __call__(self, event: ProgressEvent) -> None:
        start, end = STAGE_SPAN.get(event.stage, (0.0, 0.0))
        now = time.monotonic()
        if event.stage == self.stage and now - self.written_at < PROGRESS_EVERY_S:
            return
        self.stage, self.written_at = event.stage, now
        self.jobs.set_progress(self.job, event.stage, start + (end - start) * event.fraction)


class Heartbeat(threading.Thread):
    """Renews a job's lease every heartbeat_s; cancels the run when the lease is lost or the
    server (the parent process) is gone."""

    def __init__(self, options: ServeOptions, job: Job, context: RunContext, parent_pid: int) -> None:
        super().__init__(name=f"heartbeat-{job.id}", daemon=True)
        self.options, self.job, self.context, self.parent_pid = options, job, context, parent_pid
        self.done = threading.Event()
        self.lost = False

    def run(self) -> None:
        jobs = JobStore(self.options.db_path, self.options.lease_s, self.options.max_attempts)
        try:
            while not self.done.wait(self.options.heartbeat_s):
                if not jobs.heartbeat(self.job) or os.getppid() != self.parent_pid:
                    self.lost = True
                    self.context.cancel()
                    return
        finally:
            jobs.close()


def analyse(options: ServeOptions, job: Job, context: RunContext) -> str | None:
    """Analyse one job's video into its result folder; None on success, else the sentence to show.
    `Cancelled` propagates (the caller decides whether the job goes back to the queue)."""
    from gaitcheck import pipeline, report, store
    from gaitcheck.settings import OutputOptions, Settings

    folder = options.job_dir(job.id)
    video = folder / job.video_name
    result = folder / RESULT_DIR
    shutil.rmtree(result, ignore_errors=True)  # whatever a killed attempt left
    try:
        settings, outputs = Settings().replace(movement=job.movement, view=job.view), OutputOptions()
        report.prepare(outputs)
        analysis = pipeline.analyze(video, settings, context=context)
        with store.staged(result) as stage:
            store.save(analysis, stage)
            report.write(analysis, stage, outputs, context=context)
    except Cancelled:
        raise
    except GaitcheckError as exc:
        return user_sentence(exc, video)
    except MemoryError:
        return OUT_OF_MEMORY
    except Exception:  # a bug: the traceback for the job's folder, a sentence for the page
        (folder / WORKER_LOG).write_text(traceback.format_exc(), encoding="utf-8")
        return INTERNAL_ERROR
    return None


class Worker:
    """The claim-run loop of one worker process."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self.jobs = JobStore(options.db_path, options.lease_s, options.max_attempts)
        self.stopping = threading.Event()
        self.context: RunContext | None = None
        self.parent_pid = os.getppid()
        self.landmarkers: LandmarkerCache | None = None  # made by run_forever (the server never needs one)

    def stop(self, signum: int = 0, frame: FrameType | None = None) -> None:
        """Signal handler: finish nothing new, cancel the current run."""
        self.stopping.set()
        if self.context is not None:
            self.context.cancel()

    def run_forever(self) -> None:
        from gaitcheck.pose import LandmarkerCache

        self.landmarkers = LandmarkerCache()
        try:
            while not self.stopping.is_set() and os.getppid() == self.parent_pid:
                job = self.jobs.claim(os.getpid())
                if job is None:
                    self.stopping.wait(self.options.poll_s)
                    continue
                self.run(job)
        finally:
            self.landmarkers.close()

    def run(self, job: Job) -> None:
        context = RunContext(on_progress=ProgressWriter(self.jobs, job), landmarkers=self.landmarkers)
        self.context = context
        beat = Heartbeat(self.options, job, context, self.parent_pid)
        beat.start()
        try:
            outcome = analyse(self.options, job, context)
        except Cancelled:
            outcome = None if beat.lost else RELEASE
        finally:
            beat.done.set()
            self.context = None
        log.info("job %s: %s", job.id, outcome or "done")
        if beat.lost and self.jobs.get(job.id) is None:
            shutil.rmtree(self.options.job_dir(job.id), ignore_errors=True)  # deleted while it ran
        elif outcome == RELEASE:
            self.jobs.release(job)  # shutting down: the job resumes after a restart
        elif not beat.lost and outcome is None:
            self.jobs.finish(job)
        elif not beat.lost and outcome is not None:
            self.jobs.fail(job, outcome)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    limit_arenas()  # before any decoding or pose thread starts: see gaitcheck.malloc
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(process)d %(levelname)s: %(message)s")
    worker = Worker(options_from_json(args[0]))
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    worker.run_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
