"""The command line: every file on a good clip; one clear line and a non-zero exit on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from gaitcheck.kinematics import angle_columns
from tests.helpers import empty_room_frames, marker_frame, read_shared_frames, write_clip

OUTPUTS = ("angles.csv", "landmarks_raw.csv", "landmarks_clean.csv", "summary.json", "run.log")


def gaitcheck(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gaitcheck", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess, pattern: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("gaitcheck: error: ")
    assert pattern in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_not_a_video(tmp_path):
    (tmp_path / "report.mp4").write_text("hello\n" * 100)
    result = gaitcheck("analyze", tmp_path / "report.mp4", "--out", tmp_path / "out")
    assert_one_clear_line(result, "not a video")
    assert not (tmp_path / "out").exists()


def test_empty_file(tmp_path):
    (tmp_path / "empty.mov").write_bytes(b"")
    assert_one_clear_line(gaitcheck("analyze", tmp_path / "empty.mov", "--out", tmp_path / "out"), "empty")


def test_truncated_mp4(tmp_path):
    full = write_clip(tmp_path / "full.mp4", [marker_frame(320, 240, i) for i in range(60)], faststart=True)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    assert_one_clear_line(gaitcheck("analyze", cut, "--out", tmp_path / "out"), "truncated")


def test_clip_with_no_person(tmp_path):
    clip = write_clip(tmp_path / "room.mp4", empty_room_frames())
    assert_one_clear_line(gaitcheck("analyze", clip, "--out", tmp_path / "out"), "no person found")


def test_missing_file_and_bad_flags(tmp_path):
    assert_one_clear_line(gaitcheck("analyze", tmp_path / "none.mp4"), "no such file")
    assert_one_clear_line(gaitcheck("analyze", "x.mp4", "--view", "above"), "invalid choice")
    assert_one_clear_line(gaitcheck("analyze"), "either a VIDEO or --from-landmarks")
    assert_one_clear_line(gaitcheck("analyze", "--from-landmarks", tmp_path), "not a gaitcheck result folder")
    (tmp_path / "landmarks_raw.csv").write_text("frame\n")  # a result folder given as the video
    assert_one_clear_line(gaitcheck("analyze", tmp_path), f"gaitcheck analyze --from-landmarks {tmp_path}")


def test_missing_model(tmp_path):
    clip = write_clip(tmp_path / "clip.mp4", [marker_frame(64, 64, i) for i in range(5)])
    assert_one_clear_line(gaitcheck("analyze", clip, "--model", tmp_path / "nope.task"), "pose model not found")


def test_version_and_help():
    assert gaitcheck("--version").stdout.startswith("gaitcheck ")
    assert "--from-landmarks" in gaitcheck("analyze", "--help").stdout


def test_serve_help_and_bad_flags(tmp_path):
    text = gaitcheck("serve", "--help").stdout
    for flag in (
        "--host",
        "--port",
        "--data",
        "--workers",
        "--max-upload-mb",
        "--token",
        "127.0.0.1",
        "gaitcheck-data",
    ):
        assert flag in text
    assert "--lease-s" not in text  # a hidden knob for the tests
    assert_one_clear_line(gaitcheck("serve", "--workers", "-1", "--data", tmp_path), "--workers must be 0 or more")
    assert_one_clear_line(gaitcheck("serve", "--port", "http"), "invalid int value")


@pytest.mark.video
def test_good_clip_writes_every_file_and_reanalyses(tmp_path):
    frames, fps = read_shared_frames("single_leg_squat_front_man_barefoot_indoor.mp4", limit=100)
    clip = write_clip(tmp_path / "sls.mp4", frames, fps=fps)
    out = tmp_path / "results"
    result = gaitcheck("analyze", clip, "--out", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for name in OUTPUTS:
        assert (out / name).is_file(), name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "sls.mp4"]  # nothing else written
    angles = pd.read_csv(out / "angles.csv")
    assert list(angles.columns) == angle_columns()
    assert len(angles) == 100
    summary = json.loads((out / "summary.json").read_text())
    assert summary["video"]["n_frames"] == 100
    assert summary["video"]["fps"] == pytest.approx(fps, rel=0.01)
    assert summary["pose"]["detection_rate"] >= 0.95
    assert summary["view"]["value"] == "front"
    for key in ("movement", "cleaning", "legs", "quality", "settings"):
        assert key in summary

    again = tmp_path / "again"
    result = gaitcheck("analyze", "--from-landmarks", out, "--out", again, "--movement", "single-leg-squat")
    assert result.returncode == 0, result.stderr
    redo = pd.read_csv(again / "angles.csv")
    np.testing.assert_allclose(redo["right_knee_flexion_deg"], angles["right_knee_flexion_deg"], atol=0.05)
    assert json.loads((again / "summary.json").read_text())["movement"]["source"] == "given"
