"""Figures of a run's or a comparison's analysis files, written as byte-stable PNGs into `plots/`.

Each figure function takes the frames as read from the CSVs of issue 4 (relapse_curve.csv,
survival.csv, efficiency.csv, comparison.csv; yearly.csv for the exit mix) and returns a
matplotlib Figure; `plot_run_analysis` and `plot_comparison` read whatever CSVs a directory
holds and write every figure they allow. Like model.plots: Agg canvas (no pyplot), the
default style, fixed sizes and margins and no PNG "Software" stamp, so the same CSV gives
the same PNG bytes. Several series on one axes differ by line style and marker as well as
colour, so a greyscale print still tells them apart. Intervals are 90% throughout.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from model.errors import UserError
from model.plots import DPI, FIGSIZE_INCHES, MARGINS, plot_run, save_png, thousands
from model.report import read_csv_file
from model.state import CAUSES, EXIT_CHANNELS

HORIZONS_YEARS = (1, 3, 5)
MIN_HOUSEHOLD_YEARS = 30
"""Ratio bins with fewer household-years are not drawn: a handful of households gives 0 or 1."""
RELAPSE_LEGEND_NOTE = f"band: 90% interval,\nbins of {MIN_HOUSEHOLD_YEARS}+ household-years"
MIN_EXITS_FOR_SURVIVAL = 20
"""Exit channels with fewer exits than this get no survival curve: the steps would be noise."""
BAND_ALPHA = 0.15
LINE_STYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 2)), (0, (8, 2)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
HATCHES = ("", "//", "..", "xx", "\\\\", "--", "++", "oo")
"""Bar fills that differ in greyscale too (bars also take the colour cycle)."""
ALL_COLOUR = "black"
WIDE_FIGSIZE_INCHES = (9.0, 5.0)
PANEL_WIDTH_INCHES = 11.0
MAX_BAR_WIDTH = 0.3
"""Widest bar (in group spacings): one scenario's pair of bars should not fill the axes."""
LEGEND_RIGHT = 0.74
"""Right margin of the axes when the legend sits to their right."""

SURVIVAL_EVENTS = {
    # event: (figure title, y axis label)
    "poor_again": (
        "Staying out of poverty after exit",
        "share still out of poverty",
    ),
    "re_registered": (
        "Staying off the registry after exit",
        "share not re-registered",
    ),
}

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


# --- shared drawing helpers ----------------------------------------------------------------


def new_axes(
    title: str, xlabel: str, ylabel: str, figsize: tuple[float, float] = FIGSIZE_INCHES
) -> tuple[Figure, Axes]:
    """A figure on its own Agg canvas with one titled, labelled, gridded axes."""
    figure = Figure(figsize=figsize, dpi=DPI)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(**MARGINS)
    axes = figure.add_subplot()
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.grid(True, alpha=0.3)
    return figure, axes


def series_style(index: int) -> dict:
    """Line style and marker of the index-th series (greyscale-distinguishable)."""
    return {
        "linestyle": LINE_STYLES[index % len(LINE_STYLES)],
        "marker": MARKERS[index % len(MARKERS)],
    }


