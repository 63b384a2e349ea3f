"""One source of truth for defaults: the Settings object, its TOML file and its CLI flags."""

from __future__ import annotations

import dataclasses

import pytest

from gaitcheck.cli import build_parser
from gaitcheck.errors import InputError
from gaitcheck.settings import Settings, cli_fields, read_toml


def test_every_setting_has_help_and_a_flag():
    parser = build_parser()
    analyze = parser._subparsers._group_actions[0].choices["analyze"]
    flags = {opt for action in analyze._actions for opt in action.option_strings}
    for f in dataclasses.fields(Settings):
        assert f.metadata.get("help"), f.name
    for f in cli_fields():
        assert "--" + f.name.replace("_", "-") in flags


def test_flags_leave_defaults_to_settings():
    args = build_parser().parse_args(["analyze", "clip.mp4"])
    assert not any(hasattr(args, f.name) for f in dataclasses.fields(Settings))
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
    s = Settings.from_toml(path, view="front")
    assert (s.movement, s.cutoff_hz, s.repair_swaps, s.view) == ("step-down", 5.0, False, "front")


def test_bad_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("movement = \n")
    with pytest.raises(InputError, match="not valid TOML"):
        read_toml(path)
    with pytest.raises(InputError, match="not found"):
        read_toml(tmp_path / "missing.toml")
