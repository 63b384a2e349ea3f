"""gaitcheck.signals against scipy.signal, which it replaces at run time: random inputs and edges.

Filters must agree to 1e-9 of the signal's scale, peaks to the index.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal as scipy_signal

from gaitcheck import signals
from gaitcheck.cleaning import butterworth_design

RTOL = 1e-9
FEW = settings(max_examples=60, deadline=None)


def assert_close(ours: np.ndarray, theirs: np.ndarray) -> None:
    scale = max(1.0, float(np.max(np.abs(theirs)))) if np.size(theirs) else 1.0
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=RTOL * scale)


def random_walk(seed: int, n_samples: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=n_samples).cumsum() * rng.uniform(0.01, 500) + rng.uniform(-1e3, 1e3)


seeds = st.integers(0, 2**32 - 1)
#: Small integers make plateaus, equal peaks and equal bases common.
steppy = st.lists(st.integers(-4, 4), min_size=0, max_size=80).map(lambda v: np.array(v, float))


# ------------------------------------------------------------------------------------------------
# Butterworth and filtfilt
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("order", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("cutoff", [0.005, 0.05, 0.3, 0.5, 0.8, 0.99])
def test_butter_matches_scipy(order, cutoff):
    b, a = signals.butter_lowpass(order, cutoff)
    b_scipy, a_scipy = scipy_signal.butter(order, cutoff)
    np.testing.assert_allclose(b, b_scipy, rtol=1e-12, atol=0)
    np.testing.assert_allclose(a, a_scipy, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(signals.lfilter_zi(b, a), scipy_signal.lfilter_zi(b_scipy, a_scipy), rtol=1e-12)


def test_butter_rejects_cutoff_outside_nyquist():
    with pytest.raises(ValueError):
        signals.butter_lowpass(2, 1.0)


@FEW
@given(seed=seeds, order=st.integers(1, 4), cutoff=st.floats(0.02, 0.99), extra=st.integers(1, 400))
def test_filtfilt_matches_scipy(seed, order, cutoff, extra):
    b, a = scipy_signal.butter(order, cutoff)
    x = random_walk(seed, 3 * len(a) + extra)
    assert_close(signals.filtfilt(b, a, x), scipy_signal.filtfilt(b, a, x))


@FEW
@given(seed=seeds, order=st.integers(1, 4), cutoff=st.floats(0.02, 0.99), n_samples=st.integers(1, 300))
def test_lfilter_from_a_state_matches_scipy(seed, order, cutoff, n_samples):
    b, a = scipy_signal.butter(order, cutoff)
    x = random_walk(seed, n_samples)
    state = scipy_signal.lfilter_zi(b, a) * x[0]
    assert_close(signals.lfilter(b, a, x, state), scipy_signal.lfilter(b, a, x, zi=state)[0])


@pytest.mark.parametrize("fs_hz", [24.0, 30.0, 60.0, 120.0, 240.0, 1000.0])
@pytest.mark.parametrize("order", [2, 4, 6])
def test_gaitcheck_designs_filter_alike(fs_hz, order):
    """The filters cleaning.lowpass builds, at every padding-edge length."""
    b, a, _ = butterworth_design(6.0, fs_hz, order)
    padlen = 3 * max(len(a), len(b))
    for n_samples in (padlen + 1, padlen + 2, 2 * padlen, 500):
        x = random_walk(n_samples, n_samples)
        assert_close(signals.filtfilt(b, a, x), scipy_signal.filtfilt(b, a, x))


def test_filtfilt_keeps_a_constant_and_refuses_short_series():
    b, a = signals.butter_lowpass(2, 0.2)
    np.testing.assert_allclose(signals.filtfilt(b, a, np.full(20, 3.5)), 3.5, rtol=1e-12)
    for n_samples in (1, 9):  # padlen is 9
        with pytest.raises(ValueError):
            signals.filtfilt(b, a, np.zeros(n_samples))
        with pytest.raises(ValueError):
            scipy_signal.filtfilt(b, a, np.zeros(n_samples))


# ------------------------------------------------------------------------------------------------
# peaks
# ------------------------------------------------------------------------------------------------
PEAK_ARGUMENTS = [
    {},
    {"prominence": 0.5},
    {"prominence": 2.0, "distance": 3},
    {"prominence": 0.0, "distance": 1},
    {"height": 1.0, "distance": 4},
    {"height": -1.0},
    {"distance": 7.5},
]


@FEW
@given(x=steppy)
def test_find_peaks_matches_scipy_with_plateaus(x):
    for arguments in PEAK_ARGUMENTS:
        expected = scipy_signal.find_peaks(x, **arguments)[0]
        np.testing.assert_array_equal(signals.find_peaks(x, **arguments), expected, err_msg=str(arguments))


@FEW
@given(seed=seeds, n_samples=st.integers(0, 400), share=st.floats(0.0, 1.0), gap=st.integers(1, 40))
def test_find_peaks_matches_scipy_on_walks(seed, n_samples, share, gap):
    x = random_walk(seed, n_samples)
    span, middle = (float(np.ptp(x)), float(np.median(x))) if n_samples else (0.0, 0.0)
    for arguments in ({"prominence": share * span, "distance": gap}, {"height": middle, "distance": gap}):
        expected = scipy_signal.find_peaks(x, **arguments)[0]
        np.testing.assert_array_equal(signals.find_peaks(x, **arguments), expected)


@FEW
@given(x=steppy)
def test_prominences_match_scipy(x):
    peaks = scipy_signal.find_peaks(x)[0]
    np.testing.assert_array_equal(signals.peak_prominences(x, peaks), scipy_signal.peak_prominences(x, peaks)[0])


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        ([], []),
        ([1, 2], []),
        ([0, 1, 0], [1]),
        ([0, 1, 1, 0], [1]),  # a flat top of two: the left middle
        ([0, 1, 1, 1, 0], [2]),
        ([1, 1, 0, 2, 2], []),  # plateaus touching the ends are not peaks
        ([3, 3, 3, 3], []),
        ([0, 2, 0, 2, 0, 2, 0], [1, 3, 5]),
    ],
)
def test_local_maxima_edges(x, expected):
    x = np.array(x, float)
    np.testing.assert_array_equal(signals.find_peaks(x), expected)
    np.testing.assert_array_equal(scipy_signal.find_peaks(x)[0], expected)


def test_distance_keeps_higher_peaks_and_breaks_ties_like_scipy():
    x = np.array([0, 2, 0, 3, 0, 2, 0, 2, 0, 2, 0], float)
    for distance in (1, 2, 3, 4, 5):
        np.testing.assert_array_equal(
            signals.find_peaks(x, distance=distance), scipy_signal.find_peaks(x, distance=distance)[0]
        )
    with pytest.raises(ValueError):
        signals.find_peaks(x, distance=0.5)


# ------------------------------------------------------------------------------------------------
# medfilt, detrend, welch, savgol
# ------------------------------------------------------------------------------------------------
@FEW
@given(seed=seeds, n_samples=st.integers(1, 300), half=st.integers(0, 20))
def test_medfilt_matches_scipy(seed, n_samples, half):
    x = random_walk(seed, n_samples)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # scipy warns when the kernel is longer than x
        expected = scipy_signal.medfilt(x, 2 * half + 1)
    np.testing.assert_array_equal(signals.medfilt(x, 2 * half + 1), expected)


@FEW
@given(seed=seeds, n_samples=st.integers(1, 500))
def test_detrend_matches_scipy(seed, n_samples):
    x = random_walk(seed, n_samples)
    assert_close(signals.detrend(x), scipy_signal.detrend(x))


def test_detrend_of_a_line_and_a_constant_is_zero():
    np.testing.assert_allclose(signals.detrend(np.full(12, 4.0)), 0, atol=1e-12)
    np.testing.assert_allclose(signals.detrend(3.0 * np.arange(50) - 7), 0, atol=1e-10)


@FEW
@given(seed=seeds, n_samples=st.integers(2, 600), fs_hz=st.sampled_from([24.0, 30.0, 60.0, 120.0, 240.0]))
def test_welch_matches_scipy_as_detect_calls_it(seed, n_samples, fs_hz):
    x = scipy_signal.detrend(random_walk(seed, n_samples))
    nperseg = min(n_samples, int(4 * fs_hz))
    freqs_hz, power = signals.welch(x, fs_hz, nperseg=nperseg)
    expected_freqs, expected_power = scipy_signal.welch(x, fs=fs_hz, nperseg=nperseg)
    np.testing.assert_allclose(freqs_hz, expected_freqs, rtol=1e-12)
    assert_close(power, expected_power)


@pytest.mark.parametrize("nperseg", [1, 2, 3, 7, 8, 64])
def test_welch_small_and_odd_segments(nperseg):
    x = random_walk(nperseg, 100)
    assert_close(signals.welch(x, 30.0, nperseg)[1], scipy_signal.welch(x, fs=30.0, nperseg=nperseg)[1])


@FEW
@given(seed=seeds, n_samples=st.integers(5, 300), half=st.integers(2, 30), polyorder=st.integers(0, 4))
def test_savgol_matches_scipy(seed, n_samples, half, polyorder):
    window = min(2 * half + 1, n_samples if n_samples % 2 else n_samples - 1)  # odd, at most the length
    polyorder = min(polyorder, window - 1)
    x = random_walk(seed, n_samples)
    assert_close(signals.savgol_filter(x, window, polyorder), scipy_signal.savgol_filter(x, window, polyorder))


def test_savgol_rejects_what_scipy_rejects_in_interp_mode():
    with pytest.raises(ValueError):
        signals.savgol_filter(np.zeros(4), 5, 2)
    with pytest.raises(ValueError):
        scipy_signal.savgol_filter(np.zeros(4), 5, 2)


# ------------------------------------------------------------------------------------------------
def test_importing_the_pipeline_does_not_load_scipy_signal():
    code = "import sys, gaitcheck.pipeline; print(sorted(m for m in sys.modules if m.startswith('scipy')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    loaded = result.stdout.strip()
    assert "scipy.signal" not in loaded, loaded
    assert "scipy.optimize" not in loaded, loaded
