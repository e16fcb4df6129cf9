"""Employment instruments: job placement, skills training and public-welfare posts.

- job_placement: transfer employment, local or migrant, for a household's able labourer.
  sources.md: "in one province over 60% of labourers who exited through employment were in casual,
  flexible work: low and unstable income, high unemployment-relapse risk", so 60% of the
  placements are casual jobs that pay less and are lost more often than stable ones.
- skills_training: 1-2 skills per labourer (docs/sources.md), paying a job's income a year
  later if the trainee finds work. sources.md: "of 200 trainees, 32 (16%) went out to
  work" (failure 84%); "Rain and Dew" subsidies of 180,000 yuan for 33 students (about
  5,450 yuan each).
  Jobs found after training are casual or stable in the same shares as placements.
- public_welfare_post: posts such as forest ranger, road maintenance and cleaning, reserved
  for poor labourers with low mobility (docs/sources.md), with a fixed wage paid by the fund
  every year the post is held, a few posts per village; last year's holders keep their
  post first.

Job wages are in yuan of the identification year and scaled by `sim.money_index` in the
year they are paid (wages grow with the economy); the post wage is a fixed nominal amount.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from model.engine.kernels import (
    MEMBERS_FULL_LOCAL,
    MEMBERS_MIGRANTS,
    MEMBERS_PARTIAL,
    MEMBERS_WORKING_AGE_LABOURERS,
)
from model.interventions import kernels
from model.interventions.base import (
    Intervention,
    InterventionConfig,
    register,
)
from model.interventions.members import members
from model.interventions.streams import IncomeStreams, LastingEffect

if TYPE_CHECKING:  # pragma: no cover
    from model.engine.context import YearContext

WORKING_AGE = (16, 60)  # a labourer aged 16-59 can be trained


def able_local_labourers(sim: YearContext) -> np.ndarray:
    """Living full labourers per household who are not already working away (migrants)."""
    return members(sim, MEMBERS_FULL_LOCAL)


# --- jobs: the part placement and training share --------------------------------------


class JobConfig(InterventionConfig):
    """Keys of an instrument that leads to a job: the job's wage and how lasting it is."""

    wage_gain_yuan_per_year: float = Field(
        8000.0,
        ge=0,
        description="extra household income from the job, yuan/year of the identification "
        "year, scaled by the money index when paid; assumption (about a migrant wage counted "
        "at home, 30,000 x 0.6 = 18,000, less a remote local wage, 17,000 x (1 - 0.6 x 0.6) "
        "= 10,900, in the model's default wage equation)",
    )
    casual_share: float = Field(
        0.6,
        ge=0,
        le=1,
        description="share of jobs that are casual; sources.md: over 60% of labourers who exited "
        "through employment were in casual, flexible work",
    )
    casual_wage_factor: float = Field(
        0.7,
        ge=0,
        le=1,
        description="a casual job pays this share of the wage gain; assumption (sources.md: "
        "low and unstable income)",
    )
    casual_loss_risk: float = Field(
        0.3,
        ge=0,
        le=1,
        description="yearly chance a casual job is lost for good; assumption (sources.md: high "
        "unemployment-relapse risk)",
    )
    stable_loss_risk: float = Field(
        0.05, ge=0, le=1, description="yearly chance a stable job is lost for good; assumption"
    )
    lag_years: int = Field(
        0, ge=0, le=50, description="years between delivery and the first wage; assumption"
    )


class JobInstrument(LastingEffect, Intervention):
    """An instrument whose success is a job: casual (extra draw below the casual share) or
    stable, held as an income stream lost with the job's own yearly risk."""

    draws = ("failure", "loss", "extra")  # extra: casual or stable job

    config: JobConfig

    def __init__(self, config: JobConfig, sim: YearContext):
        super().__init__(config, sim)
        self.init_streams(sim)
        self.casual = np.zeros(sim.households.n, dtype=bool)  # kind of the last job started

    def init_streams(self, sim: YearContext) -> None:
        """A job pays after the lag for as long as it is held, without decay."""
        self.streams = IncomeStreams(sim.households.n, self.config.lag_years, None, 0.0)

    def mean_wage_factor(self) -> float:
        """Expected share of the wage gain a job pays, over casual and stable jobs."""
        c = self.config
        return c.casual_share * c.casual_wage_factor + (1.0 - c.casual_share)

    def expected_gain(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray
    ) -> np.ndarray:
        """This year's wage gain of the expected job, times the chance the delivery works."""
        wage = self.config.wage_gain_yuan_per_year * sim.money_index * self.mean_wage_factor()
        return wage * (1.0 - self.failure_probability(sim, households))

    def apply_effect(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray, succeeded: np.ndarray
    ) -> None:
        """Start a job for each success, casual where the spare draw is below the share."""
        c = self.config
        placed = households[succeeded]
        casual = self.extra_draw[placed] < c.casual_share
        wage = c.wage_gain_yuan_per_year * np.where(casual, c.casual_wage_factor, 1.0)
        risk = np.where(casual, c.casual_loss_risk, c.stable_loss_risk)
        self.streams.start(placed, sim.year, wage, risk)
        self.casual[placed] = casual

    def adjust_payments(
        self, sim: YearContext, rows: np.ndarray, amounts: np.ndarray
    ) -> np.ndarray:
        """Every job held pays its wage gain in this year's money."""
        return amounts * sim.money_index


