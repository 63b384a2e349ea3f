"""Accuracy of gaitcheck on rendered humans with exactly known joint angles.

    python benchmarks/accuracy.py                   # 40 varied clips + 6 side views; analyse; score
    python benchmarks/accuracy.py --n 8 --side 2    # a quick run
    python benchmarks/accuracy.py --fit             # also refit gaitcheck/calibration.json on all clips

Clips are made by gaitcheck.synth (needs `pip install 'gaitcheck[synth]'`) from seeded specs
(bodies, camera height/distance/yaw within 15 deg of front or back, valgus -5..20 deg, fps,
realism on/off) and cached in --cache with their pose results, so a re-run only re-scores.
Every clip goes through the real `gaitcheck.analyze` (calibration off, so the raw MediaPipe error
is measured; the correction is applied here, out of fold). Scores per measure and movement: bias,
MAE, RMSE, slope and r (estimate on truth), p95 of the absolute error; on frames where the leg is
in stance and the knee is flexed >= 20 deg, and at the repetition bottoms / midstance.

Calibration is scored leave-one-movement-out: each clip's correction is fitted on clips of the
other movements (whose bodies and cameras it also never saw; clips sharing a body preset with it
are dropped from its training set). Writes docs/accuracy.md with the tables and this command.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing as mp
import os
import platform
import sys
import time
from datetime import date
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gaitcheck.assess import assess_leg  # noqa: E402
from gaitcheck.calibration import CALIBRATION_FILE, Calibration, LinearCorrection  # noqa: E402
from gaitcheck.events import find_steps  # noqa: E402
from gaitcheck.landmarks import PoseSeries  # noqa: E402
from gaitcheck.synth.reference import Reference, load_reference  # noqa: E402

MEASURES = {  # measure -> what is scored
    "fppa_deg": "FPPA",
    "hip_adduction_deg": "2-D hip adduction",
    "femoral_adduction_deg": "2-D femoral adduction",
    "pelvic_drop_deg": "pelvic drop",
    "hip_internal_rotation_deg": "hip internal rotation (3-D estimate)",
    "knee_flexion_deg": "knee flexion",
}
# Measures the shipped calibration corrects. Hip internal rotation is not one: its error is mostly
# scatter (r ~0.2), and a linear fit would only shrink it toward the mean. A knee-flexion term
# (synth-notes: FPPA's error grows in deep flexion) and separate front/back fits were tried and
# did not lower the held-out error (see `alternatives`), so the model stays a straight line per measure.
CALIBRATED = ("fppa_deg", "hip_adduction_deg", "femoral_adduction_deg")
WHY_MISSED = {  # read with the tables below; the numbers in them are regenerated, these reasons are not
    "fppa_deg": (
        "The error is mostly scatter between clips (r ~0.94: a body's shape and the camera shift MediaPipe's "
        "hip and knee points differently), which one straight line cannot remove; the correction removes "
        "most of the bias and lifts the slope, but least squares on noisy estimates keeps the slope below "
        "1 (regression dilution). Fitting the other way round (estimate on truth, inverted) brings the "
        "slope to ~1 but raises the held-out MAE above the uncorrected one, so it was not shipped (see "
        "'FPPA corrections tried')."
    ),
    "hip_adduction_deg": "As for FPPA: what remains is scatter between bodies and cameras, not bias.",
    "pelvic_drop_deg": (
        "Not calibrated: MediaPipe's two hip points barely follow the pelvis's obliquity in running "
        "(r < 0.3 there), so there is no line to fit; in squat-like tasks the error is near the target."
    ),
    "hip_internal_rotation_deg": (
        "Not calibrated, and reported as experimental: rotation about the femur needs depth that one "
        "camera does not give; the estimate follows the truth only weakly from the front (r ~0.2) and "
        "not at all from behind, where gaitcheck now leaves it blank."
    ),
    "knee_flexion_deg": (
        "MediaPipe under-reads knee flexion by ~5 deg in side views, as published (Cosoli et al.: "
        "-2.3 +- 6.4 deg lateral); a side-view correction was not fitted because 6 side clips are too "
        "few to hold any out."
    ),
}
TARGETS = {  # issue 3's targets (MAE, deg) on held-out clips
    "fppa_deg": 2.0,
    "hip_adduction_deg": 2.5,
    "pelvic_drop_deg": 1.5,
    "hip_internal_rotation_deg": 6.0,
    "knee_flexion_deg": 4.0,
}


# ------------------------------------------------------------------------------------------------
# building and analysing the clip set
# ------------------------------------------------------------------------------------------------
def clip_specs(n: int, side: int, seed: int) -> list[tuple[str, object]]:
    """(name, spec): n varied front/back clips, plus `side` side-view clips for knee flexion."""
    from gaitcheck.synth import benchmark_specs
    from gaitcheck.synth.variety import MOVEMENT_KINDS, random_clip_spec

    specs = [(f"clip_{seed + i:04d}", s) for i, s in enumerate(benchmark_specs(n, seed))]
    for j in range(side):
        spec = random_clip_spec(seed + 10_000 + j, MOVEMENT_KINDS[j % len(MOVEMENT_KINDS)])
        rng = np.random.default_rng(seed + 20_000 + j)
        yaw = float(rng.choice([-90.0, 90.0]) + rng.uniform(-10, 10))
        spec = dataclasses.replace(spec, camera=dataclasses.replace(spec.camera, yaw_deg=round(yaw, 2)))
        specs.append((f"side_{seed + j:04d}", spec))
    return specs


def _build_one(args: tuple[str, object, str]) -> str:
    name, spec, cache = args
    from gaitcheck.synth import render_clip

    path = Path(cache) / f"{name}.mp4"
    if not path.with_suffix(".truth.json").exists():  # written last: a clip cut short re-renders
        render_clip(spec, path)
    return name


def _analyse_one(args: tuple[str, str]) -> str:
    name, cache = args
    import gaitcheck
    from gaitcheck import store

    folder = Path(cache) / "results" / name
    if not (folder / "summary.json").exists():
        settings = gaitcheck.Settings(calibrate=False)
        store.save(gaitcheck.analyze(Path(cache) / f"{name}.mp4", settings), folder)  # data files only
    return name


def build_and_analyse(specs: list[tuple[str, object]], cache: Path, jobs: int) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    todo = [(name, spec, str(cache)) for name, spec in specs if not (cache / f"{name}.truth.json").exists()]
    with mp.get_context("spawn").Pool(jobs) as pool:
        for name in pool.imap_unordered(_build_one, todo):
            print(f"rendered {name}", flush=True)
        for name in pool.imap_unordered(_analyse_one, [(name, str(cache)) for name, _ in specs]):
            print(f"analysed {name}", flush=True)


# ------------------------------------------------------------------------------------------------
# one clip's numbers
# ------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class ClipData:
    name: str
    fps: float
    body: str
    ref: Reference  # the truth, read with gaitcheck's own rules
    estimate: pd.DataFrame  # uncalibrated angles.csv
    clean: PoseSeries
    summary: dict
    naive_pairs: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict, repr=False)  # frame_pairs cache

    @property
    def truth(self) -> pd.DataFrame:
        return self.ref.truth

    @property
    def movement(self) -> str:
        return self.ref.movement

    @property
    def view(self) -> str:
        return self.ref.view


def load_clip(name: str, cache: Path) -> ClipData:
    ref = load_reference(cache / f"{name}.mp4")
    folder = cache / "results" / name
    summary = json.loads((folder / "summary.json").read_text())
    video = summary["video"]
    body = ref.meta.get("body", {})
    return ClipData(
        name=name,
        fps=float(video["fps"]),
        body=body.get("name") or json.dumps(body, sort_keys=True),
        ref=ref,
        estimate=pd.read_csv(folder / "angles.csv"),
        clean=PoseSeries.load_csv(folder / "landmarks_clean.csv", video["width_px"], video["height_px"]),
        summary=summary,
    )


def eligible(clip: ClipData, side: str) -> np.ndarray:
    """Frames where this leg is in stance and its knee is flexed >= 20 deg (truth)."""
    t = clip.truth
    return (t[f"{side}_stance"].to_numpy() == 1) & (t[f"{side}_knee_flexion_deg"].to_numpy(float) >= 20.0)


def frame_pairs(clip: ClipData, measure: str, estimate: pd.DataFrame | None = None) -> pd.DataFrame:
    """(truth, estimate, knee flexion estimate, event) rows for both legs at eligible frames. The
    uncalibrated pairs are kept on the clip: every out-of-fold fit reads them again."""
    if estimate is None:
        if measure not in clip.naive_pairs:
            clip.naive_pairs[measure] = frame_pairs(clip, measure, clip.estimate)
        return clip.naive_pairs[measure]
    rows = []
    for side in ("left", "right"):
        mask = eligible(clip, side)
        truth = clip.truth[f"{side}_{measure}"].to_numpy(float)[mask]
        est = estimate[f"{side}_{measure}"].to_numpy(float)[: len(mask)][mask[: len(estimate)]]
        flexion = estimate[f"{side}_knee_flexion_deg"].to_numpy(float)[: len(mask)][mask[: len(estimate)]]
        rows.append(pd.DataFrame({"truth": truth, "estimate": est, "flexion": flexion, "side": side}))
    return pd.concat(rows, ignore_index=True)


def event_values(clip: ClipData, estimate: pd.DataFrame) -> list[dict]:
    """Truth and estimate of the event measures at the true events, per leg and event."""
    truth = clip.ref.event_measures(clip.truth, clip.ref.series)
    est = clip.ref.event_measures(estimate, clip.clean)
    return [
        {"side": side, "truth": t, "estimate": e}
        for side in ("left", "right")
        for t, e in zip(truth[side], est[side], strict=True)
    ]


# ------------------------------------------------------------------------------------------------
# statistics
# ------------------------------------------------------------------------------------------------
def stats(truth: np.ndarray, estimate: np.ndarray) -> dict[str, float]:
    ok = np.isfinite(truth) & np.isfinite(estimate)
    t, e = truth[ok], estimate[ok]
    if t.size < 3:
        return {"n": int(t.size)}
    err = e - t
    slope = float(np.polyfit(t, e, 1)[0]) if np.ptp(t) > 1e-6 else float("nan")
    return {
        "n": int(t.size),
        "bias": float(err.mean()),
        "mae": float(np.abs(err).mean()),
        "rmse": float(np.sqrt((err**2).mean())),
        "slope": slope,
        "r": float(np.corrcoef(t, e)[0, 1]) if np.std(t) > 0 and np.std(e) > 0 else float("nan"),
        "p95": float(np.percentile(np.abs(err), 95)),
    }


def fit_correction(pairs: pd.DataFrame, measure: str, depth: bool = False) -> LinearCorrection:
    """Least squares of the truth on the estimate (with depth: also on estimate x knee flexion)."""
    flexion = pairs["flexion"].to_numpy(float) if depth else None
    return LinearCorrection.fit(pairs["estimate"].to_numpy(float), pairs["truth"].to_numpy(float), flexion)


def inverse_fit(pairs: pd.DataFrame, measure: str) -> LinearCorrection:
    """The road not taken: fit estimate = a + b * truth and invert it (slope ~1 by construction)."""
    ok = np.isfinite(pairs["truth"]) & np.isfinite(pairs["estimate"])
    b, a = np.polyfit(pairs["truth"][ok], pairs["estimate"][ok], 1)
    return LinearCorrection(intercept=-a / b, slope=1 / b)


def calibrated_out_of_fold(
    clips: list[ClipData], fitter=fit_correction, measures=CALIBRATED, per_view: bool = False
) -> dict[str, pd.DataFrame]:
    """Each clip's angles corrected by a model fitted without its movement or its body preset
    (and, with per_view, only on clips filmed from the same side)."""
    out = {}
    for clip in clips:
        train = [
            c
            for c in clips
            if c.movement != clip.movement and c.body != clip.body and (not per_view or c.view == clip.view)
        ]
        corrections = {}
        for measure in measures:
            pairs = pd.concat([frame_pairs(c, measure) for c in train], ignore_index=True)
            corrections[measure] = fitter(pairs, measure)
        out[clip.name] = Calibration(corrections, {}).apply(clip.estimate)
    return out


def alternatives(clips: list[ClipData]) -> str:
    """Held-out FPPA error of the corrections that were tried and not shipped."""
    frontal = [c for c in clips if c.view != "side"]
    tried = {
        "shipped: least squares, truth on estimate, all views": {},
        "with a knee-flexion term": {"fitter": partial(fit_correction, depth=True)},
        "inverse fit (estimate on truth, inverted)": {"fitter": inverse_fit},
        "separate fits for front and back views": {"per_view": True},
    }
    rows = []
    for label, options in tried.items():
        estimates = calibrated_out_of_fold(frontal, measures=("fppa_deg",), **options)
        pairs = pd.concat([frame_pairs(c, "fppa_deg", estimates[c.name]) for c in frontal], ignore_index=True)
        rows.append((label, stats(pairs["truth"].to_numpy(float), pairs["estimate"].to_numpy(float))))
    return "## FPPA corrections tried (held out, stance frames)\n\n" + table(rows, "correction") + "\n"


# ------------------------------------------------------------------------------------------------
# the report
# ------------------------------------------------------------------------------------------------
def fmt(s: dict, key: str, digits: int = 1) -> str:
    value = s.get(key)
    return "-" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def table(rows: list[tuple[str, dict]], first: str) -> str:
    lines = [f"| {first} | n | bias | MAE | RMSE | slope | r | p95 |", "|---|---|---|---|---|---|---|---|"]
    for label, s in rows:
        lines.append(
            f"| {label} | {s.get('n', 0)} | {fmt(s, 'bias')} | {fmt(s, 'mae')} | {fmt(s, 'rmse')} | "
            f"{fmt(s, 'slope', 2)} | {fmt(s, 'r', 2)} | {fmt(s, 'p95')} |"
        )
    return "\n".join(lines)


def measure_rows(clips: list[ClipData], estimates: dict[str, pd.DataFrame], measure: str) -> list[tuple[str, dict]]:
    """Per movement and overall, frames and events, for one measure."""
    rows = []
    views = ("side",) if measure == "knee_flexion_deg" else ("front", "back")
    groups = sorted({c.movement for c in clips}) + ["all"]
    for movement in groups:
        chosen = [c for c in clips if (movement == "all" or c.movement == movement) and c.view in views]
        if not chosen:
            continue
        pairs = pd.concat([frame_pairs(c, measure, estimates[c.name]) for c in chosen], ignore_index=True)
        rows.append((f"{movement}, frames", stats(pairs["truth"].to_numpy(float), pairs["estimate"].to_numpy(float))))
        event_truth, event_est = [], []
        for c in chosen:
            for ev in event_values(c, estimates[c.name]):
                event_truth.append(ev["truth"].get(measure, np.nan))
                event_est.append(ev["estimate"].get(measure, np.nan))
        rows.append((f"{movement}, events", stats(np.array(event_truth, float), np.array(event_est, float))))
    return rows


def event_detection(clips: list[ClipData]) -> dict:
    """Repetition counts, foot-contact timing and verdict agreement."""
    reps_exact = [len(c.summary["reps"]) == len(c.ref.reps) for c in clips if c.movement != "run" and c.view != "side"]
    contact_errors: dict[tuple[str, float], list[float]] = {}
    for c in clips:
        if c.movement != "run":
            continue
        steps = find_steps(c.clean, c.view)  # today's rule on the saved clean landmarks: no re-inference
        detected = {leg: np.array([s.contact_frame for s in steps if s.leg == leg]) for leg in ("left", "right")}
        for step in c.ref.steps:
            found = detected[step.leg]
            if found.size:
                contact_errors.setdefault((c.view, round(c.fps)), []).append(
                    float(np.min(np.abs(found - step.contact_frame)))
                )
    return {"reps_exact": (sum(reps_exact), len(reps_exact)), "contacts": contact_errors}


def verdict_agreement(clips: list[ClipData], estimates: dict[str, pd.DataFrame]) -> tuple[int, int, list[str]]:
    """Per working leg: the verdict gaitcheck gives vs the verdict the truth earns (same rules)."""
    agree, total, misses = 0, 0, []
    for c in clips:
        if c.view == "side":
            continue
        est = c.ref.event_measures(estimates[c.name], c.clean)
        for side, truth in c.ref.verdicts().items():
            verdict = assess_leg(side, c.movement, c.view, est[side], []).verdict
            total += 1
            agree += truth.verdict == verdict
            if truth.verdict != verdict:
                misses.append(f"{c.name} {c.movement} {side}: truth {truth.verdict}, gaitcheck {verdict}")
    return agree, total, misses


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    import mediapipe

    return (
        f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, mediapipe {mediapipe.__version__}"
    )


def report(clips: list[ClipData], naive: dict, corrected: dict, command: str, fitted: Calibration | None) -> str:
    parts = [
        "# Accuracy on rendered humans with known joint angles\n",
        f"Made by `{command}` on {date.today()} ({machine()}). {len(clips)} clips "
        f"({', '.join(f'{m}: {sum(c.movement == m for c in clips)}' for m in sorted({c.movement for c in clips}))}; "
        f"{sum(c.view == 'side' for c in clips)} side views for knee flexion), rendered by `gaitcheck.synth` "
        "(anny bodies; camera height 0.5-1.3 m, distance 2.4-4 m, yaw within 15 deg of front or back; valgus "
        "-5..20 deg; 30-120 fps; realism on and off), each analysed by the real `gaitcheck.analyze` with "
        "calibration off.\n",
        "Ground truth is the rig's joint centres (hip = upperleg01 head, knee = lowerleg01 head, ankle = foot "
        "head) projected through the same camera and measured with gaitcheck's own angle functions. Frames: "
        "the leg in stance with the knee flexed >= 20 deg. Events: repetition bottoms (or the deepest frame "
        "where the thigh is still seen, as gaitcheck reads them) and running midstance, at the true events. "
        "Bias = estimate - truth; slope and r of the estimate on the truth. These are synthetic renders: "
        "real video will be worse; read them as a lower bound and a test of linearity.\n",
        "**Which hip centre is 'true'.** The rig's hip joints (anny's upperleg01 heads) sit about 0.24 m "
        "apart, wider than the 0.17-0.20 m of anatomical hip joint centres, while MediaPipe's hip keypoints "
        "follow anny's surface (COCO-style) hips to within about 1 deg of FPPA. Part of the naive bias in "
        "hip adduction and FPPA is therefore a difference of definition, not of detection: calibrating to "
        "the rig moves gaitcheck's hip point laterally, toward the ASIS / proximal-thigh markers that "
        "published FPPA norms used (../shared/clinical.md, 'landmark mismatch'). Treat absolute values as "
        "uncertain by 2-4 deg from the definition alone; differences between legs and sessions do not "
        "carry that uncertainty.\n",
    ]
    summary_rows: list[list[str]] = []
    missed: list[str] = []
    for measure, label in MEASURES.items():
        naive_rows = measure_rows(clips, naive, measure)
        parts.append(f"## {label} (`{measure}`)\n")
        parts.append("Naive MediaPipe:\n\n" + table(naive_rows, "movement"))
        all_naive = dict(naive_rows).get("all, frames", {})
        row = [label, fmt(all_naive, "mae"), fmt(all_naive, "slope", 2)]
        if measure in CALIBRATED:
            cal_rows = measure_rows(clips, corrected, measure)
            parts.append("\nCalibrated, scored out of fold (leave one movement out):\n\n" + table(cal_rows, "movement"))
            all_cal = dict(cal_rows).get("all, frames", {})
            row += [fmt(all_cal, "mae"), fmt(all_cal, "slope", 2)]
        else:
            row += ["(not calibrated)", ""]
        target = TARGETS.get(measure)
        row.append(f"<= {target}" if target else "-")
        summary_rows.append(row)
        final = all_cal if measure in CALIBRATED else all_naive
        if target and final.get("mae", 0.0) > target:
            missed.append(
                f"- **{label}**: MAE {final['mae']:.1f} deg, {final['mae'] - target:.1f} over the target. "
                + WHY_MISSED.get(measure, "")
            )
        parts.append("")
    lines = [
        "| measure | naive MAE | naive slope | calibrated MAE (held out) | calibrated slope | target MAE |",
        "|---|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in summary_rows]
    summary = "## Summary (all movements, stance frames)\n\n" + "\n".join(lines) + "\n"
    if missed:
        summary += "\nTargets missed, and why (no figure here was tuned on the clips it is scored on):\n\n"
        summary += "\n".join(missed) + "\n"
    parts.insert(4, summary)
    parts.append(alternatives(clips))
    detection = event_detection(clips)
    exact, n = detection["reps_exact"]
    parts.append(
        f"## Events\n\nRepetition counts exact in {exact} of {n} squat-like clips. Foot contacts: the front- "
        "and back-view rules (events.py) were chosen while looking at these clips, so the contact figures "
        "are not held out.\n"
    )
    for (view, fps), errors in sorted(detection["contacts"].items()):
        e = np.array(errors)
        parts.append(
            f"- running, {view} view, {fps:.0f} fps: {e.size} true contacts; median error {np.median(e):.1f} frames, "
            f"95th percentile {np.percentile(e, 95):.1f}, within 2 frames {np.mean(e <= 2):.0%}"
        )
    agree, total, misses = verdict_agreement(clips, corrected)
    parts.append(
        f"\nVerdicts (calibrated, held out) agree with the truth's verdict for {agree} of {total} working legs."
    )
    parts += [f"- {m}" for m in misses[:20]]
    if fitted is not None:
        parts.append(
            "\n## Shipped calibration\n\nFitted on all clips above and written to `gaitcheck/calibration.json`:\n\n"
            + "\n".join(f"- `{m}`: {vars(c)}" for m, c in fitted.corrections.items())
        )
    return "\n".join(parts) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=40, help="front/back clips (cycling through the movements)")
    parser.add_argument("--side", type=int, default=6, help="extra side-view clips (knee flexion)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "gaitcheck-accuracy")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--fit", action="store_true", help="refit gaitcheck/calibration.json on all clips")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "accuracy.md")
    args = parser.parse_args()
    command = "python benchmarks/accuracy.py " + " ".join(sys.argv[1:])
    started = time.time()
    specs = clip_specs(args.n, args.side, args.seed)
    build_and_analyse(specs, args.cache, args.jobs)
    clips = [load_clip(name, args.cache) for name, _ in specs]
    naive = {c.name: c.estimate for c in clips}
    corrected = calibrated_out_of_fold([c for c in clips if c.view != "side"])
    corrected.update({c.name: c.estimate for c in clips if c.view == "side"})
    fitted = None
    if args.fit:
        frontal = [c for c in clips if c.view != "side"]
        corrections = {
            m: fit_correction(pd.concat([frame_pairs(c, m) for c in frontal], ignore_index=True), m) for m in CALIBRATED
        }
        import mediapipe

        import gaitcheck

        fitted = Calibration(
            corrections,
            {
                "fitted_by": command,
                "date": str(date.today()),
                "clips": len(frontal),
                "seed": args.seed,
                "gaitcheck_version": gaitcheck.__version__,
                "mediapipe_version": mediapipe.__version__,
                "truth": "rig joint centres of gaitcheck.synth bodies (anny), projected through the camera",
                "scored": "docs/accuracy.md (leave-one-movement-out)",
            },
        )
        fitted.save(CALIBRATION_FILE)
    args.out.write_text(report(clips, naive, corrected, command, fitted))
    print(f"wrote {args.out} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
