"""Batch fixtures: a small input folder made of the samples, and one local batch run shared by the
tests that read its table (and by the Ray test, which must give the same table)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.batch.helpers import FAST, batch, make_folder


@pytest.fixture(scope="session")
def mixed_folder(tmp_path_factory) -> Path:
    """One good clip, a text file named .mp4, a hidden clip and a note."""
    return make_folder(
        tmp_path_factory.mktemp("mixed"),
        {
            "squat_front.mp4": "squat_front.mp4",
            "broken.mp4": "this is not a video\n",
            ".hidden/squat_front.mp4": "squat_front.mp4",
            "notes.txt": "remember the tripod\n",
        },
    )


@pytest.fixture(scope="session")
def local_run(mixed_folder, tmp_path_factory) -> Path:
    """`gaitcheck batch mixed --workers 2` (fast settings) once per session; its OUT."""
    out = tmp_path_factory.mktemp("local") / "out"
    assert batch(str(mixed_folder), "--out", str(out), "--workers", "2", *FAST) == 1  # one failed
    return out
