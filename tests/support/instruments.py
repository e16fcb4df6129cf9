"""Helpers the instrument test files share: a small county with given instruments, and the
yearly indicators every scenario has, as bytes (for "changes nothing" checks)."""

from __future__ import annotations

import numpy as np

from model.analysis.replicates import YEARLY_COLUMNS, run_replicates
from model.config.scenario import Scenario
from model.simulation import Simulation


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


def yearly_chance(instrument) -> np.ndarray:
    """What an instrument's own stream gave it this year, as bytes: the draws it made (a
    draw no rule reads, the failure draw of an instrument that cannot fail, is skipped and
    left None) and where the stream stands after them. Two runs alike in both drew alike
    (the year's draws are all taken by the end of its step; next year's are not made yet)."""
    made = [getattr(instrument, f"{name}_draw") for name in instrument.draws]
    state = instrument.rng.generator.bit_generator.state
    position = repr((state["state"], state["has_uint32"], state["uinteger"])).encode()
    parts = [b"skipped" if draw is None else draw.tobytes() for draw in made]
    return np.frombuffer(b"|".join([*parts, position]), dtype=np.uint8)


def shared_chance(sim) -> tuple[np.ndarray, ...]:
    """Copies of the chance an added instrument must leave alone: the first instrument's
    draws (`yearly_chance`), illness episodes, migration, income shocks and village
    disasters."""
    p = sim.persons
    return (
        yearly_chance(sim.interventions[0]),
        p.episode[: p.n].copy(),
        p.migrant[: p.n].copy(),
        sim.households.income_shock_persistent.copy(),
        sim.villages.disaster.copy(),
    )


def assert_own_stream(build, first: dict, added: dict, check_year, years: int = 3, seed: int = 12):
    """Adding `added` after `first` leaves the shared chance (first's failure draws, illness,
    migration, shocks, disasters) identical year by year. In the run with it,
    `check_year(sim, instrument, recipients, failed)` checks each year's failed deliveries
    (failure draw below the config's failure_risk) and at least 11 must fail in all."""
    runs = {}
    failed_total = 0
    for key, interventions in (("alone", [first]), ("with", [first, added])):
        sim = Simulation(build(interventions, years=years), seed=seed)
        chance = []
        for _ in range(years):
            sim.step()
            chance.append(shared_chance(sim))
            if key == "with":
                instrument = sim.interventions[1]
                recipients = instrument.recipients_this_year
                failed = instrument.failure_draw[recipients] < added["failure_risk"]
                check_year(sim, instrument, recipients, failed)
                failed_total += int(failed.sum())
        runs[key] = chance
    assert failed_total > 10, "too few failures for the check to mean anything"
    for alone, with_added in zip(runs["alone"], runs["with"], strict=True):
        for a, b in zip(alone, with_added, strict=True):
            assert np.array_equal(a, b)


def assert_idle_instance_changes_nothing(build, spec: dict, seed: int = 8, **keys) -> None:
    """An instance of `spec` with a zero budget, or with zero capacity, leaves YEARLY_COLUMNS
    byte-identical to the run without it (docs/model.md), while the working
    instance changes them, so the check can fail."""
    base = yearly_bytes(build([], **keys), seed)
    assert yearly_bytes(build([{**spec, "budget_yearly": 0.0}], **keys), seed) == base
    assert yearly_bytes(build([{**spec, "capacity_households_per_year": 0}], **keys), seed) == base
    assert yearly_bytes(build([spec], **keys), seed) != base, "the instrument changes nothing"
