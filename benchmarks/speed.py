"""Speed and memory of gaitcheck, stage by stage, on the same clips, on this machine.

    python benchmarks/speed.py                 # the stage table (docs/performance.md, section "Stages")
    python benchmarks/speed.py --quick         # 3 s of each clip (a smoke run; nothing written)
    python benchmarks/speed.py --memory        # peak memory for 1 and 10 minutes of video (section "Memory")

The clips are made here from ../shared/videos (nothing large is committed), in a cache folder:
a 720x1280 30 fps squat (the clip issue 14 timed), the same squat scaled to 1080x1920 (a 1080p
portrait phone clip) and to 2160x3840 (4K, its first 3 s), the same squat at 240 fps (every
frame shown 8 times: what a 240 fps phone clip costs, not what it looks like), and a 1080x1920
60 fps side-view treadmill runner as filmed.

Per clip, each measurement runs in a fresh process (its peak resident memory is its own):
start-up (import gaitcheck and open the pose model), decode only (at the size pose inference
uses), pose only (frames decoded into memory first), `analyze` without outputs, the same with
flip averaging off (`--no-flip-average`), and `analyze` with the default outputs as the command
runs them (the outputs' modules imported while the clip is analysed, `report.prepare`), then each
output on its own from that analysis (figures, key frames, report.html, annotated video, pdf).
Real-time factor = clip duration / seconds.
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "videos"
SQUAT = SHARED / "squat_front_bodyweight_hands_on_hips_lab.mp4"
RUNNER = SHARED / "running_treadmill_side_phone_60fps.mp4"
sys.path.insert(0, str(ROOT / "benchmarks"))

from docfile import machine, replace_section  # noqa: E402


# ------------------------------------------------------------------------------------------------
# the clips
# ------------------------------------------------------------------------------------------------
def make_clip(source: Path, target: Path, size: tuple[int, int] | None, repeat: int, seconds: float | None) -> Path:
    """`source` scaled to `size` (width, height), each frame written `repeat` times at `repeat` x the
    frame rate, cut after `seconds`; H.264 at a phone's quality. Made once, kept in the cache."""
    if target.is_file():
        return target
    import av
    import cv2
    import numpy as np

    tmp = target.with_suffix(".partial.mp4")
    with av.open(str(source)) as src, av.open(str(tmp), "w") as out:
        video = src.streams.video[0]
        rate = Fraction(video.average_rate or 30).limit_denominator(1001) * repeat
        stream = out.add_stream("libx264", rate=rate)
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "20"}
        for i, frame in enumerate(src.decode(video)):
            if seconds is not None and i >= seconds * float(video.average_rate or 30):
                break
            rgb = frame.to_ndarray(format="rgb24")
            if size is not None:
                rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_CUBIC)
            if i == 0:
                stream.width, stream.height = rgb.shape[1], rgb.shape[0]
            picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            for _ in range(repeat):
                for packet in stream.encode(picture):
                    out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    tmp.replace(target)
    return target


