"""The whole hostile-input corpus (tests/data/bad/make_bad.py) uploaded at once to a real server: each
upload is refused with a 4xx and one sentence, or becomes a job that ends done or failed with one
sentence; the server keeps serving, and a good clip uploaded afterwards is analysed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from gaitcheck.web.worker import INTERNAL_ERROR
from tests.data.bad.make_bad import Case
from tests.web.conftest import Server

#: Uploads sent at once.
AT_ONCE = 8
#: Every analysis of the corpus (about 20 tiny clips on 2 workers) ends within this.
ALL_DONE_S = 900.0


def one_sentence(message: str) -> None:
    assert message and message.endswith(".") and "\n" not in message, message
    assert "Traceback" not in message and message != INTERNAL_ERROR, message


def upload(server: Server, folder: Path, case: Case) -> tuple[Case, httpx.Response]:
    return case, server.upload(folder / case.file)


@pytest.mark.slow
@pytest.mark.video
def test_the_corpus_uploaded_at_once(start_server, bad_corpus, short_clip):
    folder, cases = bad_corpus
    server = start_server("--workers", "2")
    sendable = [case for case in cases if case.web]
    with ThreadPoolExecutor(AT_ONCE) as pool:
        answers = list(pool.map(lambda case: upload(server, folder, case), sendable))
    jobs = {}
    for case, response in answers:
        assert response.status_code in (201, 400, 413, 415, 422), (case.name, response.text)
        if response.status_code == 201:
            jobs[case.name] = response.json()["id"]
        else:
            one_sentence(response.json()["error"])
    assert "good" in jobs
    for name, job_id in jobs.items():
        job = server.wait(job_id, timeout_s=ALL_DONE_S)
        if job["status"] == "failed":
            one_sentence(job["error"])
        assert job["status"] == "done" or name != "good", job
    after = server.upload(short_clip, movement="squat", view="front")
    assert after.status_code == 201, after.text
    assert server.wait(after.json()["id"], timeout_s=300)["status"] == "done"
    assert server.process.poll() is None
    assert "Traceback" not in server.stderr()
