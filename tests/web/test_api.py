"""The HTTP API against a real uvicorn: refusals with a clear sentence, and a real analysis that
matches `gaitcheck analyze` on the same clip."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys

import httpx
import pandas as pd
import pytest

from tests.helpers import empty_room_frames, write_clip
from tests.web.conftest import Server, result_folders

TOKEN = "test-token-1234"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """No workers (nothing here needs an analysis), a token and a 1 MB upload limit."""
    started = Server(tmp_path_factory.mktemp("api") / "data", "--workers", "0", "--max-upload-mb", "1", token=TOKEN)
    yield started
    assert started.stop() == 0
    assert "Traceback" not in started.stderr()


def refused(response: httpx.Response, status: int, *words: str) -> str:
    """The response is a refusal with that status and one sentence containing `words`."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["error"]
    message = body["error"]
    assert message.endswith(".") and "Traceback" not in message
    for word in words:
        assert word in message, message
    return message


def test_a_good_upload_is_queued_and_listed(server, short_clip):
    response = server.upload(short_clip, movement="squat", view="front", label="A.B. session 1")
    assert response.status_code == 201, response.text
    job = response.json()
    assert job["status"] == "queued" and job["queue_position"] >= 1
    assert job["original_filename"] == "squat_1s.mp4" and job["label"] == "A.B. session 1"
    assert job["files"] == {"uploaded.mp4": f"/api/jobs/{job['id']}/files/uploaded.mp4"}
    assert job["id"] in [j["id"] for j in server.client.get("/api/jobs").json()["jobs"]]
    video = server.client.get(job["files"]["uploaded.mp4"])
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert video.content == short_clip.read_bytes()
    assert server.client.delete(f"/api/jobs/{job['id']}").json() == {"id": job["id"], "deleted": True}
    refused(server.client.get(f"/api/jobs/{job['id']}"), 404, "No such job")
    assert not (server.data / "jobs" / job["id"]).exists()


def test_a_text_file_named_mp4_is_refused(server, tmp_path):
    fake = tmp_path / "clip.mp4"
    fake.write_text("this is not a video\n" * 50)
    refused(server.upload(fake), 415, "This file is not a video gaitcheck can read")