def looped_clip(source: Path, target: Path, seconds: float) -> Path:
    """`source` played forward, backward, forward ... for `seconds` (a long clip of the same squat)."""
    if target.is_file():
        return target
    import av
    import numpy as np

    from gaitcheck.video import iter_frames, probe_video

    frames = [f.rgb for f in iter_frames(probe_video(source))]
    tmp = target.with_suffix(".partial.mp4")
    with av.open(str(tmp), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for i in range(int(seconds * 30)):
            lap, at = divmod(i, len(frames))
            rgb = frames[at] if lap % 2 == 0 else frames[-1 - at]
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    tmp.replace(target)
    return target


def clips(cache: Path, quick: bool) -> dict[str, Path]:
    cache.mkdir(parents=True, exist_ok=True)
    cut = 3.0 if quick else None
    tag = "_3s" if quick else ""
    return {
        "squat 720x1280 30 fps": make_clip(SQUAT, cache / f"squat_720p_30{tag}.mp4", None, 1, cut),
        "squat 1080x1920 30 fps": make_clip(SQUAT, cache / f"squat_1080p_30{tag}.mp4", (1080, 1920), 1, cut),
        "squat 720x1280 240 fps": make_clip(SQUAT, cache / f"squat_720p_240{tag}.mp4", None, 8, cut),
        "squat 2160x3840 30 fps": make_clip(SQUAT, cache / "squat_4k_30_3s.mp4", (2160, 3840), 1, 3.0),
        "running side 1080x1920 60 fps": make_clip(RUNNER, cache / f"running_1080p_60{tag}.mp4", None, 1, cut),
    }


# ------------------------------------------------------------------------------------------------
# the stages, each in a fresh process
# ------------------------------------------------------------------------------------------------
def stage_startup(clip: str) -> dict[str, Any]:
    started = time.perf_counter()
    import gaitcheck  # noqa: F401
    from gaitcheck.pose import PoseLandmarker
    from gaitcheck.settings import Settings

    settings = Settings()
    PoseLandmarker(settings.model_path, settings).close()
    return {"seconds": time.perf_counter() - started}


def stage_decode(clip: str) -> dict[str, Any]:
    from gaitcheck.settings import Settings
    from gaitcheck.video import iter_frames, probe_video

    started = time.perf_counter()
    info = probe_video(clip)
    n = sum(1 for _ in iter_frames(info, Settings().max_inference_side_px))
    return {"seconds": time.perf_counter() - started, "frames": n}


def stage_pose(clip: str) -> dict[str, Any]:
    from gaitcheck.pose import estimate_pose
    from gaitcheck.settings import Settings
    from gaitcheck.video import iter_frames, probe_video

    settings = Settings()
    info = probe_video(clip)
    frames = list(iter_frames(info, settings.max_inference_side_px))
    started = time.perf_counter()
    estimate_pose(iter(frames), info, settings)
    return {"seconds": time.perf_counter() - started, "frames": len(frames)}


def stage_analyze(clip: str, **overrides: Any) -> dict[str, Any]:
    """`analyze` without outputs, with settings `overrides` (flip_average=False: one pose inference a
    frame, not two)."""
    started = time.perf_counter()
    import gaitcheck

    analysis = gaitcheck.analyze(clip, **overrides)
    return {"seconds": time.perf_counter() - started, "movement": analysis.movement.value}


def stage_outputs(clip: str) -> dict[str, Any]:
    """analyze + every default output, end to end as `gaitcheck analyze` runs it; then each output alone."""
    started = time.perf_counter()
    import gaitcheck
    from gaitcheck import report

    report.prepare()  # as `gaitcheck analyze` does: the outputs' imports while the clip is analysed
    analysis = gaitcheck.analyze(clip)
    analysed = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        gaitcheck.save(analysis, Path(tmp) / "default")
        out: dict[str, Any] = {"seconds": time.perf_counter() - started, "outputs_s": time.perf_counter() - analysed}
        out.update(each_output(analysis, Path(tmp)))
    return out


def each_output(analysis: Any, tmp: Path) -> dict[str, float]:
    """Each output on its own, from one analysis (the modules already imported), seconds."""
    from gaitcheck import report, store
    from gaitcheck.report.overlay import render_video
    from gaitcheck.report.plots import write_plots
    from gaitcheck.report.results import Result
    from gaitcheck.settings import OutputOptions

    out: dict[str, float] = {}

    def timed(name: str, work: Callable[[Path], object]) -> None:
        folder = tmp / name
        store.save(analysis, folder)
        began = time.perf_counter()
        work(folder)
        out[f"{name}_s"] = time.perf_counter() - began

    bottoms = [r.bottom_frame for r in analysis.reps][:2] or [0]
    timed("figures", lambda f: write_plots(Result.from_analysis(analysis), f / "plots"))
    timed("key_frames", lambda f: render_video(analysis, None, capture=bottoms))
    timed("annotated_video", lambda f: render_video(analysis, f / "annotated.mp4"))
    no_video = OutputOptions(annotated_video=False)
    timed("report_html", lambda f: report.write(analysis, f, no_video))
    timed("pdf", lambda f: report.write(analysis, f, no_video.replace(report=False, pdf=True)))
    return out


STAGES: dict[str, Callable[[str], dict[str, Any]]] = {
    "startup": stage_startup,
    "decode": stage_decode,
    "pose": stage_pose,
    "analyze": stage_analyze,
    "analyze_no_flip": functools.partial(stage_analyze, flip_average=False),
    "outputs": stage_outputs,
}


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started: VmHWM, which a new program starts
    afresh (ru_maxrss would carry over the parent's peak from before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(stage: str, clip: str, queue: Any) -> None:
    try:
        row = STAGES[stage](clip)
    except Exception as exc:  # a benchmark cell, not a crash
        row = {"error": f"{type(exc).__name__}: {exc}"}
    row["peak_rss_mb"] = peak_rss_mb()
    queue.put(row)


def run_stage(stage: str, clip: Path) -> dict[str, Any]:
    # two malloc arenas, as the CLI, batch and web workers set them (gaitcheck.malloc); through the
    # environment, so that the start-up stage still pays for importing gaitcheck
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(stage, str(clip), queue))
    process.start()
    row = queue.get()
    process.join()
    return row


# ------------------------------------------------------------------------------------------------
# the table
# ------------------------------------------------------------------------------------------------
def measure_clip(name: str, clip: Path) -> dict[str, Any]:
    from gaitcheck.video import probe_video

    info = probe_video(clip)
    row: dict[str, Any] = {"clip": name, "frames": info.n_frames, "duration_s": info.duration_s}
    for stage in STAGES:
        row[stage] = run_stage(stage, clip)
        print(name, stage, json.dumps(row[stage]), flush=True)
    return row


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def ratio(a: dict, b: dict, key_a: str = "seconds", key_b: str = "seconds") -> float | None:
    if key_a not in a or key_b not in b or not b[key_b]:
        return None
    return a[key_a] / b[key_b]


def stage_table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| clip | frames | start-up s | decode frames/s | pose frames/s | analyze s (x real time) | with outputs s "
        "(x real time) | end-to-end / pose | outputs / analysis | peak RSS MB of a run "
        "| analyze without flip averaging s (x real time) |"
    )
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        d, p, a, o, n = r["decode"], r["pose"], r["analyze"], r["outputs"], r["analyze_no_flip"]
        rt = r["duration_s"]
        peak = max(r[stage].get("peak_rss_mb", 0) for stage in ("analyze", "outputs"))  # the pose stage holds frames
        lines.append(
            f"| {r['clip']} | {r['frames']} | {fmt(r['startup'].get('seconds'), 2)} "
            f"| {fmt(ratio({'n': r['frames']}, d, 'n'), 0)} | {fmt(ratio({'n': r['frames']}, p, 'n'), 0)} "
            f"| {fmt(a.get('seconds'))} ({fmt(ratio({'s': rt}, a, 's'), 2)}) "
            f"| {fmt(o.get('seconds'))} ({fmt(ratio({'s': rt}, o, 's'), 2)}) "
            f"| {fmt(ratio(a, p), 2)} | {fmt(ratio(o, a, 'outputs_s'), 2)} | {peak:.0f} "
            f"| {fmt(n.get('seconds'))} ({fmt(ratio({'s': rt}, n, 's'), 2)}) |"
        )
    return "\n".join(lines)


