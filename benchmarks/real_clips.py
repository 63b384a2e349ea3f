"""Real clips, before and after a change: verdicts, repetition counts and cadences on ../shared/videos.

    python benchmarks/real_clips.py --before ea56180     # compare today's code with that commit
    python benchmarks/real_clips.py --videos DIR --out docs/real-clips.md

There is no ground truth for these public clips, so this is a regression check, not accuracy: a
change must leave every verdict, repetition count and cadence as it was, or explain the change
(docs/accuracy.md measures accuracy on renders). Each clip is posed once by MediaPipe (cached in
--cache); today's code and the --before commit (checked out in a temporary git worktree) both
re-analyse the same saved landmarks, with their own default settings.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "videos"

# Runs inside either checkout: prints what the code there makes of saved landmarks, as JSON.
OUTCOME = r"""
import json, sys
import gaitcheck
from gaitcheck.summary import build
out = {}
for folder in sys.argv[1:]:
    try:
        s = build(gaitcheck.analyze_saved(folder))
    except Exception as exc:  # a regression check reports failures, it does not stop on them
        out[folder] = {"error": str(exc)}
        continue
    legs = {}
    for side, leg in s["legs"].items():
        graded = s.get("graded_measure") or "fppa_deg"
        value = ((leg.get("measures") or {}).get(graded) or {}).get("mean")
        legs[side] = {"verdict": leg["verdict"], "graded": graded, "value": value}
    out[folder] = {
        "movement": s["movement"]["value"], "view": s["view"]["value"], "reps": len(s.get("reps") or []),
        "cadence": s.get("cadence_spm"), "legs": legs,
    }
print(json.dumps(out))
"""


def manifest_clips(videos: Path) -> list[str]:
    with (videos / "MANIFEST.csv").open(newline="") as handle:
        return [row["file"] for row in csv.DictReader(handle)]


def pose_all(videos: Path, clips: list[str], cache: Path) -> dict[str, Path]:
    """MediaPipe once per clip; the saved result folders (clips gaitcheck refuses are left out)."""
    import gaitcheck
    from gaitcheck import store
    from gaitcheck.errors import GaitcheckError

    folders = {}
    for clip in clips:
        folder = cache / Path(clip).stem
        if not (folder / "summary.json").is_file():
            try:
                store.save(gaitcheck.analyze(videos / clip), folder)
            except GaitcheckError as exc:
                print(f"not analysed: {clip}: {exc}", flush=True)
                continue
        folders[clip] = folder
    return folders


def outcomes(checkout: Path, folders: dict[str, Path]) -> dict[str, Any]:
    """What the code in `checkout` makes of each saved folder (run in its own interpreter)."""
    done = subprocess.run(
        [sys.executable, "-c", OUTCOME, *map(str, folders.values())],
        cwd=checkout,
        env={"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    by_folder = json.loads(done.stdout.strip().splitlines()[-1])
    return {clip: by_folder[str(folder)] for clip, folder in folders.items()}


def cell(before: Any, now: Any) -> str:
    return f"{before}" if before == now else f"**{before} -> {now}**"


def rows(clip: str, before: dict, now: dict) -> list[str]:
    if "error" in now or "error" in before:
        return [f"| {clip} | | | | {before.get('error', '')} | {now.get('error', '')} | | |"]
    cadence = cell(before["cadence"], now["cadence"])
    lines = []
    for side in ("left", "right"):
        b, n = before["legs"][side], now["legs"][side]
        if b["verdict"] == n["verdict"] == "insufficient-data":
            continue
        value = "-" if n["value"] is None else f"{n['value']:+.2f}"
        lines.append(
            f"| {clip} | {cell(before['movement'], now['movement'])} | {side} | {n['graded']} {value} | "
            f"{cell(b['verdict'], n['verdict'])} | {cell(before['reps'], now['reps'])} | {cadence} |"
        )
    return lines or [f"| {clip} | {now['movement']} | - | - | no verdict on either leg | {now['reps']} | {cadence} |"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=Path, default=SHARED)
    parser.add_argument("--before", required=True, help="the commit to compare with (e.g. the last release)")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "gaitcheck-real")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "real-clips.md")
    args = parser.parse_args()
    if not (args.videos / "MANIFEST.csv").is_file():
        sys.exit(f"gaitcheck: no MANIFEST.csv in {args.videos}")
    started = time.time()
    folders = pose_all(args.videos, manifest_clips(args.videos), args.cache)
    with tempfile.TemporaryDirectory() as tmp:
        worktree = Path(tmp) / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(worktree), args.before], cwd=ROOT, check=True)
        try:
            before = outcomes(worktree, folders)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=True)
    now = outcomes(ROOT, folders)
    table = [
        "| clip | movement | leg | graded measure now | verdict | repetitions | cadence (steps/min) |",
        "|---|---|---|---|---|---|---|",
    ]
    for clip in folders:
        table += rows(clip, before[clip], now[clip])
    text = "\n".join(
        [
            f"# Real clips: {args.before} -> today\n",
            f"Made by `python benchmarks/real_clips.py --before {args.before}` on {date.today()}: every clip of "
            "../shared/videos (public clips, no ground truth), posed once and analysed by both versions with "
            "their default settings. **Bold** marks a change. A regression check, not accuracy: see "
            "docs/accuracy.md for measured error.\n",
            *table,
            "",
            f"({time.time() - started:.0f} s)",
        ]
    )
    args.out.write_text(text + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
