"""Side-view running measures (gaitcheck.sagittal): each measure and its sign on hand-built
skeletons, mirrored clips and runners going the other way, what is dropped as implausible, the
real-time figures withheld from a slowed-down clip, summary.json's side_view and the report."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

import gaitcheck
from gaitcheck import events, pipeline, sagittal, store, summary
from gaitcheck.landmarks import INDEX, N_LANDMARKS, PoseSeries
from gaitcheck.model import SagittalRunning, Step
from gaitcheck.report.content import SIDE_VIEW, build_report
from gaitcheck.report.results import Result
from gaitcheck.report.wording import check_wording
from gaitcheck.settings import Settings
from tests.helpers import exact_series, running_series
from tests.test_assess import info_for

FPS = 100.0
FLOOR_Y = 600.0
THIGH, SHANK, FOOT = 100.0, 100.0, 60.0  # px
LIFT = 40.0  # how high a swinging foot is held above the floor, px


def _rad(deg: float) -> float:
    return float(np.radians(deg))


@dataclasses.dataclass
class Pose:
    """One leg's pose at one frame: knee flexion, shank and foot angles (+ forward / toes up)."""

    flexion: float
    shank: float
    foot: float
    lifted: bool = False


def _leg(heel_x: float, pose: Pose, facing: float) -> dict[str, np.ndarray]:
    """Points of a leg built up from its heel (on the floor, or LIFT above it)."""
    a = _rad(pose.foot)
    heel = np.array([heel_x, FLOOR_Y - (LIFT if pose.lifted else 0.0)])
    toe = heel + FOOT * np.array([facing * np.cos(a), -np.sin(a)])
    if pose.foot < 0 and not pose.lifted:  # heel up: the toe tip stays on the floor
        toe[1], heel[1] = FLOOR_Y, FLOOR_Y - FOOT * np.sin(-a)
    ankle = heel + np.array([facing * 10.0, -12.0])
    s, t = _rad(pose.shank), _rad(pose.shank + pose.flexion)
    knee = ankle - SHANK * np.array([facing * np.sin(s), np.cos(s)])
    hip = knee - THIGH * np.array([facing * np.sin(t), np.cos(t)])
    return {"heel": heel, "foot_index": toe, "ankle": ankle, "knee": knee, "hip": hip}


def side_runner(
    steps: list[tuple[str, int, int]],
    n: int = 120,
    facing: float = 1.0,
    contact: Pose | None = None,
    peak_flexion: float = 40.0,
    lean_deg: float = 6.0,
    near: str | None = "right",
) -> PoseSeries:
    """A runner seen side-on (facing +x when `facing` is 1), both hips at one point as side-on.
    Each (leg, contact, toe-off) stance: the contact pose at its first frame, the foot flat on the
    floor after it with the knee bent PEAK at the middle frame, the foot lifted before and after."""
    contact = contact or Pose(flexion=20.0, shank=8.0, foot=10.0)
    image = np.full((n, N_LANDMARKS, 2), np.nan)
    world = np.full((n, N_LANDMARKS, 3), np.nan)
    swing = Pose(flexion=60.0, shank=-20.0, foot=0.0, lifted=True)
    for i in range(n):
        poses: dict[str, tuple[Pose, float]] = {}
        for leg, start, stop in steps:
            if start <= i <= stop:
                middle = (start + stop) // 2
                flexion = peak_flexion if i == middle else 30.0
                pose = contact if i == start else Pose(flexion=flexion, shank=0.0, foot=0.0)
                poses[leg] = (pose, 320.0 - facing * 2.0 * (i - start))  # the belt carries the foot back
        planted = next(iter(poses), None)
        legs = {}
        for leg in ("left", "right"):
            pose, heel_x = poses.get(leg, (swing, 320.0 - facing * 60.0))
            legs[leg] = _leg(heel_x, pose, facing)
        hip = legs[planted]["hip"] if planted else np.array([300.0, 405.0])  # in flight: about stance height
        for leg in ("left", "right"):
            shift = hip - legs[leg]["hip"]  # the swinging leg hangs from the same hip
            if leg not in poses:
                legs[leg] = {k: v + shift for k, v in legs[leg].items()}
            for joint, xy in legs[leg].items():
                image[i, INDEX[f"{leg}_{joint}"]] = xy
            image[i, INDEX[f"{leg}_shoulder"]] = hip + 200.0 * np.array(
                [facing * np.sin(_rad(lean_deg)), -np.cos(_rad(lean_deg))]
            )
        if near is not None:
            for leg in ("left", "right"):
                depth = -0.1 if leg == near else 0.1
                world[i, INDEX[f"{leg}_hip"]] = (0.0, 0.0, depth)
                world[i, INDEX[f"{leg}_shoulder"]] = (0.0, -0.5, depth)
    return exact_series(image, world, FPS, 640, 720)


