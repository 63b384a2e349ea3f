"""What the calibration does to real clips: per leg, before and after, on ../shared/videos.

    python benchmarks/real_clips.py                       # every front/back/oblique clip in the manifest
    python benchmarks/real_clips.py --videos DIR --out docs/real-clips.md

The synthetic benchmark (benchmarks/accuracy.py) fits and scores the calibration on rendered bodies;
this script checks that the correction keeps real people's values plausible. Each clip is analysed
once with calibration off (pose results cached in --cache), then re-analysed from its saved
landmarks with calibration on; the table lists, per working leg, the event means of FPPA, 2-D hip
adduction and the hip internal rotation estimate, and the verdict, before -> after. There is no
ground truth for these clips: the check is plausibility (signs, sizes, verdicts that match what a
person sees), not accuracy.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import gaitcheck  # noqa: E402
from gaitcheck import store  # noqa: E402
from gaitcheck.errors import GaitcheckError  # noqa: E402
from gaitcheck.summary import build  # noqa: E402

SHARED = ROOT.parent / "shared" / "videos"
MEASURES = ("fppa_deg", "hip_adduction_deg", "hip_internal_rotation_deg")


def frontal_clips(videos: Path) -> list[str]:
    """Clips the manifest films from the front, the back or obliquely (not pure side views)."""
    with (videos / "MANIFEST.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["file"] for r in rows if "side" not in r["view"] or "front" in r["view"] or "back" in r["view"]]


def event_mean(leg: dict, measure: str) -> float | None:
    value = (leg.get("measures") or {}).get(measure) or {}
    return value.get("mean")


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}"


def rows_for(clip: str, before: dict, after: dict) -> list[str]:
    lines = []
    for side in ("left", "right"):
        b, a = before["legs"][side], after["legs"][side]
        if b["verdict"] == "insufficient-data" and a["verdict"] == "insufficient-data":
            continue
        cells = [f"{fmt(event_mean(b, m))} -> {fmt(event_mean(a, m))}" for m in MEASURES]
        lines.append(
            f"| {clip} | {before['movement']['value']} | {before['view']['value']} | {side} | "
            + " | ".join(cells)
            + f" | {b['verdict']} -> {a['verdict']} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=Path, default=SHARED)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "gaitcheck-real")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "real-clips.md")
    args = parser.parse_args()
    if not (args.videos / "MANIFEST.csv").is_file():
        sys.exit(f"gaitcheck: no MANIFEST.csv in {args.videos}")
    started = time.time()
    off = {"calibrate": False}
    table = [
        "| clip | movement | view | leg | FPPA (deg) | 2-D hip adduction (deg) | hip IR estimate (deg) | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    after: dict = {}
    for clip in frontal_clips(args.videos):
        folder = args.cache / Path(clip).stem
        try:
            if not (folder / "summary.json").is_file():
                store.save(gaitcheck.analyze(args.videos / clip, **off), folder)  # data files only
            before = build(gaitcheck.analyze_saved(folder, **off))
            after = build(gaitcheck.analyze_saved(folder, **{**off, "calibrate": True}))
        except GaitcheckError as exc:
            table.append(f"| {clip} | | | | | | | not analysed: {exc} |")
            continue
        table += rows_for(clip, before, after)
        print(f"done {clip}", flush=True)
    calibration = after.get("cleaning", {}).get("calibration", {}).get("provenance", {})
    text = "\n".join(
        [
            "# The calibration on real clips (before -> after)\n",
            f"Made by `python benchmarks/real_clips.py` on {date.today()} with gaitcheck {gaitcheck.__version__} "
            f"and the calibration fitted on {calibration.get('date', '?')} ({calibration.get('clips', '?')} "
            "synthetic clips). Clips: the front, back and oblique views of ../shared/videos (public clips, no "
            "ground truth). Values: means over the working leg's repetitions or stance phases, at the events "
            "gaitcheck found (FPPA at the bottom, read before the thigh foreshortens); + = valgus, adduction, "
            "internal rotation. Plausibility, not accuracy: see docs/accuracy.md for the measured error.\n",
            *table,
            "",
            f"({time.time() - started:.0f} s)",
        ]
    )
    args.out.write_text(text + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
