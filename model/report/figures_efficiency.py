"""Exit channel mix, fund efficiency and the scenario comparison panel, drawn from
yearly.csv, efficiency.csv and comparison.csv.

Each function takes the frame as read from the CSV and returns a matplotlib Figure;
whiskers are 90% intervals (README, "Fund efficiency", "Comparing scenarios").
"""

from __future__ import annotations

import math

import matplotlib
import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from model.engine.state import EXIT_CHANNELS
from model.report.plots import agg_figure, thousands
from model.report.style import (
    HATCHES,
    MAX_BAR_WIDTH,
    PANEL_WIDTH_INCHES,
    WIDE_FIGSIZE_INCHES,
    indexed_by,
    legend_right,
    new_axes,
    note_no_data,
    percent_axis,
    pick_scenario,
    scenario_names,
    text_column,
    whiskers,
)

COMPARISON_INDICATORS = {
    # indicator: (panel title, y axis label, kind of number: share | count | yuan)
    "incidence_persons_final_year": ("Poverty incidence, final year", "share of persons", "share"),
    "exits_households_total": ("Exits, all years", "households", "count"),
    "relapse_within_3y_share_of_exits": (
        "Relapses within 3 years of exit", "share of exits", "share",
    ),
    "spending_total": ("Spending, all years", "yuan", "yuan"),
    "cost_per_lasting_exit": (
        "Cost per additional lasting exit", "yuan per lasting exit", "yuan",
    ),
    "registered_households_final_year": ("Registered, final year", "households", "count"),
}  # fmt: skip
"""Indicators of the comparison panel, in panel order; those absent from the file are skipped."""
MAX_COMPARISON_PANELS = 6


# --- exit channels -------------------------------------------------------------------------


def exit_channel_mix(yearly: pd.DataFrame) -> Figure:
    """Share of all exits by the channel that lifted the household over the line, over the
    whole run: each replicate's exits by channel summed over years over its total exits, then
    the mean over replicates (replicates without exits are left out), with the 5-95% range."""
    channels = [c for c in EXIT_CHANNELS if f"exits_by_{c}" in yearly]
    figure, axes = new_axes(
        "Exits by channel over the run", "share of all exits (mean of replicates)", "exit channel"
    )
    figure.subplots_adjust(left=0.18)
    totals = yearly.groupby("replicate", sort=True)[[f"exits_by_{c}" for c in channels]].sum()
    exits = totals.sum(axis=1)
    shares = totals[exits > 0].div(exits[exits > 0], axis=0)
    positions = np.arange(len(channels))[::-1]  # first channel on top
    labels = [c.replace("_", " ") for c in channels]
    axes.set_yticks(positions, labels)
    axes.set_xlim(0, 1.08)
    percent_axis(axes, "x")
    if shares.empty:
        note_no_data(axes, "no exits in this run")
        return figure
    mean = shares.mean()
    low, high = shares.quantile(0.05), shares.quantile(0.95)
    axes.barh(
        positions, mean, color="0.55", edgecolor="black", height=0.6,
        xerr=whiskers(mean, low, high), capsize=3,
    )  # fmt: skip
    for position, share, top in zip(positions, mean, high, strict=True):
        axes.text(top + 0.01, position, f"{share:.0%}", va="center", fontsize="small")
    replicates = len(shares)
    axes.set_title(
        f"Exits by channel over the run ({int(exits.mean()):,} exits per replicate, "
        f"whiskers: 5-95% of {replicates} replicates)",
        fontsize="medium",
    )
    return figure


# --- fund efficiency -----------------------------------------------------------------------


def package_rows(efficiency: pd.DataFrame) -> pd.DataFrame:
    """Rows of the whole package against no intervention (`left_out` empty)."""
    return efficiency[text_column(efficiency, "left_out") == ""]


def leave_one_out_rows(efficiency: pd.DataFrame) -> pd.DataFrame:
    """Rows of the leave-one-out runs (`left_out` names the instrument left out)."""
    return efficiency[text_column(efficiency, "left_out") != ""]


