"""Figures of scenario discovery and of the robustness of mixes, drawn from the tables
`run.py discover` and `run.py robustness` save (cases.csv, discovery.csv, boxes.csv;
robustness.csv, regret_by_future.csv), so they can be redrawn without the analysis.

Drawn on the Agg canvas in the default style, like every figure of model.report (no
pyplot: the EMA workbench's own plots use pyplot's global figures, which a long-running
process or a notebook would accumulate).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from model.report.plots import DPI, save_png
from model.report.style import new_axes

BAD_COLOUR, GOOD_COLOUR, CHOSEN_COLOUR = "#c0392b", "#9aa5b1", "#c0392b"
MAX_PAIR_FACTORS = 4
"""The pairwise scatter shows at most this many restricted factors (the most significant)."""
JITTER = 0.25
"""Spread of a category's points around its position in the scatter (a fixed pattern)."""


def short_name(factor: str) -> str:
    """A factor's key path without its section: `dynamics.income.growth` -> `income.growth`."""
    parts = factor.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else factor


def save(figure: Figure, path: Path) -> Path:
    with matplotlib.style.context("default"):
        return save_png(figure, Path(path))


# --- scenario discovery ---------------------------------------------------------------------


def tradeoff_figure(trajectory: pd.DataFrame, title: str) -> Figure:
    """PRIM's peeling trajectory: each box's coverage against its density, coloured by how
    many factors it restricts; the chosen box ringed and labelled."""
    with matplotlib.style.context("default"):
        figure, axes = new_axes(title, "coverage (share of the bad cases inside the box)",
                                "density (share of the box that is bad)")  # fmt: skip
        dims = trajectory["restricted_factors"].to_numpy()
        colours = matplotlib.colormaps["viridis"].resampled(max(int(dims.max()), 1) + 1)
        points = axes.scatter(
            trajectory["coverage"], trajectory["density"], c=dims, cmap=colours,
            vmin=-0.5, vmax=colours.N - 0.5, s=22, zorder=3,
        )  # fmt: skip
        axes.plot(trajectory["coverage"], trajectory["density"], color="0.7", lw=0.8, zorder=2)
        chosen = trajectory[trajectory["chosen"].astype(bool)]
        for row in chosen.itertuples():
            axes.scatter([row.coverage], [row.density], s=160, facecolors="none",
                         edgecolors=CHOSEN_COLOUR, linewidths=2, zorder=4)  # fmt: skip
            axes.text(  # bottom left: the trajectory runs from bottom right to top left
                0.03, 0.05, f"ringed: the chosen box (step {row.step}), coverage "
                f"{row.coverage:.0%}, density {row.density:.0%}", transform=axes.transAxes,
                fontsize=9, color=CHOSEN_COLOUR,
            )  # fmt: skip
        colourbar = figure.colorbar(points, ax=axes, ticks=range(colours.N))
        colourbar.set_label("restricted factors")
        axes.set_xlim(0, 1.02)
        axes.set_ylim(0, 1.02)
    return figure


