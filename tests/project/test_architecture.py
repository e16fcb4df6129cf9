"""The package's layers and its absence of circles, as pyproject.toml's import-linter
contracts state them; and proof that the contracts catch a wrong import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """`lint-imports` on the package under `root` with the contracts of `root`/pyproject.toml."""
    return subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
         "sys.exit(lint_imports_command())", "--no-cache"],
        cwd=root, capture_output=True, text=True, timeout=120, check=False,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_the_package_keeps_every_contract():
    result = lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    for contract in ("Layers", "No circles", "Report draws saved tables"):
        assert f"{contract}" in result.stdout and "KEPT" in result.stdout


@pytest.fixture
def package_copy(tmp_path) -> Path:
    """The package and its contracts in a scratch directory, to break on purpose."""
    shutil.copytree(
        REPO_ROOT / "model", tmp_path / "model", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_an_engine_module_importing_analysis_breaks_the_layers(package_copy):
    (package_copy / "model" / "engine" / "wrong.py").write_text(
        "from model.analysis import replicates  # the engine may not import its callers\n"
    )
    result = lint_imports(package_copy)
    assert result.returncode == 1
    assert "model.engine is not allowed to import model.analysis" in result.stdout


def test_a_circle_within_a_package_is_caught(package_copy):
    files = package_copy / "model" / "report" / "files.py"
    files.write_text(files.read_text() + "\nfrom model.report import run_directory  # noqa\n")
    result = lint_imports(package_copy)
    assert result.returncode == 1
    assert "No cycles are allowed in model.report" in result.stdout
