"""Accuracy of gaitcheck on rendered humans with exactly known joint angles: generalisation, not fit.

    python benchmarks/accuracy.py                   # 80 varied clips + 8 side views; analyse; score
    python benchmarks/accuracy.py --n 8 --side 2    # a quick run
    python benchmarks/accuracy.py --fit             # also write gaitcheck/calibration.json (only if it earns it)

Clips are made by gaitcheck.synth (needs `pip install 'gaitcheck[synth]'`) from seeded specs that
vary bodies, clothing, rooms, light, feet (toe-in to toe-out, stance width), depth, free-leg pose,
arms, tempo and phones (field of view, height from the floor, pitch, roll, yaw to 60 deg, distance,
resolution, 30-240 fps, compression); see gaitcheck.synth.variety. Each clip is rendered and posed
once (cached in --cache); every run then re-analyses the saved landmarks with today's code, so a
change to cleaning, events or grading is scored without re-running MediaPipe.

What is scored:
- per measure, the error at the true events and in stance frames, per movement and per factor bin
  (is there a kind of person or camera where gaitcheck is much worse?);
- corrections held out on whole factor ranges (fit on toe-out < 10 deg, test on > 15; fit on cameras
  above the knee, test on cameras near the floor; fit on one free-leg style, test on others; fit on
  30-60 fps, test on 120-240; leave one movement out; ...). A correction ships only if it lowers the
  held-out error in every split; otherwise gaitcheck ships raw MediaPipe values;
- verdicts per working leg, from gaitcheck's own repetitions and steps (the real pipeline), against
  the verdict the truth earns with the same bands (no margin); a neighbouring band counts as right
  only where the truth lies within 1 deg (0.02 shank lengths) of the band edge.
Writes docs/accuracy.md with the tables and this command.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import json
import multiprocessing as mp
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gaitcheck.assess import (  # noqa: E402
    MAX_OFF_SQUARE_DEG,
    THRESHOLDS,
    graded_measure,
    threshold_for,
)
from gaitcheck.calibration import CALIBRATION_FILE, Calibration, LinearCorrection  # noqa: E402
from gaitcheck.kinematics import turned_camera_fppa_deg, turned_camera_shift  # noqa: E402
from gaitcheck.landmarks import PoseSeries  # noqa: E402
from gaitcheck.model import Analysis  # noqa: E402
from gaitcheck.settings import Settings  # noqa: E402
from gaitcheck.synth.reference import Reference, load_reference  # noqa: E402

MEASURES = {  # measure -> what is scored
    "fppa_deg": "FPPA",
    "hip_adduction_deg": "2-D hip adduction",
    "femoral_adduction_deg": "2-D femoral adduction",
    "pelvic_drop_deg": "pelvic drop",
    "hip_internal_rotation_deg": "hip internal rotation (3-D estimate)",
    "knee_flexion_deg": "knee flexion",
}
CORRECTABLE = ("fppa_deg", "hip_adduction_deg", "femoral_adduction_deg")  # candidates for a linear correction
TARGETS = {  # issue 10's targets (event MAE, deg, held out)
    "fppa_deg": 2.5,
    "hip_adduction_deg": 2.5,
    "pelvic_drop_deg": 2.0,
    "knee_flexion_deg": 4.0,
}
#: A neighbouring band counts as a right verdict only when the truth is this close to the edge.
EDGE_TOLERANCE = {"deg": 1.0, "shank lengths": 0.02}

# Factor bins: numeric factors by fixed edges (so bins mean the same in every run), others by value.
BINS: dict[str, list[float]] = {
    "yaw_off_square_deg": [0, 10, 20, 35, 61],
    "camera_height_m": [0, 0.3, 0.6, 1.0, 1.6],
    "camera_distance_m": [0, 3, 4, 8],
    "horizontal_fov_deg": [0, 65, 75, 90],
    "abs_roll_deg": [0, 2, 5, 10],
    "short_side_px": [0, 500, 800, 2000],
    "toe_out_deg": [-15, 0, 10, 20, 40],
    "stance_width_m": [0, 0.3, 0.4, 0.6],
    "knee_flexion_deg": [0, 60, 90, 130],
    "free_hip_flexion_deg": [-1, 30, 60, 95],
}
SHOWN_WITH_MISSES = ("yaw_off_square_deg", "camera_height_m", "toe_out_deg", "free_leg")
CATEGORIES = ("movement", "view", "fps", "free_leg", "arms", "sex", "realism")


# ------------------------------------------------------------------------------------------------
# building and analysing the clip set
# ------------------------------------------------------------------------------------------------
def clip_specs(n: int, side: int, seed: int) -> list[tuple[str, Any]]:
    """(name, spec): n varied clips (front, back and oblique), plus `side` side views for knee flexion."""
    from gaitcheck.synth import benchmark_specs
    from gaitcheck.synth.variety import MOVEMENT_KINDS, random_clip_spec

    specs = [(f"clip_{seed + i:04d}", s) for i, s in enumerate(benchmark_specs(n, seed))]
    for j in range(side):
        spec = random_clip_spec(seed + 10_000 + j, MOVEMENT_KINDS[j % len(MOVEMENT_KINDS)])
        rng = np.random.default_rng(seed + 20_000 + j)
        yaw = float(rng.choice([-90.0, 90.0]) + rng.uniform(-10, 10))
        spec = dataclasses.replace(spec, camera=dataclasses.replace(spec.camera, yaw_deg=round(yaw, 2), roll_deg=0.0))
        specs.append((f"side_{seed + j:04d}", spec))
    return specs


def _build_one(args: tuple[str, Any, str]) -> tuple[str, str | None]:
    """Render one clip: (name, None), or (name, why) when the generator cannot plan its motion (the
    reason is kept as X.skipped.txt, and the clip left out of every table)."""
    name, spec, cache = args
    from gaitcheck.errors import GaitcheckError
    from gaitcheck.synth import render_clip
    from gaitcheck.synth.variety import factors

    path = Path(cache) / f"{name}.mp4"
    if not path.with_suffix(".truth.json").exists():  # written last: a clip cut short re-renders
        try:
            render_clip(spec, path)
        except GaitcheckError as exc:
            path.with_suffix(".skipped.txt").write_text(str(exc) + "\n")
            return name, str(exc)
    path.with_suffix(".factors.json").write_text(json.dumps(factors(spec), default=float))
    return name, None


@dataclasses.dataclass(frozen=True)
class Posing:
    """How the clips are posed: a pose landmarker bundle (None: gaitcheck's own) and flip averaging."""

    model: Path | None = None
    flip_average: bool = True
    max_pose_fps: float | None = None  # None: gaitcheck's default

    @classmethod
    def named(cls, name: str) -> Posing:
        """`no-flip` (gaitcheck's model, flip averaging off), `pose-<N>fps` (squat-like tasks posed at
        most N frames a second) or a model: full, heavy or a .task path."""
        if name == "no-flip":
            return cls(flip_average=False)
        if name.startswith("pose-") and name.endswith("fps"):
            return cls(max_pose_fps=float(name[len("pose-") : -len("fps")]))
        return cls(model=Settings(model=name).model_path)

    @property
    def label(self) -> str:
        model = f"`{self.model.name}`" if self.model is not None else "gaitcheck's own model"
        if self.max_pose_fps is not None:
            model += f", squat-like tasks posed at most {self.max_pose_fps:g} frames a second"
        return model if self.flip_average else f"{model} without flip averaging"

    def settings(self) -> Settings:
        rate = {} if self.max_pose_fps is None else {"max_pose_fps": self.max_pose_fps}
        return Settings(calibrate=False, model=self.model, flip_average=self.flip_average, **rate)


def results_folder(cache: Path, posing: Posing) -> Path:
    """Where a posing's landmarks are cached: `results` for gaitcheck's own model and settings."""
    model = "" if posing.model is None else f"-{posing.model.stem}"
    rate = "" if posing.max_pose_fps is None else f"-pose{posing.max_pose_fps:g}fps"
    return cache / ("results" + model + rate + ("" if posing.flip_average else "-no-flip"))


def _pose_one(args: tuple[str, str, Posing]) -> str:
    """MediaPipe once per clip: the saved raw landmarks are re-analysed by every later run."""
    name, cache, posing = args
    import gaitcheck
    from gaitcheck import store

    folder = results_folder(Path(cache), posing) / name
    if not (folder / "summary.json").exists():
        store.save(gaitcheck.analyze(Path(cache) / f"{name}.mp4", posing.settings()), folder)
    return name


def build_and_pose(
    specs: list[tuple[str, Any]], cache: Path, jobs: int, posing: Posing
) -> tuple[list[tuple[str, Any]], dict[str, str]]:
    """Render and pose what is not cached; the specs that made a clip, and why the others did not."""
    cache.mkdir(parents=True, exist_ok=True)
    skipped = {
        name: (cache / f"{name}.skipped.txt").read_text().strip()
        for name, _ in specs
        if (cache / f"{name}.skipped.txt").exists()
    }
    todo = [
        (name, spec, str(cache))
        for name, spec in specs
        if name not in skipped and not (cache / f"{name}.factors.json").exists()
    ]
    with mp.get_context("spawn").Pool(jobs) as pool:
        for name, why in pool.imap_unordered(_build_one, todo):
            print(f"rendered {name}" if why is None else f"left out {name}: {why}", flush=True)
            if why is not None:
                skipped[name] = why
        made = [(name, spec) for name, spec in specs if name not in skipped]
        for name in pool.imap_unordered(_pose_one, [(name, str(cache), posing) for name, _ in made]):
            print(f"posed {name}", flush=True)
    return made, skipped


# ------------------------------------------------------------------------------------------------
# one clip's numbers
# ------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class ClipData:
    name: str
    ref: Reference  # the truth through the clip's own camera, read with gaitcheck's own rules
    square: Reference  # the same truth as the square camera the valgus was planned with sees it
    analysis: Analysis  # today's code on the saved raw landmarks, uncorrected
    factors: dict
    scored: pd.DataFrame  # its angles, with the hip rotation estimate ungated

    @property
    def truth(self) -> pd.DataFrame:
        return self.ref.truth

    @property
    def movement(self) -> str:
        return self.ref.movement

    @property
    def view(self) -> str:
        return self.ref.view

    @property
    def estimate(self) -> pd.DataFrame:
        return self.scored

    @functools.cached_property
    def estimate_row_of(self) -> dict[int, int]:
        """Each frame of the clip -> the nearest row gaitcheck posed (a squat-like clip faster than
        max_pose_fps is posed on every k-th frame only, so rows and frames differ)."""
        posed = self.analysis.landmarks.clean.frame.astype(int)
        frames = self.truth["frame"].to_numpy(int)
        after = np.clip(np.searchsorted(posed, frames), 1, len(posed) - 1)
        nearer_before = frames - posed[after - 1] <= posed[after] - frames
        return dict(zip(frames.tolist(), np.where(nearer_before, after - 1, after).tolist(), strict=True))

    def on_truth_frames(self, estimate: pd.DataFrame) -> pd.DataFrame:
        """`estimate` with one row per frame of the truth (NaN where no frame was posed)."""
        return estimate.set_index("frame").reindex(self.truth["frame"].to_numpy(int)).reset_index()


def ungated(analysis: Analysis) -> pd.DataFrame:
    """The angles, with the hip rotation estimate in every task (gaitcheck blanks it outside
    kinematics.HIP_ROTATION_TASKS; it is scored everywhere to see where it can be reported)."""
    from gaitcheck.kinematics import compute_angles

    out = analysis.angles.copy()
    flexion = analysis.settings.min_knee_flexion_for_rotation_deg
    every = compute_angles(analysis.landmarks.clean, analysis.view.value, flexion)
    for side in ("left", "right"):
        out[f"{side}_hip_internal_rotation_deg"] = every[f"{side}_hip_internal_rotation_deg"].to_numpy()
    return out


def load_clip(name: str, cache: Path, posing: Posing = Posing()) -> ClipData:
    from gaitcheck import pipeline, store

    raw, info, settings = store.load_landmarks(results_folder(cache, posing) / name)
    analysis = pipeline.analyze_landmarks(raw, info, dataclasses.replace(settings, calibrate=False))
    factors = json.loads((cache / f"{name}.factors.json").read_text())
    factors["abs_roll_deg"] = abs(float(factors.get("roll_deg", 0.0)))
    factors["short_side_px"] = min(float(factors.get("width_px", 0)), float(factors.get("height_px", 0)))
    video = cache / f"{name}.mp4"
    refs = load_reference(video), load_reference(video, camera="square")
    return ClipData(name, *refs, analysis, factors, ungated(analysis))


def eligible(clip: ClipData, side: str) -> np.ndarray:
    """Frames where this leg is in stance and its knee is flexed >= 20 deg (truth)."""
    t = clip.truth
    return (t[f"{side}_stance"].to_numpy() == 1) & (t[f"{side}_knee_flexion_deg"].to_numpy(float) >= 20.0)


def frame_pairs(clip: ClipData, measure: str, estimate: pd.DataFrame) -> pd.DataFrame:
    """(truth, estimate, knee flexion estimate) rows for both legs at eligible frames."""
    rows = []
    estimate = clip.on_truth_frames(estimate)
    for side in ("left", "right"):
        mask = eligible(clip, side)[: len(estimate)]
        truth = clip.truth[f"{side}_{measure}"].to_numpy(float)[: len(mask)][mask]
        est = estimate[f"{side}_{measure}"].to_numpy(float)[: len(mask)][mask]
        flexion = estimate[f"{side}_knee_flexion_deg"].to_numpy(float)[: len(mask)][mask]
        rows.append(pd.DataFrame({"truth": truth, "estimate": est, "flexion": flexion}))
    return pd.concat(rows, ignore_index=True)


def event_pairs(clip: ClipData, measure: str, estimate: pd.DataFrame) -> pd.DataFrame:
    """Truth and estimate of one event measure at the true events (rep bottoms, midstance)."""
    truth = clip.ref.event_measures(clip.truth, clip.ref.series)
    est = clip.ref.event_measures(estimate, clip.analysis.landmarks.clean, clip.estimate_row_of)
    rows = [
        {"side": side, "truth": t.get(measure, np.nan), "estimate": e.get(measure, np.nan)}
        for side in ("left", "right")
        for t, e in zip(truth[side], est[side], strict=True)
    ]
    return pd.DataFrame(rows, columns=["side", "truth", "estimate"])


# ------------------------------------------------------------------------------------------------
# statistics
# ------------------------------------------------------------------------------------------------
def stats(truth: np.ndarray, estimate: np.ndarray) -> dict[str, float]:
    ok = np.isfinite(truth) & np.isfinite(estimate)
    t, e = truth[ok], estimate[ok]
    if t.size < 3:
        return {"n": int(t.size)}
    err = e - t
    spread = np.ptp(t) > 1e-6 and np.std(e) > 0
    return {
        "n": int(t.size),
        "bias": float(err.mean()),
        "mae": float(np.abs(err).mean()),
        "rmse": float(np.sqrt((err**2).mean())),
        "slope": float(np.polyfit(t, e, 1)[0]) if spread else float("nan"),
        "r": float(np.corrcoef(t, e)[0, 1]) if spread else float("nan"),
        "p95": float(np.percentile(np.abs(err), 95)),
    }


def pooled(clips: list[ClipData], measure: str, estimates: dict[str, pd.DataFrame], events: bool) -> dict:
    pick = event_pairs if events else frame_pairs
    if not clips:
        return {"n": 0}
    pairs = pd.concat([pick(c, measure, estimates[c.name]) for c in clips], ignore_index=True)
    return stats(pairs["truth"].to_numpy(float), pairs["estimate"].to_numpy(float))


def scored_clips(clips: list[ClipData], measure: str) -> list[ClipData]:
    """Knee flexion is scored in side views, the frontal measures in the others."""
    if measure == "knee_flexion_deg":
        return [c for c in clips if c.view == "side"]
    return [c for c in clips if c.view != "side"]


def factor_bin(clip: ClipData, factor: str) -> str | None:
    value = clip.factors.get(factor)
    if factor in CATEGORIES:
        return None if value is None else str(value)
    if value is None or not np.isfinite(float(value)):
        return None
    edges = BINS[factor]
    for low, high in itertools.pairwise(edges):
        if low <= float(value) < high:
            return f"{low:g}-{high:g}"
    return None


# ------------------------------------------------------------------------------------------------
# corrections held out on whole factor ranges
# ------------------------------------------------------------------------------------------------
Split = tuple[str, Callable[[ClipData], bool], Callable[[ClipData], bool]]


def _f(clip: ClipData, name: str) -> float:
    value = clip.factors.get(name)
    return float(value) if isinstance(value, (int, float)) else float("nan")


SPLITS: list[Split] = [
    ("toe-out: fit < 10 deg, test > 15", lambda c: _f(c, "toe_out_deg") < 10, lambda c: _f(c, "toe_out_deg") > 15),
    (
        "camera: fit above the knee (> 0.6 m), test near the floor (< 0.3 m)",
        lambda c: _f(c, "camera_height_m") > 0.6,
        lambda c: _f(c, "camera_height_m") < 0.3,
    ),
    (
        "yaw: fit within 15 deg of square, test 20-60",
        lambda c: _f(c, "yaw_off_square_deg") < 15,
        lambda c: _f(c, "yaw_off_square_deg") >= 20,
    ),
    ("frame rate: fit 30-60 fps, test 120-240", lambda c: _f(c, "fps") <= 60, lambda c: _f(c, "fps") >= 120),
    (
        "lens: fit field of view < 70 deg, test > 75",
        lambda c: _f(c, "horizontal_fov_deg") < 70,
        lambda c: _f(c, "horizontal_fov_deg") > 75,
    ),
    (
        "free leg: fit forward/back, test raised high or beside",
        lambda c: c.factors.get("free_leg") in ("forward", "back"),
        lambda c: c.factors.get("free_leg") in ("high", "side"),
    ),
    (
        "sex: fit on men, test on women",
        lambda c: c.factors.get("sex") == "male",
        lambda c: c.factors.get("sex") == "female",
    ),
] + [
    (f"movement: fit without {m}, test on {m}", lambda c, m=m: c.movement != m, lambda c, m=m: c.movement == m)
    for m in ("squat", "single-leg-squat", "step-down", "run")
]


def fit_correction(clips: list[ClipData], measure: str) -> LinearCorrection:
    """Least squares of the truth on the estimate, over stance frames."""
    pairs = pd.concat([frame_pairs(c, measure, c.estimate) for c in clips], ignore_index=True)
    return LinearCorrection.fit(pairs["estimate"].to_numpy(float), pairs["truth"].to_numpy(float))


def held_out(clips: list[ClipData], measure: str) -> list[dict]:
    """Per split: event and frame MAE on the test clips, raw and corrected by a fit on the train clips."""
    rows = []
    frontal = scored_clips(clips, measure)
    for label, train_if, test_if in SPLITS:
        train, test = [c for c in frontal if train_if(c)], [c for c in frontal if test_if(c)]
        if len(train) < 4 or len(test) < 2:
            rows.append({"split": label, "n_train": len(train), "n_test": len(test)})
            continue
        correction = Calibration({measure: fit_correction(train, measure)}, {})
        corrected = {c.name: correction.apply(c.estimate) for c in test}
        raw = {c.name: c.estimate for c in test}
        rows.append(
            {
                "split": label,
                "n_train": len(train),
                "n_test": len(test),
                "raw": pooled(test, measure, raw, events=True),
                "corrected": pooled(test, measure, corrected, events=True),
                "raw_frames": pooled(test, measure, raw, events=False),
                "corrected_frames": pooled(test, measure, corrected, events=False),
            }
        )
    return rows


def earns_its_place(rows: list[dict]) -> bool:
    """A correction ships only if it lowers the held-out error (events and frames) in every split."""
    scored = [r for r in rows if "raw" in r]
    return bool(scored) and all(
        r["corrected"].get("mae", np.inf) < r["raw"].get("mae", -np.inf)
        and r["corrected_frames"].get("mae", np.inf) < r["raw_frames"].get("mae", -np.inf)
        for r in scored
    )


# ------------------------------------------------------------------------------------------------
# verdicts
# ------------------------------------------------------------------------------------------------
def verdict_rows(clips: list[ClipData], square: bool = True) -> list[dict]:
    """Per working leg: gaitcheck's verdict (its own reps/steps) vs the truth's (same bands, no margin),
    the truth as a square camera sees it (or, square=False, through the clip's own camera)."""
    order = {"aligned": 0, "borderline": 1, "valgus": 2}
    rows = []
    for c in clips:
        if c.view == "side":
            continue
        t = threshold_for(c.movement, THRESHOLDS)
        key = graded_measure(c.movement)
        for side, truth in (c.square if square else c.ref).verdicts().items():
            if truth.verdict not in order:
                continue
            value = truth.measures.get(key, {}).get("mean", np.nan)
            ours = c.analysis.legs[side].verdict
            declined = ours == "insufficient-data" and _f(c, "yaw_off_square_deg") > MAX_OFF_SQUARE_DEG
            near = min(abs(value - t.borderline_from), abs(value - t.valgus_from)) <= EDGE_TOLERANCE[t.unit]
            neighbour = ours in order and abs(order[ours] - order[truth.verdict]) == 1
            rows.append(
                {
                    "clip": c.name,
                    "movement": c.movement,
                    "side": side,
                    "truth_value": value,
                    "estimate": c.analysis.legs[side].measures.get(key, {}).get("mean", np.nan),
                    "truth": truth.verdict,
                    "gaitcheck": ours,
                    "right": ours == truth.verdict or (near and neighbour),
                    "declined": declined,
                    "camera_caveat": camera_caveat(c.analysis.legs[side].confidence_reasons),
                    **{
                        f: c.factors.get(f)
                        for f in ("yaw_off_square_deg", "camera_height_m", "toe_out_deg", "free_leg")
                    },
                }
            )
    return rows


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


def raw_estimates(clips: list[ClipData]) -> dict[str, pd.DataFrame]:
    return {c.name: c.estimate for c in clips}


def movement_rows(clips: list[ClipData], measure: str) -> list[tuple[str, dict]]:
    chosen = scored_clips(clips, measure)
    raw = raw_estimates(chosen)
    rows = []
    for movement in sorted({c.movement for c in chosen}) + ["all"]:
        group = [c for c in chosen if movement in ("all", c.movement)]
        rows.append((f"{movement}, events", pooled(group, measure, raw, events=True)))
        rows.append((f"{movement}, frames", pooled(group, measure, raw, events=False)))
    return rows


def factor_section(clips: list[ClipData], measure: str) -> str:
    """Event error per factor bin: where is gaitcheck much worse than on average?"""
    chosen = scored_clips(clips, measure)
    raw = raw_estimates(chosen)
    lines = ["| factor | bin | clips | n | bias | MAE | p95 |", "|---|---|---|---|---|---|---|"]
    for factor in list(CATEGORIES[1:]) + list(BINS):
        groups: dict[str, list[ClipData]] = {}
        for c in chosen:
            label = factor_bin(c, factor)
            if label is not None:
                groups.setdefault(label, []).append(c)
        for label, group in sorted(groups.items()):
            s = pooled(group, measure, raw, events=True)
            numbers = " | ".join(fmt(s, key) for key in ("bias", "mae", "p95"))
            lines.append(f"| {factor} | {label} | {len(group)} | {s.get('n', 0)} | {numbers} |")
    return "\n".join(lines)


def held_out_section(clips: list[ClipData]) -> tuple[str, dict[str, bool]]:
    parts, decisions = [], {}
    for measure in CORRECTABLE:
        rows = held_out(clips, measure)
        decisions[measure] = earns_its_place(rows)
        lines = [
            f"### {MEASURES[measure]}: {'ships' if decisions[measure] else 'does not ship (raw values ship)'}\n",
            "| held-out split | train / test clips | raw event MAE | corrected event MAE | raw frame MAE "
            "| corrected frame MAE | corrected slope |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            if "raw" not in r:
                lines.append(f"| {r['split']} | {r['n_train']} / {r['n_test']} | too few clips | | | | |")
                continue
            maes = " | ".join(fmt(r[k], "mae") for k in ("raw", "corrected", "raw_frames", "corrected_frames"))
            clips_used = f"{r['n_train']} / {r['n_test']}"
            lines.append(f"| {r['split']} | {clips_used} | {maes} | {fmt(r['corrected'], 'slope', 2)} |")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts), decisions


def without_camera_allowance(clip: ClipData) -> ClipData:
    """The clip with its analysis graded again, its measures as the picture shows them (no camera allowance)."""
    from gaitcheck import pipeline

    settings = dataclasses.replace(clip.analysis.settings, camera_allowance=False)
    regraded = pipeline.assess(dataclasses.replace(clip.analysis, settings=settings))
    return dataclasses.replace(clip, analysis=regraded)


def verdict_section(clips: list[ClipData]) -> str:
    everything = pd.DataFrame(verdict_rows(clips))
    if everything.empty:
        return "## Verdicts\n\nNo working legs.\n"
    rows = everything[~everything["declined"]]
    picture = pd.DataFrame(verdict_rows(clips, square=False))
    picture = picture[~picture["declined"]]
    unallowed = pd.DataFrame(verdict_rows([without_camera_allowance(c) for c in clips]))
    unallowed = unallowed[~unallowed["declined"]]
    lines = [
        "## Verdicts per working leg (gaitcheck's own repetitions and steps)\n",
        "The truth's verdict is the one a square camera earns (section 'The camera's angle: against what a "
        "square camera sees'): clinical FPPA is the knee seen square on. Against the truth through each "
        f"clip's own camera, what the picture shows, gaitcheck is right for {int(picture['right'].sum())} of "
        f"{len(picture)}. Without its allowance for the camera's angle (`--no-camera-allowance`) it is right for "
        f"{int(unallowed['right'].sum())} of {len(unallowed)} against the square camera's truth.\n",
        f"Right for **{int(rows['right'].sum())} of {len(rows)}** legs ({rows['right'].mean():.0%}); a neighbouring "
        "band counts as right only where the truth is within 1 deg (0.02 shank lengths) of the band edge. "
        f"{int(everything['declined'].sum())} more legs were filmed more than {MAX_OFF_SQUARE_DEG:.0f} deg off "
        "square, where gaitcheck declines to grade (apparent varus and valgus can swap there; Englander 2019): "
        "counted apart, not as right.\n",
        "| movement | legs | right | truth valgus, gaitcheck aligned | truth aligned, gaitcheck valgus |",
        "|---|---|---|---|---|",
    ]
    for movement, group in rows.groupby("movement"):
        flips = ((group["truth"] == "valgus") & (group["gaitcheck"] == "aligned")).sum()
        false_alarm = ((group["truth"] == "aligned") & (group["gaitcheck"] == "valgus")).sum()
        lines.append(f"| {movement} | {len(group)} | {int(group['right'].sum())} | {flips} | {false_alarm} |")
    lines.append(camera_caveat_line(rows))
    misses = rows[~rows["right"]]
    if len(misses):
        lines.append("\nMisses (truth value and gaitcheck's value of the graded measure, mean over events):\n")
        for _, m in misses.iterrows():
            digits = 1 if graded_measure(m["movement"]).endswith("_deg") else 2
            lines.append(
                f"- {m['clip']} {m['movement']} {m['side']}: truth {m['truth']} ({m['truth_value']:.{digits}f}), "
                f"gaitcheck {m['gaitcheck']} ({m['estimate']:.{digits}f}); {float(m['yaw_off_square_deg']):.0f} deg "
                f"off square, camera {float(m['camera_height_m']):.2f} m high, toe-out {float(m['toe_out_deg']):.0f} "
                f"deg, free leg {m['free_leg']}"
            )
    return "\n".join(lines) + "\n"


def movement_section(clips: list[ClipData]) -> str:
    """The movement gaitcheck found (its main segment's) against the one rendered (issue 11)."""
    found = [(c, c.analysis.main.movement.value) for c in clips]
    lines = [
        "## The movement found\n",
        "The movement of each clip's main segment, detected from the landmarks, against the one rendered "
        "(gaitcheck grades each task against its own bands, so a wrong movement is a wrong answer): right for "
        f"**{sum(c.movement == m for c, m in found)} of {len(found)}** clips.\n",
        "| rendered | clips | found as such | found otherwise |",
        "|---|---|---|---|",
    ]
    for movement in sorted({c.movement for c in clips}):
        group = [m for c, m in found if c.movement == movement]
        other = ", ".join(f"{k} {n}" for k, n in sorted(Counter(m for m in group if m != movement).items()))
        lines.append(f"| {movement} | {len(group)} | {group.count(movement)} | {other or '-'} |")
    wrong = [(c, m) for c, m in found if c.movement != m]
    if wrong:
        lines.append("\nMisses:\n")
        for c, m in wrong:
            f = c.factors
            lines.append(
                f"- {c.name}: {c.movement} found as {m}; {c.analysis.main.view.value} view, "
                f"{float(f.get('yaw_off_square_deg', np.nan)):.0f} deg off square, camera "
                f"{float(f.get('camera_height_m', np.nan)):.2f} m high, free leg {f.get('free_leg', '-')}, "
                f"{float(f.get('fps', np.nan)):.0f} fps"
            )
    return "\n".join(lines) + "\n"


def camera_caveat(reasons: list[str]) -> str:
    """'yes' when gaitcheck lowered this leg's confidence for the camera's angle at its knee bend."""
    return "yes" if any("camera angle alone" in r for r in reasons) else "no"


def camera_caveat_line(rows: pd.DataFrame) -> str:
    """How often the camera-angle caveat (quality.view_angle_caveat) fired, and how right those legs were."""
    flagged = rows[rows["camera_caveat"] == "yes"]
    others = rows[rows["camera_caveat"] != "yes"]
    share = (lambda g: f"{int(g['right'].sum())} of {len(g)}") if len(rows) else (lambda g: "-")
    return (
        f"\nThe camera-angle caveat (gaitcheck lowered the leg's confidence because the camera's angle off square, at "
        f"the knee's bend, can move the graded measure by more than its margin) was given to {len(flagged)} of these "
        f"legs: right for {share(flagged)} of them, against {share(others)} of the legs without it."
    )


def camera_angle_section(clips: list[ClipData]) -> str:
    """How much of the projected FPPA the camera's angle makes: at each working leg's deepest stance
    frame, the rendered truth FPPA minus the valgus the motion program put in, against
    kinematics.view_artefact_fppa_deg at the rendered camera's angle and knee bend."""
    from gaitcheck.kinematics import view_artefact_fppa_deg

    rows = []
    for c in clips:
        spec = c.ref.meta["spec"]["movement"]
        for side in ("left", "right"):
            put_in = (spec.get(side) or {}).get("valgus_deg")
            t = c.truth
            stance = (t[f"{side}_stance"].to_numpy() == 1) & (t[f"{side}_knee_flexion_input_deg"].to_numpy(float) > 20)
            if put_in is None or c.view == "side" or not stance.any():
                continue
            bends = t[f"{side}_knee_flexion_input_deg"].to_numpy(float)
            row = np.flatnonzero(stance)[np.argmax(bends[stance])]
            apart = abs(float(t[f"{side}_fppa_deg"].iloc[row]) - float(put_in))
            predicted = view_artefact_fppa_deg(_f(c, "yaw_off_square_deg"), float(bends[row]))
            rows.append({"predicted": predicted, "apart": apart})
    if not rows:
        return ""
    table_ = pd.DataFrame(rows)
    bins = [(0, 3.5), (3.5, 5), (5, 10), (10, 20), (20, 90)]
    lines = [
        "## How much of the projected FPPA is the camera's angle\n",
        "At each working leg's deepest stance frame (frontal and oblique clips whose motion program sets the leg's "
        "valgus): |truth FPPA - the valgus put in| against `kinematics.view_artefact_fppa_deg` at the rendered "
        "camera's angle off square and the leg's knee bend. The truth here is the projection through the real "
        "camera, so a camera off square puts the difference into the 'truth' itself: on one leg toward valgus, on "
        "the other toward varus. gaitcheck allows for it in each event's FPPA (next section) and lowers the leg's "
        "confidence (`quality.view_angle_caveat`), both from its own estimates of the angle and the bend. Nothing "
        "was fitted here.\n",
        "| predicted by the formula (deg) | legs | median difference (deg) | median formula (deg) |",
        "|---|---|---|---|",
    ]
    for lo, hi in bins:
        group = table_[(table_["predicted"] >= lo) & (table_["predicted"] < hi)]
        if len(group):
            lines.append(
                f"| {lo:g}-{hi:g} | {len(group)} | {group['apart'].median():.1f} | {group['predicted'].median():.1f} |"
            )
    residual = (table_["apart"] - table_["predicted"]).abs()
    r = np.corrcoef(table_["apart"], table_["predicted"])[0, 1] if len(table_) > 2 else np.nan
    lines.append(
        f"\nOver {len(table_)} legs: r = {r:.2f}; the formula is within {residual.median():.1f} deg of the difference "
        f"(median; 90th percentile {residual.quantile(0.9):.1f}). The rest comes from the hip adduction and "
        "rotation the motion put in, and from thigh and shank not tilting half the bend each.\n"
    )
    return "\n".join(lines) + "\n"


class Allowance(NamedTuple):
    """A camera allowance tried: how it is shown, and the share of the measure it takes out."""

    label: str
    unit: str
    digits: int
    tolerance: float  # a factor bin counts as worse beyond this
    share_of: Callable[[str, float, float], float]


#: The allowances tried (assess.camera_allowances says where each ships).
ALLOWED = {
    "fppa_deg": Allowance("FPPA", "deg", 1, 0.1, turned_camera_fppa_deg),
    "knee_medial_shift": Allowance("knee shift over the ankle", "shank lengths", 3, 0.005, turned_camera_shift),
}


def allowance_rows(clips: list[ClipData]) -> pd.DataFrame:
    """Per leg and true event: the truth through the clip's camera and through a square one, and
    gaitcheck's event value as the picture gives it and with its camera allowance
    (assess.allow_for_camera, at the view gaitcheck detected); `shipped`: whether gaitcheck
    applies that allowance there (assess.camera_allowances, for the movement it detected)."""
    from gaitcheck.assess import allow_for_camera, camera_allowances

    rows = []
    for c in clips:
        if c.view == "side":
            continue
        segment = c.analysis.segments[c.analysis.primary[0]]
        view = segment.view
        shipped = camera_allowances(segment.movement.value, view)
        picture = c.ref.event_measures(c.truth, c.ref.series)
        square = c.square.event_measures(c.square.truth, c.square.series)
        est = c.ref.event_measures(c.estimate, c.analysis.landmarks.clean, c.estimate_row_of)
        bins = {f: factor_bin(c, f) for f in list(CATEGORIES[1:]) + list(BINS)}
        where = {"movement_bin": c.movement, "off_square": _f(c, "yaw_off_square_deg")}
        candidates = {measure: allowance.share_of for measure, allowance in ALLOWED.items()}
        for side in ("left", "right"):
            for p, q, e in zip(picture[side], square[side], est[side], strict=True):
                allowed = allow_for_camera(e, side, view, candidates)
                for measure in ALLOWED:
                    values = {
                        "picture_truth": p.get(measure, np.nan),
                        "square_truth": q.get(measure, np.nan),
                        "raw": e.get(measure, np.nan),
                        "allowed": allowed.get(measure, np.nan),
                    }
                    rows.append(
                        {"clip": c.name, "measure": measure, "shipped": measure in shipped, **values, **bins, **where}
                    )
    table = pd.DataFrame(rows)
    return table[np.isfinite(table[["square_truth", "raw", "allowed"]].astype(float)).all(axis=1)]


def _mae(a: pd.Series, b: pd.Series) -> float:
    return float((a.astype(float) - b.astype(float)).abs().mean())


def worse_with_allowance(rows: pd.DataFrame, tolerance: float) -> list[str]:
    """Factor bins (>= 5 events) where the allowance is further from the square camera's truth than
    the picture's value is."""
    worse = []
    for factor in list(CATEGORIES[1:]) + list(BINS) + ["movement_bin"]:
        for label, group in rows.groupby(factor):
            raw, allowed = _mae(group["raw"], group["square_truth"]), _mae(group["allowed"], group["square_truth"])
            if len(group) >= 5 and allowed > raw + tolerance:
                worse.append(f"{factor.removesuffix('_bin')} {label} ({raw:.3g} -> {allowed:.3g}, {len(group)} events)")
    return worse


def allowance_section(clips: list[ClipData]) -> str:
    """gaitcheck's camera-angle allowance scored against what a square camera sees, per off-square bin
    where gaitcheck applies it, and whether it is ever worse than the picture's own value in any
    factor bin, there and (for an allowance kept to some tasks or views) where it is not applied."""
    rows = allowance_rows(clips)
    lines = [
        "## The camera's angle: against what a square camera sees\n",
        "The truth above is the rig projected through the clip's own camera, so a camera off square is in "
        "it too. Clinical FPPA means the knee seen square on: here the same rig's 3-D joints are projected "
        "through the camera the motion's valgus was planned with (`synth.reference`, camera='square': the "
        "clip's camera moved straight in front of the person and held level, at the same height, distance, "
        "pitch and lens). Per true event, the picture's value (what MediaPipe reads) and gaitcheck's event "
        "value, which takes out the apparent valgus or varus its estimate of the camera's turn makes at the "
        "event's knee bend (`assess.allow_for_camera`; no parameter fitted: the geometry of "
        "`kinematics.turned_camera_fppa_deg` and `turned_camera_shift`, the turn taken 4 deg nearer square "
        "than estimated, that estimate's error read by hand in an earlier session on the clips of "
        "docs/accuracy.md). FPPA is allowed for in every task; the knee's shift over the ankle only in "
        "bilateral squats filmed facing the camera (`assess.camera_allowances`), the one task graded on it. "
        "MAE by the rendered camera's angle off square, over the events where gaitcheck applies the allowance:\n",
        "| measure | off square (deg) | events | picture value vs the clip camera's truth | picture value vs a "
        "square camera's truth | with the allowance vs a square camera's truth |",
        "|---|---|---|---|---|---|",
    ]
    verdicts = []
    for measure, (label, unit, digits, tolerance, _) in ALLOWED.items():
        chosen = rows[rows["measure"] == measure]
        applied, elsewhere = chosen[chosen["shipped"]], chosen[~chosen["shipped"]]
        lines += _allowance_bins(applied, label, unit, digits)
        never = "never further from it than the picture's value in any factor bin of >= 5 events"
        never += f" ({tolerance:g} {unit})"
        for where, group, shipped in (("where applied", applied, True), ("elsewhere", elsewhere, False)):
            if len(group):
                worse = worse_with_allowance(group, tolerance)
                outcome = "further from it in " + "; ".join(worse) if worse else never
                verdicts.append(
                    f"- {label}, {where} ({'ships' if shipped else 'not applied'}; {len(group)} events): "
                    f"the allowance is {outcome}"
                )
    return (
        "\n".join(lines)
        + "\n\nHeld to the rule that a correction must never make any factor bin worse:\n\n"
        + "\n".join(verdicts)
        + "\n"
    )


def _allowance_bins(rows: pd.DataFrame, label: str, unit: str, digits: int) -> list[str]:
    """The allowance section's table rows of one measure, by the rendered camera's angle off square."""
    lines = []
    for low, high in itertools.pairwise([0, 5, 10, 20, 35, 90]):
        group = rows[(rows["off_square"] >= low) & (rows["off_square"] < high)]
        if len(group):
            pairs = (("raw", "picture_truth"), ("raw", "square_truth"), ("allowed", "square_truth"))
            scores = " | ".join(f"{_mae(group[a], group[b]):.{digits}f}" for a, b in pairs)
            lines.append(f"| {label} ({unit}) | {low}-{high} | {len(group)} | {scores} |")
    return lines


def free_thigh_foreshortening(series: PoseSeries, free: str, row: int) -> float:
    """1 - the free thigh's projected length at `row` over the longest either thigh shows in the clip."""
    lengths = {s: np.linalg.norm(series.px(f"{s}_hip") - series.px(f"{s}_knee"), axis=1) for s in ("left", "right")}
    pooled = np.concatenate(list(lengths.values()))
    if not np.isfinite(pooled).any() or not np.isfinite(lengths[free][row]):
        return float("nan")
    return float(np.clip(1.0 - lengths[free][row] / np.nanpercentile(pooled, 95), 0.0, 1.0))


def drop_rows(clips: list[ClipData]) -> pd.DataFrame:
    """Single-leg repetitions: true pelvic drop, gaitcheck's, and the free thigh's foreshortening."""
    rows = []
    for c in clips:
        if c.view == "side" or c.movement not in ("single-leg-squat", "step-down"):
            continue
        truth = c.ref.event_measures(c.truth, c.ref.series)
        est = c.ref.event_measures(c.estimate, c.analysis.landmarks.clean, c.estimate_row_of)
        for rep in c.ref.reps:
            if rep.stance_leg not in ("left", "right"):
                continue
            index = [r.index for r in c.ref.reps if r.stance_leg == rep.stance_leg].index(rep.index)
            t, e = truth[rep.stance_leg][index], est[rep.stance_leg][index]
            free = "left" if rep.stance_leg == "right" else "right"
            row = c.estimate_row_of[rep.bottom_frame]
            rows.append(
                {
                    "clip": c.name,
                    "free_leg": c.factors.get("free_leg"),
                    "movement": c.movement,
                    "truth": t.get("pelvic_drop_deg", np.nan),
                    "raw": e.get("pelvic_drop_deg", np.nan),
                    "raised": free_thigh_foreshortening(c.analysis.landmarks.clean, free, row),
                }
            )
    frame = pd.DataFrame(rows, columns=["clip", "free_leg", "movement", "truth", "raw", "raised"])
    return frame[np.isfinite(frame[["truth", "raw", "raised"]].to_numpy(float)).all(axis=1)]


def fit_drop(rows: pd.DataFrame) -> tuple[float, float]:
    """(offset, per unit of free-thigh foreshortening) of the missed drop, least squares."""
    x, y = rows["raised"].to_numpy(float), (rows["truth"] - rows["raw"]).to_numpy(float)
    if x.size < 3:
        return 0.0, 0.0
    (offset, slope), *_ = np.linalg.lstsq(np.column_stack([np.ones_like(x), x]), y, rcond=None)
    return float(offset), float(slope)


def _free_leg_split(styles: tuple[str, ...]) -> tuple[Callable, Callable]:
    return (lambda r: ~r["free_leg"].isin(styles), lambda r: r["free_leg"].isin(styles))


DROP_SPLITS = {
    "free leg raised high or beside (fit on the other styles)": _free_leg_split(("high", "side")),
    "free leg forward (fit on the others)": _free_leg_split(("forward",)),
    "free leg bent back (fit on the others)": _free_leg_split(("back",)),
    "step-downs (fit on single-leg squats)": (
        lambda r: r["movement"] == "single-leg-squat",
        lambda r: r["movement"] == "step-down",
    ),
    "single-leg squats (fit on step-downs)": (
        lambda r: r["movement"] == "step-down",
        lambda r: r["movement"] == "single-leg-squat",
    ),
}


def drop_section(clips: list[ClipData]) -> tuple[str, tuple[float, float] | None]:
    """Held-out gain of the single-leg pelvic drop correction; (offset, slope) to ship, or None."""
    rows = drop_rows(clips)
    lines = [
        "| tested on | train / test reps | offset, slope (deg) | raw MAE | corrected MAE | raw bias | corrected bias |",
        "|---|---|---|---|---|---|---|",
    ]
    better = []
    for label, (train_if, test_if) in DROP_SPLITS.items():
        train, test = rows[train_if(rows)], rows[test_if(rows)]
        if len(train) < 6 or len(test) < 3:
            lines.append(f"| {label} | {len(train)} / {len(test)} | too few | | | | |")
            continue
        offset, slope = fit_drop(train)
        raw_err = test["raw"] - test["truth"]
        cor_err = test["raw"] + offset + slope * test["raised"] - test["truth"]
        better.append(bool(cor_err.abs().mean() < raw_err.abs().mean()))
        lines.append(
            f"| {label} | {len(train)} / {len(test)} | {offset:+.1f}, {slope:+.1f} | {raw_err.abs().mean():.1f} | "
            f"{cor_err.abs().mean():.1f} | {raw_err.mean():+.1f} | {cor_err.mean():+.1f} |"
        )
    fitted = fit_drop(rows)
    ships = len(better) >= 3 and all(better)
    verdict = "does not ship"
    if ships:
        verdict = f"ships: offset {fitted[0]:+.1f} deg, {fitted[1]:+.1f} deg per unit (fitted on all)"
    text = (
        "## Pelvic drop on one leg\n\n"
        "On one leg, MediaPipe's hip points under-read the drop (the free-side point rides up with the lifted "
        "thigh). The correction adds offset + slope x the free thigh's foreshortening (1 - its projected length "
        f"over the longest either thigh shows) to the drop at each single-leg repetition's bottom. It {verdict}."
        "\n\n" + "\n".join(lines) + "\n"
    )
    return text, (fitted if ships else None)


def graded_section(clips: list[ClipData]) -> str:
    """The measure each task is graded on, at the true events: its error sets the grading margin."""
    lines = [
        "| task | graded measure | legs x events | bias | MAE | median abs error | p95 | margin used |",
        "|---|---|---|---|---|---|---|---|",
    ]
    frontal = [c for c in clips if c.view != "side"]
    for movement in sorted({c.movement for c in frontal}):
        key = graded_measure(movement)
        group = [c for c in frontal if c.movement == movement]
        pairs = pd.concat([event_pairs(c, key, c.estimate) for c in group], ignore_index=True)
        err = (pairs["estimate"] - pairs["truth"]).to_numpy(float)
        err = err[np.isfinite(err)]
        if err.size == 0:
            continue
        digits = 1 if key.endswith("_deg") else 3
        margin = threshold_for(movement, THRESHOLDS).margin
        lines.append(
            f"| {movement} | {key} | {err.size} | {err.mean():.{digits}f} | {np.abs(err).mean():.{digits}f} | "
            f"{np.median(np.abs(err)):.{digits}f} | {np.percentile(np.abs(err), 95):.{digits}f} | {margin:g} |"
        )
    return "## The graded measures at the true events\n\n" + "\n".join(lines) + "\n"


def frontal_flexion_section(clips: list[ClipData]) -> str:
    """The stance knee's peak flexion at the true repetition bottoms seen from the front or back:
    MediaPipe's 3-D world landmarks alone against gaitcheck's reading (kinematics.compute_angles:
    the larger of that and the thigh's and shank's foreshortening, or the picture un-projected beyond
    35 deg off square), per task and per angle off square."""
    from gaitcheck.kinematics import FORESHORTENING_TASKS, compute_angles

    rows = []
    for c in clips:
        if c.view == "side" or c.movement not in FORESHORTENING_TASKS:
            continue
        world = compute_angles(c.analysis.landmarks.clean, c.analysis.view.value)  # no task: the 3-D estimate
        ours = event_pairs(c, "knee_flexion_peak_deg", c.estimate)
        only_3d = event_pairs(c, "knee_flexion_peak_deg", world)
        off_square = factor_bin(c, "yaw_off_square_deg")
        rows.append(ours.assign(world=only_3d["estimate"], movement=c.movement, off_square=off_square))
    if not rows:
        return ""
    pairs = pd.concat(rows, ignore_index=True).dropna(subset=["truth"])
    lines = [
        "| group | events | 3-D landmarks: bias | MAE | gaitcheck: bias | MAE |",
        "|---|---|---|---|---|---|",
    ]
    groups = [(f"task {m}", pairs[pairs.movement == m]) for m in sorted(pairs.movement.unique())]
    bins = sorted(pairs.off_square.dropna().unique(), key=lambda label: float(label.split("-")[0]))
    groups += [(f"{b} deg off square", pairs[pairs.off_square == b]) for b in bins]
    for label, g in [*groups, ("all", pairs)]:
        e_world, e_ours = g["world"] - g["truth"], g["estimate"] - g["truth"]
        lines.append(
            f"| {label} | {int(e_ours.notna().sum())} | {e_world.mean():.1f} | {e_world.abs().mean():.1f} | "
            f"{e_ours.mean():.1f} | {e_ours.abs().mean():.1f} |"
        )
    return (
        "## Knee flexion seen from the front\n\n"
        "The loaded knee's peak flexion at each true repetition bottom in squats, single-leg squats and step-downs "
        "filmed from the front or back (deg). MediaPipe's 3-D world landmarks alone against gaitcheck's reading: "
        "the larger of that and the flexion the thigh's and shank's foreshortening in the picture implies "
        "(kinematics.foreshortened_knee_flexion_deg; used within 35 deg of square), or, further off square, "
        "the picture's own angle with its horizontal stretched back by the camera's angle "
        "(kinematics.unprojected_knee_flexion_deg; since 2026-12-05, late). It sets how much the camera "
        "allowance takes out. Nothing was fitted: the geometry has no free parameter but the percentile that "
        "stands for a segment's full length.\n\n" + "\n".join(lines) + "\n"
    )


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


def summary_section(clips: list[ClipData]) -> str:
    lines = [
        "| measure | event MAE | event bias | event slope | frame MAE | target (event MAE) |",
        "|---|---|---|---|---|---|",
    ]
    for measure, label in MEASURES.items():
        rows = dict(movement_rows(clips, measure))
        ev, fr = rows.get("all, events", {}), rows.get("all, frames", {})
        target = TARGETS.get(measure)
        lines.append(
            f"| {label} | {fmt(ev, 'mae')} | {fmt(ev, 'bias')} | {fmt(ev, 'slope', 2)} | {fmt(fr, 'mae')} | "
            f"{'<= ' + str(target) if target else '-'} |"
        )
    title = "## Summary (MediaPipe's reading of the picture: raw values against the clip camera's truth)"
    return title + "\n\n" + "\n".join(lines) + "\n"


def compare_section(clips: list[ClipData], others: list[ClipData], posing: Posing) -> str:
    """The same renders posed another way (another model, or without flip averaging) and analysed
    by the same code: is it better, and where not?"""
    lines = [
        "| measure | event MAE | event bias | event slope | frame MAE |",
        "|---|---|---|---|---|",
    ]
    for measure, label in MEASURES.items():
        ours, theirs = (dict(movement_rows(group, measure)) for group in (clips, others))
        pairs = [(ours.get(f"all, {kind}", {}), theirs.get(f"all, {kind}", {})) for kind in ("events", "frames")]
        (ea, eb), (fa, fb) = pairs
        lines.append(
            f"| {label} | {fmt(ea, 'mae')} -> {fmt(eb, 'mae')} | {fmt(ea, 'bias')} -> {fmt(eb, 'bias')} "
            f"| {fmt(ea, 'slope', 2)} -> {fmt(eb, 'slope', 2)} | {fmt(fa, 'mae')} -> {fmt(fb, 'mae')} |"
        )
    verdicts = [[r for r in verdict_rows(group) if not r["declined"]] for group in (clips, others)]
    right = [f"{sum(r['right'] for r in rows)} of {len(rows)}" for rows in verdicts]
    per_task = ", ".join(
        f"{movement} {sum(r['right'] for r in verdicts[0] if r['movement'] == movement)} -> "
        f"{sum(r['right'] for r in verdicts[1] if r['movement'] == movement)}"
        for movement in sorted({r["movement"] for r in verdicts[0]})
    )
    worse, better = differing_bins(clips, others, "fppa_deg"), differing_bins(clips, others, "fppa_deg", sign=-1)
    return (
        f"## Another posing of the same renders: {posing.label}\n\n"
        "The same clips posed that way and analysed by the same code (gaitcheck's default posing -> the other; "
        "all clips, raw values). Verdicts right (legs filmed over 35 deg off square left out): "
        f"{right[0]} -> {right[1]} ({per_task}).\n\n" + "\n".join(lines) + "\n\n"
        "FPPA factor bins (at least 5 events) where the other posing's event MAE is more than 0.5 deg worse: "
        + (", ".join(worse) if worse else "none")
        + "; more than 0.5 deg better: "
        + (", ".join(better) if better else "none")
        + ".\n"
    )


def differing_bins(clips: list[ClipData], others: list[ClipData], measure: str, sign: int = 1) -> list[str]:
    """Factor bins (at least 5 events) where the other clips' event MAE exceeds ours by more than
    0.5 deg (sign -1: falls short of ours by more than that), as 'factor bin (ours -> theirs)'."""
    found = []
    for factor in list(CATEGORIES[1:]) + list(BINS):
        for label in sorted({b for c in scored_clips(clips, measure) if (b := factor_bin(c, factor)) is not None}):
            scores = []
            for group in (clips, others):
                members = [c for c in scored_clips(group, measure) if factor_bin(c, factor) == label]
                scores.append(pooled(members, measure, raw_estimates(members), events=True))
            gap = scores[1].get("mae", 0.0) - scores[0].get("mae", 0.0)
            if min(scores[0].get("n", 0), scores[1].get("n", 0)) >= 5 and sign * gap > 0.5:
                found.append(f"{factor} {label} ({fmt(scores[0], 'mae')} -> {fmt(scores[1], 'mae')})")
    return found


DECIDED_NOTE = (
    "**What these clips decided**: the grading margins are their median error at events (the table 'graded "
    "measures'); hip rotation was kept in the one task where its bias here is under 2 deg (until the held-out "
    "clips showed no relation there either); no correction was fitted (none passed the held-out rule), and the "
    "bands come from the literature. FPPA's allowance for the camera's angle has no fitted parameter, but these "
    "clips decided that it ships, and where the knee shift's ships (squats filmed facing the camera, since "
    "2026-12-06, with the held-out clips: 'The camera's angle' below), the 4 deg its estimate of the camera's "
    "turn is shrunk by was read on them (taking 2 deg instead, tried 2026-12-06, would have given 43 verdicts "
    "right here but none more on the held-out clips, so it was not changed), and so was "
    "the choice of reading frontal knee flexion from foreshortening "
    "(section 'Knee flexion seen from the front'), and so was reading the camera's turn from the shoulder line "
    "alone when the person's back is to the camera (detect.detect_view: the hip line over-read the turn from "
    "behind; checked on the bystander renders too); knee flexion beyond 35 deg off square read from the picture "
    "un-projected by the camera's angle (geometry, nothing fitted) was scored on these and the held-out clips "
    "together before it shipped. Nothing was tuned on the verdicts below."
)
HELD_OUT_NOTE = (
    "**Held out**: these clips were rendered with seeds no other figure used, after every setting, margin and "
    "allowance in gaitcheck was chosen; nothing was tuned on them. Since then they have been used seven times "
    "(2026-12-05): to check the frontal knee flexion chosen on docs/accuracy.md's clips (its limit to cameras "
    "within 35 deg of square was set after it failed on one of these clips, a step-down filmed 58 deg off square), "
    "and their hip rotation results made gaitcheck stop reporting hip rotation in bilateral squats (a removal, not "
    "a fit); to see what turning flip averaging off would cost (it stays on); and what posing squat-like tasks at "
    "15 frames a second would cost (it stays at every frame up to 60 a second): the last sections; and their "
    "camera turns were looked at, beside docs/accuracy.md's, when the turn from behind came to be read from the "
    "shoulder line alone (their 3 clips from behind agreed; no verdict here changed); and knee flexion beyond 35 "
    "deg off square, read from the picture un-projected by the camera's angle, was scored on them beside "
    "docs/accuracy.md's clips before it shipped (no verdict changed); and the knee shift's allowance in squats "
    "filmed facing the camera was scored on them beside docs/accuracy.md's clips before it shipped (nearer the "
    "square camera's truth in every factor bin on both; the same 17 verdicts right here). Read them as a "
    "check on docs/accuracy.md, with few clips per bin."
)


def report(
    clips: list[ClipData],
    command: str,
    decisions_text: str,
    drop_text: str = "",
    fresh: bool = False,
    skipped: dict[str, str] | None = None,
) -> str:
    counts = ", ".join(f"{m}: {sum(c.movement == m for c in clips)}" for m in sorted({c.movement for c in clips}))
    parts = [
        "# Accuracy on rendered humans with known joint angles\n",
        f"Made by `{command}` on {date.today()} ({machine()}). {len(clips)} clips ({counts}; "
        f"{sum(c.view == 'side' for c in clips)} side views for knee flexion), rendered by `gaitcheck.synth` with "
        "everything its generator can vary drawn at random per clip (gaitcheck.synth.variety; a contact sheet of "
        "24 frames is docs/synth-contact-sheet.jpg), each posed once by MediaPipe and analysed by the real "
        "`gaitcheck.pipeline` with no correction. " + (HELD_OUT_NOTE if fresh else DECIDED_NOTE) + "\n",
        "".join(
            f"Left out: {name}, which the generator could not plan ({why}).\n" for name, why in (skipped or {}).items()
        ),
        "Ground truth is the rig's joint centres (hip = upperleg01 head moved medially as below, knee = "
        "lowerleg01 head, ankle = foot head) projected through the same camera and measured with "
        "gaitcheck's own angle functions: the tables score MediaPipe's reading of the picture, with raw "
        "values. **The verdicts** are scored against the truth a square camera sees instead (clinical FPPA "
        "is the knee seen square on), and gaitcheck's event FPPA allows for the camera's angle (section "
        "'The camera's angle: against what a square camera sees'). Events: "
        "repetition bottoms (or the deepest frame where the thigh is still seen) and running midstance, at the "
        "true events; frames: the leg in stance with the knee flexed >= 20 deg. Bias = estimate - truth. These "
        "are renders of one body model: real video is harder; read the tables as a lower bound on error and a "
        "map of where it grows. Published FPPA norms used skin markers, so absolute FPPA and hip adduction "
        "carry 2-4 deg of definition difference besides (../shared/clinical.md, 'landmark mismatch'). "
        "**Which hip is true**: the rig's hip joints sit 0.22-0.24 m apart, wider than anatomical hip joint "
        "centres (0.17-0.20 m), so the frontal truth is measured at the rig's hips moved to 78 % of their "
        "separation (gaitcheck.synth.reference; chosen from anatomy, not from these results). Pelvic drop and "
        "trunk lean are read against the picture's vertical in the truth as in gaitcheck: a phone held off "
        "level (roll up to 8 deg here) tilts both alike, and gaitcheck does not yet correct for it.\n",
        summary_section(clips),
        verdict_section(clips),
        movement_section(clips),
        camera_angle_section(clips),
        allowance_section(clips),
        frontal_flexion_section(clips),
        graded_section(clips),
        drop_text,
        "## Corrections held out on whole factor ranges\n\n"
        "Each row fits a straight-line correction (truth on estimate, stance frames) on the clips of one range "
        "and scores it on clips of another. A correction ships only if it lowers the error in every row.\n\n"
        + decisions_text,
    ]
    for measure, label in MEASURES.items():
        parts.append(f"## {label} (`{measure}`)\n\n" + table(movement_rows(clips, measure), "movement") + "\n")
        parts.append("Error at events per factor bin:\n\n" + factor_section(clips, measure) + "\n")
    return "\n".join(parts) + "\n"


def write_calibration(clips: list[ClipData], decisions: dict[str, bool], command: str) -> None:
    """Write calibration.json with only the corrections that earned their place (maybe none)."""
    import mediapipe

    from gaitcheck.version import __version__

    shipped = [m for m, ok in decisions.items() if ok]
    corrections = {m: fit_correction(scored_clips(clips, m), m) for m in shipped}
    provenance = {
        "fitted_by": command,
        "date": str(date.today()),
        "clips": len(scored_clips(clips, "fppa_deg")),
        "gaitcheck_version": __version__,
        "mediapipe_version": mediapipe.__version__,
        "not_shipped": [m for m, ok in decisions.items() if not ok],
        "rule": "a correction ships only if it lowers the held-out error in every split of docs/accuracy.md",
    }
    Calibration(corrections, provenance).save(CALIBRATION_FILE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=80, help="varied clips (cycling through the movements)")
    parser.add_argument("--side", type=int, default=8, help="extra side-view clips (knee flexion)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "gaitcheck-accuracy")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--fit", action="store_true", help="write gaitcheck/calibration.json (corrections that ship)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "accuracy.md")
    parser.add_argument(
        "--held-out", action="store_true", help="say these clips decided nothing (fresh seeds); not with --fit"
    )
    parser.add_argument(
        "--model", type=Path, default=None, help="another pose landmarker bundle (.task); default: gaitcheck's own"
    )
    parser.add_argument(
        "--compare",
        metavar="NAME|PATH",
        action="append",
        default=[],
        help="also pose the clips another way and compare: a model (full, heavy, a .task), no-flip (flip "
        "averaging off) or pose-<N>fps (squat-like tasks posed at most N frames a second); may be repeated",
    )
    args = parser.parse_args()
    if args.held_out and args.fit:
        parser.error("--held-out clips decide nothing: leave out --fit")
    command = "python benchmarks/accuracy.py " + " ".join(sys.argv[1:])
    started = time.time()
    specs = clip_specs(args.n, args.side, args.seed)
    posing = Posing(model=args.model)
    specs, skipped = build_and_pose(specs, args.cache, args.jobs, posing)
    clips = [load_clip(name, args.cache, posing) for name, _ in specs]
    decisions_text, decisions = held_out_section(clips)
    drop_text, drop_fit = drop_section(clips)
    print(f"single-leg pelvic drop correction to ship (offset, slope): {drop_fit}")
    if args.fit:
        write_calibration(clips, decisions, command)
    text = report(clips, command.strip(), decisions_text, drop_text, fresh=args.held_out, skipped=skipped)
    for name in args.compare:
        other = Posing.named(name)
        build_and_pose(specs, args.cache, args.jobs, other)
        text += "\n" + compare_section(clips, [load_clip(name, args.cache, other) for name, _ in specs], other)
    args.out.write_text(text)
    print(f"wrote {args.out} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
