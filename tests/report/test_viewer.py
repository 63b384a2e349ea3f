"""gaitcheck.report.viewer: the data of the interactive curves (fast, from hand-made landmarks and
tables) and the curves themselves in a real headless Chromium, under the annotated video of a sample
clip in report.html (slow: one real analysis, then the page driven by Playwright)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gaitcheck.pipeline import analyze_landmarks
from gaitcheck.report import content
from gaitcheck.report.document import Viewer
from gaitcheck.report.html import render_html
from gaitcheck.report.results import Result
from gaitcheck.report.viewer import DATA_VERSION, data_json, viewer_css, viewer_data, viewer_script
from gaitcheck.settings import Settings
from tests.test_assess import info_for, single_leg_squats

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
#: The sample with the fewest frames (234, 7.8 s at 30 fps) that has repetitions seen from the front.
SHORT_CLIP = SAMPLES / "squat_front.mp4"
CHROMIUM = "/usr/bin/chromium"


# ------------------------------------------------------------------------------------------------
# the data (fast)
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def squats():
    """Right single-leg squats with a known valgus, analysed from exact landmarks (no video)."""
    series = single_leg_squats("right", valgus_px=45.0, n_reps=3)
    return analyze_landmarks(series, info_for(series), Settings(view="front", movement="single-leg-squat"))


def test_viewer_data_has_one_series_per_leg_and_the_times(squats):
    data = viewer_data(squats)
    assert data["version"] == DATA_VERSION
    assert data["fps"] == pytest.approx(30.0)
    n = len(squats.angles)
    assert len(data["time_s"]) == len(data["frame"]) == n
    assert data["time_s"] == sorted(data["time_s"])
    keys = [m["key"] for m in data["measures"]]
    assert keys[0] == "fppa_deg" and "hip_adduction_deg" in keys and "pelvic_drop_deg" in keys
    fppa = data["measures"][0]
    assert set(fppa["series"]) == {"left", "right"} and fppa["label"] == "Knee FPPA" and fppa["unit"] == "deg"
    assert all(len(values) == n for m in data["measures"] for values in m["series"].values())
    right = np.array(fppa["series"]["right"], dtype=float)
    assert right == pytest.approx(squats.angles["right_fppa_deg"].to_numpy(float), abs=1e-3, nan_ok=True)
    assert np.nanmax(right) > np.nanmax(np.array(fppa["series"]["left"], dtype=float)) + 5  # the valgus leg
    assert data["colours"]["leg"]["left"] != data["colours"]["leg"]["right"]
    json.loads(data_json(data))  # strict JSON: no NaN


def test_viewer_data_reps_lie_inside_the_clip_with_their_key_moment(squats):
    data = viewer_data(squats)
    end = data["time_s"][-1]
    rows = data["events"]
    assert [r["number"] for r in rows] == [1, 2, 3] and {r["leg"] for r in rows} == {"right"}
    for row in rows:
        assert 0 <= row["start_s"] < row["key_s"] < row["end_s"] <= end
        assert data["time_s"][data["frame"].index(row["key_frame"])] == pytest.approx(row["key_s"], abs=1e-3)
        assert row["verdict"] in data["colours"]["verdict"]
    assert [(s["start_s"], s["end_s"], s["leg"]) for s in data["spans"]] == [
        (r["start_s"], r["end_s"], "right") for r in rows
    ]
    fppa = data["measures"][0]
    assert fppa["bands"] is not None  # graded on FPPA: the bands of the static plots
    low, high = fppa["bands"]["borderline"]
    assert low < high == fppa["bands"]["valgus"][0] < fppa["bands"]["valgus"][1]
    assert all(m["bands"] is None for m in data["measures"][1:])


def hand_made_run() -> Result:
    """Two steps of a run whose left knee is lost for a while (NaN) and a whole-body trunk curve."""
    t = np.arange(60) / 60.0
    left = np.sin(t * 6)
    left[10:20] = np.nan
    angles = pd.DataFrame(
        {
            "frame": np.arange(60),
            "time_s": t,
            "left_fppa_deg": left,
            "right_fppa_deg": np.cos(t * 6),
            "trunk_lean_deg": np.full(60, np.inf),
        }
    )
    angles.loc[5, "trunk_lean_deg"] = 1.5
    steps = [
        {"leg": leg, "contact_frame": a, "midstance_frame": a + 5, "toe_off_frame": a + 10, "contact_s": a / 60,
         "midstance_s": (a + 5) / 60, "toe_off_s": (a + 10) / 60, "segment": 0, "measures": {"fppa_deg": 1.0},
         "graded_measure": "fppa_deg", "verdict": "aligned"}
        for leg, a in (("left", 5), ("right", 35))
    ]  # fmt: skip
    summary = {
        "video": {"fps": 60.0, "duration_s": 1.0, "path": "run.mp4"},
        "movement": {"value": "run"},
        "steps": steps,
        "legs": {"left": {"verdict": "aligned"}, "right": {"verdict": "insufficient-data"}},
    }
    return Result(summary=summary, angles=angles)


def test_viewer_data_writes_missing_values_as_null_and_steps_by_leg():
    data = viewer_data(hand_made_run())
    fppa = next(m for m in data["measures"] if m["key"] == "fppa_deg")
    assert fppa["series"]["left"][10:20] == [None] * 10 and fppa["series"]["left"][9] is not None
    trunk = next(m for m in data["measures"] if m["key"] == "trunk_lean_deg")
    assert set(trunk["series"]) == {"both"} and trunk["series"]["both"][5] == 1.5
    assert trunk["series"]["both"].count(None) == 59  # infinities too
    assert data["event"] == "step" and data["key_moment"] == "midstance"
    assert [(e["leg"], e["key_frame"]) for e in data["events"]] == [("left", 10), ("right", 40)]
    assert [s["leg"] for s in data["spans"]] == ["left", "right"]
    text = data_json(data)
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["measures"][0]["series"]["left"][12] is None


def test_the_script_and_styles_ship_in_the_package():
    script = viewer_script()
    assert "GaitcheckViewer" in script and "requestVideoFrameCallback" in script
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", script)  # nothing fetched
    assert ".gv" in viewer_css() and "url(" not in viewer_css()


def test_data_cannot_close_its_script_element():
    text = data_json({"label": "</script><script>alert(1)</script>"})
    assert "</" not in text and json.loads(text)["label"].startswith("</script>")


def test_the_viewer_is_on_screen_only(squats):
    """report.html gets the video block inline; the PDF (and the printed page) keep the figures."""
    result = Result.from_analysis(squats)
    doc = content.build_report(result, {}, [], ["report.html"], video_src="annotated.mp4")
    curves = next(s for s in doc.sections if s.title == content.CURVES)
    assert isinstance(curves.blocks[0], Viewer) and curves.blocks[0].video == "annotated.mp4"
    page = render_html(doc)
    assert '<video id="gv-video" src="annotated.mp4"' in page and "GaitcheckViewer.mount(" in page
    assert "@media print { .gv-report { display: none !important; } }" in page
    without = render_html(content.build_report(result, {}, [], ["report.html"]))
    assert "<video" not in without and "<script" not in without


# ------------------------------------------------------------------------------------------------
# the page in a real browser (slow)
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    """The shortest sample analysed once, with report.html beside annotated.mp4."""
    if not SHORT_CLIP.is_file():
        pytest.skip("the sample clips are not in samples/")
    import gaitcheck

    out = tmp_path_factory.mktemp("viewer") / "out"
    gaitcheck.save(gaitcheck.analyze(SHORT_CLIP), out)
    assert (out / "annotated.mp4").is_file() and (out / "report.html").is_file()
    return out


@pytest.fixture(scope="module")
def browser():
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"no Chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, report_dir):
    """report.html opened from disk, its video loaded; JS errors fail the test."""
    page = browser.new_page(viewport={"width": 1200, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((report_dir / "report.html").as_uri())
    assert page.evaluate("""document.createElement('video').canPlayType('video/mp4; codecs="avc1.64001f"')""") != ""
    page.wait_for_function("document.getElementById('gv-video').readyState >= 2", timeout=15000)
    page.locator(".gv-chart").scroll_into_view_if_needed()
    yield page
    page.close()
    assert errors == []


def page_data(page) -> dict:
    return json.loads(page.evaluate("document.getElementById('gv-data').textContent"))


def current_time(page) -> float:
    """The video's time once any seek has finished."""
    page.wait_for_function("!document.getElementById('gv-video').seeking", timeout=5000)
    return float(page.evaluate("document.getElementById('gv-video').currentTime"))