# --- job placement -------------------------------------------------------------------


class JobPlacementConfig(JobConfig):
    """Scenario keys of transfer employment (local or migrant job placement)."""

    type: Literal["job_placement"]
    placement_cost_yuan: float = Field(
        1000.0,
        ge=0,
        description="yuan the fund pays per placement (transport, job fairs, organisation), "
        "again for a re-placement; assumption",
    )


@register
class JobPlacement(JobInstrument):
    """Places an able labourer of the household in a job; a household that lost its job
    may be placed again, one that holds one may not."""

    config_class = JobPlacementConfig
    config: JobPlacementConfig
    channel = "employment"
    phase = "development"

    def eligible_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        return (able_local_labourers(sim)[rows] > 0) & ~self.streams.running[rows]

    def cost_per_household(self) -> float:
        return self.config.placement_cost_yuan


# --- skills training -----------------------------------------------------------------


class SkillsTrainingConfig(JobConfig):
    """Scenario keys of vocational skills training (1-2 skills per labourer)."""

    type: Literal["skills_training"]
    unit_cost_one_off: float = Field(
        180_000 / 33,
        ge=0,
        description="yuan per trainee; sources.md: 'Rain and Dew' subsidies, 33 students, "
        "180,000 yuan (about 5,450 each)",
    )
    failure_risk: float = Field(
        1 - 32 / 200,
        ge=0,
        le=1,
        description="chance the training leads to no job; sources.md: of 200 trainees, 32 (16%) "
        "went out to work",
    )
    lag_years: int = Field(
        1, ge=0, le=50, description="years between the training and the first wage; assumption"
    )


@register
class SkillsTraining(JobInstrument):
    """Trains a working-age labourer once; with the documents' success rate the trainee
    finds a job, casual or stable, that pays from the year after."""

    config_class = SkillsTrainingConfig
    config: SkillsTrainingConfig
    channel = "employment"
    phase = "development"
    once_per_household = True

    def eligible_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        return members(sim, MEMBERS_WORKING_AGE_LABOURERS)[rows] > 0


# --- public-welfare posts ------------------------------------------------------------


class PublicWelfarePostConfig(InterventionConfig):
    """Scenario keys of public-welfare posts (forest ranger, road maintenance, cleaning)."""

    type: Literal["public_welfare_post"]
    wage_yuan_per_year: float = Field(
        6000.0,
        ge=0,
        description="fixed nominal wage of a post, paid by the fund each year it is held; "
        "assumption (500 yuan a month)",
    )
    capacity_households_per_village: int | None = Field(
        5, ge=0, description="posts per village; assumption"
    )
    older_labourer_age: int = Field(
        45,
        ge=0,
        le=120,
        description="a full labourer this old or older has low mobility; assumption",
    )


@register
class PublicWelfarePost(Intervention):
    """A yearly post for a household with low-mobility labour (a partial labourer, or a
    full labourer aged 45+) and nobody working away; holders keep their post first."""

    config_class = PublicWelfarePostConfig
    config: PublicWelfarePostConfig
    channel = "employment"
    phase = "development"

    def __init__(self, config: PublicWelfarePostConfig, sim: YearContext):
        super().__init__(config, sim)
        self.held_last_year = np.zeros(sim.households.n, dtype=bool)
        self.held_this_year = np.zeros(sim.households.n, dtype=bool)

    def begin_year(self, sim: YearContext) -> None:
        super().begin_year(sim)
        self.held_last_year = self.held_this_year
        self.held_this_year = np.zeros(sim.households.n, dtype=bool)

    def older_full_labourers(self, sim: YearContext) -> np.ndarray:
        """Living full labourers aged `older_labourer_age` or more, per household: a pass
        over the persons, which the year's assistance does not change, so from the second
        year on it is made on the simulation's background thread (persons_summary)."""
        age = self.config.older_labourer_age
        return sim.persons_summary(f"older_full_labourers:{age}", self._older_full_labourers)

    def _older_full_labourers(self, sim: YearContext) -> np.ndarray:
        p, n = sim.persons, sim.persons.n
        return kernels.older_full_labourers(
            p.household[:n], p.alive[:n], p.labour[:n], p.age[:n],
            self.config.older_labourer_age, sim.households.n,
        )  # fmt: skip

    def eligible_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        older_full = self.older_full_labourers(sim)
        low_mobility = members(sim, MEMBERS_PARTIAL)[rows] + older_full[rows]
        return (low_mobility > 0) & (members(sim, MEMBERS_MIGRANTS)[rows] == 0)

    def priority_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        """Last year's holders first, each group poorest first: the holders' scores are
        lifted above every other household's (by the spread of the scores of all)."""
        measured = sim.measured_income_per_capita()
        # np.ptp(-measured) is np.ptp(measured): negation is exact
        lift = np.ptp(measured) + 1.0 if measured.size else 0.0
        return super().priority_among(sim, rows) + lift * self.held_last_year[rows]

    def cost_per_household(self) -> float:
        return self.config.wage_yuan_per_year

    def apply_effect(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray, succeeded: np.ndarray
    ) -> None:
        """Pay the wage (the default transfer) and remember who holds a post this year."""
        super().apply_effect(sim, households, amounts, succeeded)
        self.held_this_year[households[succeeded]] = True
