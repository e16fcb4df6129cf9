"""Relapse-risk curves and survival after exit, drawn from relapse_curve.csv and survival.csv.

Each function takes the frame as read from the CSV and returns a matplotlib Figure;
intervals are 90% throughout (README, "Relapse, survival and vulnerability").
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from model.engine.state import CAUSES, EXIT_CHANNELS
from model.report.style import (
    ALL_COLOUR,
    BAND_ALPHA,
    WIDE_FIGSIZE_INCHES,
    legend_right,
    new_axes,
    note_no_data,
    percent_axis,
    pick_scenario,
    scenario_names,
    series_style,
    text_column,
)

HORIZONS_YEARS = (1, 3, 5)  # as model.analysis.relapse.HORIZONS_YEARS, without importing the engine
MIN_HOUSEHOLD_YEARS = 30
"""Ratio bins with fewer household-years are not drawn: a handful of households gives 0 or 1."""
RELAPSE_LEGEND_NOTE = f"band: 90% interval,\nbins of {MIN_HOUSEHOLD_YEARS}+ household-years"
MIN_EXITS_FOR_SURVIVAL = 20
"""Exit channels with fewer exits followed a year get no survival curve: the steps would be
noise."""

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


# --- relapse risk --------------------------------------------------------------------------


NO_ROWS = pd.DataFrame()
"""What a split gives for a label it does not hold (`.empty`, like a filter finding nothing)."""


def split_by(rows: pd.DataFrame, column: str) -> dict[str, pd.DataFrame]:
    """`rows` split by the label `column`, in order of first appearance, the rows' order kept:
    one pass over the labels instead of a text comparison of the whole file per curve."""
    labels = text_column(rows, column).to_numpy()
    return {label: rows[labels == label] for label in dict.fromkeys(labels)}


def relapse_curves(relapse_curve: pd.DataFrame, horizon: int, by: str = "group") -> dict:
    """The bins at one horizon with data, split by the label column `by` (group, scenario):
    each by ratio, with the bin midpoint as `ratio`."""
    rows = relapse_curve[
        (relapse_curve["horizon_years"] == horizon)
        & relapse_curve["probability"].notna()
        & (relapse_curve["household_years"] >= MIN_HOUSEHOLD_YEARS)
    ].sort_values("ratio_low", kind="stable")
    return split_by(rows.assign(ratio=(rows["ratio_low"] + rows["ratio_high"]) / 2), by)


def draw_probability(axes: Axes, rows: pd.DataFrame, label: str, index: int, **style) -> None:
    """A probability line over the ratio with its interval band."""
    ratio = rows["ratio"].to_numpy(dtype=float)
    (line,) = axes.plot(
        ratio, rows["probability"].to_numpy(dtype=float), label=label, markersize=4,
        **{**series_style(index), **style},
    )  # fmt: skip
    axes.fill_between(
        ratio, rows["probability_low"].to_numpy(dtype=float),
        rows["probability_high"].to_numpy(dtype=float),
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
    everyone = rows[text_column(rows, "group") == "all"]
    for index, horizon in enumerate(HORIZONS_YEARS):
        curve = relapse_curves(everyone, horizon).get("all", NO_ROWS)
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
    curves = relapse_curves(rows, horizon)
    drawn = 0
    for group in groups:
        curve = curves.get(group, NO_ROWS)
        if curve.empty:
            continue
        draw_probability(axes, curve, group.replace("_", " "), drawn)
        drawn += 1
    everyone = curves.get("all", NO_ROWS)
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
    everyone = relapse_curve[text_column(relapse_curve, "group") == "all"]
    curves = relapse_curves(everyone, horizon, by="scenario")
    drawn = 0
    for scenario in scenario_names(relapse_curve):
        curve = curves.get(scenario, NO_ROWS)
        if curve.empty:
            continue
        draw_probability(axes, curve, scenario, drawn)
        drawn += 1
    finish_probability_axes(axes, drawn)
    if drawn:
        legend_right(figure, axes, f"scenario,\n{RELAPSE_LEGEND_NOTE}")
    return figure


# --- survival after exit -------------------------------------------------------------------


def survival_curves_by(survival: pd.DataFrame, event: str, by: str) -> dict[str, pd.DataFrame]:
    """The Kaplan-Meier rows of `event` split by the label column `by` (exit channel,
    scenario), each by years since exit."""
    rows = survival[(text_column(survival, "event") == event) & survival["survival"].notna()]
    return split_by(rows.sort_values("years_since_exit", kind="stable"), by)


def channel_exits(rows: pd.DataFrame) -> int:
    """Exits behind a channel's curve (the `exits` column; 0 when the curve is empty)."""
    return 0 if rows.empty else int(np.nan_to_num(rows["exits"].max()))