def bar_value_text(value: float) -> str:
    """The mean written by a bar: whole numbers once large, one decimal when small."""
    if not np.isfinite(value):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def grouped_bars(
    axes: Axes, groups: list[str], series: list[tuple[str, pd.DataFrame]], horizontal: bool = False
) -> None:
    """Bars of `mean` per group, one hatched series per (label, rows indexed by group), with
    mean_low/mean_high whiskers and the mean written beyond the whisker's end."""
    positions = np.arange(len(groups), dtype=float)
    if horizontal:
        positions = positions[::-1]
    width = min(0.8 / max(len(series), 1), MAX_BAR_WIDTH)
    for index, (label, rows) in enumerate(series):
        rows = rows.reindex(groups)
        offset = (index - (len(series) - 1) / 2) * width * (-1 if horizontal else 1)
        where = positions + offset
        mean = rows["mean"].to_numpy(dtype=float)
        error = whiskers(rows["mean"], rows["mean_low"], rows["mean_high"])
        draw = axes.barh if horizontal else axes.bar
        draw(
            where, np.nan_to_num(mean), width * 0.95, label=label,
            hatch=HATCHES[index % len(HATCHES)], edgecolor="black", capsize=3,
            **({"xerr": error} if horizontal else {"yerr": error}),
        )  # fmt: skip
        ends = np.where(mean < 0, np.nan_to_num(mean) - error[0], np.nan_to_num(mean) + error[1])
        for spot, value, end in zip(where, mean, ends, strict=True):
            outward = -1 if value < 0 else 1
            if horizontal:
                axes.annotate(
                    bar_value_text(value), (end, spot), xytext=(4 * outward, 0),
                    textcoords="offset points", va="center", fontsize="small",
                    ha="right" if outward < 0 else "left",
                )  # fmt: skip
            else:
                axes.annotate(
                    bar_value_text(value), (spot, end), xytext=(0, 4 * outward),
                    textcoords="offset points", ha="center", fontsize="small",
                    va="top" if outward < 0 else "bottom",
                )  # fmt: skip
    ticks = axes.set_yticks if horizontal else axes.set_xticks
    ticks(positions, groups)
    (axes.axvline if horizontal else axes.axhline)(0, color="black", linewidth=0.8)
    span = (-0.7, len(groups) - 0.3)  # a single group keeps narrow bars
    if horizontal:
        axes.set_ylim(*span)
        axes.margins(x=0.12)
    else:
        axes.set_xlim(*span)
        axes.margins(y=0.1)


EFFICIENCY_BARS = {
    "cost_per_exit": "per additional exit",
    "cost_per_lasting_exit": "per additional lasting exit",
}


def efficiency_bars(efficiency: pd.DataFrame) -> Figure:
    """Yuan spent per additional exit and per additional lasting exit (the package against the
    paired no-intervention run), one bar pair per scenario, whiskers the 90% interval."""
    rows = package_rows(efficiency)
    scenarios = scenario_names(rows)
    figure, axes = new_axes(
        "Fund efficiency: cost of the package per additional exit", "scenario",
        "yuan per additional exit", figsize=WIDE_FIGSIZE_INCHES,
    )  # fmt: skip
    axes.grid(False, axis="x")
    axes.yaxis.set_major_formatter(FuncFormatter(thousands))
    measures = text_column(rows, "measure")
    series = [
        (label, indexed_by(rows[measures == measure], "scenario"))
        for measure, label in EFFICIENCY_BARS.items()
        if (measures == measure).any()
    ]
    if not series or not scenarios:
        note_no_data(axes, "no cost-per-exit figures")
        return figure
    grouped_bars(axes, scenarios, series)
    if len(scenarios) > 3:
        axes.tick_params(axis="x", labelrotation=20)
    legend_right(figure, axes, "bars: mean,\nwhiskers: 90% interval")
    return figure


def marginal_contributions(efficiency: pd.DataFrame) -> Figure:
    """Additional lasting exits each instrument brings (the package minus the package without
    it, paired over replicates), one bar per instrument and scenario, whiskers 90% interval."""
    rows = leave_one_out_rows(efficiency)
    rows = rows[text_column(rows, "measure") == "marginal_lasting_exits"]
    instruments = sorted(set(text_column(rows, "left_out")))
    figure, axes = new_axes(
        "Marginal contribution of each instrument (leave one out)",
        "additional lasting exits (households)", "instrument left out",
        figsize=(WIDE_FIGSIZE_INCHES[0], max(4.0, 1.2 + 0.45 * len(instruments))),
    )  # fmt: skip
    longest_name = max((len(name) for name in instruments), default=10)
    figure.subplots_adjust(left=min(0.45, 0.08 + 0.0095 * longest_name))  # names stay whole
    axes.grid(False, axis="y")
    if rows.empty:
        note_no_data(axes, "no leave-one-out runs")
        return figure
    series = [
        (scenario, indexed_by(pick_scenario(rows, scenario), "left_out"))
        for scenario in scenario_names(rows)
    ]
    grouped_bars(axes, instruments, series, horizontal=True)
    legend_right(figure, axes, "scenario\n(whiskers: 90% interval)")
    return figure


# --- comparison of scenarios ---------------------------------------------------------------


MILLION = 1e6


def axis_scale(kind: str, ylabel: str, values: pd.Series) -> tuple[float, str]:
    """(divisor, y label) of a panel: yuan in millions once they reach a million, so the tick
    labels stay short."""
    finite = np.abs(values.to_numpy(dtype=float))
    finite = finite[np.isfinite(finite)]
    if kind == "yuan" and finite.size and finite.max() >= MILLION:
        return MILLION, ylabel.replace("yuan", "million yuan")
    return 1.0, ylabel


def format_value(value: float, kind: str, signed: bool = False, scale: float = 1.0) -> str:
    """A number of the comparison: shares as % (differences in percentage points), counts
    and yuan with thousands separators, or in units of `scale` to one decimal."""
    if value is None or not np.isfinite(value):
        return "n/a"
    sign = "+" if signed else ""
    if scale != 1.0:
        return f"{value / scale:{sign},.1f}"
    if kind == "share":
        return f"{value * 100:{sign}.1f} pp" if signed else f"{value:.1%}"
    if kind == "count" and abs(value) < 100:
        return f"{value:{sign},.1f}"
    return f"{value:{sign},.0f}"


