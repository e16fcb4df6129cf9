"""Housing: dangerous-house renovation, the safe-housing guarantee of the exit test.

- housing_renovation: sources.md: 72 households planned in one township (no amount given).
  No channel: a safe house is an assurance, not income.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from model.interventions import kernels
from model.interventions.base import Intervention, InterventionConfig, register

if TYPE_CHECKING:  # pragma: no cover
    from model.engine.context import YearContext


class HousingRenovationConfig(InterventionConfig):
    """Scenario keys of dangerous-house renovation."""

    type: Literal["housing_renovation"]
    cost_yuan_per_household: float = Field(
        20_000.0,
        ge=0,
        description="one-off yuan per house; assumption (sources.md: 72 households planned in one "
        "township, no amount)",
    )


@register
class HousingRenovation(Intervention):
    """Makes a dangerous house safe (the housing assurance); no income. A failed
    renovation is paid and not retried (once per household)."""

    config_class = HousingRenovationConfig
    config: HousingRenovationConfig
    phase = "village_works"
    once_per_household = True

    def eligible_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        return ~sim.households.housing_safe[rows]

    def candidates_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        return kernels.rows_where_not(rows, sim.households.housing_safe)  # without a mask

    def cost_per_household(self) -> float:
        return self.config.cost_yuan_per_household

    def expected_gain(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray
    ) -> np.ndarray:
        """None: a safe house is an assurance, not income."""
        return np.zeros(households.size)

    def apply_effect(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray, succeeded: np.ndarray
    ) -> None:
        sim.households.housing_safe[households[succeeded]] = True
