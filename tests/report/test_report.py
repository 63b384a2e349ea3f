"""gaitcheck.report: report.html, report.pdf, plots, reps.csv, .trc, annotated.mp4, face blur and
compare. Most tests build an Analysis from hand-made landmarks (no MediaPipe) and a small clip
made on the fly; the `video` ones run on real shared clips."""

from __future__ import annotations

import html as html_lib
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gaitcheck
from gaitcheck import report, store
from gaitcheck.cli import build_parser
from gaitcheck.context import ProgressEvent, RunContext
from gaitcheck.errors import Cancelled
from gaitcheck.landmarks import INDEX
from gaitcheck.model import Analysis
from gaitcheck.pipeline import analyze_landmarks
from gaitcheck.report import content, plots
from gaitcheck.report.compare import compare_folders
from gaitcheck.report.exports import EVENT_COLUMNS, read_trc
from gaitcheck.report.overlay import face_boxes, render_video
from gaitcheck.report.results import Result
from gaitcheck.report.wording import allowance_sentence, check_wording, running_pelvis_sentence, verdict_sentences
from gaitcheck.settings import OutputOptions, Settings
from gaitcheck.video import probe_video
from gaitcheck.vocabulary import VERDICTS
from tests.helpers import running_series, squatting_series, write_clip
from tests.test_assess import info_for, single_leg_squats

pytestmark = pytest.mark.slow  # whole analyses with every output

SECTIONS_ALWAYS = (content.ANSWER, content.CURVES, content.MEASURES_TITLE, content.RECORDING, content.METHOD)


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------
def textured_frames(n: int, width: int, height: int) -> list[np.ndarray]:
    """Pictures with fine detail everywhere (so a blur shows) and a moving bar (so frames differ)."""
    rng = np.random.default_rng(3)
    base = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    base = np.repeat(np.repeat(base[::4, ::4], 4, axis=0), 4, axis=1)[:height, :width]
    frames = []
    for i in range(n):
        frame = base.copy()
        frame[: height // 20, (i * 3) % width : (i * 3) % width + 10] = 255
        frames.append(frame)
    return frames


def with_face(series):
    """Put the 11 face landmarks around the nose (the skeleton helpers leave them at the hips)."""
    image = series.image_px.copy()
    nose = image[:, INDEX["nose"]]
    offsets = [(0, 0), (-6, -8), (-10, -8), (-14, -8), (6, -8), (10, -8), (14, -8), (-22, -4), (22, -4), (-8, 12),
               (8, 12)]  # fmt: skip
    for i, (dx, dy) in enumerate(offsets):
        image[:, i] = nose + (dx, dy)
    return series.replace(image_px=image)


def analysis_with_clip(folder: Path, stance: str = "right", valgus_px: float = 45.0, **settings) -> Analysis:
    """A synthetic single-leg-squat analysis whose source video exists (a textured clip)."""
    series = with_face(single_leg_squats(stance, valgus_px=valgus_px, n_reps=3))
    clip = write_clip(folder / f"clip_{stance}_{valgus_px:g}.mp4", textured_frames(series.n_frames, 640, 720))
    info = probe_video(clip).with_timestamps(series.time_s)
    base = Settings(view="front", movement="single-leg-squat")
    return analyze_landmarks(series, info, base.replace(**settings))


def visible_text(page: str) -> str:
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    page = re.sub(r'src="data:[^"]*"', "", page)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", page))


def decoded(path: Path) -> tuple[list[float], str, tuple[int, int], str]:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = [float(f.pts * stream.time_base) for f in container.decode(stream)]
        return times, stream.codec_context.name, (stream.width, stream.height), stream.codec_context.pix_fmt


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def assert_self_contained(page: str) -> None:
    """Nothing fetched: images inline, scripts inline (the interactive curves'), and only the
    annotated video beside the page referenced by a relative name."""
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, flags=re.I)
    assert "<link" not in page.lower() and "@import" not in page
    assert not re.search(r"<script[^>]*\ssrc", page, flags=re.I)
    assert "url(" not in page
    for source in re.findall(r'src="([^"]*)"', page):
        assert source.startswith("data:image/") or source == "annotated.mp4", source[:40]


