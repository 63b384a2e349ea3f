"""The few signal-processing routines gaitcheck needs, in numpy alone.

Each one reproduces the scipy.signal function its docstring names, for the arguments gaitcheck
passes (tests/test_signals.py compares them on random and edge-case inputs). Importing
scipy.signal took most of gaitcheck's start-up, and these run in every analysis, so importing it
lazily would only move that cost. All functions are pure and work on 1-D float arrays.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


# ------------------------------------------------------------------------------------------------
# Butterworth low-pass, forwards and backwards
# ------------------------------------------------------------------------------------------------
def butter_lowpass(order: int, cutoff_nyquist: float) -> tuple[np.ndarray, np.ndarray]:
    """Digital Butterworth low-pass (b, a) of `order`, cut-off a fraction (0, 1) of Nyquist.

    As scipy.signal.butter(order, cutoff_nyquist): analogue prototype poles on the unit circle,
    pre-warped cut-off, bilinear transform (sampling rate 2 in scipy's units), gain 1 at DC.
    """
    if order < 1 or not 0 < cutoff_nyquist < 1:
        raise ValueError(f"need order >= 1 and 0 < cutoff < 1 (Nyquist), got {order} and {cutoff_nyquist}")
    prototype = -np.exp(1j * np.pi * np.arange(-order + 1, order, 2) / (2 * order))
    warped = 4.0 * np.tan(np.pi * cutoff_nyquist / 2.0)
    poles = warped * prototype
    z_poles = (4.0 + poles) / (4.0 - poles)
    gain = np.real(warped**order / np.prod(4.0 - poles))
    b = gain * np.poly(-np.ones(order))
    a = np.poly(z_poles)
    return np.real(b), np.real(a)


def _normalised(b: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """b and a as float arrays of one length (zero-padded), scaled so that a[0] == 1."""
    b, a = np.atleast_1d(np.asarray(b, float)), np.atleast_1d(np.asarray(a, float))
    n_taps = max(len(a), len(b))
    b = np.pad(b, (0, n_taps - len(b))) / a[0]
    a = np.pad(a, (0, n_taps - len(a))) / a[0]
    return b, a


def lfilter_zi(b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """The filter's state after a step input of 1 held since forever (scipy.signal.lfilter_zi).

    Starting from it times the first sample makes the output begin without a transient.
    """
    b, a = _normalised(b, a)
    transition = np.eye(len(a) - 1, k=1)  # of lfilter's state, the transposed direct form II
    transition[:, 0] = -a[1:]
    return np.linalg.solve(np.eye(len(a) - 1) - transition, b[1:] - a[1:] * b[0])


def lfilter(b: np.ndarray, a: np.ndarray, x: np.ndarray, initial_state: np.ndarray) -> np.ndarray:
    """IIR filter b/a over x from `initial_state` (scipy.signal.lfilter with zi, output only).

    Transposed direct form II with scipy's operations in scipy's order, so the output is the same
    to the last bit. A loop over Python floats: under half a microsecond a sample at order 2.
    """
    b, a = _normalised(b, a)
    b0, b_rest, a_rest = float(b[0]), b[1:].tolist(), a[1:].tolist()
    last = len(a_rest) - 1
    state = [float(value) for value in initial_state]
    out = []
    for sample in np.asarray(x, float).tolist():
        y = state[0] + b0 * sample
        for k in range(last):
            state[k] = state[k + 1] + sample * b_rest[k] - y * a_rest[k]
        state[last] = sample * b_rest[last] - y * a_rest[last]
        out.append(y)
    return np.array(out)


def filtfilt(b: np.ndarray, a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Zero-phase filtering: b/a forwards, then backwards (scipy.signal.filtfilt's defaults).

    The ends are extended by an odd reflection of 3 * max(len(a), len(b)) samples, and each pass
    starts from the steady state for its first sample, so the ends carry no start-up transient.
    """
    x = np.asarray(x, float)
    padlen = 3 * max(len(a), len(b))
    if len(x) <= padlen:
        raise ValueError(f"The length of the input vector x must be greater than padlen, which is {padlen}.")
    extended = np.concatenate(
        (2 * x[0] - x[padlen:0:-1], x, 2 * x[-1] - x[-2 : -(padlen + 2) : -1]),
    )
    steady = lfilter_zi(b, a)
    forward = lfilter(b, a, extended, steady * extended[0])
    backward = lfilter(b, a, forward[::-1], steady * forward[-1])[::-1]
    return backward[padlen:-padlen]


# ------------------------------------------------------------------------------------------------
# peaks
# ------------------------------------------------------------------------------------------------
def local_maxima(x: np.ndarray) -> np.ndarray:
    """Indices of samples higher than both neighbours; a flat top counts once, at its middle
    sample (rounded down), and the first and last samples never count (scipy's rule)."""
    x = np.asarray(x, float)
    if len(x) < 3:
        return np.array([], dtype=np.intp)
    starts = np.flatnonzero(np.concatenate(([True], x[1:] != x[:-1])))  # runs of equal values
    ends = np.append(starts[1:], len(x)) - 1
    values = x[starts]
    inner = np.arange(1, len(starts) - 1)
    peak = (values[inner - 1] < values[inner]) & (values[inner + 1] < values[inner])
    return ((starts[inner] + ends[inner]) // 2)[peak].astype(np.intp)


def peak_prominences(x: np.ndarray, peaks: np.ndarray) -> np.ndarray:
    """How far each peak rises above the higher of its two bases (scipy.signal.peak_prominences).

    A base is the lowest sample between the peak and the nearest sample higher than the peak on
    that side (or the signal's end).
    """
    x = np.asarray(x, float)
    prominences = np.empty(len(peaks))
    for k, peak in enumerate(peaks):
        top = x[peak]
        higher_left = np.flatnonzero(~(x[:peak] <= top))
        higher_right = np.flatnonzero(~(x[peak + 1 :] <= top))
        left = higher_left[-1] + 1 if higher_left.size else 0
        right = peak + higher_right[0] if higher_right.size else len(x) - 1
        prominences[k] = top - max(x[left : peak + 1].min(), x[peak : right + 1].min())
    return prominences


def _keep_apart(peaks: np.ndarray, heights: np.ndarray, distance_samples: float) -> np.ndarray:
    """Which peaks survive when, highest first, each removes the others closer than the distance."""
    distance = math.ceil(distance_samples)
    keep = np.ones(len(peaks), dtype=bool)
    for j in np.argsort(heights)[::-1]:  # the same (unstable) sort as scipy, so ties break alike
        if keep[j]:
            near = np.abs(peaks - peaks[j]) < distance
            keep[near] = False
            keep[j] = True
    return keep


def find_peaks(
    x: np.ndarray,
    *,
    height: float | None = None,
    prominence: float | None = None,
    distance: float | None = None,
) -> np.ndarray:
    """Indices of the local maxima of x that pass each given minimum (scipy.signal.find_peaks).

    Applied in scipy's order: `height` (the sample's value), then `distance` (samples between
    peaks; higher peaks are kept first), then `prominence` (see `peak_prominences`).
    """
    if distance is not None and distance < 1:
        raise ValueError("`distance` must be greater or equal to 1")
    x = np.asarray(x, float)
    peaks = local_maxima(x)
    if height is not None:
        peaks = peaks[x[peaks] >= height]
    if distance is not None:
        peaks = peaks[_keep_apart(peaks, x[peaks], distance)]
    if prominence is not None:
        peaks = peaks[peak_prominences(x, peaks) >= prominence]
    return peaks


# ------------------------------------------------------------------------------------------------
# smoothing, trend, spectrum
# ------------------------------------------------------------------------------------------------
def medfilt(x: np.ndarray, kernel_size: int) -> np.ndarray:
    """Running median over an odd window, zeros beyond the ends (scipy.signal.medfilt)."""
    if kernel_size % 2 != 1:
        raise ValueError("kernel_size should be odd")
    padded = np.pad(np.asarray(x, float), kernel_size // 2)
    return np.median(sliding_window_view(padded, kernel_size), axis=1)


def detrend(x: np.ndarray) -> np.ndarray:
    """x minus its least-squares straight line (scipy.signal.detrend, type='linear')."""
    x = np.asarray(x, float)
    design = np.column_stack((np.arange(1, len(x) + 1) / len(x), np.ones(len(x))))
    coefficients = np.linalg.lstsq(design, x, rcond=None)[0]
    return x - design @ coefficients


def welch(x: np.ndarray, fs_hz: float, nperseg: int) -> tuple[np.ndarray, np.ndarray]:
    """Power spectral density (frequencies in Hz, power per Hz) by Welch's method, as
    scipy.signal.welch with its defaults: periodic Hann window, half-overlapping segments, each
    segment's mean removed, one-sided density, mean over segments.

    `nperseg` is capped at the length of x (scipy warns and does the same).
    """
    x = np.asarray(x, float)
    nperseg = min(int(nperseg), len(x))
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(nperseg) / nperseg) if nperseg > 1 else np.ones(1)
    hop = nperseg - nperseg // 2
    segments = sliding_window_view(x, nperseg)[::hop]
    segments = segments - segments.mean(axis=1, keepdims=True)
    power = np.abs(np.fft.rfft(segments * window, axis=1)) ** 2 / (fs_hz * np.sum(window**2))
    power[:, 1 : -1 if nperseg % 2 == 0 else None] *= 2  # one-sided: the negative frequencies too
    return np.fft.rfftfreq(nperseg, 1.0 / fs_hz), power.mean(axis=0)


def savgol_filter(x: np.ndarray, window_length: int, polyorder: int) -> np.ndarray:
    """Savitzky-Golay smoothing (scipy.signal.savgol_filter, mode='interp'), odd windows only.

    Each sample becomes the value at the centre of a least-squares polynomial over its window;
    the first and last window_length // 2 samples take the polynomial fitted to the first or last
    whole window, evaluated at their positions.
    """
    x = np.asarray(x, float)
    if window_length % 2 != 1 or polyorder >= window_length:
        raise ValueError("window_length must be odd and greater than polyorder")
    if window_length > len(x):
        raise ValueError("If mode is 'interp', window_length must be less than or equal to the size of x.")
    half = window_length // 2
    offsets = np.arange(-half, half + 1, dtype=float)
    centre_value = np.zeros(polyorder + 1)
    centre_value[0] = 1.0
    weights = np.linalg.lstsq(offsets ** np.arange(polyorder + 1)[:, None], centre_value, rcond=None)[0]
    out = np.empty_like(x)
    out[half : len(x) - half] = sliding_window_view(x, window_length) @ weights
    positions = np.arange(window_length)
    head = np.polyfit(positions, x[:window_length], polyorder)
    tail = np.polyfit(positions, x[-window_length:], polyorder)
    out[:half] = np.polyval(head, positions[:half])
    out[len(x) - half :] = np.polyval(tail, positions[window_length - half :])
    return out
