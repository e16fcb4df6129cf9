"""Yearly indicators (one row of yearly.csv) computed from the arrays.

Counts are households unless the name ends in `_persons`. "Poor" is the truth
(per-capita net income after out-of-pocket medical and schooling costs below the
line); "registered" is the office's registry. FGT indices are person-weighted:
fgt1 = mean over persons of g = max(0, (z - y) / z), fgt2 the mean of g squared; a
negative net income (medical bills above income) counts as zero income, so g <= 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.engine.state import CAUSES, EXIT_CHANNELS, NEVER
from model.simulation.campaign_metrics import CAMPAIGN_COLUMNS

if TYPE_CHECKING:  # pragma: no cover
    from model.config.scenario import Scenario
    from model.engine.context import YearContext

YEARLY_COLUMNS = [
    "replicate",
    "year",
    "poverty_line",
    "households",
    "persons",
    "poor_households",
    "poor_persons",
    "incidence_persons",
    "registered_households",
    "registered_persons",
    "registered_incidence_persons",
    "new_registrations_households",
    "registered_at_start_households",
    "exits_households",
    "exit_rate",
    "relapses_households",
    "relapses_within_1y_households",
    "relapses_within_3y_households",
    "relapses_within_5y_households",
    "exits_followed_3y_households",
    "lasting_exits_households",
    "near_poor_share",
    "monitored_households",
    "policy_continuation_households",
    "wrongly_exited_households",
    "missed_poor_households",
    "included_non_poor_households",
    "spending_total",
    "spending_leakage",
    "idle_funds",
    "fgt1",
    "fgt2",
    "poverty_gap_yuan",
    "mean_income_per_capita",
    "poor_villages",
    "villages_exited",
    *[f"cause_share_{cause}" for cause in CAUSES],
    *[f"exits_by_{channel}" for channel in EXIT_CHANNELS],
    *CAMPAIGN_COLUMNS,
]


def yearly_columns(scenario: Scenario) -> list[str]:
    """Every column of yearly.csv for `scenario`: the fixed ones, then per instrument its
    spending (yuan) and recipients (households), then spending per fund (yuan)."""
    labels = [spec.label for spec in scenario.interventions]
    return [
        *YEARLY_COLUMNS,
        *[f"spending_{label}" for label in labels],
        *[f"recipients_{label}" for label in labels],
        *[f"spending_fund_{fund}" for fund in scenario.funds],
    ]


def fgt(income_per_capita: np.ndarray, line: float, weights: np.ndarray, alpha: int) -> float:
    """Foster-Greer-Thorbecke index of order `alpha`, weighted (e.g. by household size)."""
    return fgt_indices(income_per_capita, line, weights, (alpha,))[0]


def fgt_indices(
    income_per_capita: np.ndarray, line: float, weights: np.ndarray, alphas: tuple[int, ...]
) -> list[float]:
    """`fgt` of each order in `alphas`, the gaps and total weight worked out once."""
    total = weights.sum()
    if total <= 0:
        return [0.0 for _ in alphas]
    gap = np.clip((line - income_per_capita) / line, 0.0, 1.0)  # negative income counts as zero
    # not `@`: BLAS threads slow it under load
    return [
        float((weights * (gap > 0)).sum() / total)
        if alpha == 0
        else float((weights * gap**alpha).sum() / total)
        for alpha in alphas
    ]


def poverty_gap_yuan(income_per_capita: np.ndarray, line: float, size: np.ndarray) -> float:
    """Yuan a year that would lift every poor person exactly to the line: the sum over
    persons of max(0, line - income), income below zero counting as zero (= fgt1 x
    persons x line)."""
    shortfall = np.clip(line - income_per_capita, 0.0, line)
    return float((size * shortfall).sum())


def sum_of_rows(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """`(first + second).sum(axis=0)` of two (channels x households) arrays, row after row
    as NumPy adds along the first axis, without the (channels x households) temporary."""
    total = first[0] + second[0]
    for row in range(1, first.shape[0]):
        total += first[row] + second[row]
    return total


def share(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else 0.0


@dataclass(frozen=True)
class IncomeColumns:
    """The record's columns that read only the year's incomes and household sizes, and the
    masks the other columns reuse. Nothing changes either after the assistance (only the
    economy and the instruments move money; only the demography changes sizes), so they
    may be worked out while the registry stages run (`Simulation._after_assistance`)."""

    columns: dict[str, float]
    size: np.ndarray  # float64 persons of each active household, 0 for an empty one
    poor: np.ndarray  # active and below the line


def income_columns(sim: YearContext, income_pc: np.ndarray) -> IncomeColumns:
    """`IncomeColumns` of the year `sim` is in, once its assistance is delivered;
    `income_pc` is the true per-capita net income (yuan/year) of each household."""
    h = sim.households
    line = sim.poverty_line
    active = h.active
    size = np.where(active, h.size, 0).astype(np.float64)
    poor = active & (income_pc < line)
    # Masks select through their rows (np.flatnonzero): boolean indexing and `where=` over
    # a county-long mask cost several times more. Person counts are sums of whole numbers,
    # exact in any order.
    persons, poor_persons = size.sum(), size[np.flatnonzero(poor)].sum()
    # Leakage: money paid to households that were not poor before this year's assistance.
    assisted_pc = np.divide(
        sum_of_rows(h.assisted_income, h.expense_relief),
        h.size,
        out=np.zeros(h.n),
        where=h.size > 0,
    )
    not_poor_unassisted = active & (income_pc - assisted_pc >= line)
    fgt1, fgt2 = fgt_indices(income_pc, line, size, (1, 2))
    households = int(np.count_nonzero(active))
    columns = {
        "households": households,
        "persons": int(persons),
        "poor_households": int(np.count_nonzero(poor)),
        "poor_persons": int(poor_persons),
        "incidence_persons": share(poor_persons, persons),
        "near_poor_share": share(
            np.count_nonzero(active & (income_pc >= line) & (income_pc < 1.5 * line)),
            households,
        ),
        "spending_leakage": float(
            sim.ledger.received_this_year[np.flatnonzero(not_poor_unassisted)].sum()
        ),
        "fgt1": fgt1,
        "fgt2": fgt2,
        "poverty_gap_yuan": poverty_gap_yuan(income_pc, line, size),
        "mean_income_per_capita": share((income_pc * size).sum(), persons),
    }
    return IncomeColumns(columns, size, poor)


def yearly_indicators(
    sim: YearContext,
    idle_funds: float,
    income_pc: np.ndarray,
    incomes: IncomeColumns | None = None,
) -> dict[str, float]:
    """The indicator row for the year `sim` has just completed; `income_pc` is the true
    per-capita net income (yuan/year) of each household this year, and `incomes` its
    `income_columns` if already worked out."""
    if incomes is None:
        incomes = income_columns(sim, income_pc)
    h, v = sim.households, sim.villages
    size, poor, income = incomes.size, incomes.poor, incomes.columns
    registered = h.active & h.registered
    exited = sim.events["exited"]
    relapse_gap = sim.events["relapse_years_since_exit"]
    registered_at_start = int(np.count_nonzero(sim.events["registered_at_start"]))
    n_registered = int(np.count_nonzero(registered))
    registered_rows = np.flatnonzero(registered)
    cause_counts = np.bincount(h.cause[registered_rows], minlength=len(CAUSES))
    persons, registered_persons = income["persons"], size[registered_rows].sum()
    spending = {k[0]: v for k, v in sim.ledger.spent_by_instrument_year.items() if k[1] == sim.year}
    exit_channels = np.bincount(h.exit_channel[exited], minlength=len(EXIT_CHANNELS))
    record: dict[str, float] = {
        "replicate": sim.replicate,
        "year": sim.year,
        "poverty_line": sim.poverty_line,
        "households": income["households"],
        "persons": income["persons"],
        "poor_households": income["poor_households"],
        "poor_persons": income["poor_persons"],
        "incidence_persons": income["incidence_persons"],
        "registered_households": n_registered,
        "registered_persons": int(registered_persons),
        "registered_incidence_persons": share(registered_persons, persons),
        "new_registrations_households": int(sim.events["registered"].size - relapse_gap.size),
        "exits_households": int(exited.size),
        "registered_at_start_households": registered_at_start,
        "exit_rate": share(exited.size, registered_at_start),
        "relapses_households": int(relapse_gap.size),
        "relapses_within_1y_households": int((relapse_gap <= 1).sum()),
        "relapses_within_3y_households": int((relapse_gap <= 3).sum()),
        "relapses_within_5y_households": int((relapse_gap <= 5).sum()),
        # filled in three years later by Simulation.step (model/simulation/panel.py, lasting_exits)
        "exits_followed_3y_households": 0,
        "lasting_exits_households": 0,
        "near_poor_share": income["near_poor_share"],
        "monitored_households": int(np.count_nonzero(h.monitored)),
        "policy_continuation_households": int(
            np.count_nonzero(sim.policy_holders() & ~h.registered)
        ),
        "wrongly_exited_households": int(np.count_nonzero(poor[exited])),
        "missed_poor_households": int(np.count_nonzero(poor & ~h.registered)),
        "included_non_poor_households": int(np.count_nonzero(registered & ~poor)),
        "spending_total": float(sum(spending.values())),
        "spending_leakage": income["spending_leakage"],
        "idle_funds": float(idle_funds),
        "fgt1": income["fgt1"],
        "fgt2": income["fgt2"],
        "poverty_gap_yuan": income["poverty_gap_yuan"],
        "mean_income_per_capita": income["mean_income_per_capita"],
        "poor_villages": int(np.count_nonzero(v.poor_village & (v.exit_year == NEVER))),
        "villages_exited": int(np.count_nonzero(v.exit_year == sim.year)),
    }
    for index, cause in enumerate(CAUSES):
        record[f"cause_share_{cause}"] = share(cause_counts[index], n_registered)
    for index, channel in enumerate(EXIT_CHANNELS):
        record[f"exits_by_{channel}"] = int(exit_channels[index])
    for instrument in sim.interventions:
        record[f"spending_{instrument.label}"] = float(spending.get(instrument.label, 0.0))
        record[f"recipients_{instrument.label}"] = int(instrument.recipients_this_year.size)
    for fund in sim.ledger.funds:
        record[f"spending_fund_{fund}"] = float(
            sim.ledger.spent_by_fund_year.get((fund, sim.year), 0.0)
        )
    return record
