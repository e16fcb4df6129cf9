"""Safety-net instruments. The dibao (minimum living guarantee) tops income up to a standard.

SF: "Dibao for those who cannot exit through industry or jobs: all fully or partly
unable to work are enrolled; the dibao line is raised toward the poverty line
('two lines merge')." The standard is a schedule of shares of the poverty line so
that the two lines can converge over the years.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field, field_validator

from model.interventions.base import PHASE_TOP_UP, Intervention, InterventionConfig, register
from model.params import Schedule, _check_schedule
from model.schedule import value_in_year

if TYPE_CHECKING:  # pragma: no cover
    from model.simulation import Simulation


class DibaoConfig(InterventionConfig):
    """Scenario keys of the dibao top-up."""

    type: Literal["dibao"]
    fund: str = "civil_affairs"
    standard_share_of_line: Schedule = Field(
        {2014: 1.0},
        description="dibao standard as a share of the poverty line, by year (SF: lines merge)",
    )
    target: Literal["all", "registered", "policy_holders", "at_risk"] = Field(
        "all", description="means-tested over everyone by default (see InterventionConfig)"
    )
    no_labour_first: bool = Field(
        True, description="households without a full labourer are served first (SF)"
    )

    _standard = field_validator("standard_share_of_line")(_check_schedule)


@register
class Dibao(Intervention):
    """Tops each eligible household's measured per-capita income up to the dibao standard."""

    config_class = DibaoConfig
    config: DibaoConfig
    channel = "safety_net"
    phase = PHASE_TOP_UP  # last: it tops up whatever income the other instruments left

    def standard_per_person(self, sim: Simulation) -> float:
        """Dibao standard this year, yuan per person per year."""
        return sim.poverty_line * value_in_year(self.config.standard_share_of_line, sim.year)

    def eligible(self, sim: Simulation) -> np.ndarray:
        return sim.measured_income_per_capita() < self.standard_per_person(sim)

    def priority(self, sim: Simulation) -> np.ndarray:
        shortfall = 1.0 - sim.measured_income_per_capita() / sim.poverty_line
        if self.config.no_labour_first:
            shortfall = shortfall + 10.0 * (sim.households.full_labourers == 0)
        return shortfall

    def yearly_cost(self, sim: Simulation, households: np.ndarray) -> np.ndarray:
        gap = self.standard_per_person(sim) - sim.measured_income_per_capita()[households]
        return np.maximum(gap, 0.0) * sim.households.size[households]

    def apply_effect(
        self, sim: Simulation, households: np.ndarray, amounts: np.ndarray, succeeded: np.ndarray
    ) -> None:
        self.pay(sim, households, np.where(succeeded, amounts, 0.0))
