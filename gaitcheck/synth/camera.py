"""A pinhole phone camera on a tripod: where it stands, where it looks, and how it projects.

The scene's floor is z = 0 and the subject stands over the origin facing -Y (anny's frame:
+X = the subject's left, +Y = posterior, +Z = up). The camera stands ``distance_m`` away
horizontally at ``height_m``; ``yaw_deg`` says where, counter-clockwise seen from above:

    yaw   0  in front of the subject (the subject's left appears on the image right)
    yaw  90  at the subject's left side (a left sagittal view)
    yaw -90  at the subject's right side
    yaw 180  behind the subject

The camera is level (pitch 0) or tilted down by ``pitch_deg`` (negative: up); by default
(``pitch_deg`` None) it is aimed so the standing body, feet to crown, is centred in the picture's
height, as people frame a phone - from a camera on the floor that means tilted up (`framing_aim_height_m`).
``roll_deg`` turns the camera about its optical axis, as a phone held off level: + turns the
*picture's content* clockwise on screen (the camera itself turned counter-clockwise as its holder
sees it), so every projected point rotates by +roll_deg about the principal point (x right, y down).
The field of view is given along the picture's height (``vertical_fov_deg``) or width
(``horizontal_fov_deg``), at most one of them; with neither, a phone's main camera. Image coordinates are
continuous pixels of the upright picture (x right, y down, 0 at the left/top edge), as in
gaitcheck's landmark tables. Camera coordinates are x right, y down, z forward: the same axes as
MediaPipe's world landmarks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from gaitcheck.errors import InputError

#: Field of view of a phone's main camera along the picture's long side (about a 26 mm equivalent lens).
PHONE_LONG_SIDE_FOV_DEG = 65.0
#: The roll a phone held by hand or propped up plausibly has; beyond this, InputError.
MAX_ROLL_DEG = 45.0
#: Views by yaw: within 45 deg of 0 is front, of 180 back, otherwise side.
SIDE_VIEW_FROM_DEG = 45.0


@dataclass(frozen=True)
class Camera:
    """Placement and intrinsics. ``pitch_deg`` None aims at the body centre; + tilts the camera down.
    ``roll_deg`` + turns the picture's content clockwise; give at most one of the two fields of view."""

    height_m: float = 0.9
    distance_m: float = 3.0
    yaw_deg: float = 0.0
    pitch_deg: float | None = None
    vertical_fov_deg: float | None = None  # None: a phone's main camera (65 deg along the long side)
    width_px: int = 720
    height_px: int = 1280
    fps: float = 30.0
    horizontal_fov_deg: float | None = None  # along the picture's width; excludes vertical_fov_deg
    roll_deg: float = 0.0

    def __post_init__(self) -> None:
        if not 0.05 <= self.height_m <= 3.0:
            raise InputError(f"camera height must be 0.05-3 m (got {self.height_m})")
        if not 1.0 <= self.distance_m <= 20.0:
            raise InputError(f"camera distance must be 1-20 m (got {self.distance_m})")
        if self.width_px < 64 or self.height_px < 64 or self.width_px % 2 or self.height_px % 2:
            raise InputError(f"frame size must be even and at least 64 px ({self.width_px}x{self.height_px})")
        if not 1.0 <= self.fps <= 480.0:
            raise InputError(f"fps must be 1-480 (got {self.fps})")
        if self.vertical_fov_deg is not None and not 10.0 <= self.vertical_fov_deg <= 120.0:
            raise InputError(f"vertical field of view must be 10-120 deg (got {self.vertical_fov_deg})")
        if self.horizontal_fov_deg is not None and not 10.0 <= self.horizontal_fov_deg <= 120.0:
            raise InputError(f"horizontal field of view must be 10-120 deg (got {self.horizontal_fov_deg})")
        if self.vertical_fov_deg is not None and self.horizontal_fov_deg is not None:
            raise InputError("give the vertical or the horizontal field of view, not both")
        if not -MAX_ROLL_DEG <= self.roll_deg <= MAX_ROLL_DEG:
            raise InputError(
                f"camera roll must be within -{MAX_ROLL_DEG:g}..{MAX_ROLL_DEG:g} deg (got {self.roll_deg})"
            )
        if self.pitch_deg is not None and not -60.0 <= self.pitch_deg <= 60.0:
            raise InputError(f"camera pitch must be within -60..60 deg (got {self.pitch_deg})")

    @property
    def view(self) -> str:
        """'front', 'back' or 'side', as gaitcheck's --view names them."""
        yaw = abs((self.yaw_deg + 180.0) % 360.0 - 180.0)
        if yaw <= SIDE_VIEW_FROM_DEG:
            return "front"
        if yaw >= 180.0 - SIDE_VIEW_FROM_DEG:
            return "back"
        return "side"

    @property
    def fov_deg(self) -> float:
        """Vertical field of view actually used (along the picture's height)."""
        if self.vertical_fov_deg is not None:
            return self.vertical_fov_deg
        if self.horizontal_fov_deg is not None:
            return _fov_across_deg(self.horizontal_fov_deg, self.width_px, self.height_px)
        long_side = max(self.width_px, self.height_px)
        return _fov_across_deg(PHONE_LONG_SIDE_FOV_DEG, long_side, self.height_px)

    @property
    def horizontal_fov_used_deg(self) -> float:
        """Horizontal field of view actually used (along the picture's width)."""
        if self.horizontal_fov_deg is not None:
            return self.horizontal_fov_deg
        return _fov_across_deg(self.fov_deg, self.height_px, self.width_px)

    @property
    def focal_px(self) -> float:
        """Focal length in pixels (square pixels, so the same along both axes)."""
        return float(self.height_px / 2 / np.tan(np.radians(self.fov_deg) / 2))

    def frontal(self) -> Camera:
        """The camera valgus targets are planned with: moved straight in front of the subject (yaw 0)
        and held level about its axis (no roll), at the same height, distance, pitch and lens.
        (Roll does not change an FPPA - an angle between image lines - but it does tilt the image
        horizontal that pelvic drop and trunk lean are read against.)"""
        return replace(self, yaw_deg=0.0, roll_deg=0.0)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Projection:
    """A camera made concrete: world -> camera rotation, its centre, and intrinsics."""

    rotation: np.ndarray  # (3, 3) rows: camera x (right), y (down), z (forward) in world coordinates
    centre_m: np.ndarray  # (3,) camera centre, world
    focal_px: float
    principal_px: tuple[float, float]
    width_px: int
    height_px: int

    def to_camera(self, points_m: np.ndarray) -> np.ndarray:
        """World points (..., 3) in camera coordinates (x right, y down, z forward)."""
        return (points_m - self.centre_m) @ self.rotation.T

    def project(self, points_m: np.ndarray) -> np.ndarray:
        """World points (..., 3) -> continuous pixel coordinates (..., 2)."""
        cam = self.to_camera(points_m)
        z = np.maximum(cam[..., 2:3], 1e-6)
        return cam[..., :2] / z * self.focal_px + np.asarray(self.principal_px)

    def ray_directions(self, scale: int = 1) -> np.ndarray:
        """(H, W, 3) world directions through every pixel centre (for ray-casting the room)."""
        h, w = self.height_px * scale, self.width_px * scale
        u = (np.arange(w) + 0.5) / scale
        v = (np.arange(h) + 0.5) / scale
        uu, vv = np.meshgrid(u, v)
        cam = np.stack(
            [
                (uu - self.principal_px[0]) / self.focal_px,
                (vv - self.principal_px[1]) / self.focal_px,
                np.ones_like(uu),
            ],
            axis=-1,
        )
        return cam @ self.rotation

    def intrinsics(self) -> list[list[float]]:
        cx, cy = self.principal_px
        return [[self.focal_px, 0.0, cx], [0.0, self.focal_px, cy], [0.0, 0.0, 1.0]]

    def to_json(self) -> dict:
        return {
            "intrinsics_px": self.intrinsics(),
            "world_to_camera_rotation": self.rotation.tolist(),
            "camera_centre_m": self.centre_m.tolist(),
            "note": "camera axes x right, y down, z forward; pixel = K @ R @ (X - centre), continuous coordinates",
        }


