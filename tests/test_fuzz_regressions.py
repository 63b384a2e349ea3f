"""What benchmarks/fuzz.py found, kept: each failed with something other than one sentence."""

from __future__ import annotations

import numpy as np
import pytest

from gaitcheck import pipeline
from gaitcheck.cli import main
from gaitcheck.errors import InputError
from gaitcheck.model import VideoInfo
from gaitcheck.settings import Settings, read_toml
from tests.helpers import squatting_series


@pytest.mark.parametrize("value", ["inf", "1e400", "-inf"])
def test_an_infinite_whole_number_setting_is_refused(tmp_path, value):
    """OverflowError: cannot convert float infinity to integer."""
    config = tmp_path / "settings.toml"
    config.write_text(f"max_inference_side_px = {value}\n", encoding="utf-8")
    with pytest.raises(InputError, match="max_inference_side_px"):
        read_toml(config)
    with pytest.raises(InputError, match="max_frames"):
        Settings.from_mapping({"max_frames": float(value)})


@pytest.mark.parametrize("damage", ["repeated", "all-equal", "nan", "backwards"])
def test_landmark_times_that_do_not_increase_are_refused(damage):
    """ZeroDivisionError in detect.view_track: hand-edited saved landmarks with repeated times."""
    series = squatting_series(40)
    times = series.time_s.copy()
    if damage == "repeated":
        times[10:] = times[10]
    elif damage == "all-equal":
        times[:] = 0.0
    elif damage == "nan":
        times[5] = np.nan
    else:
        times[20] = times[3]
    info = VideoInfo("clip.mp4", "mp4", "h264", 640, 720, 0, 30.0, 40, 40 / 30)
    with pytest.raises(InputError, match="times that are missing or not increasing"):
        pipeline.analyze_landmarks(series.replace(time_s=times), info, Settings(movement="squat", view="front"))


def test_an_argument_with_a_line_break_gives_one_line(capsys):
    """The error quoted the argument, line break and all: two lines on the terminal."""
    assert main(["analyze", "clip.mp4", "--no-such", "line\nbreak"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("gaitcheck: error: ")


@pytest.mark.parametrize("name", ["view", "movement", "subject"])
def test_a_setting_value_with_a_line_break_is_quoted_on_one_line(name):
    """The message quoted the value as it was: a line break in it split the sentence."""
    with pytest.raises(InputError) as refused:
        Settings.from_mapping({name: "front\nback"})
    assert "\n" not in str(refused.value) and "'front\\nback'" in str(refused.value)