def x_of_time(page, t: float) -> tuple[float, float]:
    """Screen point over the first panel's curves at time t (the plot spans the first to the last frame)."""
    box = page.locator(".gv-plotbg").first.bounding_box()
    times = page_data(page)["time_s"]
    return box["x"] + (t - times[0]) / (times[-1] - times[0]) * box["width"], box["y"] + box["height"] / 2


def playhead_x(page) -> float:
    return float(page.locator(".gv-playhead line").first.get_attribute("x1") or "nan")


@pytest.mark.slow
@pytest.mark.video
def test_curves_are_drawn_under_the_video(page, report_dir):
    data = page_data(page)
    paths = page.locator("path.gv-curve")
    shown = [m for m in data["measures"] if m["shown"]]
    assert paths.count() == sum(len(m["series"]) for m in shown) >= 6
    for d in paths.evaluate_all("nodes => nodes.map(n => n.getAttribute('d'))"):
        assert d.count("L") > 200  # every frame of the clip
    assert page.locator(".gv-events tbody tr").count() == len(data["events"]) > 0
    graded = any(e["verdict"] != "insufficient-data" for e in data["events"])
    assert page.locator(".gv-events thead th").count() == (5 if graded else 3)  # no column of 'No grade'
    page.screenshot(path=str(report_dir / "viewer_page.png"), full_page=True)
    page.locator(".gv-report").screenshot(path=str(report_dir / "viewer.png"))


