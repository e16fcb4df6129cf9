"""Figures of a run's yearly indicators, written as byte-stable PNGs into `plots/`.

Lines are the mean over replicates; shaded bands span the 5th-95th percentile of the
replicates in each year. Figures are drawn on matplotlib's Agg canvas (no pyplot: no
global backend switch, no display needed) in the default style (a user's matplotlibrc
cannot change them), at a fixed size and dpi, and without the PNG "Software" stamp,
so the same data gives the same bytes. Every figure of model.report is made by `agg_figure`,
whose canvas reuses a renderer between figures of one size (SharedRendererCanvas).
"""

from __future__ import annotations

import io
import math
import threading
from collections import OrderedDict
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from model.report.files import atomic_write_bytes

FIGSIZE_INCHES = (8.0, 4.5)
DPI = 100
MARGINS = {"left": 0.14, "right": 0.97, "bottom": 0.12, "top": 0.91}
"""Fixed axes margins (fractions of the figure); automatic layout took half the drawing time."""
MAX_YEAR_TICKS = 12
LEGEND_OUTSIDE_RIGHT = 0.8
"""Right margin when the legend sits to the right of the axes."""
BAND_QUANTILES = (0.05, 0.95)
CAUSES = ("illness", "disability", "schooling", "lack_of_labour", "other")
PNG_METADATA = {"Software": None}
"""Drops matplotlib's version stamp so PNG bytes do not change with the matplotlib release."""
PNG_COMPRESSION = {"compress_level": 3}
"""zlib level 3 instead of Pillow's 6: a third less time compressing (about 4% of drawing a
figure) for files 2% larger; the pixels are the same."""


SHARED_RENDERERS_KEPT = 8
"""Renderers (one per figure size) a thread keeps for the next figures; a few sizes recur."""
shared_renderers = threading.local()


class SharedRendererCanvas(FigureCanvasAgg):
    """An Agg canvas that draws with a renderer kept for the next figure of the same size.

    matplotlib caches the measured extent of each text per renderer, and a new canvas per
    figure measured every tick label, title and legend entry again: about a tenth of drawing
    a figure. Sharing the renderer (cleared before each draw, so the pixels are the same)
    lets a process drawing dozens of figures measure "2015" or "20%" once. Kept per thread
    (the web app compares in a worker thread), the least recently used size dropped first.
    It overrides only `get_renderer`, the hook FigureCanvasAgg draws through, and sets
    the canvas's `renderer` as that method does; no private state of matplotlib.
    """

    def get_renderer(self) -> RendererAgg:
        width, height = self.get_width_height(physical=True)
        key = (width, height, self.figure.dpi)
        if not hasattr(shared_renderers, "by_size"):
            shared_renderers.by_size = OrderedDict()
        by_size = shared_renderers.by_size
        if key not in by_size:
            by_size[key] = RendererAgg(width, height, self.figure.dpi)
            while len(by_size) > SHARED_RENDERERS_KEPT:
                by_size.popitem(last=False)
        by_size.move_to_end(key)
        self.renderer = by_size[key]  # what draw(), print_png() and buffer_rgba() use
        return self.renderer


def agg_figure(figsize: tuple[float, float] = FIGSIZE_INCHES) -> Figure:
    """A figure at DPI on a SharedRendererCanvas (no pyplot: no global backend switch)."""
    figure = Figure(figsize=figsize, dpi=DPI)
    SharedRendererCanvas(figure)
    return figure


def by_year(yearly: pd.DataFrame, column: str) -> pd.DataFrame:
    """Mean and 5-95% band of `column` across replicates, one row per year."""
    grouped = yearly.groupby("year", sort=True)[column]
    low, high = BAND_QUANTILES
    return pd.DataFrame(
        {"mean": grouped.mean(), "low": grouped.quantile(low), "high": grouped.quantile(high)}
    )


def thousands(value: float, _position: int) -> str:
    """Tick label with thousands separators (yuan and household counts get large)."""
    return f"{value:,.0f}"


def new_figure(yearly: pd.DataFrame, title: str, ylabel: str) -> tuple[Figure, object]:
    """A figure with one axes, titled, the run's years on the x axis as whole numbers."""
    figure = agg_figure()
    figure.subplots_adjust(**MARGINS)
    axes = figure.add_subplot()
    axes.set_title(title)
    axes.set_xlabel("year")
    axes.set_ylabel(ylabel)
    years = sorted(int(year) for year in yearly["year"].unique())
    axes.set_xticks(years[:: math.ceil(len(years) / MAX_YEAR_TICKS)])
    axes.set_xlim(years[0] - 0.5, years[-1] + 0.5)  # a single year gets a sensible axis too
    axes.grid(True, alpha=0.3)
    return figure, axes


def plot_band(
    axes, yearly: pd.DataFrame, column: str, label: str, color: str | None = None
) -> Line2D:
    """Mean line with markers and its 5-95% replicate band (color: next in the cycle);
    returns the line (a legend's handle)."""
    stats = by_year(yearly, column)
    (line,) = axes.plot(stats.index, stats["mean"], marker="o", label=label, color=color)
    axes.fill_between(stats.index, stats["low"], stats["high"], color=line.get_color(), alpha=0.2)
    return line


def save_png(figure: Figure, path: Path) -> Path:
    """Render to memory, then write atomically (a crash never leaves half a PNG)."""
    buffer = io.BytesIO()
    figure.savefig(
        buffer, format="png", dpi=DPI, metadata=PNG_METADATA, pil_kwargs=PNG_COMPRESSION
    )
    return atomic_write_bytes(path, buffer.getvalue())


