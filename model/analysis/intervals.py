"""Intervals over replicates: the one statistic every table, comparison and report states.

Each figure is the mean over replicates, the central INTERVAL_LEVEL range of the
replicates (their spread) and a t-interval of the mean (the precision of the estimate).
"""

from __future__ import annotations

import numpy as np
from scipy import special

INTERVAL_LEVEL = 0.90
"""Two-sided level of every interval the project reports."""


def interval(values: np.ndarray, level: float = INTERVAL_LEVEL) -> dict[str, float]:
    """Mean, the central `level` range of the replicates (low/high) and a t-interval of the mean."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return {
            "mean": None,
            "low": None,
            "high": None,
            "mean_low": None,
            "mean_high": None,
            "n": 0,
        }
    tail = (1 - level) / 2
    mean = float(finite.mean())
    if finite.size > 1:
        # stdtrit is the t quantile (scipy.stats.t.ppf) without importing scipy.stats (~1 s)
        quantile = special.stdtrit(finite.size - 1, 1 - tail)
        half = quantile * finite.std(ddof=1) / np.sqrt(finite.size)
    else:
        half = float("nan")
    return {
        "mean": mean,
        "low": float(np.quantile(finite, tail)),
        "high": float(np.quantile(finite, 1 - tail)),
        "mean_low": mean - half if np.isfinite(half) else None,
        "mean_high": mean + half if np.isfinite(half) else None,
        "n": int(finite.size),
    }
