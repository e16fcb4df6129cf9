"""The comparison directory `run.py compare` writes (README, "Comparing scenarios").

    DIR/<scenario>/        one complete run directory per scenario (model/report/files.py)
    DIR/comparison.csv     each indicator per scenario, and its paired difference to the first
    DIR/relapse_curve.csv  DIR/survival.csv  DIR/efficiency.csv: the scenarios' tables stacked
    DIR/plots/*.png        comparison figures
    DIR/report.html        the comparison on one self-contained page
    DIR/manifest.json      written last: the directory is complete when it exists

As for a run directory, every file is written atomically and the manifest goes last.
"""

from __future__ import annotations

import platform
from pathlib import Path

import pandas as pd

from model.errors import UserError
from model.report.files import (
    MANIFEST_NAME,
    REPORT_NAME,
    RUN_FILE_NAMES,
    atomic_write_text,
    code_version,
    csv_text,
    json_text,
    package_versions,
    prepare_output_directory,
    sha256_of,
)

COMPARISON_NAME = "comparison.csv"
STACKED_TABLES = ("relapse_curve.csv", "survival.csv", "efficiency.csv")
COMPARE_FILE_NAMES = frozenset(
    {COMPARISON_NAME, *STACKED_TABLES, "plots", REPORT_NAME, MANIFEST_NAME}
)


def prepare_compare_directory(
    out_dir: Path,
    scenario_dirs: list[str],
    scenario_files: list[Path] | None = None,
    force: bool = False,
) -> Path:
    """Create `out_dir` (or clear an earlier comparison) before any simulation starts.

    Refuses a file, a directory holding anything but comparison files and run directories,
    and -- unless `force` -- a finished comparison of other scenario files than
    `scenario_files` (None: any comparison may be replaced). The earlier comparison,
    with its scenarios' run directories, is removed completely at once.
    """
    for name in scenario_dirs:
        if (out_dir / name).exists() and not is_run_directory_like(out_dir / name):
            raise UserError(f"--out {out_dir}: {name}/ exists and is not a run directory")
    expected = None if scenario_files is None else [str(p.resolve()) for p in scenario_files]
    prepare_output_directory(
        out_dir,
        lambda entry: entry.name in COMPARE_FILE_NAMES or is_run_directory_like(entry),
        "comparison directory",
        identity=(
            lambda manifest: [s.get("file") for s in manifest.get("comparison_of") or []]
        ) if expected else None,
        expected=expected, force=force,
    )  # fmt: skip
    return out_dir


def is_run_directory_like(path: Path) -> bool:
    """A directory holding nothing but run-directory files (a scenario's earlier run)."""
    return path.is_dir() and all(
        entry.name in RUN_FILE_NAMES or entry.name.startswith(".") for entry in path.iterdir()
    )


def stacked(tables: list[pd.DataFrame | None]) -> pd.DataFrame | None:
    present = [table for table in tables if table is not None]
    return pd.concat(present, ignore_index=True) if present else None


def write_compare_tables(
    out_dir: Path,
    comparison: pd.DataFrame,
    tables_by_scenario: list[dict[str, pd.DataFrame | None]],
) -> list[Path]:
    """comparison.csv and the scenarios' analysis tables stacked; returns the paths."""
    written = [atomic_write_text(out_dir / COMPARISON_NAME, csv_text(comparison))]
    for name in STACKED_TABLES:
        table = stacked([tables.get(name) for tables in tables_by_scenario])
        if table is not None:
            written.append(atomic_write_text(out_dir / name, csv_text(table)))
    return written


def write_compare_report_and_manifest(
    out_dir: Path, provenance: dict, written: list[Path], figures: list[Path]
) -> Path:
    """report.html of the tables `written` and the `figures` drawn, then manifest.json."""
    from model.report.html import write_report

    written = [*written, *figures, write_report(out_dir, provenance, figures)]
    files = {path.relative_to(out_dir).as_posix(): sha256_of(path) for path in written}
    atomic_write_text(out_dir / MANIFEST_NAME, json_text({**provenance, "files": files}))
    return out_dir


def comparison_provenance(
    scenarios: list[dict],
    seed: int,
    replicates: int,
    command_line: str,
    started_at: str,
    simulation_seconds: float,
    runs_simulated: int,
) -> dict:
    """manifest.json of a comparison but its file hashes (shown in report.html too)."""
    return {
        "comparison_of": scenarios,
        "seed": seed,
        "replicates": replicates,
        "common_random_numbers": (
            "every scenario runs replicates 0..R-1 of the same seed, so replicate r shares "
            "its households and shocks across scenarios"
        ),
        "runs_simulated": runs_simulated,
        "command_line": command_line,
        "code_version": code_version(),
        "python_version": platform.python_version(),
        "packages": package_versions(),
        "started_at": started_at,
        "simulation_seconds": round(simulation_seconds, 3),
    }  # fmt: skip