def test_an_empty_file_is_refused(server, tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    refused(server.upload(empty), 400, "empty")


def test_a_form_without_a_video_and_bad_choices_are_refused(server, short_clip):
    refused(server.client.post("/api/jobs", data={"movement": "squat"}, files={"other": ("x", b"1")}), 400, "video")
    refused(server.client.post("/api/jobs", content=b"{}"), 415, "multipart/form-data")
    refused(server.upload(short_clip, movement="jumping"), 422, "movement must be one of", "squat")
    refused(server.upload(short_clip, view="top"), 422, "view must be one of", "front")


def test_too_large_with_content_length_is_refused_at_once(server, short_clip):
    body = b"x" * (3 * 1024 * 1024)
    response = server.client.post("/api/jobs", files={"video": ("big.mp4", body, "video/mp4")})
    assert int(response.request.headers["content-length"]) > len(body)
    refused(response, 413, "larger than this server accepts")


def test_too_large_without_content_length_is_refused_while_streaming(server):
    boundary = "gaitcheckboundary"

    def chunks():  # no Content-Length: httpx sends this chunked
        yield f'--{boundary}\r\nContent-Disposition: form-data; name="video"; filename="big.mp4"\r\n\r\n'.encode()
        for _ in range(48):
            yield b"\0" * 65536  # 3 MB in all
        yield f"\r\n--{boundary}--\r\n".encode()

    response = server.client.post(
        "/api/jobs", content=chunks(), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    assert "content-length" not in response.request.headers
    refused(response, 413, "larger than this server accepts")
    assert not any((server.data / "incoming").iterdir())  # nothing kept


@pytest.mark.parametrize(
    "path",
    [
        "/api/jobs/../../jobs.sqlite3",
        "/api/jobs/%2e%2e%2f%2e%2e%2fjobs.sqlite3",
        "/api/jobs/..%2fjobs.sqlite3/files/x",
        "/api/jobs/{job}/files/../../jobs.sqlite3",
        "/api/jobs/{job}/files/%2e%2e%2f%2e%2e%2fjobs.sqlite3",
        "/api/jobs/{job}/files/..",
        "/api/jobs/{job}/files/%2e%2e",
        "/api/jobs/{job}/files/result",
        "/api/jobs/{job}/files/.partial-x",
        "/jobs/..%2f..%2fjobs.sqlite3",
    ],
)
def test_path_traversal_finds_nothing(server, short_clip, path):
    job = server.upload(short_clip).json()["id"]
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", path.replace("{job}", job), headers={"Authorization": f"Bearer {TOKEN}"})
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    assert response.status in (400, 404), body
    assert "SQLite" not in body and "CREATE TABLE" not in body


def test_a_wrong_or_missing_token_is_refused_everywhere(server, short_clip):
    job = server.upload(short_clip).json()["id"]
    paths = ["/api/jobs", f"/api/jobs/{job}", f"/api/jobs/{job}/files/uploaded.mp4", f"/api/jobs/{job}/download.zip"]
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
        with httpx.Client(base_url=server.base, headers=headers) as anonymous:
            for path in paths:
                refused(anonymous.get(path), 401, "token")
            assert anonymous.delete(f"/api/jobs/{job}").status_code == 401
            page = anonymous.get("/")
            assert page.status_code == 401 and "Access token" in page.text and "<form" in page.text
            assert anonymous.get(f"/jobs/{job}").status_code == 401
            assert anonymous.get("/static/gaitcheck.js").status_code == 200  # code only, no data
    with httpx.Client(base_url=server.base) as by_query:
        assert by_query.get(f"/api/jobs/{job}/files/uploaded.mp4", params={"token": TOKEN}).status_code == 200
        by_query.cookies.set("gaitcheck_token", TOKEN)
        assert by_query.get(f"/jobs/{job}").status_code == 200


def test_unknown_addresses_answer_a_sentence(server):
    refused(server.client.get("/api/nothing"), 404, "Nothing here")
    refused(server.client.put("/api/jobs"), 405, "does not accept PUT")
    assert server.client.get("/docs").status_code == 404


# ------------------------------------------------------------------------------------------------
VOLATILE = ("created", "timings_s", "video", "gaitcheck_version")


def comparable(summary: dict) -> dict:
    return {key: value for key, value in summary.items() if key not in VOLATILE}


@pytest.mark.slow
def test_an_analysis_through_the_api_equals_gaitcheck_analyze(start_server, short_clip, tmp_path):
    server = start_server("--workers", "1")
    cli = subprocess.Popen(
        [sys.executable, "-m", "gaitcheck", "analyze", str(short_clip), "-o", str(tmp_path / "cli"), "--quiet"]
    )
    job = server.upload(short_clip).json()
    done = server.wait(job["id"])
    assert cli.wait(120) == 0
    assert done["status"] == "done" and done["progress"] == 1 and done["error"] is None, done
    for name in ("summary.json", "angles.csv", "reps.csv", "report.html", "annotated.mp4", "uploaded.mp4"):
        assert name in done["files"], done["files"]
    served = json.loads(server.client.get(done["files"]["summary.json"]).content)
    expected = json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert comparable(served) == comparable(expected)
    assert served["legs"]["left"]["verdict"] == expected["legs"]["left"]["verdict"]
    angles = pd.read_csv(server.data / "jobs" / job["id"] / "result" / "angles.csv")
    pd.testing.assert_frame_equal(angles, pd.read_csv(tmp_path / "cli" / "angles.csv"))
    page = server.client.get(done["page"])
    assert 'id="video"' in page.text and 'id="curves"' in page.text and "Left leg" in page.text
    archive = server.client.get(f"/api/jobs/{job['id']}/download.zip")
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
    seek = server.client.get(done["files"]["annotated.mp4"], headers={"Range": "bytes=100-199"})
    assert seek.status_code == 206 and len(seek.content) == 100
    assert result_folders(server.data) == {job["id"]: ["result", "uploaded.mp4"]}


@pytest.mark.slow
def test_a_clip_without_a_person_fails_with_a_sentence_and_keeps_its_video(start_server, tmp_path):
    server = start_server("--workers", "1")
    room = write_clip(tmp_path / "room.mp4", empty_room_frames(n=20))
    job = server.wait(server.upload(room).json()["id"])
    assert job["status"] == "failed", job
    message = job["error"]
    assert message[0].isupper() and message.endswith(".") and str(server.data) not in message
    assert list(job["files"]) == ["uploaded.mp4"]
    page = server.client.get(job["page"]).text
    assert "The analysis failed." in page and 'id="video"' in page and 'id="curves"' not in page