def box_limits_figure(box: pd.DataFrame, title: str) -> Figure:
    """The chosen box: per restricted factor, its full range (grey) and the box's range
    (red) on a 0-1 scale, labelled with the values and the quasi-p value (a restriction
    with quasi-p of 0.05 or more is marked not significant: it may be chance)."""
    rows = box[box["factor"].astype(str).str.len() > 0].reset_index(drop=True)
    height = 1.6 + 0.7 * max(len(rows), 1)
    with matplotlib.style.context("default"):
        figure, axes = new_axes("", "position in the factor's range over the sweep", "",
                                figsize=(9.0, height))  # fmt: skip
        figure.subplots_adjust(left=0.36, right=0.97, bottom=0.8 / height, top=1 - 0.5 / height)
        if rows.empty:
            axes.text(0.5, 0.5, "the chosen box restricts no factor", ha="center",
                      transform=axes.transAxes)  # fmt: skip
        for y, row in enumerate(rows.itertuples()):
            axes.barh(y, 1.0, left=0, height=0.5, color="0.88")
            if row.values and isinstance(row.values, str):
                axes.barh(y, 1.0, left=0, height=0.5, color=BAD_COLOUR, alpha=0.35)
                label = "only " + ", ".join(Path(v).stem for v in row.values.split("|"))
                axes.text(0.5, y, label, ha="center", va="center", fontsize=9)
            else:
                span = row.full_high - row.full_low or 1.0
                low, high = (row.low - row.full_low) / span, (row.high - row.full_low) / span
                axes.barh(y, high - low, left=low, height=0.5, color=BAD_COLOUR, alpha=0.8)
                axes.text(low, y + 0.32, f"{row.low:.3g}", ha="center", fontsize=8)
                axes.text(high, y + 0.32, f"{row.high:.3g}", ha="center", fontsize=8)
            qps = [v for v in (row.qp_low, row.qp_high) if not pd.isna(v)]
            qp = f"qp {min(qps):.2g}" if qps else "qp n/a"
            qp += "" if str(row.significant) == "True" else "\n(not significant)"
            axes.text(1.01, y, qp, va="center", fontsize=8, transform=axes.transData)
        axes.set_yticks(range(len(rows)), [short_name(f) for f in rows["factor"]])
        axes.set_xlim(0, 1.2)
        axes.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
        axes.set_title(title, fontsize=10, loc="right")
        axes.set_ylim(len(rows) - 0.4, -0.6)
        axes.grid(False)
    return figure


def pairs_figure(cases: pd.DataFrame, box: pd.DataFrame, title: str) -> Figure:
    """Pairwise scatter of the box's restricted factors (at most MAX_PAIR_FACTORS, most
    significant first): bad cases red, the others grey, the box drawn on each pair; a
    single restricted factor is drawn against the indicator."""
    rows = box[box["factor"].astype(str).str.len() > 0].copy()
    rows["qp"] = rows[["qp_low", "qp_high"]].min(axis=1, skipna=True)
    factors = list(rows.sort_values("qp", kind="stable")["factor"])[:MAX_PAIR_FACTORS]
    bad = cases["bad"].astype(bool).to_numpy()
    indicator = cases.columns[cases.columns.get_loc("bad") - 1]
    axes_factors = factors if len(factors) >= 2 else [*factors, indicator]
    if not factors:
        axes_factors = [indicator]
    count = max(len(axes_factors) - 1, 1)
    figure = Figure(figsize=(3.2 * count + 1.2, 3.0 * count + 0.8), dpi=DPI)
    FigureCanvasAgg(figure)
    with matplotlib.style.context("default"):
        grid = figure.subplots(count, count, squeeze=False)
        positions = {f: _positions(cases[f]) for f in axes_factors}
        limits = {row.factor: row for row in rows.itertuples()}
        for i in range(count):
            for j in range(count):
                axes = grid[i, j]
                if j > i or len(axes_factors) < 2:
                    axes.set_visible(j <= i)
                    continue
                x_name, y_name = axes_factors[j], axes_factors[i + 1]
                (x, x_ticks), (y, y_ticks) = positions[x_name], positions[y_name]
                axes.scatter(x[~bad], y[~bad], s=9, color=GOOD_COLOUR, label="other cases")
                axes.scatter(x[bad], y[bad], s=11, color=BAD_COLOUR, label="bad cases")
                _draw_box(axes, limits.get(x_name), limits.get(y_name), x_ticks, y_ticks, x, y)
                if x_ticks:
                    axes.set_xticks(range(len(x_ticks)), x_ticks, fontsize=7, rotation=20)
                if y_ticks:
                    axes.set_yticks(range(len(y_ticks)), y_ticks, fontsize=7)
                if i == count - 1:
                    axes.set_xlabel(short_name(x_name), fontsize=9)
                if j == 0:
                    axes.set_ylabel(short_name(y_name), fontsize=9)
                axes.tick_params(labelsize=7)
        grid[0, 0].legend(fontsize=7, loc="best")
        figure.suptitle(title, fontsize=11)
        figure.tight_layout()
    return figure


