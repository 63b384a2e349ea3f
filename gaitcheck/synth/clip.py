"""One synthetic clip from a spec: plan the movement, render every frame, write the mp4 and its truth.

    spec = ClipSpec(movement=SingleLegSquat(stance="right", stance_leg=LegControl(valgus_deg=12)))
    result = render_clip(spec, "clip.mp4")   # writes clip.mp4, clip.truth.csv, clip.truth.json

A spec may add a second person, ``bystander=Bystander(...)`` (see bystander.py): they are drawn in
the same painter's sort as the subject, and the sidecar then gets ``people``, both people's image
boxes frame by frame (the truth table stays the subject's).

Frames are streamed to the encoder; only the (small) truth rows are kept in memory.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gaitcheck.errors import InputError
from gaitcheck.synth.body import Body, Rig, load_rig
from gaitcheck.synth.bystander import Bystander, BystanderActor, bystander_outfit
from gaitcheck.synth.camera import Camera, Projection, framing_aim_height_m, make_projection
from gaitcheck.synth.effects import SensorNoise, floor_shadow, lens_softness, vignette
from gaitcheck.synth.encode import Encoding, Mp4Writer
from gaitcheck.synth.motion import Box, FrameState, Program
from gaitcheck.synth.movements import Movement, movement_from_json, movement_to_json
from gaitcheck.synth.programs import make_program
from gaitcheck.synth.render import Coverage, Mesh, render_mesh, render_mesh_coverage
from gaitcheck.synth.room import build_room, render_room
from gaitcheck.synth.scene import Look, Realism, choose_look, face_colours
from gaitcheck.synth.skeleton import Anatomy, bone_rotations, build_anatomy, forward_kinematics
from gaitcheck.synth.truth import describe_columns, frame_truth, truth_table

log = logging.getLogger(__name__)

#: Exposure as a share of the frame interval (a 180-degree shutter) and the most sub-frames per frame.
SHUTTER_SHARE = 0.5
MAX_SUBFRAMES = 5
#: Motion blur sub-frames are added when a joint moves more than this (pixels) during the exposure.
BLUR_STEP_PX = 3.0
BOX_RGB = (156, 112, 74)


@dataclass(frozen=True)
class ClipSpec:
    """Everything that defines a clip; equal specs give identical files."""

    movement: Movement
    body: Body = field(default_factory=Body)
    camera: Camera = field(default_factory=Camera)
    realism: Realism = field(default_factory=Realism)
    encoding: Encoding = field(default_factory=Encoding)
    seed: int = 0
    bystander: Bystander | None = None  # a second person in the picture

    def to_json(self) -> dict:
        data = {
            "movement": movement_to_json(self.movement),
            "body": self.body.to_json(),
            "camera": self.camera.to_json(),
            "realism": self.realism.to_json(),
            "encoding": self.encoding.to_json(),
            "seed": self.seed,
        }
        if self.bystander is not None:  # absent, not null, so specs without one read as before
            data["bystander"] = self.bystander.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict) -> ClipSpec:
        return cls(
            movement=movement_from_json(data["movement"]),
            body=Body(**data["body"]),
            camera=Camera(**data["camera"]),
            realism=Realism(**data["realism"]),
            encoding=Encoding(**data["encoding"]),
            seed=int(data["seed"]),
            bystander=Bystander.from_json(data["bystander"]) if data.get("bystander") else None,
        )


@dataclass
class ClipResult:
    """What render_clip wrote, and the truth it holds."""

    video_path: Path
    truth_csv_path: Path
    truth_json_path: Path
    truth: pd.DataFrame
    events: dict
    timings_s: dict[str, float]


def truth_paths(video_path: str | Path) -> tuple[Path, Path]:
    """clip.mp4 -> (clip.truth.csv, clip.truth.json)."""
    video_path = Path(video_path)
    stem = video_path.with_suffix("")
    return stem.with_name(stem.name + ".truth.csv"), stem.with_name(stem.name + ".truth.json")


@functools.lru_cache(maxsize=8)
def anatomy_for(body: Body) -> Anatomy:
    return build_anatomy(load_rig(body))


def box_mesh(box: Box, rgb=BOX_RGB, cell_m: float = 0.06) -> Mesh:
    """The box's top and four sides as small quads (so the painter's sort interleaves them with the legs)."""
    (x0, x1), (y0, y1), h = box.x_m, box.y_m, box.height_m
    vertices: list[np.ndarray] = []
    faces: list[tuple[int, int, int]] = []

    def face(origin, u, v, flip: bool) -> None:
        nu = max(1, int(np.ceil(np.linalg.norm(u) / cell_m)))
        nv = max(1, int(np.ceil(np.linalg.norm(v) / cell_m)))
        start = len(vertices)
        for i in range(nu + 1):
            for j in range(nv + 1):
                vertices.append(np.asarray(origin) + u * i / nu + v * j / nv)
        for i in range(nu):
            for j in range(nv):
                a, b = start + i * (nv + 1) + j, start + (i + 1) * (nv + 1) + j
                quad = [(a, b, b + 1), (a, b + 1, a + 1)]
                faces.extend([(t[0], t[2], t[1]) if flip else t for t in quad])

    dx, dy, dz = np.array([x1 - x0, 0, 0]), np.array([0, y1 - y0, 0]), np.array([0, 0, h])
    face((x0, y0, h), dx, dy, False)  # top, normal +z
    face((x0, y0, 0), dx, dz, False)  # front (-y)
    face((x0, y1, 0), dx, dz, True)  # back (+y)
    face((x0, y0, 0), dy, dz, True)  # -x side
    face((x1, y0, 0), dy, dz, False)  # +x side
    faces_array = np.array(faces)
    colours = np.tile(np.asarray(rgb, float), (len(faces_array), 1))
    colours[: len(faces_array) // 5] *= 1.08  # the top is a lighter, worn surface
    return Mesh(np.array(vertices), faces_array, colours)


@dataclass
class Renderer:
    """Draws frames of one clip: the background is ray-cast once; each frame poses, skins and paints."""

    rig: Rig
    anatomy: Anatomy
    projection: Projection
    look: Look
    realism: Realism
    background: np.ndarray
    floor_mask: np.ndarray
    body_rgb: np.ndarray
    props: list[Mesh]
    noise: SensorNoise
    bystander_rig: Rig | None = None
    bystander_rgb: np.ndarray | None = None

    def pose(self, state: FrameState) -> tuple[np.ndarray, np.ndarray]:
        """(bone heads, vertices) of a state."""
        rotations = bone_rotations(self.anatomy, state.segments, state.pose)
        heads = forward_kinematics(self.rig, rotations, state.translation_m)
        return heads, self.rig.skin(rotations, heads)

    def _scene(self, vertices_m: np.ndarray, bystander_m: np.ndarray | None) -> tuple[np.ndarray, Mesh]:
        """The background with the shadows of everyone in it, and the merged mesh: subject, props, bystander."""
        scale = self.realism.supersample
        background = self.background
        people = [(vertices_m, self.rig.faces)]
        meshes = [Mesh(vertices_m, self.rig.faces, self.body_rgb), *self.props]
        if bystander_m is not None and self.bystander_rig is not None and self.bystander_rgb is not None:
            people.append((bystander_m, self.bystander_rig.faces))
            meshes.append(Mesh(bystander_m, self.bystander_rig.faces, self.bystander_rgb))
        if self.realism.shadows:
            for person_m, faces in people:
                background = floor_shadow(
                    background, self.floor_mask, self.projection, self.look.lighting, person_m, faces, scale
                )
        return background, Mesh.merge(meshes)

    def draw(self, vertices_m: np.ndarray, bystander_m: np.ndarray | None = None) -> np.ndarray:
        background, mesh = self._scene(vertices_m, bystander_m)
        return render_mesh(background, mesh, self.projection, self.look.lighting, self.realism.supersample)

    def draw_with_coverage(self, vertices_m: np.ndarray, bystander_m: np.ndarray) -> tuple[np.ndarray, list[Coverage]]:
        """`draw` with a bystander, plus how much of (subject, bystander) the frame shows."""
        background, mesh = self._scene(vertices_m, bystander_m)
        n_subject = len(self.rig.faces)
        n_bystander = 0 if self.bystander_rig is None else len(self.bystander_rig.faces)
        total = len(mesh.faces)
        parts = [(0, n_subject), (total - n_bystander, total)]
        scale = self.realism.supersample
        return render_mesh_coverage(background, mesh, self.projection, self.look.lighting, scale, parts)

    def finish(self, frame: np.ndarray) -> np.ndarray:
        if self.realism.noise:
            frame = self.noise(lens_softness(frame))
        return frame


def _make_renderer(
    spec: ClipSpec,
    rig: Rig,
    anatomy: Anatomy,
    projection: Projection,
    boxes: list[Box],
    bystander: BystanderActor | None = None,
) -> Renderer:
    realism = spec.realism
    look = choose_look(realism, spec.seed, spec.camera.yaw_deg)
    room = build_room(look.room, look.room_seed, projection)
    background, floor_mask = render_room(room, projection, look.lighting, realism.supersample)
    background = np.clip(background * look.exposure, 0, 255).astype(np.uint8)
    if realism.noise:
        background = vignette(background)
    texture_rng = np.random.default_rng([spec.seed, 99]) if realism.clothing else None
    body_rgb = face_colours(rig, look.outfit, texture_rng) * look.exposure
    bystander_rgb = None
    if bystander is not None:
        outfit = bystander_outfit(realism.clothing, spec.seed, bystander.spec, look.outfit)
        rng = np.random.default_rng([spec.seed, bystander.spec.seed, 98]) if realism.clothing else None
        bystander_rgb = face_colours(bystander.rig, outfit, rng) * look.exposure
    return Renderer(
        rig=rig,
        anatomy=anatomy,
        projection=projection,
        look=look,
        realism=realism,
        background=background,
        floor_mask=floor_mask,
        body_rgb=body_rgb,
        props=[box_mesh(b) for b in boxes],
        noise=SensorNoise(spec.camera.width_px, spec.camera.height_px, look.noise_sigma, spec.seed),
        bystander_rig=None if bystander is None else bystander.rig,
        bystander_rgb=bystander_rgb,
    )


def _subframe_count(motion_px: float, realism: Realism) -> int:
    """Odd number of sub-frames so the middle one is the frame's own instant (the ground truth's)."""
    if not realism.motion_blur:
        return 1
    n = int(np.ceil(motion_px * SHUTTER_SHARE / BLUR_STEP_PX))
    return int(min(MAX_SUBFRAMES, max(1, n | 1)))


@dataclass
class Staged:
    """A clip made ready to draw: its body, cameras, planned movement and renderer."""

    spec: ClipSpec
    rig: Rig
    anatomy: Anatomy
    aim_m: float
    projection: Projection
    frontal: Projection
    program: Program
    renderer: Renderer
    bystander: BystanderActor | None = None

    def bystander_at(self, time_s: float) -> tuple[np.ndarray, np.ndarray] | None:
        """The bystander's (bone heads, vertices) at an instant, or None without one."""
        return None if self.bystander is None else self.bystander.posed(time_s)

    @property
    def n_frames(self) -> int:
        return int(round(self.program.duration_s * self.spec.camera.fps))

    def first_event_frame(self) -> int:
        """The first repetition's bottom, or the first midstance when running (else the middle frame)."""
        events = self.program.events(self.spec.camera.fps)
        if events.get("reps"):
            return int(events["reps"][0]["bottom_frame"])
        if events.get("steps"):
            return int(events["steps"][0]["midstance_frame"])
        return self.n_frames // 2


