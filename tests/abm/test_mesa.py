"""The Mesa face of the model: PovertyModel, its agents, DataCollector and batch_run."""

from __future__ import annotations

import mesa

from model import Household, PovertyModel, Village
from model.analysis.replicates import run_replicate
from model.config.scenario import Scenario, with_overrides


def test_model_steps_years_and_collects_indicators():
    model = PovertyModel(n_households=400, years=3, seed=2)
    while model.running:
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert frame["year"].tolist() == [2014, 2015, 2016]
    assert len(model.agents_by_type[Household]) == 400
    assert len(model.agents_by_type[Village]) >= 1
    registered = model.agents_by_type[Household].select(lambda agent: agent.registered)
    assert len(registered) == frame["registered_households"].iloc[-1]
    assert all(agent.cause is not None for agent in registered)


def test_agents_are_views_of_the_arrays():
    model = PovertyModel(n_households=200, years=1, seed=1)
    household = model.agents_by_type[Household][0]
    assert household.size == len(household.members)
    household.housing_safe = False
    assert not model.simulation.households.housing_safe[household.row]


def test_agents_do_not_change_results_and_match_the_engine():
    scenario = with_overrides(Scenario(), {"population.n_households": 300, "years": 3})
    with_agents = PovertyModel(scenario, seed=9)
    without = PovertyModel(scenario, seed=9, create_agents=False)
    for model in (with_agents, without):
        while model.running:
            model.step()
    a = with_agents.datacollector.get_model_vars_dataframe()
    b = without.datacollector.get_model_vars_dataframe()
    assert a.equals(b)
    engine = run_replicate(scenario, seed=9)
    assert a.reset_index(drop=True).equals(engine)


def test_batch_run_with_keyword_parameters():
    results = mesa.batch_run(
        PovertyModel,
        parameters={"n_households": 200, "years": 2, "seed": [1, 2]},
        iterations=1,
        number_processes=1,
        display_progress=False,
    )
    assert [row["seed"] for row in results] == [1, 2]
    assert all(row["year"] == 2015 for row in results)
    assert results[0]["registered_households"] != results[1]["registered_households"]
