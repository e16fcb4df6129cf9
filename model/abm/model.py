"""`PovertyModel`: the simulation as a Mesa model, for Mesa users and `mesa.batch_run`.

One `step()` is one policy year. The DataCollector gathers the yearly indicators of
model.simulation.metrics after each step (so row i is policy year i + 1, and batch_run's last
row is the final year). Creating one Mesa agent per household costs about 9 us and
600 bytes each; the arrays alone decide the results, so `create_agents=False` gives
identical numbers for large sweeps (the command line uses the engine directly).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa

from model.abm.agents import Household, Village
from model.config.scenario import Scenario, load_scenario, with_overrides
from model.simulation import Simulation
from model.simulation.metrics import yearly_columns

DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"


def _reporter(name: str):
    def report(model: PovertyModel) -> float:
        return model.simulation.records[-1][name]

    report.__name__ = f"report_{name}"
    return report


class PovertyModel(mesa.Model):
    """A county under a scenario. Keyword parameters suit `mesa.batch_run`.

    Args:
        scenario: a scenario file path or a `Scenario`; default scenarios/baseline.yaml.
        n_households, years: override the scenario's population size and horizon.
        seed: the run's seed (default: the scenario's); replicate: which replicate stream.
        create_agents: build Household and Village agents over the arrays.
        overrides: further scenario values by key path, with '__' for '.'
            (e.g. ``policy__exit__income_margin=0.1``).
    """

    def __init__(
        self,
        scenario: str | Path | Scenario | None = None,
        n_households: int | None = None,
        years: int | None = None,
        seed: int | None = None,
        replicate: int = 0,
        create_agents: bool = True,
        **overrides: Any,
    ):
        resolved = self._resolve(scenario, n_households, years, overrides)
        seed = resolved.seed if seed is None else int(seed)
        super().__init__(seed=seed)
        self.scenario = resolved
        self.simulation = Simulation(resolved, seed=seed, replicate=replicate)
        if create_agents:
            Village.create_agents(
                self, self.simulation.villages.n, list(range(self.simulation.villages.n))
            )
            Household.create_agents(
                self, self.simulation.households.n, list(range(self.simulation.households.n))
            )
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in yearly_columns(self.scenario)}
        )
        self.running = True

    @staticmethod
    def _resolve(scenario, n_households, years, overrides) -> Scenario:
        if scenario is None:
            base = load_scenario(DEFAULT_SCENARIO) if DEFAULT_SCENARIO.is_file() else Scenario()
        elif isinstance(scenario, Scenario):
            base = scenario
        else:
            base = load_scenario(scenario)
        changes = {key.replace("__", "."): value for key, value in overrides.items()}
        if n_households is not None:
            changes["population.n_households"] = n_households
        if years is not None:
            changes["years"] = years
        return with_overrides(base, changes)

    @property
    def year(self) -> int:
        """The policy year last completed (the identification year before the first step)."""
        return self.simulation.year

    def step(self) -> None:
        """One policy year: dynamics, assistance, verification, indicators."""
        self.simulation.step()
        self.datacollector.collect(self)
        if len(self.simulation.records) >= self.scenario.years:
            self.running = False