BAR_WIDTH = 0.7
"""Width of a year's bar (in years)."""


def stacked_bars(axes, heights: pd.DataFrame, colours: list, labels: list[str]) -> list[Patch]:
    """A bar per row (x: the index, e.g. years) stacking the columns bottom to top, the
    n-th column in colours[n]; returns the legend's patches, one per column.

    Drawn as one PolyCollection: a `bar` call per column made an artist per bar (120 for a
    dozen instruments over ten years), most of the time of a stacked figure. The bars look
    the same: filled, no edge, each bar's bottom a sticky edge of the y axis as `bar` makes.
    """
    x = heights.index.to_numpy(dtype=float)
    top = heights.to_numpy(dtype=float).cumsum(axis=1)
    bottom = top - heights.to_numpy(dtype=float)
    left, right = x - BAR_WIDTH / 2, x + BAR_WIDTH / 2
    rectangles, facecolors = [], []
    for column in range(heights.shape[1]):
        for row in range(len(x)):
            low, high = bottom[row, column], top[row, column]
            if np.isfinite(low) and np.isfinite(high):
                rectangles.append(
                    [(left[row], low), (right[row], low), (right[row], high), (left[row], high)]
                )
                facecolors.append(colours[column])
    bars = PolyCollection(rectangles, facecolors=facecolors, edgecolors="none")
    bars.sticky_edges.y.extend(bottom[np.isfinite(bottom)].tolist())
    axes.add_collection(bars)
    return [
        Patch(facecolor=colour, label=label) for colour, label in zip(colours, labels, strict=True)
    ]


def band_figure(yearly: pd.DataFrame, title: str, ylabel: str, lines: dict[str, str]) -> Figure:
    """Counts over the years, one line per column (label by column) with its replicate band."""
    figure, axes = new_figure(yearly, title, ylabel)
    for column, label in lines.items():
        plot_band(axes, yearly, column, label)
    axes.yaxis.set_major_formatter(FuncFormatter(thousands))
    axes.set_ylim(bottom=0)
    axes.legend(title="mean, 5-95% of replicates", loc="best")
    return figure


def poverty_over_time(yearly: pd.DataFrame) -> Figure:
    """Income-poor (truth) and registered (the office's list) households by year."""
    return band_figure(
        yearly,
        "Poor and registered households",
        "households",
        {"poor_households": "income-poor (true)", "registered_households": "registered poor"},
    )


def exits_and_relapses(yearly: pd.DataFrame) -> Figure:
    """Registered households exiting, and exited households falling back, per year."""
    return band_figure(
        yearly,
        "Exits and relapses per year",
        "households per year",
        {"exits_households": "exits", "relapses_households": "relapses"},
    )


def cause_composition(yearly: pd.DataFrame) -> Figure:
    """Recorded main cause of the registered households, mean shares stacked by year."""
    figure, axes = new_figure(
        yearly, "Registered households by recorded cause", "share of registered"
    )
    columns = [f"cause_share_{cause}" for cause in CAUSES if f"cause_share_{cause}" in yearly]
    shares = yearly.groupby("year", sort=True)[columns].mean()
    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    causes = stacked_bars(
        axes, shares, [cycle[i % len(cycle)] for i in range(len(columns))],
        [column.removeprefix("cause_share_").replace("_", " ") for column in columns],
    )  # fmt: skip
    axes.set_ylim(0, 1)
    figure.subplots_adjust(right=LEGEND_OUTSIDE_RIGHT)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:.0%}"))
    axes.legend(
        handles=causes, title="mean of replicates", loc="upper left", bbox_to_anchor=(1.0, 1.0)
    )
    return figure


NOT_BY_INSTRUMENT = ("spending_total", "spending_leakage")


def spending_columns(yearly: pd.DataFrame) -> list[str]:
    """Spending by instrument (`spending_<instrument>`): not the total, the leakage or the
    spending by fund, which count the same yuan again."""
    return [
        c
        for c in yearly.columns
        if c.startswith("spending_")
        and c not in NOT_BY_INSTRUMENT
        and not c.startswith("spending_fund_")
    ]


def spending_by_year(yearly: pd.DataFrame) -> Figure:
    """Yuan spent per year, stacked by instrument, with the total's replicate band."""
    figure, axes = new_figure(yearly, "Spending by year", "yuan per year")
    means = yearly.groupby("year", sort=True)[spending_columns(yearly)].mean()
    colours = matplotlib.colormaps["tab20"].colors  # distinct for up to 20 instruments
    instruments = stacked_bars(
        axes, means, [colours[i % len(colours)] for i in range(len(means.columns))],
        [column.removeprefix("spending_").replace("_", " ") for column in means.columns],
    )  # fmt: skip
    total = plot_band(axes, yearly, "spending_total", "total", color="black")
    axes.yaxis.set_major_formatter(FuncFormatter(thousands))
    axes.set_ylim(bottom=0)
    # Outside the axes: a package has a dozen instruments and the bars fill the plot.
    figure.subplots_adjust(right=0.68)
    axes.legend(
        handles=[total, *instruments], title="bars: mean by instrument", loc="upper left",
        bbox_to_anchor=(1.01, 1.0), fontsize="small", title_fontsize="small", frameon=False,
    )  # fmt: skip
    return figure


PLOTS = {
    "poverty_over_time.png": poverty_over_time,
    "exits_relapses.png": exits_and_relapses,
    "cause_composition.png": cause_composition,
    "spending.png": spending_by_year,
}
"""File name -> function drawing it from the yearly frame."""
