"""The flow's seams: re-grading without pose, edited repetitions, the run context's own log,
progress and cancel."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import pytest

import gaitcheck
from gaitcheck import pipeline, report, store
from gaitcheck.assess import THRESHOLDS
from gaitcheck.context import STAGES, RunContext
from gaitcheck.errors import Cancelled
from gaitcheck.settings import OutputOptions, Settings
from tests.test_assess import info_for, single_leg_squats

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def run(stance: str, movement: str, context: RunContext | None = None):
    series = single_leg_squats(stance, valgus_px=30.0)
    settings = Settings(view="front", movement=movement)
    return pipeline.analyze_landmarks(series, info_for(series), settings, context=context)


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
