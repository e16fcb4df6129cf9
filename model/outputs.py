"""The run directory (DESIGN.md section 8): what a run leaves behind for analysts.

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

How a crash is kept from looking like a result: every file is written to a hidden
temporary name in its own directory and renamed over the final name (`os.replace`
is atomic on POSIX and Windows), so no file is ever half-written. The directory as a
whole is marked complete by `manifest.json`, which is written last and removed first
when a run directory is overwritten: a directory without `manifest.json` is an
incomplete run, whatever else it holds. (A `DIR.partial` directory renamed at the end
was rejected because renaming over an existing run is not atomic either and would
mean deleting the user's directory.)
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from model.scenario import Scenario

MANIFEST_NAME = "manifest.json"
ANALYSIS_TABLES = ("relapse_curve.csv", "survival.csv", "efficiency.csv", "vulnerability.csv")
"""Optional tables of a run directory, written from RunRecord.tables when present."""
PANEL_NAME = "households.parquet"
REPORT_NAME = "report.html"
RUN_FILE_NAMES = frozenset(
    {
        "scenario.yaml", "yearly.csv", "summary.json", *ANALYSIS_TABLES, PANEL_NAME, "plots",
        REPORT_NAME, MANIFEST_NAME,
    }
)
"""Names a run directory may hold; any other entry means DIR is not a run directory."""

CSV_FLOAT_FORMAT = "%.12g"
"""12 significant digits: exact enough for any indicator, and the same bytes on every platform."""

PACKAGE_NAME = "poverty-exit-sim"
RECORDED_PACKAGES = (
    "numpy", "pandas", "scipy", "mesa", "pydantic", "pyarrow", "matplotlib", "pyyaml", "tqdm",
)
REPO_ROOT = Path(__file__).resolve().parent.parent


# --- atomic files ----------------------------------------------------------------------

def current_umask() -> int:
    """The process umask (read by setting and restoring it; there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` via a temporary file in the same directory and a rename.

    The file gets the permissions an ordinary `open(path, "w")` would give (0666 less
    the umask), not the owner-only mode of `tempfile.mkstemp`.
    """
    path = Path(path)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(temp_name, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write `text` as UTF-8 (newlines as given, never translated) atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


# --- file contents -----------------------------------------------------------------------

def csv_text(frame: pd.DataFrame) -> str:
    """A table as CSV text: no index, `\\n` line ends, floats to 12 significant digits."""
    return frame.to_csv(index=False, lineterminator="\n", float_format=CSV_FLOAT_FORMAT)


def parquet_bytes(table: pd.DataFrame) -> bytes:
    """`table` as Parquet (pyarrow, no index): the same table gives the same bytes."""
    import io

    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


def json_safe(value: Any) -> Any:
    """`value` with NaN and infinities replaced by None, so the JSON is strict (RFC 8259)."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        return json_safe(value.item())
    return value


def json_text(data: Any) -> str:
    """Stable JSON: sorted keys, indent 2, strict numbers, a final newline."""
    return json.dumps(json_safe(data), sort_keys=True, indent=2, allow_nan=False) + "\n"


# --- provenance --------------------------------------------------------------------------

def code_version() -> str:
    """`git describe --always --dirty` of the checkout, else the installed package version."""
    try:
        result = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=False,
        )
        if result.returncode == 0 and result.stdout.strip():
            return result.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return metadata.version(PACKAGE_NAME)
    except metadata.PackageNotFoundError:
        return "unknown"


def package_versions(names: tuple[str, ...] = RECORDED_PACKAGES) -> dict[str, str | None]:
    """Installed versions of the packages a result depends on (None if not installed)."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


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

def prepare_run_directory(out_dir: str | Path) -> Path:
    """Create `out_dir` (or accept an earlier run directory) before any simulation starts.

    Refuses, with a UserError, a path that is a file, a parent that cannot be created, and
    an existing directory holding anything but run files (so `--out .` cannot litter or
    overwrite a working directory). An earlier run there loses its manifest at once, so it
    no longer looks complete while it is being replaced.
    """
    return prepare_output_directory(
        Path(out_dir), lambda entry: entry.name in RUN_FILE_NAMES, "run directory"
    )


def prepare_output_directory(out_dir: Path, belongs: Callable[[Path], bool], kind: str) -> Path:
    """Create `out_dir` with its plots/ (or accept an earlier `kind` there, every entry of
    which `belongs`), and remove its manifest so it is incomplete until written again."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--out {out_dir}: exists and is not a directory; choose another path")
    if out_dir.is_dir():
        foreign = sorted(
            entry.name for entry in out_dir.iterdir()
            if not entry.name.startswith(".") and not belongs(entry)
        )  # fmt: skip
        if foreign:
            listed = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise UserError(
                f"--out {out_dir}: directory exists and is not a {kind} (it holds {listed}); "
                f"choose a new or empty directory, or an earlier {kind}"
            )
    try:
        (out_dir / "plots").mkdir(parents=True, exist_ok=True)
        (out_dir / MANIFEST_NAME).unlink(missing_ok=True)
    except OSError as exc:
        raise UserError(f"--out {out_dir}: cannot create the {kind}: {exc}") from None
    return out_dir


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, so an analyst can check a result was not altered."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_run_directory(out_dir: str | Path, record: RunRecord, plots: bool = True) -> Path:
    """Write every file of the run directory, `manifest.json` last; returns its path.

    Call `prepare_run_directory` first (before simulating) so a bad --out fails fast.
    """
    out_dir = prepare_run_directory(out_dir)
    header = (
        f"# Resolved scenario: {record.scenario_file} with its extends: chain, command-line\n"
        "# overrides and every default filled in. `python run.py run` accepts this file.\n"
    )
    for stale in [*ANALYSIS_TABLES, PANEL_NAME, REPORT_NAME]:  # an earlier run's extras
        (out_dir / stale).unlink(missing_ok=True)
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
    wall_clock = (datetime.now(record.started_at.tzinfo) - record.started_at).total_seconds()
    provenance = manifest(record, wall_clock)
    if plots:
        written += draw_figures_and_report(out_dir, provenance)
    files = {path.relative_to(out_dir).as_posix(): sha256_of(path) for path in written}
    atomic_write_text(out_dir / MANIFEST_NAME, json_text({**provenance, "files": files}))
    return out_dir


def draw_figures_and_report(out_dir: Path, provenance: dict) -> list[Path]:
    """Every figure from the directory's saved tables, then report.html; returns the paths.

    Figures are drawn from the files just written (not the frames in memory), so that
    `run.py plot DIR` redraws the same bytes from the same files.
    """
    from model.plots_analysis import plot_run_analysis  # matplotlib is slow to import
    from model.report import write_report

    written = plot_run_analysis(out_dir)
    return [*written, write_report(out_dir, provenance)]


def is_complete_run(out_dir: str | Path) -> bool:
    """True when `out_dir` holds a finished run (its manifest was written last)."""
    return (Path(out_dir) / MANIFEST_NAME).is_file()
