"""What flip averaging buys and costs: every clip in samples/ analysed with and without it.

Flip averaging runs MediaPipe a second time on the mirror image of each frame and averages the two
estimates (`Settings.flip_average`, on by default). It is most of what stands between gaitcheck and
real time on two cores (docs/performance.md, "Stages"), so this measures the trade on the clips
whose truth ships with gaitcheck: the error of FPPA, hip adduction and pelvic drop against the
rendered truth in the frames where the leg's knee bends more than 20 deg, and the seconds of
`analyze`. samples/ are renders of gaitcheck's own generator (samples/README.md), a handful of
clips: read the table as a direction, not as an accuracy figure (docs/accuracy.md has those).

    python benchmarks/flip_average.py      # writes the section "Flip averaging" of docs/performance.md
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from docfile import machine, replace_section  # noqa: E402

import gaitcheck  # noqa: E402

MEASURES = ("fppa_deg", "hip_adduction_deg", "pelvic_drop_deg")
BENT_KNEE_DEG = 20.0


def frame_errors(angles: pd.DataFrame, truth: pd.DataFrame) -> dict[str, pd.Series]:
    """Per measure, estimate - truth over both legs' frames with the knee bent."""
    both = pd.merge(angles, truth, on="frame", suffixes=("", "_true"))
    errors = {}
    for measure in MEASURES:
        parts = []
        for side in ("left", "right"):
            bent = both[f"{side}_knee_flexion_deg_true"] > BENT_KNEE_DEG
            parts.append((both[f"{side}_{measure}"] - both[f"{side}_{measure}_true"])[bent].dropna())
        errors[measure] = pd.concat(parts)
    return errors


def measure(clip: Path, flip: bool) -> dict:
    truth = pd.read_csv(clip.with_suffix(".truth.csv"))
    started = time.perf_counter()
    analysis = gaitcheck.analyze(clip, flip_average=flip)
    row: dict = {"clip": clip.stem, "flip": flip, "seconds": time.perf_counter() - started}
    for name, error in frame_errors(analysis.angles, truth).items():
        row[name] = error.abs().mean() if len(error) else float("nan")
    row["verdicts"] = ", ".join(analysis.legs[s].verdict for s in ("left", "right"))
    return row


def table(rows: list[dict]) -> str:
    lines = [
        "| clip | flip averaging | analyze s | FPPA MAE | hip adduction MAE | pelvic drop MAE | verdicts (L, R) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        maes = " | ".join("-" if pd.isna(r[m]) else f"{r[m]:.2f}" for m in MEASURES)
        flip = "on" if r["flip"] else "off"
        lines.append(f"| {r['clip']} | {flip} | {r['seconds']:.1f} | {maes} | {r['verdicts']} |")
    frame = pd.DataFrame(rows)
    for flip in (True, False):
        part = frame[frame["flip"] == flip]
        maes = " | ".join(f"{part[m].mean():.2f}" for m in MEASURES)
        lines.append(f"| **mean** | {'on' if flip else 'off'} | {part['seconds'].mean():.1f} | {maes} | |")
    return "\n".join(lines)


def main() -> None:
    load = os.getloadavg()[0]
    clips = sorted((ROOT / "samples").glob("*.mp4"))
    rows = [measure(clip, flip) for clip in clips for flip in (True, False)]
    text = (
        f"Measured {date.today()} on {machine()}; load average {load:.1f} at the start. Made by "
        f"`python benchmarks/flip_average.py`: each clip in samples/ analysed with and without flip averaging "
        f"(MAE in deg, frames with the knee bent > {BENT_KNEE_DEG:.0f} deg, against the rendered truth; '-': no "
        f"frontal angles, a side view). Nothing was tuned on this table; flip averaging stays on by default.\n\n"
        f"{table(rows)}\n"
    )
    print(text)
    replace_section(ROOT / "docs" / "performance.md", "Flip averaging", text)


if __name__ == "__main__":
    main()
