"""The generator's camera model, movement validation and random specs: fast, no rendering, no anny.

These check geometry and bookkeeping only (projection, field of view, roll, validation messages,
the seeded spec draws and their factors), so they run without the synth extra.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from gaitcheck.errors import InputError
from gaitcheck.synth import Camera, ClipSpec, LegControl, Realism, Running, SingleLegSquat, Squat, StepDown
from gaitcheck.synth.camera import framing_aim_height_m, make_projection
from gaitcheck.synth.render import Lighting, Mesh, shade
from gaitcheck.synth.variety import (
    MAX_FRAMES,
    MOVEMENT_KINDS,
    benchmark_specs,
    body_extent,
    bystander_clip_spec,
    factors,
    frames_body,
    random_clip_spec,
)

POINTS = np.array([[0.0, 0.0, 0.0], [0.2, -0.1, 1.7], [-0.3, 0.2, 0.9], [0.1, 0.05, 0.45]])


def test_roll_rotates_projected_points_about_the_principal_point():
    level = Camera(width_px=640, height_px=480, yaw_deg=20.0, pitch_deg=5.0)
    for roll in (8.0, -30.0):
        rolled = replace(level, roll_deg=roll)
        a, b = (make_projection(c, 0.9).project(POINTS) for c in (level, rolled))
        centre = np.array([320.0, 240.0])
        turn = np.radians(roll)
        expected = (a - centre) @ np.array([[np.cos(turn), np.sin(turn)], [-np.sin(turn), np.cos(turn)]]) + centre
        np.testing.assert_allclose(b, expected, atol=1e-9)
    # + roll turns the picture clockwise on screen (y down): a point right of the centre moves down
    right_of_centre = make_projection(level, 0.9).project(POINTS[1])[0] > 320
    moved_down = (
        make_projection(replace(level, roll_deg=8.0), 0.9).project(POINTS[1])[1]
        > (make_projection(level, 0.9).project(POINTS[1])[1])
    )
    assert right_of_centre == moved_down


def test_horizontal_field_of_view_sets_the_focal_length():
    for width, height in ((1280, 720), (720, 1280)):
        camera = Camera(width_px=width, height_px=height, horizontal_fov_deg=70.0)
        assert camera.focal_px == pytest.approx(width / 2 / math.tan(math.radians(35.0)))
        assert camera.horizontal_fov_used_deg == pytest.approx(70.0)
        assert make_projection(camera, 0.9).focal_px == pytest.approx(camera.focal_px)
        same = Camera(width_px=width, height_px=height, vertical_fov_deg=camera.fov_deg)
        assert same.focal_px == pytest.approx(camera.focal_px)
        assert same.horizontal_fov_used_deg == pytest.approx(70.0)


def test_the_renderer_projects_as_the_truth_does():
    """render.shade (what is drawn) and Projection.project (what the truth reads) agree to 1e-3 px."""
    camera = Camera(width_px=480, height_px=640, yaw_deg=-35.0, roll_deg=6.0, horizontal_fov_deg=62.0, height_m=0.1)
    projection = make_projection(camera, framing_aim_height_m(camera, 1.7))
    faces = np.array([[0, 1, 2], [0, 2, 1], [1, 2, 3], [1, 3, 2]])  # both windings: one of each pair is culled
    mesh = Mesh(POINTS, faces, np.full((4, 3), 128.0))
    corners, _ = shade(mesh, projection, Lighting(key_direction=np.array([0.0, 0.0, 1.0])))
    truth = projection.project(POINTS)
    assert len(corners) == 2  # one winding of each pair faces the camera
    for triangle in corners:  # each drawn triangle's corners are the truth's projected points (float32)
        matches = [np.abs(np.sort(triangle, axis=0) - np.sort(truth[f], axis=0)).max() for f in faces]
        assert min(matches) < 1e-3


def test_frontal_camera_is_square_and_level():
    camera = Camera(yaw_deg=35.0, roll_deg=-6.0, pitch_deg=10.0, height_m=0.3, horizontal_fov_deg=80.0)
    frontal = camera.frontal()
    assert (frontal.yaw_deg, frontal.roll_deg) == (0.0, 0.0)
    assert (frontal.height_m, frontal.distance_m, frontal.pitch_deg, frontal.focal_px) == (
        camera.height_m,
        camera.distance_m,
        camera.pitch_deg,
        camera.focal_px,
    )


@pytest.mark.parametrize("height_m", [0.05, 0.5, 1.5])
def test_aimed_camera_centres_the_body(height_m):
    camera = Camera(height_m=height_m, distance_m=2.5, width_px=720, height_px=1280)
    projection = make_projection(camera, framing_aim_height_m(camera, 1.8))
    feet, crown = projection.project(np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.8]]))
    assert (feet[1] + crown[1]) / 2 == pytest.approx(640.0, abs=1e-6)
    assert 0 < crown[1] and feet[1] < 1280


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Camera(roll_deg=50.0), "camera roll"),
        (lambda: Camera(horizontal_fov_deg=5.0), "horizontal field of view"),
        (lambda: Camera(horizontal_fov_deg=60.0, vertical_fov_deg=40.0), "not both"),
        (lambda: Camera(height_m=0.01), "camera height"),
        (lambda: Camera(pitch_deg=75.0), "camera pitch"),
        (lambda: SingleLegSquat(free_leg="sideways"), "free leg"),  # type: ignore[arg-type]
        (lambda: SingleLegSquat(free_hip_flexion_deg=120.0), "free hip flexion"),
        (lambda: SingleLegSquat(free_knee_flexion_deg=-5.0), "free knee flexion"),
        (lambda: Squat(arms="juggling"), "arms must be one of"),  # type: ignore[arg-type]
        (lambda: Running(arms="waving"), "arms must be one of"),  # type: ignore[arg-type]
        (lambda: StepDown(arms="up"), "arms must be one of"),  # type: ignore[arg-type]
    ],
)
def test_out_of_range_values_are_one_sentence_errors(make, message):
    with pytest.raises(InputError, match=message) as caught:
        make()
    assert "\n" not in str(caught.value)


def test_new_styles_are_accepted():
    for arms in ("overhead", "weight"):
        assert Squat(arms=arms).arms == arms
    for free_leg in ("high", "side"):
        assert SingleLegSquat(free_leg=free_leg, free_hip_flexion_deg=75.0).free_leg == free_leg


def test_random_specs_are_deterministic_and_json_round_trip():
    for seed in range(8):
        kind = MOVEMENT_KINDS[seed % 4]
        spec = random_clip_spec(seed, kind)
        assert spec == random_clip_spec(seed, kind)
        assert ClipSpec.from_json(spec.to_json()) == spec
    assert random_clip_spec(1, "squat") != random_clip_spec(2, "squat")
    assert benchmark_specs(8, seed=3) == benchmark_specs(8, seed=3)


def test_clips_with_a_bystander_vary_who_stands_where_and_are_deterministic():
    specs = [bystander_clip_spec(seed, MOVEMENT_KINDS[seed % 4]) for seed in range(40)]
    assert specs[3] == bystander_clip_spec(3, MOVEMENT_KINDS[3])
    assert ClipSpec.from_json(specs[5].to_json()) == specs[5]
    kinds = {s.bystander.kind for s in specs if s.bystander is not None}
    assert kinds == {"standing", "walking"}
    toward = [s.bystander.toward_camera_m for s in specs if s.bystander is not None]
    assert min(toward) < 0.0 < max(toward)  # behind and in front of the subject
    for spec in specs:
        assert spec.camera.fps <= 60.0 and spec.bystander is not None
        assert spec.bystander.closest_approach_m >= 0.5
        assert spec.camera.distance_m - max(spec.bystander.toward_camera_m, spec.bystander.end_ground_m[1]) >= 0.8


def test_a_standing_bystander_is_never_drawn_at_the_camera():
    """Seed 7012 once drew someone standing 0.79 m from a camera 2.05 m away, which the renderer
    refused: a standing bystander keeps the walker's distance, with a margin for pitch and yaw."""
    spec = bystander_clip_spec(7012, MOVEMENT_KINDS[0])
    assert spec.bystander is not None
    assert spec.camera.distance_m - spec.bystander.toward_camera_m >= 1.0


