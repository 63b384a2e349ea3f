"""A painter's-algorithm rasterizer: triangles sorted far to near, flat-shaded, drawn with OpenCV.

No z-buffer is needed for one body that does not pass through itself (the pose solver keeps the
knees apart), plus a few props split into small quads. Faces turned away from the camera are
culled; each remaining face gets Lambert shading from a key light, a camera-side fill light and
ambient light.

Most of the mesh's 27 k triangles (face, hands, toes) cover a pixel or two, and one OpenCV call
per triangle costs more than the pixels it fills. So the painter's order is written into a
face-index buffer: larger triangles with `cv2.fillConvexPoly` (4 fractional bits of sub-pixel
precision), in order, each overwriting what is behind it; tiny ones (bounding box <= 3 px) all at
once in numpy by testing the pixel centres they may cover, keeping the nearest (largest order)
index per pixel. Colours are looked up at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from gaitcheck.synth.camera import Projection

SUBPIXEL_BITS = 4
TINY_EXTENT_PX = 3.0


@dataclass(frozen=True)
class Lighting:
    """Directions point from the surface toward the light (world, unit length); colours are RGB gains."""

    key_direction: np.ndarray
    key_rgb: tuple[float, float, float] = (0.62, 0.62, 0.62)
    fill_rgb: tuple[float, float, float] = (0.18, 0.18, 0.18)  # light from the camera's side
    ambient_rgb: tuple[float, float, float] = (0.34, 0.34, 0.34)

    def to_json(self) -> dict:
        return {
            "key_direction": np.round(self.key_direction, 4).tolist(),
            "key_rgb": [round(float(c), 4) for c in self.key_rgb],
            "fill_rgb": [round(float(c), 4) for c in self.fill_rgb],
            "ambient_rgb": [round(float(c), 4) for c in self.ambient_rgb],
        }


@dataclass(frozen=True)
class Mesh:
    """Triangles to draw: vertices (N, 3) world, faces (F, 3), base colours (F, 3) RGB 0..255."""

    vertices_m: np.ndarray
    faces: np.ndarray
    face_rgb: np.ndarray

    @staticmethod
    def merge(meshes: list[Mesh]) -> Mesh:
        if len(meshes) == 1:
            return meshes[0]
        offsets = np.cumsum([0] + [len(m.vertices_m) for m in meshes[:-1]])
        return Mesh(
            vertices_m=np.concatenate([m.vertices_m for m in meshes]),
            faces=np.concatenate([m.faces + o for m, o in zip(meshes, offsets, strict=True)]),
            face_rgb=np.concatenate([m.face_rgb for m in meshes]),
        )


def shade(mesh: Mesh, projection: Projection, lighting: Lighting) -> tuple[np.ndarray, np.ndarray]:
    """Visible faces, far to near: (pixel corners (n, 3, 2), RGB colours (n, 3) float)."""
    corners, colours, _ = shade_indexed(mesh, projection, lighting)
    return corners, colours


def shade_indexed(mesh: Mesh, projection: Projection, lighting: Lighting) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """As `shade`, plus the mesh face index of every visible face (n,)."""
    cam = projection.to_camera(mesh.vertices_m).astype(np.float32)
    tri_cam = cam[mesh.faces]
    normal_cam = np.cross(tri_cam[:, 1] - tri_cam[:, 0], tri_cam[:, 2] - tri_cam[:, 0])
    facing = np.einsum("fi,fi->f", normal_cam, tri_cam[:, 0]) < 0
    in_front = tri_cam[:, :, 2].min(axis=1) > 0.05
    visible = np.flatnonzero(facing & in_front)
    visible = visible[np.argsort(-tri_cam[visible, :, 2].sum(axis=1), kind="stable")]

    tri = tri_cam[visible]
    normal = normal_cam[visible]
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-12)
    rotation = projection.rotation.astype(np.float32)  # world -> camera
    key = np.clip(normal @ (rotation @ lighting.key_direction).astype(np.float32), 0.0, None)[:, None]
    centre = tri.mean(axis=1)
    to_camera = -centre / np.linalg.norm(centre, axis=1, keepdims=True)
    fill = np.clip(np.einsum("fi,fi->f", normal, to_camera), 0.0, None)[:, None]
    gain = np.asarray(lighting.ambient_rgb) + key * np.asarray(lighting.key_rgb) + fill * np.asarray(lighting.fill_rgb)
    colours = mesh.face_rgb[visible] * gain
    corners = tri[:, :, :2] / tri[:, :, 2:3] * projection.focal_px + np.asarray(projection.principal_px)
    return corners, colours, visible


def _tiny_coverage(
    points: np.ndarray, order: np.ndarray, width: int, height: int, span: int
) -> tuple[np.ndarray, np.ndarray]:
    """(pixel index, order) pairs covered by small triangles (corners in pixel-centre coordinates).

    Each triangle's candidate pixels are the span x span centres from the floor of its bounding box
    (enough for a box of extent span - 1); a triangle that contains no centre still marks the pixel
    under its centroid, so a patch of sub-pixel faces leaves no holes.
    """
    base = np.floor(points.min(axis=1)).astype(np.int64)  # (n, 2)
    offsets = np.stack(np.meshgrid(np.arange(span), np.arange(span), indexing="xy"), axis=-1).reshape(-1, 2)
    candidates = base[:, None, :] + offsets[None]  # (n, 16, 2) integer pixel centres
    a, b, c = points[:, 0, None, :], points[:, 1, None, :], points[:, 2, None, :]
    p = candidates.astype(np.float32)

    def edge(u, v):
        return (v[..., 0] - u[..., 0]) * (p[..., 1] - u[..., 1]) - (v[..., 1] - u[..., 1]) * (p[..., 0] - u[..., 0])

    w0, w1, w2 = edge(b, c), edge(c, a), edge(a, b)
    inside = ((w0 >= 0) & (w1 >= 0) & (w2 >= 0)) | ((w0 <= 0) & (w1 <= 0) & (w2 <= 0))
    covered = inside.any(axis=1)
    centroid = np.round(points.mean(axis=1)).astype(np.int64)
    xy = np.concatenate([candidates[inside], centroid[~covered]])
    ids = np.concatenate([np.repeat(order, inside.sum(axis=1)), order[~covered]])
    keep = (xy[:, 0] >= 0) & (xy[:, 0] < width) & (xy[:, 1] >= 0) & (xy[:, 1] < height)
    return xy[keep, 1] * width + xy[keep, 0], ids[keep]


def paint_ids(
    shape: tuple[int, int], corners_px: np.ndarray, scale: int = 1
) -> tuple[np.ndarray, tuple[int, int]] | None:
    """The painter's order index (far to near) of the triangle seen at every pixel of a canvas of
    `shape` (H*scale, W*scale), -1 where none: (ids over the drawing's bounding box, its (x, y)
    offset in the canvas), or None when nothing lands on the canvas."""
    height, width = shape
    if len(corners_px) == 0:
        return None
    points = (corners_px * scale - 0.5).astype(np.float32)  # pixel centres at integer coordinates
    low = np.maximum(np.floor(points.reshape(-1, 2).min(axis=0)).astype(int) - 1, 0)
    high = np.minimum(np.ceil(points.reshape(-1, 2).max(axis=0)).astype(int) + 2, [width, height])
    if np.any(high <= low):
        return None
    points = points - low  # work inside the bounding box of the drawing
    box_w, box_h = high - low
    ids = np.full((box_h, box_w), -1, np.int32)
    extent = (points.max(axis=1) - points.min(axis=1)).max(axis=1)
    tiny = extent <= TINY_EXTENT_PX
    order = np.arange(len(points), dtype=np.int32)
    fixed = np.round(points[~tiny] * (1 << SUBPIXEL_BITS)).astype(np.int32)
    fill = cv2.fillConvexPoly
    for index, triangle in zip(order[~tiny].tolist(), fixed, strict=True):
        fill(ids, triangle, index, cv2.LINE_8, SUBPIXEL_BITS)
    for small, span in ((extent <= 1.0, 2), (tiny & (extent > 1.0), int(TINY_EXTENT_PX) + 1)):
        if small.any():
            pixels, small_ids = _tiny_coverage(points[small], order[small], box_w, box_h, span)
            np.maximum.at(ids.reshape(-1), pixels, small_ids)
    return ids, (int(low[0]), int(low[1]))


def rasterize(canvas: np.ndarray, corners_px: np.ndarray, colours: np.ndarray, scale: int = 1) -> np.ndarray:
    """Paint triangles given far to near onto canvas (H*scale, W*scale, 3) uint8, in place."""
    painted = paint_ids(canvas.shape[:2], corners_px, scale)
    if painted is None:
        return canvas
    ids, (x0, y0) = painted
    drawn = ids >= 0
    rgb = np.clip(colours, 0, 255).astype(np.uint8)
    region = canvas[y0 : y0 + ids.shape[0], x0 : x0 + ids.shape[1]]
    region[drawn] = rgb[ids[drawn]]
    return canvas


def render_mesh(
    background: np.ndarray, mesh: Mesh, projection: Projection, lighting: Lighting, scale: int = 1
) -> np.ndarray:
    """Draw a mesh over a copy of the background (rendered at `scale` x the camera size), then downsample."""
    canvas = background.copy()
    corners, colours = shade(mesh, projection, lighting)
    rasterize(canvas, corners, colours, scale)
    if scale > 1:
        canvas = cv2.resize(canvas, (projection.width_px, projection.height_px), interpolation=cv2.INTER_AREA)
    return canvas


@dataclass(frozen=True)
class Coverage:
    """How much of one part of a drawn mesh (a face range: one person) the picture shows, in pixels of
    the output frame: ``visible_px`` where it is seen, ``silhouette_px`` what it would cover drawn alone."""

    visible_px: float
    silhouette_px: float

    @property
    def occluded_share(self) -> float:
        """Share of the silhouette hidden by what is drawn nearer (0 when nothing of it is in frame)."""
        return 0.0 if self.silhouette_px <= 0 else float(1.0 - self.visible_px / self.silhouette_px)


def _bounds(corners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    flat = corners.reshape(-1, 2)
    return flat.min(axis=0), flat.max(axis=0)


def render_mesh_coverage(
    background: np.ndarray,
    mesh: Mesh,
    projection: Projection,
    lighting: Lighting,
    scale: int,
    parts: list[tuple[int, int]],
) -> tuple[np.ndarray, list[Coverage]]:
    """`render_mesh`, plus the coverage of each part (a range of the mesh's faces, start..stop).

    A part can only be hidden by faces painted after some of its own, and only where its bounding
    box meets theirs; only then, and only there, are the part's own faces painted a second time, alone.
    """
    canvas = background.copy()
    corners, colours, visible = shade_indexed(mesh, projection, lighting)
    painted = paint_ids(canvas.shape[:2], corners, scale)
    coverages = []
    if painted is None:
        coverages = [Coverage(0.0, 0.0) for _ in parts]
    else:
        ids, (x0, y0) = painted
        drawn = ids >= 0
        rgb = np.clip(colours, 0, 255).astype(np.uint8)
        canvas[y0 : y0 + ids.shape[0], x0 : x0 + ids.shape[1]][drawn] = rgb[ids[drawn]]
        faces = np.where(drawn, visible[np.maximum(ids, 0)], -1)  # the mesh face seen at each pixel
        area = float(scale * scale)
        for start, stop in parts:
            mine = (visible >= start) & (visible < stop)
            seen_here = (faces >= start) & (faces < stop)
            seen = float(np.count_nonzero(seen_here))
            hidden = 0.0
            # only what is painted after some of this part (nearer in the painter's order) can hide it
            if mine.any() and (~mine).any() and np.flatnonzero(~mine)[-1] > np.flatnonzero(mine)[0]:
                (a_low, a_high), (b_low, b_high) = _bounds(corners[mine]), _bounds(corners[~mine])
                low, high = np.maximum(a_low, b_low), np.minimum(a_high, b_high)
                if np.all(low <= high):  # the boxes meet: paint this part alone over the shared rectangle
                    # the shared rectangle in canvas pixels (centres at integers), a pixel wider on each side,
                    # and every face of this part that may touch it
                    r0 = np.maximum(np.floor(low * scale - 0.5).astype(int) - 1, 0)
                    r1 = np.ceil(high * scale - 0.5).astype(int) + 2
                    points = corners[mine] * scale - 0.5
                    near = np.all((points.min(axis=1) <= r1 + 1) & (points.max(axis=1) >= r0 - 1), axis=1)
                    own = paint_ids(canvas.shape[:2], corners[mine][near], scale)
                    if own is not None:
                        own_ids, (ox, oy) = own
                        alone = own_ids[
                            max(r0[1] - oy, 0) : max(r1[1] - oy, 0), max(r0[0] - ox, 0) : max(r1[0] - ox, 0)
                        ]
                        window = seen_here[
                            max(r0[1] - y0, 0) : max(r1[1] - y0, 0), max(r0[0] - x0, 0) : max(r1[0] - x0, 0)
                        ]
                        hidden = max(0.0, float(np.count_nonzero(alone >= 0) - np.count_nonzero(window)))
            coverages.append(Coverage(seen / area, (seen + hidden) / area))
    if scale > 1:
        canvas = cv2.resize(canvas, (projection.width_px, projection.height_px), interpolation=cv2.INTER_AREA)
    return canvas, coverages
