"""The run directory: what a run leaves behind for analysts.

    DIR/scenario.yaml        the resolved scenario (every default filled in)
    DIR/yearly.csv           one row per replicate and year
    DIR/summary.json         headline figures, each with a 90% interval over replicates
    DIR/relapse_curve.csv    P(below the line within h years | income-to-line ratio)
    DIR/survival.csv         Kaplan-Meier survival after exit by exit channel
    DIR/efficiency.csv       fund efficiency against the paired no-intervention run
    DIR/vulnerability.csv    each household's chance of being poor (fixed households only)
    DIR/households.parquet   the household panel (with --panel)
    DIR/plots/*.png          figures
    DIR/report.html          one self-contained page of all of the above
    DIR/manifest.json        seed, command line, code and package versions, timings, hashes

Every file is written atomically and `manifest.json` last (model.report.files).
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from model.report.files import (
    ANALYSIS_TABLES,
    MANIFEST_NAME,
    PANEL_NAME,
    RUN_FILE_NAMES,
    atomic_write_bytes,
    atomic_write_text,
    code_version,
    csv_text,
    json_text,
    package_versions,
    parquet_bytes,
    prepare_output_directory,
    sha256_of,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from model.config.scenario import Scenario


@dataclass(frozen=True)
class RunRecord:
    """Everything a finished run hands to the writer. Times are wall-clock."""

    scenario: Scenario
    scenario_file: Path
    seed: int
    replicates: int
    yearly: pd.DataFrame
    summary: dict
    command_line: str
    started_at: datetime
    simulation_seconds: float
    tables: dict[str, pd.DataFrame | None] = field(default_factory=dict)
    """ANALYSIS_TABLES by file name; None or absent: not written."""
    panel: pd.DataFrame | None = None
    runs_simulated: int = 1  # the scenario's, plus paired counterfactual and leave-one-out runs


def manifest(record: RunRecord, wall_clock_seconds: float) -> dict:
    """manifest.json contents but its file hashes: how to reproduce the run (also shown in
    report.html, which is written before the manifest)."""
    return {
        "scenario_name": record.scenario.name,
        "scenario_file": str(record.scenario_file),
        "seed": record.seed,
        "replicates": record.replicates,
        "replicate_seeds": [[record.seed, r] for r in range(record.replicates)],
        "random_streams": (
            "replicate r uses numpy SeedSequence(entropy=seed, spawn_key=(r, crc32(process))); "
            "replicate_seeds lists (seed, r)"
        ),
        "households": record.scenario.population.n_households,
        "years": record.scenario.years,
        "start_year": record.scenario.start_year,
        "command_line": record.command_line,
        "code_version": code_version(),
        "python_version": platform.python_version(),
        "packages": package_versions(),
        "started_at": record.started_at.isoformat(timespec="seconds"),
        "runs_simulated": record.runs_simulated,
        "simulation_seconds": round(record.simulation_seconds, 3),
        "wall_clock_seconds": round(wall_clock_seconds, 3),
    }


# --- the run directory -------------------------------------------------------------------


def prepare_run_directory(
    out_dir: str | Path, scenario_file: Path | None = None, force: bool = False
) -> Path:
    """Create `out_dir` (or clear an earlier run directory) before any simulation starts.

    Refuses, with a UserError, a path that is a file, a parent that cannot be created, an
    existing directory holding anything but run files (so `--out .` cannot litter or
    overwrite a working directory), and -- unless `force` -- a finished run of another
    scenario file than `scenario_file` (None: any run may be replaced). A run of the same
    scenario file (e.g. again with more replicates or another seed) is replaced. The earlier
    run is removed completely at once, so none of its files (an old plot) can outlive it.
    """
    expected = None if scenario_file is None else str(Path(scenario_file).resolve())
    return prepare_output_directory(
        Path(out_dir), lambda entry: entry.name in RUN_FILE_NAMES, "run directory",
        identity=(lambda manifest: manifest.get("scenario_file")) if expected else None,
        expected=expected, force=force,
    )  # fmt: skip


def write_run_directory(
    out_dir: str | Path, record: RunRecord, plots: bool = True, force: bool = False
) -> Path:
    """Write every file of the run directory, `manifest.json` last; returns its path. The
    manifest lists exactly the files written, and report.html shows exactly those figures.

    Call `prepare_run_directory` first (before simulating) so a bad --out fails fast.
    """
    out_dir = prepare_run_directory(out_dir, record.scenario_file, force)
    written = write_run_tables(out_dir, record)
    provenance = manifest(record, seconds_since(record.started_at))
    if plots:
        from model.report.figures import plot_run_analysis  # matplotlib is slow to import

        figures = plot_run_analysis(out_dir)
        written += [*figures, write_run_report(out_dir, provenance, figures)]
    return write_run_manifest(out_dir, provenance, written)


def write_run_tables(out_dir: Path, record: RunRecord) -> list[Path]:
    """The run directory's data files (scenario, tables, summary, panel); returns the paths.

    The figures are drawn from these files (not the frames in memory), so that
    `run.py plot DIR` redraws the same bytes from the same files.
    """
    header = (
        f"# Resolved scenario: {record.scenario_file} with its extends: chain, command-line\n"
        "# overrides and every default filled in. `python run.py run` accepts this file.\n"
    )
    written = [
        atomic_write_text(out_dir / "scenario.yaml", header + record.scenario.to_yaml()),
        atomic_write_text(out_dir / "yearly.csv", csv_text(record.yearly)),
        atomic_write_text(out_dir / "summary.json", json_text(record.summary)),
    ]
    for name in ANALYSIS_TABLES:
        if record.tables.get(name) is not None:
            written.append(atomic_write_text(out_dir / name, csv_text(record.tables[name])))
    if record.panel is not None:
        written.append(atomic_write_bytes(out_dir / PANEL_NAME, parquet_bytes(record.panel)))
    return written


def seconds_since(started_at: datetime) -> float:
    """Wall-clock seconds from `started_at` to now."""
    return (datetime.now(started_at.tzinfo) - started_at).total_seconds()


def write_run_report(out_dir: Path, provenance: dict, figures: list[Path]) -> Path:
    """report.html of the directory's files and `figures` (drawn before)."""
    from model.report.html import write_report

    return write_report(out_dir, provenance, figures)


def write_run_manifest(out_dir: Path, provenance: dict, written: list[Path]) -> Path:
    """manifest.json, last: `provenance` and the hash of every file `written`."""
    files = {path.relative_to(out_dir).as_posix(): sha256_of(path) for path in written}
    atomic_write_text(out_dir / MANIFEST_NAME, json_text({**provenance, "files": files}))
    return out_dir


def is_complete_run(out_dir: str | Path) -> bool:
    """True when `out_dir` holds a finished run (its manifest was written last)."""
    return (Path(out_dir) / MANIFEST_NAME).is_file()
