"""Industry instruments: household projects, firm linkage and microcredit.

- production_subsidy: a one-off subsidy for a household project (crops, livestock, bees).
  sources.md: 2000-4000 yuan per household (one province's ceiling); 1500 yuan for 100 chickens
  raised 2500 yuan of income in a year. The project pays for a few years, may fail for
  want of labour or skill, and loses part of a year's income to village disasters and
  price shocks (sources.md: fragile household projects, market and weather risk).
- cooperative_dividend: money placed with a leading firm or cooperative on the household's
  behalf pays a yearly dividend, also to households without labour. sources.md: 264 households,
  11.66 million yuan (about 44,000 each), dividends of up to 10% a year; the credit placed
  paid about 9.3%, about 4,100 yuan per household.
- microcredit: a collateral-free loan whose interest the treasury pays (sources.md: base rate;
  default risk a named concern; national rule up to 50,000 yuan for up to 3 years).

Amounts are nominal and not scaled by `sim.money_index`: each income is a ratio to the
money put in (a return, a dividend rate), which price growth leaves unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from model.engine.kernels import MEMBERS_LABOURERS
from model.interventions import kernels
from model.interventions.base import Intervention, InterventionConfig, register
from model.interventions.members import profile
from model.interventions.streams import IncomeStreams, LastingEffect, LastingEffectConfig

if TYPE_CHECKING:  # pragma: no cover
    from model.engine.context import YearContext


def shock_hit_probability(sim: YearContext) -> float:
    """Chance a village has a disaster or a price shock in a year (0 if shocks are off)."""
    shocks = sim.scenario.dynamics.shocks
    if not shocks.enabled:
        return 0.0
    return 1.0 - (1.0 - shocks.disaster_probability) * (1.0 - shocks.price_shock_probability)


def mean_labourer_skill(sim: YearContext, households: np.ndarray) -> np.ndarray:
    """Mean skill of the living labourers of each of `households` (1 where it has none)."""
    counts, total = profile(sim)
    count = counts[households, MEMBERS_LABOURERS]
    return np.divide(total[households], count, out=np.ones(households.size), where=count > 0)


class StreamInstrument(LastingEffect, Intervention):
    """An instrument whose income lasts: it holds its IncomeStreams from construction."""

    def __init__(self, config: InterventionConfig, sim: YearContext):
        super().__init__(config, sim)
        self.init_streams(sim)


# --- production subsidy -----------------------------------------------------------------


class ProductionSubsidyConfig(LastingEffectConfig):
    """Scenario keys of the household production subsidy."""

    type: Literal["production_subsidy"]
    subsidy_yuan: float = Field(
        3000.0,
        ge=0,
        description="one-off yuan per household; sources.md: 2000-4000 yuan per household",
    )
    income_per_subsidy_yuan: float = Field(
        0.6,
        ge=0,
        description="yuan of yearly net income per yuan of subsidy while the project runs. "
        "sources.md: 1500 yuan for 100 chickens raised 2500 yuan income in a year: sales, "
        "not net income; assumption: feed and other running costs take about 64% of sales, "
        "leaving 2500 x 0.36 / 1500 = 0.6",
    )
    success_probability_full_labour: float = Field(
        0.8,
        ge=0,
        le=1,
        description="chance the project succeeds in a household with at least one full "
        "labourer of average skill; scaled down with fewer labour units; assumption",
    )
    skill_elasticity: float = Field(
        0.5,
        ge=0,
        description="success scales with the labourers' mean skill to this power "
        "(0: skill does not matter); assumption",
    )
    shock_income_loss: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of a year's project income lost when the village has a disaster "
        "or a price shock that year; assumption (sources.md: market and weather risk)",
    )
    duration_years: int | None = Field(
        3, ge=1, le=100, description="years the project pays; assumption"
    )
    yearly_loss_risk: float = Field(
        0.1,
        ge=0,
        le=1,
        description="chance each year the project is given up for good; assumption "
        "(sources.md: fragile household projects)",
    )


@register
class ProductionSubsidy(StreamInstrument):
    """One-off subsidy that starts a household project paying a yearly income for a few years."""

    config_class = ProductionSubsidyConfig
    config: ProductionSubsidyConfig
    channel = "industry"
    phase = "development"
    once_per_household = True

    def eligible_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        return sim.households.labour_units[rows] > 0

    def cost_per_household(self) -> float:
        return self.config.subsidy_yuan

    def failure_probability(self, sim: YearContext, households: np.ndarray) -> np.ndarray:
        """1 - success; success = full-labour chance x min(1, labour units) x skill factor
        (and not the config's general `failure_risk`)."""
        c = self.config
        labour = np.minimum(sim.households.labour_units[households], 1.0)
        skill = mean_labourer_skill(sim, households) ** c.skill_elasticity
        success = np.clip(c.success_probability_full_labour * labour * skill, 0.0, 1.0)
        return 1.0 - success * (1.0 - c.failure_risk)

    def expected_gain(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray
    ) -> np.ndarray:
        """Yearly project income if it succeeds, times the success chance, less the
        expected yearly shock loss."""
        c = self.config
        success = 1.0 - self.failure_probability(sim, households)
        shock_keep = 1.0 - c.shock_income_loss * shock_hit_probability(sim)
        return amounts * c.income_per_subsidy_yuan * success * shock_keep

    def apply_effect(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray, succeeded: np.ndarray
    ) -> None:
        c = self.config
        yearly = amounts[succeeded] * c.income_per_subsidy_yuan
        self.streams.start(households[succeeded], sim.year, yearly, c.yearly_loss_risk)

    def adjust_payments(
        self, sim: YearContext, rows: np.ndarray, amounts: np.ndarray
    ) -> np.ndarray:
        """The projects' income, cut where the village had a disaster or price shock."""
        v = sim.villages
        hit = (v.disaster | v.price_shock)[sim.households.village[rows]]
        return np.where(hit, amounts * (1.0 - self.config.shock_income_loss), amounts)


# --- cooperative / leading-firm dividend ------------------------------------------------


class CooperativeDividendConfig(LastingEffectConfig):
    """Scenario keys of funds placed with a firm or cooperative that pay dividends."""

    type: Literal["cooperative_dividend"]
    placed_yuan: float = Field(
        44_000.0,
        ge=0,
        description="yuan placed per household, booked once; sources.md: 264 households, "
        "11.66 million yuan (about 44,000 each)",
    )
    dividend_rate: float = Field(
        0.093,
        ge=0,
        le=1,
        description="yearly dividend as a share of the money placed; sources.md: about 9.3% a year "
        "(about 4,100 yuan per household), up to 10%",
    )
    no_labour_first: bool = Field(
        False,
        description="serve households without labour first (sources.md: asset income for those "
        "without labour); default off: poorest first",
    )
    duration_years: int | None = Field(
        3, ge=1, le=100, description="years the placement pays; assumption (a typical term)"
    )
    yearly_loss_risk: float = Field(
        0.03,
        ge=0,
        le=1,
        description="chance each year the firm fails and the dividend stops; assumption",
    )


@register
class CooperativeDividend(StreamInstrument):
    """Money placed with a firm on a household's behalf pays it a yearly dividend."""

    config_class = CooperativeDividendConfig
    config: CooperativeDividendConfig
    channel = "asset_income"
    phase = "development"
    once_per_household = True

    def eligible_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        """Any household: asset income needs no labour (the target group narrows it)."""
        return sim.households.active[rows]

    def candidates_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        return kernels.rows_where(rows, sim.households.active)  # without a mask over rows

    def priority_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        score = super().priority_among(sim, rows)
        if self.config.no_labour_first:
            score = score + 1e9 * (sim.households.labour_units[rows] <= 0)
        return score

    def cost_per_household(self) -> float:
        return self.config.placed_yuan

    def expected_gain(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray
    ) -> np.ndarray:
        """The yearly dividend on the money placed, if the delivery works."""
        failure = self.failure_probability(sim, households)
        return amounts * self.config.dividend_rate * (1.0 - failure)

    def apply_effect(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray, succeeded: np.ndarray
    ) -> None:
        c = self.config
        yearly = amounts[succeeded] * c.dividend_rate
        self.streams.start(households[succeeded], sim.year, yearly, c.yearly_loss_risk)


# --- microcredit ------------------------------------------------------------------------


class MicrocreditConfig(InterventionConfig):
    """Scenario keys of poverty-alleviation microcredit."""

    type: Literal["microcredit"]
    loan_yuan: float = Field(
        50_000.0,
        ge=0,
        description="loan per household (lent by a bank, not the fund); sources.md: national rule "
        "up to 50,000 yuan",
    )
    term_years: int = Field(
        3, ge=1, le=30, description="years of the loan and of its income; sources.md: up to 3 years"
    )
    interest_subsidy_rate: float = Field(
        0.0435,
        ge=0,
        le=1,
        description="yearly interest the fund pays (sources.md: subsidised at the base rate); "
        "4.35% assumed, the one-year base rate of the time",
    )
    return_on_investment: float = Field(
        0.12,
        ge=0,
        description="yearly net income of the household's business per yuan borrowed; assumption",
    )
    default_risk: float = Field(
        0.1,
        ge=0,
        le=1,
        description="chance per loan the business fails, yields nothing and the loan "
        "defaults; assumption (sources.md: default risk is a named concern)",
    )
    risk_compensation_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of a defaulted loan the fund's risk compensation covers; assumption",
    )
    min_labour_units: float = Field(
        0.5, ge=0, description="labour units needed to borrow (or a full labourer); assumption"
    )


