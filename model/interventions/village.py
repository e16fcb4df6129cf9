"""Village works: roads, irrigation and water, and the base class of village investments.

Village works (recipients are villages; `VillageInvestment`), each at most once per village:
- village_road: sources.md: 6.106 million yuan for roads reaching 10 villages (about 610,600 each).
  Lowers the village's remoteness, which raises local wages through the engine's remoteness
  penalty from the next year's economy.
- village_irrigation: raises the village's land productivity. sources.md: 1 million yuan for one
  whole-village project (taken as the cost of one village's irrigation).
- village_safe_water: sources.md: 0.823 million yuan for water reaching 8 villages (about 102,875
  each). The village and every household in it get safe water (the assurance).
The collective economy (model/interventions/collective.py) is a village investment too;
dangerous-house renovation, a household instrument, is in model/interventions/housing.py.

Village works have no channel: what a road or irrigation adds to wages and farm
income is the household's own income, so exits it brings count to own growth; water and
housing are assurances, not income.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field, model_validator

from model.engine.state import NEVER
from model.interventions import kernels
from model.interventions.base import (
    Intervention,
    InterventionConfig,
    Proposal,
    Target,
    register,
)
from model.interventions.selection import group_rows

if TYPE_CHECKING:  # pragma: no cover
    from model.engine.context import YearContext


class VillageInvestmentConfig(InterventionConfig):
    """Keys of an investment in a village. Recipients are villages: capacity counts villages
    (`capacity_villages_per_year`); `unit_cost_one_off` and `unit_cost_yearly` are per village;
    `target` admits villages with at least one household of the target group."""

    target: Target = Field(
        "policy_holders",
        description="villages with at least one household of this group may receive it "
        "(groups as for households)",
    )
    cost_yuan_per_village: float = Field(0.0, ge=0, description="one-off yuan per village")
    capacity_villages_per_year: int | None = Field(
        None,
        ge=0,
        description="most villages per year; none = unlimited (the household capacities are "
        "refused; unit costs are per village; the cost is booked in equal shares to the "
        "village's households)",
    )

    @model_validator(mode="after")
    def _villages_not_households(self):
        if (
            self.capacity_households_per_year is not None
            or self.capacity_households_per_village is not None
        ):
            raise ValueError(
                "a village investment counts villages: use capacity_villages_per_year instead "
                "of capacity_households_per_year / capacity_households_per_village"
            )
        return self


class VillageInvestment(Intervention):
    """An instrument whose recipients are village rows: proposed and priced per village, its
    cost booked equally to the village's active households, its effect on the village."""

    config: VillageInvestmentConfig
    phase = "village_works"
    once_per_household = True  # once per village, hence at most once for each household

    def __init__(self, config: VillageInvestmentConfig, sim: YearContext):
        super().__init__(config, sim)
        self.invested_year = np.full(sim.villages.n, NEVER, dtype=np.int16)
        self.village_failure_draw = np.zeros(sim.villages.n)

    @property
    def invested(self) -> np.ndarray:
        """Villages that have received this investment (each does at most once)."""
        return self.invested_year != NEVER

    # --- what a village investment defines ------------------------------------------------
    def eligible_villages(self, sim: YearContext) -> np.ndarray:
        """Boolean mask over villages that may receive the investment this year."""
        raise NotImplementedError

    def village_priority(self, sim: YearContext) -> np.ndarray:
        """Score over villages, highest first: poor villages, then the most remote."""
        v = sim.villages
        return 2.0 * v.poor_village + v.remoteness

    def village_gain(self, sim: YearContext, villages: np.ndarray) -> np.ndarray:
        """Yuan/year of income the village's households are expected to gain, if it works.
        None by default (an assurance)."""
        return np.zeros(villages.size)

    def apply_village_effect(
        self, sim: YearContext, villages: np.ndarray, succeeded: np.ndarray
    ) -> None:
        """Change the arrays of the `villages` (`succeeded` masks failed deliveries)."""
        raise NotImplementedError

    # --- shared ------------------------------------------------------------------------------
    draws = ()  # no household draws: a village work fails or not as a whole

    def yearly_draws(self, sim: YearContext) -> list[tuple[str, tuple[int, ...], type]]:
        return [*super().yearly_draws(sim), ("random", (sim.villages.n,), np.float64)]

    def begin_year(self, sim: YearContext) -> None:
        """One failure draw per village, every year."""
        super().begin_year(sim)
        self.village_failure_draw = self.rng.random(sim.villages.n)

    def open_villages(self, sim: YearContext, allowed: np.ndarray | None = None) -> np.ndarray:
        """Eligible villages not yet served that hold a household of the target group
        (within `allowed`, a household mask, if given)."""
        if allowed is None:
            has_members = villages_of_group(sim, self.target_mask(sim))
        else:
            members = kernels.rows_where(self.target_rows(sim), allowed)
            has_members = np.zeros(sim.villages.n, dtype=bool)
            has_members[sim.households.village[members]] = True
        return self.eligible_villages(sim) & has_members & ~self.invested

    def eligible(self, sim: YearContext) -> np.ndarray:
        """Households of the villages that may receive the investment (for inspection)."""
        return sim.households.active & self.open_villages(sim)[sim.households.village]

    def propose(
        self, sim: YearContext, allowed: np.ndarray | None = None, money: float | None = None
    ) -> Proposal | None:
        """Open villages ranked by `village_priority`, cut at the villages' capacity and at
        the villages `money` (None: not known) can pay for.
        `Proposal.households` holds village rows; amounts and costs are per village."""
        if not self.active_in(sim):
            return None
        candidates = np.flatnonzero(self.open_villages(sim, allowed))
        if candidates.size == 0:
            return None
        order = np.argsort(-self.village_priority(sim)[candidates], kind="stable")
        candidates = candidates[order][: self.proposal_size(sim, money)]
        c = self.config
        amounts = np.full(candidates.size, c.cost_yuan_per_village)
        costs = np.full(candidates.size, self.least_cost())  # the same for every village

        def work_out_gain() -> np.ndarray:  # read by the cost-effectiveness rule only
            return self.village_gain(sim, candidates) * (1.0 - c.failure_risk)

        return Proposal(self, candidates, amounts, costs, work_out_gain, sim.ledger)

    def yearly_capacity(self) -> int | None:
        """Most villages this year: the configured capacity, none while the year's unspent
        integrated money is re-allocated."""
        return None if self.capacity_lifted else self.config.capacity_villages_per_year

    def least_cost(self) -> float:
        """What a village's works cost, per-recipient costs included: the same for every
        village, and every village is new (works are made once per village)."""
        c = self.config
        return c.cost_yuan_per_village + c.unit_cost_one_off + c.unit_cost_yearly

    def deliver(self, sim: YearContext, proposal: Proposal, selected: np.ndarray | slice) -> None:
        """Book each selected village's cost in equal shares to its active households, and
        apply the effect to the villages whose own failure draw passes."""
        villages = proposal.households[selected]
        if villages.size == 0:
            return
        h, n_villages = sim.households, sim.villages.n
        cost = np.zeros(n_villages)
        cost[villages] = proposal.costs[selected]
        chosen = np.zeros(n_villages, dtype=bool)
        chosen[villages] = True
        households = np.flatnonzero(h.active & chosen[h.village])
        village_of = h.village[households]
        count = np.bincount(village_of, minlength=n_villages)
        shares = cost[village_of] / count[village_of]
        sim.ledger.book(self.label, self.config.fund, sim.year, households, shares)
        self.invested_year[villages] = sim.year
        self.recipients_this_year = np.concatenate([self.recipients_this_year, households])
        succeeded = self.village_failure_draw[villages] >= self.config.failure_risk
        self.apply_village_effect(sim, villages, succeeded)


