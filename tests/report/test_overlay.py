"""The annotated video's drawing: which landmarks row each video frame shows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gaitcheck.report.overlay import Scene


def _scene(frames: list[int]) -> Scene:
    n = len(frames)
    return Scene(
        points=np.zeros((n, 33, 2)), faces=None, verdicts={}, angles=pd.DataFrame(), events=[""] * n,
        frontal=np.ones(n, dtype=bool), row_of={f: i for i, f in enumerate(frames)},
    )  # fmt: skip


def test_every_frame_of_a_fully_posed_clip_shows_its_own_row():
    scene = _scene(list(range(10)))
    assert [scene.row_for(f) for f in range(10)] == list(range(10))


def test_a_clip_posed_on_every_4th_frame_holds_the_last_posed_row_until_the_next():
    scene = _scene([0, 4, 8, 12])
    assert [scene.row_for(f) for f in range(16)] == [0] * 4 + [1] * 4 + [2] * 4 + [3] * 4
    assert scene.row_for(16) is None  # past the last posed frame's span: nothing is drawn


def test_frames_outside_the_posed_stretch_show_nothing():
    scene = _scene([10, 11, 12])
    assert scene.row_for(9) is None and scene.row_for(13) is None
