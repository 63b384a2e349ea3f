"""Load on loopback: 20 uploads at once are all accepted and analysed, none lost, none twice,
and the page keeps answering within a second meanwhile."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.web.conftest import result_folders

pytestmark = pytest.mark.slow

UPLOADS = 20
PAGE_LIMIT_S = 1.0


def test_twenty_concurrent_uploads(start_server, tiny_clip):
    server = start_server("--workers", "2")
    with ThreadPoolExecutor(UPLOADS) as pool:
        responses = list(pool.map(lambda n: server.upload(tiny_clip, label=f"load {n}"), range(UPLOADS)))
    assert [r.status_code for r in responses] == [201] * UPLOADS
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == UPLOADS
    slowest_s, deadline = 0.0, time.monotonic() + 240
    while time.monotonic() < deadline:
        started = time.monotonic()
        page = server.client.get("/")
        slowest_s = max(slowest_s, time.monotonic() - started)
        assert page.status_code == 200
        jobs = server.client.get("/api/jobs").json()["jobs"]
        if all(j["status"] in ("done", "failed") for j in jobs):
            break
        waiting = sorted(j["queue_position"] for j in jobs if j["status"] == "queued")
        assert waiting == list(range(1, len(waiting) + 1))
        assert sum(j["status"] == "running" for j in jobs) <= 2
        time.sleep(0.5)
    assert {j["id"] for j in jobs} == ids
    assert [j["status"] for j in jobs] == ["done"] * UPLOADS, [j["error"] for j in jobs]
    assert all(server.row(i).attempts == 1 for i in ids)
    assert result_folders(server.data) == {i: ["result", "uploaded.mp4"] for i in ids}
    assert slowest_s < PAGE_LIMIT_S, f"GET / took {slowest_s:.2f} s while the queue ran"
