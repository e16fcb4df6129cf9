"""Sobol' sensitivity indices of a saltelli sweep, their bootstrap intervals and a figure.

A saltelli design (model.sweeps.design) runs the points of matrices A, B and AB_i (A
with column i taken from B), n rows each. From the outputs at those points,
`scipy.stats.sobol_indices` gives each factor's first-order index (the share of the
output's variance the factor explains alone) and total index (alone and through its
interactions), with the Saltelli (2010) estimators; `.bootstrap` resamples the n rows
for BCa intervals. The Ishigami function, whose indices are known in closed form,
checks the whole path.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from model.report.plots import DPI, save_png

CONFIDENCE_LEVEL = 0.90
N_RESAMPLES = 999
BOOTSTRAP_SEED = 0
"""The bootstrap's resampling seed, so a sweep's intervals are the same on every run."""
TABLE_COLUMNS = [
    "output",
    "factor",
    "first_order",
    "first_order_low",
    "first_order_high",
    "total_order",
    "total_order_low",
    "total_order_high",
]


def saltelli_arrays(
    points: pd.DataFrame, outputs: np.ndarray, factor_columns: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f_A (s, n), f_B (s, n) and f_AB (d, s, n) from a saltelli point table and the outputs
    at its rows (shape (P,) or (s, P), in the table's row order)."""
    values = np.atleast_2d(np.asarray(outputs, dtype=np.float64))
    if values.shape[1] != len(points):
        raise ValueError(
            f"outputs have {values.shape[1]} values per output; the table has {len(points)} points"
        )
    if "saltelli_block" not in points or "saltelli_sample" not in points:
        raise ValueError(
            "the point table has no saltelli_block/saltelli_sample columns; "
            "Sobol' indices need design method saltelli"
        )
    blocks = points["saltelli_block"].astype(str).to_numpy()
    samples = points["saltelli_sample"].to_numpy()
    n = int(np.sum(blocks == "A"))
    names = ["A", "B", *(f"AB{i}" for i in range(len(factor_columns)))]
    if n == 0 or n & (n - 1) or sorted(set(blocks)) != sorted(names):
        raise ValueError(
            f"a saltelli table for {len(factor_columns)} factors has blocks "
            f"{', '.join(names)} of n rows, n a power of 2; got blocks "
            f"{', '.join(sorted(set(blocks)))} with n = {n}"
        )
    by_block = []
    for name in names:
        rows = np.flatnonzero(blocks == name)
        order = rows[np.argsort(samples[rows], kind="stable")]
        if not np.array_equal(samples[order], np.arange(n)):
            raise ValueError(f"block {name}: samples must be 0..{n - 1}, each once")
        by_block.append(values[:, order])
    return by_block[0], by_block[1], np.stack(by_block[2:])


def _bootstrap(result, confidence_level: float, n_resamples: int, seed: int):
    """`result.bootstrap(...)`, made repeatable: scipy's Sobol' bootstrap takes no rng and
    draws from NumPy's global RandomState, so it is seeded here and restored after."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        with warnings.catch_warnings():  # DegenerateDataWarning: NaN intervals say it already
            warnings.simplefilter("ignore", RuntimeWarning)
            return result.bootstrap(confidence_level=confidence_level, n_resamples=n_resamples)
    finally:
        np.random.set_state(state)


def sobol_indices_from_points(
    points: pd.DataFrame,
    outputs: np.ndarray,
    factor_columns: list[str],
    confidence_level: float = CONFIDENCE_LEVEL,
    n_resamples: int = N_RESAMPLES,
    output_names: list[str] | None = None,
    seed: int = BOOTSTRAP_SEED,
) -> pd.DataFrame:
    """First-order and total Sobol' indices with bootstrap intervals, one row per output and
    factor. An output with a non-finite value at any point gets NaN indices (the estimators
    need every point); a constant output gets indices 0 and NaN intervals; `n_resamples=0`
    (or n = 1) skips the intervals (NaN). Intervals: BCa bootstrap over the n samples."""
    from scipy.stats import sobol_indices  # scipy.stats takes about 1 s to import

    f_a, f_b, f_ab = saltelli_arrays(points, outputs, factor_columns)
    count, n = f_a.shape
    names = output_names or [f"output{k}" for k in range(count)]
    if len(names) != count:
        raise ValueError(f"{len(names)} output names for {count} outputs")
    parts = []
    for k, name in enumerate(names):
        # rows: first_order, its low, its high, total_order, its low, its high
        figures = np.full((6, len(factor_columns)), np.nan)
        func = {"f_A": f_a[k : k + 1], "f_B": f_b[k : k + 1], "f_AB": f_ab[:, k : k + 1, :]}
        if all(np.isfinite(values).all() for values in func.values()):
            result = sobol_indices(func=func, n=n)
            figures[0], figures[3] = result.first_order, result.total_order
            if n_resamples and n > 1:
                boot = _bootstrap(result, confidence_level, n_resamples, seed)
                figures[1:3] = boot.first_order.confidence_interval
                figures[4:6] = boot.total_order.confidence_interval
        table = pd.DataFrame(figures.T, columns=TABLE_COLUMNS[2:])
        parts.append(table.assign(output=name, factor=factor_columns)[TABLE_COLUMNS])
    return pd.concat(parts, ignore_index=True)


def indicator_means(results: pd.DataFrame, indicators: list[str]) -> pd.DataFrame:
    """Each point's indicators (model.analysis.replicates.headline of each replicate, then the mean
    over replicates), one row per point_id in order: the outputs a Sobol' analysis uses."""
    from model.analysis.replicates import headline

    per_replicate = [
        {"point_id": point, **{k: headline(group)[k] for k in indicators}}
        for (point, _replicate), group in results.groupby(["point_id", "replicate"], sort=True)
    ]
    return pd.DataFrame(per_replicate).groupby("point_id", sort=True)[indicators].mean()


