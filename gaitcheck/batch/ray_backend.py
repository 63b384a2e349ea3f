"""Ray backend: one Ray task per video, each calling the same `work.process` as a local worker.

`ray` is imported inside `run_ray` only: gaitcheck without the `ray` extra never loads it, and the
local workers stay Ray-free. Each task asks for `num_cpus=1` and `memory` (bytes), so Ray's
scheduler never puts more clips on a node than it can hold; at most `in_flight` tasks are
submitted at a time (`ray.wait`), so a manifest of thousands of clips does not become thousands of
queued tasks. Tasks write their result folder to the shared OUT themselves and return only the
small record. A task that dies (its worker killed, Ray's memory monitor) is retried once by Ray
(`process` is idempotent); if it still fails, the video gets a failed record written here.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from gaitcheck.batch import folders
from gaitcheck.batch.model import OnRecord, VideoJob
from gaitcheck.batch.work import lost_record, process
from gaitcheck.errors import InputError

#: Object store of a Ray instance started here: records are tiny, frames never cross.
OBJECT_STORE_BYTES = 256 * 1024 * 1024
TASK_RETRIES = 1


def import_ray() -> Any:
    """The ray module, or one line saying how to install it."""
    try:
        import ray
    except ImportError:
        raise InputError("--backend ray needs Ray: pip install 'gaitcheck[ray]'") from None
    return ray


def run_ray(
    jobs: Sequence[VideoJob],
    *,
    address: str | None,
    workers: int | None,
    memory_mb: int,
    on_record: OnRecord,
    log: logging.Logger,
) -> None:
    """Run every job as a Ray task on the cluster at `address` (or on a Ray started here with
    `workers` CPUs, or on the Ray this process already joined); records go to `on_record`.
    `workers` bounds the tasks in flight (default: the cluster's CPUs)."""
    ray = import_ray()
    started_here = connect(ray, address, workers)
    try:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        in_flight = max(1, workers or cpus)
        log.info("ray: cluster with %d CPUs; %d tasks in flight, %d MB each", cpus, in_flight, memory_mb)
        task = ray.remote(process).options(num_cpus=1, memory=memory_mb * 1024 * 1024, max_retries=TASK_RETRIES)
        submit_bounded(ray, task.remote, jobs, in_flight, on_record)
    finally:
        if started_here:
            ray.shutdown()


def connect(ray: Any, address: str | None, workers: int | None) -> bool:
    """Join a cluster (or start a local Ray); True when this call started the connection."""
    if ray.is_initialized():
        return False
    quiet = {"log_to_driver": False, "logging_level": logging.WARNING}
    if address:
        ray.init(address=address, **quiet)
    else:
        ray.init(num_cpus=workers, include_dashboard=False, object_store_memory=OBJECT_STORE_BYTES, **quiet)
    return True


def submit_bounded(
    ray: Any, submit: Callable[[VideoJob], Any], jobs: Sequence[VideoJob], in_flight: int, on_record: OnRecord
) -> None:
    """Keep at most `in_flight` tasks submitted; hand each record over as its task ends."""
    pending = deque(jobs)
    running: dict[Any, VideoJob] = {}
    while pending or running:
        while pending and len(running) < in_flight:
            job = pending.popleft()
            running[submit(job)] = job
        done, _ = ray.wait(list(running), num_returns=1)
        for ref in done:
            job = running.pop(ref)
            try:
                record = ray.get(ref)
            except ray.exceptions.RayError as exc:
                record = lost_record(job, f"Ray task failed: {type(exc).__name__}")
                folders.publish_failure(job.out_dir, record)
            on_record(record)
