"""Posing the rig from joint angles with anatomical meaning: pure functions over numpy arrays.

Every segment (pelvis, thigh, shank, foot, trunk, upper arm, forearm) gets an *anatomical frame*
whose columns are, in the neutral pose, the world axes: x = the subject's left, y = posterior,
z = up (along the segment, toward its proximal end). In the neutral pose the femur and tibia are
vertical and collinear, the feet flat and pointing straight ahead, the arms hanging. Anny's own
reference pose is not neutral (knees flexed ~8 deg, legs slightly abducted, arms in an A-pose), so
each segment's reference frame is measured on the rig (`Anatomy`) and joint angles are applied
relative to neutral. That makes the inputs exact: a knee flexion input of 40 deg gives a 3-D
hip-knee-ankle angle of exactly 140 deg.

Joint angles (degrees, anatomical signs, the same for both sides):

* hip: Cardan sequence flexion -> adduction -> internal rotation of the thigh relative to the
  pelvis (the ISB joint coordinate system order, Wu et al. 2002), i.e. for the left leg
  ``A_thigh = A_pelvis @ Rx(-flexion) @ Ry(+adduction) @ Rz(-internal_rotation)``; the right leg
  mirrors the signs of adduction and rotation. + adduction moves the knee toward the midline,
  + internal rotation turns the front of the femur toward the midline.
* knee: ``A_shank = A_thigh @ Rx(+flexion)`` about the thigh's medio-lateral axis (the shank swings
  backwards), so hip rotation carries the knee axis with it - which is how rotation shows in FPPA.
* shoulder: the same sequence as the hip; elbow flexion brings the forearm forward.
* pelvis: ``Rz(rotation) @ Rx(anterior tilt) @ Ry(-obliquity)``, obliquity + when the right hip is
  lower. Trunk: world orientation ``Rz(rotation) @ Rx(forward lean) @ Ry(-lateral lean)``, lateral
  lean + toward the subject's right, spread over the five spine bones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gaitcheck.synth.body import SIDES, SUFFIX, Rig

# ------------------------------------------------------------------------------------------------
# rotations
# ------------------------------------------------------------------------------------------------


def rot_x(deg: float) -> np.ndarray:
    """Rotation about +x (the subject's left): +angle tips +z (up) toward -y (anterior)."""
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rot_y(deg: float) -> np.ndarray:
    """Rotation about +y (posterior): +angle tips +z (up) toward +x (the subject's left)."""
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rot_z(deg: float) -> np.ndarray:
    """Rotation about +z (up): counter-clockwise seen from above; +angle turns -y (anterior) toward +x."""
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def frame_from_axes(z_axis: np.ndarray, x_hint: np.ndarray) -> np.ndarray:
    """Right-handed frame (columns x, y, z) with z along z_axis and x as close to x_hint as possible."""
    z = _unit(z_axis)
    x = _unit(x_hint - (x_hint @ z) * z)
    return np.stack([x, np.cross(z, x), z], axis=1)


def rotation_vector(rotation: np.ndarray) -> np.ndarray:
    """Axis times angle (radians) of a rotation matrix (angles below 180 deg)."""
    cos_angle = np.clip((np.trace(rotation) - 1.0) / 2.0, -1.0, 1.0)
    angle = np.arccos(cos_angle)
    axis = np.array([rotation[2, 1] - rotation[1, 2], rotation[0, 2] - rotation[2, 0], rotation[1, 0] - rotation[0, 1]])
    if angle < 1e-9:
        return axis / 2.0
    return axis * angle / (2.0 * np.sin(angle))


def rotation_matrix(vector: np.ndarray) -> np.ndarray:
    """Rodrigues' formula: the rotation by |vector| radians about vector."""
    angle = float(np.linalg.norm(vector))
    if angle < 1e-12:
        return np.eye(3)
    x, y, z = vector / angle
    k = np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])
    return np.eye(3) + np.sin(angle) * k + (1.0 - np.cos(angle)) * (k @ k)


def slerp_rotation(rotation: np.ndarray, fraction: float) -> np.ndarray:
    """The rotation `fraction` of the way from identity to `rotation` (same axis, scaled angle)."""
    return rotation_matrix(rotation_vector(rotation) * fraction)