def output_table(rows: list[dict[str, Any]]) -> str:
    names = ("figures", "key_frames", "report_html", "annotated_video", "pdf")
    lines = ["| clip | default outputs s | " + " | ".join(n.replace("_", " ") + " s" for n in names) + " |"]
    lines.append("|" + "---|" * (2 + len(names)))
    for r in rows:
        o = r["outputs"]
        cells = " | ".join(fmt(o.get(f"{n}_s"), 2) for n in names)
        lines.append(f"| {r['clip']} | {fmt(o.get('outputs_s'), 2)} | {cells} |")
    return "\n".join(lines)


def targets(rows: list[dict[str, Any]]) -> str:
    by = {r["clip"]: r for r in rows}
    p1080 = by.get("squat 1080x1920 30 fps")
    s30, s240 = by.get("squat 720x1280 30 fps"), by.get("squat 720x1280 240 fps")
    lines = []
    if p1080:
        a, o, p = p1080["analyze"], p1080["outputs"], p1080["pose"]
        rt = p1080["duration_s"]
        lines.append(f"- outputs / analysis on the 1080p clip: {fmt(ratio(o, a, 'outputs_s'), 2)} (target <= 0.25)")
        lines.append(f"- analyze x real time, 1080p: {fmt(ratio({'s': rt}, a, 's'), 2)} (target >= 1.3)")
        lines.append(
            f"  - without flip averaging (`--no-flip-average`): "
            f"{fmt(ratio({'s': rt}, p1080['analyze_no_flip'], 's'), 2)}"
        )
        lines.append(f"- with default outputs: {fmt(ratio({'s': rt}, o, 's'), 2)} (target >= 1.0)")
        lines.append(f"- end-to-end / pose-only: {fmt(ratio(a, p), 2)} (target <= 1.15)")
    if s30 and s240:
        lines.append(
            f"- 240 fps squat / same squat at 30 fps (analyze): {fmt(ratio(s240['analyze'], s30['analyze']), 2)} "
            "(target <= 2.5)"
        )
    startup = [r["startup"].get("seconds") for r in rows if r["startup"].get("seconds") is not None]
    if startup:
        lines.append(f"- start-up (median): {sorted(startup)[len(startup) // 2]:.2f} s (target <= 1.0)")
    return "\n".join(lines)


