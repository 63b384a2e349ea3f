"""The pages in a real headless Chromium (Debian's, through Playwright): the token prompt, an
upload through the page, the result page with its verdict, the video and the curves under it (a
click seeks, playing moves the playhead), a key frame checked by hand (dragging the knee changes
FPPA; save, undo). Screenshots go to tests/web/artifacts/ (ignored by git)
to be looked at."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.web.conftest import SAMPLES

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CLIP = SAMPLES / "single_leg_squat_right_valgus_front.mp4"
TOKEN = "browser-token"
H264_HIGH = 'video/mp4; codecs="avc1.64001f"'


def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    return ARTIFACTS


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


def test_upload_through_the_page_and_read_the_result(start_server, browser):
    server = start_server("--workers", "1", token=TOKEN)
    shots = artifacts()
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    elsewhere: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(server.base) else elsewhere.append(request.url))

    page.goto(server.base + "/")
    playable = page.evaluate(f"document.createElement('video').canPlayType('{H264_HIGH}')")
    assert playable, "this Chromium cannot play H.264 mp4: the result page's video would stay black"
    page.fill("#token", TOKEN)
    page.click("#token-form button")
    page.wait_for_selector("#upload-form")
    problems.clear()  # the first load was the token prompt, answered 401 on purpose
    page.select_option("#movement", "single-leg-squat")
    page.select_option("#view", "front")
    page.fill("#label", "Browser test, right leg")
    page.set_input_files("#file", str(CLIP))
    page.click("#send")
    page.wait_for_selector("li.job.running", timeout=60_000)
    page.screenshot(path=shots / "upload-page-running.png", full_page=True)
    page.wait_for_selector("li.job.done", timeout=240_000)
    page.screenshot(path=shots / "upload-page-done.png", full_page=True)

    page.click("li.job.done a")
    page.wait_for_selector("#answer")
    assert page.locator("#answer .leg").count() == 2
    assert page.locator("#answer .leg.valgus, #answer .leg.borderline, #answer .leg.aligned").count() >= 1
    assert "leg" in page.inner_text("#answer h3 >> nth=0")
    wait_until(page, "document.getElementById('video').readyState >= 1", 30)
    assert page.evaluate("document.getElementById('video').duration") > 5
    check_curves(page)
    page.locator("#keyframes article.kf >> nth=0").wait_for(timeout=30_000)
    wait_until(
        page, "[...document.querySelectorAll('#keyframes img')].every(i => i.complete && i.naturalWidth > 0)", 60
    )
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=shots / "result-page.png", full_page=True)
    check_key_frame(page)
    page.locator("#keyframes").screenshot(path=shots / "key-frames-adjusted.png")
    undo_key_frame(page)
    assert not problems, problems
    assert not elsewhere, f"the page fetched from elsewhere: {elsewhere}"


def wait_until(page, expression: str, timeout_s: float = 15.0) -> None:
    """Poll a JS expression from Python (the page's CSP forbids the eval wait_for_function uses)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout_s} s: {expression}"
        time.sleep(0.05)


def check_curves(page) -> None:
    """The curves are drawn under the video; a click on them seeks it; playing moves the playhead."""
    page.wait_for_selector("#curves svg path.gv-curve", timeout=30_000)
    points = page.eval_on_selector_all(
        "#curves path.gv-curve", "paths => paths.map(p => p.getAttribute('d').split('L').length)"
    )
    assert len(points) >= 2 and max(points) > 50, points
    wait_until(page, "document.getElementById('video').readyState >= 2", 30)
    layer = page.locator("#curves rect.gv-input")
    box = layer.bounding_box()
    assert box is not None
    layer.click(position={"x": 0.4 * box["width"], "y": 40})
    span = page.evaluate("[window.gaitcheckViewer.t0, window.gaitcheckViewer.t1, window.gaitcheckViewer.factor]")
    wanted_s = (span[0] + 0.4 * (span[1] - span[0])) * span[2]
    wait_until(page, f"Math.abs(document.getElementById('video').currentTime - {wanted_s}) < 0.1")
    before_s = float(page.get_attribute("#curves .gv-playhead", "data-time") or "nan")
    assert abs(before_s * span[2] - wanted_s) < 0.1
    page.evaluate("const v = document.getElementById('video'); v.muted = true; v.play()")
    wait_until(page, f"Number(document.querySelector('#curves .gv-playhead').dataset.time) > {before_s} + 0.3")
    page.evaluate("document.getElementById('video').pause()")


CARD = "#keyframes article.kf >> nth=0"


def check_key_frame(page) -> None:
    """Dragging the knee point changes the FPPA shown; Save marks the key frame adjusted by hand."""
    card = page.locator(CARD)
    card.wait_for(timeout=30_000)
    wait_until(page, "(i => i.complete && i.naturalWidth > 0)(document.querySelector('#keyframes .kf img'))")
    automatic = card.locator(".kf-fppa").last.inner_text()
    assert card.locator(".kf-none").inner_text() == "not adjusted"
    knee = card.locator('.kf-point[data-point="knee"] .kf-dot')
    knee.scroll_into_view_if_needed()
    box = knee.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 25, y, steps=6)
    page.mouse.up()
    card_js = "document.querySelector('#keyframes article.kf')"
    # the page measures one move at a time: wait until the last position is measured
    wait_until(page, f"{card_js}.dataset.state === 'moved' && !{card_js}.dataset.measuring")
    wait_until(page, f"{card_js}.querySelectorAll('.kf-fppa').length === 2")
    wait_until(page, f"{card_js}.querySelector('.kf-fppa').textContent !== {automatic!r}")
    moved = card.locator(".kf-fppa").first.inner_text()
    assert moved != automatic and moved.startswith("FPPA"), (moved, automatic)
    card.locator(".kf-save").click()
    wait_until(page, f"{card_js}.dataset.state === 'saved'")
    assert "Adjusted by hand" in card.locator(".kf-state").inner_text()
    assert card.locator(".kf-fppa").first.inner_text() == moved


def undo_key_frame(page) -> None:
    """Undo goes back to the automatic points and values."""
    card = page.locator(CARD)
    card.locator(".kf-undo").click()
    wait_until(page, "document.querySelector('#keyframes article.kf').dataset.state === 'automatic'")
    assert card.locator(".kf-none").inner_text() == "not adjusted"