# ------------------------------------------------------------------------------------------------
# a full set of outputs from hand-made landmarks and a made-up clip
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    analysis = analysis_with_clip(folder)
    out = folder / "out"
    options = OutputOptions(pdf=True, trc=True, blur_faces=True, svg_plots=True, every_plot=True)
    gaitcheck.save(analysis, out, options)
    return analysis, out


def test_every_output_is_written(outputs):
    _, out = outputs
    for name in ("report.html", "report.pdf", "reps.csv", "landmarks.trc", "annotated.mp4", "run.log"):
        assert (out / name).is_file(), name
    pngs, svgs = sorted((out / "plots").glob("*.png")), sorted((out / "plots").glob("*.svg"))
    assert {p.stem for p in pngs} == {p.stem for p in svgs}
    for measure in ("fppa_deg", "hip_adduction_deg", "pelvic_drop_deg", "reps_fppa_deg", "per_rep_fppa_deg"):
        assert (out / "plots" / f"{measure}.png").stat().st_size > 5000, measure


def test_report_marks_the_threshold_row_the_clip_was_graded_on(outputs):
    _, out = outputs
    text = " ".join(visible_text((out / "report.html").read_text(encoding="utf-8")).split())
    assert "single-leg squat, step-down (this clip)" in text
    assert text.count("(this clip)") == 1


def test_report_shows_the_grade_assess_stored_for_each_rep(outputs):
    analysis, out = outputs
    table = pd.read_csv(out / "reps.csv")
    stored = [r.legs["right"].verdict for r in analysis.rep_results]
    assert list(table.loc[table["leg"] == "right", "verdict"]) == stored


def test_report_html_is_self_contained_and_answers_per_leg(outputs):
    analysis, out = outputs
    page = (out / "report.html").read_text(encoding="utf-8")
    assert_self_contained(page)
    text = " ".join(visible_text(page).split())
    assert (
        "During the right single-leg squat (3 reps, front view), the knee moved medially relative to the hip–ankle"
        in text
    )
    assert "No verdict for the left leg: not tested" in text
    for title in (*SECTIONS_ALWAYS, content.KEY_FRAMES, content.REPS):
        assert f"<h2>{html_lib.escape(title)}</h2>" in page, title
    assert len(re.findall(r'<img src="data:image/png;base64,', page)) >= 3  # curves
    assert len(re.findall(r'<img src="data:image/jpeg;base64,', page)) == 1  # key frame of the tested leg
    assert "Faces are blurred" in text
    assert check_wording(text) == []
    fppa = analysis.legs["right"].measures["fppa_deg"]["mean"]
    assert f"{fppa:.1f}°".replace("-", "−") in text  # the measures table


def test_pdf_has_the_same_sections_as_the_html(outputs):
    _, out = outputs
    page = (out / "report.html").read_text(encoding="utf-8")
    headings = [html_lib.unescape(h) for h in re.findall(r"<h2>(.*?)</h2>", page)]
    text = pdf_text(out / "report.pdf")
    positions = [text.find(h) for h in headings]
    assert all(p >= 0 for p in positions), dict(zip(headings, positions, strict=True))
    assert positions == sorted(positions)
    assert "knee moved medially" in " ".join(text.split())


def test_reps_csv_has_one_row_per_rep_and_leg(outputs):
    analysis, out = outputs
    table = pd.read_csv(out / "reps.csv")
    assert list(table.columns) == list(EVENT_COLUMNS)
    assert len(table) == len(analysis.reps) == 3
    assert set(table["leg"]) == {"right"} and set(table["verdict"]) <= set(VERDICTS)
    summary = json.loads((out / "summary.json").read_text())
    assert table["fppa_deg"].to_numpy() == pytest.approx(
        [r["legs"]["right"]["fppa_deg"] for r in summary["reps"]], abs=1e-3
    )
    assert (table["graded_value"] == table["fppa_deg"]).all()
    assert (table.loc[table["graded_value"] >= 15, "verdict"] == "valgus").all()