@register
class Microcredit(StreamInstrument):
    """Collateral-free loan with the interest paid by the fund; the business it finances
    pays a yearly income for the term unless it fails and the loan defaults."""

    config_class = MicrocreditConfig
    config: MicrocreditConfig
    channel = "industry"
    phase = "development"
    once_per_household = True

    def init_streams(self, sim: YearContext) -> None:
        """Income from the year of the loan for `term_years`, no decay, no later loss."""
        self.streams = IncomeStreams(sim.households.n, 0, self.config.term_years, 0.0)

    def eligible_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        h = sim.households
        return (h.labour_units[rows] >= self.config.min_labour_units) | (h.full_labourers[rows] > 0)

    def cost_per_household(self) -> float:
        """Provisioned at the loan: the interest subsidy for the whole term, paid up front,
        plus the expected risk compensation (loan x default risk x covered share)."""
        c = self.config
        interest = c.loan_yuan * c.interest_subsidy_rate * c.term_years
        provision = c.loan_yuan * c.default_risk * c.risk_compensation_share
        return interest + provision

    def failure_probability(self, sim: YearContext, households: np.ndarray) -> np.ndarray:
        """A failed delivery is a failed business and a defaulted loan (default risk,
        combined with the config's general `failure_risk`, 0 by default)."""
        c = self.config
        return np.full(households.size, 1.0 - (1.0 - c.default_risk) * (1.0 - c.failure_risk))

    def expected_gain(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray
    ) -> np.ndarray:
        """Yearly business income on the loan times the chance it does not default."""
        c = self.config
        yearly = c.loan_yuan * c.return_on_investment
        return yearly * (1.0 - self.failure_probability(sim, households))

    def apply_effect(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray, succeeded: np.ndarray
    ) -> None:
        c = self.config
        yearly = c.loan_yuan * c.return_on_investment
        self.streams.start(households[succeeded], sim.year, yearly)
