"""A `gaitcheck serve` worker keeps its pose landmarkers from job to job (`pose.LandmarkerCache`),
and a later job gives exactly the numbers of `gaitcheck analyze`."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = [pytest.mark.video, pytest.mark.slow]

REUSED = "pose landmarker (IMAGE mode, 3 poses): reused (stateless)"
SPARE = "pose landmarker (VIDEO mode, 1 poses): a spare, never used"


def test_a_second_job_reuses_the_workers_landmarkers_and_equals_gaitcheck_analyze(
    start_server, tiny_clip, short_clip, tmp_path
):
    server = start_server("--workers", "1")
    cli = subprocess.Popen(
        [sys.executable, "-m", "gaitcheck", "analyze", str(short_clip), "-o", str(tmp_path / "cli"), "--quiet"]
    )
    first = server.wait(server.upload(tiny_clip).json()["id"])
    second = server.wait(server.upload(short_clip).json()["id"])
    assert cli.wait(120) == 0
    assert first["status"] == second["status"] == "done", (first, second)
    result = server.data / "jobs" / second["id"] / "result"
    log = (result / "run.log").read_text()
    assert REUSED in log and log.count(SPARE) == 2, log  # the counter, and both flip-averaging landmarkers
    assert REUSED not in (server.data / "jobs" / first["id"] / "result" / "run.log").read_text()
    for name in ("landmarks_raw.csv", "angles.csv"):
        assert (result / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