def _positions(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Numbers as they are; categories as 0, 1, ... with a fixed jitter, and their labels."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=float), []
    labels = sorted(values.astype(str).unique())
    codes = values.astype(str).map({label: k for k, label in enumerate(labels)}).to_numpy()
    jitter = JITTER * (np.random.default_rng(0).uniform(-1, 1, len(values)))
    return codes + jitter, [Path(label).stem for label in labels]


def _draw_box(axes, x_limit, y_limit, x_ticks, y_ticks, x, y) -> None:
    """The box's rectangle on a pair of factors (a factor it does not restrict spans all)."""

    def span(limit, ticks, values):
        if limit is None:
            return np.nanmin(values), np.nanmax(values)
        if ticks:  # categories: from the first kept one to the last, with the jitter
            kept = [ticks.index(Path(v).stem) for v in str(limit.values).split("|")]
            return min(kept) - JITTER * 1.2, max(kept) + JITTER * 1.2
        return limit.low, limit.high

    (x0, x1), (y0, y1) = span(x_limit, x_ticks, x), span(y_limit, y_ticks, y)
    axes.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="black",
                             linewidth=1.5, linestyle="--"))  # fmt: skip


# --- robustness of mixes --------------------------------------------------------------------


def robustness_figure(table: pd.DataFrame, regrets: pd.DataFrame, conditions: str) -> Figure:
    """One panel per indicator: the mixes ranked by maximum regret (best at the top), each
    with the spread of its regret over the futures (box: quartiles, whiskers: 5-95%), its
    90th percentile (|) and maximum (x); the left labels give the share of futures in which
    the mix meets every satisficing condition."""
    indicators = list(dict.fromkeys(table["indicator"]))
    mixes = len(set(table["mix"]))
    height = 1.0 + len(indicators) * (0.55 * mixes + 1.0)
    figure = Figure(figsize=(10.0, height), dpi=DPI)
    FigureCanvasAgg(figure)
    with matplotlib.style.context("default"):
        panels = figure.subplots(len(indicators), 1, squeeze=False)[:, 0]
        for axes, indicator in zip(panels, indicators, strict=True):
            rows = table[table["indicator"] == indicator].sort_values("regret_rank")
            own = regrets[regrets["indicator"] == indicator]
            series = [
                own.loc[own["mix"] == mix, "regret"].dropna().to_numpy() for mix in rows["mix"]
            ]
            positions = np.arange(len(rows))
            axes.boxplot(
                [s if len(s) else [np.nan] for s in series], positions=positions,
                orientation="horizontal", whis=(5, 95), showfliers=False, widths=0.5,
                patch_artist=True,
                boxprops={"facecolor": "#d6e4f0"}, medianprops={"color": "black"},
            )  # fmt: skip
            axes.scatter(rows["regret_p90"], positions, marker="|", s=200, color="#1f4e79",
                         label="90th percentile", zorder=3)  # fmt: skip
            axes.scatter(rows["regret_max"], positions, marker="x", s=50, color=BAD_COLOUR,
                         label="maximum", zorder=3)  # fmt: skip
            labels = [
                f"{rank}. {mix}\n(meets all: {share:.0%})"
                for rank, mix, share in zip(
                    rows["regret_rank"], rows["mix"], rows["satisficing_share"], strict=True
                )
            ]
            axes.set_yticks(positions, labels, fontsize=8)
            axes.set_ylim(len(rows) - 0.5, -0.5)
            direction = rows["direction"].iloc[0]
            better = "more is better" if direction == "more" else "less is better"
            axes.set_title(f"{indicator} ({better}): regret against the best mix of each future",
                           fontsize=10)  # fmt: skip
            axes.set_xlabel("regret (shortfall against that future's best mix)", fontsize=9)
            axes.grid(True, axis="x", alpha=0.3)
        handles, labels = panels[0].get_legend_handles_labels()
        figure.legend(handles, labels, loc="upper right", fontsize=8, ncols=2, frameon=False)
        futures = int(table["futures"].max()) if len(table) else 0
        figure.suptitle(
            f"Mixes ranked by maximum regret over {futures} futures"
            + (f"\n'meets all': the share of futures with {conditions}" if conditions else ""),
            fontsize=11, x=0.02, ha="left",
        )
        figure.tight_layout(rect=(0, 0, 1, 1 - 0.7 / height))
    return figure
