"""One source of truth for defaults: the Settings object, its TOML file and its CLI flags."""

from __future__ import annotations

import dataclasses

import pytest

import gaitcheck
from gaitcheck.cli import build_parser
from gaitcheck.errors import InputError
from gaitcheck.settings import OutputOptions, Settings, cli_fields, read_toml

OPTION_CLASSES = (Settings, OutputOptions)


def test_every_setting_has_help_and_a_flag():
    parser = build_parser()
    analyze = parser._subparsers._group_actions[0].choices["analyze"]
    flags = {opt for action in analyze._actions for opt in action.option_strings}
    for cls in OPTION_CLASSES:
        for f in dataclasses.fields(cls):
            assert f.metadata.get("help"), f.name
    for f in cli_fields():
        assert "--" + f.name.replace("_", "-") in flags
    for name in ("--pdf", "--no-report", "--no-annotated-video", "--blur-faces", "--trc"):
        assert name in flags


def test_flags_leave_defaults_to_settings():
    args = build_parser().parse_args(["analyze", "clip.mp4"])
    assert not any(hasattr(args, f.name) for cls in OPTION_CLASSES for f in dataclasses.fields(cls))
    args = build_parser().parse_args(["analyze", "clip.mp4", "--cutoff-hz", "8", "--no-repair-swaps"])
    assert args.cutoff_hz == "8" and args.repair_swaps is False


def test_replace_checks_values():
    s = Settings().replace(movement="run", cutoff_hz="10")
    assert s.movement == "run" and s.cutoff_hz == 10.0
    with pytest.raises(InputError, match="movement"):
        Settings().replace(movement="jump")
    with pytest.raises(InputError, match="invalid value"):
        Settings().replace(max_gap_s="soon")
    with pytest.raises(InputError, match="unknown setting"):
        Settings().replace(colour="red")


def test_toml_file(tmp_path):
    path = tmp_path / "clinic.toml"
    path.write_text('[gaitcheck]\nmovement = "step-down"\ncutoff-hz = 5\nrepair_swaps = false\n')
    assert read_toml(path) == {"movement": "step-down", "cutoff_hz": 5.0, "repair_swaps": False}
    s = Settings.from_mapping({**Settings.pick(read_toml(path)), "view": "front"})
    assert (s.movement, s.cutoff_hz, s.repair_swaps, s.view) == ("step-down", 5.0, False, "front")


def test_bad_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("movement = \n")
    with pytest.raises(InputError, match="not valid TOML"):
        read_toml(path)
    with pytest.raises(InputError, match="not found"):
        read_toml(tmp_path / "missing.toml")


# ------------------------------------------------------------------------------------------------
# output options: which files a run writes (not analysis settings)
# ------------------------------------------------------------------------------------------------
def test_output_option_defaults():
    o = OutputOptions()
    assert (o.report, o.annotated_video, o.blur_faces, o.pdf, o.trc, o.every_plot, o.svg_plots) == (
        True, True, False, False, False, False, False,
    )  # fmt: skip
    assert gaitcheck.OutputOptions is OutputOptions
    assert set(OutputOptions.field_names()) == {
        "report", "annotated_video", "blur_faces", "pdf", "trc", "every_plot", "svg_plots"
    }  # fmt: skip


def test_output_options_are_not_settings():
    for name in OutputOptions.field_names():
        assert name not in Settings.field_names()
        with pytest.raises(InputError, match="unknown setting"):
            Settings().replace(**{name: False})
    assert not set(OutputOptions.field_names()) & set(Settings().to_json())  # not in summary.json's settings


def test_output_options_replace_checks_values():
    o = OutputOptions().replace(pdf="yes", annotated_video=False)
    assert (o.pdf, o.annotated_video, o.report) == (True, False, True)
    with pytest.raises(InputError, match="invalid value"):
        OutputOptions().replace(pdf="maybe")
    with pytest.raises(InputError, match="unknown setting"):
        OutputOptions().replace(movement="squat")


def test_toml_file_with_output_options(tmp_path):
    path = tmp_path / "clinic.toml"
    path.write_text('[gaitcheck]\nview = "front"\npdf = true\nannotated-video = false\nblur_faces = true\ntrc = true\n')
    values = read_toml(path)
    assert values == {"view": "front", "pdf": True, "annotated_video": False, "blur_faces": True, "trc": True}
    settings = Settings.from_mapping(Settings.pick(values))
    outputs = OutputOptions.from_mapping(OutputOptions.pick(values))
    assert settings == Settings(view="front")
    assert outputs == OutputOptions(report=True, annotated_video=False, blur_faces=True, pdf=True, trc=True)


def test_toml_file_top_level_output_options(tmp_path):
    path = tmp_path / "flat.toml"
    path.write_text("report = false\n")
    assert read_toml(path) == {"report": False}


@pytest.mark.parametrize(
    "text,message",
    (
        ('[gaitcheck]\ncolour = "red"\n', "unknown setting 'colour'"),
        ("[gaitcheck]\npdf = true\nannotated_videos = false\n", "unknown setting 'annotated_videos'"),
        ('[gaitcheck]\npdf = "perhaps"\n', "invalid value"),
    ),
)
def test_toml_file_rejects_unknown_keys_and_bad_values(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_toml(path)
