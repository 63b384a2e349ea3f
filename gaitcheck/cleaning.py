"""Cleaning landmark series, in this order (each a pure function over a PoseSeries):

1. left/right swap repair   a swapped frame flips the sign of knee valgus, so it goes first
2. visibility gating        landmarks the model itself doubts, or placed off the picture, become NaN
3. short-gap interpolation  only gaps up to `max_gap_s`; longer ones stay NaN and are counted
4. outlier rejection        Hampel filter (running median +- n robust SDs)
5. zero-lag low-pass        Butterworth, forwards and backwards, cut-off valid at any frame rate

Each step records what it did in `PoseSeries.notes`, which ends up in summary.json.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np

from gaitcheck.landmarks import INDEX, LANDMARK_NAMES, LEG_PAIRS, PAIRS, UPPER_PAIRS, PoseSeries, swap_labels
from gaitcheck.signals import butter_lowpass, filtfilt

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------------
# 1. swap repair
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SwapModel:
    """Weights of the swap-repair cost, in units of body scale (hip-to-shoulder length).

    `relabel_cost` is charged for every frame whose labels we change: it makes the repair
    prefer the model's own labels when continuity cannot tell. `order_weight` scales the cost
    of a front/back-view frame where the legs sit on the wrong side of the pelvis. `depth_weight`
    is charged per leg landmark that, in a frame, lies on the other side in depth than in most of
    the clip (side-on the near leg stays near: on rendered side-view runners MediaPipe's own labels
    kept that order in 98-100% of frames, and a repair without this cue swapped 0.6 s of correct
    labels after one glitch).
    `max_gap_s` bounds how far apart two frames may be and still be compared for continuity.
    """

    relabel_cost: float = 0.02
    order_weight: float = 1.0
    depth_weight: float = 0.1  # per leg landmark whose depth order disagrees with the clip's own
    order_margin: float = 0.15  # fraction of pelvis width a leg may cross the midline
    max_gap_s: float = 0.25


#: A leg landmark pair is in a stable depth order (a side view) when one of the two is nearer the camera
#: in at least this share of the frames where both are seen.
DEPTH_ORDER_SHARE = 0.8


#: Frames whose acceleration costs are held at once: the costs take up to 9 kB a frame, so
#: computing them a block at a time keeps the swap repair's memory the same for any clip length.
SWAP_BLOCK_FRAMES = 512


def _viterbi_swaps(candidates: np.ndarray, unary: np.ndarray, times: np.ndarray, model: SwapModel) -> np.ndarray:
    """Choose per frame whether to swap, minimising acceleration plus unary costs.

    candidates: (T, 2, P, 2) positions of the group's landmarks with labels kept (0) or
    swapped (1). The pairwise cost is each landmark's distance from its constant-velocity
    prediction, so legs that genuinely cross (side-view running) keep their labels while a
    one-frame label jump costs about twice the jump. Solved exactly by dynamic programming
    over (previous state, state) pairs.
    """
    n = len(candidates)
    if n < 2:
        return unary[:, 1] < unary[:, 0]
    dt = np.diff(times)
    cost = unary[0][:, None] + unary[1][None, :] + _step_costs(candidates, dt, 1, 2, model)[0]  # frames 0, 1
    back = np.zeros((n, 2, 2), dtype=int)
    for lo in range(2, n, SWAP_BLOCK_FRAMES):
        hi = min(n, lo + SWAP_BLOCK_FRAMES)
        accel = _accel_costs(candidates, dt, lo, hi, model)
        for t in range(lo, hi):
            total = cost[:, :, None] + accel[t - lo] + unary[t][None, None, :]  # (a, b, c)
            back[t] = np.argmin(total, axis=0)  # best a for each (b, c)
            cost = np.min(total, axis=0)
    b, c = np.unravel_index(np.argmin(cost), cost.shape)
    states = np.zeros(n, dtype=bool)
    states[n - 1], states[n - 2] = c, b
    for t in range(n - 1, 1, -1):
        a = back[t, b, c]
        states[t - 2] = a
        b, c = a, b
    return states


def _step_costs(candidates: np.ndarray, dt: np.ndarray, lo: int, hi: int, model: SwapModel) -> np.ndarray:
    """(hi - lo, 2, 2) first-order costs [a, b] between frame t - 1 in state a and frame t in state b,
    for t in [lo, hi) (lo >= 1); used where the frame before t - 1 is too far away for a velocity."""
    step = 0.5 * _nan_norm(candidates[lo:hi, None, :] - candidates[lo - 1 : hi - 1, :, None])
    step[dt[lo - 1 : hi - 1] > model.max_gap_s] = 0.0
    return step


def _accel_costs(candidates: np.ndarray, dt: np.ndarray, lo: int, hi: int, model: SwapModel) -> np.ndarray:
    """(hi - lo, 2, 2, 2) costs [a, b, c] of states a, b, c at frames t - 2, t - 1, t, for t in
    [lo, hi) (lo >= 2): each landmark's distance from its constant-velocity prediction."""
    before, last = dt[lo - 2 : hi - 2], dt[lo - 1 : hi - 1]  # t-2 -> t-1, t-1 -> t
    ratio = (last / before).reshape(-1, 1, 1, 1, 1, 1)
    prev2 = candidates[lo - 2 : hi - 2][:, :, None, None]  # a
    prev1 = candidates[lo - 1 : hi - 1][:, None, :, None]  # b
    now = candidates[lo:hi][:, None, None, :]  # c
    accel = _nan_norm(now - (prev1 + (prev1 - prev2) * ratio))
    accel = np.where(
        (before > model.max_gap_s)[:, None, None, None], _step_costs(candidates, dt, lo, hi, model)[:, None], accel
    )
    accel[last > model.max_gap_s] = 0.0
    return accel


