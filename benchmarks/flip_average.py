"""What flip averaging and the heavy pose model buy and cost: every clip in samples/ analysed three ways.

Flip averaging runs MediaPipe a second time on the mirror image of each frame and averages the two
estimates (`Settings.flip_average`, on by default). It is most of what stands between gaitcheck and
real time on two cores (docs/performance.md, "Stages"), so this measures the trade on the clips
whose truth ships with gaitcheck: the error of FPPA, hip adduction and pelvic drop against the
rendered truth in the frames where the leg's knee bends more than 20 deg, and the seconds of
`analyze`. samples/ are renders of gaitcheck's own generator (samples/README.md), a handful of
clips: read the table as a direction, not as an accuracy figure (docs/accuracy.md has those). The
third way is `--model heavy` (the larger landmark network, flip averaging on), to put a time on its
accuracy (docs/accuracy.md, 'Another posing of the same renders').

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


#: (label, settings) of each way a clip is analysed
VARIANTS = (
    ("full, flip averaging on", {}),
    ("full, flip averaging off", {"flip_average": False}),
    ("heavy, flip averaging on", {"model": "heavy"}),
)


def measure(clip: Path, variant: str, settings: dict) -> dict:
    truth = pd.read_csv(clip.with_suffix(".truth.csv"))
    started = time.perf_counter()
    analysis = gaitcheck.analyze(clip, **settings)
    row: dict = {"clip": clip.stem, "variant": variant, "seconds": time.perf_counter() - started}
    for name, error in frame_errors(analysis.angles, truth).items():
        row[name] = error.abs().mean() if len(error) else float("nan")
    row["verdicts"] = ", ".join(analysis.legs[s].verdict for s in ("left", "right"))
    return row


def table(rows: list[dict]) -> str:
    lines = [
        "| clip | model, flip averaging | analyze s | FPPA MAE | hip adduction MAE | pelvic drop MAE "
        "| verdicts (L, R) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        maes = " | ".join("-" if pd.isna(r[m]) else f"{r[m]:.2f}" for m in MEASURES)
        lines.append(f"| {r['clip']} | {r['variant']} | {r['seconds']:.1f} | {maes} | {r['verdicts']} |")
    frame = pd.DataFrame(rows)
    for variant, _ in VARIANTS:
        part = frame[frame["variant"] == variant]
        maes = " | ".join(f"{part[m].mean():.2f}" for m in MEASURES)
        lines.append(f"| **mean** | {variant} | {part['seconds'].mean():.1f} | {maes} | |")
    return "\n".join(lines)


def main() -> None:
    load = os.getloadavg()[0]
    clips = sorted((ROOT / "samples").glob("*.mp4"))
    rows = [measure(clip, variant, settings) for clip in clips for variant, settings in VARIANTS]
    text = (
        f"Measured {date.today()} on {machine()}; load average {load:.1f} at the start. Made by "
        f"`python benchmarks/flip_average.py`: each clip in samples/ analysed with and without flip averaging, "
        f"and with the heavy pose model (MAE in deg, frames with the knee bent > {BENT_KNEE_DEG:.0f} deg, against "
        f"the rendered truth; '-': no frontal angles, a side view). Nothing was tuned on this table; flip "
        f"averaging stays on and the full model stays the default.\n\n"
        f"{table(rows)}\n"
    )
    print(text)
    replace_section(ROOT / "docs" / "performance.md", "Flip averaging", text)


if __name__ == "__main__":
    main()
