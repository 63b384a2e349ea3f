"""Correction of MediaPipe's systematic error in frontal-plane angles, fitted on rendered humans.

MediaPipe under-reads the knee frontal plane projection angle: on bodies with exactly known joint
angles its FPPA is about 0.8-0.9 times the truth minus a few degrees, worse in deep flexion
(../shared/synth-notes.md; docs/accuracy.md measures it). gaitcheck corrects each measure with a
small linear model,

    corrected = intercept + slope * measured + depth * measured * knee_flexion / 90 deg

whose coefficients are fitted by `benchmarks/accuracy.py --fit` on synthetic clips and stored,
with their provenance, in calibration.json next to this file. The fit is checked on clips whose
movement, bodies and cameras it never saw (leave-one-movement-out); docs/accuracy.md shows both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from gaitcheck.vocabulary import SIDES

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


@dataclass(frozen=True)
class LinearCorrection:
    """corrected = intercept + slope * x + depth * x * knee_flexion / 90, inside the range of x it
    was fitted on [fitted_min, fitted_max]. Outside it, the line is not extrapolated: the value is
    shifted by the correction at the nearest edge (a deep squat's -50 deg FPPA is not stretched by
    a slope fitted on -10..25 deg)."""

    intercept: float = 0.0
    slope: float = 1.0
    depth: float = 0.0
    fitted_min: float = -np.inf
    fitted_max: float = np.inf

    def apply(self, x: np.ndarray, knee_flexion_deg: np.ndarray | None = None) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        flexion = np.zeros_like(x) if knee_flexion_deg is None else np.nan_to_num(knee_flexion_deg) / 90.0
        inside = np.clip(x, self.fitted_min, self.fitted_max)
        shift = self.intercept + (self.slope - 1.0) * inside + self.depth * inside * flexion
        return x + shift

    @classmethod
    def fit(
        cls, measured: np.ndarray, truth: np.ndarray, knee_flexion_deg: np.ndarray | None = None
    ) -> LinearCorrection:
        """Least squares; with knee flexion, the depth term too."""
        ok = np.isfinite(measured) & np.isfinite(truth)
        columns = [np.ones(ok.sum()), measured[ok]]
        if knee_flexion_deg is not None:
            ok &= np.isfinite(knee_flexion_deg)
            columns = [np.ones(ok.sum()), measured[ok], measured[ok] * knee_flexion_deg[ok] / 90.0]
        if ok.sum() < len(columns) * 5:
            return cls()
        coefficients, *_ = np.linalg.lstsq(np.column_stack(columns), truth[ok], rcond=None)
        low, high = np.percentile(measured[ok], [1, 99])
        intercept, slope, *depth = (float(c) for c in coefficients)  # depth only when knee flexion was given
        return cls(intercept, slope, depth[0] if depth else 0.0, fitted_min=float(low), fitted_max=float(high))


@dataclass(frozen=True)
class Calibration:
    """Per-measure corrections (measure names without the side prefix, e.g. 'fppa_deg')."""

    corrections: dict[str, LinearCorrection]
    provenance: dict

    def apply(self, angles: pd.DataFrame) -> pd.DataFrame:
        """A copy of the per-frame table with the corrected measures."""
        out = angles.copy()
        for side in SIDES:
            flexion = angles[f"{side}_knee_flexion_deg"].to_numpy(float)
            for measure, correction in self.corrections.items():
                column = f"{side}_{measure}"
                if column in out:
                    out[column] = correction.apply(angles[column].to_numpy(float), flexion)
        return out

    def to_json(self) -> dict:
        return {
            "model": (
                "corrected = intercept + slope * measured + depth * measured * knee_flexion_deg / 90, for measured "
                "within [fitted_min, fitted_max]; outside, measured + the correction's shift at the nearest edge"
            ),
            "corrections": {m: vars(c) for m, c in self.corrections.items()},
            "provenance": self.provenance,
        }

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n")

    @classmethod
    def from_json(cls, data: dict) -> Calibration:
        corrections = {m: LinearCorrection(**c) for m, c in data.get("corrections", {}).items()}
        return cls(corrections=corrections, provenance=data.get("provenance", {}))


@lru_cache(maxsize=1)
def default_calibration() -> Calibration | None:
    """The shipped calibration, or None when the package has none."""
    if not CALIBRATION_FILE.is_file():
        return None
    return Calibration.from_json(json.loads(CALIBRATION_FILE.read_text()))
