"""Relocation: moving a household from a remote village to a resettlement site.

- relocation: sources.md: "29 households (24 poor, 85 persons) relocated for 2.69 million yuan of
  special funds (about 93,000 yuan per household, 31,600 per poor person)", so the move
  costs 31,600 yuan per member; "some relocated households return (18 households / 47
  persons in one township)", a count without a denominator, so the yearly return risk
  is an assumption.

The move makes the household's housing and drinking water safe (the site's). Each year
while it stays, the household loses most of its farm income (its land is far away) and,
after an adjustment period, earns more wages from the site's better market access. Both
effects are paid on the relocation channel (the loss as a negative amount). A household
that returns goes back to its land: both effects end; it keeps the safer house and water
(assumption: the site house is kept or the old one was rebuilt). It is not moved again.

The cost is in nominal yuan, not scaled by `sim.money_index`; the income effects are
shares of this year's farm and wage income, which already grow with the economy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from model.engine.state import NEVER
from model.interventions.base import (
    Intervention,
    InterventionConfig,
    register,
)

if TYPE_CHECKING:  # pragma: no cover
    from model.engine.context import YearContext


class RelocationConfig(InterventionConfig):
    """Scenario keys of relocation to a resettlement site."""

    type: Literal["relocation"]
    cost_yuan_per_person: float = Field(
        2_690_000 / 85,
        ge=0,
        description="yuan per household member, booked in the year of the move; sources.md: 2.69 "
        "million yuan for 85 persons (about 31,600 per person)",
    )
    min_village_remoteness: float = Field(
        0.6,
        ge=0,
        le=1,
        description="only households of villages at least this remote (0..1) are moved; assumption",
    )
    return_risk_per_year: float = Field(
        0.05,
        ge=0,
        le=1,
        description="yearly chance a relocated household returns to its village for good; "
        "assumption (sources.md: 18 households / 47 persons returned in one township, with no "
        "count of those relocated there)",
    )
    farm_income_lost_share: float = Field(
        0.7,
        ge=0,
        le=1,
        description="share of farm income lost each year while relocated (the land is far "
        "away); assumption",
    )
    adjustment_years: int = Field(
        2,
        ge=0,
        le=50,
        description="years after the move before the wage gain starts (the move year is "
        "year 0); assumption",
    )
    site_wage_gain_share: float = Field(
        0.3,
        ge=0,
        description="extra wage income at the site, as a share of the household's wage "
        "income, after the adjustment; assumption, below the model's own local-wage gain: "
        "with remoteness_wage_penalty 0.6, moving from remoteness 0.8 to 0.2 raises the "
        "local wage by 0.6 x 0.6 / (1 - 0.6 x 0.8) = 69%, but migrant remittances (also wage "
        "income) do not change with the move",
    )


@register
class Relocation(Intervention):
    """Moves a household from a remote village to a resettlement site once; pays the loss
    of farm income and, after the adjustment years, the wage gain until it returns."""

    draws = ("failure", "loss")  # loss: the household returns

    config_class = RelocationConfig
    config: RelocationConfig
    channel = "relocation"
    phase = "development"
    once_per_household = True

    def __init__(self, config: RelocationConfig, sim: YearContext):
        super().__init__(config, sim)
        n = sim.households.n
        self.relocated = np.zeros(n, dtype=bool)  # living at the site now
        self.moved_year = np.full(n, NEVER, dtype=np.int16)  # year of the move, NEVER if none
        self.returned_year = np.full(n, NEVER, dtype=np.int16)  # year it went back
        self.farm_loss = np.zeros(n)  # yuan lost this year (paid as a negative amount)
        self.wage_gain = np.zeros(n)  # yuan gained this year

    def begin_year(self, sim: YearContext) -> None:
        """Draw the year's numbers, then let relocated households return (loss draw)."""
        super().begin_year(sim)
        relocated = np.flatnonzero(self.relocated)  # a small share: work on those rows
        returning = relocated[self.loss_draw[relocated] < self.config.return_risk_per_year]
        self.relocated[returning] = False
        self.returned_year[returning] = sim.year

    def eligible_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        remoteness = sim.villages.remoteness[sim.households.village[rows]]
        return (remoteness >= self.config.min_village_remoteness) & ~self.relocated[rows]

    def yearly_cost(self, sim: YearContext, households: np.ndarray) -> np.ndarray:
        return self.config.cost_yuan_per_person * sim.households.size[households]

    def expected_gain(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray
    ) -> np.ndarray:
        """Yearly income change once adjusted (wage gain less farm loss; may be negative),
        if the move happens."""
        h, c = sim.households, self.config
        wages, farm = h.wage_income[households], h.farm_income[households]
        after = c.site_wage_gain_share * wages - c.farm_income_lost_share * farm
        return after * (1.0 - self.failure_probability(sim, households))

    def apply_effect(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray, succeeded: np.ndarray
    ) -> None:
        """Move the successes: safe housing and water from now on."""
        movers = households[succeeded]
        self.relocated[movers] = True
        self.moved_year[movers] = sim.year
        sim.households.housing_safe[movers] = True
        sim.households.safe_water[movers] = True

    def end_year(self, sim: YearContext) -> None:
        """Pay this year's farm loss (negative) and, after the adjustment, the wage gain."""
        h, c = sim.households, self.config
        relocated = np.flatnonzero(self.relocated)  # a small share: work on those rows
        paying = relocated[h.active[relocated]]
        years_since = sim.year - self.moved_year[paying].astype(np.int32)
        adjusted = paying[years_since >= c.adjustment_years]
        self.farm_loss = np.zeros(h.n)
        self.farm_loss[paying] = c.farm_income_lost_share * h.farm_income[paying]
        self.wage_gain = np.zeros(h.n)
        self.wage_gain[adjusted] = c.site_wage_gain_share * h.wage_income[adjusted]
        self.pay(sim, paying, self.wage_gain[paying] - self.farm_loss[paying])
