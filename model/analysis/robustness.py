"""Which mix holds up: regret and satisficing of mixes over sampled futures.

A robustness sweep (design `levers_x_futures`) runs every mix in every future. Given one
value per (mix, future) of each indicator, a mix is judged two ways (Lempert, Popper and
Bankes 2003; Herman et al. 2015):

- regret: in each future, how far the mix falls short of the best mix of that future,
  `best - value` when more is better and `value - best` when less is better (0 for the
  best mix). A robust mix has a small maximum regret and a small 90th percentile: it is
  never far behind whatever happens.
- satisficing: the share of futures in which the mix meets every condition a planner sets
  (e.g. `relapse_within_3y_share_of_exits < 0.2`), whichever mix is best there.

Pure functions over frames, so that a hand-computed table checks them (tests/analysis).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

MORE_IS_BETTER, LESS_IS_BETTER = "more", "less"
DIRECTIONS = {
    "exits_households_total": MORE_IS_BETTER,
    "exit_rate_mean": MORE_IS_BETTER,
    "lasting_exits_households_total": MORE_IS_BETTER,
    "lasting_exit_share": MORE_IS_BETTER,
    "additional_exits_households_total": MORE_IS_BETTER,
    "additional_lasting_exits_households_total": MORE_IS_BETTER,
    "additional_lasting_exits_per_million_yuan": MORE_IS_BETTER,
    "poverty_gap_reduction_yuan_total": MORE_IS_BETTER,
    "poverty_gap_reduction_per_10k_yuan": MORE_IS_BETTER,
    "incidence_persons_final_year": LESS_IS_BETTER,
    "registered_households_final_year": LESS_IS_BETTER,
    "poor_households_final_year": LESS_IS_BETTER,
    "relapse_share_of_exits": LESS_IS_BETTER,
    "relapse_within_3y_share_of_exits": LESS_IS_BETTER,
    "relapses_households_total": LESS_IS_BETTER,
    "poverty_gap_yuan_total": LESS_IS_BETTER,
    "wrongly_exited_share_of_exits": LESS_IS_BETTER,
    "missed_poor_share_final_year": LESS_IS_BETTER,
    "fgt1_final_year": LESS_IS_BETTER,
    "fgt2_final_year": LESS_IS_BETTER,
    "spending_total": LESS_IS_BETTER,
    "spending_per_exit": LESS_IS_BETTER,
    "spending_leakage_share": LESS_IS_BETTER,
}
"""Whether more or less of a headline figure is better; others are given as NAME:more or
NAME:less."""
REGRET_QUANTILE = 0.9
OPERATORS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
CONDITION_PATTERN = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|<|>)\s*(\S+)\s*$")
CONDITION_FORM = (
    "NAME<VALUE, NAME<=VALUE, NAME>VALUE or NAME>=VALUE, e.g. relapse_share_of_exits<0.2"
)
ROBUSTNESS_COLUMNS = [
    "mix",
    "indicator",
    "direction",
    "value_mean",
    "value_low",
    "value_high",
    "regret_max",
    "regret_p90",
    "regret_mean",
    "regret_rank",
    "best_in_futures_share",
    "satisficing_share",
    "satisficing_rank",
    "futures",
]
"""robustness.csv: one row per mix and indicator; value_low/high span 5-95% over futures."""


@dataclass(frozen=True)
class Condition:
    """One satisficing condition, e.g. relapse_within_3y_share_of_exits < 0.2."""

    indicator: str
    comparison: str
    value: float

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Where the condition holds (a missing value never satisfies it)."""
        values = np.asarray(values, dtype=float)
        return OPERATORS[self.comparison](values, self.value) & ~np.isnan(values)

    def __str__(self) -> str:
        return f"{self.indicator}{self.comparison}{self.value:g}"


def parse_condition(text: str) -> Condition:
    """`NAME<0.2` (or <=, >, >=) as a Condition; ValueError saying the allowed form."""
    match = CONDITION_PATTERN.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a condition; allowed: {CONDITION_FORM}")
    try:
        value = float(match[3])
    except ValueError:
        raise ValueError(
            f"{text!r}: {match[3]!r} is not a number; allowed: {CONDITION_FORM}"
        ) from None
    if not np.isfinite(value):
        raise ValueError(f"{text!r}: the value must be a finite number")
    return Condition(match[1], match[2], value)


