"""Whole batches on the samples: a folder with a bad file, a manifest with default outputs, a batch
SIGKILLed (and one of its workers killed) then resumed, and the Ray backend."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gaitcheck.batch import folders
from gaitcheck.batch.table import RESULT_COLUMNS
from tests.batch.helpers import FAST, batch, make_folder, read_table

pytestmark = [pytest.mark.slow, pytest.mark.video]


def test_a_bad_file_fails_alone_with_a_sentence(local_run):
    rows = read_table(local_run)
    assert [(r["video"], r["leg"], r["status"]) for r in rows] == [
        ("broken.mp4", "", "failed"),
        ("squat_front.mp4", "left", "ok"),
        ("squat_front.mp4", "right", "ok"),
    ]
    assert rows[0]["error"].startswith("The file is not a video") and "\n" not in rows[0]["error"]
    assert all(r["verdict"] in ("aligned", "borderline", "valgus", "insufficient-data") for r in rows[1:])
    assert all(r["movement"] == "squat" and r["view"] == "front" and r["error"] == "" for r in rows[1:])
    summary = json.loads((local_run / rows[1]["result"] / "summary.json").read_text())
    for row in rows[1:]:  # the table's numbers are summary.json's own
        leg = summary["legs"][row["leg"]]
        assert row["verdict"] == leg["verdict"] and row["confidence"] == leg["confidence"]
        assert float(row["fppa_deg_mean"]) == leg["measures"]["fppa_deg"]["mean"]
    assert list(rows[0])[-len(RESULT_COLUMNS) :] == list(RESULT_COLUMNS)
    log = (local_run / "batch.log").read_text()
    assert "skipped .hidden/squat_front.mp4 (hidden)" in log and "skipped notes.txt (not a video)" in log
    page = (local_run / "index.html").read_text()
    assert page.count("<tr>") == 3 and "badge failed" in page
    ok = local_run / rows[1]["result"]
    assert (ok / "summary.json").is_file() and (ok / "report.html").is_file() and not (ok / "annotated.mp4").exists()
    assert not list(local_run.glob(".tmp-*"))


def test_a_rerun_skips_finished_videos_and_retries_failed_ones_only_when_asked(local_run, mixed_folder):
    records = {p: (p / folders.RECORD_JSON).stat().st_mtime_ns for p in result_folders(local_run)}
    table = read_table(local_run)
    started = time.monotonic()
    assert batch(str(mixed_folder), "--out", str(local_run), *FAST) == 1
    assert time.monotonic() - started < 30  # nothing analysed again
    assert {p: (p / folders.RECORD_JSON).stat().st_mtime_ns for p in records} == records
    assert strip_timing(read_table(local_run)) == strip_timing(table)
    assert batch(str(mixed_folder), "--out", str(local_run), "--retry-failed", *FAST) == 1
    changed = [p.name for p, t in records.items() if (p / folders.RECORD_JSON).stat().st_mtime_ns != t]
    assert changed == [table[0]["result"]]  # only the failed one was redone (and failed again)


def result_folders(out: Path) -> list[Path]:
    """The result folders in OUT (not the temporary ones, not logs/)."""
    return [p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != "logs"]


def strip_timing(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


def test_a_manifest_with_default_outputs_links_real_reports(tmp_path):
    make_folder(tmp_path / "clips", {"a.mp4": "single_leg_squat_left_front.mp4"})
    manifest = tmp_path / "clinic.csv"
    manifest.write_text(
        "subject_id,session,path,movement,leg,clinician\n"
        "P01,1,clips/a.mp4,single-leg-squat,left,AB\n"
        "P02,1,clips/missing.mp4,,,CD\n",
        encoding="utf-8",
    )
    config = tmp_path / "clinic.toml"
    config.write_text("flip_average = false\n", encoding="utf-8")
    out = tmp_path / "out"
    assert batch(str(manifest), "--out", str(out), "--config", str(config), "--quiet") == 1
    rows = read_table(out)
    assert [(r["subject_id"], r["clinician"], r["leg"], r["status"]) for r in rows] == [
        ("P01", "AB", "left", "ok"),
        ("P02", "CD", "", "failed"),
    ]
    assert rows[0]["movement"] == "single-leg-squat" and rows[1]["error"] == "File not found: clips/missing.mp4."
    result = out / rows[0]["result"]
    assert {"report.html", "annotated.mp4", "summary.json", "batch.json"} <= {p.name for p in result.iterdir()}
    page = (out / "index.html").read_text()
    assert f'href="{rows[0]["result"]}/report.html"' in page and "P01" in page and "AB" in page


def test_sigkill_at_any_moment_then_rerun_gives_every_video_once(tmp_path):
    """Kill one worker mid-video (its video fails alone), then SIGKILL the whole batch mid-video;
    rerun: no temporary folder left, every video once, finished ones not recomputed."""
    psutil = pytest.importorskip("psutil")
    source = make_folder(
        tmp_path / "in",
        {"a_broken.mp4": "not a video", "b.mp4": "squat_front.mp4", "c.mp4": "single_leg_squat_left_front.mp4"},
    )
    out = tmp_path / "out"
    command = [sys.executable, "-m", "gaitcheck", "batch", str(source), "--out", str(out), "--workers", "1", *FAST]
    runner = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: list(out.glob(".tmp-b-*")))  # b is being analysed
        worker = next(p for p in psutil.Process(runner.pid).children() if "spawn_main" in " ".join(p.cmdline()))
        worker.send_signal(signal.SIGKILL)  # as the OOM killer would
        wait_for(lambda: list(out.glob(".tmp-c-*")))  # the batch went on: c is being analysed
        os.killpg(runner.pid, signal.SIGKILL)
        runner.wait(10)
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
    assert list(out.glob(".tmp-*"))  # the kill left c half-written
    before = {p.name: (p / folders.RECORD_JSON).stat().st_mtime_ns for p in result_folders(out)}
    assert sorted(n.split("-")[0] for n in before) == ["a_broken", "b"]

    assert batch(str(source), "--out", str(out), "--workers", "2", *FAST) == 1
    rows = read_table(out)
    assert [(r["video"], r["status"]) for r in rows] == [
        ("a_broken.mp4", "failed"),
        ("b.mp4", "failed"),
        ("c.mp4", "ok"),
        ("c.mp4", "ok"),
    ]
    assert "stopped without an answer (killed by signal 9)" in rows[1]["error"]
    assert not list(out.glob(".tmp-*"))
    assert {n: (out / n / folders.RECORD_JSON).stat().st_mtime_ns for n in before} == before  # not recomputed
    assert len(result_folders(out)) == 3  # (--retry-failed redoing b: test_a_rerun_skips_finished_videos...)


def wait_for(condition, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_ray_gives_the_same_table_as_local_workers(local_run, mixed_folder, tmp_path):
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=128 * 1024 * 1024, log_to_driver=False)
    try:
        out = tmp_path / "ray-out"
        assert batch(str(mixed_folder), "--out", str(out), "--backend", "ray", "--workers", "2", *FAST) == 1
    finally:
        ray.shutdown()
    assert strip_timing(read_table(out)) == strip_timing(read_table(local_run))
    assert "ray: cluster with 2 CPUs" in (out / "batch.log").read_text()
