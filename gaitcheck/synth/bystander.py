"""A second person in the clip: a bystander standing by or walking across the picture.

The bystander is another anny body, dressed in clothes of its own and rendered into the same
frames as the subject (one painter's sort over both meshes, so either can hide the other). Their
pose is simple and has no truth table: standing, they sway slowly, shift their weight from leg to
leg and move their arms a little; walking, their legs alternate at about 1.8 steps per second with
arms swinging, feet on the floor, and they stop and stand where the walk ends.

Positions are given in the camera's *ground frame*, relative to the subject (who stands at the
origin): ``lateral_m`` + toward the right of the picture, ``toward_camera_m`` + nearer the camera
than the subject (a coach between the camera and a treadmill), - farther away (behind the subject).
Both are horizontal distances in metres on the floor; the bystander's position is their pelvis centre.

    Bystander()                                            # standing 0.9 m right of, 0.8 m nearer than the subject
    Bystander(kind="walking", lateral_m=-1.6, end_lateral_m=1.6, toward_camera_m=1.0)  # crossing in front
    walking_across(camera)                                 # crossing in front, edge to edge of the picture
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Literal

import numpy as np

from gaitcheck.errors import InputError
from gaitcheck.synth.body import BODY_PRESETS, SIDES, Body, Rig
from gaitcheck.synth.camera import Camera, Projection
from gaitcheck.synth.scene import Outfit, random_outfit
from gaitcheck.synth.skeleton import (
    Anatomy,
    ArmPose,
    BodyPose,
    LegPose,
    bone_rotations,
    forward_kinematics,
    leg_joints,
    lowest_foot_z_m,
    rot_x,
    rot_y,
    rot_z,
    segment_frames,
)

BystanderKind = Literal["standing", "walking"]
BYSTANDER_KINDS: tuple[str, ...] = ("standing", "walking")

#: Two people closer than this (m, pelvis to pelvis on the floor) would pass through each other.
MIN_CLEARANCE_M = 0.5
#: The bystander stays at least this far (m, along the camera's axis) in front of the camera.
MIN_CAMERA_DEPTH_M = 0.8
#: Walking: steps per second at 1 m/s (slower walkers step a little slower), and the distance (m)
#: over which a walk starts from standing and settles into standing again.
STEP_HZ_AT_1_M_S = 1.8
RAMP_M = 0.35
#: Where a walk that crosses the picture begins and ends: this far (m) inside the picture's edge.
EDGE_INSIDE_M = 0.45


@dataclass(frozen=True)
class Bystander:
    """A second person in the picture (see the module docstring for the ground frame).

    ``kind`` "standing": at (``lateral_m``, ``toward_camera_m``), turned by ``facing_deg`` (0 faces
    the camera, +90 faces the right of the picture, 180 shows their back; None: halfway between
    the camera and the subject). "walking": from (``lateral_m``, ``toward_camera_m``) to
    (``end_lateral_m``, ``end_toward_camera_m``) at ``speed_m_s``, setting off at ``start_s``
    (None: the walk is centred in the clip); an end left None is the start mirrored across the
    subject laterally (a crossing) at the same depth. Walkers face where they go and stand
    (facing that way) before and after the walk. ``seed`` varies the sway, gait phase and clothes.
    """

    kind: BystanderKind = "standing"
    body: Body = field(default_factory=lambda: BODY_PRESETS["male"])
    lateral_m: float = 0.9
    toward_camera_m: float = 0.8
    end_lateral_m: float | None = None
    end_toward_camera_m: float | None = None
    speed_m_s: float = 1.0
    start_s: float | None = None
    facing_deg: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in BYSTANDER_KINDS:
            raise InputError(f"bystander kind must be one of {', '.join(BYSTANDER_KINDS)} (got {self.kind!r})")
        for name in ("lateral_m", "toward_camera_m", "end_lateral_m", "end_toward_camera_m"):
            value = getattr(self, name)
            if value is not None and not -8.0 <= value <= 8.0:
                raise InputError(f"bystander {name} must be within -8..8 m (got {value})")
        if not 0.2 <= self.speed_m_s <= 2.5:
            raise InputError(f"bystander walking speed must be 0.2-2.5 m/s (got {self.speed_m_s})")
        if self.start_s is not None and not 0.0 <= self.start_s <= 600.0:
            raise InputError(f"bystander start must be 0-600 s (got {self.start_s})")
        if self.kind == "walking" and self.path_length_m < 0.2:
            raise InputError("a walking bystander needs a walk of at least 0.2 m (start and end are too close)")
        if self.closest_approach_m < MIN_CLEARANCE_M:
            raise InputError(
                f"the bystander would come within {self.closest_approach_m:.2f} m of the subject "
                f"(at least {MIN_CLEARANCE_M:g} m, or they pass through each other)"
            )

    # --- the path, in the ground frame (lateral, toward the camera) -------------------------------
    @property
    def start_ground_m(self) -> np.ndarray:
        return np.array([self.lateral_m, self.toward_camera_m])

    @property
    def end_ground_m(self) -> np.ndarray:
        if self.kind == "standing":
            return self.start_ground_m
        lateral = -self.lateral_m if self.end_lateral_m is None else self.end_lateral_m
        toward = self.toward_camera_m if self.end_toward_camera_m is None else self.end_toward_camera_m
        return np.array([lateral, toward])

    @property
    def path_length_m(self) -> float:
        return float(np.linalg.norm(self.end_ground_m - self.start_ground_m))

    @property
    def closest_approach_m(self) -> float:
        """The least distance (m, on the floor) between the bystander's path and the subject."""
        a, b = self.start_ground_m, self.end_ground_m
        span = b - a
        u = 0.0 if span @ span < 1e-12 else float(np.clip(-(a @ span) / (span @ span), 0.0, 1.0))
        return float(np.linalg.norm(a + u * span))

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Bystander:
        values = dict(data)
        values["body"] = Body(**values["body"])
        return cls(**values)


