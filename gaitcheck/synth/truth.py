"""Per-frame ground truth, measured on the posed rig with gaitcheck's own angle functions.

* Frontal 2-D measures (FPPA, hip and femoral adduction, pelvic drop, knee displacement, trunk lean,
  knee separation) = gaitcheck.kinematics applied to the rig's joint centres projected into the
  clip's image (hip = upperleg01 head, knee = lowerleg01 head, ankle = foot head, shoulder =
  upperarm01 head), in pixels. NaN in a side view, as in gaitcheck's angles.csv.
* ``knee_flexion_deg`` = the 3-D hip-knee-ankle angle of the rig (equal to the knee flexion input).
* ``hip_internal_rotation_deg`` = gaitcheck.kinematics.hip_angles_3d_deg on the 3-D rig joints in
  camera coordinates (x right, y down, z away: MediaPipe's world axes); the function is not
  reflection-invariant, so the frame must be right-handed as this one is. NaN while the knee is
  nearly straight (< MIN_KNEE_FLEXION_FOR_ROTATION_DEG), where the knee plane is undefined.

The column names of the angles are those of gaitcheck's angles.csv; everything else is extra.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gaitcheck import kinematics as kin
from gaitcheck.synth.body import SIDES, SUFFIX, Rig
from gaitcheck.synth.camera import Projection
from gaitcheck.synth.motion import FrameState
from gaitcheck.synth.skeleton import Anatomy

MIN_KNEE_FLEXION_FOR_ROTATION_DEG = 5.0
RIG_JOINTS = {"hip": "upperleg01", "knee": "lowerleg01", "ankle": "foot", "shoulder": "upperarm01"}
POINTS = ("hip", "knee", "ankle", "shoulder", "heel", "foot_index")


def joint_points(rig: Rig, anatomy: Anatomy, heads_m: np.ndarray, vertices_m: np.ndarray) -> dict[str, np.ndarray]:
    """World positions of the named points: rig joint centres, and heel / toe-tip mesh vertices."""
    points = {}
    for side in SIDES:
        for name, bone in RIG_JOINTS.items():
            points[f"{side}_{name}"] = heads_m[rig.bone(bone + SUFFIX[side])]
        points[f"{side}_heel"] = vertices_m[anatomy.heel_index[side]]
        points[f"{side}_foot_index"] = vertices_m[anatomy.toe_index[side]]
    return points


def frontal_measures(px: dict[str, np.ndarray]) -> dict[str, float]:
    """gaitcheck's frontal-plane columns of one frame from its 2-D points."""
    return {k: float(v) for k, v in frontal_columns(px).items()}


