"""Camera and light effects applied around the rasterizer: the body's floor shadow, vignetting,
sensor noise and lens softness. Each is cheap enough to run on every frame."""

from __future__ import annotations

import cv2
import numpy as np

from gaitcheck.synth.camera import Projection
from gaitcheck.synth.render import Lighting

SHADOW_MASK_DIVISOR = 4  # the shadow is drawn at 1/4 resolution, then blurred: it is soft anyway


def floor_shadow(
    background: np.ndarray,
    floor_mask: np.ndarray,
    projection: Projection,
    lighting: Lighting,
    vertices_m: np.ndarray,
    faces: np.ndarray,
    scale: int = 1,
) -> np.ndarray:
    """The background darkened where the body's shadow falls on the floor.

    A soft cast shadow (the mesh squashed onto z = 0 along the key light) plus a darker contact
    shadow under the parts of the feet that touch the floor; only floor pixels are darkened.
    """
    h, w = background.shape[:2]
    small = (w // SHADOW_MASK_DIVISOR, h // SHADOW_MASK_DIVISOR)
    light = lighting.key_direction / max(lighting.key_direction[2], 0.35)
    cast = vertices_m - vertices_m[:, 2:3] * light
    cast[:, 2] = 0.0
    ratio = scale / SHADOW_MASK_DIVISOR
    mask = np.zeros((small[1], small[0]), np.float32)
    triangles = np.round(projection.project(cast)[faces[::2]] * ratio * 8).astype(np.int32)  # blurred anyway
    cv2.fillPoly(mask, list(triangles), 1.0, cv2.LINE_8, 3)
    mask = cv2.GaussianBlur(mask, (0, 0), 2.5) * 0.45
    near = vertices_m[:, 2] < 0.03
    if near.any():
        contact = np.zeros_like(mask)
        footprint = vertices_m[near].copy()
        footprint[:, 2] = 0.0
        points = np.round(projection.project(footprint) * ratio * 8).astype(np.int32)
        for group in (points[footprint[:, 0] >= 0], points[footprint[:, 0] < 0]):
            if len(group) >= 3:
                cv2.fillConvexPoly(contact, cv2.convexHull(group), 1.0, cv2.LINE_8, 3)
        mask = np.maximum(mask, cv2.GaussianBlur(contact, (0, 0), 1.2) * 0.5)
    key_share = float(np.mean(lighting.key_rgb) / (np.mean(lighting.key_rgb) + np.mean(lighting.ambient_rgb)))
    rows, cols = np.nonzero(mask > 0.004)
    out = background.copy()
    if len(rows) == 0:
        return out
    r0, r1, c0, c1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    y0, y1 = r0 * SHADOW_MASK_DIVISOR, min(h, r1 * SHADOW_MASK_DIVISOR)
    x0, x1 = c0 * SHADOW_MASK_DIVISOR, min(w, c1 * SHADOW_MASK_DIVISOR)
    darkening: np.ndarray = cv2.resize(mask[r0:r1, c0:c1], (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    darkening *= (0.5 + key_share) * floor_mask[y0:y1, x0:x1]
    out[y0:y1, x0:x1] = (background[y0:y1, x0:x1] * (1.0 - darkening[..., None])).astype(np.uint8)
    return out


def vignette(image: np.ndarray, strength: float = 0.18) -> np.ndarray:
    """Darken toward the corners, as phone lenses do (applied once, to the background)."""
    h, w = image.shape[:2]
    y, x = np.ogrid[:h, :w]
    r2 = ((x - w / 2) / (w / 2)) ** 2 + ((y - h / 2) / (h / 2)) ** 2
    gain = 1.0 - strength * np.clip(r2 / 2.0, 0, 1) ** 1.5
    return np.clip(image * gain[..., None], 0, 255).astype(np.uint8)


class SensorNoise:
    """Additive noise drawn from a small bank of precomputed frames (fresh noise every frame would
    cost more than rendering), offset at random so consecutive frames never repeat."""

    def __init__(self, width_px: int, height_px: int, sigma: float, seed: int, bank_size: int = 6):
        self.sigma = sigma
        self.rng = np.random.default_rng([seed, 4242])
        if sigma <= 0:
            self.bank: list[np.ndarray] = []
            return
        shape = (height_px + 16, width_px + 16, 3)
        luma = self.rng.normal(0.0, sigma, shape[:2] + (1,))
        self.bank = [
            np.clip(luma * 0.6 + self.rng.normal(0.0, sigma * 0.8, shape), -127, 127).astype(np.int16)
            for _ in range(bank_size)
        ]

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        if not self.bank:
            return frame
        h, w = frame.shape[:2]
        noise = self.bank[self.rng.integers(len(self.bank))]
        dy, dx = self.rng.integers(0, 16, 2)
        noisy = frame.astype(np.int16) + noise[dy : dy + h, dx : dx + w]
        return np.clip(noisy, 0, 255).astype(np.uint8)


def lens_softness(frame: np.ndarray, sigma_px: float = 0.55) -> np.ndarray:
    """A touch of blur: real phone pictures are never pixel-sharp at the edges of a rendered mesh."""
    return cv2.GaussianBlur(frame, (0, 0), sigma_px)
