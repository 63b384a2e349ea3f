"""Movement programs: the body's joint angles as functions of time, feet planted, events known.

A program is built once per clip (this is where the valgus targets are solved, rep by rep) and then
asked for the state at any instant (`state_at`), so motion blur can sample between frames and the
ground truth is exact at every frame.

Squat-like tasks go from standing (depth 0) to a planned bottom pose (depth 1) and back, with
depth = sin^2(pi u) over each rep (u = 0..1), so the bottom falls exactly on a frame. Every
controlled angle moves linearly with depth between its standing and bottom values, except hip
adduction, the valgus driver, which grows with depth squared: valgus builds up late in the descent,
and the hip rotation solved for the planted foot then starts smoothly from zero (with a linear
ramp it would jump to its near-final value on the first frame, the knee being almost straight).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from gaitcheck.errors import InputError
from gaitcheck.synth.body import SIDES, SUFFIX
from gaitcheck.synth.camera import Projection
from gaitcheck.synth.movements import (
    ArmStyle,
    LegControl,
    SingleLegSquat,
    Squat,
    StepDown,
    level_at,
)
from gaitcheck.synth.skeleton import (
    Anatomy,
    ArmPose,
    BodyPose,
    LegPose,
    Segments,
    foot_points,
    knee_gap_m,
    leg_joints,
    lowest_foot_z_m,
    segment_frames,
)
from gaitcheck.synth.solve import (
    MIN_KNEE_GAP_M,
    fppa_seen_deg,
    joints_of,
    other,
    plant_both_feet,
    root_solve,
    solve_ankle_offset,
)

log = logging.getLogger(__name__)

#: Default shares of the stance knee flexion taken by hip flexion (relative to the pelvis) and by
#: forward trunk lean; with the pelvis taking PELVIS_SHARE_OF_LEAN of the lean, the shank then leans
#: forward by (1 - hip + 0.8 lean) x knee flexion: 0.32 x in squats, 0.41 x in step-downs (the knee
#: travels over the toes so the free foot can reach the floor).
HIP_FLEXION_PER_KNEE = {"squat": 1.0, "single-leg-squat": 1.0, "step-down": 0.75, "run": 1.0}
TRUNK_LEAN_PER_KNEE = {"squat": 0.4, "single-leg-squat": 0.4, "step-down": 0.2, "run": 0.0}
#: The pelvis takes this share of the trunk's forward lean (the rest is lumbar flexion).
PELVIS_SHARE_OF_LEAN = 0.8
DEFAULT_KNEE_FLEXION_DEG = {"squat": 80.0, "single-leg-squat": 60.0, "step-down": 85.0, "run": 40.0}


@dataclass(frozen=True)
class FrameState:
    """Everything about the body at one instant."""

    time_s: float
    pose: BodyPose
    segments: Segments
    translation_m: np.ndarray  # of the root (pelvis centre), world
    left_stance: bool
    right_stance: bool
    rep: int = -1  # repetition under way (-1: standing between reps)
    step: int = -1  # running step whose stance this is (-1: flight or swing of both)
    depth: float = 0.0  # 0 standing .. 1 bottom of the rep (squat-like tasks)


@dataclass(frozen=True)
class Box:
    """A step box standing on the floor: x and y extents (m) and its height."""

    x_m: tuple[float, float]
    y_m: tuple[float, float]
    height_m: float

    def to_json(self) -> dict:
        return {"x_m": list(self.x_m), "y_m": list(self.y_m), "height_m": self.height_m}


class Program(Protocol):
    duration_s: float
    boxes: list[Box]

    def state_at(self, time_s: float) -> FrameState: ...

    def events(self, fps: float) -> dict: ...


# ------------------------------------------------------------------------------------------------
# arms
# ------------------------------------------------------------------------------------------------
#: Arm styles that hold still through a repetition (the others follow depth or the running phase).
STILL_ARMS: dict[str, ArmPose] = {
    "hips": ArmPose(
        shoulder_flexion_deg=-12.0,
        shoulder_abduction_deg=38.0,
        shoulder_internal_rotation_deg=62.0,
        elbow_flexion_deg=105.0,
    ),
    "crossed": ArmPose(
        shoulder_flexion_deg=28.0,
        shoulder_abduction_deg=-6.0,
        shoulder_internal_rotation_deg=72.0,
        elbow_flexion_deg=125.0,
    ),
    # straight up, a little apart (an overhead squat)
    "overhead": ArmPose(
        shoulder_flexion_deg=168.0,
        shoulder_abduction_deg=14.0,
        shoulder_internal_rotation_deg=0.0,
        elbow_flexion_deg=6.0,
    ),
    # hands together in front of the chest, elbows down (a goblet squat, without the weight drawn):
    # fitted on the rig so the hands meet at the midline ~10 cm in front of the lower chest
    "weight": ArmPose(
        shoulder_flexion_deg=15.0,
        shoulder_abduction_deg=0.0,
        shoulder_internal_rotation_deg=30.0,
        elbow_flexion_deg=100.0,
    ),
    "relaxed": ArmPose(),
}


def arm_pose(style: ArmStyle, depth: float = 0.0, trunk_lean_deg: float = 0.0, swing: float = 0.0) -> ArmPose:
    """One arm for a named style. `swing` (-1..1) is the running arm's phase (+1 fully forward)."""
    if style == "forward":  # reach forward as a counterweight: about horizontal in the world at the bottom
        return ArmPose(
            shoulder_flexion_deg=45.0 + 45.0 * depth + 0.6 * trunk_lean_deg * depth,
            shoulder_abduction_deg=6.0,
            shoulder_internal_rotation_deg=0.0,
            elbow_flexion_deg=8.0,
        )
    if style == "swing":
        return ArmPose(
            shoulder_flexion_deg=5.0 + 35.0 * swing,
            shoulder_abduction_deg=14.0,
            shoulder_internal_rotation_deg=10.0,
            elbow_flexion_deg=88.0 + 12.0 * swing,
        )
    return STILL_ARMS[style]