def difference_label(row: pd.Series, kind: str, scale: float = 1.0) -> str:
    """`diff +1.2 pp` over `(+0.3 to +2.1)`: the paired difference to the first scenario and
    its interval, in the panel's units."""
    text = f"diff {format_value(row['difference'], kind, True, scale)}"
    low, high = row.get("difference_low"), row.get("difference_high")
    if low is not None and high is not None and np.isfinite(low) and np.isfinite(high):
        bounds = [format_value(bound, kind, True, scale) for bound in (low, high)]
        text += f"\n({bounds[0]} to {bounds[1]})".replace(" pp", "") + (
            " pp" if kind == "share" and scale == 1.0 else ""
        )
    return text


def comparison_panel(comparison: pd.DataFrame) -> Figure:
    """Key indicators side by side, one panel each: horizontal bars the mean per scenario with
    its 90% interval, and beside each later scenario its paired difference to the first one."""
    indicators = text_column(comparison, "indicator")
    present = [key for key in COMPARISON_INDICATORS if (indicators == key).any()]
    present = present[:MAX_COMPARISON_PANELS]
    scenarios = scenario_names(comparison)
    columns = 2
    rows_count = max(1, math.ceil(len(present) / columns))
    axes_height = 0.45 * max(len(scenarios), 2)  # inches
    gap, top, bottom = 1.0, 1.0, 0.6  # inches between panel rows, above and below them
    height = top + bottom + rows_count * axes_height + (rows_count - 1) * gap
    figure = agg_figure((PANEL_WIDTH_INCHES, height))
    figure.subplots_adjust(
        left=0.16, right=0.98, bottom=bottom / height, top=1 - top / height, wspace=0.55,
        hspace=gap / axes_height,
    )  # fmt: skip
    reference = scenarios[0] if scenarios else ""
    figure.suptitle(
        "Scenarios compared\n(bars: mean with its 90% interval; "
        f"diff: paired difference to {reference} with its 90% interval)",
        fontsize="medium",
    )
    panels = figure.subplots(rows_count, columns, squeeze=False).ravel()
    for axes in panels[len(present) :]:
        axes.set_axis_off()
    if not present:
        panels[0].set_axis_on()
        panels[0].set_title("Scenarios compared")
        note_no_data(panels[0], "none of the key indicators in comparison.csv")
        return figure
    for axes, indicator in zip(panels, present, strict=False):
        comparison_bars(axes, comparison[indicators == indicator], indicator, scenarios)
    return figure


def comparison_bars(axes: Axes, rows: pd.DataFrame, indicator: str, scenarios: list[str]) -> None:
    """One panel of the comparison: a bar per scenario (first on top), the difference to the
    first scenario written beside each later one."""
    title, xlabel, kind = COMPARISON_INDICATORS[indicator]
    rows = indexed_by(rows, "scenario").reindex(scenarios)
    scale, xlabel = axis_scale(kind, xlabel, rows["mean"])
    positions = np.arange(len(scenarios))[::-1]
    colours = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    mean = rows["mean"].to_numpy(dtype=float)
    error = whiskers(rows["mean"], rows["mean_low"], rows["mean_high"])
    axes.barh(
        positions, np.nan_to_num(mean) / scale, 0.6, edgecolor="black",
        color=[colours[i % len(colours)] for i in range(len(scenarios))],
        hatch=[HATCHES[i % len(HATCHES)] for i in range(len(scenarios))],
        xerr=error / scale, capsize=3,
    )  # fmt: skip
    ends = (np.nan_to_num(mean) + np.where(mean < 0, -error[0], error[1])) / scale
    for i, (scenario, position) in enumerate(zip(scenarios, positions, strict=True)):
        text = "reference" if i == 0 else difference_label(rows.loc[scenario], kind, scale)
        outward = -1 if mean[i] < 0 else 1
        axes.annotate(
            text, (ends[i], position), xytext=(4 * outward, 0), textcoords="offset points",
            va="center", ha="left" if outward > 0 else "right", fontsize="x-small",
        )  # fmt: skip
    axes.set_yticks(positions, scenarios, fontsize="small")
    axes.set_ylim(-0.6, len(scenarios) - 0.4)
    axes.margins(x=0.45)  # room for the differences beside the bars
    axes.xaxis.set_major_locator(MaxNLocator(nbins=5))
    axes.set_title(title, fontsize="medium")
    axes.set_xlabel(xlabel, fontsize="small")
    axes.set_ylabel("scenario", fontsize="small")
    axes.axvline(0, color="black", linewidth=0.8)
    axes.grid(True, axis="x", alpha=0.3)
    if kind == "share":
        percent_axis(axes, "x")
    elif scale == 1.0:
        axes.xaxis.set_major_formatter(FuncFormatter(thousands))
