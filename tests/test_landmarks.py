"""The PoseSeries data model: names, mirroring, and its CSV round trip."""

from __future__ import annotations

import numpy as np

from gaitcheck import landmarks
from gaitcheck.landmarks import INDEX, LANDMARK_NAMES, MIRROR, PAIRS, PoseSeries
from tests.helpers import squatting_series


def test_mediapipe_order_and_pairs():
    assert len(LANDMARK_NAMES) == 33
    assert INDEX["left_hip"] == 23 and INDEX["right_ankle"] == 28 and INDEX["right_foot_index"] == 32
    assert all(LANDMARK_NAMES[r] == LANDMARK_NAMES[left].replace("left", "right") for left, r in PAIRS)
    assert (MIRROR[MIRROR] == np.arange(33)).all()


def test_mirroring_twice_is_identity():
    s = squatting_series(10)
    twice = s.mirrored().mirrored()
    np.testing.assert_allclose(twice.image_px, s.image_px)
    np.testing.assert_allclose(twice.world_m, s.world_m)


def test_mirrored_swaps_sides_and_reflects_x():
    s = squatting_series(5)
    m = s.mirrored()
    np.testing.assert_allclose(m.px("left_knee")[:, 0], s.width_px - s.px("right_knee")[:, 0])
    np.testing.assert_allclose(m.px("left_knee")[:, 1], s.px("right_knee")[:, 1])


def test_csv_round_trip(tmp_path):
    s = squatting_series(12)
    s.image_px[3, 5] = np.nan
    s.save_csv(tmp_path / "lm.csv")
    back = PoseSeries.load_csv(tmp_path / "lm.csv", s.width_px, s.height_px)
    np.testing.assert_allclose(back.image_px, s.image_px, rtol=1e-5)
    np.testing.assert_allclose(back.world_m, s.world_m, rtol=1e-5, atol=1e-9)
    np.testing.assert_array_equal(back.detected, s.detected)
    np.testing.assert_allclose(back.time_s, s.time_s, rtol=1e-5)


def test_columns_say_unit_and_side(tmp_path):
    columns = squatting_series(2).to_dataframe().columns
    assert "left_knee_x_px" in columns and "right_ankle_z_m" in columns and "nose_visibility" in columns


def test_csv_written_in_blocks_is_the_whole_table(tmp_path, monkeypatch):
    series = squatting_series(50)
    whole = tmp_path / "whole.csv"
    series.to_dataframe().to_csv(whole, index=False, float_format="%.6g")
    monkeypatch.setattr(landmarks, "CSV_BLOCK_ROWS", 7)
    blocks = tmp_path / "blocks.csv"
    series.save_csv(blocks)
    assert blocks.read_bytes() == whole.read_bytes()
    empty = tmp_path / "empty.csv"
    series.select(slice(0, 0)).save_csv(empty)
    assert empty.read_text().count("\n") == 1  # the header only
