"""Replicates and their summary: the layer the command line, sweeps and Mesa users share.

Replicate r of seed s is the simulation with streams keyed by (s, r), so replicate
r of two scenarios share their random draws (paired comparisons), and any single
replicate can be re-run on its own.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import special

from model.metrics import YEARLY_COLUMNS, yearly_columns
from model.scenario import Scenario
from model.simulation import Simulation
from model.state import EXIT_CHANNELS

__all__ = [
    "YEARLY_COLUMNS",
    "headline",
    "run_replicate",
    "run_replicates",
    "summarize",
    "yearly_columns",
]

INTERVAL_LEVEL = 0.90


def run_replicate(
    scenario: Scenario, seed: int, replicate: int = 0, progress: Callable[[int], None] | None = None
) -> pd.DataFrame:
    """One replicate's yearly indicators, one row per policy year."""
    records = Simulation(scenario, seed=seed, replicate=replicate).run(progress)
    return pd.DataFrame.from_records(records, columns=yearly_columns(scenario))


def run_replicates(
    scenario: Scenario, seed: int, replicates: int, progress: Callable[[int], None] | None = None
) -> pd.DataFrame:
    """Yearly indicators of replicates 0..R-1, stacked (one row per replicate and year)."""
    frames = [run_replicate(scenario, seed, r, progress) for r in range(replicates)]
    return pd.concat(frames, ignore_index=True)


def headline(one_replicate: pd.DataFrame) -> dict[str, float]:
    """Headline figures of one replicate's yearly rows (see README, Indicators)."""
    y = one_replicate.sort_values("year")
    first, last = y.iloc[0], y.iloc[-1]
    exits = float(y["exits_households"].sum())
    relapses = float(y["relapses_households"].sum())
    spending = float(y["spending_total"].sum())
    return {
        "incidence_persons_first_year": float(first["incidence_persons"]),
        "incidence_persons_final_year": float(last["incidence_persons"]),
        "registered_households_first_year": float(first["registered_households"]),
        "registered_households_final_year": float(last["registered_households"]),
        "poor_households_final_year": float(last["poor_households"]),
        "exits_households_total": exits,
        "exit_rate_mean": float(y["exit_rate"].mean()),
        "relapses_households_total": relapses,
        "relapse_share_of_exits": relapses / exits if exits else 0.0,
        "relapses_within_3y_households_total": float(y["relapses_within_3y_households"].sum()),
        "relapse_within_3y_share_of_exits": float(y["relapses_within_3y_households"].sum()) / exits
        if exits
        else 0.0,
        "wrongly_exited_share_of_exits": float(y["wrongly_exited_households"].sum()) / exits
        if exits
        else 0.0,
        "missed_poor_share_final_year": (
            float(last["missed_poor_households"]) / float(last["poor_households"])
            if last["poor_households"]
            else 0.0
        ),
        "near_poor_share_final_year": float(last["near_poor_share"]),
        "fgt1_final_year": float(last["fgt1"]),
        "fgt2_final_year": float(last["fgt2"]),
        "spending_total": spending,
        "spending_leakage_share": float(y["spending_leakage"].sum()) / spending
        if spending
        else 0.0,
        "idle_funds_final_year": float(last["idle_funds"]),
        "spending_per_exit": spending / exits if exits else float("nan"),
        # the exit mix: share of all exits attributed to each channel
        **{
            f"exit_share_{channel}": float(y[f"exits_by_{channel}"].sum()) / exits if exits else 0.0
            for channel in EXIT_CHANNELS
        },
        # spending by instrument and by fund over the run (yuan)
        **{
            f"{column}_total": float(y[column].sum())
            for column in y.columns
            if column.startswith("spending_")
            and column not in ("spending_total", "spending_leakage")
        },
    }


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


def summarize(yearly: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Each headline figure over replicates: mean, 90% replicate range, 90% interval of the mean."""
    per_replicate = pd.DataFrame([headline(g) for _, g in yearly.groupby("replicate", sort=True)])
    return {name: interval(per_replicate[name].to_numpy()) for name in per_replicate.columns}
