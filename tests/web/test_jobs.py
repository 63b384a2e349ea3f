"""The jobs table on its own (no server, no video): atomic claims, leases, the attempts cap."""

from __future__ import annotations

import threading
import time

from gaitcheck.web.jobs import GAVE_UP, JobStore, NewJob, new_job_id
from gaitcheck.web.options import JOB_ID_PATTERN


def add(store: JobStore, n: int) -> list[str]:
    ids = [new_job_id() for _ in range(n)]
    for job_id in ids:
        store.add(NewJob(job_id, "uploaded.mp4"))
    return ids


def test_ids_are_random_and_match_the_pattern():
    ids = {new_job_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(JOB_ID_PATTERN.fullmatch(i) for i in ids)
    assert not JOB_ID_PATTERN.fullmatch("../../etc/passwd")


def test_claims_in_order_and_each_job_once_across_threads(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    ids = add(JobStore(path), 40)
    claimed: list[str] = []
    lock = threading.Lock()

    def worker(pid: int) -> None:
        store = JobStore(path)
        while (job := store.claim(pid)) is not None:
            with lock:
                claimed.append(job.id)
            assert store.finish(job)
        store.close()

    threads = [threading.Thread(target=worker, args=(pid,)) for pid in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(ids)  # every job, none twice
    assert all(job.status == "done" and job.attempts == 1 for job in JobStore(path).all())


def test_queue_position_counts_the_jobs_ahead(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    first, second, third = add(store, 3)
    assert [store.queue_position(store.get(i)) for i in (first, second, third)] == [1, 2, 3]  # type: ignore[arg-type]
    running = store.claim(1)
    assert running is not None and running.id == first
    assert store.queue_position(running) is None
    assert store.queue_position(store.get(third)) == 2  # type: ignore[arg-type]


def test_queue_positions_of_one_reading_are_consecutive_while_a_worker_takes_a_job(tmp_path):
    """Counted job by job, a job claimed between two counts gave the next two jobs place 1
    (seen as [1, 1, 2, ...] under load); from one reading the places are 1, 2, 3, ..."""
    store = JobStore(tmp_path / "jobs.sqlite3")
    ids = add(store, 4)
    reading = store.all()
    assert store.claim(1) is not None  # a worker takes the first job after the list was read
    places = store.queue_positions(reading)
    assert [places[i] for i in ids] == [1, 2, 3, 4]
    assert store.queue_positions(store.all()) == {ids[1]: 1, ids[2]: 2, ids[3]: 3}


def test_an_expired_lease_requeues_and_the_old_claim_can_no_longer_write(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3", lease_s=0.2)
    (job_id,) = add(store, 1)
    first = store.claim(1)
    assert first is not None and store.heartbeat(first)
    time.sleep(0.3)  # the worker "died": no heartbeat
    second = store.claim(2)  # the next claim re-queues the expired job, then takes it
    assert second is not None and second.id == job_id and second.attempts == 2
    assert not store.heartbeat(first) and not store.finish(first)  # the dead claim changes nothing
    assert store.set_progress(second, "clean", 0.6) and store.finish(second)
    assert store.get(job_id).status == "done"  # type: ignore[union-attr]


def test_the_attempts_cap_fails_a_job_with_a_sentence(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3", lease_s=0.05, max_attempts=2)
    (job_id,) = add(store, 1)
    for _ in range(2):
        assert store.claim(1) is not None
        time.sleep(0.1)
    assert store.requeue_expired() == 1
    job = store.get(job_id)
    assert job is not None and job.status == "failed"
    assert job.error == GAVE_UP.format(n=2)
    assert store.claim(1) is None


def test_release_gives_the_job_back_without_counting_the_attempt(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    (job_id,) = add(store, 1)
    job = store.claim(1)
    assert job is not None and store.release(job)
    again = store.get(job_id)
    assert again is not None and again.status == "queued" and again.attempts == 0


def test_delete_removes_the_row_and_a_running_claim_notices(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    (job_id,) = add(store, 1)
    job = store.claim(1)
    assert job is not None
    assert store.delete(job_id) is not None
    assert store.get(job_id) is None and not store.heartbeat(job) and store.delete(job_id) is None


def test_progress_is_throttled_and_never_goes_back(tmp_path):
    from gaitcheck.context import ProgressEvent
    from gaitcheck.web.worker import ProgressWriter

    store = JobStore(tmp_path / "jobs.sqlite3")
    add(store, 1)
    job = store.claim(1)
    assert job is not None
    write = ProgressWriter(store, job)
    for done in range(100):
        write(ProgressEvent("decode/pose", done, 100))
    assert store.get(job.id).progress < 0.1  # type: ignore[union-attr]  # only the first of a burst written
    write(ProgressEvent("report", 0, 3))
    write(ProgressEvent("video", 1, 10))  # drawn after the report started: the bar does not go back
    after = store.get(job.id)
    assert after is not None and after.stage == "video" and after.progress >= 0.7


def test_a_core_error_becomes_a_sentence_without_server_paths(tmp_path):
    from gaitcheck.errors import NoPersonError, user_sentence

    video = tmp_path / "jobs" / "abc" / "uploaded.mp4"
    text = user_sentence(NoPersonError(f"no person found in {video}; film the whole body"), video)
    assert text == "No person found in the video; film the whole body."
