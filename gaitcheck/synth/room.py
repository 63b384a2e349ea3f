"""Procedural rooms (home, gym, clinic), ray-cast once per clip for a perspective-correct background.

A room is a box around the subject and the camera, turned to face the camera, with textured planes
(wood, tiles, rubber or vinyl floors; painted walls with a skirting board, a door, a window,
pictures, a mirror or whiteboard) and furniture blocks standing against the far walls - never
between the camera and the subject, since the body is painted over the background. Every pixel's
ray is intersected with the planes and blocks in numpy; walls and floor are lit by the same light
as the body, with soft darkening into the corners. Nothing is downloaded: all textures are drawn
here from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from gaitcheck.synth.camera import Projection
from gaitcheck.synth.render import Lighting

TEXTURE_PX_PER_M = 120.0


@dataclass(frozen=True)
class Decal:
    """A flat rectangle on a wall: (u0, v0, u1, v1) metres in the wall's texture coordinates."""

    rect_m: tuple[float, float, float, float]
    rgb: tuple[int, int, int]
    kind: str = "panel"  # panel, door, window, picture, mirror, board


@dataclass
class Surface:
    """One of the room's six planes, in room coordinates: axis (0 x, 1 y, 2 z) = position."""

    name: str
    axis: int
    position_m: float
    texture: np.ndarray  # (h, w, 3) float RGB, covering the plane from its low corner
    origin_m: tuple[float, float]  # room coordinates of texture pixel (0, 0) along the plane's (u, v) axes
    emissive: np.ndarray | None = None  # (h, w) 1 where the texture glows (windows)


@dataclass(frozen=True)
class Block:
    """A furniture block (axis-aligned box in room coordinates)."""

    low_m: np.ndarray
    high_m: np.ndarray
    rgb: tuple[int, int, int]


@dataclass
class Room:
    """A room box in its own frame: room = R (world - offset); walls face inward."""

    rotation: np.ndarray  # world -> room
    offset_m: np.ndarray
    low_m: np.ndarray
    high_m: np.ndarray
    surfaces: list[Surface] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------