def walking_across(
    camera: Camera,
    toward_camera_m: float = 1.0,
    body: Body | None = None,
    speed_m_s: float = 1.0,
    from_left: bool = True,
    inside_m: float = EDGE_INSIDE_M,
    seed: int = 0,
) -> Bystander:
    """A bystander walking across the picture in front of the subject (behind with a negative
    ``toward_camera_m``), from ``inside_m`` inside one edge of the picture to as far inside the
    other, at the subject's framing (at least 0.6 m either side of the subject)."""
    depth = camera.distance_m - toward_camera_m
    if depth < MIN_CAMERA_DEPTH_M:
        raise InputError(f"a bystander {toward_camera_m:g} m nearer than the subject would be behind the camera")
    half_width = depth * np.tan(np.radians(camera.horizontal_fov_used_deg) / 2)
    lateral = round(max(0.6, float(half_width) - inside_m), 3)
    start = -lateral if from_left else lateral
    return Bystander(
        kind="walking",
        body=body or BODY_PRESETS["male"],
        lateral_m=start,
        toward_camera_m=toward_camera_m,
        end_lateral_m=-start,
        end_toward_camera_m=toward_camera_m,
        speed_m_s=speed_m_s,
        seed=seed,
    )


# ------------------------------------------------------------------------------------------------
# posing
# ------------------------------------------------------------------------------------------------
def _blend(a, b, weight: float):
    """Dataclasses of floats (nested), linearly from a (weight 0) to b (weight 1); other fields from a."""
    values = {}
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, float | int) and not isinstance(x, bool):
            values[f.name] = x + (y - x) * weight
        elif hasattr(x, "__dataclass_fields__"):
            values[f.name] = _blend(x, y, weight)
    return replace(a, **values)


def _bump(x: float) -> float:
    """sin^2(pi x) on 0..1, 0 outside."""
    return float(np.sin(np.pi * x) ** 2) if 0.0 <= x <= 1.0 else 0.0


#: Walking foot pitch (world, + toes up) through the gait cycle (phase 0 = heel strike).
FOOT_PITCH_PHASES = (0.0, 0.1, 0.45, 0.6, 0.75, 0.92, 1.0)
FOOT_PITCH_DEG = (10.0, 0.0, 0.0, -22.0, -4.0, 6.0, 10.0)