def step(leg: str, contact: int, toe_off: int) -> Step:
    middle = (contact + toe_off) // 2
    return Step(leg, contact, middle, toe_off, contact / FPS, middle / FPS, toe_off / FPS)  # type: ignore[arg-type]


def measured(series: PoseSeries, steps: list[Step], **kw) -> list:
    return sagittal.step_measures(series, steps, **kw)


# ------------------------------------------------------------------------------------------------
# each measure, its sign and its unit
# ------------------------------------------------------------------------------------------------
EXPECTED_OVERSTRIDE = (-10.0 + SHANK * np.sin(_rad(8.0)) + THIGH * np.sin(_rad(28.0))) / SHANK


def test_a_hand_built_step_gives_its_known_measures():
    series = side_runner([("left", 20, 45)])
    (one,) = measured(series, [step("left", 20, 45)])
    m = one.measures
    assert not one.dropped
    assert m["knee_flexion_contact_deg"] == pytest.approx(20.0, abs=1e-6)
    assert m["knee_flexion_peak_deg"] == pytest.approx(40.0, abs=1e-6)
    assert m["shank_angle_contact_deg"] == pytest.approx(8.0, abs=1e-6)  # + ankle ahead of the knee
    assert m["foot_angle_contact_deg"] == pytest.approx(10.0, abs=1e-6)  # + toes up
    assert m["overstride_shank"] == pytest.approx(EXPECTED_OVERSTRIDE, abs=1e-6)  # + heel ahead of the pelvis
    assert m["trunk_forward_lean_deg"] == pytest.approx(6.0, abs=1e-6)  # + shoulders ahead
    assert m["stance_s"] == pytest.approx(0.25)
    assert one.foot_strike == "rearfoot"


def test_signs_turn_with_the_movement():
    """A forefoot landing under the knee with the trunk leaning back: every sign turns."""
    series = side_runner([("left", 20, 45)], contact=Pose(flexion=15.0, shank=-5.0, foot=-6.0), lean_deg=-3.0)
    (one,) = measured(series, [step("left", 20, 45)])
    m = one.measures
    assert m["shank_angle_contact_deg"] == pytest.approx(-5.0, abs=1e-6)
    assert m["foot_angle_contact_deg"] == pytest.approx(-6.0, abs=1e-6)
    assert m["trunk_forward_lean_deg"] == pytest.approx(-3.0, abs=1e-6)
    assert m["knee_flexion_contact_deg"] == pytest.approx(15.0, abs=1e-6)
    assert one.foot_strike == "forefoot"


def test_a_runner_going_right_to_left_gives_the_same_numbers():
    right = measured(side_runner([("left", 20, 45)]), [step("left", 20, 45)])[0]
    left = measured(side_runner([("left", 20, 45)], facing=-1.0), [step("left", 20, 45)])[0]
    assert sagittal.running_direction(side_runner([("left", 20, 45)], facing=-1.0)) == -1.0
    for name, value in right.measures.items():
        assert left.measures[name] == pytest.approx(value, abs=1e-6, nan_ok=True), name


def test_a_mirrored_clip_gives_the_same_numbers_with_the_legs_swapped():
    plan = [("left", 10, 35), ("right", 45, 70), ("left", 80, 105)]
    series = side_runner(plan, n=130)
    steps = [step(leg, a, b) for leg, a, b in plan]
    mirrored_steps = [dataclasses.replace(s, leg="right" if s.leg == "left" else "left") for s in steps]
    assert sagittal.near_leg(series) == "right" and sagittal.near_leg(series.mirrored()) == "left"
    original = measured(series, steps)
    flipped = measured(series.mirrored(), mirrored_steps)
    for a, b in zip(original, flipped, strict=True):
        assert a.step.leg != b.step.leg
        for name, value in a.measures.items():
            assert b.measures[name] == pytest.approx(value, abs=1e-6, nan_ok=True), name