def note_no_data(axes: Axes, text: str) -> None:
    """Say in the middle of an empty axes why it is empty (better than a missing figure)."""
    axes.text(0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center", color="0.3")


def text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A label column as strings, empty cells (read as NaN) as ""."""
    return frame[column].fillna("").astype(str)


def whiskers(mean: pd.Series, low: pd.Series, high: pd.Series) -> np.ndarray:
    """`yerr` for bars from interval bounds; a missing bound draws no whisker."""
    mean = np.asarray(mean, dtype=float)
    below = mean - np.asarray(low, dtype=float)
    above = np.asarray(high, dtype=float) - mean
    return np.clip(np.nan_to_num(np.vstack([below, above])), 0, None)


def percent_axis(axes: Axes, axis: str = "y") -> None:
    """Tick labels of a 0-1 share as percentages."""
    target = axes.yaxis if axis == "y" else axes.xaxis
    target.set_major_formatter(PercentFormatter(xmax=1.0))


def pick_scenario(frame: pd.DataFrame, scenario: str | None) -> pd.DataFrame:
    """Rows of `scenario`, or of the file's first scenario when None (a run has just one)."""
    if frame.empty or "scenario" not in frame:
        return frame
    names = text_column(frame, "scenario")
    chosen = names.iloc[0] if scenario is None else scenario
    return frame[names == chosen]


def indexed_by(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """`frame` indexed by a label column, first row of each label kept (so reindex works)."""
    indexed = frame.set_index(text_column(frame, column))
    return indexed[~indexed.index.duplicated()]


def scenario_names(frame: pd.DataFrame) -> list[str]:
    """Scenarios of a stacked file in order of first appearance (the comparison's order)."""
    return list(dict.fromkeys(text_column(frame, "scenario")))


def legend_right(figure: Figure, axes: Axes, title: str | None = None) -> None:
    """Legend outside the axes on the right, so it never hides a curve."""
    figure.subplots_adjust(right=LEGEND_RIGHT)
    axes.legend(
        title=title, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small",
        title_fontsize="small", frameon=False,
    )  # fmt: skip


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


# --- relapse risk --------------------------------------------------------------------------


def relapse_rows(relapse_curve: pd.DataFrame, group: str, horizon: int) -> pd.DataFrame:
    """One group's bins at one horizon with data, by ratio, with the bin midpoint as `ratio`."""
    rows = relapse_curve[
        (text_column(relapse_curve, "group") == group)
        & (relapse_curve["horizon_years"] == horizon)
        & relapse_curve["probability"].notna()
        & (relapse_curve["household_years"] >= MIN_HOUSEHOLD_YEARS)
    ].sort_values("ratio_low")
    return rows.assign(ratio=(rows["ratio_low"] + rows["ratio_high"]) / 2)


def draw_probability(axes: Axes, rows: pd.DataFrame, label: str, index: int, **style) -> None:
    """A probability line over the ratio with its interval band."""
    (line,) = axes.plot(
        rows["ratio"], rows["probability"], label=label, markersize=4,
        **{**series_style(index), **style},
    )  # fmt: skip
    axes.fill_between(
        rows["ratio"], rows["probability_low"], rows["probability_high"],
        color=line.get_color(), alpha=BAND_ALPHA, linewidth=0,
    )  # fmt: skip


def relapse_axes(title: str) -> tuple[Figure, Axes]:
    """Axes for relapse risk over the income-to-line ratio, with the poverty line marked."""
    figure, axes = new_axes(
        title, "income-to-line ratio this year", "P(below the line within h years)",
        figsize=WIDE_FIGSIZE_INCHES,
    )  # fmt: skip
    axes.axvline(1.0, color="0.4", linewidth=1, linestyle=(0, (2, 2)))
    axes.text(1.01, 0.98, "the line", transform=axes.get_xaxis_transform(), va="top", color="0.3")
    percent_axis(axes)
    return figure, axes


def finish_probability_axes(axes: Axes, drawn: int) -> None:
    """Probability axes from 0 to at most 100%; a note instead of a legend when empty."""
    top = axes.get_ylim()[1]
    axes.set_ylim(0, min(1.0, max(top, 0.05)))
    if not drawn:
        note_no_data(axes, "no household-years in these bins")


def relapse_risk_curve(relapse_curve: pd.DataFrame, scenario: str | None = None) -> Figure:
    """Probability of falling below the line within 1, 3 and 5 years by this year's
    income-to-line ratio (all households), with Clopper-Pearson 90% bands: how far above
    the line a household must be to be safe."""
    rows = pick_scenario(relapse_curve, scenario)
    title = "Risk of falling below the line by income this year"
    if scenario is not None:
        title += f" ({scenario})"
    figure, axes = relapse_axes(title)
    drawn = 0
    for index, horizon in enumerate(HORIZONS_YEARS):
        curve = relapse_rows(rows, "all", horizon)
        if curve.empty:
            continue
        label = f"within {horizon} year" + ("" if horizon == 1 else "s")
        draw_probability(axes, curve, label, index, color=f"{0.45 * index / 2:.2f}")
        drawn += 1
    finish_probability_axes(axes, drawn)
    if drawn:
        legend_right(figure, axes, f"all households,\n{RELAPSE_LEGEND_NOTE}")
    return figure


def relapse_risk_by_cause(
    relapse_curve: pd.DataFrame, horizon: int = 3, scenario: str | None = None
) -> Figure:
    """Probability of falling below the line within `horizon` years by income-to-line ratio,
    one line per recorded cause of poverty (groups without data skipped), all households in
    black."""
    rows = pick_scenario(relapse_curve, scenario)
    figure, axes = relapse_axes(f"Risk of falling below the line within {horizon} years, by cause")
    groups = [*CAUSES, *sorted(set(text_column(rows, "group")) - {"all", *CAUSES})]
    drawn = 0
    for group in groups:
        curve = relapse_rows(rows, group, horizon)
        if curve.empty:
            continue
        draw_probability(axes, curve, group.replace("_", " "), drawn)
        drawn += 1
    everyone = relapse_rows(rows, "all", horizon)
    if not everyone.empty:
        draw_probability(axes, everyone, "all households", 0, color=ALL_COLOUR, linewidth=2)
    finish_probability_axes(axes, drawn + (not everyone.empty))
    if drawn or not everyone.empty:
        legend_right(figure, axes, f"recorded cause,\n{RELAPSE_LEGEND_NOTE}")
    return figure


def relapse_risk_by_scenario(relapse_curve: pd.DataFrame, horizon: int = 3) -> Figure:
    """Probability of falling below the line within `horizon` years by income-to-line ratio
    (all households), one line per scenario of a comparison."""
    figure, axes = relapse_axes(
        f"Risk of falling below the line within {horizon} years, by scenario"
    )
    drawn = 0
    for scenario in scenario_names(relapse_curve):
        curve = relapse_rows(pick_scenario(relapse_curve, scenario), "all", horizon)
        if curve.empty:
            continue
        draw_probability(axes, curve, scenario, drawn)
        drawn += 1
    finish_probability_axes(axes, drawn)
    if drawn:
        legend_right(figure, axes, f"scenario,\n{RELAPSE_LEGEND_NOTE}")
    return figure


# --- survival after exit -------------------------------------------------------------------


def survival_rows(survival: pd.DataFrame, channel: str, event: str) -> pd.DataFrame:
    """One exit channel's Kaplan-Meier rows for `event`, by years since exit."""
    rows = survival[
        (text_column(survival, "exit_channel") == channel)
        & (text_column(survival, "event") == event)
        & survival["survival"].notna()
    ]
    return rows.sort_values("years_since_exit")


def channel_exits(rows: pd.DataFrame) -> int:
    """Exits behind a channel's curve (the `exits` column; 0 when the curve is empty)."""
    return 0 if rows.empty else int(np.nan_to_num(rows["exits"].max()))


def draw_survival(axes: Axes, rows: pd.DataFrame, label: str, index: int, **style) -> None:
    """A Kaplan-Meier step curve with its interval band."""
    years = rows["years_since_exit"].to_numpy(dtype=float)
    (line,) = axes.step(
        years, rows["survival"], where="post", label=label, markersize=4,
        **{**series_style(index), **style},
    )  # fmt: skip
    axes.fill_between(
        years, rows["survival_low"], rows["survival_high"], step="post",
        color=line.get_color(), alpha=BAND_ALPHA, linewidth=0,
    )  # fmt: skip


def survival_axes(event: str, by: str) -> tuple[Figure, Axes]:
    """Axes for survival curves after exit, split `by` (exit channel, scenario): years since
    exit against the share still without the event."""
    title, ylabel = SURVIVAL_EVENTS.get(
        event, (f"Time to {event.replace('_', ' ')} after exit", "share without the event")
    )
    figure, axes = new_axes(
        f"{title}, by {by}", "years since exit", ylabel, figsize=WIDE_FIGSIZE_INCHES
    )
    percent_axis(axes)
    axes.xaxis.get_major_locator().set_params(integer=True)
    return figure, axes


def lowest_share(curve: pd.DataFrame) -> float:
    """The lowest survival or lower bound of a curve (inf when there is none)."""
    values = curve[["survival", "survival_low"]].to_numpy(dtype=float)
    return float(np.nanmin(values)) if np.isfinite(values).any() else np.inf


def finish_survival_axes(axes: Axes, lowest: float, drawn: int) -> None:
    """Y axis from a round share below the lowest band to 100%; a note when nothing drawn."""
    floor = 0.0 if not np.isfinite(lowest) else max(0.0, math.floor(lowest * 10 - 0.5) / 10)
    axes.set_ylim(floor, 1.02)
    axes.set_xlim(left=0)
    if not drawn:
        note_no_data(axes, "no exits to follow")


def survival_curves(
    survival: pd.DataFrame, event: str = "poor_again", scenario: str | None = None
) -> Figure:
    """Kaplan-Meier share of exited households without `event` by years since exit, one step
    curve per exit channel with at least MIN_EXITS_FOR_SURVIVAL exits, all channels in black."""
    rows = pick_scenario(survival, scenario)
    figure, axes = survival_axes(event, "exit channel")
    drawn, lowest = 0, np.inf
    for channel in EXIT_CHANNELS:
        curve = survival_rows(rows, channel, event)
        exits = channel_exits(curve)
        if exits < MIN_EXITS_FOR_SURVIVAL:
            continue
        draw_survival(axes, curve, f"{channel.replace('_', ' ')} ({exits:,} exits)", drawn)
        lowest = min(lowest, lowest_share(curve))
        drawn += 1
    everyone = survival_rows(rows, "all", event)
    if not everyone.empty:
        label = f"all channels ({channel_exits(everyone):,} exits)"
        draw_survival(axes, everyone, label, 0, color=ALL_COLOUR, linewidth=2)
        lowest = min(lowest, lowest_share(everyone))
        drawn += 1
    finish_survival_axes(axes, lowest, drawn)
    if drawn:
        legend_right(
            figure, axes, f"exit channel\n(at least {MIN_EXITS_FOR_SURVIVAL} exits),\n"
            "band: 90% interval",
        )  # fmt: skip
    return figure


def survival_by_scenario(survival: pd.DataFrame, event: str = "poor_again") -> Figure:
    """Kaplan-Meier share of exited households without `event`, all exit channels together,
    one step curve per scenario of a comparison."""
    figure, axes = survival_axes(event, "scenario")
    drawn, lowest = 0, np.inf
    for scenario in scenario_names(survival):
        curve = survival_rows(pick_scenario(survival, scenario), "all", event)
        if curve.empty:
            continue
        draw_survival(axes, curve, f"{scenario} ({channel_exits(curve):,} exits)", drawn)
        lowest = min(lowest, lowest_share(curve))
        drawn += 1
    finish_survival_axes(axes, lowest, drawn)
    if drawn:
        legend_right(figure, axes, "scenario (all channels),\nband: 90% interval")
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
    figure = Figure(figsize=(PANEL_WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
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
    yearly figures (model.plots), the exit mix, and the figures of the analysis CSVs present."""
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