def test_trc_header_and_frames(outputs):
    analysis, out = outputs
    header, table = read_trc(out / "landmarks.trc")
    lines = (out / "landmarks.trc").read_text().splitlines()
    assert lines[0].split("\t")[:3] == ["PathFileType", "4", "(X/Y/Z)"]
    assert int(header["NumFrames"]) == len(table) == analysis.video.n_frames
    assert int(header["NumMarkers"]) == 33 and header["Units"] == "px"
    assert float(header["DataRate"]) == pytest.approx(analysis.video.fps, rel=1e-3)
    knee = analysis.landmarks.clean.px("right_knee")
    assert table["right_knee_X"].to_numpy() == pytest.approx(knee[:, 0], abs=1e-3)
    assert table["right_knee_Y"].to_numpy() == pytest.approx(analysis.video.height_px - knee[:, 1], abs=1e-3)


def test_annotated_video_keeps_frames_and_timestamps(outputs):
    analysis, out = outputs
    times, codec, size, pix_fmt = decoded(out / "annotated.mp4")
    source, *_ = decoded(Path(analysis.video.path))
    assert codec == "h264" and pix_fmt == "yuv420p" and size[0] % 2 == 0 and size[1] % 2 == 0
    assert len(times) == len(source) == analysis.video.n_frames
    assert np.array(times) - times[0] == pytest.approx(np.array(source) - source[0], abs=1e-4)
    head = (out / "annotated.mp4").read_bytes()[:4096]
    moov, mdat = head.find(b"moov"), head.find(b"mdat")
    assert 0 <= moov and (mdat < 0 or moov < mdat)  # +faststart: the index comes first, browsers stream it


def test_face_blur_changes_the_face_and_nothing_else(tmp_path):
    analysis = analysis_with_clip(tmp_path)
    frame = int(analysis.reps[0].bottom_frame)
    plain = render_video(analysis, None, blur_faces=False, capture=[frame])[frame]
    blurred = render_video(analysis, None, blur_faces=True, capture=[frame])[frame]
    x0, y0, x1, y1 = face_boxes(analysis.landmarks.raw)[frame]
    changed = np.any(plain != blurred, axis=2)
    ys, xs = np.nonzero(changed)
    assert changed.sum() > 0.5 * (x1 - x0) * (y1 - y0)  # most of the head box is changed
    assert xs.min() >= x0 - 1 and xs.max() <= x1 + 1 and ys.min() >= y0 - 1 and ys.max() <= y1 + 1
    nose = analysis.landmarks.raw.px("nose")[frame].astype(int)
    patch = (slice(nose[1] - 8, nose[1] + 8), slice(nose[0] - 8, nose[0] + 8))
    assert np.abs(plain[patch].astype(float) - blurred[patch]).mean() > 20  # really unrecognisable


def test_an_encoder_failure_is_raised_by_the_drawing_side_not_a_hang(tmp_path):
    """The annotated video is encoded in a thread of its own: a file it cannot write comes back as an
    error within seconds (the key frames are not half-returned)."""
    analysis = analysis_with_clip(tmp_path)
    started = time.monotonic()
    with pytest.raises(OSError):
        render_video(analysis, tmp_path / "no such folder" / "annotated.mp4")
    assert time.monotonic() - started < 20


def test_missing_video_skips_video_and_key_frames_with_a_log_line(tmp_path):
    series = single_leg_squats("right", valgus_px=45.0, n_reps=3)
    analysis = analyze_landmarks(series, info_for(series), Settings(view="front", movement="single-leg-squat"))
    gaitcheck.save(analysis, tmp_path)
    assert not (tmp_path / "annotated.mp4").exists() and not list((tmp_path / "plots").glob("*.svg"))  # PNG only
    # the report's own figures only, unless every measure's are asked for
    assert sorted(p.stem for p in (tmp_path / "plots").glob("*.png")) == [
        "overview", "per_rep_fppa_deg", "reps_fppa_deg", "reps_hip_adduction_deg"
    ]  # fmt: skip
    assert "synthetic.mp4 is not available" in (tmp_path / "run.log").read_text()
    page = (tmp_path / "report.html").read_text()
    assert "not available" in page and f"<h2>{content.KEY_FRAMES}</h2>" not in page


