"""Speed and memory of `gaitcheck analyze`, per clip, on this machine.

    python benchmarks/speed.py                     # every clip in ../shared/videos
    python benchmarks/speed.py CLIP [CLIP ...] --no-flip-average
    python benchmarks/speed.py --memory            # peak memory vs clip length (made-up long clips)

Each clip runs in a fresh process so its peak resident memory is its own. Writes
docs/performance.md (docs/memory.md with --memory; or --out) with the table, the machine and the
command that made it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "videos"


def _run_one(path: str, flip_average: bool, queue) -> None:
    import gaitcheck

    started = time.perf_counter()
    try:
        a = gaitcheck.analyze(path, flip_average=flip_average)
        seconds = time.perf_counter() - started
        queue.put(
            {
                "clip": Path(path).name,
                "frames": a.video.n_frames,
                "size": f"{a.video.width_px}x{a.video.height_px}",
                "fps": round(a.video.fps, 1),
                "detection_rate": round(a.landmarks.raw.detection_rate, 3),
                "seconds": round(seconds, 1),
                "frames_per_s": round(a.video.n_frames / seconds, 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "view": a.view.value,
                "movement": a.movement.value,
            }
        )
    except Exception as exc:  # a benchmark row, not a crash
        queue.put({"clip": Path(path).name, "error": str(exc)})


def measure(path: Path, flip_average: bool) -> dict:
    queue: mp.Queue = mp.get_context("spawn").Queue()
    process = mp.get_context("spawn").Process(target=_run_one, args=(str(path), flip_average, queue))
    process.start()
    row = queue.get()
    process.join()
    return row


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import mediapipe

    return (
        f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores, {mem_gb:.0f} GB RAM, "
        f"Python {platform.python_version()}, mediapipe {mediapipe.__version__}"
    )


def long_clips(folder: Path, lengths: list[int]) -> list[Path]:
    """Clips of the given frame counts, made by looping a shared clip (memory must not grow)."""
    import av
    import numpy as np

    from gaitcheck.video import iter_frames, probe_video

    source = SHARED / "squat_front_bodyweight_hands_on_hips_lab.mp4"
    frames = [f.rgb for f in iter_frames(probe_video(source))]
    paths = []
    for n in lengths:
        path = folder / f"loop_{n}.mp4"
        with av.open(str(path), "w") as out:
            stream = out.add_stream("libx264", rate=30)
            stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
            stream.options = {"preset": "ultrafast"}
            for i in range(n):
                rgb = frames[i % len(frames)] if (i // len(frames)) % 2 == 0 else frames[-1 - i % len(frames)]
                for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        paths.append(path)
    return paths


def table(rows: list[dict]) -> str:
    head = "| clip | frames | size | fps | person found | seconds | frames/s | peak memory (MB) | view | movement |"
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['clip']} | error: {r['error']} |" + " |" * 8)
            continue
        lines.append(
            f"| {r['clip']} | {r['frames']} | {r['size']} | {r['fps']} | {r['detection_rate']:.1%} | {r['seconds']} | "
            f"{r['frames_per_s']} | {r['peak_rss_mb']} | {r['view']} | {r['movement']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clips", nargs="*", type=Path)
    parser.add_argument("--no-flip-average", action="store_true", help="one landmarker instead of two")
    parser.add_argument("--memory", action="store_true", help="peak memory for looped clips of growing length")
    parser.add_argument("--out", type=Path, help="default: docs/performance.md, or docs/memory.md with --memory")
    args = parser.parse_args()
    flip = not args.no_flip_average
    command = "python benchmarks/speed.py " + " ".join(sys.argv[1:])
    sections = []
    if args.memory:
        with tempfile.TemporaryDirectory() as tmp:
            rows = [measure(p, flip) for p in long_clips(Path(tmp), [300, 1200, 3600])]
        sections.append("## Peak memory vs clip length\n\nLooped copies of a 720x1280 squat clip.\n\n" + table(rows))
    else:
        clips = args.clips or sorted(SHARED.glob("*.mp4"))
        rows = []
        for clip in clips:
            row = measure(clip, flip)
            print(json.dumps(row), flush=True)
            rows.append(row)
        ok = [r for r in rows if "error" not in r]
        total_frames = sum(r["frames"] for r in ok)
        total_s = sum(r["seconds"] for r in ok)
        sections.append(
            f"## Per clip (flip averaging {'on' if flip else 'off'})\n\n{table(rows)}\n\n"
            f"All clips: {total_frames} frames in {total_s:.0f} s ({total_frames / max(total_s, 1e-9):.1f} frames/s "
            "including decoding, pose inference, cleaning and angles; model loading included per clip)."
        )
    title = "Memory" if args.memory else "Performance"
    text = (
        f"# {title}\n\nMeasured {date.today()} on {machine()}.\n\nMade by `{command.strip()}`; "
        "each clip in a fresh process (peak memory is that process's maximum resident set).\n\n"
        + "\n\n".join(sections)
        + "\n"
    )
    out = args.out or ROOT / "docs" / ("memory.md" if args.memory else "performance.md")
    out.write_text(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
