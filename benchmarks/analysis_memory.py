"""Memory of everything after pose inference, against clip length, without hours of pose.

    python benchmarks/analysis_memory.py                       # samples/squat_front.mp4, 1,800 and 18,000 frames
    python benchmarks/analysis_memory.py CLIP --frames 1800,18000,54000

The clip is posed once (as `gaitcheck analyze` does); its raw landmarks are then repeated to each
length (1,800 frames is a minute at 30 fps) and analysed, then saved, each length in a fresh process.
Printed per length: Python's own allocations at their peak above the start (tracemalloc), during
the analysis and during saving, and what the analysis keeps. Pose inference itself is not in these
figures (benchmarks/speed.py --memory measures whole runs); this isolates what grows with length.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gaitcheck import pipeline, store  # noqa: E402
from gaitcheck.landmarks import PoseSeries  # noqa: E402


def repeated(raw: PoseSeries, n_frames: int) -> PoseSeries:
    """`raw`'s landmarks repeated end to end to `n_frames` frames, at its own frame step."""
    copies = int(np.ceil(n_frames / raw.n_frames))

    def tile(values: np.ndarray) -> np.ndarray:
        return np.concatenate([values] * copies)[:n_frames]

    arrays = {
        name: tile(getattr(raw, name))
        for name in ("image_px", "image_z_px", "world_m", "visibility", "presence", "detected", "picture_change")
    }
    return raw.replace(time_s=np.arange(n_frames) * raw.frame_step_s, frame=np.arange(n_frames), **arrays)


def measure(result_dir: Path, n_frames: int) -> dict[str, float]:
    """Peak and kept allocations (MB above the start) of analysing and saving `n_frames` frames."""
    raw, info, settings = store.load_landmarks(result_dir)
    series = repeated(raw, n_frames)
    info = dataclasses.replace(info, n_frames=n_frames)
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    analysis = pipeline.analyze_landmarks(series, info, settings)
    kept, analysis_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    with tempfile.TemporaryDirectory() as folder:
        store.save(analysis, folder)
    save_peak = tracemalloc.get_traced_memory()[1]
    mb = 1e6
    return {
        "frames": n_frames,
        "analysis_peak_mb": round((analysis_peak - start) / mb, 1),
        "kept_mb": round((kept - start) / mb, 1),
        "save_peak_mb": round((save_peak - start) / mb, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clip", nargs="?", type=Path, default=ROOT / "samples" / "squat_front.mp4")
    parser.add_argument("--frames", default="1800,18000", help="comma-separated lengths in frames")
    parser.add_argument("--one", nargs=2, metavar=("RESULT_DIR", "FRAMES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # a child: one length in this fresh process
        print(json.dumps(measure(Path(args.one[0]), int(args.one[1]))))
        return
    import gaitcheck

    with tempfile.TemporaryDirectory() as folder:
        posed = Path(folder) / "posed"
        gaitcheck.save(
            gaitcheck.analyze(args.clip), posed, gaitcheck.OutputOptions(report=False, annotated_video=False)
        )
        print(f"{args.clip.name}, its landmarks repeated; MB of Python allocations above the start (tracemalloc)")
        print("| frames | analysis peak | kept after the analysis | saving peak |\n|---|---|---|---|")
        for n_frames in (int(n) for n in args.frames.split(",")):
            done = subprocess.run(
                [sys.executable, __file__, "--one", str(posed), str(n_frames)],
                capture_output=True,
                text=True,
                check=True,
            )
            row = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"| {row['frames']} | {row['analysis_peak_mb']} | {row['kept_mb']} | {row['save_peak_mb']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
