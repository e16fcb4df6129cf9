"""Each instrument's `candidates_among` (a compiled pass for the frequent ones) picks
exactly the rows its `eligible_among` admits, and a class that redefines its eligibility
does not inherit a parent's fast path."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.scenario import load_scenario, with_overrides
from model.interventions.base import Intervention
from model.interventions.safety_net import Dibao
from model.interventions.selection import every_row, where_true
from model.simulation import Simulation
from tests.support.paths import SCENARIOS


@pytest.fixture(scope="module")
def sim_in_its_fourth_year() -> Simulation:
    scenario = with_overrides(
        load_scenario(SCENARIOS / "five_batches.yaml"),
        {"population.n_households": 3000, "years": 4},
    )
    sim = Simulation(scenario, seed=3)
    sim.run()
    return sim


def test_candidates_are_the_eligible_rows(sim_in_its_fourth_year):
    sim = sim_in_its_fourth_year
    rng = np.random.default_rng(0)
    checked = 0
    for instrument in sim.interventions:
        if type(instrument).candidates_among is Intervention.candidates_among:
            continue
        for rows in (
            every_row(sim),
            instrument.target_rows(sim),
            np.flatnonzero(rng.random(sim.households.n) < 0.3),
        ):
            expected = where_true(rows, instrument.eligible_among(sim, rows))
            assert np.array_equal(instrument.candidates_among(sim, rows), expected)
        checked += 1
    assert checked >= 6, "the scenario should hold the instruments with a fast path"


def test_a_subclass_with_its_own_eligibility_falls_back_to_the_mask():
    class DibaoForTheRegistered(Dibao):
        def eligible_among(self, sim, rows):
            return sim.households.registered[rows]

    assert DibaoForTheRegistered.candidates_among is Intervention.candidates_among
    assert Dibao.candidates_among is not Intervention.candidates_among