@pytest.mark.parametrize(
    ("angle", "pattern"),
    [(20.0, "rearfoot"), (7.5, "rearfoot"), (7.4, "midfoot"), (0.0, "midfoot"), (-0.8, "midfoot"),
     (-0.81, "forefoot"), (-15.0, "forefoot"), (float("nan"), None)],
)  # fmt: skip
def test_foot_strike_cut_offs(angle, pattern):
    assert sagittal.foot_strike(angle) == pattern


def test_contact_and_toe_off_are_retimed_from_the_foot_on_the_floor():
    """The reach events land early and leave late; the foot's height puts them back (events does
    this for every side-view step; the rows are first on and one past the last on the floor)."""
    series = side_runner([("left", 20, 45)])
    rows = events.floor_contact_rows(series, "left", 17, 49, sagittal.leg_length_px(series))
    assert rows == (20, 46)


def test_vertical_oscillation_is_the_bounce_without_the_tilt():
    t = np.linspace(0.0, 1.0, 41)
    bounce = 300.0 - 10.0 * np.sin(np.pi * t) + 30.0 * t  # 10 px up and down on a tilted path
    value = sagittal._oscillation(bounce, 0, [0, 40, 80], 40.0, leg_px=200.0)
    assert value == pytest.approx(10.0 / 200.0, rel=1e-3)
    assert np.isnan(sagittal._oscillation(bounce, 0, [0, 80], 40.0, leg_px=200.0))  # a missed contact


# ------------------------------------------------------------------------------------------------
# plausibility: dropped and counted, never reported
# ------------------------------------------------------------------------------------------------
def test_an_implausible_step_is_dropped_from_the_means_and_counted():
    good = side_runner([("left", 20, 45)])
    bad = side_runner([("left", 20, 45)], contact=Pose(flexion=70.0, shank=8.0, foot=10.0))
    (kept,) = measured(good, [step("left", 20, 45)])
    (dropped,) = measured(bad, [step("left", 20, 45)])
    assert dropped.dropped == ("knee_flexion_contact_deg",)
    assert all(np.isnan(v) for v in dropped.measures.values()) and dropped.foot_strike is None
    leg = sagittal.leg_summary([kept, dropped])
    assert (leg.n_steps, leg.n_dropped, leg.dropped) == (2, 1, {"knee_flexion_contact_deg": 1})
    assert leg.measures["knee_flexion_contact_deg"] == {"mean": 20.0, "sd": 0.0, "n": 1}
    assert leg.foot_strikes == {"rearfoot": 1, "midfoot": 0, "forefoot": 0}


def test_stance_time_is_checked_only_in_real_time():
    series = side_runner([("left", 10, 80)], n=100)  # 0.7 s on the floor
    (real,) = measured(series, [step("left", 10, 80)])
    (slowed,) = measured(series, [step("left", 10, 80)], real_time=False)
    assert real.dropped == ("stance_s",)
    assert not slowed.dropped and slowed.measures["stance_s"] == pytest.approx(0.7)


@pytest.mark.parametrize("per_leg", [1, sagittal.MIN_STEPS_PER_LEG])
def test_left_minus_right_with_its_measurement_error(per_leg):
    plan = [(("left", "right")[k % 2], 10 + 35 * k, 35 + 35 * k) for k in range(2 * per_leg)]
    series = side_runner(plan, n=35 * len(plan) + 20)
    steps = measured(series, [step(leg, a, b) for leg, a, b in plan])
    legs = {side: sagittal.leg_summary([s for s in steps if s.step.leg == side]) for side in ("left", "right")}
    diff = sagittal.left_minus_right(legs)
    assert diff["knee_flexion_contact_deg"]["left_minus_right"] == pytest.approx(0.0, abs=1e-6)
    assert diff["knee_flexion_contact_deg"]["measurement_error"] == 3.8
    # within the error, judged only on stable means (>= 7 steps per leg, Dingenen 2018)
    assert diff["knee_flexion_contact_deg"]["beyond_error"] is (False if per_leg >= 7 else None)
    assert diff["overstride_shank"]["measurement_error"] is None


# ------------------------------------------------------------------------------------------------
# through the pipeline: summary.json, withheld real-time figures, round trip, report
# ------------------------------------------------------------------------------------------------
RUN_SIDE = Settings(view="side", movement="run")


def _run(slowed_by: float = 1.0, view: str = "side"):
    series, _ = running_series(view, fps=60.0, cadence_spm=170.0, seconds=4.0)
    series = series.replace(time_s=series.time_s * slowed_by)
    info = dataclasses.replace(info_for(series), fps=60.0 / slowed_by)
    return pipeline.analyze_landmarks(series, info, Settings(view=view, movement="run"))