def standing_pose(time_s: float, phase: float, calm: float = 1.0) -> BodyPose:
    """Standing at ease: weight shifting from leg to leg every ~7 s (the loaded knee straight, the
    other a little bent, the pelvis dropping on the bent side), arms hanging and moving a little.
    `calm` 0..1 scales the movement."""
    shift = np.sin(2 * np.pi * (time_s / 7.0 + phase))  # + weight on the left leg
    arms = [np.sin(2 * np.pi * (time_s / 4.3 + phase + k * 0.37)) for k in range(4)]
    legs = {}
    for side, sign in (("left", 1.0), ("right", -1.0)):
        bent = calm * 5.0 * (1.0 - sign * shift)  # 0..10 deg
        legs[side] = LegPose(
            hip_flexion_deg=0.5 * bent,
            hip_adduction_deg=-2.0,
            knee_flexion_deg=bent,
            toe_out_deg=10.0,
            foot_pitch_deg=0.0,
        )
    arm_poses = {
        side: ArmPose(
            shoulder_flexion_deg=calm * 6.0 * arms[k],
            shoulder_abduction_deg=9.0 + calm * 2.0 * arms[k + 1],
            shoulder_internal_rotation_deg=10.0,
            elbow_flexion_deg=14.0 + calm * 8.0 * (1.0 + arms[k + 1]),
        )
        for k, side in ((0, "left"), (2, "right"))
    }
    return BodyPose(
        left_leg=legs["left"],
        right_leg=legs["right"],
        left_arm=arm_poses["left"],
        right_arm=arm_poses["right"],
        pelvis_obliquity_deg=calm * 2.5 * shift,  # + right hip lower: weight on the left
        trunk_lateral_lean_deg=-calm * 1.0 * shift,
    )


def walking_pose(left_phase: float, hip_amplitude_deg: float) -> BodyPose:
    """A simple walking cycle (phase 0 = left heel strike): hip flexion +-amplitude about 5 deg,
    a small stance knee bend and a 55 deg swing knee, feet rolling heel to toe, arms swinging with
    the opposite leg, the pelvis turning and dropping a little on the swing side."""
    legs, hips = {}, {}
    for side, offset in (("left", 0.0), ("right", 0.5)):
        phase = (left_phase + offset) % 1.0
        hip = 5.0 + hip_amplitude_deg * np.cos(2 * np.pi * phase)
        knee = 4.0 + 10.0 * _bump(phase / 0.4) + 51.0 * _bump((phase - 0.45) / 0.55)
        pitch = float(np.interp(phase, FOOT_PITCH_PHASES, FOOT_PITCH_DEG))
        legs[side] = LegPose(
            hip_flexion_deg=float(hip),
            hip_adduction_deg=0.0,
            knee_flexion_deg=float(knee),
            toe_out_deg=7.0,
            foot_pitch_deg=pitch,
        )
        hips[side] = float(np.cos(2 * np.pi * phase))  # +1 when this leg is forward
    scale = hip_amplitude_deg / 20.0
    arms = {
        side: ArmPose(
            shoulder_flexion_deg=3.0 + 16.0 * scale * hips["right" if side == "left" else "left"],
            shoulder_abduction_deg=9.0,
            shoulder_internal_rotation_deg=10.0,
            elbow_flexion_deg=18.0 + 10.0 * scale * max(0.0, hips["right" if side == "left" else "left"]),
        )
        for side in SIDES
    }
    swing_left = float(np.sin(2 * np.pi * left_phase))  # + while the right leg is in stance and the left swings
    return BodyPose(
        left_leg=legs["left"],
        right_leg=legs["right"],
        left_arm=arms["left"],
        right_arm=arms["right"],
        pelvis_obliquity_deg=-2.0 * scale * max(0.0, swing_left) + 2.0 * scale * max(0.0, -swing_left),
        pelvis_rotation_deg=-4.0 * scale * hips["left"],  # the swinging side comes forward
        trunk_forward_lean_deg=3.0,
    )