# textures
# ------------------------------------------------------------------------------------------------
def _blotches(rng: np.random.Generator, shape: tuple[int, int], cell_px: int) -> np.ndarray:
    """Smooth noise in -1..1 with features about cell_px across."""
    small = rng.uniform(-1, 1, (max(2, shape[0] // cell_px + 2), max(2, shape[1] // cell_px + 2)))
    return cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC).clip(-1, 1)


def _grain(rng: np.random.Generator, shape: tuple[int, int], amount: float) -> np.ndarray:
    return rng.normal(0.0, amount, shape)


def painted(rng: np.random.Generator, shape: tuple[int, int], rgb) -> np.ndarray:
    shade = 1.0 + 0.025 * _blotches(rng, shape, 60) + _grain(rng, shape, 0.008)
    return shade[..., None] * np.asarray(rgb, float)


def wood_floor(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Planks running along the texture's u axis (columns), staggered joints."""
    h, w = shape
    base = np.array(rng.choice([(150, 108, 70), (186, 146, 100), (120, 84, 56), (200, 170, 130)]), float)
    plank_px = int(TEXTURE_PX_PER_M * rng.uniform(0.12, 0.2))
    length_px = int(TEXTURE_PX_PER_M * rng.uniform(0.9, 1.6))
    rows = np.arange(h) // plank_px
    tone = 1.0 + rng.normal(0, 0.07, rows.max() + 2)
    image = np.ones(shape) * tone[rows][:, None]
    streaks = cv2.resize(rng.normal(0, 1, (h, max(2, w // 40))), (w, h), interpolation=cv2.INTER_LINEAR)
    image *= 1.0 + 0.05 * streaks
    image[(np.arange(h) % plank_px) < 2, :] *= 0.55  # gaps between planks
    for r in range(rows.max() + 1):
        shift = rng.integers(length_px)
        cols = (np.arange(w) + shift) % length_px < 2
        image[r * plank_px : (r + 1) * plank_px, cols] *= 0.6
    return image[..., None] * base


def tile_floor(rng: np.random.Generator, shape: tuple[int, int], rgb, tile_m: float) -> np.ndarray:
    h, w = shape
    tile_px = int(TEXTURE_PX_PER_M * tile_m)
    ti, tj = np.arange(h) // tile_px, np.arange(w) // tile_px
    tone = 1.0 + rng.normal(0, 0.03, (ti.max() + 1, tj.max() + 1))
    image = tone[ti][:, tj] * (1.0 + 0.03 * _blotches(rng, shape, 25) + _grain(rng, shape, 0.015))
    grout = ((np.arange(h) % tile_px) < 2)[:, None] | ((np.arange(w) % tile_px) < 2)[None, :]
    image[grout] *= 0.7
    return image[..., None] * np.asarray(rgb, float)


def rubber_floor(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    base = np.array(rng.choice([(48, 48, 52), (60, 62, 66), (40, 44, 56)]), float)
    image = (1.0 + 0.06 * _blotches(rng, shape, 40) + _grain(rng, shape, 0.05))[..., None] * base
    flecks = rng.random(shape) < 0.015
    colour = np.array(rng.choice([(200, 60, 50), (70, 110, 190), (220, 220, 220), (230, 180, 60)]), float)
    image[flecks] = colour * 0.7
    tile_px = int(TEXTURE_PX_PER_M)
    seams = ((np.arange(shape[0]) % tile_px) < 1)[:, None] | ((np.arange(shape[1]) % tile_px) < 1)[None, :]
    image[seams] *= 0.6
    return image


def vinyl_floor(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    base = np.array(rng.choice([(200, 200, 196), (176, 186, 196), (196, 188, 170), (160, 170, 160)]), float)
    return (1.0 + 0.04 * _blotches(rng, shape, 30) + _grain(rng, shape, 0.02))[..., None] * base


# ------------------------------------------------------------------------------------------------
# building a room
# ------------------------------------------------------------------------------------------------
WALL_COLOURS = {
    "home": ((222, 214, 198), (200, 206, 200), (230, 226, 218), (186, 196, 210), (214, 196, 176)),
    "gym": ((210, 210, 210), (140, 150, 160), (90, 96, 104), (200, 190, 170), (170, 60, 50)),
    "clinic": ((236, 238, 240), (210, 226, 232), (226, 232, 224), (240, 236, 226)),
    "plain": ((205, 205, 205),),
}
FURNITURE_COLOURS = ((120, 84, 56), (240, 240, 238), (60, 60, 64), (150, 150, 156), (90, 120, 150), (170, 130, 90))


def _rgb(values) -> tuple[int, int, int]:
    """Three colour channels (from a tuple or a numpy array) as plain ints."""
    r, g, b = (int(c) for c in values)
    return r, g, b


def _floor(kind: str, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    if kind == "home":
        return wood_floor(rng, shape) if rng.random() < 0.7 else tile_floor(rng, shape, (190, 180, 165), 0.45)
    if kind == "gym":
        return rubber_floor(rng, shape) if rng.random() < 0.75 else wood_floor(rng, shape)
    if kind == "clinic":
        return vinyl_floor(rng, shape) if rng.random() < 0.7 else tile_floor(rng, shape, (210, 212, 214), 0.3)
    return painted(rng, shape, (150, 150, 150))


def _decals(kind: str, rng: np.random.Generator, wall_length_m: float, height_m: float) -> list[Decal]:
    """Door, window, pictures... laid out along a wall without overlapping."""
    if kind == "plain":
        return []
    decals: list[Decal] = []
    used: list[tuple[float, float]] = []

    def place(width: float) -> float | None:
        for _ in range(20):
            u = rng.uniform(0.3, wall_length_m - width - 0.3)
            if all(u + width < a - 0.2 or u > b + 0.2 for a, b in used):
                used.append((u, u + width))
                return u
        return None

    if rng.random() < 0.6 and (u := place(0.9)) is not None:
        colour = _rgb(rng.choice([(240, 240, 236), (150, 110, 75), (200, 190, 170)]))
        decals.append(Decal((u, 0.0, u + 0.9, 2.05), colour, "door"))
    if rng.random() < 0.55 and (u := place(w := rng.uniform(1.0, 1.8))) is not None:
        decals.append(Decal((u, 0.9, u + w, min(height_m - 0.3, 2.2)), (210, 226, 240), "window"))
    extras = {"home": "picture", "gym": "mirror", "clinic": "board"}
    for _ in range(rng.integers(1, 4)):
        if kind == "gym" and rng.random() < 0.5:
            w, low, high, what = rng.uniform(1.2, 2.5), 0.3, 2.0, "mirror"
        else:
            w, what = rng.uniform(0.4, 1.0), extras[kind] if rng.random() < 0.4 else "picture"
            low = rng.uniform(1.2, 1.5)
            high = low + rng.uniform(0.35, 0.8)
        if (u := place(w)) is not None:
            colour = _rgb(rng.integers(40, 230, 3))
            decals.append(Decal((u, low, u + w, high), colour, what))
    return decals


def _draw_decal(texture: np.ndarray, emissive: np.ndarray, decal: Decal, rng: np.random.Generator) -> None:
    s = TEXTURE_PX_PER_M
    u0, v0, u1, v1 = (int(round(x * s)) for x in decal.rect_m)
    patch = texture[v0:v1, u0:u1]
    if patch.size == 0:
        return
    frame = max(2, int(0.04 * s))
    if decal.kind == "window":
        sky = np.linspace(1.0, 0.85, patch.shape[0])[:, None, None] * np.array([228, 238, 250], float)
        patch[:] = sky
        emissive[v0:v1, u0:u1] = 1.0
        patch[:, patch.shape[1] // 2 - 2 : patch.shape[1] // 2 + 2] = (235, 235, 235)
    elif decal.kind == "mirror":
        patch[:] = np.linspace(0.75, 0.55, patch.shape[1])[None, :, None] * np.array([200, 210, 215], float)
    elif decal.kind == "board":
        patch[:] = (245, 245, 245)
    elif decal.kind == "picture":
        patch[:] = decal.rgb
        inner = patch[frame:-frame, frame:-frame]
        inner[:] = rng.integers(60, 220, 3) * (1 + 0.25 * _blotches(rng, inner.shape[:2], 20))[..., None]
    else:
        patch[:] = decal.rgb
    if decal.kind in ("door", "window", "picture", "board", "mirror"):  # a frame around it
        dark = 0.75 if decal.kind != "picture" else 0.4
        patch[:frame] *= dark
        patch[-frame:] *= dark
        patch[:, :frame] *= dark
        patch[:, -frame:] *= dark
    if decal.kind == "door":
        knob_v = patch.shape[0] - int(1.0 * s)
        knob_u = patch.shape[1] - int(0.12 * s)
        cv2.circle(patch, (knob_u, knob_v), max(2, int(0.03 * s)), (90, 90, 90), -1)


def build_room(kind: str, seed: int, projection: Projection) -> Room:
    """A room around the subject (at the origin) and the camera, its back wall facing the camera."""
    rng = np.random.default_rng([seed, 31])
    camera_xy = projection.centre_m[:2]
    distance = float(np.linalg.norm(camera_xy))
    yaw = np.arctan2(-camera_xy[0], -camera_xy[1]) if distance > 1e-6 else 0.0  # camera -> subject heading
    turn = yaw + np.radians(rng.uniform(-12.0, 12.0))
    c, s = np.cos(turn), np.sin(turn)
    rotation = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])  # room +y points from camera to subject
    camera_room = rotation @ np.append(camera_xy, 0.0)
    behind = rng.uniform(1.2, 3.2) if kind != "plain" else 2.5
    sides = rng.uniform(1.8, 3.2, 2)
    height = rng.uniform(2.5, 3.2)
    low = np.array([-sides[0], min(camera_room[1], 0.0) - 1.0, 0.0])
    high = np.array([sides[1], behind, height])
    low[0] = min(low[0], camera_room[0] - 1.0)
    high[0] = max(high[0], camera_room[0] + 1.0)
    room = Room(rotation=rotation, offset_m=np.zeros(3), low_m=low, high_m=high)

    wall_rgb = np.array(WALL_COLOURS[kind][rng.integers(len(WALL_COLOURS[kind]))], float)
    s_px = TEXTURE_PX_PER_M
    size = high - low
    floor_shape = (int(size[1] * s_px) + 2, int(size[0] * s_px) + 2)
    room.surfaces.append(Surface("floor", 2, 0.0, _floor(kind, rng, floor_shape), (low[0], low[1])))
    room.surfaces.append(Surface("ceiling", 2, high[2], painted(rng, floor_shape, (236, 236, 232)), (low[0], low[1])))
    for name, axis, position, length in (
        ("back", 1, high[1], size[0]),
        ("front", 1, low[1], size[0]),
        ("left", 0, low[0], size[1]),
        ("right", 0, high[0], size[1]),
    ):
        shape = (int(size[2] * s_px) + 2, int(length * s_px) + 2)
        tint = wall_rgb * (1.0 if name in ("back", "front") else rng.uniform(0.94, 1.02))
        texture = painted(rng, shape, tint)
        emissive = np.zeros(shape)
        skirting = int(rng.uniform(0.06, 0.12) * s_px)
        texture[:skirting] = np.asarray(rng.choice([(240, 240, 236), (90, 70, 55), (60, 60, 60)]), float)
        for decal in _decals(kind, rng, length, size[2]):
            _draw_decal(texture, emissive, decal, rng)
        origin = (low[0], low[2]) if axis == 1 else (low[1], low[2])
        room.surfaces.append(Surface(name, axis, position, texture, origin, emissive))

    if kind != "plain":
        room.blocks.extend(_furniture(kind, rng, low, high))
    return room


def _furniture(kind: str, rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> list[Block]:
    """A few boxes against the back wall and the far parts of the side walls (behind the subject)."""
    blocks = []
    for _ in range(rng.integers(1, 4)):
        width, depth = rng.uniform(0.4, 1.4), rng.uniform(0.3, 0.6)
        tall = rng.uniform(0.4, 1.9) if kind != "clinic" else rng.uniform(0.6, 0.8)
        colour = _rgb(FURNITURE_COLOURS[rng.integers(len(FURNITURE_COLOURS))])
        if rng.random() < 0.6:  # against the back wall, not straight behind the subject
            spans = [(a, b) for a, b in ((low[0] + 0.1, -0.9 - width), (0.9, high[0] - 0.1 - width)) if b > a]
            if not spans:
                continue
            a, b = spans[rng.integers(len(spans))]
            lo = np.array([rng.uniform(a, b), high[1] - depth, 0.0])
        else:  # against a side wall, beyond the subject
            y = rng.uniform(0.8, max(0.9, high[1] - width))
            x = low[0] if rng.random() < 0.5 else high[0] - depth
            lo = np.array([x, y, 0.0])
            width, depth = depth, width
        blocks.append(Block(lo, lo + np.array([width, depth, tall]), colour))
    return blocks


# ------------------------------------------------------------------------------------------------
# ray casting
# ------------------------------------------------------------------------------------------------
def _sample(texture: np.ndarray, u_px: np.ndarray, v_px: np.ndarray) -> np.ndarray:
    return cv2.remap(
        texture.astype(np.float32),
        u_px.astype(np.float32),
        v_px.astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT,
    )


def render_room(
    room: Room, projection: Projection, lighting: Lighting, scale: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """(H*scale, W*scale, 3) uint8 picture of the room seen by the camera, and a float mask of the
    pixels that show the floor (where the body's shadow may fall)."""
    directions = projection.ray_directions(scale) @ room.rotation.T
    origin = room.rotation @ (projection.centre_m - room.offset_m)
    h, w = directions.shape[:2]
    best = np.full((h, w), np.inf)
    image = np.zeros((h, w, 3))
    normals = np.zeros((h, w, 3))
    glow = np.zeros((h, w))
    corner = np.full((h, w), np.inf)
    floor = np.zeros((h, w), np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        for surface in room.surfaces:
            d = directions[..., surface.axis]
            t = (surface.position_m - origin[surface.axis]) / d
            hit = (t > 0) & (t < best)
            if not hit.any():
                continue
            point = origin + t[..., None] * directions
            u_axis, v_axis = [(0, 1), (0, 2), (1, 2)][[2, 1, 0].index(surface.axis)]
            u = (point[..., u_axis] - surface.origin_m[0]) * TEXTURE_PX_PER_M
            v = (point[..., v_axis] - surface.origin_m[1]) * TEXTURE_PX_PER_M
            colours = _sample(surface.texture, u, v)
            best = np.where(hit, t, best)
            image[hit] = colours[hit]
            normal = np.zeros(3)
            normal[surface.axis] = 1.0 if surface.position_m <= origin[surface.axis] else -1.0
            normals[hit] = room.rotation.T @ normal
            glow[hit] = _sample(surface.emissive, u, v)[hit] if surface.emissive is not None else 0.0
            # distance to the nearest edge of this plane (corners get darker)
            edge = np.min(
                [np.abs(point[..., a] - bound) for a in (u_axis, v_axis) for bound in (room.low_m[a], room.high_m[a])],
                axis=0,
            )
            corner[hit] = edge[hit]
            floor[hit] = 1.0 if surface.name == "floor" else 0.0
        for block in room.blocks:
            t_near, t_far = np.full((h, w), -np.inf), np.full((h, w), np.inf)
            face_axis = np.zeros((h, w), int)
            for a in range(3):
                t1 = (block.low_m[a] - origin[a]) / directions[..., a]
                t2 = (block.high_m[a] - origin[a]) / directions[..., a]
                lo, hi = np.minimum(t1, t2), np.maximum(t1, t2)
                face_axis = np.where(lo > t_near, a, face_axis)
                t_near, t_far = np.maximum(t_near, lo), np.minimum(t_far, hi)
            hit = (t_near < t_far) & (t_near > 0) & (t_near < best)
            best = np.where(hit, t_near, best)
            shade = 1.0 + 0.03 * np.sin(t_near * 40.0)
            image[hit] = (np.asarray(block.rgb, float) * shade[..., None])[hit]
            sign = -np.sign(np.take_along_axis(directions, face_axis[..., None], -1)[..., 0])
            room_normal = np.zeros((h, w, 3))
            np.put_along_axis(room_normal, face_axis[..., None], sign[..., None], -1)
            normals[hit] = (room_normal @ room.rotation)[hit]
            glow[hit] = 0.0
            corner[hit] = np.inf
            floor[hit] = 0.0
    key = np.clip(normals @ lighting.key_direction, 0, None)[..., None]
    gain = np.asarray(lighting.ambient_rgb) + np.asarray(lighting.fill_rgb) * 0.6 + key * np.asarray(lighting.key_rgb)
    occlusion = 1.0 - 0.3 * np.exp(-corner / 0.25)
    lit = image * gain * occlusion[..., None]
    lit = lit * (1 - glow[..., None]) + image * 1.05 * glow[..., None]
    ceiling = normals[..., 2] < -0.5  # lit by the room's lamps, which we do not model: keep it light
    lit[ceiling] = image[ceiling] * 0.85 * occlusion[ceiling][:, None]
    return np.clip(lit, 0, 255).astype(np.uint8), floor
