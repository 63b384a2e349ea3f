"""A pinhole phone camera on a tripod: where it stands, where it looks, and how it projects.

The scene's floor is z = 0 and the subject stands over the origin facing -Y (anny's frame:
+X = the subject's left, +Y = posterior, +Z = up). The camera stands ``distance_m`` away
horizontally at ``height_m``; ``yaw_deg`` says where, counter-clockwise seen from above:

    yaw   0  in front of the subject (the subject's left appears on the image right)
    yaw  90  at the subject's left side (a left sagittal view)
    yaw -90  at the subject's right side
    yaw 180  behind the subject

The camera has no roll. It is level (pitch 0) or tilted down by ``pitch_deg``; by default it is
aimed at the middle of the standing body, as people frame a phone. Image coordinates are
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
#: Views by yaw: within 45 deg of 0 is front, of 180 back, otherwise side.
SIDE_VIEW_FROM_DEG = 45.0


@dataclass(frozen=True)
class Camera:
    """Placement and intrinsics. ``pitch_deg`` None aims at the body centre; + tilts the camera down."""

    height_m: float = 0.9
    distance_m: float = 3.0
    yaw_deg: float = 0.0
    pitch_deg: float | None = None
    vertical_fov_deg: float | None = None  # None: a phone's main camera (65 deg along the long side)
    width_px: int = 720
    height_px: int = 1280
    fps: float = 30.0

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
        """Vertical field of view actually used."""
        if self.vertical_fov_deg is not None:
            return self.vertical_fov_deg
        long_side = max(self.width_px, self.height_px)
        half = np.tan(np.radians(PHONE_LONG_SIDE_FOV_DEG / 2)) * self.height_px / long_side
        return float(np.degrees(2 * np.arctan(half)))

    def frontal(self) -> Camera:
        """The same camera moved straight in front of the subject (yaw 0)."""
        return replace(self, yaw_deg=0.0)

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


def make_projection(camera: Camera, aim_height_m: float) -> Projection:
    """Place the camera; with pitch None it looks at (0, 0, aim_height_m), the standing body's centre."""
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
    focal = camera.height_px / 2 / np.tan(np.radians(camera.fov_deg) / 2)
    return Projection(
        rotation=np.stack([right, down, forward]),
        centre_m=centre,
        focal_px=float(focal),
        principal_px=(camera.width_px / 2, camera.height_px / 2),
        width_px=camera.width_px,
        height_px=camera.height_px,
    )
