"""How the clip looks: the realism switches, and the random choices they allow (clothes, skin and
hair, light, room), all drawn from the clip's seed so a spec always renders the same picture.

Clothing is painted on the body mesh by region: each vertex is labelled from its dominant bone and
its position in the reference pose (how far down the leg, along the arm, above the waist), then
each triangle takes the mean colour of its corners.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal, cast

import numpy as np

from gaitcheck.errors import InputError
from gaitcheck.synth.body import SIDES, SUFFIX, Rig
from gaitcheck.synth.render import Lighting

RoomKind = Literal["home", "gym", "clinic", "plain"]
ROOM_KINDS: tuple[RoomKind, ...] = ("home", "gym", "clinic")


@dataclass(frozen=True)
class Realism:
    """What makes a render look like a phone video. Each switch can be turned off on its own;
    `Realism.off()` gives the plain, deterministic look (grey room, fixed colours and light)."""

    background: bool = True  # a procedural room (home, gym or clinic); off: plain wall and floor
    clothing: bool = True  # random clothes, skin tone and hair; off: a fixed neutral outfit
    lighting: bool = True  # random light direction, strength and colour; off: fixed light
    shadows: bool = True  # the body's soft shadow on the floor
    noise: bool = True  # sensor noise, slight lens softness and vignetting
    motion_blur: bool = True  # average sub-frames over the exposure when the body moves fast
    supersample: int = 1  # 1 or 2: render at 2x and downsample (smoother edges, ~2.5x slower)
    room: RoomKind | None = None  # force a room kind; None: chosen from the seed

    def __post_init__(self) -> None:
        if self.supersample not in (1, 2):
            raise InputError(f"supersample must be 1 or 2 (got {self.supersample})")
        if self.room is not None and self.room not in (*ROOM_KINDS, "plain"):
            raise InputError(f"room must be one of {', '.join(ROOM_KINDS)} or plain (got {self.room!r})")

    @classmethod
    def off(cls) -> Realism:
        switches: dict[str, Any] = {f.name: False for f in fields(cls) if f.type == "bool"}
        return cls(**switches, supersample=1)

    def to_json(self) -> dict:
        return asdict(self)


# ------------------------------------------------------------------------------------------------
# clothing
# ------------------------------------------------------------------------------------------------
SKIN_TONES = (
    (244, 214, 192), (234, 192, 164), (219, 170, 136), (196, 140, 104),
    (166, 112, 80), (128, 86, 60), (94, 64, 46),
)  # fmt: skip
HAIR_COLOURS = ((28, 24, 22), (58, 40, 28), (98, 68, 44), (176, 146, 100), (140, 140, 140), (112, 52, 32))
SHIRT_COLOURS = (
    (235, 235, 232), (35, 35, 40), (120, 124, 130), (36, 52, 96), (170, 40, 45), (30, 120, 120),
    (230, 120, 40), (90, 60, 130), (60, 130, 70), (220, 190, 60), (200, 90, 140), (90, 150, 210),
)  # fmt: skip
BOTTOM_COLOURS = ((25, 25, 28), (34, 40, 70), (90, 92, 98), (50, 52, 56), (60, 80, 120), (70, 80, 50), (100, 40, 50))
SHOE_COLOURS = ((240, 240, 240), (30, 30, 32), (120, 120, 125), (200, 50, 50), (50, 90, 170), (240, 150, 40))
SOCK_COLOURS = ((245, 245, 245), (30, 30, 30))

# region labels
SKIN, HAIR, EYE, SHIRT, BOTTOM, SHOE, SOLE, SOCK = range(8)


@dataclass(frozen=True)
class Outfit:
    """Colours (RGB 0..255) and garment lengths, as shares of the limb (0 = at the hip/shoulder)."""

    skin_rgb: tuple[int, int, int] = (219, 170, 136)
    hair_rgb: tuple[int, int, int] = (58, 40, 28)
    shirt_rgb: tuple[int, int, int] = (120, 124, 130)
    bottom_rgb: tuple[int, int, int] = (34, 40, 70)
    shoe_rgb: tuple[int, int, int] = (240, 240, 240)
    sock_rgb: tuple[int, int, int] = (245, 245, 245)
    sleeve_length: float = 0.28  # 0: tank top, ~0.3: T-shirt, ~0.95: long sleeves
    leg_length: float = 0.42  # ~0.4: shorts, ~0.75: capri, ~0.97: leggings
    sock_height_m: float = 0.04  # above the shoe

    def to_json(self) -> dict:
        return asdict(self)


def random_outfit(rng: np.random.Generator) -> Outfit:
    def pick(options):
        return tuple(int(c) for c in options[rng.integers(len(options))])

    sleeve = float(rng.choice([0.0, 0.28, 0.3, 0.33, 0.95]))
    legs = float(rng.choice([0.38, 0.45, 0.5, 0.75, 0.97]))
    return Outfit(
        skin_rgb=pick(SKIN_TONES),
        hair_rgb=pick(HAIR_COLOURS),
        shirt_rgb=pick(SHIRT_COLOURS),
        bottom_rgb=pick(BOTTOM_COLOURS),
        shoe_rgb=pick(SHOE_COLOURS),
        sock_rgb=pick(SOCK_COLOURS),
        sleeve_length=sleeve,
        leg_length=legs,
        sock_height_m=float(rng.uniform(0.0, 0.09)) if legs < 0.9 else 0.0,
    )


def _family(rig: Rig) -> dict[str, np.ndarray]:
    """Boolean vertex masks by body part, from each vertex's dominant bone."""
    names = np.array(rig.bone_names)[rig.dominant_bone]
    starts = np.char.startswith

    def any_of(*prefixes: str) -> np.ndarray:
        return np.logical_or.reduce([starts(names, p) for p in prefixes])

    return {
        "head": any_of("head", "neck", "jaw", "tongue", "teeth"),
        "eye": any_of("eye"),
        "torso": any_of("root", "pelvis", "spine", "clavicle", "shoulder"),
        "leg": any_of("upperleg", "lowerleg"),
        "foot": any_of("foot", "toe"),
        "arm": any_of("upperarm", "lowerarm", "wrist", "finger", "metacarpal"),
    }