def _nan_norm(diff: np.ndarray) -> np.ndarray:
    """Sum over landmarks of Euclidean distances, ignoring missing landmarks."""
    return np.nansum(np.linalg.norm(diff, axis=-1), axis=-1)


def _order_violation(image: np.ndarray, pairs: tuple[tuple[int, int], ...], facing: float, margin: float) -> np.ndarray:
    """Per frame, how far (in pelvis widths) labelled-left landmarks sit on the body's right side.

    `facing` is +1 when the subject's left should appear at larger image x than the right
    (camera in front), -1 behind; 0 means take the pelvis's own left/right order.
    """
    lh, rh = image[:, INDEX["left_hip"]], image[:, INDEX["right_hip"]]
    pelvis_dx = lh[:, 0] - rh[:, 0]
    width = np.abs(pelvis_dx)
    width = np.where(width > 1e-6, width, np.nan)
    orient = np.sign(pelvis_dx) if facing == 0 else np.full(len(image), facing)
    total = np.zeros(len(image))
    for left, right in pairs:
        dx = (image[:, left, 0] - image[:, right, 0]) * orient / width
        total += np.nan_to_num(np.clip(-dx - margin, 0, None))
    return total


def _depth_disagreement(world: np.ndarray, pairs: tuple[tuple[int, int], ...]) -> np.ndarray:
    """(T, 2): per frame, how many left/right pairs lie in the other depth order than in most of
    the clip, with the labels kept (column 0) or swapped (column 1). Pairs whose depth order is not
    consistent over the clip (a front view: the legs' depths cross) count for nothing."""
    out = np.zeros((len(world), 2))
    for left, right in pairs:
        ahead = world[:, left, 2] - world[:, right, 2]
        seen = np.isfinite(ahead) & (ahead != 0)
        if seen.sum() < 3:
            continue
        usual = np.sign(np.median(ahead[seen]))
        if np.mean(np.sign(ahead[seen]) == usual) < DEPTH_ORDER_SHARE:
            continue
        against = seen & (np.sign(ahead) != usual)
        out[:, 0] += against
        out[:, 1] += seen & ~against
    return out


