"""The flow's seams: re-grading without pose, edited repetitions, the run context's own log,
progress and cancel."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gaitcheck
from gaitcheck import cli, pipeline, report, store, summary
from gaitcheck.assess import THRESHOLDS
from gaitcheck.context import STAGES, RunContext
from gaitcheck.errors import Cancelled
from gaitcheck.model import Rep, VideoInfo
from gaitcheck.settings import OutputOptions, Settings
from tests.helpers import running_series, squatting_series
from tests.test_assess import info_for, single_leg_squats

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def run(stance: str, movement: str, context: RunContext | None = None):
    series = single_leg_squats(stance, valgus_px=30.0)
    settings = Settings(view="front", movement=movement)
    return pipeline.analyze_landmarks(series, info_for(series), settings, context=context)


def test_the_free_leg_of_each_single_leg_repetition_is_known_before_the_angles():
    """Before, between and after the repetitions too: the free foot is raised before the pelvis
    starts down, so the leg is read one way throughout and its knee flexion does not jump."""
    a = run("right", "single-leg-squat")
    free = pipeline.free_leg_rows(a.segments[0].reps, a.angles["frame"].to_numpy())
    assert not free["right"].any()
    assert free["left"].all()


def test_between_repetitions_on_either_leg_each_row_goes_with_the_nearest():
    reps = [
        Rep(0, 10, 20, 30, 0.33, 0.67, 1.0, stance_leg="right", depth_torso=0.5),
        Rep(1, 60, 70, 80, 2.0, 2.33, 2.67, stance_leg="left", depth_torso=0.5),
    ]
    frames = np.arange(100)
    free = pipeline.free_leg_rows(reps, frames)
    assert free["left"][:45].all() and not free["left"][46:].any()
    assert free["right"][46:].all() and not free["right"][:45].any()
    both = [dataclasses.replace(rep, stance_leg="both") for rep in reps]
    assert not any(rows.any() for rows in pipeline.free_leg_rows(both, frames).values())


def test_regrading_with_another_threshold_needs_no_pose():
    a = run("right", "single-leg-squat")
    assert a.legs["right"].verdict in ("borderline", "valgus")
    lenient = tuple(dataclasses.replace(t, borderline_from=80.0, valgus_from=90.0) for t in THRESHOLDS)
    b = pipeline.assess(a, lenient)
    assert b.legs["right"].verdict == "aligned"
    assert all(r.legs["right"].verdict == "aligned" for r in b.rep_results)
    assert b.threshold is not None and b.threshold.valgus_from == 90.0
    assert a.legs["right"].verdict != "aligned", "the original analysis is unchanged"


def test_an_edited_repetition_is_reassessed():
    a = run("right", "single-leg-squat")
    kept = a.reps[:2]
    b = pipeline.edit_reps(a, kept)
    assert [r.rep for r in b.rep_results] == kept
    assert b.legs["right"].n_events == 2


def test_two_runs_in_two_threads_keep_their_own_log():
    contexts = {"step-down": RunContext(), "single-leg-squat": RunContext()}
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(movement: str) -> None:
        try:
            start.wait()
            for _ in range(3):
                run("left", movement, contexts[movement])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(m,)) for m in contexts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for movement, context in contexts.items():
        other = next(m for m in contexts if m != movement)
        segments = [line for line in context.lines if " view, " in line]
        assert len(segments) == 3 and all(f"front view, {movement}," in line for line in segments)
        assert not any(f"front view, {other}," in line for line in context.lines)


def test_progress_events_name_the_stages():
    events = []
    run("left", "single-leg-squat", RunContext(on_progress=events.append))
    assert {e.stage for e in events} == {"clean", "assess"}
    assert all(e.stage in STAGES and 0 <= e.fraction <= 1 for e in events)


@pytest.mark.video
def test_a_cancelled_run_stops_within_a_second_and_writes_nothing(tmp_path):
    cancelled_at: list[float] = []
    outcome: list[BaseException] = []

    def on_progress(event) -> None:
        if event.stage == "decode/pose" and event.done == 10:
            context.cancel()
            cancelled_at.append(time.perf_counter())

    context = RunContext(on_progress=on_progress)
    out = tmp_path / "results"

    def work() -> None:
        try:
            a = pipeline.analyze(SAMPLES / "squat_front.mp4", context=context)
            gaitcheck.save(a, out)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=60)
    stopped = time.perf_counter()
    assert not thread.is_alive() and len(outcome) == 1 and isinstance(outcome[0], Cancelled)
    assert stopped - cancelled_at[0] < 1.0
    assert not out.exists()


def test_a_cancel_while_writing_outputs_leaves_no_folder(tmp_path):
    a = run("left", "single-leg-squat")
    context = RunContext()
    context.cancel()
    out = tmp_path / "results"
    with pytest.raises(Cancelled), store.staged(out) as stage:
        store.save(a, stage)
        report.write(a, stage, OutputOptions(annotated_video=False), context=context)
    assert not out.exists()


# ------------------------------------------------------------------------------------------------
# slowed-down clips: real-time figures withheld
# ------------------------------------------------------------------------------------------------
RUN_SETTINGS = Settings(view="front", movement="run", calibrate=False)  # exact landmarks: nothing to calibrate


def running(slowed_by: float = 1.0, settings: Settings = RUN_SETTINGS):
    """Running at 180 steps/min filmed at 120 fps; `slowed_by` > 1: the same frames stored as a
    slowed-down file (timestamps stretched, the file's frame rate divided) with no metadata saying so."""
    series, _ = running_series("front", 120.0, cadence_spm=180.0, seconds=6.0)
    series = series.replace(time_s=series.time_s * slowed_by)
    info = dataclasses.replace(info_for(series), fps=120.0 / slowed_by)
    return pipeline.analyze_landmarks(series, info, settings)


@pytest.fixture(scope="module")
def real_time():
    return running()


@pytest.fixture(scope="module")
def slowed():
    return running(4.0)


def test_a_real_time_running_clip_reports_cadence_and_stance(real_time):
    s = summary.build(real_time)
    assert real_time.slow_motion_suspected is None and s["slow_motion_suspected"] is None
    assert "slow-motion-suspected" not in [i.code for i in real_time.issues]
    assert s["cadence_spm"] == pytest.approx(180.0, rel=0.03)
    assert all(step["stance_s"] > 0 and step["measures"]["stance_s"] > 0 for step in s["steps"])
    assert all("stance_s" in s["legs"][side]["measures"] for side in ("left", "right"))


def test_a_slowed_down_clip_withholds_cadence_and_stance_time(real_time, slowed):
    issue = next(i for i in slowed.issues if i.code == "slow-motion-suspected")
    assert "45 steps/min" in issue.text and "about 4x" in issue.text
    assert slowed.slow_motion_suspected is not None and slowed.slow_motion_suspected.factor == 4.0
    s = summary.build(slowed)
    assert s["slow_motion_suspected"] == {"factor": 4.0, "apparent_cadence_spm": pytest.approx(45.0, rel=0.03)}
    assert s["cadence_spm"] is None and all(g["cadence_spm"] is None for g in s["segments"])
    assert s["steps"] and all(step["stance_s"] is None for step in s["steps"])
    assert all(step["measures"]["stance_s"] is None for step in s["steps"])
    assert all("stance_s" not in s["legs"][side]["measures"] for side in ("left", "right"))
    # what does not depend on time is still there: the steps, their angles and every grade
    assert len(slowed.steps) == len(real_time.steps)
    assert [p.graded.verdict for p in slowed.step_results] == [p.graded.verdict for p in real_time.step_results]
    assert {side: leg.verdict for side, leg in slowed.legs.items()} == {
        side: leg.verdict for side, leg in real_time.legs.items()
    }
    for slow, real in zip(slowed.step_results, real_time.step_results, strict=True):
        assert slow.graded.measures["fppa_deg"] == pytest.approx(real.graded.measures["fppa_deg"], abs=0.5)
    # the model keeps the file's own times: only what summary.json shows is withheld
    assert all(p.step.stance_s > 0 for p in slowed.step_results)


def test_a_given_capture_rate_stops_the_withholding_and_the_gates_judge_what_it_implies(slowed):
    """With landmarks alone, giving `capture_fps` says the timestamps are real (for a video file,
    `probe_video` turns the capture rate into real timestamps before anything is measured). These
    timestamps are 4x stretched, so taken as real they mean 0.8 s stances at 45 steps/min: no
    runner does that, so the plausibility gates drop every step, count them and say so."""
    told = running(4.0, RUN_SETTINGS.replace(capture_fps=120.0))
    assert told.slow_motion_suspected is None
    assert "slow-motion-suspected" not in [i.code for i in told.issues]
    s = summary.build(told)
    assert s["cadence_spm"] is None and s["steps"] == []
    assert s["cleaning"]["plausibility"]["stance_out_of_range"] == len(slowed.steps) > 0
    issue = next(i for i in told.issues if i.code == "implausible-dropped")
    assert f"{len(slowed.steps)} steps" in issue.text


def test_metadata_slow_motion_factor_means_real_timestamps(slowed):
    video = dataclasses.replace(slowed.video, slow_motion_factor=4.0)  # the file said so (metadata)
    known = pipeline.assess(dataclasses.replace(slowed, video=video))
    assert known.slow_motion_suspected is None and summary.build(known)["cadence_spm"] is not None


def test_a_slowed_down_result_folder_round_trips_and_reports_no_real_time_figures(slowed, tmp_path):
    store.save(slowed, tmp_path)
    loaded = gaitcheck.load(tmp_path)
    assert loaded.slow_motion_suspected == slowed.slow_motion_suspected
    assert summary.build(loaded) == json.loads((tmp_path / store.SUMMARY_JSON).read_text())
    said = "cadence withheld (the clip looks slowed down about 4x; give --capture-fps)"
    assert said in cli.describe(slowed, tmp_path) and said in cli.describe(loaded, tmp_path)
    report.write(loaded, tmp_path, OutputOptions(annotated_video=False))
    reps = pd.read_csv(tmp_path / "reps.csv")
    assert len(reps) == len(slowed.steps) and reps["stance_s"].isna().all()
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Stance time" not in html and "withheld: the clip looks slowed down about 4\u00d7" in html
    assert html.count("steps/min") == 1, "only the warning's apparent cadence, said to be the file's"


@pytest.mark.parametrize(
    ("fps", "movement", "stride"),
    [(30.0, "auto", 1), (60.0, "squat", 1), (120.0, "squat", 2), (240.0, "auto", 4), (240.0, "step-down", 4),
     (239.76, "squat", 4), (100.0, "lunge", 2), (240.0, "run", 1)],
)  # fmt: skip
def test_slow_motion_is_posed_at_the_rate_squat_like_tasks_need(fps, movement, stride):
    info = VideoInfo("clip.mp4", "mp4", "h264", 720, 1280, 0, fps=fps, n_frames=int(fps * 5), duration_s=5.0)
    assert pipeline.pose_stride(info, Settings(movement=movement)) == stride
    assert pipeline.pose_stride(info, Settings(movement=movement, max_pose_fps=0)) == 1


# ------------------------------------------------------------------------------------------------
# someone passing in front: the person hidden for a moment
# ------------------------------------------------------------------------------------------------
def test_a_person_hidden_for_a_moment_is_analysed_across_it_without_angles_beside_it():
    """A bilateral squat (5 repetitions of 2 s) in which the person is not found for 0.5 s just
    after the third bottom: one part, every repetition counted, nothing read within 0.4 s of the
    gap (where a passer-by covers part of the body), and the report says so."""
    series = squatting_series(300, fps=30.0, reps=5.0)  # bottoms at rows 30, 90, 150, 210, 270
    image, world = series.image_px.copy(), series.world_m.copy()
    image[152:167], world[152:167] = float("nan"), float("nan")
    a = pipeline.analyze_landmarks(series.replace(image_px=image, world_m=world), info_for(series), Settings())
    assert [(s.start_row, s.stop_row) for s in a.segments] == [(0, 300)]
    assert a.movement.value == "squat"
    hidden_rep = next(r for r in a.reps if r.start_frame < 152 < r.end_frame)
    assert len(a.reps) == 5 and hidden_rep.bottom_frame == 150
    beside = a.angles.frame.between(141, 177)
    assert a.angles.loc[beside, "left_fppa_deg"].isna().all() and a.angles.loc[~beside].left_fppa_deg.notna().any()
    hidden_result = next(r for r in a.rep_results if r.rep.index == hidden_rep.index)
    assert [leg.verdict for leg in hidden_result.legs.values()] == ["insufficient-data"] * 2
    issue = next(i for i in a.issues if i.code == "hidden-moment")
    assert "0.5 s at 5.1 s" in issue.text


def test_the_verdicts_rest_on_a_movement_seen_rather_than_guessed():
    """Bystander render 22: two parts with one repetition each; the first's movement was
    gaitcheck's fallback (no repetition read clearly), the second's a step-down seen in the feet.
    Of parts with as many events, the one whose movement was seen is the main one, however long."""
    from gaitcheck.model import Detected, Rep, Segment

    def part(index: int, rows: tuple[int, int], movement: Detected) -> Segment:
        rep = Rep(0, rows[0], rows[0] + 10, rows[0] + 20, 0.0, 0.3, 0.6, "left", 0.4)
        front = Detected("front", 1.0)
        return Segment(index, rows[0], rows[1], rows[0] / 30, rows[1] / 30, front, movement, reps=[rep])

    guessed = Detected("squat", 0.3, details={"reason": "no repetition seen clearly"})
    seen = Detected("step-down", 0.9, details={"rep_votes": {"step-down": 1}})
    assert pipeline.choose_primary([part(0, (0, 101), guessed), part(1, (157, 236), seen)]) == [1]
    two_guessed = [part(0, (0, 101), guessed), part(1, (120, 140), guessed), part(2, (157, 236), seen)]
    assert pipeline.choose_primary(two_guessed) == [0, 1]  # more repetitions still come first