def followed_a_year(rows: pd.DataFrame) -> int:
    """Exits of a curve still followed one year after exit (at risk at year 1): exits in a
    run's last year, e.g. a deadline's, have no follow-up and would draw a flat line."""
    if rows.empty:
        return 0
    year_one = rows[rows["years_since_exit"] == 1]
    return 0 if year_one.empty else int(np.nan_to_num(year_one["at_risk"].max()))


def draw_survival(axes: Axes, rows: pd.DataFrame, label: str, index: int, **style) -> None:
    """A Kaplan-Meier step curve with its interval band."""
    years = rows["years_since_exit"].to_numpy(dtype=float)
    (line,) = axes.step(
        years, rows["survival"].to_numpy(dtype=float), where="post", label=label, markersize=4,
        **{**series_style(index), **style},
    )  # fmt: skip
    axes.fill_between(
        years, rows["survival_low"].to_numpy(dtype=float),
        rows["survival_high"].to_numpy(dtype=float), step="post",
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
    curve per exit channel with at least MIN_EXITS_FOR_SURVIVAL exits followed a year, all
    channels in black."""
    curves = survival_curves_by(pick_scenario(survival, scenario), event, "exit_channel")
    figure, axes = survival_axes(event, "exit channel")
    drawn, lowest = 0, np.inf
    for channel in EXIT_CHANNELS:
        curve = curves.get(channel, NO_ROWS)
        exits = channel_exits(curve)
        if followed_a_year(curve) < MIN_EXITS_FOR_SURVIVAL:
            continue
        draw_survival(axes, curve, f"{channel.replace('_', ' ')} ({exits:,} exits)", drawn)
        lowest = min(lowest, lowest_share(curve))
        drawn += 1
    everyone = curves.get("all", NO_ROWS)
    if not everyone.empty:
        label = f"all channels ({channel_exits(everyone):,} exits)"
        draw_survival(axes, everyone, label, 0, color=ALL_COLOUR, linewidth=2)
        lowest = min(lowest, lowest_share(everyone))
        drawn += 1
    finish_survival_axes(axes, lowest, drawn)
    if drawn:
        legend_right(
            figure, axes,
            f"exit channel (at least\n{MIN_EXITS_FOR_SURVIVAL} exits followed a year),\n"
            "band: 90% interval",
        )  # fmt: skip
    return figure


def survival_by_scenario(survival: pd.DataFrame, event: str = "poor_again") -> Figure:
    """Kaplan-Meier share of exited households without `event`, all exit channels together,
    one step curve per scenario of a comparison."""
    figure, axes = survival_axes(event, "scenario")
    everyone = survival[text_column(survival, "exit_channel") == "all"]
    curves = survival_curves_by(everyone, event, "scenario")
    drawn, lowest = 0, np.inf
    for scenario in scenario_names(survival):
        curve = curves.get(scenario, NO_ROWS)
        if curve.empty:
            continue
        draw_survival(axes, curve, f"{scenario} ({channel_exits(curve):,} exits)", drawn)
        lowest = min(lowest, lowest_share(curve))
        drawn += 1
    finish_survival_axes(axes, lowest, drawn)
    if drawn:
        legend_right(figure, axes, "scenario (all channels),\nband: 90% interval")
    return figure
