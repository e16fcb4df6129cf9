"""The `plot` subcommand (listed in model.cli.commands.SUBCOMMANDS).

    python run.py plot DIR [--quiet]

Redraws every figure and report.html of a finished run directory, or of a comparison
directory (comparison.csv present: each DIR/<scenario>/ run directory first, then the
comparison's own figures), from the saved files alone. It reads the CSVs, summary.json and
manifest.json and never writes them, so the results and their hashes stay as the run left
them; the figures are byte-stable, so redrawing rewrites identical PNGs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from model.errors import UserError
from model.report.files import MANIFEST_NAME

COMPARISON_NAME = "comparison.csv"
YEARLY_NAME = "yearly.csv"


def read_manifest(directory: Path) -> dict:
    """manifest.json of a finished directory without its file hashes (the report's provenance)."""
    path = directory / MANIFEST_NAME
    if not path.is_file():
        raise UserError(
            f"{directory}: not a finished run or comparison directory (no {MANIFEST_NAME}; "
            "a run writes it last, so the run there did not finish)"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"{path}: cannot read the manifest: {exc}") from None
    if not isinstance(manifest, dict):
        raise UserError(f"{path}: the manifest is not a JSON object")
    return {key: value for key, value in manifest.items() if key != "files"}


def check_directory(directory: Path) -> None:
    """A UserError unless `directory` is an existing directory."""
    if not directory.exists():
        raise UserError(f"{directory}: no such directory; give a run or comparison directory")
    if not directory.is_dir():
        raise UserError(f"{directory}: not a directory; give a run or comparison directory")


def redraw_run(run_dir: Path) -> list[Path]:
    """Every figure and report.html of one run directory; returns the files written."""
    from model.report.figures import plot_run_analysis
    from model.report.html import write_report

    manifest = read_manifest(run_dir)
    if not (run_dir / YEARLY_NAME).is_file():
        raise UserError(
            f"{run_dir}: not a run directory (no {YEARLY_NAME}; `plot` redraws the figures of "
            "`run.py run` or `run.py compare` output)"
        )
    written = plot_run_analysis(run_dir)
    return [*written, write_report(run_dir, manifest, written)]


def comparison_run_dirs(compare_dir: Path) -> list[Path]:
    """The run directories inside a comparison directory, by name."""
    return sorted(
        entry for entry in compare_dir.iterdir()
        if entry.is_dir() and (entry / YEARLY_NAME).is_file()
    )  # fmt: skip


def redraw_comparison(compare_dir: Path) -> list[Path]:
    """Each scenario's run directory, then the comparison's figures and report.html."""
    from model.report.figures import plot_comparison
    from model.report.html import write_report

    manifest = read_manifest(compare_dir)
    written: list[Path] = []
    for run_dir in comparison_run_dirs(compare_dir):
        written += redraw_run(run_dir)
    figures = plot_comparison(compare_dir)
    return [*written, *figures, write_report(compare_dir, manifest, figures)]


def plot_command(args: argparse.Namespace) -> int:
    """`plot`: redraw the figures and report.html of a run or comparison directory."""
    directory: Path = args.directory
    check_directory(directory)
    is_comparison = (directory / COMPARISON_NAME).is_file()
    try:
        written = redraw_comparison(directory) if is_comparison else redraw_run(directory)
    except OSError as exc:
        raise UserError(f"{directory}: could not write the figures: {exc}") from None
    if not args.quiet:
        figures = sum(path.suffix == ".png" for path in written)
        reports = sum(path.name == "report.html" for path in written)
        print(f"redrew {directory}: {figures} figures, {reports} report.html")
    return 0


def add_plot_command(subparsers) -> None:
    """Declare `plot DIR [--quiet]`."""
    parser = subparsers.add_parser(
        "plot", help="redraw the figures and report.html of a run or comparison directory",
        description="Redraw plots/*.png and report.html of DIR from its saved files (yearly.csv, "
        "summary.json, the analysis CSVs, scenario.yaml, manifest.json), which are left "
        "unchanged. DIR is a run directory or a comparison directory (with comparison.csv; "
        "each scenario's run directory inside it is redrawn too).",
    )  # fmt: skip
    parser.add_argument("directory", type=Path, metavar="DIR", help="run or comparison directory")
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")
    parser.set_defaults(handler=plot_command)
