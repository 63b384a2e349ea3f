"""Unit tests of the batch's pieces that need no video analysis: keys, inputs, folders, the table."""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path

import pytest

from gaitcheck.batch import folders, keys
from gaitcheck.batch.index import write_index
from gaitcheck.batch.inputs import read_inputs, read_manifest, scan_folder
from gaitcheck.batch.model import Item, VideoRecord
from gaitcheck.batch.progress import Progress
from gaitcheck.batch.table import SUMMARY_CSV, Entry, build_rows, columns, write_csv
from gaitcheck.errors import InputError
from gaitcheck.settings import Settings


# --- keys ------------------------------------------------------------------------------------------
def test_the_key_follows_content_settings_and_version_not_the_name(tmp_path, monkeypatch):
    a, b = tmp_path / "a.mp4", tmp_path / "renamed.mp4"
    a.write_bytes(b"same bytes")
    b.write_bytes(b"same bytes")
    settings = Settings()
    key = keys.content_key(keys.file_sha256(a), settings)
    assert len(key) == keys.KEY_HEX_DIGITS
    assert keys.content_key(keys.file_sha256(b), settings) == key  # renamed: same key
    assert keys.content_key(keys.file_sha256(a), settings.replace(view="front")) != key  # a setting
    limits = settings.replace(timeout_s=60.0, max_frames=1000)
    assert keys.content_key(keys.file_sha256(a), limits) == key  # a run's limits change no number
    (tmp_path / "c.mp4").write_bytes(b"other bytes")
    assert keys.content_key(keys.file_sha256(tmp_path / "c.mp4"), settings) != key  # other content
    monkeypatch.setattr(keys, "__version__", "99.0")
    assert keys.content_key(keys.file_sha256(a), settings) != key  # another gaitcheck


def test_folder_names_are_readable_and_safe():
    assert keys.folder_name(Path("/x/Patient 7 (left).MP4"), "abc123") == "Patient_7_left-abc123"
    assert keys.folder_name(Path("/x/...mp4"), "k") == "video-k"
    assert len(keys.folder_name(Path("/x/" + "a" * 300 + ".mp4"), "k")) == keys.MAX_STEM_CHARS + 2


# --- inputs ----------------------------------------------------------------------------------------
def test_a_folder_is_searched_recursively_skipping_hidden_and_non_videos(tmp_path):
    (tmp_path / "day1" / ".cache").mkdir(parents=True)
    for name in ("b.mp4", "day1/a.MOV", "day1/.c.mp4", "day1/.cache/d.mp4", "notes.txt", "out/e.mp4"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    found = scan_folder(tmp_path, exclude=tmp_path / "out")
    assert [i.label for i in found.items] == ["b.mp4", "day1/a.MOV"]
    assert dict(found.skipped) == {
        "day1/.c.mp4": "hidden",
        "day1/.cache/d.mp4": "hidden",
        "notes.txt": "not a video",
    }


def write_manifest(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_a_manifest_resolves_paths_and_carries_its_columns(tmp_path):
    (tmp_path / "clips").mkdir()
    manifest = write_manifest(
        tmp_path / "list.csv",
        [
            ["subject_id", "path", "clinician", "movement", "view", "leg", "date"],
            ["P1", "clips/a.mp4", "AB", "squat", "front", "left", "2026-12-01"],
            ["P2", "/abs/b.mp4", "", "", "", "", ""],
        ],
    )
    found = read_inputs(manifest)
    first, second = found.items
    assert first.video == (tmp_path / "clips" / "a.mp4").resolve() and first.label == "clips/a.mp4"
    assert (first.movement, first.view, first.leg) == ("squat", "front", "left")
    assert first.columns == {"subject_id": "P1", "session": "", "date": "2026-12-01", "clinician": "AB"}
    assert second.video == Path("/abs/b.mp4") and second.movement is None and second.leg is None
    assert found.extra_columns == ["clinician"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["file"], ["a.mp4"]], "no 'path' column"),
        ([["path", "movement"], ["a.mp4", "jog"]], "line 2: movement 'jog' is not one of"),
        ([["path", "view"], ["a.mp4", "top"]], "line 2: view 'top'"),
        ([["path"], ["a.mp4"], [""]], "line 3: empty path"),
    ],
)
def test_a_bad_manifest_stops_before_any_work(tmp_path, rows, message):
    with pytest.raises(InputError, match=message):
        read_manifest(write_manifest(tmp_path / "m.csv", rows))


def test_neither_folder_nor_csv_is_refused(tmp_path):
    (tmp_path / "a.mp4").write_bytes(b"x")
    with pytest.raises(InputError, match="neither a folder"):
        read_inputs(tmp_path / "a.mp4")
    with pytest.raises(InputError, match="no such folder"):
        read_inputs(tmp_path / "missing")


# --- folders ---------------------------------------------------------------------------------------
def record(name: str, status: str = "ok", error: str = "") -> VideoRecord:
    return VideoRecord(name=name, key=name[-3:], video=f"{name}.mp4", status=status, error=error)  # type: ignore[arg-type]


