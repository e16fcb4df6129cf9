"""The Compare page's levers: ranges from the scenario schema, and edits the schema checks."""

from __future__ import annotations

import pytest

from model.app.levers import apply_levers, field_bounds, scenario_levers
from model.config.scenario import load_scenario
from model.engine.params import MonitoringParams
from model.errors import ScenarioError
from tests.support.paths import SCENARIOS


@pytest.fixture(scope="module")
def five_batches():
    return load_scenario(SCENARIOS / "five_batches.yaml")


def test_ranges_come_from_the_schema(five_batches):
    levers = {lever.key: lever for lever in scenario_levers(five_batches)}
    monitoring = levers["policy.monitoring.near_line_multiple"]
    assert (monitoring.low, monitoring.high) == field_bounds(MonitoringParams, "near_line_multiple")
    assert (monitoring.low, monitoring.high) == (1.0, 10.0)
    assert levers["policy.identification.income_concept"].choices == (
        "income", "income_minus_expenses",
    )  # fmt: skip
    plan = [lever for lever in levers.values() if lever.path == "policy.exit.planned_share"]
    assert [lever.year for lever in plan] == [2014, 2019, 2020]
    assert all((lever.low, lever.high) == (0.0, 1.0) for lever in plan)
    county = [lever for lever in levers.values() if lever.path.startswith("funds.county.")]
    assert [lever.value for lever in county] == [35, 38, 144, 192, 230, 270, 310]
    capacities = [lever for lever in levers.values() if "capacity" in lever.path]
    assert capacities and all(lever.whole and lever.low == 0 for lever in capacities)
    assert any("standard_share_of_line" in key for key in levers)


def test_unchanged_levers_give_back_the_same_scenario(five_batches):
    levers = scenario_levers(five_batches)
    assert apply_levers(five_batches, levers, {lever.key: lever.value for lever in levers}) == (
        five_batches
    )


def test_an_edit_changes_one_schedule_year_and_keeps_the_others(five_batches):
    levers = scenario_levers(five_batches)
    edited = apply_levers(
        five_batches, levers,
        {"funds.county.yearly_per_registry_person@2016": 500,
         "policy.identification.income_concept": "income_minus_expenses",
         "interventions.0.capacity_households_per_year": 12.6},
    )  # fmt: skip
    assert edited.funds["county"].yearly_per_registry_person == {
        2014: 35, 2015: 38, 2016: 500, 2017: 192, 2018: 230, 2019: 270, 2020: 310,
    }  # fmt: skip
    assert edited.policy.identification.income_concept == "income_minus_expenses"
    assert edited.interventions[0].capacity_households_per_year == 13


def test_a_value_the_schema_refuses_is_named(five_batches):
    levers = scenario_levers(five_batches)
    with pytest.raises(ScenarioError, match="policy.monitoring.near_line_multiple"):
        apply_levers(five_batches, levers, {"policy.monitoring.near_line_multiple": 0.5})
