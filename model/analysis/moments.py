"""Moments of one replicate: an indicator read at a year from its yearly rows.

The vocabulary calibration targets and scenario expectations share. An *indicator* is a
`yearly.csv` column, a derived ratio of two columns (DERIVED_INDICATORS) or a headline
figure of `model.analysis.replicates.headline`; a *year* is "first" or "final" (policy
year), "mean" (over the policy years) or a calendar year, and is absent for a headline
figure, which is a whole-run figure. Kept here, below calibration and the scenario tests,
so that both read a moment the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from model.config.scenario import Scenario

YEAR_STATISTICS = ("first", "final", "mean")
"""`year:` of a yearly indicator: first or final policy year, mean over the policy years."""

DERIVED_INDICATORS: dict[str, tuple[str, str, str]] = {
    "registered_household_size": (
        "registered_persons",
        "registered_households",
        "persons per registered household (registered_persons / registered_households)",
    ),
    "poor_household_size": (
        "poor_persons",
        "poor_households",
        "persons per truly poor household (poor_persons / poor_households)",
    ),
}
"""Ratios of two yearly columns, per year: name -> (numerator, denominator, meaning)."""

NOT_INDICATORS = ("replicate", "year")
"""Columns of yearly.csv that index the rows rather than measure anything."""


class Moment(Protocol):
    """Anything naming an indicator and the year it is read in (a target, an expectation)."""

    indicator: str
    year: str | int | None


def headline_names(scenario: Scenario) -> list[str]:
    """Names `model.analysis.replicates.headline` returns for this scenario (from a zero row)."""
    from model.analysis.replicates import headline, yearly_columns

    return list(headline(pd.DataFrame(0.0, index=[0], columns=yearly_columns(scenario))))


def allowed_indicators(scenario: Scenario) -> dict[str, set[str]]:
    """Every indicator name a moment may use -> its kinds (yearly, derived, headline); a
    few names (spending_total) are both a yearly column and a whole-run headline figure."""
    from model.analysis.replicates import yearly_columns

    allowed: dict[str, set[str]] = {}
    for kind, names in (
        ("yearly", [c for c in yearly_columns(scenario) if c not in NOT_INDICATORS]),
        ("derived", list(DERIVED_INDICATORS)),
        ("headline", headline_names(scenario)),
    ):
        for name in names:
            allowed.setdefault(name, set()).add(kind)
    return allowed


def unknown_indicator_message(indicator: str, allowed: dict[str, set[str]]) -> str:
    """'unknown indicator X; allowed: ...' listing the yearly, derived and headline names."""
    return (
        f"unknown indicator {indicator!r}; allowed: yearly.csv columns "
        f"({', '.join(k for k, v in allowed.items() if 'yearly' in v)}); derived "
        f"({', '.join(DERIVED_INDICATORS)}); headline figures "
        f"({', '.join(k for k, v in allowed.items() if 'headline' in v)})"
    )


def moment_problem(
    indicator: str, year: str | int | None, allowed: dict[str, set[str]], scenario: Scenario
) -> tuple[str, str] | None:
    """(key, what is wrong) when `indicator` at `year` cannot be read in `scenario`'s runs:
    an unknown indicator, a year given to a headline figure or missing for a yearly one,
    a calendar year outside the policy years. None when it can."""
    first, final = scenario.start_year, scenario.start_year + scenario.years - 1
    kinds = allowed.get(indicator, set())
    if not kinds:
        return "indicator", unknown_indicator_message(indicator, allowed)
    if kinds == {"headline"} and year is not None:
        return "year", f"{indicator} is a whole-run headline figure; remove year"
    if "headline" not in kinds and year is None:
        return "year", (
            f"{indicator} is a yearly indicator; give year: first, final, mean or a calendar "
            f"year {first}-{final}"
        )
    if isinstance(year, int) and not first <= year <= final:
        return "year", (
            f"{year} is outside the simulated policy years {first}-{final}; allowed: first, "
            "final, mean or a year in that range"
        )
    return None


def yearly_series(yearly: pd.DataFrame, indicator: str) -> pd.Series:
    """One replicate's indicator by year (a column, or a derived ratio of two columns)."""
    if indicator in DERIVED_INDICATORS:
        numerator, denominator, _ = DERIVED_INDICATORS[indicator]
        den = yearly[denominator].astype(float)
        return (yearly[numerator].astype(float) / den.where(den > 0)).fillna(0.0)
    return yearly[indicator].astype(float)


def read_moments(moments: Iterable[Moment], yearly: pd.DataFrame) -> list[float]:
    """Each moment (indicator at year) in one replicate's yearly rows, in the given order.
    A moment without a year is a headline figure of the replicate."""
    from model.analysis.replicates import headline

    y = yearly.sort_values("year").reset_index(drop=True)
    figures: dict[str, float] | None = None
    values = []
    for moment in moments:
        if moment.year is None:
            figures = figures if figures is not None else headline(y)
            values.append(float(figures[moment.indicator]))
            continue
        series = yearly_series(y, moment.indicator)
        if moment.year == "first":
            values.append(float(series.iloc[0]))
        elif moment.year == "final":
            values.append(float(series.iloc[-1]))
        elif moment.year == "mean":
            values.append(float(series.mean()))
        else:
            values.append(float(series[y["year"] == moment.year].iloc[0]))
    return values