# ------------------------------------------------------------------------------------------------
# repetitions
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RepWindow:
    index: int
    start_s: float
    bottom_s: float
    end_s: float


def rep_windows(spec: Squat | SingleLegSquat | StepDown, fps: float) -> tuple[list[RepWindow], float]:
    """Rep start/bottom/end times on whole frames, and the clip's duration."""
    half = max(2, round(spec.rep_s * fps / 2))
    pause, lead = round(spec.pause_s * fps), max(1, round(spec.lead_s * fps))
    windows, start = [], lead
    for i in range(spec.reps):
        windows.append(RepWindow(i, start / fps, (start + half) / fps, (start + 2 * half) / fps))
        start += 2 * half + pause
    return windows, (start - pause + lead) / fps


def depth_at(windows: list[RepWindow], time_s: float) -> tuple[int, float]:
    """(rep index or -1, depth 0..1) at a time."""
    for w in windows:
        if w.start_s <= time_s <= w.end_s:
            u = (time_s - w.start_s) / (w.end_s - w.start_s)
            return w.index, float(np.sin(np.pi * u) ** 2)
    return -1, 0.0


@dataclass(frozen=True)
class LegTargets:
    """One leg at the bottom of one rep, resolved."""

    knee_flexion_deg: float
    hip_flexion_deg: float
    hip_adduction_deg: float
    hip_internal_rotation_deg: float | None  # None: solved frame by frame for the planted foot
    valgus_target_deg: float | None
    valgus_deg: float = float("nan")  # FPPA reached at the bottom, front camera
    valgus_capped: bool = False


@dataclass(frozen=True)
class RepPlan:
    window: RepWindow
    legs: dict[str, LegTargets]
    pelvic_drop_deg: float  # contralateral to the stance leg (single-leg tasks)
    trunk_forward_lean_deg: float
    trunk_lateral_lean_deg: float


def _leg_targets(control: LegControl, index: int, count: int, kind: str) -> LegTargets:
    knee = DEFAULT_KNEE_FLEXION_DEG[kind]
    if control.knee_flexion_deg is not None:
        knee = level_at(control.knee_flexion_deg, index, count)
    hip = level_at(control.hip_flexion_deg, index, count) if control.hip_flexion_deg is not None else None
    rotation = control.hip_internal_rotation_deg
    return LegTargets(
        knee_flexion_deg=knee,
        hip_flexion_deg=HIP_FLEXION_PER_KNEE[kind] * knee if hip is None else hip,
        hip_adduction_deg=level_at(control.hip_adduction_deg, index, count),
        hip_internal_rotation_deg=None if rotation is None else level_at(rotation, index, count),
        valgus_target_deg=None if control.valgus_deg is None else level_at(control.valgus_deg, index, count),
    )