def vertex_regions(rig: Rig, outfit: Outfit) -> np.ndarray:
    """(V,) region label of every vertex for this outfit (SKIN, HAIR, SHIRT, ...)."""
    v = rig.vertices_m
    heads = rig.heads_m
    family = _family(rig)
    region = np.full(len(v), SKIN)
    eye_z = heads[rig.bone("eye.L")][2]
    head_centre = heads[rig.bone("head")]
    # hairline: high on the forehead, lower at the temples and down to the nape at the back
    behind = v[:, 1] - (head_centre[1] - 0.06)  # 0 at the forehead, growing toward the back of the head
    hairline = eye_z + 0.055 - 0.9 * np.clip(behind, 0.0, 0.14)
    hair = family["head"] & (v[:, 2] > hairline)
    region[hair] = HAIR
    region[family["eye"]] = EYE

    waist_z = heads[rig.bone("spine04")][2] - 0.005
    neck_z = heads[rig.bone("upperarm01.L")][2] + 0.045
    torso = family["torso"]
    region[torso & (v[:, 2] >= waist_z) & (v[:, 2] < neck_z)] = SHIRT
    region[torso & (v[:, 2] < waist_z)] = BOTTOM
    if outfit.sleeve_length <= 0.05:  # tank top: bare shoulders beyond the straps
        region[torso & (np.abs(v[:, 0]) > heads[rig.bone("upperarm01.L")][0] - 0.03) & (v[:, 2] > waist_z)] = SKIN

    for side in SIDES:
        sfx = SUFFIX[side]
        on_side = v[:, 0] > 0 if side == "left" else v[:, 0] < 0
        hip, ankle = heads[rig.bone("upperleg01" + sfx)], heads[rig.bone("foot" + sfx)]
        leg_share = (hip[2] - v[:, 2]) / (hip[2] - ankle[2])
        legs = (family["leg"] | family["foot"]) & on_side
        region[legs & (leg_share < outfit.leg_length)] = BOTTOM
        region[family["leg"] & on_side & (v[:, 2] < ankle[2] + 0.04)] = SOCK
        sole_z = rig.sole_z_m
        shoe_top = ankle[2] - 0.012
        region[legs & (v[:, 2] < ankle[2] + outfit.sock_height_m) & (leg_share >= outfit.leg_length)] = SOCK
        region[legs & (v[:, 2] < shoe_top)] = SHOE
        region[legs & (v[:, 2] < sole_z + 0.014)] = SOLE

        shoulder, wrist = heads[rig.bone("upperarm01" + sfx)], heads[rig.bone("wrist" + sfx)]
        axis = wrist - shoulder
        arm_share = (v - shoulder) @ axis / (axis @ axis)
        arms = family["arm"] & on_side
        region[arms & (arm_share < outfit.sleeve_length)] = SHIRT
    return region