def _side_sign(side: str) -> float:
    """+1 for the left side: the sign of anatomical adduction/rotation in Ry/Rz terms for the left limb."""
    return 1.0 if side == "left" else -1.0


def limb_rotation(side: str, flexion_deg: float, adduction_deg: float, internal_rotation_deg: float) -> np.ndarray:
    """Cardan flexion -> adduction -> internal rotation of a hip or shoulder (anatomical signs)."""
    s = _side_sign(side)
    return rot_x(-flexion_deg) @ rot_y(s * adduction_deg) @ rot_z(-s * internal_rotation_deg)


# ------------------------------------------------------------------------------------------------
# the pose, as joint angles
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LegPose:
    """One leg's joint angles (degrees). The foot is either planted (its orientation set in the world:
    flat, turned out by ``toe_out_deg``, pitched by ``foot_pitch_deg``, + toes up) or free (set
    relative to the shank: ``foot_pitch_deg`` is ankle dorsiflexion, + toes up)."""

    hip_flexion_deg: float = 0.0
    hip_adduction_deg: float = 0.0
    hip_internal_rotation_deg: float = 0.0
    knee_flexion_deg: float = 0.0
    toe_out_deg: float = 8.0
    foot_pitch_deg: float = 0.0
    foot_planted: bool = True


@dataclass(frozen=True)
class ArmPose:
    """One arm's joint angles (degrees); all zero is the arm hanging straight down at the side."""

    shoulder_flexion_deg: float = 0.0
    shoulder_abduction_deg: float = 8.0
    shoulder_internal_rotation_deg: float = 0.0
    elbow_flexion_deg: float = 10.0


@dataclass(frozen=True)
class BodyPose:
    """The whole body's joint angles for one instant (degrees)."""

    left_leg: LegPose = field(default_factory=LegPose)
    right_leg: LegPose = field(default_factory=LegPose)
    left_arm: ArmPose = field(default_factory=ArmPose)
    right_arm: ArmPose = field(default_factory=ArmPose)
    pelvis_tilt_deg: float = 0.0  # anterior tilt of the pelvis (whole-body forward lean), world
    pelvis_obliquity_deg: float = 0.0  # + when the right hip is lower than the left
    pelvis_rotation_deg: float = 0.0  # about vertical, + turns the front toward the subject's left
    trunk_forward_lean_deg: float = 0.0  # trunk against vertical, + forward (world)
    trunk_lateral_lean_deg: float = 0.0  # trunk against vertical, + toward the subject's right (world)

    def leg(self, side: str) -> LegPose:
        return self.left_leg if side == "left" else self.right_leg

    def arm(self, side: str) -> ArmPose:
        return self.left_arm if side == "left" else self.right_arm


def pelvis_orientation(pose: BodyPose) -> np.ndarray:
    """World orientation of the pelvis frame."""
    return rot_z(pose.pelvis_rotation_deg) @ rot_x(pose.pelvis_tilt_deg) @ rot_y(-pose.pelvis_obliquity_deg)


def trunk_orientation(pose: BodyPose) -> np.ndarray:
    """World orientation of the upper trunk (the chest)."""
    return rot_z(pose.pelvis_rotation_deg) @ rot_x(pose.trunk_forward_lean_deg) @ rot_y(-pose.trunk_lateral_lean_deg)


# ------------------------------------------------------------------------------------------------
# anatomy: the rig's reference frames, measured once per body
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Anatomy:
    """Reference-pose anatomical frames and the point sets posing needs (all from one Rig)."""

    rig: Rig
    frames: dict[str, np.ndarray]  # e.g. 'thigh.L' -> (3, 3) anatomical frame in the reference pose
    foot_points_m: dict[str, np.ndarray]  # side -> (N, 3) foot vertices in the foot's anatomical frame, from the ankle
    heel_index: dict[str, int]  # side -> vertex index of the heel (most posterior sole vertex)
    toe_index: dict[str, int]  # side -> vertex index of the toe tip (most anterior foot vertex)
    knee_points: dict[str, tuple[np.ndarray, np.ndarray]]  # side -> (vertex indices, 0 thigh / 1 shank)


