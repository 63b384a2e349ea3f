"""Renders that reproduce the failures of issue 10, each analysed end to end by real MediaPipe:
the verdict must be the one the truth earns (or, near a band edge, its neighbour)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gaitcheck
from gaitcheck.synth import Camera, ClipSpec, LegControl, Running, SingleLegSquat, Squat, render_clip
from gaitcheck.synth.body import BODY_PRESETS
from gaitcheck.synth.reference import Reference, load_reference

pytestmark = [pytest.mark.synth, pytest.mark.slow]

pytest.importorskip("anny")  # the optional extra

CAMERA = Camera(height_m=0.9, distance_m=3.2, width_px=480, height_px=854, fps=30.0)


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    folder: Path = tmp_path_factory.mktemp("regressions")
    cache: dict[str, tuple[gaitcheck.Analysis, Reference]] = {}

    def run(name: str, spec: ClipSpec, **settings) -> tuple[gaitcheck.Analysis, Reference]:
        if name not in cache:
            path = folder / f"{name}.mp4"
            render_clip(spec, path)
            cache[name] = (gaitcheck.analyze(path, **settings), load_reference(path))
        return cache[name]

    return run


def test_an_aligned_squat_over_turned_out_feet_is_not_valgus(analysed):
    """Knees tracking over feet turned out 28 deg (true FPPA about -5 deg) were graded valgus on
    both legs by the knee-over-foot-midline rule."""
    legs = LegControl(valgus_deg=-5.0, knee_flexion_deg=95.0, toe_out_deg=28.0)
    spec = ClipSpec(Squat(reps=3, rep_s=2.2, left=legs, right=legs, stance_width_m=0.45), BODY_PRESETS["male"], CAMERA)
    analysis, ref = analysed("toe_out_squat", spec)
    assert len(analysis.reps) == 3
    for side in ("left", "right"):
        assert ref.verdicts()[side].verdict == "aligned"
        shift = analysis.legs[side].measures["knee_medial_shift"]["mean"]
        # the knees stay over the ankles: measured on the aligned side of the 0.05 edge, and within
        # the 0.06 margin of it the honest grade is borderline (issue 10 item 4), never valgus. The
        # left leg read -0.00 here on 2026-12-04 after passing as aligned the day before (anny and
        # torch, which draw the body, are not pinned).
        assert shift < 0.05, analysis.legs[side].reasons
        expected = ("aligned", "borderline") if shift > 0.05 - 0.06 else ("aligned",)
        assert analysis.legs[side].verdict in expected, analysis.legs[side].reasons


def test_caving_then_corrected_repetitions_are_graded_rep_by_rep(analysed):
    """Knees caving in on the first repetitions and pushed out on the last ones, in one clip."""
    legs = LegControl(valgus_deg=(22.0, -6.0), knee_flexion_deg=85.0, toe_out_deg=12.0)
    spec = ClipSpec(Squat(reps=4, rep_s=2.2, left=legs, right=legs), BODY_PRESETS["female"], CAMERA)
    analysis, _ = analysed("cave_then_corrected", spec)
    assert len(analysis.rep_results) == 4
    first, last = analysis.rep_results[0], analysis.rep_results[-1]
    for side in ("left", "right"):
        assert first.legs[side].verdict in ("borderline", "valgus"), first.legs[side].measures
        assert last.legs[side].verdict == "aligned", last.legs[side].measures
        fppa = [r.legs[side].measures["fppa_deg"] for r in analysis.rep_results]
        assert fppa[0] - fppa[-1] > 12.0  # the change is measured, not just crossed


def test_a_single_leg_squat_just_inside_the_borderline_band_is_not_called_aligned(analysed):
    """True FPPA 13.7 deg at the bottom was graded aligned. (The spec's valgus is the rig's FPPA; the
    truth is read at anatomical hip joint centres, a few degrees less: see synth.reference.)"""
    spec = ClipSpec(
        SingleLegSquat(reps=3, stance="right", stance_leg=LegControl(valgus_deg=18.0, knee_flexion_deg=60.0)),
        BODY_PRESETS["athletic_female"],
        CAMERA,
    )
    analysis, ref = analysed("sls_13_7", spec)
    truth = np.mean([e["fppa_deg"] for e in ref.event_measures(ref.truth, ref.series)["right"]])
    assert 12.5 <= truth <= 15.0 and ref.verdicts()["right"].verdict == "borderline"
    assert analysis.legs["right"].verdict in ("borderline", "valgus"), analysis.legs["right"].reasons


def test_pelvic_drop_under_a_raised_free_thigh_is_labelled_not_trusted(analysed):
    """With the free thigh raised, MediaPipe's free-side hip point rides up with it and the pelvic
    drop reads low. No correction held up on held-out free-leg styles (docs/accuracy.md), so the
    verdict must not let a small reading clear the pelvis: its reasons say the value reads low."""
    spec = ClipSpec(
        SingleLegSquat(
            reps=3,
            stance="left",
            stance_leg=LegControl(valgus_deg=26.0, knee_flexion_deg=60.0, pelvic_drop_deg=8.0),
            free_leg="high",
        ),
        BODY_PRESETS["male"],
        CAMERA,
    )
    analysis, ref = analysed("sls_high_free_thigh", spec)
    truth = np.mean([e["pelvic_drop_deg"] for e in ref.event_measures(ref.truth, ref.series)["left"]])
    leg = analysis.legs["left"]
    assert truth > 6.0 and leg.verdict in ("borderline", "valgus")
    if leg.measures["pelvic_drop_deg"]["mean"] < 5.0:  # read below the pelvic-drop criterion
        assert any("reads about" in r and "low" in r for r in leg.reasons), leg.reasons


def test_a_runner_filmed_from_behind_30_deg_off_square_is_graded(analysed):
    """From behind, MediaPipe's hip line turns further than the body: read from both lines, the
    camera's turn read 36.5 deg here, past the 35 deg where gaitcheck declines to grade (two running
    renders of docs/accuracy.md were declined so). From the shoulder line alone it reads near 30."""
    camera = Camera(height_m=0.9, distance_m=3.5, yaw_deg=150.0, width_px=480, height_px=854, fps=30.0)
    analysis, _ = analysed("run_behind_30", ClipSpec(Running(duration_s=4.0), BODY_PRESETS["male"], camera))
    assert abs(analysis.view.turn_deg - 30.0) < 5.0, analysis.view
    for side in ("left", "right"):
        assert analysis.legs[side].verdict != "insufficient-data", analysis.legs[side].reasons
