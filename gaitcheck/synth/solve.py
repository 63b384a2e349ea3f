"""Small solvers that make a pose physically consistent: planted feet, a target FPPA, knee clearance.

All work on the leg chains alone (skeleton.leg_joints), so they cost microseconds per evaluation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from gaitcheck.kinematics import fppa_deg
from gaitcheck.synth.body import SIDES
from gaitcheck.synth.camera import Projection
from gaitcheck.synth.skeleton import Anatomy, BodyPose, LegJoints, Segments, leg_joints, segment_frames

#: Knees may come this close (m) and no closer; the painter's algorithm cannot draw interpenetration.
MIN_KNEE_GAP_M = 0.01
_ORIGIN = np.zeros(3)


def other(side: str) -> str:
    return "right" if side == "left" else "left"


def with_leg(pose: BodyPose, side: str, **changes) -> BodyPose:
    """The pose with some of one leg's angles changed."""
    leg = replace(pose.leg(side), **changes)
    return replace(pose, left_leg=leg) if side == "left" else replace(pose, right_leg=leg)


def joints_of(anatomy: Anatomy, segments: Segments, translation_m: np.ndarray) -> dict[str, LegJoints]:
    return {side: leg_joints(anatomy, side, segments, translation_m) for side in SIDES}


def fppa_seen_deg(joints: dict[str, LegJoints], side: str, projection: Projection) -> float:
    """gaitcheck's FPPA of one leg from the projected rig joint centres."""
    leg, contra = joints[side], joints[other(side)]
    hip, knee, ankle, contra_hip = projection.project(np.stack([leg.hip, leg.knee, leg.ankle, contra.hip]))
    return float(fppa_deg(hip, knee, ankle, contra_hip))


def root_solve(f: Callable[[float], float], low: float, high: float) -> float:
    """A root of f in [low, high]; the argmin of |f| when f does not change sign there."""
    f_low, f_high = f(low), f(high)
    if np.sign(f_low) != np.sign(f_high):
        return float(brentq(f, low, high, xtol=1e-7))
    return float(minimize_scalar(lambda x: abs(f(x)), bounds=(low, high), method="bounded").x)


# ------------------------------------------------------------------------------------------------
# planted feet
# ------------------------------------------------------------------------------------------------
def solve_ankle_offset(pose: BodyPose, anatomy: Anatomy, side: str, ankle_x_m: float, variable: str) -> BodyPose:
    """Set one leg's hip internal rotation (or adduction) so its ankle sits ankle_x_m from the pelvis
    centre along X (the root at the origin); the other angles stay as they are."""
    field = "hip_internal_rotation_deg" if variable == "rotation" else "hip_adduction_deg"
    low, high = (-45.0, 60.0) if variable == "rotation" else (-30.0, 40.0)

    def miss(value: float) -> float:
        candidate = with_leg(pose, side, **{field: value})
        return leg_joints(anatomy, side, segment_frames(candidate), _ORIGIN).ankle[0] - ankle_x_m

    return with_leg(pose, side, **{field: root_solve(miss, low, high)})


def plant_both_feet(
    pose: BodyPose, anatomy: Anatomy, anchors_m: dict[str, np.ndarray], variables: dict[str, str]
) -> tuple[BodyPose, np.ndarray]:
    """Keep both ankles on their anchors: solve each leg's `variables[side]` ('rotation' or
    'adduction'), the pelvic obliquity and rotation, and the root translation.

    Four unknowns, four conditions (the ankles' relative position, and the pelvis centred between
    the feet over them). Damped Gauss-Newton from the pose's own values: where an unknown has no
    effect (hip rotation of a straight, vertical leg) it keeps its given value, so the result is a
    pure function of the pose. Symmetric poses give a level pelvis. Returns (pose, translation).
    """
    fields = {"rotation": "hip_internal_rotation_deg", "adduction": "hip_adduction_deg"}
    anchor_gap = anchors_m["left"] - anchors_m["right"]
    anchor_mid = (anchors_m["left"] + anchors_m["right"]) / 2

    def build(u: np.ndarray) -> BodyPose:
        p = with_leg(pose, "left", **{fields[variables["left"]]: u[0]})
        p = with_leg(p, "right", **{fields[variables["right"]]: u[1]})
        return replace(p, pelvis_obliquity_deg=u[2], pelvis_rotation_deg=u[3])

    def residual(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        joints = joints_of(anatomy, segment_frames(build(u)), _ORIGIN)
        left, right = joints["left"].ankle, joints["right"].ankle
        translation = anchor_mid - (left + right) / 2
        return np.append((left - right) - anchor_gap, translation[0] - anchor_mid[0]), translation

    u = np.array(
        [getattr(pose.leg(s), fields[variables[s]]) for s in SIDES]
        + [pose.pelvis_obliquity_deg, pose.pelvis_rotation_deg]
    )
    step, damping = 1e-3, 1e-10
    for _ in range(40):
        r, translation = residual(u)
        if np.max(np.abs(r)) < 1e-9:
            break
        jacobian = np.empty((4, 4))
        for k in range(4):
            du = np.zeros(4)
            du[k] = step
            jacobian[:, k] = (residual(u + du)[0] - r) / step
        u = u - np.linalg.solve(jacobian.T @ jacobian + damping * np.eye(4), jacobian.T @ r)
    r, translation = residual(u)
    return build(u), translation