def test_outputs_follow_the_output_options(tmp_path):
    series = single_leg_squats("left", valgus_px=0.0, n_reps=3)
    settings = Settings(view="front", movement="single-leg-squat")
    gaitcheck.save(
        analyze_landmarks(series, info_for(series), settings),
        tmp_path,
        OutputOptions(report=False, annotated_video=False),
    )
    assert not (tmp_path / "plots").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "angles.csv",
        "landmarks_clean.csv",
        "landmarks_raw.csv",
        "run.log",
        "summary.json",
    ]
    args = build_parser().parse_args(["analyze", "x.mp4", "--no-annotated-video", "--pdf", "--blur-faces", "--trc"])
    assert (args.annotated_video, args.pdf, args.blur_faces, args.trc) == (False, True, True, True)


@pytest.mark.parametrize("valgus_px,stance", ((45.0, "right"), (0.0, "left"), (20.0, "left"), (-20.0, "right")))
def test_wording_describes_and_never_diagnoses(valgus_px, stance):
    series = single_leg_squats(stance, valgus_px=valgus_px, n_reps=4)
    analysis = analyze_landmarks(series, info_for(series), Settings(view="front", movement="single-leg-squat"))
    result = Result.from_analysis(analysis)
    for side in ("left", "right"):
        sentences = verdict_sentences(result, side)
        assert sentences and all(check_wording(s) == [] for s in sentences)
    first = verdict_sentences(result, stance)[0]
    assert first.startswith(f"During the {stance} single-leg squat (4 reps, front view)")
    expected = {"valgus": "moved medially", "borderline": "slightly medially", "aligned": "stayed close"}
    assert expected[analysis.legs[stance].verdict] in first
    if analysis.legs[stance].verdict == "aligned":  # the band as the Measured line gives it: 10, +- 3.5
        assert "below 10° by more than the measurement error (± 3.5°)" in first


@pytest.fixture(scope="module")
def running_result():
    series, _ = running_series("back", 60.0, seconds=4.0)
    analysis = analyze_landmarks(series, info_for(series), Settings(view="back", movement="run"))
    return Result.from_analysis(analysis)


def with_leg(result: Result, side: str, verdict: str, **means: float) -> Result:
    """A copy of `result` whose leg has this verdict and these mean measures (4 events, no SD)."""
    summary = json.loads(json.dumps(result.summary))
    leg = summary["legs"][side]
    leg["verdict"] = verdict
    leg.setdefault("measures", {}).update({k: {"mean": v, "sd": None, "n": 4} for k, v in means.items()})
    return Result(summary=summary, angles=result.angles)


ALLOWED_SHIFT = (
    "allowing for the camera about 15 deg off square at this knee bend (Englander 2019; approximate): the picture "
    "itself showed -0.03 shank lengths"
)


def test_the_camera_allowance_is_said_on_the_report_card_and_the_web_page(running_result, tmp_path):
    from gaitcheck.web.pages import answer_html

    result = with_leg(running_result, "left", "borderline")
    result.summary["legs"]["left"]["reasons"] = ["left knee moved medially", ALLOWED_SHIFT]
    expected = "Allowing for the camera about 15 deg off square"
    assert allowance_sentence(result, "left").startswith(expected)
    assert allowance_sentence(result, "left").endswith("showed -0.03 shank lengths.")
    assert allowance_sentence(result, "right") == ""
    (tmp_path / "summary.json").write_text(json.dumps(result.summary))
    result.angles.to_csv(tmp_path / "angles.csv", index=False)
    page = answer_html(tmp_path)
    assert page.count(expected) == 1 and "-0.03 shank lengths." in page
    result.summary["legs"]["left"]["verdict"] = "insufficient-data"
    assert allowance_sentence(result, "left") == ""


