"""Shared look of the analysis figures (figures_relapse.py and figures_efficiency.py here).

Like model.report.plots: Agg canvas (no pyplot), fixed sizes and margins. Several series on one
axes differ by line style and marker as well as colour, so a greyscale print still tells
them apart; bars differ by hatch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from model.report.plots import FIGSIZE_INCHES, MARGINS, agg_figure

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


# --- shared drawing helpers ----------------------------------------------------------------


def new_axes(
    title: str, xlabel: str, ylabel: str, figsize: tuple[float, float] = FIGSIZE_INCHES
) -> tuple[Figure, Axes]:
    """A figure on its own Agg canvas with one titled, labelled, gridded axes."""
    figure = agg_figure(figsize)
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
    return frame[column].astype(object).fillna("").astype(str)


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
