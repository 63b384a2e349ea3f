"""Checking key frames by hand through the API (a real uvicorn and one analysis): the points
listed reproduce the automatic FPPA, a saved edit is recomputed with gaitcheck.kinematics and graded
with the result's own threshold, it sits beside the automatic values in summary.json, undo removes
it, and every bad request is refused with a sentence."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gaitcheck.assess import grade
from gaitcheck.kinematics import fppa_deg, hip_adduction_deg
from gaitcheck.model import Threshold
from tests.web.conftest import SAMPLES, Server
from tests.web.test_api import refused

pytestmark = pytest.mark.slow

CLIP = SAMPLES / "single_leg_squat_right_valgus_front.mp4"
TOKEN = "key-frame-token"


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    """A server with one worker and the right-leg single-leg squat analysed: (server, job)."""
    server = Server(tmp_path_factory.mktemp("keyframes") / "data", "--workers", "1", token=TOKEN)
    job = server.upload(CLIP, movement="single-leg-squat", view="front").json()
    job = server.wait(job["id"], timeout_s=240.0)
    assert job["status"] == "done", job
    yield server, job
    assert server.stop() == 0
    assert "Traceback" not in server.stderr()


def listed(server: Server, job_id: str) -> list[dict]:
    response = server.client.get(f"/api/jobs/{job_id}/keyframes")
    assert response.status_code == 200, response.text
    return response.json()["keyframes"]


def summary(server: Server, job_id: str) -> dict:
    return server.client.get(f"/api/jobs/{job_id}/files/summary.json").json()


def angles_of(points: dict[str, list[float]]) -> tuple[float, float]:
    hip, knee, ankle, contra = (np.array(points[n]) for n in ("hip", "knee", "ankle", "other_hip"))
    return float(fppa_deg(hip, knee, ankle, contra)), float(hip_adduction_deg(hip, knee, contra))


def test_the_listed_points_give_the_automatic_fppa(done):
    server, job = done
    frames = listed(server, job["id"])
    assert [f["key"] for f in frames] == ["rep-1-right", "rep-2-right", "rep-3-right"]
    for frame in frames:
        fppa, adduction = angles_of(frame["points_px"])
        assert fppa == pytest.approx(frame["automatic"]["fppa_deg"], abs=0.3)
        assert adduction == pytest.approx(frame["automatic"]["hip_adduction_deg"], abs=0.3)
        assert frame["hand_adjusted"] is None
    image = server.client.get(frames[0]["image_url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.content[:2] == b"\xff\xd8"


def test_a_saved_edit_is_recomputed_shown_beside_the_automatic_values_and_undone(done):
    server, job = done
    frame = listed(server, job["id"])[1]
    before = summary(server, job["id"])
    points = {name: list(xy) for name, xy in frame["points_px"].items()}
    points["knee"][0] -= 40.0  # away from the other hip: less valgus
    url = f"/api/jobs/{job['id']}/keyframes/{frame['key']}"
    measured = server.client.post(url + "/measure", json={"points_px": points}).json()
    saved = server.client.put(url, json={"points_px": points})
    assert saved.status_code == 200, saved.text
    edit = saved.json()
    fppa, adduction = angles_of(points)
    threshold = Threshold.from_json(before["thresholds"])
    assert edit["fppa_deg"] == pytest.approx(fppa, abs=0.01) == measured["fppa_deg"]
    assert edit["hip_adduction_deg"] == pytest.approx(adduction, abs=0.01)
    assert edit["verdict"] == grade(fppa, threshold) and edit["regraded"] is True
    assert fppa < frame["automatic"]["fppa_deg"] - 5

    after = summary(server, job["id"])
    rep = next(r for r in after["reps"] if r["bottom_frame"] <= frame["frame"] <= r["end_frame"] and r["index"] == 1)
    assert rep["hand_adjusted"]["right"]["fppa_deg"] == pytest.approx(fppa, abs=0.01)
    assert rep["hand_adjusted"]["right"]["points_px"] == {n: [round(x, 2), round(y, 2)] for n, (x, y) in points.items()}
    assert rep["legs"] == next(r for r in before["reps"] if r["index"] == 1)["legs"]  # automatic values untouched
    assert "edits.json" in server.client.get(f"/api/jobs/{job['id']}").json()["files"]
    assert listed(server, job["id"])[1]["hand_adjusted"]["fppa_deg"] == edit["fppa_deg"]
    assert after["legs"]["right"]["hand_adjusted"]["events_adjusted"] == 1
    report = server.client.get(f"/api/jobs/{job['id']}/files/report.html")  # rewritten with the edit
    assert report.status_code == 200 and "1 of 3 key frames on this leg adjusted by hand" in report.text
    page = server.client.get(f"/jobs/{job['id']}")
    assert "1 of 3 key frames on this leg adjusted by hand" in page.text

    assert server.client.delete(url).json() == {"key": frame["key"], "hand_adjusted": None}
    assert summary(server, job["id"]) == before
    assert "adjusted by hand" not in server.client.get(f"/api/jobs/{job['id']}/files/report.html").text
    refused(server.client.delete(url), 404, "no hand edit")


def test_the_measure_endpoint_changes_nothing(done):
    server, job = done
    frame = listed(server, job["id"])[0]
    before = summary(server, job["id"])
    url = f"/api/jobs/{job['id']}/keyframes/{frame['key']}/measure"
    answer = server.client.post(url, json={"points_px": frame["points_px"]}).json()
    assert answer["fppa_deg"] == pytest.approx(frame["automatic"]["fppa_deg"], abs=0.3)
    assert summary(server, job["id"]) == before


def test_bad_key_frames_and_points_are_refused_with_a_sentence(done):
    server, job = done
    base = f"/api/jobs/{job['id']}/keyframes"
    frame = listed(server, job["id"])[0]
    refused(
        server.client.put(base + "/rep-9-right", json={"points_px": frame["points_px"]}), 404, "no graded key frame"
    )
    refused(server.client.put(base + "/rep-1-left", json={"points_px": frame["points_px"]}), 404, "no graded key frame")
    refused(server.client.get(base + "/knee.jpg"), 404, "rep-1-left")
    refused(server.client.get(base + "/..%2Fsummary.jpg"), 404)
    url = f"{base}/{frame['key']}"
    refused(server.client.put(url, content=b"not json"), 400, "JSON")
    without_knee = {k: v for k, v in frame["points_px"].items() if k != "knee"}
    refused(server.client.put(url, json={"points_px": without_knee}), 422, "hip, knee, ankle, other_hip")
    refused(server.client.put(url, json={"points_px": {**frame["points_px"], "knee": "here"}}), 422, "knee")
    outside = {**frame["points_px"], "ankle": [5000.0, 10.0]}
    refused(server.client.put(url, json={"points_px": outside}), 422, "outside", "video frame")
    same = {**frame["points_px"], "knee": frame["points_px"]["hip"]}
    refused(server.client.put(url, json={"points_px": same}), 422, "apart")
    assert "hand_adjusted" not in json.dumps(summary(server, job["id"]))


def test_a_job_without_results_has_no_key_frames(done, short_clip):
    server, _ = done
    queued = server.upload(short_clip).json()
    refused(server.client.get(f"/api/jobs/{queued['id']}/keyframes"), 404, "no results yet")
    refused(server.client.get(f"/api/jobs/{queued['id']}/viewer.json"), 404, "no results yet")
    server.client.delete(f"/api/jobs/{queued['id']}")