def stage_clip(spec: ClipSpec, timings: dict[str, float] | None = None) -> Staged:
    """Load the body, place the cameras, plan the movement (valgus solved) and build the background."""
    timings = {} if timings is None else timings
    start = time.perf_counter()
    rig = load_rig(spec.body)
    anatomy = anatomy_for(spec.body)
    camera = spec.camera
    aim = framing_aim_height_m(camera, rig.stature_m)
    projection = make_projection(camera, aim)
    frontal = make_projection(camera.frontal(), aim)
    timings["body_s"] = time.perf_counter() - start

    mark = time.perf_counter()
    program: Program = make_program(spec.movement, anatomy, frontal, camera.fps)
    timings["plan_s"] = time.perf_counter() - mark

    bystander = None
    if spec.bystander is not None:
        other = spec.bystander.body
        bystander = BystanderActor(
            spec.bystander, load_rig(other), anatomy_for(other), projection, program.duration_s, spec.seed
        )

    mark = time.perf_counter()
    renderer = _make_renderer(spec, rig, anatomy, projection, program.boxes, bystander)
    timings["background_s"] = time.perf_counter() - mark
    return Staged(spec, rig, anatomy, aim, projection, frontal, program, renderer, bystander)


def render_stills(spec: ClipSpec, frames: list[int] | None = None) -> dict[int, np.ndarray]:
    """Single RGB frames of a clip without writing it (frame index -> upright image); fast for
    contact sheets. `frames` None: the first repetition bottom or running midstance. Stills have
    no motion blur; everything else is drawn as in render_clip."""
    staged = stage_clip(spec)
    wanted = [staged.first_event_frame()] if frames is None else frames
    stills = {}
    for index in wanted:
        if not 0 <= index < staged.n_frames:
            raise InputError(f"frame {index} is outside the clip (0-{staged.n_frames - 1})")
        state = staged.program.state_at(index / spec.camera.fps)
        _, vertices = staged.renderer.pose(state)
        other = staged.bystander_at(index / spec.camera.fps)
        frame = staged.renderer.draw(vertices, None if other is None else other[1])
        stills[index] = staged.renderer.finish(frame)
    return stills