def _lean(spec, index: int, knee_deg: float) -> tuple[float, float]:
    forward = spec.trunk_forward_lean_deg
    forward = TRUNK_LEAN_PER_KNEE[spec.kind] * knee_deg if forward is None else level_at(forward, index, spec.reps)
    return forward, level_at(spec.trunk_lateral_lean_deg, index, spec.reps)


def _blend(stand: float, bottom: float, depth: float) -> float:
    return stand + (bottom - stand) * depth


def _rep_event(plan: RepPlan, stance: str, fps: float) -> dict:
    w = plan.window
    legs = {
        side: {
            "valgus_target_deg": t.valgus_target_deg,
            "fppa_front_deg": round(t.valgus_deg, 4),
            "valgus_capped": t.valgus_capped,
            "knee_flexion_deg": round(t.knee_flexion_deg, 4),
            "hip_flexion_deg": round(t.hip_flexion_deg, 4),
            "hip_adduction_deg": round(t.hip_adduction_deg, 4),
            "hip_internal_rotation_deg": None
            if t.hip_internal_rotation_deg is None
            else round(t.hip_internal_rotation_deg, 4),
        }
        for side, t in plan.legs.items()
    }
    return {
        "rep": w.index,
        "stance": stance,
        "start_frame": round(w.start_s * fps),
        "bottom_frame": round(w.bottom_s * fps),
        "end_frame": round(w.end_s * fps),
        "start_s": w.start_s,
        "bottom_s": w.bottom_s,
        "end_s": w.end_s,
        "pelvic_drop_deg": plan.pelvic_drop_deg,
        "trunk_forward_lean_deg": round(plan.trunk_forward_lean_deg, 4),
        "trunk_lateral_lean_deg": plan.trunk_lateral_lean_deg,
        "legs": legs,
    }


