"""The program for a movement spec (planning happens here: every rep's valgus target is solved)."""

from __future__ import annotations

from gaitcheck.errors import InputError
from gaitcheck.synth.camera import Projection
from gaitcheck.synth.motion import Program, SingleLegProgram, SquatProgram
from gaitcheck.synth.movements import Movement, Running, SingleLegSquat, Squat, StepDown
from gaitcheck.synth.running import RunningProgram
from gaitcheck.synth.skeleton import Anatomy


def make_program(movement: Movement, anatomy: Anatomy, frontal: Projection, fps: float) -> Program:
    """The program for a movement spec; this is where every rep's valgus target is solved."""
    if isinstance(movement, Squat):
        return SquatProgram(movement, anatomy, frontal, fps)
    if isinstance(movement, (SingleLegSquat, StepDown)):
        return SingleLegProgram(movement, anatomy, frontal, fps)
    if isinstance(movement, Running):
        return RunningProgram(movement, anatomy, frontal, fps)
    raise InputError(f"unknown movement {movement!r}")
