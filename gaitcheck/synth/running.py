"""Treadmill running: periodic joint-angle curves, a stance foot that keeps its line, flight phases.

Sagittal curves (hip and knee flexion, foot pitch) follow the shapes of Novacheck 1998 (Gait
Posture 7:77-95) for running at about 3-4 m/s. In the frontal plane each stance adds hip adduction
(solved per step for the midstance valgus target), contralateral pelvic drop and hip rotation,
each as sin^2 over the stance. Heights: the stance foot's lowest point is on the belt (z = 0); in
flight the body follows a ballistic arc.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gaitcheck.errors import InputError
from gaitcheck.synth.body import SIDES
from gaitcheck.synth.camera import Projection
from gaitcheck.synth.motion import DEFAULT_KNEE_FLEXION_DEG, PELVIS_SHARE_OF_LEAN, Box, FrameState, arm_pose
from gaitcheck.synth.movements import Running, level_at
from gaitcheck.synth.skeleton import Anatomy, BodyPose, LegPose, leg_joints, lowest_foot_z_m, segment_frames
from gaitcheck.synth.solve import fppa_seen_deg, joints_of, other, root_solve, solve_ankle_offset, with_leg

#: Sagittal keypoints of a running gait cycle (phase 0 = initial contact, `duty` = toe-off), shaped
#: after Novacheck 1998 (Gait Posture 7:77-95) for running at about 3-4 m/s. Degrees.
HIP_FLEXION_KEYS_DEG = (32.0, 15.0, -9.0, -4.0, 30.0, 46.0)  # IC, midstance, TO, then swing 15/50/80 %
KNEE_AT_CONTACT_DEG = 14.0
KNEE_SWING_PEAK_DEG = 95.0
FOOT_PITCH_STANCE_KEYS = ((0.0, 8.0), (0.15, 0.0), (0.55, 0.0), (1.0, -35.0))  # (share of stance, + toes up)
SWING_ABDUCTION_DEG = 6.0  # the swing leg abducts a little at mid-swing to clear the stance leg
START_PHASE = 0.62  # the left leg's phase at t = 0 (the clip starts in the right leg's early stance)


def _bump(x: float) -> float:
    """sin^2(pi x) on 0..1 (0 at both ends, 1 in the middle), 0 outside."""
    return float(np.sin(np.pi * x) ** 2) if 0.0 <= x <= 1.0 else 0.0


@dataclass(frozen=True)
class Step:
    """One stance phase of one leg, with its targets at midstance."""

    index: int  # order of initial contacts across both legs
    leg: str
    leg_index: int  # the n-th step of this leg
    contact_s: float
    midstance_s: float
    toe_off_s: float
    knee_flexion_deg: float
    hip_adduction_deg: float  # at midstance (its peak)
    hip_internal_rotation_deg: float | None  # its peak; None: solved frame by frame (the foot keeps its line)
    pelvic_drop_deg: float
    valgus_target_deg: float | None
    valgus_deg: float = float("nan")

    def to_json(self, fps: float) -> dict:
        return {
            "step": self.index,
            "leg": self.leg,
            "initial_contact_frame": round(self.contact_s * fps),
            "midstance_frame": round(self.midstance_s * fps),
            "toe_off_frame": round(self.toe_off_s * fps),
            "initial_contact_s": round(self.contact_s, 6),
            "midstance_s": round(self.midstance_s, 6),
            "toe_off_s": round(self.toe_off_s, 6),
            "valgus_target_deg": self.valgus_target_deg,
            "fppa_front_deg": round(self.valgus_deg, 4),
            "hip_adduction_deg": round(self.hip_adduction_deg, 4),
            "hip_internal_rotation_deg": self.hip_internal_rotation_deg,
            "knee_flexion_deg": self.knee_flexion_deg,
            "pelvic_drop_deg": self.pelvic_drop_deg,
        }


class RunningProgram:
    """Treadmill running built from periodic joint-angle curves.

    Frontal plane, per stance: hip adduction rises from its contact value (set by the step width)
    to its midstance peak (solved for the valgus target), the pelvis drops on the swing side, and
    the hip rotates by its given peak, each as sin^2 over the stance. The body stays in place
    horizontally; vertically the stance foot's lowest point is on the belt (z = 0) and the body
    follows a ballistic arc through each flight phase.
    """

    def __init__(self, spec: Running, anatomy: Anatomy, frontal: Projection, fps: float):
        from scipy.interpolate import CubicSpline, PchipInterpolator

        self.spec, self.anatomy, self.frontal = spec, anatomy, frontal
        self.duration_s = spec.duration_s
        self.boxes: list[Box] = []
        self.cycle_s = 120.0 / spec.cadence_spm
        duty, swing = spec.duty_factor, 1.0 - spec.duty_factor
        phases = [0.0, duty / 2, duty, duty + 0.15 * swing, duty + 0.5 * swing, duty + 0.8 * swing, 1.0]
        self.hip_curve = CubicSpline(phases, [*HIP_FLEXION_KEYS_DEG, HIP_FLEXION_KEYS_DEG[0]], bc_type="periodic")
        keys = np.array(FOOT_PITCH_STANCE_KEYS)
        self.stance_pitch = PchipInterpolator(keys[:, 0], keys[:, 1])
        self.contact_adduction: dict[str, float] = {side: self._contact_adduction(side) for side in SIDES}
        self.steps: list[Step] = []
        self.steps = self._plan_steps()

    # --- phases and curves ---------------------------------------------------------------------
    def phase(self, side: str, time_s: float) -> float:
        offset = START_PHASE if side == "left" else START_PHASE + 0.5
        return float((time_s / self.cycle_s + offset) % 1.0)

    def _stance_share(self, phase: float) -> float | None:
        duty = self.spec.duty_factor
        return phase / duty if phase < duty else None

    def _knee_deg(self, phase: float, peak_deg: float) -> float:
        share = self._stance_share(phase)
        if share is not None:
            return KNEE_AT_CONTACT_DEG + (peak_deg - KNEE_AT_CONTACT_DEG) * _bump(share)
        swing = (phase - self.spec.duty_factor) / (1.0 - self.spec.duty_factor)
        return KNEE_AT_CONTACT_DEG + (KNEE_SWING_PEAK_DEG - KNEE_AT_CONTACT_DEG) * _bump(swing**0.756)

    def _shank_pitch_deg(self, phase: float, knee_peak_deg: float) -> float:
        """Forward inclination of the shank (ankle ahead of the knee), from the sagittal angles."""
        tilt = PELVIS_SHARE_OF_LEAN * self.spec.trunk_forward_lean_deg
        return float(self.hip_curve(phase)) - tilt - self._knee_deg(phase, knee_peak_deg)

    def _foot_pitch_deg(self, phase: float, knee_peak_deg: float) -> float:
        """World pitch of the foot (+ toes up): the stance curve, and in swing an ankle angle that
        blends from the toe-off to the contact attitude through neutral."""
        from scipy.interpolate import PchipInterpolator

        share = self._stance_share(phase)
        if share is not None:
            return float(self.stance_pitch(share))
        duty = self.spec.duty_factor
        at_toe_off = float(self.stance_pitch(1.0)) - self._shank_pitch_deg(duty, knee_peak_deg)
        at_contact = float(self.stance_pitch(0.0)) - self._shank_pitch_deg(0.0, knee_peak_deg)
        ankle = PchipInterpolator([0.0, 0.5, 1.0], [at_toe_off, 0.0, at_contact])
        swing = (phase - duty) / (1.0 - duty)
        return self._shank_pitch_deg(phase, knee_peak_deg) + float(ankle(swing))

    def _leg_pose(self, side: str, phase: float, step: Step) -> LegPose:
        share = self._stance_share(phase)
        base = self.contact_adduction[side]
        if share is not None:
            adduction = base + (step.hip_adduction_deg - base) * _bump(share)
            rotation = (step.hip_internal_rotation_deg or 0.0) * _bump(share)
        else:
            swing = (phase - self.spec.duty_factor) / (1.0 - self.spec.duty_factor)
            adduction, rotation = base - SWING_ABDUCTION_DEG * _bump(swing), 0.0
        return LegPose(
            hip_flexion_deg=float(self.hip_curve(phase)),
            hip_adduction_deg=adduction,
            hip_internal_rotation_deg=rotation,
            knee_flexion_deg=self._knee_deg(phase, step.knee_flexion_deg),
            toe_out_deg=self.spec.leg(side).toe_out_deg,
            foot_pitch_deg=self._foot_pitch_deg(phase, step.knee_flexion_deg),
            foot_planted=True,
        )

    # --- steps ---------------------------------------------------------------------------------
    def _contact_adduction(self, side: str) -> float:
        """Hip adduction that puts the ankle at +-step_width/2 at midstance (before any valgus)."""
        phase = self.spec.duty_factor / 2
        leg = LegPose(float(self.hip_curve(phase)), 0.0, 0.0, DEFAULT_KNEE_FLEXION_DEG["run"])
        tilt = PELVIS_SHARE_OF_LEAN * self.spec.trunk_forward_lean_deg
        pose = BodyPose(left_leg=leg, right_leg=leg, pelvis_tilt_deg=tilt)
        half = self.spec.step_width_m / 2 * (1 if side == "left" else -1)
        return solve_ankle_offset(pose, self.anatomy, side, half, "adduction").leg(side).hip_adduction_deg

    def _plan_steps(self) -> list[Step]:
        contacts = []
        for side in SIDES:
            first = -self.phase(side, 0.0) * self.cycle_s  # the contact at or before t = 0
            times = [first + k * self.cycle_s for k in range(int(self.duration_s / self.cycle_s) + 2)]
            contacts += [(t, side) for t in times if t < self.duration_s]
        contacts.sort()
        counts = {side: sum(1 for _, s in contacts if s == side) for side in SIDES}
        seen = dict.fromkeys(SIDES, 0)
        steps = []
        for index, (contact, side) in enumerate(contacts):
            control, k, n = self.spec.leg(side), seen[side], counts[side]
            seen[side] += 1
            knee = DEFAULT_KNEE_FLEXION_DEG["run"]
            if control.knee_flexion_deg is not None:
                knee = level_at(control.knee_flexion_deg, k, n)
            rotation = control.hip_internal_rotation_deg
            step = Step(
                index=index,
                leg=side,
                leg_index=k,
                contact_s=contact,
                midstance_s=contact + self.spec.duty_factor * self.cycle_s / 2,
                toe_off_s=contact + self.spec.duty_factor * self.cycle_s,
                knee_flexion_deg=knee,
                hip_adduction_deg=self.contact_adduction[side] + level_at(control.hip_adduction_deg, k, n),
                hip_internal_rotation_deg=None if rotation is None else level_at(rotation, k, n),
                pelvic_drop_deg=level_at(control.pelvic_drop_deg, k, n),
                valgus_target_deg=None if control.valgus_deg is None else level_at(control.valgus_deg, k, n),
            )
            steps.append(step)
        self.steps = steps
        return [self._solve_valgus(step) for step in steps]

    def _solve_valgus(self, step: Step) -> Step:
        def fppa(candidate: Step) -> float:
            state = self._state(step.midstance_s, candidate)
            joints = joints_of(self.anatomy, state.segments, state.translation_m)
            return fppa_seen_deg(joints, step.leg, self.frontal)

        if step.valgus_target_deg is not None:
            goal = step.valgus_target_deg
            adduction = root_solve(lambda a: fppa(replace(step, hip_adduction_deg=a)) - goal, -25.0, 40.0)
            step = replace(step, hip_adduction_deg=adduction)
            if abs(fppa(step) - goal) > 1e-3:
                raise InputError(f"running valgus {goal:g} deg cannot be reached")
        return replace(step, valgus_deg=fppa(step))

    def _current_step(self, side: str, time_s: float, override: Step | None = None) -> Step:
        """The step of this leg whose gait cycle (stance, then swing) contains time_s."""
        own = [s for s in self.steps if s.leg == side and s.contact_s <= time_s + 1e-9]
        step = own[-1] if own else next(s for s in self.steps if s.leg == side)
        if override is not None and override.leg == side and override.index == step.index:
            return override
        return step

    # --- the program -------------------------------------------------------------------------
    def _pose(self, time_s: float, override: Step | None = None) -> tuple[BodyPose, dict[str, Step]]:
        legs: dict[str, LegPose] = {}
        steps: dict[str, Step] = {}
        swing: dict[str, float] = {}
        obliquity = 0.0
        for side in SIDES:
            phase = self.phase(side, time_s)
            step = self._current_step(side, time_s, override)
            steps[side] = step
            legs[side] = self._leg_pose(side, phase, step)
            share = self._stance_share(phase)
            drop = step.pelvic_drop_deg * _bump(share) if share is not None else 0.0
            obliquity += drop if side == "left" else -drop  # left stance drops the right side
            # each arm swings with the opposite leg: fully forward at that leg's late swing
            swing[other(side)] = float(np.cos(2 * np.pi * (phase - 0.85)))
        lean = self.spec.trunk_forward_lean_deg
        pose = BodyPose(
            left_leg=legs["left"],
            right_leg=legs["right"],
            left_arm=arm_pose(self.spec.arms, 0.0, lean, swing["left"]),
            right_arm=arm_pose(self.spec.arms, 0.0, lean, swing["right"]),
            pelvis_tilt_deg=PELVIS_SHARE_OF_LEAN * lean,
            pelvis_obliquity_deg=obliquity,
            trunk_forward_lean_deg=lean,
            trunk_lateral_lean_deg=self.spec.trunk_lateral_lean_deg,
        )
        for side in SIDES:
            if self._stance_share(self.phase(side, time_s)) is not None:
                pose = self._keep_foot_line(pose, side)
        return pose, steps

    def _keep_foot_line(self, pose: BodyPose, side: str) -> BodyPose:
        """A stance foot lands where the step width puts it and stays on that line: hip rotation (or,
        when rotation is given, adduction) absorbs the valgus adduction and the pelvic drop, so the
        ankle keeps the lateral position it would have without them."""
        plain = with_leg(
            replace(pose, pelvis_obliquity_deg=0.0),
            side,
            hip_adduction_deg=self.contact_adduction[side],
            hip_internal_rotation_deg=0.0,
        )
        ankle_x = leg_joints(self.anatomy, side, segment_frames(plain), np.zeros(3)).ankle[0]
        variable = "rotation" if self.spec.leg(side).hip_internal_rotation_deg is None else "adduction"
        return solve_ankle_offset(pose, self.anatomy, side, float(ankle_x), variable)

    def _lowest_m(self, pose: BodyPose, sides: tuple[str, ...]) -> float:
        segments = segment_frames(pose)
        joints = joints_of(self.anatomy, segments, np.zeros(3))
        return min(lowest_foot_z_m(self.anatomy, s, segments, joints[s].ankle) for s in sides)

    def _height_m(self, time_s: float, pose: BodyPose, override: Step | None) -> float:
        """Root height: stance foot on the belt; a ballistic arc (g = 9.81) through flight."""
        in_stance = tuple(s for s in SIDES if self._stance_share(self.phase(s, time_s)) is not None)
        if in_stance:
            return -self._lowest_m(pose, in_stance)
        duty_s = self.spec.duty_factor * self.cycle_s
        leaving = max((s for s in self.steps if s.toe_off_s <= time_s), key=lambda s: s.toe_off_s, default=None)
        landing = min((s for s in self.steps if s.contact_s >= time_s), key=lambda s: s.contact_s, default=None)
        t0 = leaving.toe_off_s if leaving else time_s - 1e-3
        t1 = landing.contact_s if landing else t0 + self.cycle_s / 2 - duty_s
        ends = []
        for t, side in ((t0, leaving.leg if leaving else None), (t1, landing.leg if landing else None)):
            probe = t - 1e-6 if t == t0 else t + 1e-6
            pose_t, _ = self._pose(probe, override)
            ends.append(-self._lowest_m(pose_t, (side,)) if side else -self._lowest_m(pose_t, SIDES))
        u = (time_s - t0) / max(t1 - t0, 1e-9)
        arc = 0.5 * 9.81 * (time_s - t0) * (t1 - time_s)
        return max(ends[0] + (ends[1] - ends[0]) * u + arc, -self._lowest_m(pose, SIDES))

    def _state(self, time_s: float, override: Step | None = None) -> FrameState:
        pose, steps = self._pose(time_s, override)
        translation = np.array([0.0, 0.0, self._height_m(time_s, pose, override)])
        stance = {s: self._stance_share(self.phase(s, time_s)) is not None for s in SIDES}
        current = [steps[s].index for s in SIDES if stance[s]]
        return FrameState(
            time_s,
            pose,
            segment_frames(pose),
            translation,
            stance["left"],
            stance["right"],
            step=current[0] if current else -1,
        )

    def state_at(self, time_s: float) -> FrameState:
        return self._state(time_s)

    def events(self, fps: float) -> dict:
        inside = [s for s in self.steps if 0.0 <= s.contact_s < self.duration_s]
        return {
            "steps": [s.to_json(fps) for s in inside],
            "cycle_s": self.cycle_s,
            "cadence_spm": 120.0 / self.cycle_s,
            "duty_factor": self.spec.duty_factor,
        }