# ------------------------------------------------------------------------------------------------
# bilateral squat
# ------------------------------------------------------------------------------------------------
class SquatProgram:
    """Both feet planted; per leg, hip rotation (or adduction, when rotation is given) is solved
    every frame so the ankles stay put, with the pelvis free to tilt and turn a little when the legs
    are asked to do different things. At each rep's bottom the hip adduction is solved for the
    valgus target; if the knees would come closer than MIN_KNEE_GAP_M the valgus is capped."""

    def __init__(self, spec: Squat, anatomy: Anatomy, frontal: Projection, fps: float):
        self.spec, self.anatomy, self.frontal = spec, anatomy, frontal
        self.windows, self.duration_s = rep_windows(spec, fps)
        self.boxes: list[Box] = []
        self.variables: dict[str, str] = {
            s: "rotation" if spec.leg(s).hip_internal_rotation_deg is None else "adduction" for s in SIDES
        }
        self.stand_adduction: dict[str, float] = {s: self._stance_width_adduction(s) for s in SIDES}
        self.anchors = self._standing_anchors()
        self.plans = [self._plan(w) for w in self.windows]

    # --- geometry of standing ----------------------------------------------------------------
    def _stance_width_adduction(self, side: str) -> float:
        half_width = self.spec.stance_width_m / 2 * (1 if side == "left" else -1)
        pose = BodyPose()
        solved = solve_ankle_offset(pose, self.anatomy, side, half_width, "adduction")
        return solved.leg(side).hip_adduction_deg

    def _standing_anchors(self) -> dict[str, np.ndarray]:
        pose = self._pose(None, 0.0)
        segments = segment_frames(pose)
        joints = joints_of(self.anatomy, segments, np.zeros(3))
        lift = -min(lowest_foot_z_m(self.anatomy, s, segments, joints[s].ankle) for s in SIDES)
        return {s: joints[s].ankle + np.array([0.0, 0.0, lift]) for s in SIDES}

    # --- poses -------------------------------------------------------------------------------
    def _pose(self, plan: RepPlan | None, depth: float) -> BodyPose:
        legs = {}
        for side in SIDES:
            stand_add = self.stand_adduction[side]
            toe_out = self.spec.leg(side).toe_out_deg
            if plan is None:
                legs[side] = LegPose(hip_adduction_deg=stand_add, toe_out_deg=toe_out)
                continue
            t = plan.legs[side]
            rotation = 0.0 if t.hip_internal_rotation_deg is None else t.hip_internal_rotation_deg * depth
            legs[side] = LegPose(
                hip_flexion_deg=t.hip_flexion_deg * depth,
                hip_adduction_deg=_blend(stand_add, t.hip_adduction_deg, depth**2),
                hip_internal_rotation_deg=rotation,
                knee_flexion_deg=t.knee_flexion_deg * depth,
                toe_out_deg=toe_out,
            )
        lean = plan.trunk_forward_lean_deg * depth if plan else 0.0
        arm = arm_pose(self.spec.arms, depth, lean)
        return BodyPose(
            left_leg=legs["left"],
            right_leg=legs["right"],
            left_arm=arm,
            right_arm=arm,
            pelvis_tilt_deg=PELVIS_SHARE_OF_LEAN * lean,
            trunk_forward_lean_deg=lean,
            trunk_lateral_lean_deg=plan.trunk_lateral_lean_deg * depth if plan else 0.0,
        )

    def _planted(self, plan: RepPlan | None, depth: float) -> tuple[BodyPose, np.ndarray]:
        return plant_both_feet(self._pose(plan, depth), self.anatomy, self.anchors, self.variables)

    # --- planning a rep ----------------------------------------------------------------------
    def _bottom(self, plan: RepPlan) -> tuple[dict, float]:
        """FPPA per leg (front camera) and knee gap at the bottom of a rep."""
        pose, translation = self._planted(plan, 1.0)
        segments = segment_frames(pose)
        joints = joints_of(self.anatomy, segments, translation)
        fppa = {s: fppa_seen_deg(joints, s, self.frontal) for s in SIDES}
        return fppa, knee_gap_m(self.anatomy, segments, translation)

    def _with_adductions(self, plan: RepPlan, adductions: dict[str, float]) -> RepPlan:
        legs = {s: replace(t, hip_adduction_deg=adductions.get(s, t.hip_adduction_deg)) for s, t in plan.legs.items()}
        return replace(plan, legs=legs)

    def _solve_valgus(self, plan: RepPlan, targets: dict[str, float]) -> RepPlan:
        """Newton on the targeted legs' hip adduction until their bottom FPPA matches."""
        sides = list(targets)
        if not sides:
            return plan
        x = np.array([0.7 * targets[s] + self.stand_adduction[s] for s in sides])
        for _ in range(25):
            current = self._with_adductions(plan, dict(zip(sides, x, strict=True)))
            fppa, _ = self._bottom(current)
            r = np.array([fppa[s] - targets[s] for s in sides])
            if np.max(np.abs(r)) < 1e-4:
                return current
            jacobian = np.empty((len(sides), len(sides)))
            for k in range(len(sides)):
                dx = x.copy()
                dx[k] += 0.01
                shifted, _ = self._bottom(self._with_adductions(plan, dict(zip(sides, dx, strict=True))))
                jacobian[:, k] = [(shifted[s] - fppa[s]) / 0.01 for s in sides]
            x = np.clip(x - np.linalg.solve(jacobian, r), -30.0, 40.0)
        raise InputError(f"valgus {targets} cannot be reached in this squat (knee flexion too small?)")

    def _plan_with(self, base: RepPlan, fraction: float) -> RepPlan:
        """The rep with each leg's valgus driver scaled from a safe value (fraction 0) to the request (1)."""
        targets, adductions = {}, {}
        for side, t in base.legs.items():
            if t.valgus_target_deg is not None:
                safe = min(t.valgus_target_deg, 0.0)
                targets[side] = safe + fraction * (t.valgus_target_deg - safe)
            else:
                safe = min(t.hip_adduction_deg, self.stand_adduction[side])
                adductions[side] = safe + fraction * (t.hip_adduction_deg - safe)
        return self._solve_valgus(self._with_adductions(base, adductions), targets)

    def _knee_clearance_m(self, base: RepPlan, fraction: float) -> float:
        """Knee gap at the bottom beyond MIN_KNEE_GAP_M with the valgus request scaled by fraction;
        -1 when that valgus cannot be reached at all (the knees are in the way)."""
        try:
            return self._bottom(self._plan_with(base, fraction))[1] - MIN_KNEE_GAP_M
        except InputError:
            return -1.0

    def _plan(self, window: RepWindow) -> RepPlan:
        n = self.spec.reps
        legs: dict[str, LegTargets] = {s: _leg_targets(self.spec.leg(s), window.index, n, "squat") for s in SIDES}
        knee = max(t.knee_flexion_deg for t in legs.values())
        forward, lateral = _lean(self.spec, window.index, knee)
        base = RepPlan(window, legs, 0.0, forward, lateral)
        fraction = 1.0
        if self._knee_clearance_m(base, 1.0) < 0.0:
            fraction = root_solve(lambda f: self._knee_clearance_m(base, f), 0.0, 1.0)
            # brentq may stop on the wrong side of the root, and the clearance is not always monotonic
            # (a request the solver cannot reach reads -1): step back, each step twice the last, so
            # this ends within ~20 tries (steps of 1e-6 alone took hours on one spec, seed 1004)
            back = 1e-6
            while self._knee_clearance_m(base, fraction) < 0.0 and fraction > 0.0:
                fraction, back = max(0.0, fraction - back), 2.0 * back
            log.warning(
                "rep %d: valgus capped at %.0f%% of the request so the knees do not overlap",
                window.index,
                100 * fraction,
            )
        plan = self._plan_with(base, fraction)
        fppa, _ = self._bottom(plan)
        legs = {s: replace(t, valgus_deg=fppa[s], valgus_capped=fraction < 1.0) for s, t in plan.legs.items()}
        return replace(plan, legs=legs)

    # --- the program -------------------------------------------------------------------------
    def state_at(self, time_s: float) -> FrameState:
        rep, depth = depth_at(self.windows, time_s)
        plan = self.plans[rep] if rep >= 0 else None
        pose, translation = self._planted(plan, depth)
        return FrameState(time_s, pose, segment_frames(pose), translation, True, True, rep=rep, depth=depth)

    def events(self, fps: float) -> dict:
        return {"reps": [_rep_event(p, "both", fps) for p in self.plans]}


