"""Every figure of a run or comparison directory, drawn from its saved CSVs into `plots/`.

`plot_run_analysis` and `plot_comparison` read whatever tables a directory holds (yearly.csv,
relapse_curve.csv, survival.csv, efficiency.csv, comparison.csv) and write every figure they
allow, as byte-stable PNGs (model.report.plots.save_png): the same CSV gives the same PNG bytes, so
`run.py plot DIR` reproduces a run's figures. The figures themselves are in
model/report/figures_relapse.py and model/report/figures_efficiency.py.

`run_figure_jobs` and `comparison_figure_jobs` list a directory's figures as FigureJobs
without drawing them, so that a comparison can draw them on its worker processes
(`draw_figure`, one job at a time); `plot_run_analysis` and `plot_comparison` draw them all
here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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
from model.report.files import read_csv_file
from model.report.plots import PLOTS, save_png
from model.report.style import text_column

# --- writing a directory's figures ---------------------------------------------------------


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


@dataclass(frozen=True)
class FigureJob:
    """One figure to draw: `draw(frame, **options)` saved as the PNG `path`.

    Picklable (`draw` is a module-level function, `frame` the table as read from its CSV),
    so a worker process can draw it: a comparison draws its figures on several processes.
    """

    path: Path
    draw: Callable[..., Figure]
    frame: pd.DataFrame
    options: dict = field(default_factory=dict)


def draw_figure(job: FigureJob) -> Path:
    """Draw one job in matplotlib's default style and write it as a byte-stable PNG."""
    job.path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.style.context("default"):
        return save_png(job.draw(job.frame, **job.options), job.path)


def figure_jobs(
    frames: dict[str, pd.DataFrame], drawings: list[tuple], plots_dir: Path
) -> list[FigureJob]:
    """A job per drawing (file name, CSV name, function, options) whose CSV was read; a
    drawing needing a CSV that is absent is skipped."""
    return [
        FigureJob(plots_dir / file_name, draw, frames[csv_name], options)
        for file_name, csv_name, draw, options in drawings
        if csv_name in frames
    ]


def run_figure_jobs(run_dir: Path) -> list[FigureJob]:
    """Every figure of a run directory, from its saved files, in the report's order: the
    yearly figures (model.report.plots), the exit mix, and those of the analysis CSVs present."""
    run_dir = Path(run_dir)
    frames = read_frames(run_dir, ("yearly.csv", *ANALYSIS_CSVS))
    drawings = [(file_name, "yearly.csv", draw, {}) for file_name, draw in PLOTS.items()]
    drawings += [
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
    return figure_jobs(frames, drawings, run_dir / "plots")


def comparison_figure_jobs(compare_dir: Path) -> list[FigureJob]:
    """The comparison's own figures (panel of key indicators, relapse risk and survival by
    scenario, efficiency), from the CSVs present in COMPARE_DIR."""
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
    return figure_jobs(frames, drawings, compare_dir / "plots")


def plot_run_analysis(run_dir: Path) -> list[Path]:
    """Redraw every figure of a run directory from its saved files into RUN_DIR/plots/."""
    return [draw_figure(job) for job in run_figure_jobs(run_dir)]


def plot_comparison(compare_dir: Path) -> list[Path]:
    """Draw the comparison's own figures from the CSVs present in COMPARE_DIR into
    COMPARE_DIR/plots/."""
    return [draw_figure(job) for job in comparison_figure_jobs(compare_dir)]