def repair_swaps(series: PoseSeries, view: str = "auto", model: SwapModel = SwapModel()) -> PoseSeries:
    """Find frames whose left/right labels are exchanged and exchange them back.

    Two passes: the whole body, judged on head, arms and hips (MediaPipe sometimes flips its
    idea of which way the person faces), then the legs below the hips (it confuses near and far
    leg). Continuity decides first; in front or back views the left leg must also sit on the
    left of the pelvis, and a view the user gave fixes which side each hip belongs on.
    """
    scale = series.body_scale_px()
    if not np.isfinite(scale) or scale <= 0 or series.detected.sum() < 3:
        return series.replace(notes={**series.notes, "swaps": {"body_frames": 0, "leg_frames": 0}})
    rows = np.flatnonzero(series.detected)
    times = series.time_s[rows]
    image = series.image_px.copy()
    world = series.world_m.copy()
    vis = series.visibility.copy()
    pres = series.presence.copy()
    frontal = view in ("front", "back")
    facing = {"front": 1.0, "back": -1.0}.get(view, 0.0)
    counts = {}
    for group, pairs, judged_by in (("body", PAIRS, UPPER_PAIRS), ("leg", LEG_PAIRS, LEG_PAIRS)):
        idx = np.array([i for p in judged_by for i in p])
        kept = image[rows][:, idx] / scale
        swapped = swap_labels(image[rows], pairs)[:, idx] / scale
        candidates = np.stack([kept, swapped], axis=1)  # (T, 2, P, 2)
        unary = np.zeros((len(rows), 2))
        unary[:, 1] = model.relabel_cost
        if group == "body" and facing != 0:
            hips = (
                (INDEX["left_hip"], INDEX["right_hip"]),
                (INDEX["left_shoulder"], INDEX["right_shoulder"]),
            )
            for state, img in ((0, image[rows]), (1, swap_labels(image[rows], pairs))):
                unary[:, state] += model.order_weight * 4 * _order_violation(img, hips, facing, 0.0)
        if group == "leg" and frontal:
            for state, img in ((0, image[rows]), (1, swap_labels(image[rows], pairs))):
                unary[:, state] += model.order_weight * _order_violation(img, pairs, 0.0, model.order_margin)
        if group == "leg":
            unary += model.depth_weight * _depth_disagreement(world[rows], pairs)
        states = _viterbi_swaps(candidates, unary, times, model)
        flip = rows[states]
        if flip.size:
            image[flip] = swap_labels(image[flip], pairs)
            world[flip] = swap_labels(world[flip], pairs)
            vis[flip] = swap_labels(vis[flip], pairs, axis=-1)
            pres[flip] = swap_labels(pres[flip], pairs, axis=-1)
        counts[f"{group}_frames"] = int(flip.size)
    if counts["body_frames"] or counts["leg_frames"]:
        log.info("swap repair: %(body_frames)d whole-body and %(leg_frames)d leg label swaps undone", counts)
    return series.replace(
        image_px=image,
        world_m=world,
        visibility=vis,
        presence=pres,
        notes={**series.notes, "swaps": counts},
    )


# ------------------------------------------------------------------------------------------------
# 2. visibility gating
# ------------------------------------------------------------------------------------------------
def gate_visibility(series: PoseSeries, min_visibility: float, edge_margin: float = 0.02) -> PoseSeries:
    """NaN-out landmarks the model scores as hidden or places off the picture."""
    image = series.image_px.copy()
    world = series.world_m.copy()
    low = (series.visibility < min_visibility) | (series.presence < min_visibility)
    mx, my = edge_margin * series.width_px, edge_margin * series.height_px
    x, y = image[..., 0], image[..., 1]
    off = (x < -mx) | (x > series.width_px + mx) | (y < -my) | (y > series.height_px + my)
    bad = (low | off) & series.detected[:, None]
    image[bad] = np.nan
    world[bad] = np.nan
    z = series.image_z_px.copy()
    z[bad] = np.nan
    gated = {name: int(bad[:, INDEX[name]].sum()) for name in _KEY_LANDMARKS}
    return series.replace(image_px=image, world_m=world, image_z_px=z, notes={**series.notes, "gated_frames": gated})


_KEY_LANDMARKS = tuple(f"{s}_{j}" for j in ("hip", "knee", "ankle") for s in ("left", "right"))


