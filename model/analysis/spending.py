"""Where a scenario's poverty funds go: the yearly spending of the instruments paid by its
integrated funds, by assistance phase (village works, medical and schooling expenses,
development, transfers, top-up; model.simulation.year.ASSISTANCE_PHASES).

A pattern of the campaign that no calibration target lists: one county's fund rule put at
least 60% of fiscal poverty funds into industry (docs/sources.md). The validation page
draws these shares and a test checks the development phase's share.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from model.interventions import REGISTRY
from model.simulation.year import PHASE_ORDER

if TYPE_CHECKING:  # pragma: no cover
    from model.config.scenario import Scenario


def integrated_spending_by_phase(yearly: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Yuan spent each year (rows, by `year`) by the instruments of `scenario` paid from an
    integrated fund, summed by their assistance phase (columns, in the year's order)."""
    phases: dict[str, list[str]] = {}
    for spec in scenario.interventions:
        if scenario.funds[spec.fund].integrated:
            phases.setdefault(REGISTRY[spec.type].phase, []).append(f"spending_{spec.label}")
    by_year = yearly.set_index("year")
    in_order = sorted(phases, key=PHASE_ORDER.get)
    return pd.DataFrame(
        {phase: by_year[phases[phase]].sum(axis=1) for phase in in_order}, index=by_year.index
    )


def integrated_spending_shares(yearly: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """`integrated_spending_by_phase` as shares of each year's total (years without
    spending are left out)."""
    spending = integrated_spending_by_phase(yearly, scenario)
    total = spending.sum(axis=1)
    return spending[total > 0].div(total[total > 0], axis=0)
