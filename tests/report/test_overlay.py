"""The annotated video's drawing: which landmarks row each video frame shows, and its text panels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gaitcheck.report.overlay import PANEL_OPACITY, PANEL_RGB, Scene, paste_panel, text_panel


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


def test_a_text_panel_darkens_the_frame_behind_it_and_shows_its_text_in_its_colour():
    frame = np.full((120, 400, 3), 255, np.uint8)
    panel = text_panel([[("FPPA ", "#ff0000", True), ("+12 deg", "#00ff00", True)]], size=24)
    paste_panel(frame, panel, 10, 10)
    opacity = PANEL_OPACITY / 255
    backing = np.array(PANEL_RGB) * opacity + 255 * (1 - opacity)
    middle = frame[10 + panel.height // 2, 10 + 3]  # the padding, left of the first letter
    assert np.allclose(middle, backing, atol=1)
    inside = frame[10 : 10 + panel.height, 10 : 10 + panel.width].reshape(-1, 3).astype(int)
    assert ((inside[:, 0] > 200) & (inside[:, 1] < 60)).any()  # red ink
    assert ((inside[:, 1] > 200) & (inside[:, 0] < 60)).any()  # green ink
    assert (frame[:10] == 255).all() and (frame[:, 10 + panel.width :] == 255).all()  # nothing outside


def test_a_panel_past_the_frame_edge_is_clipped():
    frame = np.zeros((50, 60, 3), np.uint8)
    panel = text_panel([[("a long line of text", "#ffffff", False)]], size=16)
    paste_panel(frame, panel, 40, 30)
    paste_panel(frame, panel, -500, -500)  # wholly outside: nothing happens
    assert frame[:30].max() == 0 and frame[:, :40].max() == 0 and frame[30:, 40:].max() > 0


def test_longer_text_makes_a_wider_panel():
    short = text_panel([[("t = 1.00 s", "#ffffff", False)]], size=18)
    longer = text_panel([[("t = 1.00 s", "#ffffff", False)], [("between repetitions", "#ffffff", True)]], size=18)
    assert longer.width > short.width and longer.height > short.height


def test_a_value_put_together_from_its_characters_reads_as_the_font_draws_it():
    """Runs with digits (values, the clock) are composed from remembered characters: the ink
    must sit where the font itself would put it, to a pixel."""
    from PIL import Image, ImageDraw

    from gaitcheck.report.overlay import _font

    text, size = "t = 12.38 s  +7 deg", 18
    panel = text_panel([[(text, "#ffffff", False)]], size=size, pad=0)
    ink = 1.0 - panel.through[..., 0] / (1.0 - PANEL_OPACITY / 255)  # text lets less of the frame through
    font = _font(size)
    drawn = Image.new("L", (panel.width, panel.height), 0)
    ImageDraw.Draw(drawn).text((0, 0), text, font=font, fill=255)
    reference = np.asarray(drawn, dtype=float) / 255.0
    inner = (slice(2, -2), slice(4, -4))  # away from the rounded corners
    assert np.abs(ink[inner] - reference[inner]).mean() < 0.02
    assert (np.abs(ink[inner] - reference[inner]) > 0.5).mean() < 0.01
