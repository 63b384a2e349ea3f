"""When another person covers the subject: how wrong are the frontal angles there?

    python benchmarks/cover.py            # the bystander renders of benchmarks/bystander.py (cached)
    python benchmarks/cover.py --n 8      # fewer clips

Why `Settings.max_cover_share` exists and where it is set. Each bystander render (rendered by
benchmarks/bystander.py into the same cache) is posed once with nothing left out for being covered
(max_cover_share=1), and the subject gaitcheck follows is analysed. Per frame, the share of the
subject's body box (shoulders down, in the picture) that another tracked person's box covers, in
front or behind, is set against the error of FPPA and 2-D hip adduction from the render's truth
(through the clip's own camera), at frames where the true knee flexion is >= 20 deg, frontal and
oblique clips. The 0.5 default was read from clips 0-19 on 2026-12-05 (after a render, clip 28,
showed hip adduction of 40-100 deg while a walker passed behind the squatter), and so was the
0.25 s margin around such frames (tracking.COVER_MARGIN_S, the second table), chosen after seeing
all the clips, so only the share is checked by clips 20-31. Written to docs/cover.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from side_running import made_by  # noqa: E402  (benchmarks/ is on the path when run as a script)

from gaitcheck import pipeline  # noqa: E402
from gaitcheck.pose import look, pose_series  # noqa: E402
from gaitcheck.settings import Settings  # noqa: E402
from gaitcheck.synth.reference import load_reference  # noqa: E402
from gaitcheck.tracking import choose_subject, cover_by_row, lasting, track_people  # noqa: E402
from gaitcheck.video import iter_frames, probe_video  # noqa: E402

BINS = (0.0, 1e-4, 0.2, 0.4, 0.5, 0.6, 0.8, 1.0)
HELD_OUT_FROM = 20
NEAR_S = (-1.0, 0.0, 0.25, 0.5, 1.0, 2.0, np.inf)
NEAR_LABELS = ("covered", "up to 0.25 s", "0.25-0.5 s", "0.5-1 s", "1-2 s", "over 2 s (or none covered)")


def clip_rows(video: Path) -> list[dict]:
    """Per frame and leg (true knee flexion >= 20 deg): the share covered and the two errors."""
    settings = Settings(max_cover_share=1.0)
    info = probe_video(video)
    seen = look(iter_frames(info, settings.max_inference_side_px), info, settings)
    size = (info.width_px, info.height_px)
    times = np.asarray(seen.time_s, dtype=float)
    tracks = lasting(track_people([[p.image[:, :2] for p in people] for people in seen.everyone], times), times)
    choice = choose_subject(tracks, settings.subject, times, size)
    subject = next((t for t in tracks if t.id == choice.id), None)
    if subject is None:
        return []
    cover = cover_by_row(subject, [t for t in tracks if t is not subject])
    frame_of_row = dict(enumerate(seen.frame))
    covered = {frame_of_row[row]: share for row, share in cover.items()}
    analysis = pipeline.analyze_landmarks(pose_series(seen, settings, size), info, settings)
    ref = load_reference(video)
    truth = ref.truth.set_index("frame")
    angles = analysis.angles.assign(frame=analysis.landmarks.clean.frame.astype(int))
    rows = []
    for _, est in angles.iterrows():
        frame = int(est["frame"])
        if frame not in truth.index or frame not in covered:
            continue
        true = truth.loc[frame]
        for side in ("left", "right"):
            if true[f"{side}_knee_flexion_deg"] >= 20.0:
                rows.append(
                    {
                        "clip": int(video.stem.rsplit("_", 1)[1]),
                        "view": ref.view,
                        "time_s": float(est["time_s"]),
                        "cover": covered[frame],
                        "fppa": est[f"{side}_fppa_deg"] - true[f"{side}_fppa_deg"],
                        "hip_adduction": est[f"{side}_hip_adduction_deg"] - true[f"{side}_hip_adduction_deg"],
                    }
                )
    return rows


def table(rows: pd.DataFrame) -> str:
    lines = [
        "| clips | share of the subject covered | legs x frames | clips with such frames | FPPA MAE (deg) "
        "| hip adduction MAE (deg) |",
        "|---|---|---|---|---|---|",
    ]
    rows = rows.assign(
        part=np.where(rows["clip"] < HELD_OUT_FROM, f"0-{HELD_OUT_FROM - 1} (read)", f"{HELD_OUT_FROM}+ (check)"),
        bin=pd.cut(rows["cover"], BINS, include_lowest=True),
    )
    for (part, interval), group in rows.groupby(["part", "bin"], observed=True):
        label = "none" if interval.right <= BINS[1] else f"{max(interval.left, 0):.1f}-{interval.right:.1f}"
        lines.append(error_row(part, label, group))
    return "\n".join(lines)


def error_row(part: str, label: str, group: pd.DataFrame) -> str:
    return (
        f"| {part} | {label} | {len(group)} | {group['clip'].nunique()} | "
        f"{np.nanmean(np.abs(group['fppa'])):.1f} | {np.nanmean(np.abs(group['hip_adduction'])):.1f} |"
    )


def near_table(rows: pd.DataFrame, share: float) -> str:
    """The same errors by time to the nearest frame more than `share` covered (same clip)."""
    parts = []
    for _, clip in rows.groupby("clip"):
        marks = np.sort(clip.loc[clip["cover"] > share, "time_s"].to_numpy())
        at = clip["time_s"].to_numpy()
        away = np.min(np.abs(at[:, None] - marks[None]), axis=1) if marks.size else np.full(len(at), np.inf)
        parts.append(clip.assign(away_s=away))
    rows = pd.concat(parts)
    rows = rows.assign(
        part=np.where(rows["clip"] < HELD_OUT_FROM, f"0-{HELD_OUT_FROM - 1} (read)", f"{HELD_OUT_FROM}+ (check)"),
        bin=pd.cut(rows["away_s"], NEAR_S, labels=NEAR_LABELS),
    )
    lines = [
        f"| clips | time to the nearest frame more than {share:g} covered | legs x frames | clips "
        "| FPPA MAE (deg) | hip adduction MAE (deg) |",
        "|---|---|---|---|---|---|",
    ]
    for (part, label), group in rows.groupby(["part", "bin"], observed=True):
        lines.append(error_row(part, label, group))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=32, help="bystander clips 0..n-1 (rendered by bystander.py)")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "gaitcheck-bystander")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "cover.md")
    args = parser.parse_args()
    started = time.perf_counter()
    rows: list[dict] = []
    for k in range(args.n):
        video = args.cache / f"bystander_{k}.mp4"
        if not video.with_suffix(".truth.json").is_file():
            sys.exit(f"{video} is not rendered: run benchmarks/bystander.py --n {args.n} first")
        rows += clip_rows(video)
        print(f"bystander_{k}: {len(rows)} rows so far", flush=True)
    frame = pd.DataFrame(rows)
    frontal = frame[frame["view"] != "side"]
    text = (
        "# When another person covers the subject\n\n"
        + made_by(f"python benchmarks/cover.py --n {args.n}", started)
        + ": the bystander renders of docs/bystander.md, posed with nothing left out for being covered, "
        "the subject gaitcheck follows analysed by today's code; frontal and oblique clips, frames where the "
        "true knee flexion is >= 20 deg. Error against the render's truth through the clip's own camera. "
        "The share covered is of the subject's body box (shoulders down) by another tracked person's, in "
        "front or behind.\n\n"
        + table(frontal)
        + "\n\nThe same frames by how far they are in time from one more than half covered (the other "
        "person's detection flickers while they pass):\n\n"
        + near_table(frontal, Settings().max_cover_share)
        + "\n\ngaitcheck reads no angle in the subject's frames where more than half is covered "
        "(`Settings.max_cover_share` = 0.5, read on clips 0-19 on 2026-12-05; clips from 20 check it) nor "
        "within 0.25 s of one (`tracking.COVER_MARGIN_S`, chosen after seeing both parts of the second table: "
        "it is not held out); their landmarks still count where the "
        "person is and what they do. summary.json counts them (`subject.covered_no_angles`) and the report's "
        "recording-quality note says so. The check clips have few covered frames (see the counts): read "
        "them as a thin check, not a second measure.\n"
    )
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