@pytest.mark.parametrize(
    "drop_deg,words",
    (
        (6.0, "the pelvis dropped on the opposite side by about 6°"),
        (-5.0, "the pelvis rose on the opposite side by about 5° instead of dropping"),
        (0.4, "the pelvis stayed about level"),
    ),
)
def test_a_runners_pelvis_that_rose_is_not_called_a_drop(running_result, drop_deg, words):
    result = with_leg(running_result, "left", "borderline", pelvic_drop_deg=drop_deg)
    assert words in running_pelvis_sentence(result, "left")


def test_a_runners_pelvic_drop_is_said_once(running_result):
    result = with_leg(running_result, "left", "valgus", fppa_deg=16.0, pelvic_drop_deg=6.0)
    result.summary["legs"]["left"]["hip_contributes"] = True
    text = " ".join([*verdict_sentences(result, "left"), running_pelvis_sentence(result, "left")])
    assert "pelvis dropped on the opposite side." in text and text.count("by about 6°") == 1


@pytest.mark.parametrize(
    "femoral_deg,words",
    ((18.0, "All of the inward angle came from the thigh tilting inward (femoral adduction 18°, as much as the "
             "FPPA or more)"),
     (10.0, "Most of the inward angle came from the thigh tilting inward (femoral adduction 10°, 62% of the FPPA)")),
)  # fmt: skip
def test_the_thighs_share_of_the_fppa_is_never_over_all_of_it(running_result, femoral_deg, words):
    result = with_leg(running_result, "left", "valgus", fppa_deg=16.0, femoral_adduction_deg=femoral_deg)
    result.summary["legs"]["left"]["hip_contributes"] = True
    assert words in " ".join(verdict_sentences(result, "left"))


@pytest.mark.parametrize(
    "fppa_deg,words",
    (
        (6.6, "below 10° but within the measurement error (± 3.5°) of it"),
        (12.0, "between 10° and 15°."),
        (16.4, "from 15° on, but within the measurement error (± 3.5°) of it"),
    ),
)
def test_a_borderline_leg_says_where_its_value_lies(running_result, fppa_deg, words):
    """A borderline mean of 7 deg is not 'between 10 and 15': it is within the error of 10."""
    result = with_leg(running_result, "left", "borderline", fppa_deg=fppa_deg)
    assert words in verdict_sentences(result, "left")[0]


@pytest.mark.parametrize(
    "shift,words",
    (
        (0.01, "moved inward little if at all (over the ankle from standing to the bottom; 0.01 shank lengths on "
         "average, below 0.05 but within the measurement error (± 0.06) of it)"),
        (0.08, "moved inward slightly (over the ankle from standing to the bottom; 0.08 shank lengths on average, "
         "between 0.05 and 0.12)"),
    ),
)  # fmt: skip
def test_a_borderline_squat_knee_says_where_its_shift_lies(shift, words):
    series = squatting_series(180, reps=3)
    analysis = analyze_landmarks(series, info_for(series), Settings(view="front", movement="squat"))
    result = with_leg(Result.from_analysis(analysis), "left", "borderline", knee_medial_shift=shift)
    assert result.graded == "knee_medial_shift"
    assert words in verdict_sentences(result, "left")[0]


def test_mean_and_sd_over_repetitions_skip_missing_values_quietly(recwarn):
    curves = np.array([[1.0, 2.0, np.nan, np.nan], [3.0, np.nan, 5.0, np.nan]])
    mean, sd = plots.mean_and_sd(curves)
    np.testing.assert_allclose(mean, [2.0, 2.0, 5.0, np.nan])
    np.testing.assert_allclose(sd, [np.sqrt(2.0), np.nan, np.nan, np.nan])
    assert not recwarn.list


