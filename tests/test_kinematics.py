"""Every angle on hand-built skeletons with known answers, and the sign convention's invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gaitcheck import kinematics as k
from tests.helpers import frontal_skeleton, series_from_points

VIEWS = ("front", "back")


def leg(points: dict, side: str):
    other = "right" if side == "left" else "left"
    return points[f"{side}_hip"], points[f"{side}_knee"], points[f"{side}_ankle"], points[f"{other}_hip"]


# ------------------------------------------------------------------------------------------------
# known answers
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("side", ("left", "right"))
def test_fppa_of_medial_knee_is_positive_with_known_value(view, side):
    # hip-knee 150 px tall, knee 20 px medial, ankle below the hip: FPPA = 2 * atan(20/150)
    shifts = {f"{side}_knee_shift": 20.0}
    p = frontal_skeleton(view, **shifts)
    expected = 2 * math.degrees(math.atan(20 / 150))
    assert k.fppa_deg(*leg(p, side)) == pytest.approx(expected, abs=1e-9)
    assert k.included_angle_deg(*leg(p, side)[:3]) == pytest.approx(180 - expected, abs=1e-9)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("side", ("left", "right"))
def test_lateral_knee_is_varus_negative(view, side):
    p = frontal_skeleton(view, **{f"{side}_knee_shift": -12.0})
    assert k.fppa_deg(*leg(p, side)) == pytest.approx(-2 * math.degrees(math.atan(12 / 150)), abs=1e-9)


@pytest.mark.parametrize("view", VIEWS)
def test_straight_leg_is_zero_on_both_legs(view):
    p = frontal_skeleton(view)
    for side in ("left", "right"):
        assert k.fppa_deg(*leg(p, side)) == pytest.approx(0.0, abs=1e-9)
        assert k.hip_adduction_deg(*leg(p, side)[:2], leg(p, side)[3]) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("side", ("left", "right"))
def test_hip_and_femoral_adduction_known_values(view, side):
    p = frontal_skeleton(view, **{f"{side}_knee_shift": 30.0})
    hip, knee, _, contra = leg(p, side)
    expected = math.degrees(math.atan(30 / 150))
    assert k.hip_adduction_deg(hip, knee, contra) == pytest.approx(expected, abs=1e-9)
    assert k.femoral_adduction_deg(hip, knee, contra) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("view", VIEWS)
def test_pelvic_drop_signs_with_right_hip_lower(view):
    p = frontal_skeleton(view, pelvis_drop=10.0)  # right hip 10 px lower, hips 80 px apart
    expected = math.degrees(math.atan(10 / 80))
    # left leg in stance: the opposite (right) hip is lower -> positive drop
    assert k.pelvic_drop_deg(p["left_hip"], p["right_hip"]) == pytest.approx(expected, abs=1e-9)
    assert k.pelvic_drop_deg(p["right_hip"], p["left_hip"]) == pytest.approx(-expected, abs=1e-9)


def test_hip_adduction_equals_femoral_adduction_plus_drop_on_stance_leg():
    # clinical.md 1.4: hip_add_pelvis ~ femoral_add_vert + CPD for the stance limb
    p = frontal_skeleton("front", left_knee_shift=20.0, pelvis_drop=8.0)
    hip, knee, _, contra = leg(p, "left")
    total = k.femoral_adduction_deg(hip, knee, contra) + k.pelvic_drop_deg(hip, contra)
    assert k.hip_adduction_deg(hip, knee, contra) == pytest.approx(total, abs=1e-9)


@pytest.mark.parametrize("view", VIEWS)
def test_trunk_lean_positive_toward_subjects_right(view):
    p = frontal_skeleton(view, trunk_shift=20.0)  # shoulders 20 px toward the subject's right, 200 px up
    lean = k.trunk_lean_deg(p["left_hip"], p["right_hip"], p["left_shoulder"], p["right_shoulder"])
    assert lean == pytest.approx(math.degrees(math.atan(20 / 200)), abs=1e-9)


def test_knee_medial_displacement_in_shank_lengths():
    p = frontal_skeleton("front", left_knee_shift=15.0)
    hip, knee, ankle, contra = leg(p, "left")
    shank = np.hypot(15.0, 150.0)
    # offset perpendicular to the (vertical) hip-ankle line is exactly the shift
    assert k.knee_medial_displacement(hip, knee, ankle, contra) == pytest.approx(15.0 / shank, abs=1e-9)


def test_knee_separation_ratio():
    p = frontal_skeleton("front", left_knee_shift=10.0, right_knee_shift=10.0)
    ratio = k.knee_separation_ratio(
        p["left_knee"], p["right_knee"], p["left_ankle"], p["right_ankle"], p["left_hip"], p["right_hip"]
    )
    assert ratio == pytest.approx(60 / 80)


def test_knee_flexion_2d():
    hip, knee, ankle = np.array([0.0, 0.0]), np.array([0.0, 100.0]), np.array([-100.0, 100.0])
    assert k.knee_flexion_deg(hip, knee, ankle) == pytest.approx(90.0)


def test_nan_in_nan_out():
    p = frontal_skeleton("front")
    p["left_knee"] = np.array([np.nan, np.nan])
    assert np.isnan(k.fppa_deg(*leg(p, "left")))


# ------------------------------------------------------------------------------------------------
# invariants (hypothesis)
# ------------------------------------------------------------------------------------------------
coords = st.floats(min_value=-40, max_value=40, allow_nan=False)


@st.composite
def skeletons(draw):
    view = draw(st.sampled_from(VIEWS))
    p = frontal_skeleton(
        view,
        left_knee_shift=draw(coords),
        right_knee_shift=draw(coords),
        pelvis_drop=draw(st.floats(-15, 15)),
        trunk_shift=draw(coords),
    )
    jitter = draw(st.lists(st.floats(-8, 8), min_size=16, max_size=16))
    for i, name in enumerate(p):
        p[name] = p[name] + np.array(jitter[2 * i : 2 * i + 2])
    return p


def all_measures(p: dict) -> dict[str, float]:
    out = {}
    for side in ("left", "right"):
        hip, knee, ankle, contra = leg(p, side)
        out[f"{side}_fppa"] = k.fppa_deg(hip, knee, ankle, contra)
        out[f"{side}_hip_add"] = k.hip_adduction_deg(hip, knee, contra)
        out[f"{side}_fem_add"] = k.femoral_adduction_deg(hip, knee, contra)
        out[f"{side}_drop"] = k.pelvic_drop_deg(hip, contra)
        out[f"{side}_kmd"] = k.knee_medial_displacement(hip, knee, ankle, contra)
    out["trunk"] = k.trunk_lean_deg(p["left_hip"], p["right_hip"], p["left_shoulder"], p["right_shoulder"])
    return {name: float(v) for name, v in out.items()}


def mirror(p: dict, width: float = 640.0) -> dict:
    """Flip the picture horizontally: x -> width - x, and the person's left becomes their right."""
    out = {}
    for name, xy in p.items():
        other = name.replace("left", "R").replace("right", "left").replace("R", "right")
        out[other] = np.array([width - xy[0], xy[1]])
    return out


