"""One synthetic clip from a spec: plan the movement, render every frame, write the mp4 and its truth.

    spec = ClipSpec(movement=SingleLegSquat(stance="right", stance_leg=LegControl(valgus_deg=12)))
    result = render_clip(spec, "clip.mp4")   # writes clip.mp4, clip.truth.csv, clip.truth.json

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
from gaitcheck.synth.camera import Camera, Projection, framing_aim_height_m, make_projection
from gaitcheck.synth.effects import SensorNoise, floor_shadow, lens_softness, vignette
from gaitcheck.synth.encode import Encoding, Mp4Writer
from gaitcheck.synth.motion import Box, FrameState, Program
from gaitcheck.synth.movements import Movement, movement_from_json, movement_to_json
from gaitcheck.synth.programs import make_program
from gaitcheck.synth.render import Mesh, render_mesh
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

    def to_json(self) -> dict:
        return {
            "movement": movement_to_json(self.movement),
            "body": self.body.to_json(),
            "camera": self.camera.to_json(),
            "realism": self.realism.to_json(),
            "encoding": self.encoding.to_json(),
            "seed": self.seed,
        }

    @classmethod
    def from_json(cls, data: dict) -> ClipSpec:
        return cls(
            movement=movement_from_json(data["movement"]),
            body=Body(**data["body"]),
            camera=Camera(**data["camera"]),
            realism=Realism(**data["realism"]),
            encoding=Encoding(**data["encoding"]),
            seed=int(data["seed"]),
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

    def pose(self, state: FrameState) -> tuple[np.ndarray, np.ndarray]:
        """(bone heads, vertices) of a state."""
        rotations = bone_rotations(self.anatomy, state.segments, state.pose)
        heads = forward_kinematics(self.rig, rotations, state.translation_m)
        return heads, self.rig.skin(rotations, heads)

    def draw(self, vertices_m: np.ndarray) -> np.ndarray:
        scale = self.realism.supersample
        background = self.background
        if self.realism.shadows:
            background = floor_shadow(
                background, self.floor_mask, self.projection, self.look.lighting, vertices_m, self.rig.faces, scale
            )
        mesh = Mesh.merge([Mesh(vertices_m, self.rig.faces, self.body_rgb), *self.props])
        return render_mesh(background, mesh, self.projection, self.look.lighting, scale)

    def finish(self, frame: np.ndarray) -> np.ndarray:
        if self.realism.noise:
            frame = self.noise(lens_softness(frame))
        return frame


def _make_renderer(spec: ClipSpec, rig: Rig, anatomy: Anatomy, projection: Projection, boxes: list[Box]) -> Renderer:
    realism = spec.realism
    look = choose_look(realism, spec.seed, spec.camera.yaw_deg)
    room = build_room(look.room, look.room_seed, projection)
    background, floor_mask = render_room(room, projection, look.lighting, realism.supersample)
    background = np.clip(background * look.exposure, 0, 255).astype(np.uint8)
    if realism.noise:
        background = vignette(background)
    texture_rng = np.random.default_rng([spec.seed, 99]) if realism.clothing else None
    body_rgb = face_colours(rig, look.outfit, texture_rng) * look.exposure
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

    mark = time.perf_counter()
    renderer = _make_renderer(spec, rig, anatomy, projection, program.boxes)
    timings["background_s"] = time.perf_counter() - mark
    return Staged(spec, rig, anatomy, aim, projection, frontal, program, renderer)


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
        stills[index] = staged.renderer.finish(staged.renderer.draw(vertices))
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
    render_s = encode_s = 0.0
    with Mp4Writer(out_path, camera.width_px, camera.height_px, fps, spec.encoding) as writer:
        for index in range(n_frames):
            mark = time.perf_counter()
            state = program.state_at(index / fps)
            heads, vertices = renderer.pose(state)
            rows.append(frame_truth(index, state, rig, anatomy, heads, vertices, projection, camera.view))
            heads_px = projection.project(heads)
            motion = 0.0 if previous_px is None else float(np.max(np.linalg.norm(heads_px - previous_px, axis=1)))
            previous_px = heads_px
            n_sub = _subframe_count(motion, spec.realism)
            if n_sub == 1:
                frame = renderer.draw(vertices)
            else:
                total = np.zeros((camera.height_px, camera.width_px, 3), np.float32)
                for k in range(n_sub):
                    offset = (k / (n_sub - 1) - 0.5) * exposure_s
                    sub_vertices = vertices if offset == 0 else renderer.pose(program.state_at(index / fps + offset))[1]
                    total += renderer.draw(sub_vertices)
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
    json_path.write_text(json.dumps(sidecar, indent=1, default=_json_default) + "\n")
    return ClipResult(out_path, csv_path, json_path, truth, events, timings)


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