def _limb_frames(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray, flexes_backward: bool) -> tuple:
    """Proximal and distal segment frames of a two-segment limb, x along its flexion axis.

    The flexion axis is the normal of the plane the two segments span (the rig's reference pose is
    flexed enough to define it), oriented so that +flexion moves the distal segment backward
    (knee) or forward (elbow) - i.e. x points to the subject's left for both sides.
    """
    up = _unit(hip - knee)
    down = _unit(ankle - knee)
    axis = _unit(np.cross(-up, down))  # rotating -up about +axis by the flexion angle gives `down`
    if not flexes_backward:
        axis = -axis
    if axis[0] < 0:  # a hyper-extended reference limb: keep x toward the subject's left
        axis = -axis
    return frame_from_axes(up, axis), frame_from_axes(-down, axis)


def _foot_frame(rig: Rig, foot_vertices: np.ndarray) -> tuple[np.ndarray, int, int]:
    """The foot's frame from its sole: z up, y from the toes to the heel (horizontal)."""
    low = foot_vertices[rig.vertices_m[foot_vertices, 2] < rig.sole_z_m + 0.015]
    points = rig.vertices_m[low]
    heel = low[np.argmax(points[:, 1])]
    toe = foot_vertices[np.argmin(rig.vertices_m[foot_vertices, 1])]
    # long axis: heel to the middle of the forefoot (robust to the big toe's medial position)
    forefoot = points[points[:, 1] < np.quantile(points[:, 1], 0.15)].mean(axis=0)
    backward = rig.vertices_m[heel] - forefoot
    backward[2] = 0.0
    frame = frame_from_axes(np.array([0.0, 0.0, 1.0]), np.cross(_unit(backward), [0.0, 0.0, 1.0]))
    return frame, int(heel), int(toe)


def build_anatomy(rig: Rig) -> Anatomy:
    """Measure the rig's reference frames; see the module docstring for their meaning."""
    heads = rig.heads_m
    frames: dict[str, np.ndarray] = {}
    foot_points: dict[str, np.ndarray] = {}
    heel_index: dict[str, int] = {}
    toe_index: dict[str, int] = {}
    knee_points: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    dominant = rig.dominant_bone
    for side in SIDES:
        sfx = SUFFIX[side]
        hip, knee, ankle = (heads[rig.bone(b + sfx)] for b in ("upperleg01", "lowerleg01", "foot"))
        frames["thigh" + sfx], frames["shank" + sfx] = _limb_frames(hip, knee, ankle, flexes_backward=True)
        shoulder, elbow, wrist = (heads[rig.bone(b + sfx)] for b in ("upperarm01", "lowerarm01", "wrist"))
        frames["upperarm" + sfx], frames["forearm" + sfx] = _limb_frames(shoulder, elbow, wrist, flexes_backward=False)

        foot_bones = [i for i, n in enumerate(rig.bone_names) if n.endswith(sfx) and n.startswith(("foot", "toe"))]
        foot_vertices = np.flatnonzero(np.isin(dominant, foot_bones))
        frames["foot" + sfx], heel_index[side], toe_index[side] = _foot_frame(rig, foot_vertices)
        local = (rig.vertices_m[foot_vertices] - ankle) @ frames["foot" + sfx]
        foot_points[side] = local

        thigh_bones = [rig.bone(b + sfx) for b in ("upperleg01", "upperleg02")]
        shank_bones = [rig.bone(b + sfx) for b in ("lowerleg01", "lowerleg02")]
        near_knee = np.abs(rig.vertices_m[:, 2] - knee[2]) < 0.09
        in_thigh = near_knee & np.isin(dominant, thigh_bones)
        in_shank = near_knee & np.isin(dominant, shank_bones)
        indices = np.flatnonzero(in_thigh | in_shank)
        knee_points[side] = (indices, in_shank[indices].astype(int))
    return Anatomy(
        rig=rig,
        frames=frames,
        foot_points_m=foot_points,
        heel_index=heel_index,
        toe_index=toe_index,
        knee_points=knee_points,
    )