def parse_indicator(text: str) -> tuple[str, str]:
    """`NAME` (direction from DIRECTIONS) or `NAME:more` / `NAME:less` as (name, direction);
    ValueError when the direction is neither given nor known."""
    name, _, direction = text.partition(":")
    if direction and direction not in (MORE_IS_BETTER, LESS_IS_BETTER):
        raise ValueError(
            f"{text!r}: the direction after ':' must be {MORE_IS_BETTER} or {LESS_IS_BETTER}"
        )
    direction = direction or DIRECTIONS.get(name, "")
    if not direction:
        raise ValueError(
            f"{name}: whether more or less is better is not known for this indicator; write "
            f"{name}:more or {name}:less"
        )
    return name, direction


def regret(outcomes: pd.DataFrame, indicator: str, direction: str) -> pd.DataFrame:
    """Regret of every mix in every future: `outcomes` has columns mix, future and
    `indicator` (one row per mix and future); returns mix, future, value, best, regret.

    A future in which some mix has no value (NaN) gives every mix of it NaN regret, since the
    best of that future is unknown; the summaries leave such futures out."""
    table = outcomes.pivot(index="future", columns="mix", values=indicator).astype(float)
    complete = table.notna().all(axis=1)
    best = table.max(axis=1) if direction == MORE_IS_BETTER else table.min(axis=1)
    shortfall = best.to_numpy()[:, None] - table if direction == MORE_IS_BETTER else table.sub(
        best, axis=0
    )
    shortfall = shortfall.where(complete, np.nan)
    long = table.stack(future_stack=True).rename("value").reset_index()
    long["best"] = best.where(complete).reindex(long["future"]).to_numpy()
    long["regret"] = shortfall.stack(future_stack=True).to_numpy()
    return long[["mix", "future", "value", "best", "regret"]]


def satisficing_share(outcomes: pd.DataFrame, conditions: list[Condition]) -> pd.Series:
    """Per mix, the share of its futures in which every condition holds (1 when there are no
    conditions). `outcomes` holds mix, future and each condition's indicator."""
    meets = np.ones(len(outcomes), dtype=bool)
    for condition in conditions:
        meets &= condition.holds(outcomes[condition.indicator].to_numpy())
    return pd.Series(meets, index=outcomes.index).groupby(outcomes["mix"], sort=False).mean()


def robustness_table(
    outcomes: pd.DataFrame,
    indicators: dict[str, str],
    conditions: list[Condition],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """robustness.csv (ROBUSTNESS_COLUMNS: per mix and indicator, the value over futures,
    maximum, 90th-percentile and mean regret, the regret rank (1 = smallest maximum regret,
    ties by the 90th percentile), the share of futures in which the mix is the best, and
    the satisficing share and its rank) and the regret of every mix in every future (for
    the figure). `indicators` maps each name to its direction."""
    mixes = list(dict.fromkeys(outcomes["mix"]))
    satisficing = satisficing_share(outcomes, conditions).reindex(mixes)
    satisficing_rank = satisficing.rank(ascending=False, method="min").astype(int)
    rows, regrets = [], []
    for indicator, direction in indicators.items():
        by_future = regret(outcomes, indicator, direction)
        regrets.append(by_future.assign(indicator=indicator, direction=direction))
        for mix in mixes:
            own = by_future[by_future["mix"] == mix]
            values, shortfall = own["value"].dropna(), own["regret"].dropna()
            rows.append(
                {
                    "mix": mix,
                    "indicator": indicator,
                    "direction": direction,
                    "value_mean": values.mean(),
                    "value_low": values.quantile(0.05) if len(values) else np.nan,
                    "value_high": values.quantile(0.95) if len(values) else np.nan,
                    "regret_max": shortfall.max(),
                    "regret_p90": shortfall.quantile(REGRET_QUANTILE) if len(shortfall) else np.nan,
                    "regret_mean": shortfall.mean(),
                    "best_in_futures_share": (shortfall == 0).mean() if len(shortfall) else np.nan,
                    "satisficing_share": satisficing[mix],
                    "satisficing_rank": satisficing_rank[mix],
                    "futures": int(len(shortfall)),
                }
            )
    table = pd.DataFrame(rows)
    order = table.sort_values(["indicator", "regret_max", "regret_p90"], kind="stable")
    table["regret_rank"] = (
        order.groupby("indicator", sort=False).cumcount().add(1).reindex(table.index)
    )
    table = table.sort_values(["indicator", "regret_rank"], kind="stable", ignore_index=True)
    table["indicator"] = pd.Categorical(table["indicator"], categories=list(indicators))
    table = table.sort_values(["indicator", "regret_rank"], kind="stable", ignore_index=True)
    table["indicator"] = table["indicator"].astype(str)
    return table[ROBUSTNESS_COLUMNS], pd.concat(regrets, ignore_index=True)