def _fov_across_deg(fov_deg: float, along_px: float, across_px: float) -> float:
    """The field of view across `across_px` of a pinhole whose view along `along_px` is fov_deg."""
    half = np.tan(np.radians(fov_deg) / 2) * across_px / along_px
    return float(np.degrees(2 * np.arctan(half)))


def framing_aim_height_m(camera: Camera, stature_m: float, top_share: float = 1.0) -> float:
    """The point above the subject's feet that a camera with pitch None looks at.

    The optical axis bisects the vertical angle between the floor under the subject and the top of
    the subject (``top_share`` x stature), so a pinhole projects feet and crown equally far from the
    picture's centre: a camera on the floor tilts up to keep the feet in frame, a chest-high one
    tilts down. (Near 0.9 m this is close to the old fixed aim, 52 % of stature.)
    """
    below = np.arctan2(camera.height_m, camera.distance_m)  # down to the feet
    above = np.arctan2(top_share * stature_m - camera.height_m, camera.distance_m)  # up to the top
    return float(camera.height_m + camera.distance_m * np.tan((above - below) / 2))


def make_projection(camera: Camera, aim_height_m: float) -> Projection:
    """Place the camera; with pitch None it looks at (0, 0, aim_height_m) (see `framing_aim_height_m`), then
    rolls about its optical axis by ``roll_deg``."""
    yaw = np.radians(camera.yaw_deg)
    centre = np.array([camera.distance_m * np.sin(yaw), -camera.distance_m * np.cos(yaw), camera.height_m])
    toward = np.array([-np.sin(yaw), np.cos(yaw), 0.0])  # horizontal, toward the subject
    if camera.pitch_deg is None:
        forward = np.array([0.0, 0.0, aim_height_m]) - centre
        forward[:2] = toward[:2] * np.linalg.norm(forward[:2])
    else:
        pitch = np.radians(camera.pitch_deg)
        forward = np.cos(pitch) * toward + np.array([0.0, 0.0, -np.sin(pitch)])
    forward = forward / np.linalg.norm(forward)
    right = np.cross(forward, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    # roll: image points turn by +roll about the principal point (clockwise on screen, y down)
    c, s = np.cos(np.radians(camera.roll_deg)), np.sin(np.radians(camera.roll_deg))
    right, down = c * right - s * down, s * right + c * down
    return Projection(
        rotation=np.stack([right, down, forward]),
        centre_m=centre,
        focal_px=camera.focal_px,
        principal_px=(camera.width_px / 2, camera.height_px / 2),
        width_px=camera.width_px,
        height_px=camera.height_px,
    )