def test_publish_is_all_or_nothing_and_a_retry_replaces_a_failure(tmp_path):
    stage = folders.new_stage(tmp_path, "clip-abc")
    (stage / "summary.json").write_text("{}")
    folders.publish(stage, tmp_path, record("clip-abc", "failed", "Bad."))
    assert folders.read_record(tmp_path / "clip-abc").status == "failed"
    stage = folders.new_stage(tmp_path, "clip-abc")
    folders.publish(stage, tmp_path, record("clip-abc"))
    assert folders.read_record(tmp_path / "clip-abc").status == "ok"
    stage = folders.new_stage(tmp_path, "clip-abc")  # a late duplicate: the finished one wins
    folders.publish(stage, tmp_path, record("clip-abc", "failed", "Late."))
    assert folders.read_record(tmp_path / "clip-abc").status == "ok"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip-abc"]


def test_leftovers_are_cleaned_and_a_second_batch_is_refused(tmp_path):
    folders.new_stage(tmp_path, "x-1")
    (tmp_path / ".summary.csv.abc.part").write_text("half a tab")
    (tmp_path / "kept-1").mkdir()
    assert len(folders.clean_leftovers(tmp_path)) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["kept-1"]
    with folders.locked(tmp_path), pytest.raises(InputError, match="another gaitcheck batch"):
        with folders.locked(tmp_path):
            pass


# --- the table -------------------------------------------------------------------------------------
def leg(verdict: str, fppa: float) -> dict:
    return {"verdict": verdict, "confidence": "high", "n_reps": 3, "measures": {"fppa_deg": {"mean": fppa, "sd": 1.0}}}


SUMMARY = {
    "movement": {"value": "squat"},
    "view": {"value": "front"},
    "video": {"duration_s": 7.8, "n_frames": 234},
    "legs": {"left": leg("aligned", 2.0), "right": leg("valgus", 14.0)},
    "asymmetry": {"fppa_deg": {"left_minus_right": -12.0, "beyond_error": True}},
    "quality": {"warnings": ["one", "two"]},
    "graded_measure": "fppa_deg",
    "cadence_spm": None,
}


def finished(out: Path, name: str, summary: dict | None = None, status: str = "ok", error: str = "") -> str:
    stage = folders.new_stage(out, name)
    if summary is not None:
        (stage / "summary.json").write_text(json.dumps(summary))
    folders.publish(stage, out, record(name, status, error))
    return name


def test_the_table_has_a_row_per_video_and_leg_in_input_order(tmp_path):
    items = [Item(tmp_path / f"{n}.mp4", f"{n}.mp4", {"subject_id": n.upper()}) for n in ("a", "b", "c", "d")]
    entries = [
        Entry(items[0], finished(tmp_path, "a-111", SUMMARY)),
        Entry(items[1], finished(tmp_path, "b-222", status="failed", error="The file is not a video.")),
        Entry(items[2], None, "File not found: c.mp4."),
        Entry(Item(items[3].video, "d.mp4", leg="right"), finished(tmp_path, "d-444", SUMMARY)),
    ]
    rows = build_rows(entries, tmp_path)
    assert [(r["video"], r["leg"], r["status"]) for r in rows] == [
        ("a.mp4", "left", "ok"),
        ("a.mp4", "right", "ok"),
        ("b.mp4", "", "failed"),
        ("c.mp4", "", "failed"),
        ("d.mp4", "right", "ok"),  # the manifest named one leg
    ]
    assert rows[1]["verdict"] == "valgus" and rows[1]["fppa_deg_mean"] == 14.0 and rows[1]["fppa_deg_sd"] == 1.0
    assert rows[0]["asymmetry_fppa_deg_left_minus_right"] == -12.0 and rows[0]["asymmetry_beyond_error"] == "fppa_deg"
    assert rows[0]["warnings"] == "one | two" and rows[0]["subject_id"] == "A"
    assert rows[2]["error"] == "The file is not a video." and rows[3]["error"] == "File not found: c.mp4."
    names = columns(["clinician"])
    assert names[:5] == ["video", "subject_id", "session", "date", "clinician"]
    with open(write_csv(rows, names, tmp_path / SUMMARY_CSV), newline="") as handle:
        read = list(csv.DictReader(handle))
    assert len(read) == 5 and list(read[0]) == names and read[2]["fppa_deg_mean"] == ""
    page = write_index(rows, ["subject_id"], tmp_path).read_text()
    assert page.count("<tr>") == 1 + 4 and "http" not in page.replace('href="a-111', "")


# --- progress --------------------------------------------------------------------------------------
class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_rewritten_line_on_a_terminal_and_log_lines_otherwise(caplog):
    log = logging.getLogger("gaitcheck.batch.test")
    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = Progress(2, log, stream=stream)
        with caplog.at_level(logging.INFO, logger=log.name):
            progress(record("a-1"))
            progress(record("b-2", "failed", "Bad."))
        progress.close()
    assert "\r2/2 videos, 1 failed" in terminal.getvalue() and "ETA" in terminal.getvalue()
    assert pipe.getvalue() == ""  # not a terminal: the log lines (stderr handler, batch.log) say it
    assert "[2/2] b-2.mp4 (0.0 s): failed: Bad." in caplog.text
