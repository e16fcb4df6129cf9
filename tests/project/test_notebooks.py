"""The notebooks in notebooks/ run from top to bottom (code cells in order, one namespace).

Jupyter is not a dependency; the cells are executed as a plain script would run them,
with matplotlib's Agg backend and the notebook's output directory in a temporary folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib
import pytest

from tests.support.paths import REPO_ROOT

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


def code_cells(path: Path) -> list[str]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_OUT", str(tmp_path / "out"))
    monkeypatch.chdir(REPO_ROOT / "notebooks")  # where Jupyter starts a notebook
    matplotlib.use("Agg")
    namespace: dict = {"__name__": "__notebook__"}
    cells = code_cells(path)
    assert cells, f"{path.name} has no code"
    for index, source in enumerate(cells):
        try:
            exec(compile(source, f"{path.name}, code cell {index}", "exec"), namespace)
        except Exception as exc:
            exc.add_note(f"in {path.name}, code cell {index}")
            raise
    assert os.getcwd() == str(REPO_ROOT)  # the first cell moved to the repository root
    assert any((tmp_path / "out").iterdir())


def test_there_is_a_notebook():
    assert NOTEBOOKS, "notebooks/ holds no notebook"
