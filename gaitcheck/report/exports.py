"""Tables for other programs: reps.csv (one row per repetition or step and leg) and an
OpenSim-style .trc of the cleaned 2-D landmarks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from gaitcheck.landmarks import LANDMARK_NAMES, PoseSeries
from gaitcheck.report.results import Result

REPS_CSV = "reps.csv"
TRC_FILE = "landmarks.trc"

#: reps.csv columns, always all of them and in this order (empty where a measure does not apply).
EVENT_COLUMNS = (
    "event",  # rep or step
    "number",  # repetition number (from 1) or step number of that leg
    "leg",  # the leg this row measures
    "stance_leg",  # left, right or both (bilateral squats)
    "segment",
    "primary",  # the leg verdicts rest on this part of the clip
    "start_frame",
    "event_frame",  # bottom of the rep or midstance of the step
    "end_frame",
    "start_s",
    "event_s",
    "end_s",
    "depth_torso",
    "depth",
    "frontal_event",  # bottom or descent (where frontal angles were read)
    "graded_measure",
    "graded_value",
    "verdict",  # this rep's or step's own grade against the task's threshold
    "fppa_deg",
    "fppa_deg_picture",  # FPPA as the picture showed it, when fppa_deg allows for the camera's angle
    "fppa_peak_deg",
    "hip_adduction_deg",
    "hip_adduction_peak_deg",
    "femoral_adduction_deg",
    "pelvic_drop_deg",
    "pelvic_drop_peak_deg",
    "trunk_lean_ipsilateral_deg",
    "knee_medial_displacement",
    "knee_medial_shift",
    "knee_medial_shift_picture",  # as the picture showed it, when knee_medial_shift allows for the camera's angle
    "knee_over_foot",
    "knee_flexion_contact_deg",
    "knee_flexion_peak_deg",
    "knee_separation_ratio_min",
    "stance_s",
    "hip_internal_rotation_deg",  # experimental, low confidence
    # side-view running (summary side_view; gaitcheck.sagittal): empty elsewhere
    "overstride_shank",
    "shank_angle_contact_deg",
    "foot_angle_contact_deg",
    "foot_strike",
    "trunk_forward_lean_deg",
    "vertical_oscillation_leg",
)


def reps_table(result: Result) -> pd.DataFrame:
    """One row per repetition (and leg) or step; a result with key frames checked by hand gets their
    FPPA and grade in two more columns, beside the automatic ones."""
    rows = result.event_rows()
    table = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    hand = [r.get("hand_adjusted") or {} for r in rows]
    if any(hand):
        table["fppa_deg_by_hand"] = [h.get("fppa_deg") for h in hand]
        table["verdict_by_hand"] = [h.get("verdict") for h in hand]
    return table


def write_reps_csv(result: Result, path: Path) -> Path:
    reps_table(result).to_csv(path, index=False, float_format="%.3f")
    return path


def write_trc(series: PoseSeries, path: Path, rate_hz: float) -> Path:
    """The cleaned landmarks as an OpenSim marker file: X right and Y up in pixels of the upright
    picture (origin at its bottom-left corner), Z = 0; missing values left empty."""
    n = series.n_frames
    names = LANDMARK_NAMES
    x = series.image_px[:, :, 0]
    y = series.height_px - series.image_px[:, :, 1]
    rate = f"{rate_hz:.6g}"
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{path.name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
        f"{rate}\t{rate}\t{n}\t{len(names)}\tpx\t{rate}\t1\t{n}",
        "Frame#\tTime\t" + "\t\t\t".join(names) + "\t\t",
        "\t\t" + "\t".join(f"X{i + 1}\tY{i + 1}\tZ{i + 1}" for i in range(len(names))),
        "",
    ]

    def num(v: float) -> str:
        return f"{v:.3f}" if np.isfinite(v) else ""

    body = []
    for i in range(n):
        values = []
        for j in range(len(names)):
            finite = np.isfinite(x[i, j]) and np.isfinite(y[i, j])
            values += [num(x[i, j]), num(y[i, j]), "0.000" if finite else ""]
        body.append(f"{i + 1}\t{series.time_s[i]:.6f}\t" + "\t".join(values))
    path.write_text("\n".join(lines + body) + "\n", encoding="utf-8")
    return path


def read_trc(path: Path) -> tuple[dict[str, str], pd.DataFrame]:
    """Header values and the data table of a .trc file (for tests and notebooks)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    header = dict(zip(lines[1].split("\t"), lines[2].split("\t"), strict=False))
    names = [n for n in lines[3].split("\t")[2:] if n]
    columns = ["frame", "time_s"] + [f"{n}_{a}" for n in names for a in "XYZ"]
    rows = [line.split("\t") for line in lines[6:] if line.strip()]
    table = pd.DataFrame(rows, columns=columns).replace("", np.nan).astype(float)
    return header, table
