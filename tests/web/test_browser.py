"""The pages in a real headless Chromium (Debian's, through Playwright): the token prompt, an
upload through the page, the result page with its verdict and a playable video. Screenshots go to
tests/web/artifacts/ (ignored by git) to be looked at."""

from __future__ import annotations

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
    assert page.locator("#curves").count() == 1 and page.inner_html("#curves") == ""
    page.wait_for_function("document.getElementById('video').readyState >= 1", timeout=30_000)
    assert page.evaluate("document.getElementById('video').duration") > 5
    page.screenshot(path=shots / "result-page.png", full_page=True)
    assert not problems, problems
    assert not elsewhere, f"the page fetched from elsewhere: {elsewhere}"
