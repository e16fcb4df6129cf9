"""Helpers the instrument test files share: a small county with given instruments, and the
yearly indicators every scenario has, as bytes (for "changes nothing" checks)."""

from __future__ import annotations

import numpy as np

from model.experiments import YEARLY_COLUMNS, run_replicates
from model.scenario import Scenario


def county(
    interventions: list[dict],
    households: int,
    years: int,
    population_extra: dict | None = None,
    name: str = "t",
    **keys,
) -> Scenario:
    """A synthetic county of `households` running `interventions` for `years` years."""
    data = {
        "name": name,
        "years": years,
        "population": {"n_households": households, **(population_extra or {})},
        "interventions": interventions,
        **keys,
    }
    return Scenario.model_validate(data)


def yearly_bytes(s: Scenario, seed: int) -> bytes:
    """The YEARLY_COLUMNS of one replicate as CSV bytes (per-instrument columns left out,
    so a scenario with an idle instrument compares with one without it)."""
    frame = run_replicates(s, seed, 1)[YEARLY_COLUMNS]
    return frame.to_csv(index=False, lineterminator="\n").encode()


def shared_chance(sim) -> tuple[np.ndarray, ...]:
    """Copies of the chance an added instrument must leave alone: the first instrument's
    failure draws, illness episodes, migration, income shocks and village disasters."""
    p = sim.persons
    return (
        sim.interventions[0].failure_draw.copy(),
        p.episode[: p.n].copy(),
        p.migrant[: p.n].copy(),
        sim.households.income_shock_persistent.copy(),
        sim.villages.disaster.copy(),
    )
