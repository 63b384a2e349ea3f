"""Plausibility gates: what no knee or runner can do is dropped and counted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gaitcheck.assess import frontal_event_row
from gaitcheck.events import cadence_spm, feet_alternation_hz
from gaitcheck.model import Step
from gaitcheck.plausibility import (
    MAX_KNEE_SPEED_DEG_S,
    gate_covered,
    gate_far_knee,
    gate_foreshortened_thigh,
    gate_knee_flexion,
    gate_unclear,
    plausible_steps,
)
from tests.helpers import frontal_skeleton, running_series, series_from_points


def knee_table(left: np.ndarray, right: np.ndarray | None = None) -> pd.DataFrame:
    return pd.DataFrame({"left_knee_flexion_deg": left, "right_knee_flexion_deg": left if right is None else right})


def running_knee(fps: float = 30.0, seconds: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(int(fps * seconds)) / fps
    return t, 60 + 50 * np.sin(2 * np.pi * 1.4 * t)  # up to ~440 deg/s: a real knee in running


def test_a_real_knee_curve_passes_untouched():
    t, knee = running_knee()
    table, dropped = gate_knee_flexion(knee_table(knee), t)
    np.testing.assert_array_equal(table["left_knee_flexion_deg"], knee)
    assert dropped["left_knee_jumps"] == 0 and dropped["left_knee_out_of_range"] == 0


def test_a_swapped_stretch_is_dropped_from_jump_to_jump_back():
    t, knee = running_knee()
    swapped = knee.copy()
    swapped[30:36] = swapped[30:36] - 70  # the far leg's angle for 6 frames
    table, dropped = gate_knee_flexion(knee_table(swapped), t)
    gated = table["left_knee_flexion_deg"].to_numpy()
    assert np.isnan(gated[30:36]).all() and np.isfinite(np.delete(gated, range(30, 36))).all()
    assert dropped["left_knee_jumps"] == 6


def test_values_outside_the_knees_range_are_dropped():
    t = np.arange(60) / 30.0
    knee = np.linspace(120.0, 179.0, 60)  # reached smoothly, but beyond any knee
    table, dropped = gate_knee_flexion(knee_table(knee), t)
    gated = table["left_knee_flexion_deg"].to_numpy()
    assert np.isnan(gated[knee > 165]).all() and np.isfinite(gated[knee <= 165]).all()
    assert dropped["left_knee_out_of_range"] == int((knee > 165).sum()) and dropped["left_knee_jumps"] == 0


@settings(max_examples=40, deadline=None)
@given(
    fps=st.sampled_from([25.0, 30.0, 60.0, 120.0, 240.0]),
    start=st.integers(5, 50),
    jump=st.floats(60.0, 150.0),
    sign=st.sampled_from([-1.0, 1.0]),
)
def test_after_gating_no_change_is_faster_than_a_knee(fps, start, jump, sign):
    t, knee = running_knee(fps)
    knee = knee.copy()
    knee[start : start + int(0.1 * fps) + 1] += sign * jump
    gated = gate_knee_flexion(knee_table(knee), t)[0]["left_knee_flexion_deg"].to_numpy()
    seen = np.isfinite(gated)
    speed = np.abs(np.diff(gated[seen])) / np.diff(t[seen])
    assert (speed <= MAX_KNEE_SPEED_DEG_S).all()


def test_far_knee_of_a_side_view_squat_is_blanked_when_mostly_hidden():
    t = np.linspace(0, 6, 180)
    near = 60 - 60 * np.cos(2 * np.pi * t / 2)
    far = np.full_like(near, np.nan)
    far[::12] = 20.0  # a few stray readings
    table, blanked = gate_far_knee(knee_table(far, near), "side", "squat")
    assert blanked == "left" and table["left_knee_flexion_deg"].isna().all()
    assert table["right_knee_flexion_deg"].notna().all()


def test_both_knees_kept_when_they_agree_or_the_task_is_not_a_side_view_squat():
    near = np.linspace(0, 120, 100)
    assert gate_far_knee(knee_table(near + 5, near), "side", "squat")[1] is None
    hidden = np.full_like(near, np.nan)
    assert gate_far_knee(knee_table(hidden, near), "front", "squat")[1] is None
    assert gate_far_knee(knee_table(hidden, near), "side", "run")[1] is None


def step(leg: str, contact_s: float, stance_s: float = 0.25) -> Step:
    return Step(leg, 0, 0, 0, contact_s, contact_s + stance_s / 2, contact_s + stance_s)  # type: ignore[arg-type]


def alternating_steps(n: int = 12, step_s: float = 0.35) -> list[Step]:
    return [step("left" if i % 2 == 0 else "right", i * step_s) for i in range(n)]


def test_plausible_steps_pass():
    steps = alternating_steps()
    kept, dropped = plausible_steps(steps)
    assert kept == steps and dropped == {"stance_out_of_range": 0, "same_foot_twice": 0}


def test_a_stance_no_runner_has_is_dropped_and_counted():
    steps = alternating_steps()
    steps[4] = step("left", steps[4].contact_s, stance_s=1.8)
    kept, dropped = plausible_steps(steps)
    assert len(kept) == len(steps) - 1 and dropped["stance_out_of_range"] == 1


def test_stance_is_judged_in_real_time_in_a_slowed_clip():
    slowed = [step(s.leg, 4 * s.contact_s, stance_s=4 * s.stance_s) for s in alternating_steps()]
    assert len(plausible_steps(slowed)[0]) == 0
    assert len(plausible_steps(slowed, slow_motion_factor=4.0)[0]) == len(slowed)


def test_a_foot_landing_twice_within_its_stride_is_dropped():
    steps = alternating_steps()
    steps.insert(5, step("left", steps[4].contact_s + 0.3))  # left again, where the right should land
    kept, dropped = plausible_steps(sorted(steps, key=lambda s: s.contact_s))
    assert dropped["same_foot_twice"] == 1 and len(kept) == 12


@pytest.mark.parametrize("slowed_by", [1.0, 2.0, 4.0, 8.0])
def test_feet_alternation_frequency_is_the_stride_frequency_in_file_time(slowed_by):
    series, _ = running_series("side", fps=30.0, cadence_spm=170.0, seconds=6.0)
    series = series.replace(time_s=series.time_s * slowed_by)  # the same frames, stored slowed down
    hz = feet_alternation_hz(series)
    assert hz is not None and 120.0 * hz == pytest.approx(170.0 / slowed_by, rel=0.05)


def test_in_a_swapped_stretch_every_measure_of_that_leg_is_dropped():
    t, knee = running_knee()
    swapped = knee.copy()
    swapped[30:36] -= 70
    table = knee_table(swapped, knee).assign(left_fppa_deg=5.0, right_fppa_deg=5.0)
    gated = gate_knee_flexion(table, t)[0]
    assert gated["left_fppa_deg"][30:36].isna().all() and gated["left_fppa_deg"].notna().sum() == len(t) - 6
    assert gated["right_fppa_deg"].notna().all()


def test_a_cadence_no_runner_keeps_up_is_not_given():
    fast = [step("left" if i % 2 == 0 else "right", i * 0.24, stance_s=0.12) for i in range(12)]  # 250/min
    assert cadence_spm(fast) is None
    assert cadence_spm(alternating_steps(step_s=0.3)) == pytest.approx(200.0)


def test_no_angle_is_read_where_another_person_covers_the_subject():
    frames = np.arange(100, 110)
    table = pd.DataFrame(
        {
            "frame": frames,
            "time_s": frames / 30.0,
            "left_fppa_deg": 5.0,
            "right_knee_flexion_deg": 40.0,
            "trunk_lean_deg": 2.0,
        }
    )
    out, blanked = gate_covered(table, frames, [103, 104, 250])
    assert blanked == 2
    assert (
        out.loc[out.frame.isin([103, 104]), ["left_fppa_deg", "right_knee_flexion_deg", "trunk_lean_deg"]]
        .isna()
        .all()
        .all()
    )
    assert out.loc[~out.frame.isin([103, 104])].notna().all().all() and list(out.time_s) == list(table.time_s)
    assert gate_covered(table, frames, []) == (table, 0)


def test_no_angle_is_read_beside_a_moment_the_person_was_hidden():
    frames = np.arange(10)
    table = pd.DataFrame({"frame": frames, "time_s": frames / 30.0, "left_fppa_deg": 5.0, "trunk_lean_deg": 2.0})
    table.loc[4:5, ["left_fppa_deg", "trunk_lean_deg"]] = np.nan  # nobody found
    clear = np.array([True, True, False, False, False, False, False, True, True, True])
    out, blanked = gate_unclear(table, clear)
    assert blanked == 3  # rows 2, 3 and 6: found, not clearly; 4 and 5 had nothing to blank
    assert out.loc[[2, 3, 4, 5, 6], "left_fppa_deg"].isna().all() and out.loc[[0, 1, 7, 8, 9]].notna().all().all()
    assert gate_unclear(table, np.ones(10, dtype=bool)) == (table, 0)


def thigh_pointing_at_the_camera(rows: range, n: int = 120):
    """A person standing seen from the front whose left knee rises toward the hip in `rows` (the
    thigh pointing at the camera: a third of its length left), and a table of thigh angles."""
    frames = []
    for i in range(n):
        points = frontal_skeleton("front")
        if i in rows:
            points["left_knee"] = points["left_knee"] + (0.0, -100.0)
        frames.append(points)
    series = series_from_points(frames)
    table = pd.DataFrame({f"{side}_{m}": np.ones(n) for side in ("left", "right") for m in
                          ("fppa_deg", "hip_adduction_deg", "femoral_adduction_deg", "pelvic_drop_deg")})  # fmt: skip
    return series, table


def test_thigh_angles_are_not_read_where_the_thigh_points_at_the_camera():
    series, table = thigh_pointing_at_the_camera(range(50, 70))
    gated, blanked = gate_foreshortened_thigh(table, series, "front")
    assert blanked == 20
    for m in ("fppa_deg", "hip_adduction_deg", "femoral_adduction_deg"):
        assert gated[f"left_{m}"].isna().to_numpy().nonzero()[0].tolist() == list(range(50, 70))
        assert gated[f"right_{m}"].notna().all()
    assert gated["left_pelvic_drop_deg"].notna().all()  # not drawn along the thigh
    assert gate_foreshortened_thigh(table, series, "side") == (table, 0)


def test_a_repetitions_event_row_keeps_its_thigh_angles():
    """Within a repetition the gate measures the thigh against the repetition's own standing length,
    as assess does where it reads the event: the frame it reads always has its angles."""
    series, table = thigh_pointing_at_the_camera(range(55, 66))
    gated, _ = gate_foreshortened_thigh(table, series, "front", [(40, 80, ("left",))])
    row, where = frontal_event_row(series, "left", 40, 60, 80)
    assert where == "descent" and row == 54 and np.isfinite(gated["left_fppa_deg"][row])
    assert gated["left_fppa_deg"][55:66].isna().all()
