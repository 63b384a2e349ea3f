"""The camera's turn off square as gaitcheck reads it, against the rendered camera's.

    python benchmarks/camera_turn.py      # after accuracy.py (both sets) and bystander.py have run

gaitcheck reads how far the camera is turned from square to the person from the yaw of the
shoulder and hip lines in MediaPipe's 3-D world landmarks (detect.detect_view). That turn sets the
allowance taken out of each event's FPPA (assess.allow_for_camera), the camera caveat, and whether
the frontal question is answered at all (assess.MAX_OFF_SQUARE_DEG). This scores the ways of
reading it on every frontal and oblique render already posed by the other benchmarks, apart for
people facing the camera and people with their back to it (side views, not graded on the frontal
question, are left out): the hip and shoulder lines together, each alone, and gaitcheck's choice
(the shoulder line alone from behind). Nothing is posed or fitted here.

Which clips decided what: the shoulder line alone from behind was chosen on the accuracy renders
(docs/accuracy.md's clips, their three clips from behind in the held-out set looked at too) and
checked on the bystander renders, whose camera turns had not been looked at before.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from docfile import machine

import gaitcheck
from gaitcheck.detect import SIDE_MIN_YAW_DEG, circular_median_deg, turn_deg, yaw_deg

CACHE = Path.home() / ".cache"
SETS = {  # name: (cache folder, the files that hold each clip's true camera)
    "accuracy renders": ("gaitcheck-accuracy", "clip_*.factors.json"),
    "accuracy renders, held out": ("gaitcheck-accuracy-heldout", "clip_*.factors.json"),
    "bystander renders": ("gaitcheck-bystander", "bystander_*.truth.json"),
}
READINGS = ("hip and shoulder lines", "hip line alone", "shoulder line alone", "gaitcheck")


def clips(folder: Path, pattern: str) -> Iterator[tuple[str, float, Path]]:
    """(name, true yaw of the camera about the person in deg, analysis folder) of each posed clip."""
    for meta in sorted(folder.glob(pattern)):
        name = meta.name.split(".")[0]
        data = json.loads(meta.read_text())
        yaw = data["yaw_deg"] if "yaw_deg" in data else data["camera"]["yaw_deg"]
        for out in (folder / "results" / name, folder / f"{name}.out"):
            if (out / "landmarks_raw.csv").is_file():
                yield name, float(yaw), out


def readings(out: Path) -> dict[str, float]:
    """The camera's signed turn off square (detect.turn_deg) by each way of reading it."""
    analysis = gaitcheck.analyze_saved(out)
    series = analysis.landmarks.clean
    return {
        "hip and shoulder lines": turn_deg(circular_median_deg(yaw_deg(series))),
        "hip line alone": turn_deg(circular_median_deg(yaw_deg(series, lines=("hip",)))),
        "shoulder line alone": turn_deg(circular_median_deg(yaw_deg(series, lines=("shoulder",)))),
        "gaitcheck": analysis.view.turn_deg,
    }


def rows() -> list[dict]:
    out = []
    for label, (folder, pattern) in SETS.items():
        for name, yaw, results in clips(CACHE / folder, pattern):
            true_turn = -turn_deg(yaw)  # the renders measure yaw the other way round
            if abs(true_turn) >= SIDE_MIN_YAW_DEG:
                continue
            errors = {k: v - true_turn for k, v in readings(results).items()}
            out.append({"set": label, "clip": name, "away": abs(yaw % 360.0 - 180.0) < 90.0, **errors})
            print(name, f"true {true_turn:+.1f}", {k: round(v, 1) for k, v in errors.items()}, flush=True)
    return out


def table(found: list[dict]) -> str:
    lines = [
        "| clips | facing | n | " + " | ".join(READINGS) + " |",
        "|---|---|---|" + "---|" * len(READINGS),
    ]
    for label in SETS:
        for away in (False, True):
            group = [r for r in found if r["set"] == label and r["away"] == away]
            if group:
                maes = " | ".join(f"{np.mean([abs(r[k]) for r in group]):.1f}" for k in READINGS)
                facing = "back to the camera" if away else "the camera"
                lines.append(f"| {label} | {facing} | {len(group)} | {maes} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/camera-turn.md"))
    args = parser.parse_args()
    found = rows()
    text = (
        "# The camera's turn off square, as gaitcheck reads it\n\n"
        f"Made by `python benchmarks/camera_turn.py` on {date.today()} ({machine()}), from the renders the "
        "accuracy and bystander benchmarks posed (frontal and oblique ones; side views left out). Mean "
        "absolute error of the turn, in degrees, against the rendered camera's. 'gaitcheck' is what it "
        "uses: both lines facing the camera, the shoulder line alone with the back to it. That choice was "
        "made on the accuracy renders (held-out ones looked at too) and checked on the bystander renders, "
        "whose turns had not been looked at. The script's docstring says more.\n\n" + table(found) + "\n"
    )
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