def memory_section(cache: Path) -> str:
    """Peak memory of `analyze` (no outputs) on 1 and 10 minutes of the squat clip, looped."""
    rows = []
    cache.mkdir(parents=True, exist_ok=True)
    for minutes in (1, 10):
        clip = looped_clip(SQUAT, cache / f"squat_loop_{minutes}min.mp4", minutes * 60.0)
        row = run_stage("analyze", clip)
        rows.append(f"| {minutes} min | {fmt(row.get('seconds'))} | {row['peak_rss_mb']:.0f} |")
        print(minutes, json.dumps(row), flush=True)
    return "| clip length | analyze s | peak RSS MB |\n|---|---|---|\n" + "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 s of each clip; prints, writes nothing")
    parser.add_argument("--memory", action="store_true", help="peak memory for 1 and 10 minutes of video")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "gaitcheck-speed")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()
    if not SQUAT.is_file() or not RUNNER.is_file():
        sys.exit(f"the clips are made from {SHARED}, which is not here")
    command = "python benchmarks/speed.py " + " ".join(sys.argv[1:])
    load = os.getloadavg()[0]
    header = (
        f"Measured {date.today()} on {machine()}; load average {load:.1f} at the start. Made by `{command.strip()}`."
    )
    if args.memory:
        replace_section(args.out, "Memory", header + "\n\n" + memory_section(args.cache))
        return
    rows = [measure_clip(name, clip) for name, clip in clips(args.cache, args.quick).items()]
    text = (
        f"{header}\n\n{__doc__.split(chr(10) + chr(10), 1)[1].strip()}\n\n{stage_table(rows)}\n\n"
        f"Each output on its own, from the same analysis (seconds):\n\n{output_table(rows)}\n\n"
        f"Issue 14's targets:\n\n{targets(rows)}\n"
    )
    print(text)
    if not args.quick:
        replace_section(args.out, "Stages", text)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