# ------------------------------------------------------------------------------------------------
# 3. short gaps
# ------------------------------------------------------------------------------------------------
def _nan_runs(missing: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) index ranges of consecutive True values."""
    padded = np.concatenate([[False], missing, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(int)))
    return list(zip(edges[::2], edges[1::2], strict=True))


def _fill_1d(values: np.ndarray, time_s: np.ndarray, max_gap_s: float) -> tuple[np.ndarray, int]:
    """Linear interpolation in time across interior NaN runs no longer than max_gap_s."""
    out = values.copy()
    long_gaps = 0
    for start, stop in _nan_runs(np.isnan(values)):
        if start == 0 or stop == len(values):
            continue  # no extrapolation at the ends
        t0, t1 = time_s[start - 1], time_s[stop]
        step = (t1 - t0) / (stop - start + 1)
        if (stop - start) * step > max_gap_s + 1e-9:
            long_gaps += 1
            continue
        w = (time_s[start:stop] - t0) / (t1 - t0)
        out[start:stop] = values[start - 1] * (1 - w) + values[stop] * w
    return out, long_gaps


def fill_short_gaps(series: PoseSeries, max_gap_s: float) -> PoseSeries:
    """Interpolate gaps up to max_gap_s; count the longer ones, which stay NaN."""
    image = series.image_px.copy()
    world = series.world_m.copy()
    long_gaps: dict[str, int] = {}
    filled = 0
    for i in range(image.shape[1]):
        before = np.isnan(image[:, i, 0]).sum()
        gaps = 0
        for k in range(2):
            image[:, i, k], n_long = _fill_1d(image[:, i, k], series.time_s, max_gap_s)
            gaps = max(gaps, n_long)
        for k in range(3):
            world[:, i, k], _ = _fill_1d(world[:, i, k], series.time_s, max_gap_s)
        filled += int(before - np.isnan(image[:, i, 0]).sum())
        long_gaps[LANDMARK_NAMES[i]] = gaps
    missing = {name: int(np.isnan(image[:, INDEX[name], 0]).sum()) for name in _KEY_LANDMARKS}
    notes = {
        **series.notes,
        "interpolated_values": filled,
        "long_gaps": {k: v for k, v in long_gaps.items() if k in _KEY_LANDMARKS},
        "missing_frames": missing,
    }
    return series.replace(image_px=image, world_m=world, notes=notes)


# ------------------------------------------------------------------------------------------------
# 4. outliers
# ------------------------------------------------------------------------------------------------
def hampel(values: np.ndarray, half_window: int, n_sigma: float, floor: float) -> tuple[np.ndarray, int]:
    """Replace points further than n_sigma robust SDs from the running median by that median.

    values: (T, k). `floor` is the smallest deviation ever called an outlier (avoids flagging
    sub-pixel noise when the MAD of a still segment is ~0). The first and last half-window are
    left alone, as in the usual formulation.
    """
    if half_window < 1 or len(values) < 3:
        return values, 0
    median, mad = _running_median_and_mad(values, half_window)
    limit = np.maximum(n_sigma * 1.4826 * mad, floor)
    outlier = np.abs(values - median) > limit
    outlier &= np.isfinite(values)
    outlier[:half_window] = outlier[-half_window:] = False  # no verdicts from half a window
    out = np.where(outlier, median, values)
    return out, int(outlier.any(axis=1).sum())


#: Frames whose running windows are held at once (a window copy per frame is k x (2 x half_window + 1)
#: values): computing the medians a block at a time keeps memory the same for any clip length.
HAMPEL_BLOCK_FRAMES = 2048


def _running_median_and_mad(values: np.ndarray, half_window: int) -> tuple[np.ndarray, np.ndarray]:
    """(T, k) running median and median absolute deviation over centred windows of
    2 x half_window + 1 frames, ignoring NaN (NaN where a window has no value)."""
    padded = np.pad(values, ((half_window, half_window), (0, 0)), constant_values=np.nan)
    median = np.empty(values.shape)
    mad = np.empty(values.shape)
    for lo in range(0, len(values), HAMPEL_BLOCK_FRAMES):
        hi = min(len(values), lo + HAMPEL_BLOCK_FRAMES)
        windows = np.lib.stride_tricks.sliding_window_view(
            padded[lo : hi + 2 * half_window], 2 * half_window + 1, axis=0
        )
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows give NaN, as wanted
            median[lo:hi] = np.nanmedian(windows, axis=-1)
            mad[lo:hi] = np.nanmedian(np.abs(windows - median[lo:hi, :, None]), axis=-1)
    return median, mad


def reject_outliers(series: PoseSeries, window_s: float, n_sigma: float) -> PoseSeries:
    """Hampel filter on every landmark's image and world coordinates."""
    dt = _median_step(series.time_s)
    half = max(1, int(round(window_s / dt))) if dt > 0 else 1
    scale = series.body_scale_px()
    px_floor = 0.02 * scale if np.isfinite(scale) else 1.0
    image = series.image_px.copy()
    world = series.world_m.copy()
    replaced = 0
    for i in range(image.shape[1]):
        image[:, i], n = hampel(image[:, i], half, n_sigma, px_floor)
        world[:, i], _ = hampel(world[:, i], half, n_sigma, 0.01)
        replaced += n
    return series.replace(image_px=image, world_m=world, notes={**series.notes, "outliers_replaced": replaced})


