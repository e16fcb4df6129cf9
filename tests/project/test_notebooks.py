"""The notebooks in notebooks/ run from top to bottom in a real Jupyter kernel, as an
analyst runs them (nbclient with ipykernel, both in the dev extras), from notebooks/,
with the notebook's output directory in a temporary folder."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from tests.support.paths import REPO_ROOT

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT_SECONDS = 300


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_in_a_kernel(path, tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_OUT", str(tmp_path / "out"))  # the kernel inherits it
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    assert any(cell.cell_type == "code" for cell in notebook.cells), f"{path.name} has no code"
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},  # where Jupyter starts it
    )
    client.execute()  # raises CellExecutionError naming the cell that failed
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors
    assert any((tmp_path / "out").iterdir())


def test_there_is_a_notebook():
    assert NOTEBOOKS, "notebooks/ holds no notebook"
