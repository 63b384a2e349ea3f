"""Throughput of `gaitcheck batch` on the samples: 1 and 2 local workers and Ray with 2 CPUs, in one run.

    python benchmarks/batch.py                    # samples/*.mp4; writes the "Batch" section of docs/performance.md
    python benchmarks/batch.py --clips 3 --no-write

Each configuration runs the same clips into a fresh output folder (default settings, flip averaging on;
report.html and plots written, the annotated video not: this measures analysis, not video encoding).
Reported: wall time, videos/min, frames/s, CPU use of the local workers (their user+sys time over wall
time x cores) and the peak resident memory of each worker process (ru_maxrss, from the records the
workers write).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from docfile import machine, replace_section  # noqa: E402  (benchmarks/ is a folder of scripts)

from gaitcheck.batch.folders import RECORD_JSON  # noqa: E402
from gaitcheck.batch.runner import BatchOptions, run  # noqa: E402
from gaitcheck.settings import OutputOptions  # noqa: E402

DOC = ROOT / "docs" / "performance.md"
SECTION = "Batch"


#: What limits batch throughput here (kept under the table; the numbers above are this run's).
LIMITS = """What limits it:

- **The CPU time the batch gets.** CPU use is the local workers' user+sys time over wall time x
  cores; frames per CPU-second is the work one frame costs. When other work shares the machine (the
  load average above), the rows differ by how much CPU each got, not by the configuration: compare
  frames per CPU-second, which stays the same whether one or two workers run.
- **Two workers cannot give 2x on 2 cores.** One analysis alone already keeps more than one core
  busy: flip averaging runs a second MediaPipe landmarker in a thread beside the first, and
  decoding runs ahead in a thread of its own (one `gaitcheck analyze` of squat_front.mp4 with every
  output: 37 s of CPU in 29.5 s). A second worker fills only the rest of the second core, and the
  two compete for caches and memory bandwidth.
- **Not OpenMP threads.** `OMP_NUM_THREADS=1` per worker (what Ray sets for a 1-CPU task) is the
  last row: the same CPU time per frame, so local workers keep the default.
- **Ray** runs the same function in as many processes; per video it adds a task submission and a
  record of a few hundred bytes, milliseconds against a 15-60 s analysis. `ray.init` (5-10 s) is
  paid once per batch and is inside the Ray row's wall time.
- **Memory.** Peak MB per worker is each worker process's ru_maxrss over every clip it analysed
  (the first clip includes loading MediaPipe). One analysis's peak does not grow with the clip's
  length (docs/memory.md: 963 MB for 300, 1200 and 3600 frames; frames are streamed), so a Ray
  task's `memory` reservation of 2000 MB leaves headroom, and a node holds cores or RAM/2 GB tasks,
  whichever is fewer.
"""


@dataclass(frozen=True)
class Config:
    label: str
    backend: str
    workers: int
    env: tuple[tuple[str, str], ...] = ()


CONFIGS = (
    Config("local, 1 worker", "local", 1),
    Config("local, 2 workers", "local", 2),
    Config("Ray, 2 CPUs (2 tasks in flight)", "ray", 2),
    Config("local, 2 workers, OMP_NUM_THREADS=1", "local", 2, (("OMP_NUM_THREADS", "1"),)),
)


def measure(config: Config, source: Path, work: Path) -> dict:
    """One batch of `source` with `config`; its throughput and the peak memory of each worker."""
    out = work / re.sub(r"\W+", "-", config.label)
    saved = {k: os.environ.get(k) for k, _ in config.env}
    os.environ.update(dict(config.env))
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        result = run(
            BatchOptions(
                source=source,
                out=out,
                outputs=OutputOptions(annotated_video=False),
                workers=config.workers,
                backend=config.backend,  # type: ignore[arg-type]
                quiet=True,
            )
        )
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    wall_s = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (children.ru_utime - children_before.ru_utime) + (children.ru_stime - children_before.ru_stime)
    records = [json.loads(p.read_text()) for p in out.glob(f"*/{RECORD_JSON}")]
    peaks: dict[int, float] = {}
    for r in records:
        peaks[r["worker_pid"]] = max(peaks.get(r["worker_pid"], 0.0), r["peak_rss_mb"])
    frames = sum(r["frames"] for r in records)
    return {
        "config": config.label,
        "videos": result.videos,
        "failed": result.failed,
        "frames": frames,
        "wall_s": round(wall_s, 1),
        "videos_per_min": round(60 * result.videos / wall_s, 2),
        "frames_per_s": round(frames / wall_s, 1),
        "cpu_use": round(cpu_s / (wall_s * (os.cpu_count() or 1)), 2) if config.backend == "local" else None,
        "peak_mb_per_worker": sorted(round(v) for v in peaks.values()),
    }


def table(rows: list[dict]) -> str:
    base = rows[0]["wall_s"]
    lines = [
        "| configuration | videos | frames | wall (s) | videos/min | frames/s | vs 1 worker | CPU use "
        "| frames per CPU-second | peak MB per worker |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        cpu = "" if r["cpu_use"] is None else f"{r['cpu_use']:.0%}"
        cpu_s = r["cpu_use"] * r["wall_s"] * (os.cpu_count() or 1) if r["cpu_use"] else None
        per_cpu_s = "" if cpu_s is None else f"{r['frames'] / cpu_s:.1f}"
        peaks = ", ".join(str(p) for p in r["peak_mb_per_worker"])
        lines.append(
            f"| {r['config']} | {r['videos']} | {r['frames']} | {r['wall_s']} | {r['videos_per_min']} | "
            f"{r['frames_per_s']} | {base / r['wall_s']:.2f}x | {cpu} | {per_cpu_s} | {peaks} |"
        )
    return "\n".join(lines)


def section(rows: list[dict], clips: int, command: str, load_before: float) -> str:
    """The Batch section's text: machine, command, load, the table and what limits it."""
    text = f"Measured {time.strftime('%Y-%m-%d')} on {machine()}.\n\n"
    text += f"Made by `{command}`: {clips} sample clips, default settings (flip averaging on), "
    text += "report and plots written, no annotated video; each configuration into a fresh output folder. "
    text += f"Load average (1 min) before: {load_before:.1f}, after: {os.getloadavg()[0]:.1f} "
    text += "(anything above 0 is other work sharing the cores).\n\n"
    return text + table(rows) + "\n\n" + LIMITS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=0, help="use only the first N samples (default: all)")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/performance.md alone")
    parser.add_argument("--skip-ray", action="store_true", help="local configurations only")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="gaitcheck-batch-bench-") as tmp:
        work = Path(tmp)
        source = work / "in"
        source.mkdir()
        clips = sorted((ROOT / "samples").glob("*.mp4"))[: args.clips or None]
        for clip in clips:
            (source / clip.name).symlink_to(clip)
        rows = []
        for config in CONFIGS:
            if config.backend == "ray" and args.skip_ray:
                continue
            rows.append(measure(config, source, work))
            print(json.dumps(rows[-1]), flush=True)
    command = "python benchmarks/batch.py" + (f" --clips {args.clips}" if args.clips else "")
    text = section(rows, len(clips), command, load_before)
    print(text)
    if not args.no_write:
        replace_section(DOC, SECTION, text)


if __name__ == "__main__":
    main()