# ------------------------------------------------------------------------------------------------
# the bystander in a clip
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BystanderPlacement:
    """Where the bystander is at an instant: floor position (world x, y), heading (world
    rotation about +Z of the body's front, radians) and how far into the walk (0 standing, 1 walking)."""

    position_m: np.ndarray
    heading_rad: float
    walking: float
    left_phase: float


class BystanderActor:
    """A Bystander made concrete for one clip: its rig, path in the world and timing."""

    def __init__(
        self, spec: Bystander, rig: Rig, anatomy: Anatomy, projection: Projection, duration_s: float, clip_seed: int
    ):
        self.spec, self.rig, self.anatomy = spec, rig, anatomy
        toward = np.asarray(projection.centre_m[:2], float)
        toward = toward / max(float(np.linalg.norm(toward)), 1e-9)  # from the subject toward the camera
        right = np.array([-toward[1], toward[0]])  # the picture's right, on the floor
        self.right_axis, self.toward_axis = right, toward
        self.start_m = self.world_xy(spec.start_ground_m)
        self.end_m = self.world_xy(spec.end_ground_m)
        self.rng_phase = float(np.random.default_rng([clip_seed, spec.seed, 7321]).random())
        self.length_m = spec.path_length_m
        walk_s = self.length_m / spec.speed_m_s if spec.kind == "walking" else 0.0
        self.start_s = spec.start_s if spec.start_s is not None else max(0.0, (duration_s - walk_s) / 2)
        self.end_s = self.start_s + walk_s
        self.step_hz = float(np.clip(STEP_HZ_AT_1_M_S + 0.4 * (spec.speed_m_s - 1.0), 1.4, 2.2))
        leg_m = float(rig.heads_m[rig.bone("upperleg01.L")][2] - rig.sole_z_m)
        # hip excursion that moves a stance foot back as fast as the body goes forward (stance ~60 %)
        stance_travel = spec.speed_m_s * 0.6 / (self.step_hz / 2)
        self.hip_amplitude_deg = float(np.degrees(np.arcsin(min(0.6, stance_travel / (2 * leg_m)))))
        self.hip_amplitude_deg = float(np.clip(self.hip_amplitude_deg, 6.0, 26.0))
        self._check_camera(projection)

    def world_xy(self, ground: np.ndarray) -> np.ndarray:
        """(lateral, toward the camera) -> world floor (x, y)."""
        return ground[0] * self.right_axis + ground[1] * self.toward_axis

    def _check_camera(self, projection: Projection) -> None:
        forward = projection.rotation[2]
        for point in (self.start_m, self.end_m):
            depth = float((np.append(point, 1.0) - projection.centre_m) @ forward)
            if depth < MIN_CAMERA_DEPTH_M:
                raise InputError(
                    f"the bystander would stand {depth:.2f} m from the camera (at least {MIN_CAMERA_DEPTH_M:g} m); "
                    "give a smaller toward_camera_m or a farther camera"
                )

    # --- where and how ---------------------------------------------------------------------------
    def placement(self, time_s: float) -> BystanderPlacement:
        spec = self.spec
        if spec.kind == "standing":
            if spec.facing_deg is not None:
                angle = np.radians(spec.facing_deg)
                front = np.cos(angle) * self.toward_axis + np.sin(angle) * self.right_axis
            else:  # halfway between facing the camera and facing the subject
                to_subject = -self.start_m / max(float(np.linalg.norm(self.start_m)), 1e-9)
                front = self.toward_axis + to_subject
                if np.linalg.norm(front) < 1e-6:
                    front = self.right_axis
            return BystanderPlacement(self.start_m, _heading(front), 0.0, 0.0)
        direction = (self.end_m - self.start_m) / max(self.length_m, 1e-9)
        travelled = float(np.clip((time_s - self.start_s) * spec.speed_m_s, 0.0, self.length_m))
        walking = float(np.clip(min(travelled, self.length_m - travelled) / RAMP_M, 0.0, 1.0))
        stride_m = spec.speed_m_s / (self.step_hz / 2)
        phase = (travelled / stride_m + self.rng_phase) % 1.0
        return BystanderPlacement(self.start_m + direction * travelled, _heading(direction), walking, phase)

    def pose(self, time_s: float) -> tuple[BodyPose, BystanderPlacement]:
        place = self.placement(time_s)
        standing = standing_pose(time_s, self.rng_phase)
        if place.walking <= 0.0:
            return standing, place
        walking = walking_pose(place.left_phase, self.hip_amplitude_deg)
        return _blend(standing, walking, _smooth(place.walking)), place

    def posed(self, time_s: float) -> tuple[np.ndarray, np.ndarray]:
        """(bone heads, vertices) in the world at an instant."""
        pose, place = self.pose(time_s)
        segments = segment_frames(pose)
        lowest = min(
            lowest_foot_z_m(self.anatomy, s, segments, leg_joints(self.anatomy, s, segments, np.zeros(3)).ankle)
            for s in SIDES
        )
        translation = np.array([0.0, 0.0, -lowest])
        rotations = bone_rotations(self.anatomy, segments, pose)
        heads = forward_kinematics(self.rig, rotations, translation)
        vertices = self.rig.skin(rotations, heads)
        # a slow sway about the ankles (as people stand), then turned and placed in the world
        calm = 1.0 - _smooth(place.walking)
        sway_phase = 2 * np.pi * (time_s / 5.3 + self.rng_phase)
        sway = rot_x(calm * 1.2 * np.sin(sway_phase)) @ rot_y(calm * 0.8 * np.sin(0.7 * sway_phase + 1.0))
        ankles = [heads[self.rig.bone("foot" + sfx)] for sfx in (".L", ".R")]
        pivot = np.array([(ankles[0][0] + ankles[1][0]) / 2, (ankles[0][1] + ankles[1][1]) / 2, 0.0])
        turn = rot_z(np.degrees(place.heading_rad))
        linear = turn @ sway
        offset = np.append(place.position_m, 0.0) + turn @ (pivot - sway @ pivot)
        to_world = linear.astype(np.float32)
        return heads @ linear.T + offset, vertices @ to_world.T + offset.astype(np.float32)

    def to_json(self) -> dict:
        """What the sidecar records about the resolved path (world metres, seconds)."""
        walks = self.spec.kind == "walking"
        return {
            "start_m": np.round(self.start_m, 4).tolist(),
            "end_m": np.round(self.end_m, 4).tolist(),
            "walk_start_s": round(self.start_s, 4) if walks else None,
            "walk_end_s": round(self.end_s, 4) if walks else None,
            "step_hz": round(self.step_hz, 4) if walks else None,
            "picture_right_axis": np.round(self.right_axis, 6).tolist(),
            "toward_camera_axis": np.round(self.toward_axis, 6).tolist(),
        }


