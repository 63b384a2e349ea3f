"""The correction of MediaPipe's systematic error: fitting, applying, the range it holds in, the shipped file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gaitcheck.calibration import Calibration, LinearCorrection, default_calibration


def test_fit_recovers_a_known_line_and_its_range():
    rng = np.random.default_rng(0)
    measured = rng.uniform(-10, 25, 500)
    truth = 1.8 + 1.1 * measured
    fitted = LinearCorrection.fit(measured, truth)
    assert fitted.intercept == pytest.approx(1.8, abs=1e-9)
    assert fitted.slope == pytest.approx(1.1, abs=1e-9)
    assert -10 <= fitted.fitted_min < -9 and 24 < fitted.fitted_max <= 25


def test_too_few_pairs_give_no_correction():
    assert LinearCorrection.fit(np.array([1.0, 2.0]), np.array([2.0, 3.0])) == LinearCorrection()


@settings(max_examples=100, deadline=None)
@given(st.floats(-120, 120))
def test_outside_the_fitted_range_only_the_edge_shift_is_applied(x):
    correction = LinearCorrection(intercept=2.0, slope=1.1, fitted_min=-10.0, fitted_max=25.0)
    got = float(correction.apply(np.array([x]))[0])
    if -10 <= x <= 25:
        assert got == pytest.approx(2.0 + 1.1 * x)
    else:
        edge = -10.0 if x < -10 else 25.0
        assert got - x == pytest.approx(2.0 + 0.1 * edge)


def test_apply_corrects_both_legs_and_leaves_other_columns():
    table = pd.DataFrame(
        {
            "left_fppa_deg": [0.0, 10.0],
            "right_fppa_deg": [5.0, np.nan],
            "left_knee_flexion_deg": [30.0, 60.0],
            "right_knee_flexion_deg": [30.0, 60.0],
            "left_pelvic_drop_deg": [3.0, 4.0],
        }
    )
    out = Calibration({"fppa_deg": LinearCorrection(1.0, 2.0)}, {}).apply(table)
    assert out["left_fppa_deg"].tolist() == [1.0, 21.0]
    assert out["right_fppa_deg"].iloc[0] == 11.0 and np.isnan(out["right_fppa_deg"].iloc[1])
    assert out["left_pelvic_drop_deg"].tolist() == [3.0, 4.0]
    assert table["left_fppa_deg"].tolist() == [0.0, 10.0]  # a copy


def test_the_shipped_calibration_holds_only_corrections_that_passed_held_out_and_is_off_by_default():
    """benchmarks/accuracy.py --fit writes only corrections that lowered the error in every held-out
    split (docs/accuracy.md); and gaitcheck reports raw MediaPipe values unless asked."""
    from gaitcheck.settings import Settings

    shipped = default_calibration()
    assert shipped is not None, "gaitcheck/calibration.json is missing"
    assert "benchmarks/accuracy.py" in shipped.provenance["fitted_by"]
    assert "every split" in shipped.provenance["rule"]
    assert set(shipped.corrections).isdisjoint(shipped.provenance["not_shipped"])
    assert Calibration.from_json(shipped.to_json()) == shipped
    for correction in shipped.corrections.values():
        assert 0.8 < correction.slope < 1.5  # a correction, not a different measure
        assert np.isfinite(correction.fitted_min) and np.isfinite(correction.fitted_max)
    assert Settings().calibrate is False
