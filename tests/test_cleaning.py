"""Swap repair on series with injected swaps; gating, gaps, outliers and the zero-lag filter."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gaitcheck import cleaning as c
from gaitcheck.kinematics import compute_angles
from gaitcheck.landmarks import INDEX, LEG_PAIRS, PAIRS, PoseSeries, swap_labels
from tests.helpers import running_side_series, squatting_series


def inject(series: PoseSeries, frames: np.ndarray, pairs) -> PoseSeries:
    image = series.image_px.copy()
    world = series.world_m.copy()
    image[frames] = swap_labels(image[frames], pairs)
    world[frames] = swap_labels(world[frames], pairs)
    return series.replace(image_px=image, world_m=world)


@pytest.mark.parametrize("view", ("front", "auto"))
def test_leg_swaps_are_repaired(view):
    truth = squatting_series(150)
    swapped = np.zeros(150, dtype=bool)
    swapped[[10, 11, 40, 90, 91, 92, 93, 120]] = True
    noisy = inject(truth, swapped, LEG_PAIRS)
    repaired = c.repair_swaps(noisy, view)
    np.testing.assert_allclose(repaired.image_px, truth.image_px)
    assert repaired.notes["swaps"]["leg_frames"] == swapped.sum()


def test_whole_body_swaps_are_repaired():
    truth = squatting_series(150)
    swapped = np.zeros(150, dtype=bool)
    swapped[60:75] = True
    repaired = c.repair_swaps(inject(truth, swapped, PAIRS), "auto")
    np.testing.assert_allclose(repaired.image_px, truth.image_px)
    assert repaired.notes["swaps"]["body_frames"] == 15


def test_a_whole_clip_labelled_the_wrong_way_is_fixed_when_the_view_is_given():
    truth = squatting_series(90)
    all_swapped = inject(truth, np.ones(90, dtype=bool), PAIRS)
    np.testing.assert_allclose(c.repair_swaps(all_swapped, "front").image_px, truth.image_px)


def test_swap_repair_restores_the_valgus_sign():
    truth = squatting_series(150)
    swapped = np.zeros(150, dtype=bool)
    swapped[20:30] = True
    before = compute_angles(inject(truth, swapped, LEG_PAIRS), "front")
    after = compute_angles(c.repair_swaps(inject(truth, swapped, LEG_PAIRS), "front"), "front")
    expected = compute_angles(truth, "front")
    assert not np.allclose(before["left_fppa_deg"], expected["left_fppa_deg"])
    np.testing.assert_allclose(after["left_fppa_deg"], expected["left_fppa_deg"])


def test_crossing_legs_in_side_view_keep_their_labels():
    truth = running_side_series()
    repaired = c.repair_swaps(truth, "side")
    assert repaired.notes["swaps"] == {"body_frames": 0, "leg_frames": 0}
    swapped = np.zeros(truth.n_frames, dtype=bool)
    swapped[[30, 31, 100, 170, 171, 172]] = True
    fixed = c.repair_swaps(inject(truth, swapped, LEG_PAIRS), "side")
    np.testing.assert_allclose(fixed.image_px, truth.image_px)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(2, 147), min_size=1, max_size=12, unique=True))
def test_random_isolated_leg_swaps_are_all_found(frames):
    truth = squatting_series(150)
    swapped = np.zeros(150, dtype=bool)
    swapped[frames] = True
    repaired = c.repair_swaps(inject(truth, swapped, LEG_PAIRS), "front")
    np.testing.assert_allclose(repaired.image_px, truth.image_px)


@pytest.mark.parametrize("block_frames", (1, 7, 64))
def test_swap_repair_is_the_same_computed_a_block_at_a_time(monkeypatch, block_frames):
    """The acceleration costs are computed in blocks to bound memory; the repair must not depend on it."""
    truth = squatting_series(150)
    swapped = np.zeros(150, dtype=bool)
    swapped[[3, 40, 41, 63, 64, 65, 129]] = True
    noisy = inject(truth, swapped, LEG_PAIRS)
    whole = c.repair_swaps(noisy, "auto")
    monkeypatch.setattr(c, "SWAP_BLOCK_FRAMES", block_frames)
    blocked = c.repair_swaps(noisy, "auto")
    np.testing.assert_array_equal(blocked.image_px, whole.image_px)
    np.testing.assert_allclose(blocked.image_px, truth.image_px)


def test_undetected_frames_are_skipped():
    truth = squatting_series(100)
    detected = truth.detected.copy()
    detected[50:60] = False
    image = truth.image_px.copy()
    image[50:60] = np.nan
    gappy = truth.replace(detected=detected, image_px=image)
    swapped = np.zeros(100, dtype=bool)
    swapped[70] = True
    repaired = c.repair_swaps(inject(gappy, swapped, LEG_PAIRS), "front")
    np.testing.assert_allclose(repaired.image_px, gappy.image_px)


# ------------------------------------------------------------------------------------------------
def test_visibility_gating_and_off_picture_landmarks():
    s = squatting_series(20)
    vis = s.visibility.copy()
    vis[5, INDEX["left_knee"]] = 0.2
    image = s.image_px.copy()
    image[6, INDEX["right_ankle"]] = (s.width_px + 100, 300)
    gated = c.gate_visibility(s.replace(visibility=vis, image_px=image), 0.5)
    assert np.isnan(gated.image_px[5, INDEX["left_knee"]]).all()
    assert np.isnan(gated.world_m[5, INDEX["left_knee"]]).all()
    assert np.isnan(gated.image_px[6, INDEX["right_ankle"]]).all()
    assert gated.notes["gated_frames"]["left_knee"] == 1


def test_short_gaps_are_filled_and_long_gaps_stay_empty():
    s = squatting_series(90, fps=30.0)
    image = s.image_px.copy()
    knee = INDEX["left_knee"]
    image[10:13, knee] = np.nan  # 0.1 s: filled
    image[40:60, knee] = np.nan  # 0.67 s: left empty
    filled = c.fill_short_gaps(s.replace(image_px=image), max_gap_s=0.2)
    assert np.isfinite(filled.image_px[10:13, knee]).all()
    np.testing.assert_allclose(filled.image_px[10:13, knee], s.image_px[10:13, knee], atol=2.0)
    assert np.isnan(filled.image_px[40:60, knee]).all()
    assert filled.notes["long_gaps"]["left_knee"] == 1
    assert filled.notes["missing_frames"]["left_knee"] == 20


def test_gaps_at_the_ends_are_not_extrapolated():
    values = np.array([np.nan, np.nan, 1.0, 2.0, np.nan])
    out, _ = c._fill_1d(values, np.arange(5) / 30, 1.0)
    assert np.isnan(out[[0, 1, 4]]).all()


def test_hampel_replaces_spikes_only():
    t = np.arange(200) / 30
    clean = 100 + 20 * np.sin(2 * np.pi * 0.5 * t)
    spiky = clean.copy()
    spiky[[50, 120]] += 80
    out, n = c.hampel(spiky[:, None], half_window=5, n_sigma=3, floor=1.0)
    assert n == 2
    np.testing.assert_allclose(out[:, 0], clean, atol=2.5)  # the median lags a slope by < 1 step


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 40), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_hampel_is_the_same_computed_a_block_at_a_time(block_frames, half_window, seed):
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(150, 2)).cumsum(axis=0)
    values[rng.random(values.shape) < 0.1] = np.nan
    values[rng.random(values.shape) < 0.03] += 40
    whole = c.hampel(values, half_window, 3.0, 0.5)
    previous, c.HAMPEL_BLOCK_FRAMES = c.HAMPEL_BLOCK_FRAMES, block_frames
    try:
        blocked = c.hampel(values, half_window, 3.0, 0.5)
    finally:
        c.HAMPEL_BLOCK_FRAMES = previous
    np.testing.assert_array_equal(blocked[0], whole[0])
    assert blocked[1] == whole[1]


@pytest.mark.parametrize("fps", (25.0, 30.0, 60.0, 120.0, 240.0))
def test_lowpass_is_zero_lag_and_cuts_at_the_cutoff(fps):
    t = np.arange(int(20 * fps)) / fps
    cutoff = 6.0
    b, a, used = c.butterworth_design(cutoff, fps, 4)
    assert used == pytest.approx(cutoff)
    from scipy import signal

    # -3 dB at the cut-off for the two-pass filter
    _, h = signal.freqz(b, a, worN=[cutoff], fs=fps)
    assert abs(h[0]) ** 2 == pytest.approx(1 / np.sqrt(2), rel=0.02)
    slow = np.sin(2 * np.pi * 1.0 * t)
    fast = 0.3 * np.sin(2 * np.pi * min(20.0, 0.45 * fps) * t)
    s = squatting_series(len(t), fps=fps)
    image = s.image_px.copy()
    image[:, INDEX["left_knee"], 0] = slow + fast
    out = c.lowpass(s.replace(image_px=image), cutoff).image_px[:, INDEX["left_knee"], 0]
    middle = slice(int(2 * fps), -int(2 * fps))
    np.testing.assert_allclose(out[middle], slow[middle], atol=0.05)  # no lag: compared in place


def test_lowpass_cutoff_is_lowered_below_nyquist():
    _, _, used = c.butterworth_design(12.0, 25.0, 4)
    assert used < 12.0


def test_lowpass_handles_variable_frame_rate_and_nan_runs():
    rng = np.random.default_rng(1)
    steps = rng.uniform(0.8, 1.2, 600) / 60
    t = np.concatenate([[0], np.cumsum(steps)])[:600]
    s = squatting_series(600, fps=60).replace(time_s=t)
    image = s.image_px.copy()
    image[:, INDEX["left_knee"], 0] = np.sin(2 * np.pi * 1.0 * t) + 0.1 * rng.standard_normal(600)
    image[300:320, INDEX["left_knee"]] = np.nan
    out = c.lowpass(s.replace(image_px=image), 6.0).image_px[:, INDEX["left_knee"], 0]
    assert np.isnan(out[300:320]).all()
    keep = np.r_[60:280, 340:540]
    # white noise of SD 0.1 keeps about sqrt(6/30) of its power below 6 Hz at 60 fps
    assert np.std(out[keep] - np.sin(2 * np.pi * 1.0 * t[keep])) < 0.07


def test_side_view_leg_depth_order_keeps_the_models_labels_and_undoes_a_swap():
    """Side-on the near leg stays nearer the camera: a run of frames whose labels (and depths) are
    exchanged is put back, and the legs' ordinary crossings are left alone."""
    truth = running_side_series()
    world = truth.world_m.copy()
    for side, depth_m in (("left", 0.2), ("right", 0.0)):  # the left leg is the far one
        for joint in ("hip", "knee", "ankle", "heel", "foot_index"):
            world[:, INDEX[f"{side}_{joint}"], 2] = depth_m
    truth = truth.replace(world_m=world)
    assert c.repair_swaps(truth, "auto").notes["swaps"]["leg_frames"] == 0
    swapped = np.zeros(truth.n_frames, dtype=bool)
    swapped[60:66] = True
    repaired = c.repair_swaps(inject(truth, swapped, LEG_PAIRS), "auto")
    np.testing.assert_allclose(repaired.image_px, truth.image_px)
    assert repaired.notes["swaps"]["leg_frames"] == swapped.sum()
