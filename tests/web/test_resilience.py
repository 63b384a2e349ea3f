"""Jobs survive: a worker SIGKILLed mid-job, a server stopped with jobs queued and running."""

from __future__ import annotations

import signal
import time

import pytest

from tests.web.conftest import kill, result_folders

pytestmark = pytest.mark.slow


def test_a_killed_worker_s_job_completes_after_its_lease(start_server, tiny_clip):
    server = start_server("--workers", "1", "--lease-s", "2")
    job_id = server.upload(tiny_clip).json()["id"]
    server.wait(job_id, ("running",), timeout_s=30)
    victim = server.row(job_id).worker_pid
    assert victim is not None
    kill(victim)
    done = server.wait(job_id, timeout_s=120)
    row = server.row(job_id)
    assert done["status"] == "done", done
    assert row.attempts == 2 and row.worker_pid != victim
    assert result_folders(server.data) == {job_id: ["result", "uploaded.mp4"]}
    assert not [p for p in (server.data / "jobs" / job_id / "result").iterdir() if p.name.startswith(".partial")]
    assert "exited with code -9; starting another" in server.stderr()


def test_a_restart_loses_nothing_and_runs_nothing_twice(start_server, tiny_clip, tmp_path):
    data = tmp_path / "data"
    first = start_server("--workers", "1", data=data)
    ids = [first.upload(tiny_clip, label=f"job {n}").json()["id"] for n in range(3)]
    first.wait(ids[0], ("running",), timeout_s=30)
    time.sleep(0.5)
    assert first.stop(signal.SIGINT) == 0  # Ctrl-C while the first job runs
    assert "Traceback" not in first.stderr() and "gaitcheck: stopped" in first.stderr()
    left = [first.row(i) for i in ids]
    assert [j.status for j in left if j.id != ids[0]] == ["queued", "queued"]
    assert left[0].status in ("queued", "done")  # handed back, or it had just finished

    second = start_server("--workers", "1", data=data)
    finished = [second.wait(i, timeout_s=120) for i in ids]
    assert [j["status"] for j in finished] == ["done"] * 3
    jobs = second.client.get("/api/jobs").json()["jobs"]
    assert sorted(j["id"] for j in jobs) == sorted(ids)
    assert all(second.row(i).attempts == 1 for i in ids[1:])
    assert result_folders(data) == {i: ["result", "uploaded.mp4"] for i in ids}
    assert second.stop() == 0 and "Traceback" not in second.stderr()
