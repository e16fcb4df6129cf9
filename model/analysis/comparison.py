"""Paired comparison of scenarios run on common random numbers (comparison.csv).

Replicate r of every scenario uses the same seed and replicate number, so its households
and shocks are the same and only the policy differs. The difference of an indicator to
the first scenario is then estimated replicate by replicate (a paired t-interval), which
removes the variation the scenarios share; the unpaired (Welch) interval is written next
to it to show what pairing gains.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from model.analysis.intervals import INTERVAL_LEVEL, interval

COMPARISON_COLUMNS = [
    "scenario", "indicator", "mean", "mean_low", "mean_high", "difference", "difference_low",
    "difference_high", "difference_unpaired_low", "difference_unpaired_high", "replicates",
]


def t_quantile(degrees_of_freedom: float, level: float = INTERVAL_LEVEL) -> float:
    return float(special.stdtrit(degrees_of_freedom, 1 - (1 - level) / 2))


def paired_difference(first: np.ndarray, other: np.ndarray) -> tuple[float, float, float]:
    """Mean of other - first over paired replicates with its t-interval (low, high)."""
    differences = np.asarray(other, dtype=np.float64) - np.asarray(first, dtype=np.float64)
    differences = differences[np.isfinite(differences)]
    if differences.size < 2:
        mean = float(differences.mean()) if differences.size else np.nan
        return mean, np.nan, np.nan
    figure = interval(differences)
    return figure["mean"], figure["mean_low"], figure["mean_high"]


def unpaired_difference(first: np.ndarray, other: np.ndarray) -> tuple[float, float]:
    """Welch t-interval (low, high) of mean(other) - mean(first), ignoring the pairing."""
    a = np.asarray(first, dtype=np.float64)
    b = np.asarray(other, dtype=np.float64)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size < 2 or b.size < 2:
        return np.nan, np.nan
    var_a, var_b = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    standard_error = np.sqrt(var_a + var_b)
    difference = b.mean() - a.mean()
    if standard_error == 0:
        return difference, difference
    dof = (var_a + var_b) ** 2 / (var_a**2 / (a.size - 1) + var_b**2 / (b.size - 1))
    half = t_quantile(dof) * standard_error
    return difference - half, difference + half


def comparison_table(headlines: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """comparison.csv from each scenario's per-replicate headline figures (scenario name ->
    frame indexed by replicate), the first scenario being the reference. Indicators are
    the headline figures every scenario has, in the first scenario's order."""
    names = list(headlines)
    reference = headlines[names[0]]
    indicators = [c for c in reference.columns if all(c in h.columns for h in headlines.values())]
    rows = []
    for name in names:
        frame = headlines[name]
        for indicator in indicators:
            values = frame[indicator].to_numpy(dtype=np.float64)
            figure = interval(values)
            if name == names[0]:
                difference, low, high, unpaired = 0.0, np.nan, np.nan, (np.nan, np.nan)
            else:
                first = reference[indicator].reindex(frame.index).to_numpy(dtype=np.float64)
                difference, low, high = paired_difference(first, values)
                unpaired = unpaired_difference(first, values)
            rows.append(
                {
                    "scenario": name, "indicator": indicator, "mean": figure["mean"],
                    "mean_low": figure["mean_low"], "mean_high": figure["mean_high"],
                    "difference": difference, "difference_low": low, "difference_high": high,
                    "difference_unpaired_low": unpaired[0],
                    "difference_unpaired_high": unpaired[1], "replicates": figure["n"],
                }
            )  # fmt: skip
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