@pytest.fixture(scope="module")
def side_run():
    return _run()


@pytest.fixture(scope="module")
def slowed_side_run():
    return _run(4.0)


def test_side_view_running_gets_sagittal_measures(side_run):
    s = summary.build(side_run)["side_view"]
    assert isinstance(side_run.sagittal, SagittalRunning)
    assert set(s) == {
        "segments", "direction", "near_leg", "cadence_spm", "legs", "left_minus_right", "steps",
        "definitions", "plausible_range", "foot_strike_rule", "min_steps_per_leg",
    }  # fmt: skip
    assert s["direction"] == "right" and s["cadence_spm"] == pytest.approx(170.0, rel=0.03)
    for side in ("left", "right"):
        leg = s["legs"][side]
        assert set(leg) == {"n_steps", "n_dropped", "dropped", "measures", "foot_strike", "foot_strikes"}
        assert leg["n_steps"] >= 4
        assert set(leg["measures"]) == set(sagittal.SAGITTAL_MEASURES)
        assert set(leg["measures"]["stance_s"]) == {"mean", "sd", "n"}
        assert 0.2 < leg["measures"]["stance_s"]["mean"] < 0.3  # the helper's stance: 0.25 s
    assert set(s["steps"][0]) >= {"leg", "contact_frame", "toe_off_frame", "stance_s", "measures", "foot_strike"}
    assert set(s["left_minus_right"]["knee_flexion_contact_deg"]) == {
        "left_minus_right", "measurement_error", "beyond_error", "source",
    }  # fmt: skip


def test_frontal_views_have_no_side_view():
    back = _run(view="back")
    assert back.sagittal is None and summary.build(back)["side_view"] is None


def test_a_slowed_down_clip_withholds_cadence_and_stance_time(side_run, slowed_side_run):
    assert slowed_side_run.slow_motion_suspected is not None
    s = summary.build(slowed_side_run)["side_view"]
    assert s["cadence_spm"] is None
    assert all(p["stance_s"] is None and p["measures"]["stance_s"] is None for p in s["steps"])
    assert all("stance_s" not in leg["measures"] for leg in s["legs"].values())
    assert "stance_s" not in s["left_minus_right"]
    # what does not depend on time is still there (filtered at the file's rate, so not identical)
    real = summary.build(side_run)["side_view"]
    for side in ("left", "right"):
        assert set(s["legs"][side]["measures"]) == set(real["legs"][side]["measures"]) - {"stance_s"}
        for name in ("knee_flexion_contact_deg", "shank_angle_contact_deg", "foot_angle_contact_deg"):
            slow, fast = s["legs"][side]["measures"][name]["mean"], real["legs"][side]["measures"][name]["mean"]
            assert slow == pytest.approx(fast, abs=1.5), name
    # the model keeps the file's own times (as Step does); only what is shown is withheld
    assert all(p.measures["stance_s"] > 0.5 for p in slowed_side_run.sagittal.steps if not p.dropped)


def test_a_result_folder_round_trips_the_side_view(side_run, slowed_side_run, tmp_path):
    for name, analysis in (("real", side_run), ("slowed", slowed_side_run)):
        folder = tmp_path / name
        store.save(analysis, folder)
        loaded = gaitcheck.load(folder)
        assert summary.build(loaded) == json.loads((folder / store.SUMMARY_JSON).read_text())
        assert loaded.sagittal is not None and len(loaded.sagittal.steps) == len(analysis.sagittal.steps)
        again = tmp_path / f"{name}-again"
        store.save(loaded, again)
        assert (again / store.SUMMARY_JSON).read_bytes() == (folder / store.SUMMARY_JSON).read_bytes()


def test_the_report_has_a_side_view_section_that_describes(side_run, slowed_side_run):
    for analysis in (side_run, slowed_side_run):
        doc = build_report(Result.from_analysis(analysis), {}, [], [])
        assert SIDE_VIEW in doc.headings()
        section = next(s for s in doc.sections if s.title == SIDE_VIEW)
        text = json.dumps([dataclasses.asdict(b) for b in section.blocks if dataclasses.is_dataclass(b)])
        assert "Knee flexion at contact" in text and "film from behind" in text
        assert not check_wording(text)
        assert ("withheld" in text) == (analysis is slowed_side_run)
        assert ("Stance time" in text) == (analysis is side_run)
    frontal = build_report(Result.from_analysis(_run(view="back")), {}, [], [])
    assert SIDE_VIEW not in frontal.headings()
