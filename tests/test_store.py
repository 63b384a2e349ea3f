"""Result folders: what store.save writes, store.load reads back as the same analysis."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import gaitcheck
from gaitcheck import pipeline, store, summary
from gaitcheck.errors import InputError
from gaitcheck.settings import Settings
from tests.test_assess import info_for, single_leg_squats


@pytest.fixture(scope="module")
def analysis():
    series = single_leg_squats("right", valgus_px=30.0)
    return pipeline.analyze_landmarks(series, info_for(series), Settings(view="front", movement="single-leg-squat"))


def test_round_trip_gives_the_same_analysis(analysis, tmp_path):
    store.save(analysis, tmp_path)
    loaded = gaitcheck.load(tmp_path)
    assert summary.build(loaded) == json.loads((tmp_path / store.SUMMARY_JSON).read_text())
    # the files hold angles to 0.001 and landmarks to 6 significant digits
    pd.testing.assert_frame_equal(loaded.angles, analysis.angles, check_exact=False, atol=6e-4, check_dtype=False)
    for kind in ("raw", "clean"):
        a, b = getattr(analysis.landmarks, kind), getattr(loaded.landmarks, kind)
        np.testing.assert_allclose(b.image_px, a.image_px, rtol=1e-5, equal_nan=True)
        np.testing.assert_array_equal(b.detected, a.detected)
    # events are written to the millisecond (and depths to 0.001 torso lengths)
    assert [r.to_json() for r in loaded.reps] == [r.to_json() for r in analysis.reps]
    assert [p.to_json() for p in loaded.steps] == [p.to_json() for p in analysis.steps]
    assert [r.legs.keys() for r in loaded.rep_results] == [r.legs.keys() for r in analysis.rep_results]
    for old, new in zip(analysis.rep_results, loaded.rep_results, strict=True):
        for side in old.legs:
            assert new.legs[side].verdict == old.legs[side].verdict
            assert new.legs[side].graded_value == pytest.approx(old.legs[side].graded_value, nan_ok=True)
    assert {s: leg.verdict for s, leg in loaded.legs.items()} == {s: leg.verdict for s, leg in analysis.legs.items()}
    assert loaded.issues == analysis.issues and loaded.threshold == analysis.threshold
    assert loaded.settings == analysis.settings and loaded.video == analysis.video


def test_saving_a_loaded_analysis_writes_the_same_files(analysis, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    store.save(analysis, first)
    store.save(gaitcheck.load(first), second)
    for name in store.DATA_FILES:
        assert (second / name).read_bytes() == (first / name).read_bytes(), name


def test_every_rep_stores_its_own_grade(analysis):
    data = summary.build(analysis)
    for rep in data["reps"]:
        for leg in rep["legs"].values():
            assert leg["verdict"] in gaitcheck.model.VERDICTS
            assert leg["graded_measure"] == "fppa_deg"
    assert data["legs"]["right"]["verdict"] in ("borderline", "valgus")


def test_not_a_result_folder_is_one_clear_error(tmp_path):
    with pytest.raises(InputError, match="not a gaitcheck result folder"):
        gaitcheck.load(tmp_path)
    (tmp_path / "summary.json").write_text("{not json")
    with pytest.raises(InputError, match="unreadable"):
        gaitcheck.load(tmp_path)


def test_staged_folder_is_whole_or_untouched(analysis, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), store.staged(out) as stage:
        store.save(analysis, stage)
        raise RuntimeError("stopped half way")
    assert not out.exists()
    with store.staged(out) as stage:
        store.save(analysis, stage)
    assert sorted(p.name for p in out.iterdir()) == sorted(store.DATA_FILES)
