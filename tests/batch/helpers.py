"""Helpers of the batch tests: input folders made of the samples, the table read back, the CLI in-process."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from gaitcheck import cli

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
#: Fast settings for tests that do not need every output: one landmarker, no annotated video.
FAST = ["--no-flip-average", "--no-annotated-video"]


def make_folder(root: Path, clips: dict[str, str]) -> Path:
    """A folder of videos: name -> a sample's file name, or text for a file that is not a video."""
    for name, source in clips.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if source.endswith(".mp4"):
            shutil.copyfile(SAMPLES / source, path)
        else:
            path.write_text(source)
    return root


def read_table(out: Path) -> list[dict[str, str]]:
    with open(out / "summary.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def batch(*args: str) -> int:
    """`gaitcheck batch ...` in this process (workers are processes of their own anyway)."""
    return cli.main(["batch", *args])