def test_random_specs_stay_within_their_ranges():
    specs = benchmark_specs(80, seed=11)
    for spec in specs:
        camera = spec.camera
        assert 0.05 <= camera.height_m <= 1.5 and 2.0 <= camera.distance_m <= 5.0
        assert 55.0 <= camera.horizontal_fov_used_deg <= 85.0 and -8.0 <= camera.roll_deg <= 8.0
        assert camera.fps in (30.0, 60.0, 120.0, 240.0)
        assert 360 <= min(camera.width_px, camera.height_px) and max(camera.width_px, camera.height_px) <= 1920
        assert spec.movement.duration_s * camera.fps <= MAX_FRAMES
        assert frames_body(camera, body_extent(spec.body, spec.movement.kind, spec.movement.arms))
    values = [factors(s) for s in specs]
    off_square = np.array([float(v["yaw_off_square_deg"]) for v in values])
    assert off_square.max() <= 60.0 and np.mean(off_square <= 20.0) > 0.45
    assert {v["view"] for v in values} >= {"front", "back"}
    assert len({v["arms"] for v in values}) >= 6 and len({v["fps"] for v in values}) == 4


REQUIRED_FACTORS = {
    "movement",
    "view",
    "yaw_off_square_deg",
    "camera_height_m",
    "camera_distance_m",
    "horizontal_fov_deg",
    "roll_deg",
    "pitch_deg",
    "fps",
    "width_px",
    "height_px",
    "toe_out_deg",
    "stance_width_m",
    "knee_flexion_deg",
    "free_leg",
    "free_hip_flexion_deg",
    "arms",
    "body_height_m",
    "sex",
    "realism",
    "compression",
}


def test_factors_are_flat_and_complete():
    for kind in MOVEMENT_KINDS:
        values = factors(random_clip_spec(5, kind))
        assert REQUIRED_FACTORS <= set(values)
        assert all(isinstance(v, (float, int, str)) for v in values.values())
        assert values["movement"] == kind
    squat = ClipSpec(
        movement=Squat(left=LegControl(knee_flexion_deg=90.0, toe_out_deg=10.0), right=LegControl(toe_out_deg=20.0)),
        camera=Camera(yaw_deg=-170.0, horizontal_fov_deg=70.0),
        realism=Realism.off(),
    )
    values = factors(squat)
    assert values["view"] == "back" and values["yaw_off_square_deg"] == pytest.approx(10.0)
    assert values["knee_flexion_deg"] == pytest.approx(85.0)  # 90 and the squat default, 80
    assert values["toe_out_deg"] == pytest.approx(15.0) and values["stance_width_m"] == pytest.approx(0.3)
    assert math.isnan(values["pitch_deg"]) and math.isnan(values["free_hip_flexion_deg"])
    assert (values["free_leg"], values["realism"], values["horizontal_fov_deg"]) == ("none", "off", 70.0)
    single = factors(ClipSpec(movement=SingleLegSquat(free_leg="high", free_hip_flexion_deg=75.0)))
    assert (single["free_leg"], single["free_hip_flexion_deg"], single["realism"]) == ("high", 75.0, "on")
    assert math.isnan(single["stance_width_m"])