def test_a_repetitions_dot_sits_where_its_value_was_read():
    """At the bottom the thigh pointed at the camera (no FPPA there): the value was read at the
    last frame of the descent that has one."""
    fppa = np.array([1.0, 2.0, 3.0, np.nan, np.nan, np.nan, 2.0])
    assert plots.read_row(fppa, 0, 4) == 2
    assert plots.read_row(fppa, 1, 1) == 1 and plots.read_row(fppa, 3, 5) is None


def test_a_side_views_left_right_difference_beyond_error_names_the_far_leg():
    """Near and far legs are not seen alike from the side: a difference beyond the measurement error
    may be the far leg misread, and the table says so instead of a plain 'beyond'."""
    stats = {"mean": 27.0, "sd": 4.0, "n": 9}
    view = {
        "legs": {side: {"measures": {"knee_flexion_peak_deg": stats}} for side in ("left", "right")},
        "left_minus_right": {"knee_flexion_peak_deg": {"left_minus_right": -23.0, "measurement_error": 3.8,
                                                       "beyond_error": True}},
    }  # fmt: skip
    (row,) = content.side_view_rows(view)
    assert row[-1].text.endswith("— beyond")
    (row,) = content.side_view_rows({**view, "near_leg": "right"})
    assert row[-1].text.endswith("— beyond, or the far leg misread")


def test_the_quality_heading_says_problem_only_when_one_is_major():
    minor = {"code": "implausible-dropped", "severity": "minor", "text": "..."}
    major = {"code": "off-square", "severity": "major", "text": "..."}
    assert content.quality_heading(1, [minor]) == "1 note on the recording"
    assert content.quality_heading(2, [minor, major]).startswith("2 problems with the recording")
    assert content.quality_heading(0, []) == "Notes on this report"


# ------------------------------------------------------------------------------------------------
# compare
# ------------------------------------------------------------------------------------------------
def saved(folder: Path, valgus_px: float) -> Path:
    series = single_leg_squats("right", valgus_px=valgus_px, n_reps=3)
    settings = Settings(view="front", movement="single-leg-squat")
    store.save(analyze_landmarks(series, info_for(series), settings), folder)  # the data files only
    return folder


def test_compare_two_sessions(tmp_path):
    before, after = saved(tmp_path / "before", 45.0), saved(tmp_path / "after", 10.0)
    page_path = compare_folders(before, after, tmp_path / "cmp")
    page = page_path.read_text(encoding="utf-8")
    assert_self_contained(page)
    text = " ".join(visible_text(page).split())
    a, b = Result.from_folder(before), Result.from_folder(after)
    change = b.mean("right", "fppa_deg")[0] - a.mean("right", "fppa_deg")[0]
    assert change < -8
    assert "FPPA at the deepest point changed from" in text and "beyond typical 2-D measurement error" in text
    assert check_wording(text) == []
    assert len(re.findall(r'<img src="data:image/png', page)) >= 3
    assert (tmp_path / "cmp" / "plots" / "compare_fppa_deg.svg").is_file()
    table = pd.read_csv(tmp_path / "cmp" / "compare.csv")
    row = table[(table["leg"] == "right") & (table["measure"] == "fppa_deg")].iloc[0]
    assert row["change"] == pytest.approx(change) and row["vs_error"] == "beyond"


def test_compare_on_the_command_line(tmp_path):
    before, after = saved(tmp_path / "before", 30.0), saved(tmp_path / "after", 30.0)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gaitcheck",
            "compare",
            before,
            after,
            "--out",
            tmp_path / "cmp",
            "--labels",
            "pre",
            "post",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
    assert "within typical 2-D measurement error" in page and "pre (mean ± SD)" in page


@pytest.mark.parametrize(
    "make,message",
    (
        (lambda p: p / "missing", "no such folder"),
        (lambda p: (p / "empty").mkdir() or p / "empty", "not a gaitcheck result folder (missing summary.json)"),
        (lambda p: (p / "file.txt").write_text("x") and p / "file.txt", "is not a folder"),
    ),
)
def test_compare_bad_input_is_one_clear_line(tmp_path, make, message, capsys):
    from gaitcheck.cli import main

    good = saved(tmp_path / "good", 20.0)
    code = main(["compare", str(make(tmp_path)), str(good), "--out", str(tmp_path / "cmp")])
    captured = capsys.readouterr()
    assert code != 0
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gaitcheck: error: ") and message in lines[0], captured.err
    assert "Traceback" not in captured.err + captured.out
    assert not (tmp_path / "cmp").exists()


