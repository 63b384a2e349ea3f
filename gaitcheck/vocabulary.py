"""The words gaitcheck uses everywhere, defined once: sides, movements, views, verdicts.

Plain string literals, so they read the same in Python, in summary.json and in the report; the
tuples list the allowed values in display order.
"""

from __future__ import annotations

import typing
from typing import Literal

Side = Literal["left", "right"]
Movement = Literal["squat", "single-leg-squat", "step-down", "lunge", "run"]
View = Literal["front", "back", "side", "oblique"]
Verdict = Literal["aligned", "borderline", "valgus", "insufficient-data"]
StanceLeg = Literal["left", "right", "both"]
Confidence = Literal["high", "medium", "low"]
Severity = Literal["minor", "major"]

SIDES: tuple[Side, ...] = typing.get_args(Side)
MOVEMENTS: tuple[Movement, ...] = typing.get_args(Movement)
VIEWS: tuple[View, ...] = typing.get_args(View)
VERDICTS: tuple[Verdict, ...] = typing.get_args(Verdict)
#: Tasks done on one leg at a time (the other leg is free).
SINGLE_LEG_MOVEMENTS: tuple[Movement, ...] = ("single-leg-squat", "step-down", "lunge")


def other_side(side: Side) -> Side:
    return "right" if side == "left" else "left"


def event_word(movement: str) -> Literal["rep", "step"]:
    """What one unit of a task is called: a repetition, or a step when running."""
    return "step" if movement == "run" else "rep"
