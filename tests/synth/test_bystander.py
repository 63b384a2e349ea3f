"""A second person in a synthetic clip: the spec round-trips, the bystander is drawn where the sidecar
says, both people's boxes are right frame by frame, and a walker crosses the picture."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from gaitcheck.errors import InputError
from gaitcheck.synth import Bystander, Camera, ClipSpec, Realism, Running, Squat, render_clip, walking_across
from gaitcheck.synth import bystander as bystander_module
from gaitcheck.synth.cli import BYSTANDER_KINDS, add_synth_parser, spec_from_args
from gaitcheck.synth.clip import render_stills
from gaitcheck.synth.render import Lighting, Mesh, paint_ids, render_mesh_coverage, shade_indexed
from gaitcheck.synth.variety import factors

pytestmark = pytest.mark.synth

SMALL = Camera(width_px=240, height_px=136, fps=8.0, distance_m=4.0, height_m=1.0)
#: one short squat: 8 frames at 8 fps
SHORT_SQUAT = Squat(reps=1, rep_s=0.6, lead_s=0.2)


def people_of(result) -> dict:
    return json.loads(result.truth_json_path.read_text())["people"]


# ------------------------------------------------------------------------------------------------
# the spec (no rendering)
# ------------------------------------------------------------------------------------------------
def test_spec_json_round_trip_and_no_key_without_a_bystander():
    walker = walking_across(Camera(), toward_camera_m=1.2, speed_m_s=1.3, from_left=False, seed=4)
    for bystander in (Bystander(), Bystander(facing_deg=30.0, toward_camera_m=-1.0), walker):
        spec = ClipSpec(movement=Running(duration_s=2.0), bystander=bystander)
        data = json.loads(json.dumps(spec.to_json()))
        assert ClipSpec.from_json(data) == spec
    plain = ClipSpec(movement=Squat())
    assert "bystander" not in plain.to_json()
    assert ClipSpec.from_json(plain.to_json()) == plain
    assert walker.kind == "walking" and walker.lateral_m > 0 > walker.end_ground_m[0]
    assert factors(ClipSpec(movement=Squat(), bystander=walker))["bystander"] == "walking"
    assert factors(plain)["bystander"] == "none"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Bystander(kind="jogging"), "kind"),  # type: ignore[arg-type]
        (lambda: Bystander(lateral_m=0.2, toward_camera_m=0.2), "within"),
        (lambda: Bystander(kind="walking", lateral_m=-1.0, toward_camera_m=0.1), "within"),  # through the subject
        (lambda: Bystander(kind="walking", lateral_m=1.0, end_lateral_m=1.05), "at least 0.2 m"),
        (lambda: Bystander(speed_m_s=9.0), "speed"),
    ],
)
def test_impossible_bystanders_are_one_sentence_errors(make, message):
    with pytest.raises(InputError, match=message):
        make()


def test_cli_flags_make_a_bystander():
    parser = argparse.ArgumentParser(prog="gaitcheck")
    add_synth_parser(parser.add_subparsers(dest="command"))
    assert BYSTANDER_KINDS == bystander_module.BYSTANDER_KINDS
    base = ["synth", "--out", "x.mp4", "--orientation", "landscape", "--distance", "4"]
    assert spec_from_args(parser.parse_args(base)).bystander is None
    standing = spec_from_args(parser.parse_args([*base, "--bystander", "standing"])).bystander
    assert (standing.kind, standing.lateral_m, standing.toward_camera_m) == ("standing", 0.9, 0.8)
    assert standing.body.name == "male"
    args = parser.parse_args([*base, "--bystander", "walking", "--bystander-body", "tall_male"])
    walking = spec_from_args(args).bystander
    assert walking.kind == "walking" and walking.body.name == "tall_male"
    assert walking.lateral_m == pytest.approx(-walking.end_ground_m[0]) and walking.lateral_m < -0.6
    assert walking.toward_camera_m == 1.0 and walking.speed_m_s == 1.0
    args = parser.parse_args(
        [*base, "--bystander", "walking", "--bystander-lateral", "1.5", "--bystander-toward", "-1"]
    )
    walking = spec_from_args(args).bystander
    assert (walking.lateral_m, walking.end_ground_m[0], walking.toward_camera_m) == (1.5, -1.5, -1.0)


# ------------------------------------------------------------------------------------------------
# coverage: what the painter shows of each part, checked against painting each alone
# ------------------------------------------------------------------------------------------------
def test_coverage_counts_hidden_pixels_exactly():
    """Two squares facing the camera, the nearer one covering the right part of the farther one."""
    camera = Camera(width_px=64, height_px=64, pitch_deg=0.0, vertical_fov_deg=40.0, distance_m=3.0, height_m=1.0)
    from gaitcheck.synth.camera import make_projection

    projection = make_projection(camera, 1.0)

    def square(x: float, y: float, size: float) -> Mesh:
        corners = np.array([[x, y, 1.0 - size], [x + size, y, 1.0 - size], [x + size, y, 1.0], [x, y, 1.0]])
        corners[:, 2] += size / 2
        faces = np.array([[0, 1, 2], [0, 2, 3]])
        return Mesh(corners, faces, np.full((2, 3), 200.0))

    far, near = square(-0.4, 0.5, 0.5), square(-0.1, -0.5, 0.4)  # near: 1 m closer to the camera (at y = -3)
    mesh = Mesh.merge([far, near])
    lighting = Lighting(key_direction=np.array([0.0, -1.0, 0.0]))
    for scale in (1, 2):
        background = np.zeros((64 * scale, 64 * scale, 3), np.uint8)  # the renderer draws at scale x the frame
        _, (far_cover, near_cover) = render_mesh_coverage(
            background, mesh, projection, lighting, scale, [(0, 2), (2, 4)]
        )
        corners, _, visible = shade_indexed(mesh, projection, lighting)
        alone = []
        for part in (visible < 2, visible >= 2):
            painted = paint_ids((64 * scale, 64 * scale), corners[part], scale)
            assert painted is not None
            alone.append(np.count_nonzero(painted[0] >= 0) / scale**2)
        assert far_cover.silhouette_px == pytest.approx(alone[0])
        assert near_cover.silhouette_px == pytest.approx(alone[1]) == pytest.approx(near_cover.visible_px)
        assert 0.1 < far_cover.occluded_share < 0.9 and near_cover.occluded_share == 0.0


# ------------------------------------------------------------------------------------------------
# posing
# ------------------------------------------------------------------------------------------------
def test_walker_alternates_legs_and_stands_still_at_the_end():
    from gaitcheck.synth.body import load_rig
    from gaitcheck.synth.camera import framing_aim_height_m, make_projection
    from gaitcheck.synth.clip import anatomy_for

    pytest.importorskip("anny")
    spec = Bystander(kind="walking", lateral_m=-1.5, end_lateral_m=1.5, toward_camera_m=1.0, start_s=0.0)
    rig = load_rig(spec.body)
    projection = make_projection(SMALL, framing_aim_height_m(SMALL, 1.7))
    actor = bystander_module.BystanderActor(spec, rig, anatomy_for(spec.body), projection, 4.0, clip_seed=0)
    fps = 30.0
    times = np.arange(0.0, 4.0, 1 / fps)
    posed = [actor.posed(t) for t in times]
    left, right = rig.bone("foot.L"), rig.bone("foot.R")
    direction = (actor.end_m - actor.start_m) / np.linalg.norm(actor.end_m - actor.start_m)
    ahead = np.array([(heads[left, :2] - heads[right, :2]) @ direction for heads, _ in posed])
    walking = (times > actor.start_s + 0.5) & (times < actor.end_s - 0.5)
    crossings = np.count_nonzero(np.diff(np.sign(ahead[walking])) != 0)
    steps_per_s = crossings / (np.count_nonzero(walking) / fps)
    assert 1.4 < steps_per_s < 2.2  # about 1.8 steps per second
    assert np.ptp(ahead[walking]) > 0.4  # a real stride, feet alternating in front
    lowest = np.array([vertices[:, 2].min() for _, vertices in posed])
    assert np.all(np.abs(lowest) < 0.01)  # on the floor
    pelvis = np.array([heads[0, :2] for heads, _ in posed])
    assert np.linalg.norm(pelvis[0] - actor.start_m) < 0.1 and np.linalg.norm(pelvis[-1] - actor.end_m) < 0.1
    # after the walk: standing at ease, moving a little but not walking
    after = [vertices for t, (_, vertices) in zip(times, posed, strict=True) if t > actor.end_s + 0.2]
    moved = np.linalg.norm(after[-1] - after[0], axis=1)
    assert 0.002 < np.max(moved) < 0.15


# ------------------------------------------------------------------------------------------------
# rendered clips
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def standing_clip(tmp_path_factory):
    """A front view squat with a standing bystander half in front of the subject, and the same clip
    without one (plain look, so pixels can be compared)."""
    pytest.importorskip("anny")
    out = tmp_path_factory.mktemp("bystander")
    spec = ClipSpec(
        movement=SHORT_SQUAT,
        camera=SMALL,
        realism=Realism.off(),
        bystander=Bystander(lateral_m=0.3, toward_camera_m=0.9),
    )
    return spec, render_clip(spec, out / "with.mp4"), render_clip(replace(spec, bystander=None), out / "alone.mp4")


def test_sidecar_without_a_bystander_is_unchanged(standing_clip):
    spec, with_one, alone = standing_clip
    sidecar = json.loads(alone.truth_json_path.read_text())
    assert "people" not in sidecar and "bystander" not in sidecar and "bystander" not in sidecar["spec"]
    other = json.loads(with_one.truth_json_path.read_text())
    assert ClipSpec.from_json(other["spec"]) == spec
    assert other["bystander"]["kind"] == "standing" and other["bystander"]["body_measures"]["stature_m"] > 1.6
    # the subject's truth does not depend on the bystander
    pd.testing.assert_frame_equal(pd.read_csv(with_one.truth_csv_path), pd.read_csv(alone.truth_csv_path))


def test_bystander_is_drawn_inside_its_box(standing_clip):
    from gaitcheck.synth.clip import render_stills

    spec, with_one, _ = standing_clip
    people = people_of(with_one)
    frame = 3
    with_pixels = render_stills(spec, [frame])[frame].astype(int)
    without = render_stills(replace(spec, bystander=None), [frame])[frame].astype(int)
    changed = np.abs(with_pixels - without).sum(axis=2) > 30
    rows, cols = np.nonzero(changed)
    x0, y0, x1, y1 = people["bystander_box_px"][frame]
    assert changed.sum() > 0.5 * people["bystander_visible_px"][frame]
    assert x0 - 1 <= cols.min() and cols.max() <= x1 + 1 and y0 - 1 <= rows.min() and rows.max() <= y1 + 1
    # nearer the camera and partly in front of the subject
    assert people["bystander_depth_m"][frame] < people["subject_depth_m"][frame]
    assert max(people["subject_occluded_share"]) > 0.02 and max(people["bystander_occluded_share"]) == 0.0


def test_boxes_are_in_the_picture_and_the_subject_box_fits_the_joints(standing_clip):
    _, with_one, _ = standing_clip
    people = people_of(with_one)
    truth = pd.read_csv(with_one.truth_csv_path)
    width, height = SMALL.width_px, SMALL.height_px
    assert len(people["subject_box_px"]) == len(people["bystander_box_px"]) == len(truth)
    for box in people["subject_box_px"] + people["bystander_box_px"]:
        x0, y0, x1, y1 = box
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
    xs = truth[[c for c in truth.columns if c.endswith("_x_px")]].to_numpy()
    ys = truth[[c for c in truth.columns if c.endswith("_y_px")]].to_numpy()
    boxes = np.array(people["subject_box_px"])
    assert np.all(xs >= boxes[:, :1] - 0.5) and np.all(xs <= boxes[:, 2:3] + 0.5)
    assert np.all(ys >= boxes[:, 1:2] - 0.5) and np.all(ys <= boxes[:, 3:4] + 0.5)
    joint_height = ys.max(axis=1) - ys.min(axis=1)  # heel or toe to the eyes (COCO)
    box_height = boxes[:, 3] - boxes[:, 1]
    assert np.all(box_height < 1.25 * joint_height)
    joint_centre = np.stack([xs.mean(axis=1), ys.mean(axis=1)], axis=1)
    box_centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    assert np.all(np.abs(joint_centre - box_centre)[:, 0] < 0.1 * width)


def test_a_walker_crosses_the_picture_in_front_of_the_subject(tmp_path):
    pytest.importorskip("anny")
    camera = Camera(width_px=180, height_px=320, fps=4.0)
    bystander = walking_across(camera, toward_camera_m=1.0)
    spec = ClipSpec(
        movement=Squat(reps=1, rep_s=2.0, lead_s=0.5), camera=camera, realism=Realism.off(), bystander=bystander
    )
    result = render_clip(spec, tmp_path / "walk.mp4")
    people = people_of(result)
    boxes = np.array(people["bystander_box_px"], dtype=float)
    centres = (boxes[:, 0] + boxes[:, 2]) / 2
    assert centres[0] < camera.width_px / 3 and centres[-1] > 2 * camera.width_px / 3
    assert np.all(np.diff(centres) >= -1.0)  # left to right
    assert np.all(np.array(people["bystander_depth_m"]) < np.array(people["subject_depth_m"]))
    assert max(people["subject_occluded_share"]) > 0.3  # passes in front of the subject
    assert people["subject_occluded_share"][0] == 0.0
    # equal specs give the same clip: the same people and boxes, and bit-identical pictures. The
    # pictures are compared before encoding: libx264 (in PyAV's FFmpeg) does not give the same file
    # twice at widths that are not a multiple of 64 (measured 2026-12-04: the same frames encoded
    # twice in one process differ, also with one thread, fixed timestamps and padded planes; at
    # 256 px wide they never did), so two encodes of one render differ by a level here and there.
    again = render_clip(spec, tmp_path / "again.mp4")
    assert people_of(again) == people
    frames = [0, 5, 11]
    first, second = render_stills(spec, frames), render_stills(spec, frames)
    for index in frames:
        assert np.array_equal(first[index], second[index])
    decoded = np.stack(list(decoded_frames(result.video_path)))
    assert decoded.shape[0] == 12 and np.abs(decoded[5].astype(int) - first[5]).mean() < 3.0


def decoded_frames(path):
    """Each frame of a clip as RGB pixels."""
    import av

    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="rgb24")