# ------------------------------------------------------------------------------------------------
# single-leg squat and step-down
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FreeLeg:
    """The non-stance leg, standing (depth 0) and at the bottom (depth 1)."""

    stand: LegPose
    bottom: LegPose

    def at(self, depth: float) -> LegPose:
        a, b = self.stand, self.bottom
        return LegPose(
            hip_flexion_deg=_blend(a.hip_flexion_deg, b.hip_flexion_deg, depth),
            hip_adduction_deg=_blend(a.hip_adduction_deg, b.hip_adduction_deg, depth),
            hip_internal_rotation_deg=_blend(a.hip_internal_rotation_deg, b.hip_internal_rotation_deg, depth),
            knee_flexion_deg=_blend(a.knee_flexion_deg, b.knee_flexion_deg, depth),
            toe_out_deg=a.toe_out_deg,
            foot_pitch_deg=_blend(a.foot_pitch_deg, b.foot_pitch_deg, depth),
            foot_planted=False,
        )


def _free(hip_flexion: float, hip_adduction: float, knee_flexion: float, ankle_dorsiflexion: float) -> LegPose:
    return LegPose(
        hip_flexion_deg=hip_flexion,
        hip_adduction_deg=hip_adduction,
        knee_flexion_deg=knee_flexion,
        toe_out_deg=5.0,
        foot_pitch_deg=ankle_dorsiflexion,
        foot_planted=False,
    )