# ------------------------------------------------------------------------------------------------
# real clips
# ------------------------------------------------------------------------------------------------
@pytest.mark.video
def test_report_on_a_real_clip(analysed, tmp_path):
    a = analysed("single_leg_squat_front_good_and_bad_reps.mp4")
    gaitcheck.save(a, tmp_path, OutputOptions(pdf=True))
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert_self_contained(page)
    text = " ".join(visible_text(page).split())
    assert "During the right single-leg squat" in text and "the knee moved medially" in text
    assert len(re.findall(r'<img src="data:image/jpeg', page)) >= 1  # key frame of the valgus leg
    assert len(re.findall(r'<img src="data:image/png', page)) >= 3
    assert check_wording(text) == []
    times, codec, _, _ = decoded(tmp_path / "annotated.mp4")
    source, *_ = decoded(Path(a.video.path))
    assert codec == "h264" and len(times) == len(source) == a.video.n_frames
    assert np.array(times) - times[0] == pytest.approx(np.array(source) - source[0], abs=1e-4)
    headings = [html_lib.unescape(h) for h in re.findall(r"<h2>(.*?)</h2>", page)]
    pdf = pdf_text(tmp_path / "report.pdf")
    assert all(h in pdf for h in headings)


@pytest.mark.video
def test_warnings_come_before_the_first_plot(analysed, tmp_path):
    a = analysed("lateral_step_down_front_oblique_pt_demo.mp4")
    assert a.warnings
    store.save(a, tmp_path)
    report.write(a, tmp_path, OutputOptions(annotated_video=False))
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    first_warning = page.find(html_lib.escape(a.warnings[0]))
    assert 0 < first_warning < page.find("<img") and first_warning < page.find(f"<h2>{content.ANSWER}")
    assert "How to film better" in page


def test_a_cancel_while_drawing_the_video_stops_at_once_and_leaves_no_folder(tmp_path):
    analysis = analysis_with_clip(tmp_path)
    seen: list[ProgressEvent] = []

    def on_progress(event: ProgressEvent) -> None:
        seen.append(event)
        if event.stage == "video" and event.done == 5:
            context.cancel()

    context = RunContext(on_progress=on_progress)
    out = tmp_path / "out"
    with pytest.raises(Cancelled):
        gaitcheck.save(analysis, out, context=context)
    assert not out.exists()
    assert max(e.done for e in seen if e.stage == "video") == 5, "stopped at the next frame"
    assert analysis.video.n_frames > 5


def test_prepare_imports_the_outputs_modules_in_a_thread_and_write_waits_for_it():
    """`report.prepare` (called by the front-ends before the analysis) imports matplotlib's
    figures while the clip is analysed; without it, importing gaitcheck does not."""
    script = (
        "import sys, threading\n"
        "from gaitcheck import report\n"
        "before = 'gaitcheck.report.plots' in sys.modules\n"
        "report.prepare()\n"
        "for t in threading.enumerate():\n"
        "    if t.name == 'gaitcheck-prepare': t.join()\n"
        "print(before, 'gaitcheck.report.plots' in sys.modules, 'matplotlib.figure' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["False", "True", "True"]
    assert run.stderr == ""


def test_prepare_for_no_outputs_starts_nothing():
    from gaitcheck.settings import OutputOptions

    script = (
        "import sys, threading\n"
        "from gaitcheck import report\n"
        "from gaitcheck.settings import OutputOptions\n"
        "report.prepare(OutputOptions(report=False, annotated_video=False))\n"
        "print(any(t.name == 'gaitcheck-prepare' for t in threading.enumerate()))\n"
    )
    assert OutputOptions(report=False, annotated_video=False).pdf is False
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.stdout.split() == ["False"], run.stderr