# ------------------------------------------------------------------------------------------------
# 5. zero-lag low-pass
# ------------------------------------------------------------------------------------------------
def _median_step(time_s: np.ndarray) -> float:
    return float(np.median(np.diff(time_s))) if len(time_s) > 1 else 0.0


def butterworth_design(cutoff_hz: float, fs_hz: float, order: int) -> tuple[np.ndarray, np.ndarray, float]:
    """A Butterworth low-pass which, applied forwards and backwards, has total order `order` and
    its -3 dB point exactly at `cutoff_hz`, at any sampling rate.

    Two passes square the response, so each pass is designed wider (Winter, Biomechanics and
    Motor Control of Human Movement, 4th ed., section 3.4.4.3); the correction is applied to the
    pre-warped frequency so it also holds near Nyquist. Returns (b, a, cut-off actually used),
    the cut-off lowered when the frame rate cannot support it.
    """
    per_pass = max(1, order // 2)
    correction = (2**0.5 - 1) ** (1 / (2 * per_pass))
    nyquist = fs_hz / 2
    used_hz = min(cutoff_hz, 0.8 * nyquist)
    warped = np.tan(np.pi * used_hz / fs_hz) / correction
    design_hz = np.arctan(warped) * fs_hz / np.pi
    b, a = butter_lowpass(per_pass, min(design_hz / nyquist, 0.99))
    return b, a, float(used_hz)


def lowpass(series: PoseSeries, cutoff_hz: float, order: int = 4) -> PoseSeries:
    """Zero-lag Butterworth on every finite run of each coordinate.

    Runs are filtered on their own time grid: uniform clips directly, variable-frame-rate clips
    on a uniform grid at the median step and sampled back at the original timestamps.
    """
    dt = _median_step(series.time_s)
    if dt <= 0:
        return series
    b, a, used_hz = butterworth_design(cutoff_hz, 1.0 / dt, order)
    if used_hz < cutoff_hz - 1e-9:
        log.info("cut-off lowered from %.1f to %.1f Hz: the clip's frame rate is too low", cutoff_hz, used_hz)
    image = _filter_array(series.image_px, series.time_s, b, a, dt)
    world = _filter_array(series.world_m, series.time_s, b, a, dt)
    z = _filter_array(series.image_z_px[..., None], series.time_s, b, a, dt)[..., 0]
    notes = {**series.notes, "lowpass_hz": round(used_hz, 3), "lowpass_order": order}
    return series.replace(image_px=image, world_m=world, image_z_px=z, notes=notes)


def _filter_array(values: np.ndarray, time_s: np.ndarray, b: np.ndarray, a: np.ndarray, dt: float) -> np.ndarray:
    out = values.copy()
    flat = out.reshape(len(time_s), -1)
    uniform = np.all(np.abs(np.diff(time_s) - dt) <= 0.05 * dt)
    padlen = 3 * max(len(a), len(b))
    for col in range(flat.shape[1]):
        column = flat[:, col]
        for start, stop in _nan_runs(np.isfinite(column)):
            if stop - start <= padlen:
                continue  # too short to filter without edge artefacts; left as is
            t = time_s[start:stop]
            x = column[start:stop]
            if uniform:
                column[start:stop] = filtfilt(b, a, x)
            else:
                grid = np.arange(t[0], t[-1] + dt / 2, dt)
                smooth = filtfilt(b, a, np.interp(grid, t, x)) if len(grid) > padlen else np.interp(grid, t, x)
                column[start:stop] = np.interp(t, grid, smooth)
    return flat.reshape(values.shape)


# ------------------------------------------------------------------------------------------------
def clean_before_filter(series: PoseSeries, settings, view: str) -> PoseSeries:
    """Steps 1-4; the low-pass needs the movement, which is detected on this output."""
    if settings.repair_swaps:
        series = repair_swaps(series, view)
    series = gate_visibility(series, settings.min_visibility)
    series = fill_short_gaps(series, settings.max_gap_s)
    return reject_outliers(series, settings.hampel_window_s, settings.hampel_n_sigma)


def cutoff_for(movement: str, settings) -> float:
    if settings.cutoff_hz is not None:
        return settings.cutoff_hz
    return settings.cutoff_run_hz if movement == "run" else settings.cutoff_squat_hz