FREE_LEGS = {
    # single-leg squat, free leg held in front, foot off the floor
    "forward": FreeLeg(stand=_free(32.0, -4.0, 35.0, -15.0), bottom=_free(48.0, -4.0, 25.0, -15.0)),
    # single-leg squat, free knee bent, foot behind
    "back": FreeLeg(stand=_free(0.0, -6.0, 85.0, -20.0), bottom=_free(22.0, -6.0, 90.0, -20.0)),
    # single-leg squat, free knee raised high in front, shank hanging (the thigh stays about
    # horizontal in the world while the pelvis tilts forward at the bottom)
    "high": FreeLeg(stand=_free(70.0, -3.0, 90.0, -10.0), bottom=_free(88.0, -3.0, 90.0, -10.0)),
    # single-leg squat, free leg held out to the side (abducted 22-35 deg), knee almost straight
    "side": FreeLeg(stand=_free(8.0, -22.0, 10.0, -5.0), bottom=_free(22.0, -35.0, 10.0, -5.0)),
    # forward step-down: the heel lowers in front of the box (hip flexion fitted to the box, see below)
    "step-forward": FreeLeg(stand=_free(20.0, -2.0, 6.0, 5.0), bottom=_free(36.0, -2.0, 3.0, 10.0)),
    # lateral step-down: the foot lowers beside the box
    "step-lateral": FreeLeg(stand=_free(6.0, -8.0, 6.0, 5.0), bottom=_free(14.0, -9.0, 4.0, 8.0)),
}


def free_leg_for(spec: SingleLegSquat | StepDown) -> FreeLeg:
    """The free leg's path: the style's, with a single-leg squat's hip and knee flexion overrides
    applied at the bottom (the standing pose keeps the style's difference to the bottom)."""
    if isinstance(spec, StepDown):
        return FREE_LEGS["step-" + spec.direction]
    leg = FREE_LEGS[spec.free_leg]
    hip, knee = spec.free_hip_flexion_deg, spec.free_knee_flexion_deg
    hip_change = 0.0 if hip is None else hip - leg.bottom.hip_flexion_deg
    knee_change = 0.0 if knee is None else knee - leg.bottom.knee_flexion_deg

    def shifted(pose: LegPose) -> LegPose:
        return replace(
            pose,
            hip_flexion_deg=max(-10.0, pose.hip_flexion_deg + hip_change),
            knee_flexion_deg=max(0.0, pose.knee_flexion_deg + knee_change),
        )

    return FreeLeg(stand=shifted(leg.stand), bottom=shifted(leg.bottom))


#: The step box's front edge lies this far in front of the stance toes; its sides this far beyond the foot.
BOX_TOE_MARGIN_M = 0.02
BOX_SIDE_MARGIN_M = 0.03
#: In a forward step-down the free heel lands this far in front of the box.
HEEL_AHEAD_OF_BOX_M = 0.04