@pytest.mark.slow
@pytest.mark.video
def test_a_click_or_drag_on_the_curves_seeks_and_hover_reads_the_values(page, report_dir):
    fps = page_data(page)["fps"]
    x, y = x_of_time(page, 2.5)
    page.mouse.click(x, y)
    assert current_time(page) == pytest.approx(2.5, abs=1.0 / fps)
    assert float(page.locator(".gv-playhead").get_attribute("data-time") or 0) == pytest.approx(2.5, abs=1.0 / fps)
    page.mouse.down()
    for t in (3.0, 3.5, 5.0):  # a drag scrubs
        page.mouse.move(*x_of_time(page, t))
    page.mouse.up()
    assert current_time(page) == pytest.approx(5.0, abs=1.0 / fps)
    x, y = x_of_time(page, 4.0)
    page.mouse.move(x, y)
    readout = page.locator(".gv-readout").inner_text()
    assert "Under the pointer: 4.0" in readout and "frame 120" in readout and "Knee FPPA" in readout
    assert page.locator(".gv-value").count() >= 8  # both legs of four curves
    page.locator(".gv-report").screenshot(path=str(report_dir / "viewer_hover.png"))


@pytest.mark.slow
@pytest.mark.video
def test_playing_moves_the_playhead(page):
    before = playhead_x(page)
    page.locator("button.gv-play").click()
    page.wait_for_function("document.getElementById('gv-video').currentTime > 0.6", timeout=10000)
    page.wait_for_timeout(100)
    assert page.locator("button.gv-play").inner_text() == "Pause"
    page.locator("button.gv-play").click()
    assert playhead_x(page) > before + 20
    t = current_time(page)
    assert float(page.locator(".gv-playhead").get_attribute("data-time") or 0) == pytest.approx(t, abs=0.1)


@pytest.mark.slow
@pytest.mark.video
def test_unticking_a_leg_hides_its_curves(page, report_dir):
    right = page.locator("path.gv-curve[data-leg=right]")
    left = page.locator("path.gv-curve[data-leg=left]")
    assert right.first.is_visible() and left.first.is_visible()
    page.locator("input[data-leg=right]").uncheck()
    assert not any(right.nth(i).is_visible() for i in range(right.count()))
    assert all(left.nth(i).is_visible() for i in range(left.count()))
    page.locator(".gv-report").screenshot(path=str(report_dir / "viewer_left_only.png"))
    page.locator("input[data-leg=right]").check()
    assert right.first.is_visible()
    n = page.locator("path.gv-curve").count()
    page.locator("input[data-measure=femoral_adduction_deg]").check()
    assert page.locator("path.gv-curve").count() == n + 2


@pytest.mark.slow
@pytest.mark.video
def test_a_rep_row_jumps_to_its_key_moment_and_frames_step_by_one(page):
    data = page_data(page)
    fps = data["fps"]
    event = data["events"][2]
    page.locator(".gv-events tbody tr").nth(2).click()
    at = current_time(page)
    assert at == pytest.approx(event["key_s"], abs=0.5 / fps)
    assert "gv-current" in (page.locator(".gv-events tbody tr").nth(2).get_attribute("class") or "")
    page.locator("button.gv-step[data-step='1']").click()
    assert current_time(page) - at == pytest.approx(1.0 / fps, abs=2e-3)
    page.locator("button.gv-step[data-step='-1']").click()
    page.locator("button.gv-step[data-step='-1']").click()
    assert current_time(page) - at == pytest.approx(-1.0 / fps, abs=2e-3)
    frame = event["key_frame"] - 1
    assert f"frame {frame} of" in page.locator(".gv-clock").inner_text()


@pytest.mark.slow
@pytest.mark.video
def test_slow_motion_buttons_and_print(page):
    page.locator(".gv-rates button[data-rate='0.25']").click()
    assert page.evaluate("document.getElementById('gv-video').playbackRate") == 0.25
    pressed = "document.querySelector(\".gv-rates button[data-rate='0.25']\").getAttribute('aria-pressed')"
    page.wait_for_function(f"{pressed} === 'true'", timeout=5000)
    page.emulate_media(media="print")
    assert not page.locator(".gv-report").is_visible()
    assert page.locator("#curves figure img").first.is_visible()  # the static figures stay on paper
