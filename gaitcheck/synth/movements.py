"""What the person does: typed movement specifications (the knobs), with no solving in them.

Angles are in degrees with anatomical signs (see skeleton.py). A `Level` is either one value for
every repetition (or running step) or a pair (first, last) that grows linearly over them, so a
clip can show valgus getting worse with fatigue.

The main knob is ``valgus_deg``: the ground-truth knee FPPA (gaitcheck's definition, rig joint
centres) at the bottom of each repetition - or at midstance when running - as seen by a camera
straight in front of the subject at the clip camera's height and distance. The generator finds the
hip adduction that produces it (1-D search); hip internal rotation is either given or solved so
that the planted foot stays where it is, as in real dynamic valgus.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import ClassVar, Literal

from gaitcheck.errors import InputError

Side = Literal["left", "right"]
ArmStyle = Literal["hips", "crossed", "forward", "swing", "relaxed", "overhead", "weight"]
#: The single-leg squat's free leg: held in front, bent behind, knee raised high, or out to the side.
FreeLegStyle = Literal["forward", "back", "high", "side"]
Level = float | tuple[float, float]

#: "overhead": both arms straight up (an overhead squat); "weight": hands together in front of the
#: chest, as if holding a goblet weight (no object is drawn).
ARM_STYLES: tuple[str, ...] = ("hips", "crossed", "forward", "swing", "relaxed", "overhead", "weight")
FREE_LEG_STYLES: tuple[str, ...] = ("forward", "back", "high", "side")
#: The valgus range the generator is built and tested for (FPPA degrees at the bottom).
VALGUS_RANGE_DEG = (-5.0, 20.0)


def level_at(level: Level, index: int, count: int) -> float:
    """The value of a Level for repetition `index` of `count` (linear from first to last)."""
    if isinstance(level, (tuple, list)):
        first, last = level
        return float(first) if count <= 1 else float(first + (last - first) * index / (count - 1))
    return float(level)


def _check_level(name: str, level: Level | None, low: float, high: float) -> None:
    if level is None:
        return
    values = level if isinstance(level, (tuple, list)) else (level,)
    if isinstance(level, (tuple, list)) and len(level) != 2:
        raise InputError(f"{name} must be a number or a (first, last) pair")
    for v in values:
        if not low <= float(v) <= high:
            raise InputError(f"{name} must be within {low:g}..{high:g} deg (got {v})")


@dataclass(frozen=True)
class LegControl:
    """One leg's targets at the bottom of each rep (at midstance when running).

    ``valgus_deg`` None: the hip adduction is ``hip_adduction_deg`` as given. ``hip_internal_rotation_deg``
    None: solved per frame so the planted foot does not slide (squat) or stays under the pelvis
    (single-leg tasks); when running it means 0. ``knee_flexion_deg`` / ``hip_flexion_deg`` None: the
    movement's default. ``pelvic_drop_deg`` is the contralateral pelvic drop while this leg is the
    stance leg (+ the other side lower); bilateral squats ignore it.
    """

    valgus_deg: Level | None = None
    hip_adduction_deg: Level = 0.0
    hip_internal_rotation_deg: Level | None = None
    knee_flexion_deg: Level | None = None
    hip_flexion_deg: Level | None = None
    pelvic_drop_deg: Level = 0.0
    toe_out_deg: float = 8.0

    def __post_init__(self) -> None:
        _check_level("valgus", self.valgus_deg, -15.0, 35.0)
        _check_level("hip adduction", self.hip_adduction_deg, -30.0, 35.0)
        _check_level("hip internal rotation", self.hip_internal_rotation_deg, -40.0, 45.0)
        _check_level("knee flexion", self.knee_flexion_deg, 0.0, 120.0)
        _check_level("hip flexion", self.hip_flexion_deg, -20.0, 120.0)
        _check_level("pelvic drop", self.pelvic_drop_deg, -15.0, 15.0)
        if not -20.0 <= self.toe_out_deg <= 40.0:
            raise InputError(f"toe-out must be within -20..40 deg (got {self.toe_out_deg})")


class _BothLegs:
    """Tasks with a control per leg (``left``, ``right``, declared by each task)."""

    left: LegControl
    right: LegControl

    def leg(self, side: str) -> LegControl:
        return self.left if side == "left" else self.right

    def _check_one_solved_angle(self, why: str) -> None:
        """Valgus and hip rotation cannot both be set on a leg: one of them is solved from the other."""
        for side in ("left", "right"):
            leg = self.leg(side)
            if leg.valgus_deg is not None and leg.hip_internal_rotation_deg is not None:
                raise InputError(why)


@dataclass(frozen=True)
class _Reps:
    """Timing shared by squat-like tasks: each rep goes down and up in rep_s, with pauses standing."""

    reps: int = 3
    rep_s: float = 2.4
    pause_s: float = 0.6
    lead_s: float = 0.5  # standing still before the first and after the last rep
    trunk_forward_lean_deg: Level | None = None  # None: 40 % of the stance knee flexion
    trunk_lateral_lean_deg: Level = 0.0  # + toward the subject's right (gaitcheck's trunk_lean_deg sign)

    def _check_reps(self) -> None:
        if not 1 <= self.reps <= 50:
            raise InputError(f"reps must be 1-50 (got {self.reps})")
        if not 0.6 <= self.rep_s <= 20.0:
            raise InputError(f"seconds per rep must be 0.6-20 (got {self.rep_s})")
        if self.pause_s < 0 or self.lead_s < 0:
            raise InputError("pauses must not be negative")
        _check_level("trunk forward lean", self.trunk_forward_lean_deg, -10.0, 70.0)
        _check_level("trunk lateral lean", self.trunk_lateral_lean_deg, -30.0, 30.0)

    @property
    def duration_s(self) -> float:
        return 2 * self.lead_s + self.reps * self.rep_s + (self.reps - 1) * self.pause_s


@dataclass(frozen=True)
class Squat(_Reps, _BothLegs):
    """Bilateral squat, both feet planted ``stance_width_m`` apart (ankle centres)."""

    kind: ClassVar[str] = "squat"
    left: LegControl = field(default_factory=lambda: LegControl(valgus_deg=3.0))
    right: LegControl = field(default_factory=lambda: LegControl(valgus_deg=3.0))
    stance_width_m: float = 0.30
    arms: ArmStyle = "forward"

    def __post_init__(self) -> None:
        self._check_reps()
        _check_arms(self.arms)
        if not 0.15 <= self.stance_width_m <= 0.7:
            raise InputError(f"stance width must be 0.15-0.7 m (got {self.stance_width_m})")
        self._check_one_solved_angle(
            "in a bilateral squat either give valgus (hip rotation is then solved to keep the feet "
            "planted) or hip internal rotation (hip adduction is then solved), not both"
        )


@dataclass(frozen=True)
class SingleLegSquat(_Reps):
    """Single-leg squat on ``stance``; the free leg is held forward, bent back, raised high (hip
    flexed 60-90 deg) or out to the side (abducted ~25 deg). ``free_hip_flexion_deg`` /
    ``free_knee_flexion_deg`` override the style's free hip and knee flexion at the bottom (the
    standing values keep the style's difference to it); the free foot is kept off the floor."""

    kind: ClassVar[str] = "single-leg-squat"
    stance: Side = "right"
    stance_leg: LegControl = field(default_factory=lambda: LegControl(valgus_deg=8.0))
    free_leg: FreeLegStyle = "forward"
    arms: ArmStyle = "hips"
    free_hip_flexion_deg: float | None = None
    free_knee_flexion_deg: float | None = None

    def __post_init__(self) -> None:
        self._check_reps()
        _check_side(self.stance)
        _check_arms(self.arms)
        if self.free_leg not in FREE_LEG_STYLES:
            raise InputError(f"free leg must be one of {', '.join(FREE_LEG_STYLES)} (got {self.free_leg!r})")
        _check_level("free hip flexion", self.free_hip_flexion_deg, -10.0, 100.0)
        _check_level("free knee flexion", self.free_knee_flexion_deg, 0.0, 130.0)


