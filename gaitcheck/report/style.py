"""One palette and one set of labels for every output: the report, the figures, the PDF and the
annotated video use the same colour for the left leg (blue), the right leg (orange) and each verdict."""

from __future__ import annotations

from pathlib import Path

import matplotlib

LEG_COLOUR = {"left": "#2563a8", "right": "#dd6b20"}
LEG_TINT = {"left": "#dbe7f5", "right": "#fbe3d2", "both": "#e6e8ec"}
VERDICT_COLOUR = {
    "aligned": "#2f855a",
    "borderline": "#b7791f",
    "valgus": "#b42318",
    "insufficient-data": "#6b7280",
}
#: Lighter verdict colours for text on the dark panels of the video.
VERDICT_ON_DARK = {
    "aligned": "#6ee7b7",
    "borderline": "#fcd34d",
    "valgus": "#fca5a5",
    "insufficient-data": "#9ca3af",
}
VERDICT_LABEL = {
    "aligned": "Aligned",
    "borderline": "Borderline",
    "valgus": "Knee moves inward",
    "insufficient-data": "No verdict",
}
#: The same verdicts in a table cell, where the full label would not fit.
VERDICT_SHORT = {"aligned": "Aligned", "borderline": "Borderline", "valgus": "Inward", "insufficient-data": "No grade"}
BAND_BORDERLINE = "#fbf1d9"
BAND_VALGUS = "#fae3df"
INK = "#1f2933"
MUTED = "#5f6b7a"
RULE = "#d5dae1"

#: Measures shown as curves and in tables, in order: (column suffix, label, unit, frontal-only).
MEASURES: tuple[tuple[str, str, str, bool], ...] = (
    ("fppa_deg", "Knee FPPA", "deg", True),
    ("hip_adduction_deg", "Hip adduction", "deg", True),
    ("femoral_adduction_deg", "Femoral adduction", "deg", True),
    ("pelvic_drop_deg", "Pelvic drop", "deg", True),
    ("knee_medial_displacement", "Knee medial displacement", "shank lengths", True),
    ("knee_flexion_deg", "Knee flexion", "deg", False),
    ("hip_internal_rotation_deg", "Hip internal rotation (experimental)", "deg", False),
)
MEASURE_LABEL = {key: label for key, label, _, _ in MEASURES}
MEASURE_UNIT = {key: unit for key, _, unit, _ in MEASURES}
MEASURE_LABEL.update(
    {
        "fppa_peak_deg": "Knee FPPA, peak",
        "hip_adduction_peak_deg": "Hip adduction, peak",
        "pelvic_drop_peak_deg": "Pelvic drop, peak",
        "knee_flexion_peak_deg": "Knee flexion, peak",
        "knee_flexion_contact_deg": "Knee flexion at contact",
        "trunk_lean_ipsilateral_deg": "Trunk lean toward the stance leg",
        "knee_over_foot": "Knee over foot (+ inside)",
        "knee_medial_shift": "Knee medial shift over the ankle (+ inward)",
        "knee_separation_ratio_min": "Knee/ankle separation, min",
        "stance_s": "Stance time",
        "trunk_lean_deg": "Trunk lean (+ to the right)",
        "knee_separation_ratio": "Knee/ankle separation ratio",
        # side view (gaitcheck.sagittal)
        "overstride_shank": "Overstride: heel ahead of the pelvis at contact",
        "shank_angle_contact_deg": "Shank angle at contact (+ ankle ahead of the knee)",
        "foot_angle_contact_deg": "Foot angle at contact (+ toes up)",
        "trunk_forward_lean_deg": "Trunk forward lean in stance",
        "vertical_oscillation_leg": "Vertical oscillation of the pelvis",
    }
)
MEASURE_UNIT.update(
    {
        "fppa_peak_deg": "deg",
        "hip_adduction_peak_deg": "deg",
        "pelvic_drop_peak_deg": "deg",
        "knee_flexion_peak_deg": "deg",
        "knee_flexion_contact_deg": "deg",
        "trunk_lean_ipsilateral_deg": "deg",
        "knee_over_foot": "shank lengths",
        "knee_medial_shift": "shank lengths",
        "knee_separation_ratio_min": "ratio",
        "stance_s": "s",
        "trunk_lean_deg": "deg",
        "knee_separation_ratio": "ratio",
        "overstride_shank": "shank lengths",
        "shank_angle_contact_deg": "deg",
        "foot_angle_contact_deg": "deg",
        "trunk_forward_lean_deg": "deg",
        "vertical_oscillation_leg": "leg lengths",
    }
)

MOVEMENT_LABEL = {
    "squat": "squat",
    "single-leg-squat": "single-leg squat",
    "step-down": "step-down",
    "lunge": "lunge",
    "run": "running",
}


def font_path(bold: bool = False) -> Path:
    """DejaVu Sans as shipped inside matplotlib: the same face in figures, video labels and the PDF,
    with the degree sign, plus-minus and minus glyphs, and nothing fetched."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


def hex_rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def fmt(value, digits: int = 1, unit: str = "", signed: bool = False) -> str:
    """A number for people: '-' when missing; the typographic minus; the unit glued on."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "–"
    if number != number or number in (float("inf"), float("-inf")):
        return "–"
    if round(number, digits) == 0:
        number = 0.0  # no minus sign on a zero
    text = f"{number:+.{digits}f}" if signed else f"{number:.{digits}f}"
    text = text.replace("-", "−")
    if unit == "deg":
        return text + "°"
    if unit == "s":
        return text + " s"
    return text


def plus_minus(sd, n: int, digits: int = 1, unit: str = "") -> str:
    """' ± SD' after a mean of n values ('' for one value or none). An SD that rounds to zero at the
    mean's digits gets one digit more, so three near-identical repetitions read '± 0.3°', not '± 0°'."""
    if sd is None or n is None or n <= 1 or fmt(sd) == "–":
        return ""
    if round(float(sd), digits) == 0 and float(sd) > 0:
        digits += 1
    return f" ± {fmt(sd, digits, unit)}"