# ------------------------------------------------------------------------------------------------
# from joint angles to bone rotations and positions
# ------------------------------------------------------------------------------------------------
SPINE = ("spine05", "spine04", "spine03", "spine02", "spine01")


@dataclass(frozen=True)
class Segments:
    """World anatomical frames of the posed segments (3x3 each), keyed like Anatomy.frames."""

    frames: dict[str, np.ndarray]


def segment_frames(pose: BodyPose) -> Segments:
    """World anatomical frames of every posed segment (pure geometry, no rig needed)."""
    pelvis = pelvis_orientation(pose)
    trunk = trunk_orientation(pose)
    frames = {"pelvis": pelvis, "trunk": trunk}
    for side in SIDES:
        sfx = SUFFIX[side]
        leg = pose.leg(side)
        thigh = pelvis @ limb_rotation(side, leg.hip_flexion_deg, leg.hip_adduction_deg, leg.hip_internal_rotation_deg)
        shank = thigh @ rot_x(leg.knee_flexion_deg)
        toe_out = rot_z(_side_sign(side) * leg.toe_out_deg)
        if leg.foot_planted:
            foot = toe_out @ rot_x(-leg.foot_pitch_deg)
        else:
            foot = shank @ toe_out @ rot_x(-leg.foot_pitch_deg)
        frames["thigh" + sfx], frames["shank" + sfx], frames["foot" + sfx] = thigh, shank, foot
        arm = pose.arm(side)
        upper = trunk @ limb_rotation(
            side, arm.shoulder_flexion_deg, -arm.shoulder_abduction_deg, arm.shoulder_internal_rotation_deg
        )
        frames["upperarm" + sfx] = upper
        frames["forearm" + sfx] = upper @ rot_x(-arm.elbow_flexion_deg)
    return Segments(frames)


def bone_rotations(anatomy: Anatomy, segments: Segments, pose: BodyPose) -> np.ndarray:
    """(B, 3, 3) world rotation of every bone relative to the reference pose.

    A posed segment's bones get G = A_posed @ A_reference^T; bones not named here follow their parent.
    """
    rig = anatomy.rig
    posed = segments.frames
    explicit: dict[int, np.ndarray] = {rig.bone("root"): posed["pelvis"]}
    relative = posed["pelvis"].T @ posed["trunk"]
    for k, name in enumerate(SPINE):
        explicit[rig.bone(name)] = posed["pelvis"] @ slerp_rotation(relative, (k + 1) / len(SPINE))
    # the head keeps looking ahead: it undoes 60 % of the trunk's forward lean
    explicit[rig.bone("head")] = posed["trunk"] @ rot_x(-0.6 * pose.trunk_forward_lean_deg)
    for side in SIDES:
        sfx = SUFFIX[side]
        for segment, bone in (
            ("thigh", "upperleg01"),
            ("shank", "lowerleg01"),
            ("foot", "foot"),
            ("upperarm", "upperarm01"),
            ("forearm", "lowerarm01"),
        ):
            explicit[rig.bone(bone + sfx)] = posed[segment + sfx] @ anatomy.frames[segment + sfx].T
        # spread half the shank-to-foot twist over the distal shank's twist bone, as the tibia does;
        # the twist axis runs through that bone's head and the ankle, so the ankle does not move
        shank_g = explicit[rig.bone("lowerleg01" + sfx)]
        axis = rig.heads_m[rig.bone("foot" + sfx)] - rig.heads_m[rig.bone("lowerleg02" + sfx)]
        twist = _partial_twist(shank_g.T @ explicit[rig.bone("foot" + sfx)], axis, 0.5)
        explicit[rig.bone("lowerleg02" + sfx)] = shank_g @ twist
    rotations = np.empty((len(rig.bone_names), 3, 3))
    for index, parent in enumerate(rig.parents):  # parents come first in anny's bone order
        rotations[index] = explicit.get(index, rotations[parent] if parent >= 0 else np.eye(3))
    return rotations


