"""The hostile-input corpus (tests/data/bad/make_bad.py, issue 15) through `gaitcheck batch`: one
batch over the whole corpus folder, good clips among the bad. It finishes; every good clip has its
result; every bad one is a failed row with the sentence `gaitcheck analyze` gives for it; what is
not a video file is skipped and listed; nothing is written outside --out and nothing in the
corpus folder changes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from gaitcheck.video import VIDEO_SUFFIXES
from tests.data.bad.make_bad import GOOD
from tests.test_bad_inputs import CASE_BOUND_S, CLIP_TIMEOUT_S, NOISE, QUICK, snapshot

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
#: Cases a folder scan never opens (a folder or a pipe named like a video), and cases it cannot see
#: as their command-line form (a name typed with `--` or `sub/..`, a file still being written).
NOT_OPENED = {"folder": "a folder", "fifo": "not a regular file"}
#: Refused only as typed on a command line (a bare name starting with '-' reads as an option); a
#: folder scan hands the file itself to the analysis, which then reads it like any good clip.
COMMAND_LINE_REFUSALS = {"leading-dash-bare"}


def test_a_batch_over_the_corpus_keeps_every_good_result_and_says_why_each_bad_one_failed(bad_corpus, tmp_path):
    folder, cases = bad_corpus
    before = snapshot(folder)
    work, out = tmp_path / "work", tmp_path / "out"
    work.mkdir()
    command = [sys.executable, "-m", "gaitcheck", "batch", str(folder), "--out", str(out), "--workers", "2"]
    command += ["--timeout-s", str(CLIP_TIMEOUT_S), *QUICK]
    env = {**os.environ, "TMPDIR": str(work), "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    result = subprocess.run(
        command, cwd=work, env=env, capture_output=True, text=True, timeout=CASE_BOUND_S * 4, stdin=subprocess.DEVNULL
    )
    assert time.monotonic() - started < CASE_BOUND_S * 4
    assert result.returncode == 1, result.stderr  # some videos failed; the batch itself did not
    assert not any(noise in result.stdout + result.stderr for noise in NOISE), result.stderr
    assert snapshot(folder) == before
    assert [p.name for p in work.iterdir()] == []  # nothing outside --out (temporary files included)

    table = pd.read_csv(out / "summary.csv", keep_default_na=False)
    log = (out / "batch.log").read_text(encoding="utf-8")
    for case in cases:
        rows = table[table["video"] == case.file]
        if case.name in NOT_OPENED:
            assert rows.empty and f"skipped {case.file} ({NOT_OPENED[case.name]})" in log, case.name
        elif Path(case.file).suffix.lower() not in VIDEO_SUFFIXES:  # a picture: not taken for a video
            assert rows.empty and f"skipped {case.file} (not a video)" in log, case.name
        elif case.flags or case.grow_from or case.file.startswith("sub/"):
            continue  # a command-line form of a file the scan sees under its plain name
        elif case.expect == "ok" or case.file == GOOD or case.name in COMMAND_LINE_REFUSALS:
            assert not rows.empty and set(rows["status"]) == {"ok"}, (case.name, rows.to_dict("records"))
        elif case.expect != "either":
            assert list(rows["status"]) == ["failed"], (case.name, rows.to_dict("records"))
            assert case.says.lower() in rows["error"].iloc[0].lower(), (case.name, rows["error"].iloc[0])
            assert "\n" not in rows["error"].iloc[0]
    assert {"ok", "failed"} == set(table["status"])