def villages_of_group(sim: YearContext, mask: np.ndarray) -> np.ndarray:
    """Villages with at least one household of the group `mask`: computed once a year for
    a read-only group mask (the year's assistance groups, as `group_rows`) and shared by
    the village works of that group; a writable mask is read afresh each time."""

    def compute() -> np.ndarray:
        has_members = np.zeros(sim.villages.n, dtype=bool)
        has_members[sim.households.village[group_rows(sim, mask)]] = True
        return has_members

    if mask.flags.writeable:
        return compute()
    # The cached pair holds the mask, so no other mask can take its id while it is kept.
    held, villages = sim.per_year(f"villages_of_group:{id(mask)}", lambda: (mask, compute()))
    return villages if held is mask else compute()


def village_sum(sim: YearContext, values: np.ndarray) -> np.ndarray:
    """Sum of a household array over each village's active households."""
    h = sim.households
    return np.bincount(h.village, weights=np.where(h.active, values, 0.0), minlength=sim.villages.n)


def village_local_wages(sim: YearContext) -> np.ndarray:
    """Local wage income of each village's active households (`local_wage_income`),
    once a year: wages, migrants and households do not change during the assistance.
    Computed when first asked (not ahead on the background thread: the village works
    come first in the year, before that thread has made the instruments' summaries)."""
    return sim.per_year("village_local_wages", lambda: village_sum(sim, local_wage_income(sim)))


def village_farm_income(sim: YearContext) -> np.ndarray:
    """Farm income of each village's active households, once a year (as the wages)."""
    return sim.per_year("village_farm_income", lambda: village_sum(sim, sim.households.farm_income))


# --- road ----------------------------------------------------------------------------------


