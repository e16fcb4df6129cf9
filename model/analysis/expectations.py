"""Whether a scenario's expectations hold in its replicates: holds, fails or undecided.

An expectation (model.config.expectations) is judged on the interval `compare` states:
the 90% t-interval of the mean over replicates for a level, and with `against` the
paired 90% t-interval of the mean of the per-replicate differences (this scenario minus
the other, replicate r of both on the same seed: common random numbers;
model.analysis.comparison.paired_difference). It

- *holds* when the whole interval lies strictly inside the allowed range,
- *fails* when the whole interval lies strictly outside it,
- is *undecided* otherwise: the interval reaches a bound, so the replicates cannot tell,
  and more replicates narrow the interval (its half-width falls as 1/sqrt(R)).

So a test states its confidence, not a lucky draw: at 90% two-sided, a true statement is
called failed in at most 5% of runs per bound, and a false one called held as rarely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model.analysis.comparison import paired_difference
from model.analysis.intervals import INTERVAL_LEVEL, interval
from model.analysis.moments import allowed_indicators, moment_problem, read_moments

if TYPE_CHECKING:  # pragma: no cover
    from model.config.expectations import Expectation
    from model.config.scenario import Scenario

HOLDS, FAILS, UNDECIDED = "holds", "fails", "undecided"


def expectation_problems(scenario: Scenario, file: str) -> list[str]:
    """'FILE: expect.i.key: what is wrong' for each expectation whose indicator or year
    cannot be read in the scenario's runs (the calibration targets' rules)."""
    if not scenario.expect:
        return []
    allowed, problems = allowed_indicators(scenario), []
    for i, expectation in enumerate(scenario.expect):
        problem = moment_problem(expectation.indicator, expectation.year, allowed, scenario)
        if problem is not None:
            problems.append(f"{file}: expect.{i}.{problem[0]}: {problem[1]}")
    return problems


def replicate_values(expectation: Expectation, yearly: pd.DataFrame) -> np.ndarray:
    """The expectation's moment in each replicate of stacked yearly rows, by replicate."""
    return np.array(
        [read_moments([expectation], rows)[0] for _, rows in yearly.groupby("replicate", sort=True)]
    )


@dataclass(frozen=True)
class Verdict:
    """An expectation judged on R replicates: the estimate (mean, or mean paired
    difference) with its 90% interval, and what that says about the stated bounds."""

    expectation: Expectation
    index: int
    outcome: str  # HOLDS | FAILS | UNDECIDED
    estimate: float
    low: float  # NaN when undefined (fewer than two replicates)
    high: float
    replicates: int

    @property
    def reason(self) -> str:
        """Why it did not hold, in a sentence (empty when it holds)."""
        if self.outcome == HOLDS:
            return ""
        if not np.isfinite(self.low):
            return "no interval: needs at least two replicates with a finite value"
        lower, upper = self.expectation.bounds
        if self.outcome == FAILS:
            side = f"above {upper:g}" if upper is not None and self.low > upper else (
                f"below {lower:g}"
            )
            why = f"; {self.expectation.note}" if self.expectation.note else ""
            return f"the whole interval is {side}{why}"
        reached = [f"{b:g}" for b in (lower, upper) if b is not None and self.low <= b <= self.high]
        return (
            f"the interval reaches {' and '.join(reached)}; run more replicates "
            f"(now {self.replicates}) to decide"
        )


def decide(low: float, high: float, lower: float | None, upper: float | None) -> str:
    """HOLDS if [low, high] lies strictly inside (lower, upper), FAILS if strictly outside,
    else UNDECIDED (also when the interval is undefined)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return UNDECIDED
    if (lower is None or low > lower) and (upper is None or high < upper):
        return HOLDS
    if (upper is not None and low > upper) or (lower is not None and high < lower):
        return FAILS
    return UNDECIDED


def judge(
    expectation: Expectation, index: int, own: pd.DataFrame, other: pd.DataFrame | None = None
) -> Verdict:
    """Judge `expectation` on stacked yearly rows of this scenario's replicates (`own`)
    and, with `against`, of the other scenario's same replicates (`other`)."""
    values = replicate_values(expectation, own)
    if expectation.against is None:
        figure = interval(values, INTERVAL_LEVEL)
        estimate = np.nan if figure["mean"] is None else figure["mean"]
        low = np.nan if figure["mean_low"] is None else figure["mean_low"]
        high = np.nan if figure["mean_high"] is None else figure["mean_high"]
        replicates = figure["n"]
    else:
        if other is None:
            raise ValueError(f"expect.{index}: no paired runs of {expectation.against}")
        other_values = replicate_values(expectation, other)
        estimate, low, high = paired_difference(other_values, values)
        replicates = int(np.isfinite(values - other_values).sum())
    lower, upper = expectation.bounds
    return Verdict(
        expectation=expectation, index=index, outcome=decide(low, high, lower, upper),
        estimate=float(estimate), low=float(low), high=float(high), replicates=replicates,
    )  # fmt: skip


def figure_text(value: float) -> str:
    """A figure to four significant digits (the interval decides, not the last digit)."""
    if not np.isfinite(value):
        return "n/a"
    return f"{value:.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
