"""The sweep viewer: open a finished sweep directory, plot any indicator against any factor
with its replicate band, and show the sweep's sensitivity table when it has one.

Sweep directories are those `run.py sweep` wrote under outputs/ of the directory the app
was started in (model.sweeps.directory: results.parquet, points.csv, manifest.json; a
directory without its manifest is unfinished and not offered).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure

from model.app.paths import outputs_root
from model.report.files import MANIFEST_NAME
from model.sweeps.directory import POINTS_NAME, RESULTS_NAME

SENSITIVITY_NAME = "sensitivity.csv"
SEARCH_DEPTH = 3
"""How many folder levels below outputs/ the viewer looks for sweep directories."""


def finished_sweeps(root: Path) -> list[Path]:
    """Sweep directories under `root` (up to SEARCH_DEPTH levels) holding results.parquet,
    points.csv and manifest.json, sorted by path."""
    found = []
    for depth in range(1, SEARCH_DEPTH + 1):
        for results in root.glob("/".join(["*"] * depth) + f"/{RESULTS_NAME}"):
            folder = results.parent
            if (folder / POINTS_NAME).is_file() and (folder / MANIFEST_NAME).is_file():
                found.append(folder)
    return sorted(found)


def factor_columns(sweep_dir: Path) -> list[str]:
    """The sweep's factors: the columns of points.csv but the point id and design columns."""
    points = pd.read_csv(sweep_dir / POINTS_NAME, nrows=1)
    return [c for c in points.columns if c != "point_id" and not c.startswith("saltelli_")]


def indicator_columns(results: pd.DataFrame, factors: list[str]) -> list[str]:
    """Numeric columns of results.parquet that are yearly indicators."""
    skip = {"point_id", "replicate", "year", *factors}
    numeric = pd.api.types.is_numeric_dtype
    return [c for c in results.columns if c not in skip and numeric(results[c])]


def indicator_by_factor(
    results: pd.DataFrame, factor: str, indicator: str, year: int
) -> pd.DataFrame:
    """Per value of `factor`: the mean of `indicator` in `year` over every run at that value
    (replicates, and the other factors' values), and its 5-95% band."""
    rows = results[results["year"] == year]
    grouped = rows.groupby(factor)[indicator]
    return pd.DataFrame({
        "mean": grouped.mean(), "low": grouped.quantile(0.05), "high": grouped.quantile(0.95),
        "runs": grouped.size(),
    }).reset_index()  # fmt: skip


def sweep_figure(table: pd.DataFrame, factor: str, indicator: str, year: int) -> Figure:
    """The indicator against the factor, with the band of the runs at each value."""
    figure = Figure(figsize=(7.0, 4.2), dpi=90)
    axes = figure.add_subplot()
    x = table[factor].to_numpy(dtype=float)
    axes.fill_between(x, table["low"], table["high"], alpha=0.25, label="5-95% of runs")
    axes.plot(x, table["mean"], marker="o", label="mean")
    axes.set_xlabel(factor)
    axes.set_ylabel(indicator)
    axes.set_title(f"{indicator} in {year} by {factor}", fontsize=10)
    axes.legend(loc="best")
    figure.tight_layout()
    return figure


@solara.component
def SweepPage():
    """Pick a sweep directory; SweepView shows it."""
    sweeps = finished_sweeps(outputs_root())
    chosen, set_chosen = solara.use_state(str(sweeps[0]) if sweeps else None)
    solara.Title("Sweep viewer")
    if not sweeps:
        solara.Info(
            f"No finished sweep under {outputs_root()}: run one first, e.g. "
            "`python run.py sweep sweeps/example.yaml --out outputs/sweep_example`."
        )
        return
    solara.Select("sweep directory", values=[str(s) for s in sweeps], value=chosen,
                  on_value=set_chosen)  # fmt: skip
    SweepView(Path(chosen)).key(chosen)


@solara.component
def SweepView(sweep_dir: Path):
    """One sweep: pick an indicator, a factor and a year; see the plot and the sensitivity."""
    results = solara.use_memo(lambda: pd.read_parquet(sweep_dir / RESULTS_NAME), [])
    factors = factor_columns(sweep_dir)
    indicators = indicator_columns(results, factors)
    years = sorted(int(y) for y in np.unique(results["year"]))
    factor, set_factor = solara.use_state(factors[0])
    indicator, set_indicator = solara.use_state(
        "incidence_persons" if "incidence_persons" in indicators else indicators[0]
    )
    year, set_year = solara.use_state(years[-1])
    with solara.Row():
        solara.Select("indicator", values=indicators, value=indicator, on_value=set_indicator)
        solara.Select("factor", values=factors, value=factor, on_value=set_factor)
        solara.Select("year", values=years, value=year, on_value=set_year)
    table = indicator_by_factor(results, factor, indicator, year)
    solara.FigureMatplotlib(sweep_figure(table, factor, indicator, year), format="png")
    solara.DataFrame(table, items_per_page=20)
    sensitivity = sweep_dir / SENSITIVITY_NAME
    if sensitivity.is_file():
        with solara.Card("Sensitivity (sensitivity.csv)"):
            solara.DataFrame(pd.read_csv(sensitivity), items_per_page=30)
    else:
        solara.Text("This sweep has no sensitivity table (`run.py sensitivity` writes one).")