def _heading(front: np.ndarray) -> float:
    """The rotation about +Z that turns the body's front (-Y at rest) to `front` (world x, y)."""
    return float(np.arctan2(front[0], -front[1]))


def _smooth(x: float) -> float:
    return float(x * x * (3.0 - 2.0 * x))


def bystander_outfit(clothing: bool, clip_seed: int, spec: Bystander, subject: Outfit) -> Outfit:
    """The bystander's clothes: drawn from the clip's and the bystander's seeds (never the subject's
    shirt colour), or, with clothing off, a fixed outfit unlike the subject's fixed one."""
    if not clothing:
        return FIXED_OUTFIT
    rng = np.random.default_rng([clip_seed, spec.seed, 5099])
    outfit = random_outfit(rng)
    for _ in range(20):
        if outfit.shirt_rgb != subject.shirt_rgb:
            break
        outfit = random_outfit(rng)
    return outfit


#: With clothing off: a green long-sleeved top, dark trousers and dark shoes (the subject wears grey,
#: navy shorts and white shoes).
FIXED_OUTFIT = Outfit(
    skin_rgb=(196, 140, 104),
    hair_rgb=(28, 24, 22),
    shirt_rgb=(60, 130, 70),
    bottom_rgb=(25, 25, 28),
    shoe_rgb=(30, 30, 32),
    sock_rgb=(30, 30, 30),
    sleeve_length=0.95,
    leg_length=0.97,
    sock_height_m=0.0,
)