def render_clip(spec: ClipSpec, out_path: str | Path, progress: Callable[[int, int], None] | None = None) -> ClipResult:
    """Render the clip to out_path (mp4) and write its truth beside it (.truth.csv, .truth.json)."""
    out_path = Path(out_path)
    if out_path.suffix.lower() != ".mp4":
        raise InputError(f"the output must be an .mp4 file (got {out_path.name})")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    staged = stage_clip(spec, timings)
    rig, anatomy, projection, program, renderer = (
        staged.rig,
        staged.anatomy,
        staged.projection,
        staged.program,
        staged.renderer,
    )
    camera, fps = spec.camera, spec.camera.fps

    n_frames = staged.n_frames
    exposure_s = SHUTTER_SHARE / fps
    rows, previous_px = [], None
    people = PeopleRecord(camera.width_px, camera.height_px) if staged.bystander is not None else None
    render_s = encode_s = 0.0
    with Mp4Writer(out_path, camera.width_px, camera.height_px, fps, spec.encoding) as writer:
        for index in range(n_frames):
            mark = time.perf_counter()
            state = program.state_at(index / fps)
            heads, vertices = renderer.pose(state)
            other = staged.bystander_at(index / fps)
            rows.append(frame_truth(index, state, rig, anatomy, heads, vertices, projection, camera.view))
            heads_px = projection.project(heads if other is None else np.concatenate([heads, other[0]]))
            motion = 0.0 if previous_px is None else float(np.max(np.linalg.norm(heads_px - previous_px, axis=1)))
            previous_px = heads_px
            n_sub = _subframe_count(motion, spec.realism)
            if n_sub == 1:
                frame = _draw_frame(renderer, vertices, other, people, projection)
            else:
                total = np.zeros((camera.height_px, camera.width_px, 3), np.float32)
                for k in range(n_sub):
                    offset = (k / (n_sub - 1) - 0.5) * exposure_s
                    if offset == 0:
                        total += _draw_frame(renderer, vertices, other, people, projection)
                        continue
                    sub_vertices = renderer.pose(program.state_at(index / fps + offset))[1]
                    sub_other = staged.bystander_at(index / fps + offset)
                    total += renderer.draw(sub_vertices, None if sub_other is None else sub_other[1])
                frame = (total / n_sub + 0.5).astype(np.uint8)
            frame = renderer.finish(frame)
            render_s += time.perf_counter() - mark
            mark = time.perf_counter()
            writer.write(frame)
            encode_s += time.perf_counter() - mark
            if progress:
                progress(index + 1, n_frames)
    timings.update(render_s=render_s, encode_s=encode_s, per_frame_ms=1000 * (render_s + encode_s) / max(n_frames, 1))

    truth = truth_table(rows)
    csv_path, json_path = truth_paths(out_path)
    truth.to_csv(csv_path, index=False, float_format="%.6g")
    events = program.events(fps)
    timings["total_s"] = time.perf_counter() - start
    sidecar = _sidecar(
        spec, out_path, rig, projection, staged.frontal, staged.aim_m, renderer.look, events, n_frames, timings
    )
    if staged.bystander is not None and people is not None:
        outfit = bystander_outfit(spec.realism.clothing, spec.seed, staged.bystander.spec, renderer.look.outfit)
        sidecar["bystander"] = {
            **staged.bystander.spec.to_json(),
            "body_measures": body_measures(staged.bystander.rig),
            "outfit": outfit.to_json(),
            "path": staged.bystander.to_json(),
        }
        sidecar["people"] = people.to_json()
    json_path.write_text(json.dumps(sidecar, indent=1, default=_json_default) + "\n")
    return ClipResult(out_path, csv_path, json_path, truth, events, timings)


