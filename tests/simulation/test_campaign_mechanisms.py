"""The mechanisms added for the campaign's dynamics, each on its own: lasting illness,
farm income growing at its own rate, the safety net that predates the campaign, and the
dibao as the last resort of the deadline years."""

from __future__ import annotations

import copy
import math

import numpy as np

from model.config.scenario import Scenario
from model.engine import dynamics
from model.engine.params import DynamicsParams, HealthParams
from model.engine.rng import Streams
from model.simulation import Simulation


def small_county(households: int = 800, **keys) -> Scenario:
    return Scenario.model_validate({"years": 2, "population": {"n_households": households}, **keys})


def test_a_share_of_episodes_leaves_a_chronic_condition():
    """Expectation: of the episodes of persons not chronically ill, the share `episode_leaves
    _chronic` (0.4) stays chronic; binomial tolerance of 4 standard errors. With 0, none."""
    sim = Simulation(small_county(20_000), seed=3)
    persons = sim.persons
    for share, expected in ((0.0, 0.0), (0.4, 0.4)):
        state = copy.deepcopy(persons)
        state.chronic[: state.n] = False  # nobody ill before: every chronic case is a new one
        params = HealthParams(
            episode_base=0.2,
            episode_leaves_chronic=share,
            chronic_onset_base=0.0,
            chronic_onset_age_slope=0.0,
        )
        dynamics.advance_health(state, params, Streams(5).generator("health"), 1.0)
        episodes = state.episode[: state.n] & state.alive[: state.n]
        lasting = state.chronic[: state.n][episodes].mean()
        tolerance = 4 * math.sqrt(max(expected * (1 - expected), 1e-12) / episodes.sum())
        assert episodes.sum() > 5_000
        assert abs(lasting - expected) <= tolerance, (share, lasting)


def test_farm_income_grows_at_its_own_rate_and_wages_do_not_change():
    sim = Simulation(small_county(), seed=4)
    persons, households, villages = sim.persons, sim.households, sim.villages
    params = DynamicsParams()
    multiplier = np.ones(households.n)
    runs = []
    for farm_index in (None, 1.0):
        h = copy.deepcopy(households)
        dynamics.compute_income_and_expenses(
            persons, h, villages, params, multiplier, money_index=1.5, school_index=1.0,
            pension_per_person=660.0, farm_index=farm_index,
        )  # fmt: skip
        runs.append(h)
    same_as_wages, own = runs
    np.testing.assert_array_equal(same_as_wages.wage_income, own.wage_income)
    farming = own.farm_income > 0
    assert farming.sum() > 100
    np.testing.assert_allclose(same_as_wages.farm_income[farming] / own.farm_income[farming], 1.5)


def predating_safety_net(start_year: int | None) -> Scenario:
    dibao = {"type": "dibao", "standard_share_of_line": 0.9}
    if start_year is not None:
        dibao["start_year"] = start_year
    return small_county(interventions=[dibao])


def test_an_instrument_that_predates_the_campaign_pays_in_the_identification_year():
    before = Simulation(predating_safety_net(2013), seed=5)  # 2013 is the identification year
    assert before.ledger.spent_by_instrument_year[("dibao", 2013)] > 0
    from_campaign = Simulation(predating_safety_net(None), seed=5)
    assert ("dibao", 2013) not in from_campaign.ledger.spent_by_instrument_year
    # the registry of the identification year sees the incomes the dibao made
    assert before.households.registered.sum() <= from_campaign.households.registered.sum()


def test_no_predating_instrument_means_the_identification_year_draws_nothing_new():
    """A scenario whose instruments all start with the campaign runs exactly as before the
    safety-net stage existed: no assistance, so no draw, in the identification year."""
    scenario = predating_safety_net(None)
    a, b = Simulation(scenario, seed=6), Simulation(scenario, seed=6)
    assert a.run() == b.run()
    assert a.ledger.idle_by_year.keys() == set(range(2014, 2016))


def test_the_dibao_is_the_last_resort_of_registered_households_from_its_year():
    spec = {"type": "dibao", "standard_share_of_line": 1.0, "only_without_labour": True,
            "registered_last_resort_from": 2015}  # fmt: skip
    sim = Simulation(small_county(3_000, interventions=[spec]), seed=7)
    dibao = sim.interventions[0]
    h = sim.households
    with_labour = h.active & h.registered & (h.full_labourers > 0)
    sim.year = 2014
    assert not (dibao.eligible(sim) & with_labour).any()
    sim.year = 2015
    assert (dibao.eligible(sim) & with_labour).any()
