"""The village collective economy: an investment whose income is partly paid to members.

- collective_economy: sources.md: collective income targets of 50,000 yuan for a poor village and at
  least 10,000 for others. A one-off investment raises the collective's income; each year a
  share of it is paid out to the village's registered households (asset income), the rest
  goes to village posts and public goods (not modelled).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from model.engine.state import NEVER
from model.interventions.base import Target, register
from model.interventions.village import VillageInvestment, VillageInvestmentConfig

if TYPE_CHECKING:  # pragma: no cover
    from model.engine.context import YearContext


class CollectiveEconomyConfig(VillageInvestmentConfig):
    """Scenario keys of an investment in a village's collective economy."""

    type: Literal["collective_economy"]
    target: Target = Field(
        "registered",
        description="households paid the members' share each year, and whose village may "
        "apply: registered by default (sources.md: the registered households of the village)",
    )
    cost_yuan_per_village: float = Field(
        500_000.0,
        ge=0,
        description="one-off yuan per village; assumption (a 10% return for the gain below, "
        "sources.md: firm dividends of up to 10%)",
    )
    collective_income_gain_yuan_per_year: float = Field(
        50_000.0,
        ge=0,
        description="yearly collective income the investment adds, nominal; assumption at "
        "the documents' target of 50,000 yuan for a poor village",
    )
    member_payout_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of the added income paid out equally to the target households; "
        "the rest pays village posts and public goods (not modelled); assumption",
    )
    lag_years: int = Field(
        1, ge=0, le=20, description="years from the investment to the first income; assumption"
    )
    target_income_poor_village_yuan: float = Field(
        50_000.0,
        ge=0,
        description="a poor village below this collective income may apply; sources.md: "
        "50,000 yuan",
    )
    target_income_other_village_yuan: float = Field(
        10_000.0,
        ge=0,
        description="another village below this collective income may apply; sources.md: at least "
        "10,000 yuan",
    )


@register
class CollectiveEconomy(VillageInvestment):
    """A one-off investment raising a village's collective income; a share of the gain is
    paid each year, equally, to the village's target (registered) households."""

    config_class = CollectiveEconomyConfig
    config: CollectiveEconomyConfig
    channel = "asset_income"

    def __init__(self, config: CollectiveEconomyConfig, sim: YearContext):
        super().__init__(config, sim)
        self.income_year = np.full(sim.villages.n, NEVER, dtype=np.int16)  # first income year

    def eligible_villages(self, sim: YearContext) -> np.ndarray:
        """Villages whose collective income is below their documented target."""
        c, v = self.config, sim.villages
        target = np.where(
            v.poor_village, c.target_income_poor_village_yuan, c.target_income_other_village_yuan
        )
        return v.collective_income < target

    def village_gain(self, sim: YearContext, villages: np.ndarray) -> np.ndarray:
        """The members' share of the added income (every open village has members)."""
        c = self.config
        return np.full(
            villages.size, c.collective_income_gain_yuan_per_year * c.member_payout_share
        )

    def apply_village_effect(
        self, sim: YearContext, villages: np.ndarray, succeeded: np.ndarray
    ) -> None:
        self.income_year[villages[succeeded]] = sim.year + self.config.lag_years

    def end_year(self, sim: YearContext) -> None:
        """Add the gain to the collective's income in its first year; pay members each year."""
        c, v, h = self.config, sim.villages, sim.households
        v.collective_income[self.income_year == sim.year] += c.collective_income_gain_yuan_per_year
        earning = (self.income_year != NEVER) & (self.income_year <= sim.year)
        members = np.flatnonzero(self.target_mask(sim) & earning[h.village])
        if members.size == 0:
            return
        village_of = h.village[members]
        count = np.bincount(village_of, minlength=v.n)
        payout = c.collective_income_gain_yuan_per_year * c.member_payout_share
        self.pay(sim, members, payout / count[village_of])