def plot_indices(table: pd.DataFrame, path: str | Path) -> Path:
    """Bar chart per output: first-order and total index per factor, with interval whiskers;
    written atomically as a byte-stable PNG (default style, fixed size and dpi)."""
    with matplotlib.style.context("default"):  # a user's matplotlibrc cannot change the bytes
        return save_png(_indices_figure(table), Path(path))


def _indices_figure(table: pd.DataFrame) -> Figure:
    outputs = list(dict.fromkeys(table["output"]))
    factors = list(dict.fromkeys(table["factor"]))
    figure = Figure(figsize=(max(8.0, 2.2 * len(factors) + 2), 3.4 * len(outputs)), dpi=DPI)
    FigureCanvasAgg(figure)
    width, x = 0.38, np.arange(len(factors))
    panels = figure.subplots(len(outputs), 1, squeeze=False)[:, 0]
    for axes, output in zip(panels, outputs, strict=True):
        rows = table[table["output"] == output].set_index("factor").loc[factors]
        for offset, order, label in (
            (-width / 2, "first_order", "first order"),
            (width / 2, "total_order", "total"),
        ):
            estimate = rows[order].to_numpy(dtype=float)
            whiskers = [estimate - rows[f"{order}_low"], rows[f"{order}_high"] - estimate]
            yerr = np.clip(np.nan_to_num(np.asarray(whiskers, dtype=float)), 0, None)
            axes.bar(x + offset, estimate, width, label=label, yerr=yerr, capsize=3)
        axes.set_title(f"Sobol' indices of {output}")
        axes.set_xlabel("factor")
        axes.set_ylabel("share of variance\n(whiskers: bootstrap interval)", fontsize=9)
        axes.set_xticks(x, [f.rpartition(".")[0] + "\n" + f.rpartition(".")[2] for f in factors])
        axes.tick_params(axis="x", labelsize=8)
        axes.axhline(0, color="black", linewidth=0.8)
        axes.grid(True, axis="y", alpha=0.3)
        axes.legend(fontsize=8)
    figure.tight_layout()
    return figure


# --- the Ishigami test function ----------------------------------------------------------


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """Ishigami and Homma (1990): sin x1 + a sin^2 x2 + b x3^4 sin x1, x of shape (3, n),
    each x_i uniform on [-pi, pi]: a standard check of sensitivity estimators."""
    return np.sin(x[0]) + a * np.sin(x[1]) ** 2 + b * x[2] ** 4 * np.sin(x[0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Analytic first-order and total indices of `ishigami` (Sobol' and Levitan 1999):
    V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8, V3 = 0, V13 = 8 b^2 pi^8/225 (the only
    interaction), V = V1 + V2 + V13; S_i = V_i / V, ST1 = (V1 + V13)/V, ST2 = V2/V,
    ST3 = V13/V. For a = 7, b = 0.1: S = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244)."""
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = 8 * b**2 * np.pi**8 / 225
    total = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / total, np.array([v1 + v13, v2, v13]) / total
