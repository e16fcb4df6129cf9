"""Mesa agents as views over the arrays: a household or village agent reads and writes its row.

The yearly rules run vectorized over the arrays (model.simulation), not in per-agent
`step` methods; the agents exist so that Mesa users can select, inspect and collect
from households and villages the way they are used to (`model.agents_by_type`,
AgentSet.select, agent reporters of a DataCollector).
"""

from __future__ import annotations

import mesa
import numpy as np

from model.engine.state import CAUSE_NONE, CAUSES


class Village(mesa.Agent):
    """A village: market access, infrastructure, poor-village status."""

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = int(row)

    @property
    def _villages(self):
        return self.model.simulation.villages

    @property
    def remoteness(self) -> float:
        """0 next to the market, 1 the most remote."""
        return float(self._villages.remoteness[self.row])

    @property
    def poor_village(self) -> bool:
        return bool(self._villages.poor_village[self.row])

    @property
    def safe_water(self) -> bool:
        return bool(self._villages.safe_water[self.row])

    @safe_water.setter
    def safe_water(self, value: bool) -> None:
        self._villages.safe_water[self.row] = value

    @property
    def households(self) -> np.ndarray:
        """Household rows in this village."""
        return np.flatnonzero(self.model.simulation.households.village == self.row)


class Household(mesa.Agent):
    """A household: members, income, registration status and recorded cause of poverty."""

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = int(row)

    @property
    def _households(self):
        return self.model.simulation.households

    @property
    def village_row(self) -> int:
        return int(self._households.village[self.row])

    @property
    def size(self) -> int:
        """Persons alive in the household."""
        return int(self._households.size[self.row])

    @property
    def members(self) -> np.ndarray:
        """Person rows of the living members."""
        persons = self.model.simulation.persons
        n = persons.n
        return np.flatnonzero((persons.household[:n] == self.row) & persons.alive[:n])

    @property
    def income_per_capita(self) -> float:
        """True per-capita net income this year (yuan/year, after medical and school costs)."""
        return float(self.model.simulation.net_income_per_capita()[self.row])

    @property
    def poor(self) -> bool:
        return self.income_per_capita < self.model.simulation.poverty_line

    @property
    def registered(self) -> bool:
        return bool(self._households.registered[self.row])

    @property
    def cause(self) -> str | None:
        """Recorded primary cause of poverty, or None if never registered."""
        code = int(self._households.cause[self.row])
        return None if code == CAUSE_NONE else CAUSES[code]

    @property
    def housing_safe(self) -> bool:
        return bool(self._households.housing_safe[self.row])

    @housing_safe.setter
    def housing_safe(self, value: bool) -> None:
        self._households.housing_safe[self.row] = value