def face_colours(
    rig: Rig, outfit: Outfit, rng: np.random.Generator | None = None, texture: float = 0.015
) -> np.ndarray:
    """(F, 3) base RGB of every triangle: the mean colour of its corners (so a garment's edge is a
    row of blended faces rather than a saw-tooth), with a little per-face variation (fabric and skin
    texture) when an rng is given."""
    regions = vertex_regions(rig, outfit)
    palette = np.array(
        [
            outfit.skin_rgb,
            outfit.hair_rgb,
            (52, 42, 38),
            outfit.shirt_rgb,
            outfit.bottom_rgb,
            outfit.shoe_rgb,
            (236, 236, 232) if np.mean(outfit.shoe_rgb) < 200 else (60, 60, 62),
            outfit.sock_rgb,
        ],
        dtype=float,
    )
    colours = palette[regions][rig.faces].mean(axis=1)
    if rng is not None and texture > 0:
        colours = colours * (1.0 + rng.normal(0.0, texture, size=(len(colours), 1)))
    return np.clip(colours, 0.0, 255.0)


# ------------------------------------------------------------------------------------------------
# light
# ------------------------------------------------------------------------------------------------
def camera_relative_lighting(
    camera_yaw_deg: float,
    azimuth_offset_deg: float = 35.0,
    elevation_deg: float = 45.0,
    key: float = 0.62,
    fill: float = 0.18,
    ambient: float = 0.34,
    tint: tuple[float, float, float] = (1.0, 1.0, 1.0),
) -> Lighting:
    """A key light placed relative to the camera (so the side the camera sees is lit, as in a room
    lit from the ceiling and windows), plus fill from the camera and ambient light."""
    azimuth = np.radians(camera_yaw_deg + azimuth_offset_deg)
    elevation = np.radians(elevation_deg)
    toward_light = np.array(
        [np.sin(azimuth) * np.cos(elevation), -np.cos(azimuth) * np.cos(elevation), np.sin(elevation)]
    )
    tint_array = np.asarray(tint)
    return Lighting(
        key_direction=toward_light,
        key_rgb=tuple(key * tint_array),
        fill_rgb=tuple(fill * tint_array),
        ambient_rgb=tuple(ambient * tint_array),
    )


def random_lighting(rng: np.random.Generator, camera_yaw_deg: float) -> Lighting:
    warmth = rng.uniform(-1.0, 1.0)
    tint = (1.0 + 0.06 * warmth, 1.0, 1.0 - 0.08 * warmth)
    key = rng.uniform(0.45, 0.75)
    return camera_relative_lighting(
        camera_yaw_deg,
        azimuth_offset_deg=float(rng.choice([-1, 1]) * rng.uniform(10.0, 70.0)),
        elevation_deg=float(rng.uniform(25.0, 65.0)),
        key=key,
        fill=float(rng.uniform(0.1, 0.25)),
        ambient=float(rng.uniform(0.28, 0.42)),
        tint=tint,
    )


# ------------------------------------------------------------------------------------------------
# everything chosen for one clip
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Look:
    """The random choices of one clip, resolved from its seed."""

    outfit: Outfit
    lighting: Lighting
    room: RoomKind
    room_seed: int
    noise_sigma: float  # sensor noise, grey levels
    exposure: float  # global brightness gain

    def to_json(self) -> dict:
        return {
            "outfit": self.outfit.to_json(),
            "lighting": self.lighting.to_json(),
            "room": self.room,
            "room_seed": self.room_seed,
            "noise_sigma": self.noise_sigma,
            "exposure": self.exposure,
        }


def choose_look(realism: Realism, seed: int, camera_yaw_deg: float) -> Look:
    """Resolve every random appearance choice of a clip from its seed and realism switches."""
    rng = np.random.default_rng([seed, 7919])
    outfit = random_outfit(rng) if realism.clothing else Outfit()
    lighting = random_lighting(rng, camera_yaw_deg) if realism.lighting else camera_relative_lighting(camera_yaw_deg)
    # numpy's choice() returns a numpy str, typed without the Literal it came from
    room = realism.room or (cast(RoomKind, str(rng.choice(ROOM_KINDS))) if realism.background else "plain")
    return Look(
        outfit=outfit,
        lighting=lighting,
        room=room,
        room_seed=int(rng.integers(2**31)),
        noise_sigma=float(rng.uniform(1.5, 4.0)) if realism.noise else 0.0,
        exposure=float(rng.uniform(0.9, 1.08)) if realism.lighting else 1.0,
    )
