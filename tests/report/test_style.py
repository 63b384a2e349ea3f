"""gaitcheck.report.style: how numbers read."""

from __future__ import annotations

import pytest

from gaitcheck.report.style import fmt, plus_minus


@pytest.mark.parametrize(
    ("sd", "n", "digits", "unit", "text"),
    [
        (2.4, 3, 0, "deg", " ± 2°"),
        (0.3, 3, 0, "deg", " ± 0.3°"),  # near-identical repetitions: not "± 0°"
        (0.0, 3, 0, "deg", " ± 0°"),  # truly identical ones
        (0.04, 4, 1, "", " ± 0.04"),
        (2.4, 1, 0, "deg", ""),  # one value has no spread
        (None, 3, 0, "deg", ""),
        (float("nan"), 3, 0, "deg", ""),
    ],
)
def test_plus_minus_never_rounds_a_real_spread_to_zero(sd, n, digits, unit, text):
    assert plus_minus(sd, n, digits, unit) == text


def test_fmt_has_no_minus_on_a_zero_and_uses_the_typographic_minus():
    assert fmt(-0.01, 1) == "0.0"
    assert fmt(-2.4, 0, "deg") == "\u22122°"
    assert fmt(None) == "\u2013"