class SingleLegProgram:
    """One planted stance foot (on the floor or on a box); the free leg follows its own path.

    Hip rotation, unless given, is solved so the stance ankle keeps its standing distance from the
    pelvis centre along X - the knee moves medially while the foot stays, as in dynamic valgus.
    At each rep's bottom the stance hip adduction is solved for the valgus target, and the free
    knee bends a little more if the free foot would otherwise go through the floor. For a
    step-down the box is sized (unless given) so the free heel just taps the floor at the bottom.
    """

    def __init__(self, spec: SingleLegSquat | StepDown, anatomy: Anatomy, frontal: Projection, fps: float):
        self.spec, self.anatomy, self.frontal = spec, anatomy, frontal
        self.stance, self.free = spec.stance, other(spec.stance)
        self.windows, self.duration_s = rep_windows(spec, fps)
        self.free_leg = free_leg_for(spec)
        self.free_extra_knee_deg: dict[int, float] = {}
        self.boxes: list[Box] = []
        self.support_m = 0.0
        self._plan_all()
        if isinstance(spec, StepDown):
            if spec.direction == "forward":
                self._fit_free_leg_ahead_of(self._box(0.0).y_m[0] - HEEL_AHEAD_OF_BOX_M)
            height = spec.box_height_m if spec.box_height_m is not None else self._tap_height_m()
            self.support_m = height
            self._plan_all()
            self.boxes = [self._box(height)]
        self.free_extra_knee_deg = {p.window.index: self._free_foot_clearance(p) for p in self.plans}

    def _plan_all(self) -> None:
        self.anchor = self._standing_anchor()
        self.ankle_offset_m = float(self.anchor[0])
        self.plans = [self._plan(w) for w in self.windows]

    # --- geometry ------------------------------------------------------------------------------
    def _standing_anchor(self) -> np.ndarray:
        pose = self._pose(None, 0.0)
        segments = segment_frames(pose)
        ankle = leg_joints(self.anatomy, self.stance, segments, np.zeros(3)).ankle
        lift = self.support_m - lowest_foot_z_m(self.anatomy, self.stance, segments, ankle)
        return ankle + np.array([0.0, 0.0, lift])

    def _free_foot_low_m(self, plan: RepPlan | None, depth: float) -> float:
        pose, translation = self._planted(plan, depth)
        segments = segment_frames(pose)
        ankle = leg_joints(self.anatomy, self.free, segments, translation).ankle
        return lowest_foot_z_m(self.anatomy, self.free, segments, ankle)

    def _fit_free_leg_ahead_of(self, heel_y_m: float) -> None:
        """Free hip flexion, standing and at the bottom of the first rep, that puts the free heel
        heel_y_m (m) along Y: just in front of the box."""
        for depth, which in ((0.0, "stand"), (1.0, "bottom")):
            plan = self.plans[0] if depth else None

            def heel_miss(flexion: float, depth=depth, which=which, plan=plan) -> float:
                leg = replace(getattr(self.free_leg, which), hip_flexion_deg=flexion)
                self.free_leg = replace(self.free_leg, **{which: leg})
                pose, translation = self._planted(plan, depth)
                segments = segment_frames(pose)
                ankle = leg_joints(self.anatomy, self.free, segments, translation).ankle
                return float(foot_points(self.anatomy, self.free, segments, ankle)[:, 1].max()) - heel_y_m

            heel_miss(root_solve(heel_miss, 0.0, 80.0))

    def _tap_height_m(self) -> float:
        """Box height at which the free foot's lowest point touches the floor at the first bottom."""
        height = float(np.clip(self.support_m - self._free_foot_low_m(self.plans[0], 1.0), 0.10, 0.35))
        log.info("step-down box height %.3f m", height)
        return height

    def _free_foot_clearance(self, plan: RepPlan) -> float:
        """Extra free-knee flexion (deg, at the bottom) that keeps the free foot on or above the floor."""
        self.free_extra_knee_deg[plan.window.index] = 0.0
        if self._free_foot_low_m(plan, 1.0) >= 0.0:
            return 0.0

        def low(extra: float) -> float:
            self.free_extra_knee_deg[plan.window.index] = extra
            return self._free_foot_low_m(plan, 1.0) - 0.002

        return root_solve(low, 0.0, 60.0)

    def _box(self, height_m: float) -> Box:
        """A box under the stance foot: its front edge just ahead of the toes, open on the free side
        for a lateral step-down."""
        segments = segment_frames(self._pose(None, 0.0))
        foot = self.anchor + self.anatomy.foot_points_m[self.stance] @ segments.frames["foot" + SUFFIX[self.stance]].T
        front = float(foot[:, 1].min()) - BOX_TOE_MARGIN_M
        inner = float(foot[:, 0].min() if self.stance == "left" else foot[:, 0].max())
        if isinstance(self.spec, StepDown) and self.spec.direction == "lateral":  # boxes are for step-downs only
            medial_edge = inner - BOX_SIDE_MARGIN_M if self.stance == "left" else inner + BOX_SIDE_MARGIN_M
            lateral_edge = medial_edge + (0.40 if self.stance == "left" else -0.40)
        else:
            centre = float(self.anchor[0])
            medial_edge, lateral_edge = centre - 0.22, centre + 0.22
        x = (min(medial_edge, lateral_edge), max(medial_edge, lateral_edge))
        return Box(x_m=x, y_m=(front, front + 0.42), height_m=height_m)

    # --- poses -------------------------------------------------------------------------------
    def _pose(self, plan: RepPlan | None, depth: float) -> BodyPose:
        control = self.spec.stance_leg
        if plan is None:
            stance = LegPose(toe_out_deg=control.toe_out_deg)
            drop = forward = lateral = 0.0
        else:
            t = plan.legs[self.stance]
            rotation = 0.0 if t.hip_internal_rotation_deg is None else t.hip_internal_rotation_deg * depth
            stance = LegPose(
                hip_flexion_deg=t.hip_flexion_deg * depth,
                hip_adduction_deg=t.hip_adduction_deg * depth**2,
                hip_internal_rotation_deg=rotation,
                knee_flexion_deg=t.knee_flexion_deg * depth,
                toe_out_deg=control.toe_out_deg,
            )
            drop = plan.pelvic_drop_deg * depth
            forward = plan.trunk_forward_lean_deg * depth
            lateral = plan.trunk_lateral_lean_deg * depth
        free = self.free_leg.at(depth)
        extra = self.free_extra_knee_deg.get(plan.window.index, 0.0) if plan is not None else 0.0
        free = replace(free, knee_flexion_deg=free.knee_flexion_deg + extra * depth)
        legs = {self.stance: stance, self.free: free}
        arm = arm_pose(self.spec.arms, depth, forward)
        return BodyPose(
            left_leg=legs["left"],
            right_leg=legs["right"],
            left_arm=arm,
            right_arm=arm,
            pelvis_tilt_deg=PELVIS_SHARE_OF_LEAN * forward,
            pelvis_obliquity_deg=drop if self.stance == "left" else -drop,
            trunk_forward_lean_deg=forward,
            trunk_lateral_lean_deg=lateral,
        )

    def _planted(self, plan: RepPlan | None, depth: float) -> tuple[BodyPose, np.ndarray]:
        pose = self._pose(plan, depth)
        if plan is not None and plan.legs[self.stance].hip_internal_rotation_deg is None:
            pose = solve_ankle_offset(pose, self.anatomy, self.stance, self.ankle_offset_m, "rotation")
        ankle = leg_joints(self.anatomy, self.stance, segment_frames(pose), np.zeros(3)).ankle
        return pose, self.anchor - ankle

    # --- planning a rep ----------------------------------------------------------------------
    def _fppa_at_bottom(self, plan: RepPlan) -> float:
        pose, translation = self._planted(plan, 1.0)
        joints = joints_of(self.anatomy, segment_frames(pose), translation)
        return fppa_seen_deg(joints, self.stance, self.frontal)

    def _plan(self, window: RepWindow) -> RepPlan:
        n, control = self.spec.reps, self.spec.stance_leg
        target = _leg_targets(control, window.index, n, self.spec.kind)
        forward, lateral = _lean(self.spec, window.index, target.knee_flexion_deg)
        drop = level_at(control.pelvic_drop_deg, window.index, n)
        plan = RepPlan(window, {self.stance: target}, drop, forward, lateral)

        def with_adduction(adduction: float) -> RepPlan:
            return replace(plan, legs={self.stance: replace(target, hip_adduction_deg=adduction)})

        if target.valgus_target_deg is not None:
            goal = target.valgus_target_deg
            adduction = root_solve(lambda a: self._fppa_at_bottom(with_adduction(a)) - goal, -30.0, 40.0)
            plan = with_adduction(adduction)
            if abs(self._fppa_at_bottom(plan) - goal) > 1e-3:
                raise InputError(f"valgus {goal:g} deg cannot be reached in this task")
        fppa = self._fppa_at_bottom(plan)
        return replace(plan, legs={self.stance: replace(plan.legs[self.stance], valgus_deg=fppa)})

    # --- the program -------------------------------------------------------------------------
    def state_at(self, time_s: float) -> FrameState:
        rep, depth = depth_at(self.windows, time_s)
        plan = self.plans[rep] if rep >= 0 else None
        pose, translation = self._planted(plan, depth)
        stance = {self.stance: True, self.free: False}
        return FrameState(
            time_s, pose, segment_frames(pose), translation, stance["left"], stance["right"], rep=rep, depth=depth
        )

    def events(self, fps: float) -> dict:
        reps = [_rep_event(p, self.stance, fps) for p in self.plans]
        for event in reps:
            event["free_knee_extra_flexion_deg"] = round(self.free_extra_knee_deg.get(event["rep"], 0.0), 4)
        return {"reps": reps, "boxes": [b.to_json() for b in self.boxes]}