class VillageRoadConfig(VillageInvestmentConfig):
    """Scenario keys of a village road."""

    type: Literal["village_road"]
    cost_yuan_per_village: float = Field(
        610_600.0,
        ge=0,
        description="one-off yuan per village; sources.md: 6.106 million yuan for roads "
        "reaching 10 villages",
    )
    remoteness_reduction_share: float = Field(
        0.3,
        ge=0,
        le=1,
        description="share of the village's remoteness (0..1) the road removes, relative; "
        "assumption",
    )


def local_wage_income(sim: YearContext) -> np.ndarray:
    """Each household's wage income earned at home: its wages less an estimate of migrant
    remittances (the engine's rate x skill x labour units, before shocks and episodes)."""
    p, n, inc = sim.persons, sim.persons.n, sim.scenario.dynamics.income
    away = np.flatnonzero(p.alive[:n] & p.migrant[:n])
    units = np.array([0.0, inc.partial_labour_factor, 1.0])[p.labour[away]]
    rate = inc.migrant_wage_full * inc.migrant_remit_share * sim.money_index
    remitted = np.bincount(
        p.household[away], weights=rate * p.skill[away] * units, minlength=sim.households.n
    )
    return np.maximum(sim.households.wage_income - remitted, 0.0)


@register
class VillageRoad(VillageInvestment):
    """An all-weather road: the village's remoteness falls, so local wages rise from the
    next year (the engine's remoteness wage penalty)."""

    config_class = VillageRoadConfig
    config: VillageRoadConfig

    def eligible_villages(self, sim: YearContext) -> np.ndarray:
        return ~sim.villages.road

    def village_gain(self, sim: YearContext, villages: np.ndarray) -> np.ndarray:
        """Local wages of the village times the relative rise of the local wage rate."""
        penalty = sim.scenario.dynamics.income.remoteness_wage_penalty
        lost = penalty * sim.villages.remoteness[villages]
        rise = np.divide(
            lost * self.config.remoteness_reduction_share,
            1.0 - lost,
            out=np.zeros(villages.size),
            where=lost < 1.0,
        )
        return village_local_wages(sim)[villages] * rise

    def apply_village_effect(
        self, sim: YearContext, villages: np.ndarray, succeeded: np.ndarray
    ) -> None:
        built = villages[succeeded]
        sim.villages.road[built] = True
        sim.villages.remoteness[built] *= 1.0 - self.config.remoteness_reduction_share


# --- irrigation ----------------------------------------------------------------------------


class VillageIrrigationConfig(VillageInvestmentConfig):
    """Scenario keys of a village irrigation project."""

    type: Literal["village_irrigation"]
    cost_yuan_per_village: float = Field(
        1_000_000.0,
        ge=0,
        description="one-off yuan per village; assumption from sources.md: 1 million yuan for one "
        "whole-village project",
    )
    productivity_gain_share: float = Field(
        0.2, ge=0, le=5, description="relative rise of the village's land productivity; assumption"
    )


@register
class VillageIrrigation(VillageInvestment):
    """Irrigation raises the village's land productivity, so farm income from the next year."""

    config_class = VillageIrrigationConfig
    config: VillageIrrigationConfig

    def eligible_villages(self, sim: YearContext) -> np.ndarray:
        """Any village (the engine has no irrigation flag; each is served once)."""
        return np.ones(sim.villages.n, dtype=bool)

    def village_gain(self, sim: YearContext, villages: np.ndarray) -> np.ndarray:
        """This year's farm income of the village times the relative productivity gain."""
        return village_farm_income(sim)[villages] * self.config.productivity_gain_share

    def apply_village_effect(
        self, sim: YearContext, villages: np.ndarray, succeeded: np.ndarray
    ) -> None:
        gain = 1.0 + self.config.productivity_gain_share
        sim.villages.land_productivity[villages[succeeded]] *= gain


# --- safe water ----------------------------------------------------------------------------


class VillageSafeWaterConfig(VillageInvestmentConfig):
    """Scenario keys of a village drinking-water project."""

    type: Literal["village_safe_water"]
    cost_yuan_per_village: float = Field(
        823_000.0 / 8,
        ge=0,
        description="one-off yuan per village; sources.md: 0.823 million yuan for water reaching 8 "
        "villages",
    )


@register
class VillageSafeWater(VillageInvestment):
    """Safe drinking water for the village and every household in it (the assurance)."""

    config_class = VillageSafeWaterConfig
    config: VillageSafeWaterConfig

    def eligible_villages(self, sim: YearContext) -> np.ndarray:
        """Villages without safe water, or with an active household lacking it."""
        h = sim.households
        lacking = kernels.villages_with_unsafe_water(
            h.village, h.active, h.safe_water, sim.villages.n
        )
        return ~sim.villages.safe_water | lacking

    def apply_village_effect(
        self, sim: YearContext, villages: np.ndarray, succeeded: np.ndarray
    ) -> None:
        served = np.zeros(sim.villages.n, dtype=bool)
        served[villages[succeeded]] = True
        sim.villages.safe_water[served] = True
        sim.households.safe_water[served[sim.households.village]] = True
