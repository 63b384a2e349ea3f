"""A local batch worker keeps its pose landmarkers from video to video (`pose.LandmarkerCache`), and
the video analysed with them gives exactly the numbers of `gaitcheck analyze`."""

from __future__ import annotations

import pytest

from gaitcheck import cli
from tests.batch.helpers import FAST, batch, make_folder, read_table

pytestmark = [pytest.mark.video, pytest.mark.slow]

REUSED = "pose landmarker (IMAGE mode, 3 poses): reused (stateless)"
SPARE = "pose landmarker (VIDEO mode, 1 poses): a spare, never used"


def test_one_worker_reuses_its_landmarkers_and_the_numbers_do_not_change(tmp_path):
    clips = make_folder(
        tmp_path / "clips", {"a.mp4": "single_leg_squat_left_front.mp4", "b.mp4": "step_down_front.mp4"}
    )
    out = tmp_path / "out"
    assert batch(str(clips), "--out", str(out), "--workers", "1", "--quiet", *FAST) == 0
    logs = {row["video"]: (out / row["result"] / "run.log").read_text() for row in read_table(out)}
    later = [video for video, text in logs.items() if REUSED in text and SPARE in text]
    first = [video for video, text in logs.items() if REUSED not in text and SPARE not in text]
    assert len(later) == 1 and len(first) == 1, logs
    fresh = tmp_path / "fresh"
    assert cli.main(["analyze", str(clips / later[0]), "-o", str(fresh), "--quiet", *FAST]) == 0
    result = out / next(row["result"] for row in read_table(out) if row["video"] == later[0])
    for name in ("landmarks_raw.csv", "angles.csv"):
        assert (result / name).read_bytes() == (fresh / name).read_bytes(), name