def _draw_frame(
    renderer: Renderer,
    vertices: np.ndarray,
    other: tuple[np.ndarray, np.ndarray] | None,
    people: PeopleRecord | None,
    projection: Projection,
) -> np.ndarray:
    """Draw one frame at its own instant; with a bystander, record both people's boxes and coverage."""
    if other is None or people is None:
        return renderer.draw(vertices)
    frame, coverage = renderer.draw_with_coverage(vertices, other[1])
    people.add(projection, vertices, other[1], coverage)
    return frame


@dataclass
class PeopleRecord:
    """Both people of a clip frame by frame: image boxes, depths and how much of each is seen."""

    width_px: int
    height_px: int
    columns: dict[str, list] = field(default_factory=dict)

    def box(self, points_px: np.ndarray) -> list[float] | None:
        """[x0, y0, x1, y1] of the points, clipped to the picture; None when none of it is inside."""
        low, high = points_px.min(axis=0), points_px.max(axis=0)
        x0, y0 = max(float(low[0]), 0.0), max(float(low[1]), 0.0)
        x1, y1 = min(float(high[0]), float(self.width_px)), min(float(high[1]), float(self.height_px))
        if x1 <= x0 or y1 <= y0:
            return None
        return [round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2)]

    def add(
        self, projection: Projection, subject_m: np.ndarray, bystander_m: np.ndarray, coverage: list[Coverage]
    ) -> None:
        for who, vertices, seen in (("subject", subject_m, coverage[0]), ("bystander", bystander_m, coverage[1])):
            depth = float(np.median(projection.to_camera(vertices)[:, 2]))
            values = {
                f"{who}_box_px": self.box(projection.project(vertices)),
                f"{who}_depth_m": round(depth, 4),
                f"{who}_visible_px": round(seen.visible_px, 1),
                f"{who}_occluded_share": round(seen.occluded_share, 4),
            }
            for key, value in values.items():
                self.columns.setdefault(key, []).append(value)

    def to_json(self) -> dict:
        return {
            "note": "per frame (index = frame number): *_box_px = [x0, y0, x1, y1] of the person's projected mesh "
            "vertices (the whole body, hidden parts included), clipped to the picture, null when the person is "
            "out of frame; *_depth_m = median distance of the mesh from the camera along its axis (the smaller is "
            "nearer); *_visible_px = pixels of the frame showing the person; *_occluded_share = share of the "
            "person's in-frame silhouette hidden by the other person (or a prop)",
            **self.columns,
        }


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def body_measures(rig: Rig) -> dict[str, float]:
    hips = [rig.heads_m[rig.bone(f"upperleg01{s}")] for s in (".L", ".R")]
    return {
        "stature_m": round(rig.stature_m, 4),
        "hip_joint_distance_m": round(float(np.linalg.norm(hips[0] - hips[1])), 4),
    }