@settings(max_examples=200, deadline=None)
@given(skeletons(), st.floats(0.2, 5.0), st.floats(-500, 500), st.floats(-500, 500))
def test_angles_invariant_to_image_scale_and_translation(p, scale, dx, dy):
    moved = {name: xy * scale + np.array([dx, dy]) for name, xy in p.items()}
    before, after = all_measures(p), all_measures(moved)
    for name in before:
        assert after[name] == pytest.approx(before[name], abs=1e-6), name


@settings(max_examples=200, deadline=None)
@given(skeletons())
def test_mirrored_skeleton_gives_mirrored_results(p):
    before, after = all_measures(p), all_measures(mirror(p))
    for side, other in (("left", "right"), ("right", "left")):
        for m in ("fppa", "hip_add", "fem_add", "drop", "kmd"):
            assert after[f"{other}_{m}"] == pytest.approx(before[f"{side}_{m}"], abs=1e-6)
    assert after["trunk"] == pytest.approx(-before["trunk"], abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(skeletons())
def test_front_and_back_views_agree(p):
    """The same body seen from behind (mirror image, same labels) gives the same angles."""
    behind = {name: np.array([640.0 - xy[0], xy[1]]) for name, xy in p.items()}
    before, after = all_measures(p), all_measures(behind)
    for name in before:  # trunk lean included: it is toward the subject's right, not the image's
        assert after[name] == pytest.approx(before[name], abs=1e-6), name


@settings(max_examples=100, deadline=None)
@given(skeletons(), st.floats(-0.5, 0.5))
def test_fppa_invariant_to_camera_roll(p, roll_rad):
    c, s = math.cos(roll_rad), math.sin(roll_rad)
    rot = np.array([[c, -s], [s, c]])
    rolled = {name: rot @ xy for name, xy in p.items()}
    for side in ("left", "right"):
        # 1e-4 deg: an angle near 0 from arccos carries ~sqrt(machine eps) of rounding (CI found
        # 1.2e-6 deg for a straight leg rolled by 0.12 rad)
        assert k.fppa_deg(*leg(rolled, side)) == pytest.approx(k.fppa_deg(*leg(p, side)), abs=1e-4)


# ------------------------------------------------------------------------------------------------
# 3-D hip angles
# ------------------------------------------------------------------------------------------------
def _rz(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def _rx(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _ry(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def posed_leg(side: str, flexion: float, adduction: float, rotation: float, knee: float):
    """World points (MediaPipe axes: x right, y down, z away) of a person facing the camera whose
    hip has the given ISB angles (degrees, anatomical signs) and knee the given flexion."""
    pelvis = np.column_stack([(0, 0, -1.0), (0, -1.0, 0), (-1.0, 0, 0)])  # anterior, up, subject's right
    sign = 1.0 if side == "right" else -1.0
    f, a, r = np.radians([flexion, sign * adduction, sign * rotation])
    femur = pelvis @ _rz(f) @ _rx(a) @ _ry(r)
    x_f, y_f = femur[:, 0], femur[:, 1]
    hip = np.array([0.1 * (-1 if side == "right" else 1), 0.0, 0.0])
    contra = -hip
    knee_pt = hip - 0.42 * y_f
    kr = math.radians(knee)
    ankle = knee_pt + 0.4 * (-math.cos(kr) * y_f - math.sin(kr) * x_f)
    mid_shoulder = np.array([0.0, -0.5, 0.0])
    return hip, knee_pt, ankle, contra, mid_shoulder


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(("left", "right")),
    st.floats(0, 90),
    st.floats(-20, 20),
    st.floats(-30, 30),
    st.floats(25, 110),
)
def test_hip_angles_3d_recover_posed_angles(side, flexion, adduction, rotation, knee):
    hip, knee_pt, ankle, contra, shoulder = posed_leg(side, flexion, adduction, rotation, knee)
    got = k.hip_angles_3d_deg(side, hip, knee_pt, ankle, contra, shoulder)
    assert got["flexion"] == pytest.approx(flexion, abs=1e-6)
    assert got["adduction"] == pytest.approx(adduction, abs=1e-6)
    assert got["internal_rotation"] == pytest.approx(rotation, abs=1e-6)
    assert k.knee_flexion_deg(hip, knee_pt, ankle) == pytest.approx(knee, abs=1e-6)


# ------------------------------------------------------------------------------------------------
# the table
# ------------------------------------------------------------------------------------------------
def test_compute_angles_columns_and_side_view_blanks():
    series = series_from_points([frontal_skeleton("front", left_knee_shift=20.0)] * 5)
    table = k.compute_angles(series, "front")
    assert list(table.columns) == k.angle_columns()
    assert table["left_fppa_deg"].iloc[0] == pytest.approx(2 * math.degrees(math.atan(20 / 150)))
    side = k.compute_angles(series, "side")
    assert side["left_fppa_deg"].isna().all() and side["trunk_lean_deg"].isna().all()
    assert side["left_knee_flexion_deg"].notna().all()


def test_angle_columns_name_unit_and_side():
    for column in k.angle_columns():
        if column in ("frame", "time_s", "trunk_lean_deg", "knee_separation_ratio"):
            continue
        assert column.startswith(("left_", "right_"))
        assert column.endswith(("_deg", "_displacement"))


def test_hip_rotation_estimated_from_the_front_only_with_the_knee_flexed():
    """From behind, MediaPipe's depth makes the rotation estimate meaningless (docs/accuracy.md)."""
    from gaitcheck.landmarks import INDEX

    series = series_from_points([frontal_skeleton("front")] * 4)
    world = np.full_like(series.world_m, np.nan)
    for side in ("left", "right"):
        knee = 40.0 if side == "left" else 5.0
        hip, knee_pt, ankle, _, shoulder = posed_leg(side, 30.0, 0.0, 10.0, knee)
        for name, point in (("hip", hip), ("knee", knee_pt), ("ankle", ankle), ("shoulder", shoulder)):
            world[:, INDEX[f"{side}_{name}"]] = point
    series = series.replace(world_m=world)
    front = k.compute_angles(series, "front")
    assert front["left_hip_internal_rotation_deg"].to_numpy() == pytest.approx(10.0, abs=1e-6)
    assert front["right_hip_internal_rotation_deg"].isna().all()  # knee flexed 5 deg: plane undefined
    assert k.compute_angles(series, "back")["left_hip_internal_rotation_deg"].isna().all()
    for movement in ("squat", "single-leg-squat", "step-down", "run"):  # not HIP_ROTATION_TASKS: blank
        table = k.compute_angles(series, "front", movement=movement)
        assert table["left_hip_internal_rotation_deg"].isna().all() or movement in k.HIP_ROTATION_TASKS


def _turned_bent_leg_fppa_deg(off_square: float, flexion: float, side: str) -> float:
    """FPPA of a leg with no valgus (thigh and shank each tilted half the knee's bend out of the
    frontal plane, one forward, one back), turned `off_square` deg about the vertical and projected."""
    half = math.radians(flexion) / 2
    medial = 1.0 if side == "left" else -1.0  # toward the other hip
    hip = np.array([0.0, 0.0, 0.0])
    knee = hip + 0.45 * np.array([0.0, math.cos(half), -math.sin(half)])  # y down, z toward the camera
    ankle = knee + 0.42 * np.array([0.0, math.cos(half), math.sin(half)])
    contra = hip + np.array([medial * 0.2, 0.0, 0.0])
    turn = math.radians(off_square)
    rotate = np.array([[math.cos(turn), 0.0, math.sin(turn)], [0.0, 1.0, 0.0], [-math.sin(turn), 0.0, math.cos(turn)]])
    hip_px, knee_px, ankle_px, contra_px = ((rotate @ p)[:2] for p in (hip, knee, ankle, contra))
    return float(k.fppa_deg(hip_px, knee_px, ankle_px, contra_px))


@settings(max_examples=60, deadline=None)
@given(st.floats(0.0, 40.0), st.floats(0.0, 100.0))
def test_view_artefact_is_the_fppa_a_turned_camera_sees_on_an_aligned_bent_leg(off_square, flexion):
    left = _turned_bent_leg_fppa_deg(off_square, flexion, "left")
    right = _turned_bent_leg_fppa_deg(off_square, flexion, "right")
    expected = k.view_artefact_fppa_deg(off_square, flexion)
    assert abs(left) == pytest.approx(expected, abs=1e-6)
    assert right == pytest.approx(-left, abs=1e-6)  # valgus on one leg, varus on the other


def test_view_artefact_is_zero_square_on_or_straight():
    assert k.view_artefact_fppa_deg(0.0, 80.0) == 0.0
    assert k.view_artefact_fppa_deg(30.0, 0.0) == 0.0
    assert k.view_artefact_shift(0.0, 80.0) == 0.0
    assert k.view_artefact_fppa_deg(5.0, 45.0) == pytest.approx(4.1, abs=0.1)
    assert k.view_artefact_fppa_deg(15.0, 80.0) == pytest.approx(24.5, abs=0.2)


def _turned_body_legs(turn: float, flexion: float, facing: str) -> dict[str, float]:
    """Both legs of an aligned body (no valgus, both knees bent `flexion`), facing the camera or away,
    turned `turn` deg about the vertical, seen orthographically; camera axes x right, y down, z away.
    Returns each leg's FPPA and shift of the knee over the ankle, and the body's turn as gaitcheck
    reads it (detect.yaw_deg's construction on the left-minus-right hip vector, then detect.turn_deg)."""
    from gaitcheck.detect import turn_deg

    half = math.radians(flexion) / 2
    forward = -1.0 if facing == "front" else 1.0  # the body's anterior along z
    left_x = 0.1 if facing == "front" else -0.1  # facing the camera, the left hip is on the picture's right
    a = math.radians(turn)  # the picture's right side turned away from the camera by `turn`
    rotate = np.array([[math.cos(a), 0.0, -math.sin(a)], [0.0, 1.0, 0.0], [math.sin(a), 0.0, math.cos(a)]])
    points = {}
    for side, x in (("left", left_x), ("right", -left_x)):
        hip = np.array([x, 0.0, 0.0])
        knee = hip + 0.45 * np.array([0.0, math.cos(half), forward * math.sin(half)])
        ankle = knee + 0.42 * np.array([0.0, math.cos(half), -forward * math.sin(half)])
        points.update({f"{side}_hip": rotate @ hip, f"{side}_knee": rotate @ knee, f"{side}_ankle": rotate @ ankle})
    across = points["left_hip"] - points["right_hip"]
    out = {"turn": turn_deg(math.degrees(math.atan2(across[2], across[0])))}
    for side, other in (("left", "right"), ("right", "left")):
        hip, knee, ankle = (points[f"{side}_{joint}"][:2] for joint in ("hip", "knee", "ankle"))
        contra = points[f"{other}_hip"][:2]
        out[f"{side}_fppa"] = float(k.fppa_deg(hip, knee, ankle, contra))
        medial = k.medial_direction(hip, contra)
        out[f"{side}_shift"] = float(np.dot(knee - ankle, medial) / 0.42)
    return out


@settings(max_examples=80, deadline=None)
@given(st.floats(-40.0, 40.0), st.floats(0.0, 100.0), st.sampled_from(["front", "back"]))
def test_turned_camera_allowance_has_the_sign_a_turned_camera_gives_each_leg(turn, flexion, facing):
    seen = _turned_body_legs(turn, flexion, facing)
    assert seen["turn"] == pytest.approx(turn, abs=1e-6)
    for side in ("left", "right"):
        assert seen[f"{side}_fppa"] == pytest.approx(k.turned_camera_fppa_deg(side, seen["turn"], flexion), abs=1e-6)
        assert seen[f"{side}_shift"] == pytest.approx(k.turned_camera_shift(side, seen["turn"], flexion), abs=1e-6)


def _squatting_leg_px(flexion_deg: float, off_square: float, thigh_share: float = 0.5) -> tuple[np.ndarray, ...]:
    """Hip, knee and ankle in the picture of a loaded leg bent `flexion_deg` (the thigh tilted forward
    `thigh_share` of it, the shank back the rest), the camera turned `off_square` deg, orthographic."""
    thigh_tilt, shank_tilt = math.radians(flexion_deg * thigh_share), math.radians(flexion_deg * (1 - thigh_share))
    hip = np.array([0.0, 0.0, 0.0])
    knee = hip + 0.45 * np.array([0.0, math.cos(thigh_tilt), -math.sin(thigh_tilt)])  # y down, z away
    ankle = knee + 0.42 * np.array([0.0, math.cos(shank_tilt), math.sin(shank_tilt)])
    turn = math.radians(off_square)
    rotate = np.array([[math.cos(turn), 0.0, math.sin(turn)], [0.0, 1.0, 0.0], [-math.sin(turn), 0.0, math.cos(turn)]])
    return tuple(1000 * (rotate @ p)[:2] for p in (hip, knee, ankle))


def _squat_series_px(bottom_deg: float, off_square: float, thigh_share: float = 0.5) -> tuple[np.ndarray, ...]:
    """(T, 2) hip, knee and ankle over a squat from standing to `bottom_deg` and back."""
    bends = np.r_[np.zeros(5), np.linspace(0, bottom_deg, 20), np.linspace(bottom_deg, 0, 20)]
    legs = [_squatting_leg_px(b, off_square, thigh_share) for b in bends]
    return tuple(np.stack([leg[j] for leg in legs]) for j in range(3))


@settings(max_examples=60, deadline=None)
@given(st.floats(10.0, 120.0), st.floats(0.0, 35.0), st.floats(0.3, 0.7))
def test_foreshortening_recovers_a_loaded_knees_flexion(bottom, off_square, thigh_share):
    """A squatting leg seen from the front, square or turned: thigh and shank shorten in the picture by
    the cosines of their tilts, which give the knee's flexion back at every frame."""
    hip, knee, ankle = _squat_series_px(bottom, off_square, thigh_share)
    flexion = k.foreshortened_knee_flexion_deg(hip, knee, ankle, off_square)
    truth = np.r_[np.zeros(5), np.linspace(0, bottom, 20), np.linspace(bottom, 0, 20)]
    assert flexion == pytest.approx(truth, abs=1e-6)


def test_foreshortening_without_the_turn_reads_a_turned_camera_short():
    hip, knee, ankle = _squat_series_px(90.0, 30.0)
    assert np.nanmax(k.foreshortened_knee_flexion_deg(hip, knee, ankle, 0.0)) < 80.0
    assert np.nanmax(k.foreshortened_knee_flexion_deg(hip, knee, ankle, 30.0)) == pytest.approx(90.0, abs=1e-6)


def test_out_of_picture_is_nan_without_lengths():
    assert np.isnan(k.out_of_picture_deg(np.full(4, np.nan))).all()


@settings(max_examples=60, deadline=None)
@given(st.floats(10.0, 120.0), st.floats(35.0, 89.0), st.floats(0.3, 0.7))
def test_unprojection_recovers_a_knees_flexion_seen_obliquely(bottom, off_square, thigh_share):
    """A squatting leg filmed `off_square` deg from square: its sagittal plane shows its horizontal
    extents shortened by sin(off_square); stretched back, the picture's angle is the flexion."""
    hip, knee, ankle = _squat_series_px(bottom, off_square, thigh_share)
    flexion = k.unprojected_knee_flexion_deg(hip, knee, ankle, off_square)
    truth = np.r_[np.zeros(5), np.linspace(0, bottom, 20), np.linspace(bottom, 0, 20)]
    assert flexion == pytest.approx(truth, abs=1e-6)
    assert np.nanmax(k.knee_flexion_deg(hip, knee, ankle)) < bottom  # as the picture shows it: short


def _squat_pose(bottom_deg: float, off_square: float = 0.0) -> tuple:
    """A two-legged squat seen square on (or turned `off_square`): a series with compressed 3-D depth
    (the world landmarks of series_from_points are flat), so the model's own 3-D knee flexion reads
    nearly nothing."""
    from tests.helpers import series_from_points

    hip, knee, ankle = _squat_series_px(bottom_deg, off_square)
    frames = []
    for i in range(len(hip)):
        points = {}
        for side, dx in (("left", 100.0), ("right", -100.0)):
            offset = np.array([dx, 0.0]) + (300.0, 100.0)
            for joint, xy in (("hip", hip[i]), ("knee", knee[i]), ("ankle", ankle[i])):
                points[f"{side}_{joint}"] = xy + offset
            points[f"{side}_shoulder"] = hip[i] + offset - (0, 500)
        frames.append(points)
    return series_from_points(frames)


def test_compute_angles_reads_squat_like_tasks_from_foreshortening_and_free_legs_from_3d():
    series = _squat_pose(90.0)
    squat = k.compute_angles(series, "front", movement="squat", off_square_deg=0.0)
    assert squat["left_knee_flexion_deg"].max() == pytest.approx(90.0, abs=0.5)
    running = k.compute_angles(series, "front", movement="run", off_square_deg=0.0)
    assert running["left_knee_flexion_deg"].max() < 30.0  # the flat 3-D landmarks: no foreshortening in running
    far_off = k.compute_angles(series, "front", movement="squat", off_square_deg=None)
    assert far_off["left_knee_flexion_deg"].max() < 30.0  # too far off square for it
    free = {"left": np.ones(series.n_frames, dtype=bool), "right": np.zeros(series.n_frames, dtype=bool)}
    lifted = k.compute_angles(series, "front", movement="single-leg-squat", off_square_deg=0.0, free_rows=free)
    assert lifted["left_knee_flexion_deg"].max() < 30.0 and lifted["right_knee_flexion_deg"].max() > 85.0


def test_compute_angles_reads_a_camera_far_off_square_from_the_unprojected_picture():
    series = _squat_pose(90.0, off_square=50.0)
    oblique = k.compute_angles(series, "oblique", movement="run", off_square_deg=None, oblique_deg=50.0)
    assert oblique["left_knee_flexion_deg"].max() == pytest.approx(90.0, abs=0.5)
    as_seen = k.compute_angles(series, "oblique", movement="run", off_square_deg=None)  # flat 3-D: the picture's angle
    assert as_seen["left_knee_flexion_deg"].max() < 80.0
    free = {"left": np.ones(series.n_frames, dtype=bool), "right": np.zeros(series.n_frames, dtype=bool)}
    lifted = k.compute_angles(series, "oblique", movement="single-leg-squat", free_rows=free, oblique_deg=50.0)
    assert lifted["left_knee_flexion_deg"].max() < 80.0 and lifted["right_knee_flexion_deg"].max() > 85.0
