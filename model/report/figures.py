"""Every figure of a run or comparison directory, drawn from its saved CSVs into `plots/`.

`plot_run_analysis` and `plot_comparison` read whatever tables a directory holds (yearly.csv,
relapse_curve.csv, survival.csv, efficiency.csv, comparison.csv) and write every figure they
allow, as byte-stable PNGs (model.report.plots.save_png): the same CSV gives the same PNG bytes, so
`run.py plot DIR` reproduces a run's figures. The figures themselves are in
model/report/figures_relapse.py and model/report/figures_efficiency.py.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.style
import pandas as pd
from matplotlib.figure import Figure

from model.errors import UserError
from model.report.figures_efficiency import (
    comparison_panel,
    efficiency_bars,
    exit_channel_mix,
    leave_one_out_rows,
    marginal_contributions,
)
from model.report.figures_relapse import (
    SURVIVAL_EVENTS,
    relapse_risk_by_cause,
    relapse_risk_by_scenario,
    relapse_risk_curve,
    survival_by_scenario,
    survival_curves,
)
from model.report.html import read_csv_file
from model.report.plots import plot_run, save_png
from model.report.style import text_column

# --- writing a directory's figures ---------------------------------------------------------


def draw_all(frames: dict[str, pd.DataFrame], drawings: list[tuple]) -> list[tuple[str, Figure]]:
    """(file name, figure) of each drawing (file name, CSV name, function, options) whose CSV
    was read; a drawing needing a CSV that is absent is skipped."""
    figures = []
    for file_name, csv_name, draw, options in drawings:
        if csv_name in frames:
            figures.append((file_name, draw(frames[csv_name], **options)))
    return figures


REQUIRED_COLUMNS = {
    "yearly.csv": (
        "replicate", "year", "poor_households", "registered_households", "exits_households",
        "relapses_households", "spending_total",
    ),
    "relapse_curve.csv": (
        "scenario", "group", "horizon_years", "ratio_low", "ratio_high", "household_years",
        "probability", "probability_low", "probability_high",
    ),
    "survival.csv": (
        "scenario", "exit_channel", "event", "years_since_exit", "exits", "survival",
        "survival_low", "survival_high",
    ),
    "efficiency.csv": ("scenario", "left_out", "measure", "mean", "mean_low", "mean_high"),
    "comparison.csv": (
        "scenario", "indicator", "mean", "mean_low", "mean_high", "difference",
        "difference_low", "difference_high",
    ),
}  # fmt: skip
"""Columns each figure reads (docs: the issue 4 file formats); a file lacking one is refused."""


def read_checked(path: Path) -> pd.DataFrame:
    """A CSV of the formats, refused with a UserError naming the file when it cannot be parsed
    or lacks a column the figures read."""
    try:
        frame = read_csv_file(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UserError(f"{path}: cannot read the file: {exc}") from None
    missing = [c for c in REQUIRED_COLUMNS.get(path.name, ()) if c not in frame.columns]
    if missing:
        raise UserError(f"{path}: missing column(s) {', '.join(missing)}; was it edited?")
    return frame


def read_frames(directory: Path, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """The CSVs of `names` that `directory` holds, by name."""
    return {name: read_checked(directory / name) for name in names if (directory / name).is_file()}


def save_figures(figures: list[tuple[str, Figure]], plots_dir: Path) -> list[Path]:
    """Write each (file name, figure) into `plots_dir` as a byte-stable PNG."""
    plots_dir.mkdir(parents=True, exist_ok=True)
    return [save_png(figure, plots_dir / file_name) for file_name, figure in figures]


def has_leave_one_out(efficiency: pd.DataFrame) -> bool:
    """True when efficiency.csv holds leave-one-out rows."""
    return not leave_one_out_rows(efficiency).empty


def survival_events(survival: pd.DataFrame) -> list[str]:
    """Events of survival.csv, the documented ones first."""
    events = set(text_column(survival, "event"))
    return [e for e in SURVIVAL_EVENTS if e in events] + sorted(events - set(SURVIVAL_EVENTS))


def shared_drawings(frames: dict[str, pd.DataFrame]) -> list[tuple]:
    """Efficiency drawings, the same for a run and a comparison."""
    drawings = [("efficiency.png", "efficiency.csv", efficiency_bars, {})]
    if "efficiency.csv" in frames and has_leave_one_out(frames["efficiency.csv"]):
        drawings.append(("marginal_contributions.png", "efficiency.csv",
                         marginal_contributions, {}))  # fmt: skip
    return drawings


ANALYSIS_CSVS = ("relapse_curve.csv", "survival.csv", "efficiency.csv")


def plot_run_analysis(run_dir: Path) -> list[Path]:
    """Redraw every figure of a run directory from its saved files into RUN_DIR/plots/: the
    yearly figures (model.report.plots), the exit mix, and those of the analysis CSVs present."""
    run_dir = Path(run_dir)
    plots_dir = run_dir / "plots"
    written: list[Path] = []
    frames = read_frames(run_dir, ("yearly.csv", *ANALYSIS_CSVS))
    drawings = [
        ("exit_channels.png", "yearly.csv", exit_channel_mix, {}),
        ("relapse_risk.png", "relapse_curve.csv", relapse_risk_curve, {}),
        ("relapse_risk_by_cause.png", "relapse_curve.csv", relapse_risk_by_cause, {}),
    ]
    if "survival.csv" in frames:
        drawings += [
            (f"survival_{event}.png", "survival.csv", survival_curves, {"event": event})
            for event in survival_events(frames["survival.csv"])
        ]
    drawings += shared_drawings(frames)
    with matplotlib.style.context("default"):
        if "yearly.csv" in frames:
            written += plot_run(frames["yearly.csv"], plots_dir)
        written += save_figures(draw_all(frames, drawings), plots_dir)
    return written


def plot_comparison(compare_dir: Path) -> list[Path]:
    """Draw the comparison's own figures (panel of key indicators, relapse risk and survival by
    scenario, efficiency) from the CSVs present in COMPARE_DIR into COMPARE_DIR/plots/."""
    compare_dir = Path(compare_dir)
    frames = read_frames(compare_dir, ("comparison.csv", *ANALYSIS_CSVS))
    drawings = [
        ("comparison.png", "comparison.csv", comparison_panel, {}),
        ("relapse_risk_by_scenario.png", "relapse_curve.csv", relapse_risk_by_scenario, {}),
    ]
    if "survival.csv" in frames:
        drawings += [
            (f"survival_{event}_by_scenario.png", "survival.csv", survival_by_scenario,
             {"event": event})
            for event in survival_events(frames["survival.csv"])
        ]  # fmt: skip
    drawings += shared_drawings(frames)
    with matplotlib.style.context("default"):
        return save_figures(draw_all(frames, drawings), compare_dir / "plots")
