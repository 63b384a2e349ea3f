"""Plausibility gates: what no person can do is dropped and counted, never shown as data.

A pose model that swaps the near and far leg as they cross, loses a hidden leg, or follows a
shadow gives values that look like measurements. Before anything is plotted or graded:

* knee flexion must lie in the knee's range of motion and change no faster than a knee can;
* in a side view of a bilateral squat both knees bend alike, so a far knee that is mostly hidden
  or disagrees grossly with the near one is not measured;
* a running step must last as long as a stance can, and the legs must alternate;
* where another person covers most of the subject, no angle is read, nor beside a moment the
  subject was not found at all (someone passing in front covers them gradually);
* seen from the front or behind, angles drawn along the thigh are not read where it points at the
  camera (its direction in the picture is then mostly noise: FPPA swung by 100 deg and more at
  every pistol squat's bottom on a shared real clip).

Each gate returns what it kept and a count of what it dropped, with the reason; the pipeline
records the counts (summary.json `cleaning.plausibility`) and warns.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from gaitcheck.kinematics import (
    THIGH_VISIBLE_SHARE,
    measure_columns,
    thigh_visible_share,
    thigh_visible_share_nearby,
)
from gaitcheck.landmarks import PoseSeries
from gaitcheck.model import Step
from gaitcheck.vocabulary import SIDES, other_side

#: Knee flexion a knee can show: slight hyperextension (about -10 deg) to full flexion (about 155-160
#: deg; AAOS normal range 0-135 active, more with the body's weight in a deep squat).
KNEE_FLEXION_RANGE_DEG = (-15.0, 165.0)
#: Fastest knee flexion change kept: 1200 deg/s, 40 deg between frames at 30 fps (issue 11's bound).
#: Swing-phase knee speeds in distance running peak near 800-1000 deg/s (Novacheck 1998, Gait
#: Posture 7:77); a jump beyond this is a label swap or a lost leg, not a knee.
MAX_KNEE_SPEED_DEG_S = 1200.0
#: A jump that comes back within this long marks the frames between as a glitch (e.g. a swap).
MAX_GLITCH_S = 0.3
#: Side-view bilateral squat: the far knee is not measured when hidden in more than this share of the
#: frames where the near one is seen, or when the two differ by more than FAR_KNEE_GAP_DEG in more
#: than FAR_KNEE_GAP_SHARE of the frames where both are seen (both knees bend alike in a squat).
FAR_KNEE_HIDDEN_SHARE = 0.5
FAR_KNEE_GAP_DEG = 30.0
FAR_KNEE_GAP_SHARE = 0.3
#: Running stance lasts about 0.15-0.35 s (faster to slower running; Cavanagh & Kram 1989); outside
#: 0.1-0.6 s of real time it is not a stance (issue 11's bounds).
STANCE_RANGE_S = (0.1, 0.6)
#: Two contacts of the same foot closer than this share of that foot's usual stride are one too many
#: (the legs alternate; a near/far swap makes one foot land twice).
MIN_STRIDE_SHARE = 0.7


def gate_knee_flexion(table: pd.DataFrame, time_s: np.ndarray) -> tuple[pd.DataFrame, dict[str, int]]:
    """Knee flexion outside the knee's range, or jumping faster than a knee moves, set missing; in
    the frames of a jump, every measure of that leg (which leg it was is not known there)."""
    out = table.copy()
    dropped: dict[str, int] = {}
    for side in SIDES:
        column = f"{side}_knee_flexion_deg"
        if column not in out:
            continue
        values = out[column].to_numpy(dtype=float).copy()
        glitches = _jump_glitches(values, time_s)  # first: a glitch may run partly out of range
        values[glitches] = np.nan
        for leg_column in (c for c in out.columns if c.startswith(f"{side}_")):  # the leg is not known there
            out.loc[glitches, leg_column] = np.nan
        low, high = KNEE_FLEXION_RANGE_DEG
        outside = np.isfinite(values) & ((values < low) | (values > high))
        values[outside] = np.nan
        out[column] = values
        dropped[f"{side}_knee_out_of_range"] = int(outside.sum())
        dropped[f"{side}_knee_jumps"] = int(glitches.sum())
    return out, dropped


def _jump_glitches(values: np.ndarray, time_s: np.ndarray) -> np.ndarray:
    """Frames to drop: those after a jump faster than a knee moves, up to the jump back (within
    MAX_GLITCH_S); a jump with no return drops the frame it lands on."""
    bad = np.zeros(len(values), dtype=bool)
    seen = np.flatnonzero(np.isfinite(values))
    if seen.size < 2:
        return bad
    change = np.diff(values[seen])
    dt = np.diff(time_s[seen])
    jumps = np.flatnonzero((dt > 0) & (np.abs(change) > MAX_KNEE_SPEED_DEG_S * np.maximum(dt, 1e-6)))
    k = 0
    while k < len(jumps):
        start = jumps[k]
        back = next(
            (j for j in jumps[k + 1 :] if np.sign(change[j]) != np.sign(change[start])
             and time_s[seen[j + 1]] - time_s[seen[start + 1]] <= MAX_GLITCH_S),
            None,
        )  # fmt: skip
        stop = back if back is not None else start  # the glitch: frames after the jump up to the jump back
        bad[seen[start + 1 : stop + 1] if back is not None else seen[start + 1]] = True
        k = int(np.searchsorted(jumps, stop, side="right"))
    return bad


#: The angles drawn along the thigh in the picture (kinematics.compute_angles).
ALONG_THE_THIGH = ("fppa_deg", "hip_adduction_deg", "femoral_adduction_deg")


def gate_foreshortened_thigh(
    table: pd.DataFrame, series: PoseSeries, view: str, repetitions: Iterable[tuple[int, int, Iterable[str]]] = ()
) -> tuple[pd.DataFrame, int]:
    """In a frontal or oblique view, the angles drawn along a thigh set missing where it is seen at
    less than THIGH_VISIBLE_SHARE of its standing length: it points at the camera there. For a
    stance leg within a repetition ((first row, last row, stance legs)), the standing length is the
    repetition's own, as where its events are read (assess.frontal_event_row); else the one
    nearby. Returns the table and how many leg-frames were blanked (by design, not a fault of the
    recording)."""
    if view == "side":
        return table, 0
    out, blanked = table, 0
    for side in SIDES:
        share = thigh_visible_share_nearby(series, side)
        for first, last, legs in repetitions:
            if side in legs:
                share[first : last + 1] = thigh_visible_share(series, side, slice(first, last + 1))
        hidden = np.isfinite(share) & (share < THIGH_VISIBLE_SHARE)
        columns = [f"{side}_{m}" for m in ALONG_THE_THIGH if f"{side}_{m}" in table]
        if hidden.any() and columns:
            out = out.copy() if out is table else out
            out.loc[hidden, columns] = np.nan
            blanked += int(hidden.sum())
    return out, blanked


def _blank_rows(table: pd.DataFrame, blank: np.ndarray) -> tuple[pd.DataFrame, int]:
    """Every angle of the rows marked set missing; the table (a copy when any) and how many."""
    if not blank.any():
        return table, 0
    out = table.copy()
    out.loc[blank, measure_columns(out.columns)] = np.nan
    return out, int(blank.sum())


def gate_covered(table: pd.DataFrame, frames: np.ndarray, covered_frames: Iterable[int]) -> tuple[pd.DataFrame, int]:
    """Every angle set missing in the frames where another person covered most of the subject
    (pose.follow_subject: the model mixes the two bodies there; benchmarks/cover.py). Returns the
    table and how many of its frames were blanked."""
    return _blank_rows(table, np.isin(np.asarray(frames, dtype=int), np.fromiter(covered_frames, dtype=int)))


def gate_unclear(table: pd.DataFrame, seen_clearly: np.ndarray) -> tuple[pd.DataFrame, int]:
    """Every angle set missing in the frames where the person was found but not seen clearly: beside
    a moment they were not found at all (detect.seen_clearly), where someone passing in front covers
    part of them and the model fits what it sees of a body. Returns the table and how many of its
    frames were blanked."""
    found = table[measure_columns(table.columns)].notna().any(axis=1).to_numpy()
    return _blank_rows(table, found & ~np.asarray(seen_clearly, dtype=bool))


def gate_far_knee(table: pd.DataFrame, view: str, movement: str) -> tuple[pd.DataFrame, str | None]:
    """Side view of a bilateral squat: blank the far knee's flexion when it is mostly hidden or
    disagrees grossly with the near knee. Returns the table and the side blanked (or None)."""
    if view != "side" or movement != "squat":
        return table, None
    knees = {side: table[f"{side}_knee_flexion_deg"].to_numpy(dtype=float) for side in SIDES}
    seen = {side: np.isfinite(values) for side, values in knees.items()}
    near = max(SIDES, key=lambda side: seen[side].sum())
    far = other_side(near)
    if not seen[near].any():
        return table, None
    both = seen[far] & seen[near]
    hidden = 1.0 - both.sum() / seen[near].sum()
    apart = float(np.mean(np.abs(knees[far][both] - knees[near][both]) > FAR_KNEE_GAP_DEG)) if both.any() else 1.0
    if hidden <= FAR_KNEE_HIDDEN_SHARE and apart <= FAR_KNEE_GAP_SHARE:
        return table, None
    out = table.copy()
    out[f"{far}_knee_flexion_deg"] = np.nan
    return out, far


def plausible_steps(steps: list[Step], slow_motion_factor: float = 1.0) -> tuple[list[Step], dict[str, int]]:
    """Steps a runner can take: stance within STANCE_RANGE_S of real time, and no foot landing
    twice within most of its own stride. In a clip that looks slowed down by about
    `slow_motion_factor` (an estimate, often from a stride or two), a stance may last that many
    times longer in the file's time; it is never shorter than a real one."""
    low, high = STANCE_RANGE_S
    high *= slow_motion_factor  # the factor is an estimate: only the upper bound is stretched by it
    kept = [s for s in steps if low <= s.stance_s <= high]
    alternating = _alternating(kept)
    return alternating, {"stance_out_of_range": len(steps) - len(kept), "same_foot_twice": len(kept) - len(alternating)}


def _alternating(steps: list[Step]) -> list[Step]:
    """Drop a contact that follows the same foot's previous contact by much less than its stride."""
    kept: list[Step] = []
    for leg in SIDES:
        own = sorted((s for s in steps if s.leg == leg), key=lambda s: s.contact_s)
        strides = np.diff([s.contact_s for s in own])
        if strides.size < 2:
            kept.extend(own)
            continue
        typical = float(np.median(strides))
        last = None
        for step in own:
            if last is not None and step.contact_s - last.contact_s < MIN_STRIDE_SHARE * typical:
                continue
            kept.append(step)
            last = step
    return sorted(kept, key=lambda s: s.contact_s)