def _partial_twist(relative: np.ndarray, axis: np.ndarray, fraction: float) -> np.ndarray:
    """`fraction` of the component of rotation `relative` about `axis` (swing-twist, small-angle form)."""
    axis = _unit(axis)
    return rotation_matrix((rotation_vector(relative) @ axis) * axis * fraction)


def forward_kinematics(rig: Rig, rotations: np.ndarray, translation_m: np.ndarray) -> np.ndarray:
    """(B, 3) posed bone heads: head_c = head_parent + G_parent (q_c - q_parent); the root at translation."""
    heads = np.empty_like(rig.heads_m)
    heads[0] = rig.heads_m[0] + translation_m
    for bone in range(1, len(rig.parents)):
        parent = rig.parents[bone]
        heads[bone] = heads[parent] + rotations[parent] @ (rig.heads_m[bone] - rig.heads_m[parent])
    return heads


# ------------------------------------------------------------------------------------------------
# the fast path used by solvers: one leg's joint centres
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LegJoints:
    hip: np.ndarray
    knee: np.ndarray
    ankle: np.ndarray


def leg_joints(anatomy: Anatomy, side: str, segments: Segments, translation_m: np.ndarray) -> LegJoints:
    """Hip, knee and ankle centres of one leg (world), without posing the whole rig."""
    rig, sfx = anatomy.rig, SUFFIX[side]
    q_hip, q_knee, q_ankle = (rig.heads_m[rig.bone(b + sfx)] for b in ("upperleg01", "lowerleg01", "foot"))
    pelvis = segments.frames["pelvis"]
    thigh_g = segments.frames["thigh" + sfx] @ anatomy.frames["thigh" + sfx].T
    shank_g = segments.frames["shank" + sfx] @ anatomy.frames["shank" + sfx].T
    hip = translation_m + rig.heads_m[0] + pelvis @ (q_hip - rig.heads_m[0])
    knee = hip + thigh_g @ (q_knee - q_hip)
    ankle = knee + shank_g @ (q_ankle - q_knee)
    return LegJoints(hip, knee, ankle)


def foot_points(anatomy: Anatomy, side: str, segments: Segments, ankle_m: np.ndarray) -> np.ndarray:
    """(N, 3) world positions of the foot's vertices, the foot taken as rigid (toes do not bend)."""
    return ankle_m + anatomy.foot_points_m[side] @ segments.frames["foot" + SUFFIX[side]].T


def lowest_foot_z_m(anatomy: Anatomy, side: str, segments: Segments, ankle_m: np.ndarray) -> float:
    return float(foot_points(anatomy, side, segments, ankle_m)[:, 2].min())


def knee_gap_m(anatomy: Anatomy, segments: Segments, translation_m: np.ndarray) -> float:
    """Signed clearance between the two knees along the line joining them (m, < 0: they overlap).

    The knee regions (vertices within 9 cm of knee height, each moved rigidly with its thigh or
    shank) are projected on the horizontal line from the right knee to the left knee; the gap is
    the left region's most medial point minus the right region's. Conservative when one knee is
    well ahead of the other, exact enough (mm) for squats. Checked against the skinned mesh in tests.
    """
    rig = anatomy.rig
    joints = {side: leg_joints(anatomy, side, segments, translation_m) for side in SIDES}
    direction = joints["left"].knee - joints["right"].knee
    direction[2] = 0.0
    direction = _unit(direction)
    extremes = {}
    for side in SIDES:
        sfx = SUFFIX[side]
        indices, in_shank = anatomy.knee_points[side]
        q_knee = rig.heads_m[rig.bone("lowerleg01" + sfx)]
        rel = rig.vertices_m[indices] - q_knee
        thigh_g = segments.frames["thigh" + sfx] @ anatomy.frames["thigh" + sfx].T
        shank_g = segments.frames["shank" + sfx] @ anatomy.frames["shank" + sfx].T
        posed = np.where(in_shank[:, None] == 1, rel @ shank_g.T, rel @ thigh_g.T) + joints[side].knee
        along = posed @ direction
        extremes[side] = along.min() if side == "left" else along.max()
    return float(extremes["left"] - extremes["right"])
