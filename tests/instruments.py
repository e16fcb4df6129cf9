"""Helpers the instrument test files share: a small county with given instruments, and the
yearly indicators every scenario has, as bytes (for "changes nothing" checks)."""

from __future__ import annotations

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
