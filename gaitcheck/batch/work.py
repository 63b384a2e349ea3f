"""One video in, one result folder out: the function every backend runs (local worker processes
and Ray tasks alike). Ray-free, and safe to run twice for the same video (Ray may retry a task):
the second result is dropped when the first one is already in place.
"""

from __future__ import annotations

import os
import resource
import shutil
import time
import traceback
from pathlib import Path

from gaitcheck import pipeline, report, store
from gaitcheck.batch import folders
from gaitcheck.batch.model import VideoJob, VideoRecord
from gaitcheck.context import RunContext
from gaitcheck.errors import OUT_OF_MEMORY, GaitcheckError, user_sentence
from gaitcheck.pose import LandmarkerCache

INTERNAL_ERROR = (
    f"gaitcheck failed on this clip because of a bug (details in its {folders.ERROR_LOG}); please report it."
)
WORKER_DIED = (
    "The worker analysing this clip stopped without an answer ({why}); "
    "rerun with --retry-failed, with fewer workers if memory is short."
)


def process(job: VideoJob, landmarkers: LandmarkerCache | None = None) -> VideoRecord:
    """Analyse `job.video` into `job.out_dir / job.name` through a temporary folder; a failure
    becomes a failed result folder with its one-line reason. Never raises for a bad video.
    `landmarkers`: the worker process's cache of pose landmarkers (None: this video builds its own)."""
    started = time.monotonic()
    stage = folders.new_stage(job.out_dir, job.name)
    try:
        frames, error = analyse_into(job, stage, landmarkers), ""
    except (KeyboardInterrupt, SystemExit):
        shutil.rmtree(stage, ignore_errors=True)
        raise
    except BaseException as exc:
        frames, error = 0, failure_sentence(exc, job.video, stage)
    record = VideoRecord(
        name=job.name,
        key=job.key,
        video=job.label,
        status="failed" if error else "ok",
        error=error,
        seconds=round(time.monotonic() - started, 2),
        frames=frames,
        peak_rss_mb=peak_rss_mb(),
        worker_pid=os.getpid(),
    )
    folders.publish(stage, job.out_dir, record)
    return record


def analyse_into(job: VideoJob, stage: Path, landmarkers: LandmarkerCache | None = None) -> int:
    """What a front-end does for one video (pipeline, store, report) into `stage`; the frame count."""
    context = RunContext(landmarkers=landmarkers)
    report.prepare(job.outputs)
    analysis = pipeline.analyze(job.video, job.settings, context=context)
    store.save(analysis, stage)
    report.write(analysis, stage, job.outputs, context=context)
    return analysis.video.n_frames


def failure_sentence(exc: BaseException, video: Path, stage: Path) -> str:
    """The one line a table shows for a failed video. Partial outputs are removed; for a bug the
    traceback is kept in the failed folder's error.log."""
    for entry in stage.iterdir():
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    if isinstance(exc, GaitcheckError):
        return user_sentence(exc, video)
    if isinstance(exc, MemoryError):
        return OUT_OF_MEMORY
    (stage / folders.ERROR_LOG).write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    return INTERNAL_ERROR


def lost_record(job: VideoJob, why: str) -> VideoRecord:
    """The failed record of a video whose worker gave no answer (killed, crashed, task lost)."""
    return VideoRecord(name=job.name, key=job.key, video=job.label, status="failed", error=WORKER_DIED.format(why=why))


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, MB (ru_maxrss is KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
