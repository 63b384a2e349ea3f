"""notebooks/review_angles.ipynb runs top to bottom (nbclient) on the sample clips, in this Python."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs the notebook in a kernel

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "review_angles.ipynb"
SAMPLES = ("single_leg_squat_right_valgus_front.mp4", "single_leg_squat_left_front.mp4")


def test_review_notebook_runs_top_to_bottom(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    if not all((ROOT / "samples" / name).is_file() for name in SAMPLES):
        pytest.skip("the sample clips are not in samples/")
    monkeypatch.setenv("GAITCHECK_NOTEBOOK_OUT", str(tmp_path))
    monkeypatch.delenv("GAITCHECK_RESULTS", raising=False)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable); print(len(sessions))"))
    client = nbclient.NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    printed = notebook.cells[-1].outputs[0]["text"].split()
    assert Path(printed[0]).resolve() == Path(sys.executable).resolve()  # the kernel is this venv's Python
    assert printed[1] == str(len(SAMPLES))
    images = [o for c in notebook.cells for o in getattr(c, "outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 3
    for name in SAMPLES:
        assert (tmp_path / Path(name).stem / "summary.json").is_file()