def frontal_columns(px: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """gaitcheck's frontal-plane columns from 2-D points, one (2,) or many (n, 2) frames (the same
    calls as compute_angles)."""
    row = {}
    for side in SIDES:
        other = "right" if side == "left" else "left"
        hip, knee, ankle, contra = px[f"{side}_hip"], px[f"{side}_knee"], px[f"{side}_ankle"], px[f"{other}_hip"]
        row[f"{side}_fppa_deg"] = kin.fppa_deg(hip, knee, ankle, contra)
        row[f"{side}_knee_included_deg"] = kin.included_angle_deg(hip, knee, ankle)
        row[f"{side}_hip_adduction_deg"] = kin.hip_adduction_deg(hip, knee, contra)
        row[f"{side}_femoral_adduction_deg"] = kin.femoral_adduction_deg(hip, knee, contra)
        row[f"{side}_pelvic_drop_deg"] = kin.pelvic_drop_deg(hip, contra)
        row[f"{side}_knee_medial_displacement"] = kin.knee_medial_displacement(hip, knee, ankle, contra)
    row["trunk_lean_deg"] = kin.trunk_lean_deg(
        px["left_hip"], px["right_hip"], px["left_shoulder"], px["right_shoulder"]
    )
    row["knee_separation_ratio"] = kin.knee_separation_ratio(
        px["left_knee"], px["right_knee"], px["left_ankle"], px["right_ankle"], px["left_hip"], px["right_hip"]
    )
    return row


def sagittal_and_3d(cam: dict[str, np.ndarray]) -> dict[str, float]:
    """Knee flexion and the ISB hip angles from 3-D points in camera coordinates."""
    row = {}
    mid_shoulder = (cam["left_shoulder"] + cam["right_shoulder"]) / 2
    for side in SIDES:
        other = "right" if side == "left" else "left"
        hip, knee, ankle = cam[f"{side}_hip"], cam[f"{side}_knee"], cam[f"{side}_ankle"]
        flexion = float(kin.knee_flexion_deg(hip, knee, ankle))
        angles = kin.hip_angles_3d_deg(side, hip, knee, ankle, cam[f"{other}_hip"], mid_shoulder)
        defined = flexion >= MIN_KNEE_FLEXION_FOR_ROTATION_DEG
        row[f"{side}_knee_flexion_deg"] = flexion
        row[f"{side}_hip_internal_rotation_deg"] = float(angles["internal_rotation"]) if defined else np.nan
        row[f"{side}_hip_flexion_3d_deg"] = float(angles["flexion"]) if defined else np.nan
        row[f"{side}_hip_adduction_3d_deg"] = float(angles["adduction"]) if defined else np.nan
    return row


def inputs(state: FrameState) -> dict[str, float]:
    """The controlled joint angles of this frame (after the solvers), with anatomical signs."""
    pose = state.pose
    row = {}
    for side in SIDES:
        leg = pose.leg(side)
        row[f"{side}_hip_flexion_input_deg"] = leg.hip_flexion_deg
        row[f"{side}_hip_adduction_input_deg"] = leg.hip_adduction_deg
        row[f"{side}_hip_internal_rotation_input_deg"] = leg.hip_internal_rotation_deg
        row[f"{side}_knee_flexion_input_deg"] = leg.knee_flexion_deg
        drop = pose.pelvis_obliquity_deg if side == "left" else -pose.pelvis_obliquity_deg
        row[f"{side}_pelvic_drop_input_deg"] = drop
    row["trunk_lean_input_deg"] = pose.trunk_lateral_lean_deg
    row["trunk_forward_lean_input_deg"] = pose.trunk_forward_lean_deg
    row["pelvis_tilt_input_deg"] = pose.pelvis_tilt_deg
    row["pelvis_rotation_input_deg"] = pose.pelvis_rotation_deg
    return row


def frame_truth(
    frame: int,
    state: FrameState,
    rig: Rig,
    anatomy: Anatomy,
    heads_m: np.ndarray,
    vertices_m: np.ndarray,
    projection: Projection,
    view: str,
) -> dict[str, float]:
    """One row of clip.truth.csv."""
    world = joint_points(rig, anatomy, heads_m, vertices_m)
    names = list(world)
    stacked = np.stack([world[n] for n in names])
    px = dict(zip(names, projection.project(stacked), strict=True))
    cam = dict(zip(names, projection.to_camera(stacked), strict=True))
    row: dict[str, float] = {"frame": frame, "time_s": state.time_s}
    measures = frontal_measures(px)
    if view == "side":
        measures = dict.fromkeys(measures, np.nan)
    row.update(measures)
    row.update(sagittal_and_3d(cam))
    row.update(left_stance=int(state.left_stance), right_stance=int(state.right_stance), rep=state.rep, step=state.step)
    row.update(inputs(state))
    for name in names:
        row[f"{name}_x_px"], row[f"{name}_y_px"] = (float(v) for v in px[name])
    coco = projection.project(rig.coco_keypoints(vertices_m))
    for label, (x, y) in zip(rig.coco_labels, coco, strict=True):
        row[f"coco_{label}_x_px"], row[f"coco_{label}_y_px"] = float(x), float(y)
    mid_hip = (cam["left_hip"] + cam["right_hip"]) / 2
    for name in names:
        for axis, value in zip("xyz", cam[name] - mid_hip, strict=True):
            row[f"{name}_{axis}_m"] = float(value)
    return row


def truth_table(rows: list[dict[str, float]]) -> pd.DataFrame:
    """The rows in column order: gaitcheck's angles.csv columns first, then the extras."""
    table = pd.DataFrame(rows)
    first = kin.angle_columns()
    return table[first + [c for c in table.columns if c not in first]]


def describe_columns() -> dict[str, str]:
    """What the extra columns mean (written into clip.truth.json)."""
    return {
        "angles.csv columns": "gaitcheck.kinematics on projected rig joint centres (pixels); frontal ones NaN "
        "in a side view; knee_flexion_deg is 3-D; hip_internal_rotation_deg is hip_angles_3d_deg on 3-D rig "
        f"joints in camera axes, NaN below {MIN_KNEE_FLEXION_FOR_ROTATION_DEG:g} deg knee flexion",
        "left_stance/right_stance": "1 while the foot bears weight (squats: both; single-leg tasks: the stance "
        "leg; running: from initial contact to toe-off)",
        "rep / step": "repetition under way (-1 between reps) / running step in stance (-1 in flight)",
        "*_hip_flexion_3d_deg, *_hip_adduction_3d_deg": "the other two angles of hip_angles_3d_deg",
        "*_input_deg": "controlled joint angles after the solvers: hip Cardan flexion/adduction/internal "
        "rotation of the thigh relative to the pelvis, knee flexion, pelvic drop (+ opposite hip lower), "
        "trunk lateral lean (+ toward the subject's right), trunk forward lean, pelvic tilt and rotation",
        "<point>_x_px/_y_px": "projected rig joint centres (hip, knee, ankle, shoulder) and mesh heel / toe "
        "tip vertices, continuous pixel coordinates of the upright picture",
        "coco_<label>_x_px": "anny's COCO keypoint regressor (surface keypoints like those pose models are "
        "trained on), projected",
        "<point>_x_m/_y_m/_z_m": "3-D points in camera axes (x right, y down, z away) relative to the mid-hip, "
        "like MediaPipe world landmarks",
    }