def _sidecar(
    spec: ClipSpec,
    video: Path,
    rig: Rig,
    projection: Projection,
    frontal: Projection,
    aim_m: float,
    look: Look,
    events: dict,
    n_frames: int,
    timings: dict,
) -> dict:
    from gaitcheck.version import __version__

    camera = spec.camera
    return {
        "generator": "gaitcheck.synth",
        "gaitcheck_version": __version__,
        "video": {
            "file": video.name,
            "codec": spec.encoding.codec,
            "fps": camera.fps,
            "n_frames": n_frames,
            "duration_s": n_frames / camera.fps,
            "width_px": camera.width_px,
            "height_px": camera.height_px,
            "rotation_tag_deg": spec.encoding.rotation_tag_deg,
        },
        "movement": spec.movement.kind,
        "view": camera.view,
        "spec": spec.to_json(),
        "body": {**spec.body.to_json(), **body_measures(rig)},
        "camera": {
            **camera.to_json(),
            "view": camera.view,
            "aim_height_m": round(aim_m, 4),
            "vertical_fov_used_deg": camera.fov_deg,
            "horizontal_fov_used_deg": camera.horizontal_fov_used_deg,
            **projection.to_json(),
            "valgus_camera": {"note": "valgus_deg targets are FPPA seen by this camera (yaw 0)", **frontal.to_json()},
        },
        "look": look.to_json(),
        "events": events,
        "columns": describe_columns(),
        "conventions": {
            "world": "metres; +X the subject's left, +Y posterior (the subject faces -Y), +Z up; floor z = 0",
            "camera_yaw_deg": "0 in front, 90 at the subject's left side, -90 right side, 180 behind",
            "angles": "degrees; + valgus, + adduction (knee toward the midline), + internal rotation (front of "
            "the femur toward the midline), + pelvic drop (opposite hip lower), + trunk lean toward the right",
            "rig_neutral": "inputs are relative to an anatomical neutral measured on the rig: femur and tibia "
            "vertical and collinear, knee axis medio-lateral, feet flat and straight ahead",
        },
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
