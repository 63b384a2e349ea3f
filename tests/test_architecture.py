"""The package's layering as a checked contract: the map is the `layers` contract in pyproject.toml.

Lowest first: model < stages < flow < presentation < front-ends. A module may import only from its own layer
or lower ones, never the package root (the public facade, which imports the flow layer), and no import may
close a cycle. Checked twice: by tests/architecture_check.py (an ast walk, no importing) and by import-linter.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from tests.architecture_check import Findings, LayerMap, check, explain, load_layers, parse_layers

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def findings() -> Findings:
    """The checker's findings for the package in this repository."""
    layer_map = load_layers(REPO / "pyproject.toml")
    return check(REPO / layer_map.root, layer_map)


def _require_none(title: str, lines: list[str], layer_map: LayerMap) -> None:
    if lines:
        pytest.fail(f"{explain(title, lines)}\nlayers, lowest first:\n{layer_map.legend()}", pytrace=False)


def test_every_module_is_in_a_layer(findings: Findings) -> None:
    _require_none("modules in no layer", findings.unmapped, findings.layer_map)


def test_no_module_imports_from_a_higher_layer(findings: Findings) -> None:
    _require_none("imports from a higher layer", findings.upward, findings.layer_map)


def test_no_module_imports_the_package_root(findings: Findings) -> None:
    _require_none("imports of the package root", findings.root_imports, findings.layer_map)


def test_no_import_cycles(findings: Findings) -> None:
    _require_none("import cycles", findings.cycles, findings.layer_map)


def test_type_checking_imports_count_for_import_linter_too() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert config.get("exclude_type_checking_imports", False) is False


def _write_package(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return root / "toy"


TOY_LAYERS = ["cli", "flow", "stage_a : stage_b : stage_c : stages", "base"]  # highest first, as in pyproject

TOY_CLEAN = {
    "toy/__init__.py": "from toy.flow import run\nfrom toy.base import VERSION\n",
    "toy/base.py": "VERSION = '1'\n",
    "toy/stage_a.py": "from toy import base\nfrom . import stage_b\n",
    "toy/stage_b.py": "from toy.base import VERSION\n",
    "toy/stage_c.py": "import toy.stage_b\n",
    "toy/stages/__init__.py": "",
    "toy/stages/inner.py": "from .. import stage_a\nX = 1\n",
    "toy/flow.py": "from toy.stage_a import stage_b\n\n\ndef run():\n    from toy.stages.inner import X\n",
    "toy/cli.py": "from toy.flow import run\n",
}


def test_checker_passes_a_clean_package(tmp_path: Path) -> None:
    """Submodule imports via the package (`from toy import base`) and same-layer imports are allowed."""
    found = check(_write_package(tmp_path, TOY_CLEAN), parse_layers(TOY_LAYERS, "toy"))
    assert found.ok, str(found)


def test_checker_reports_back_imports_root_imports_cycles_and_unmapped_modules(tmp_path: Path) -> None:
    """Each kind of breach is found, including function-local, TYPE_CHECKING and relative imports."""
    broken = dict(TOY_CLEAN)
    broken["toy/stage_b.py"] = """\
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from toy.stage_c import C


        def late():
            from ..toy import flow  # never valid: above the top-level package, so ignored
            from . import flow  # back-import: a stage imports the flow layer
        """
    broken["toy/stage_c.py"] = "from .stage_b import late\nC = 1\n"  # stage_b -> stage_c -> stage_b
    broken["toy/base.py"] = "import toy\n"  # the root facade, from inside
    broken["toy/extra.py"] = ""  # in no layer
    found = check(_write_package(tmp_path, broken), parse_layers(TOY_LAYERS, "toy"))

    assert found.upward == ["toy/stage_b.py:9 -> toy.flow  (layer 2 imports layer 3)"]
    assert [line.split("  ")[0] for line in found.root_imports] == ["toy/base.py:1 -> toy"]
    assert len(found.unmapped) == 1 and found.unmapped[0].startswith("toy/extra.py: toy.extra is in no layer; add")
    assert (
        "toy.stage_b -> toy.stage_c -> toy.stage_b\n"
        "      toy/stage_b.py:4 -> toy.stage_c\n"
        "      toy/stage_c.py:1 -> toy.stage_b"
    ) in found.cycles
    assert "toy -> toy.base -> toy\n      toy/__init__.py:2 -> toy.base\n      toy/base.py:1 -> toy" in found.cycles
    assert not found.ok


def test_independent_siblings_may_not_import_each_other(tmp_path: Path) -> None:
    """`a | b` in the map (import-linter's independent siblings) forbids imports between a and b."""
    layers = ["cli", "flow", "stage_a | stage_b | stage_c | stages", "base"]
    found = check(_write_package(tmp_path, TOY_CLEAN), parse_layers(layers, "toy"))
    assert [line.split("  ")[0] for line in found.upward] == [
        "toy/stage_a.py:2 -> toy.stage_b",
        "toy/stage_c.py:1 -> toy.stage_b",
        "toy/stages/inner.py:1 -> toy.stage_a",
    ]


def test_import_linter_keeps_every_contract() -> None:
    """`lint-imports` (grimp's graph; indirect chains count too) keeps the contracts in pyproject.toml."""
    pytest.importorskip("importlinter")
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.skip(f"no {lint_imports}")
    run = subprocess.run(
        [str(lint_imports), "--no-cache", "--no-logo", "pyproject.toml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if run.returncode != 0:
        pytest.fail(f"lint-imports --no-cache pyproject.toml failed:\n{run.stdout}{run.stderr}", pytrace=False)