@dataclass(frozen=True)
class StepDown(_Reps):
    """Step-down from a box on ``stance``: the free heel lowers to tap the floor in front (forward)
    or beside the box (lateral). ``box_height_m`` None: the height at which the free heel just
    touches the floor at the bottom of the first rep."""

    kind: ClassVar[str] = "step-down"
    stance: Side = "right"
    stance_leg: LegControl = field(default_factory=lambda: LegControl(valgus_deg=8.0))
    direction: Literal["forward", "lateral"] = "forward"
    box_height_m: float | None = None
    arms: ArmStyle = "hips"

    def __post_init__(self) -> None:
        self._check_reps()
        _check_side(self.stance)
        _check_arms(self.arms)
        if self.box_height_m is not None and not 0.05 <= self.box_height_m <= 0.45:
            raise InputError(f"box height must be 0.05-0.45 m (got {self.box_height_m})")


@dataclass(frozen=True)
class Running(_BothLegs):
    """Treadmill running: the body stays in place, the stance foot moves back with the belt.

    ``cadence_spm`` is steps (both legs) per minute; ``duty_factor`` the stance share of a gait
    cycle (< 0.5 gives a flight phase). Per leg, ``valgus_deg`` is the FPPA at midstance and
    ``hip_adduction_deg``/``hip_internal_rotation_deg``/``pelvic_drop_deg`` are their peaks at
    midstance; ``knee_flexion_deg`` is the stance peak (default 40).
    """

    kind: ClassVar[str] = "run"
    duration_s: float = 4.0
    cadence_spm: float = 172.0
    duty_factor: float = 0.36
    left: LegControl = field(default_factory=lambda: LegControl(valgus_deg=4.0, pelvic_drop_deg=4.0, toe_out_deg=6.0))
    right: LegControl = field(default_factory=lambda: LegControl(valgus_deg=4.0, pelvic_drop_deg=4.0, toe_out_deg=6.0))
    step_width_m: float = 0.08  # between the ankle centres at midstance, without the valgus-driven adduction
    trunk_forward_lean_deg: float = 8.0
    trunk_lateral_lean_deg: float = 0.0
    arms: ArmStyle = "swing"

    def __post_init__(self) -> None:
        _check_arms(self.arms)
        if not 1.0 <= self.duration_s <= 120.0:
            raise InputError(f"running duration must be 1-120 s (got {self.duration_s})")
        if not 120.0 <= self.cadence_spm <= 220.0:
            raise InputError(f"cadence must be 120-220 steps/min (got {self.cadence_spm})")
        if not 0.25 <= self.duty_factor <= 0.49:
            raise InputError(f"duty factor must be 0.25-0.49 (got {self.duty_factor})")
        if not -0.1 <= self.step_width_m <= 0.3:
            raise InputError(f"step width must be -0.1..0.3 m (got {self.step_width_m})")
        self._check_one_solved_angle(
            "when running either give valgus (hip rotation then keeps the foot on its line) or hip "
            "internal rotation (hip adduction then does), not both"
        )


Movement = Squat | SingleLegSquat | StepDown | Running
MOVEMENT_TYPES: dict[str, type] = {m.kind: m for m in (Squat, SingleLegSquat, StepDown, Running)}


def _check_arms(arms: str) -> None:
    if arms not in ARM_STYLES:
        raise InputError(f"arms must be one of {', '.join(ARM_STYLES)} (got {arms!r})")


def _check_side(side: str) -> None:
    if side not in ("left", "right"):
        raise InputError(f"stance leg must be left or right (got {side!r})")


def movement_to_json(movement: Movement) -> dict:
    return {"kind": movement.kind, **asdict(movement)}


def movement_from_json(data: dict) -> Movement:
    """Inverse of movement_to_json (lists become (first, last) pairs again)."""
    data = dict(data)
    kind = data.pop("kind")
    cls = MOVEMENT_TYPES[kind]

    def fix(value):
        return tuple(value) if isinstance(value, list) else value

    values = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if isinstance(value, dict):
            value = LegControl(**{k: fix(v) for k, v in value.items()})
        values[f.name] = fix(value)
    return cls(**values)
