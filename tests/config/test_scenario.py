"""Scenario schema, inheritance, overrides, schedules and the ledger."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.scenario import Scenario, load_scenario, resolve_key, with_overrides
from model.engine.budget import Ledger
from model.engine.params import FundParams
from model.engine.schedule import value_in_year
from model.errors import ScenarioError


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_extends_merges_by_key_path_and_resolves_relative_to_the_file(tmp_path):
    (tmp_path / "sub").mkdir()
    write(
        tmp_path / "parent.yaml",
        "name: parent\nyears: 3\npolicy:\n  exit:\n    income_margin: 0.1\n",
    )
    child = write(
        tmp_path / "sub" / "child.yaml",
        "extends: ../parent.yaml\nname: child\n"
        "policy:\n  exit:\n    policy_continuation_years: 4\n",
    )
    scenario = load_scenario(child)
    assert scenario.name == "child" and scenario.years == 3
    assert scenario.policy.exit.income_margin == 0.1
    assert scenario.policy.exit.policy_continuation_years == 4


def test_an_error_names_the_file_that_set_the_bad_key(tmp_path):
    parent = write(tmp_path / "parent.yaml", "years: -2\n")
    child = write(tmp_path / "child.yaml", "extends: parent.yaml\nname: c\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    message = str(caught.value)
    assert str(parent.resolve()) in message and "years" in message


def test_all_problems_are_reported_at_once(tmp_path):
    bad = write(tmp_path / "bad.yaml", "years: x\npopulation:\n  n_housholds: 5\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(bad)
    assert len(caught.value.problems) == 2
    assert "population.n_housholds: unknown key; allowed keys here:" in str(caught.value)


def test_inheritance_cycles_are_refused(tmp_path):
    write(tmp_path / "a.yaml", "extends: b.yaml\n")
    write(tmp_path / "b.yaml", "extends: a.yaml\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.yaml")


def test_resolved_yaml_round_trips(tmp_path):
    scenario = with_overrides(
        Scenario(),
        {
            "interventions": [{"type": "dibao", "standard_share_of_line": {2014: 0.8}}],
            "funds": {"civil_affairs": {"yearly": {2014: 1e6, 2016: 2e6}}},
        },
    )
    again = load_scenario(write(tmp_path / "resolved.yaml", scenario.to_yaml()))
    assert again == scenario


def test_overrides_are_validated():
    with pytest.raises(ScenarioError, match="population.n_households"):
        with_overrides(Scenario(), {"population.n_households": 0})


def test_an_exit_plan_is_a_schedule_of_shares():
    with pytest.raises(ScenarioError, match="policy.exit.planned_share.*between 0 and 1"):
        with_overrides(Scenario(), {"policy.exit.planned_share": {2014: 0.2, 2020: 1.5}})
    plan = with_overrides(Scenario(), {"policy.exit.planned_share": 0.18})
    assert plan.policy.exit.planned_share == {1900: 0.18}


def test_schedule_interpolates_at_constant_growth_and_extrapolates_the_last_rate():
    line = {2013: 2736, 2018: 3535}
    assert value_in_year(line, 2013) == 2736 and value_in_year(line, 2018) == 3535
    growth = (3535 / 2736) ** (1 / 5)
    assert value_in_year(line, 2014) == pytest.approx(2736 * growth)
    assert value_in_year(line, 2020) == pytest.approx(3535 * growth**2)
    assert value_in_year(line, 2000) == 2736
    assert value_in_year({2014: 5.0}, 2030) == 5.0


def test_ledger_pays_the_affordable_prefix_and_carries_money_over():
    funds = {"county": FundParams(yearly={2014: 100.0}), "open": FundParams()}
    ledger = Ledger(funds, n_households=10)
    ledger.open_year(2014)
    costs = np.array([40.0, 50.0, 30.0])

    def affordable_prefix(fund: str, cap: float | None) -> int:
        return ledger.affordable_within(costs, ledger.money_left(fund, "x", 2014, cap))

    assert affordable_prefix("county", None) == 2
    assert affordable_prefix("county", 45.0) == 1
    assert affordable_prefix("open", None) == 3
    ledger.book("x", "county", 2014, np.array([1, 2]), costs[:2])
    assert ledger.close_year() == pytest.approx(10.0)
    ledger.open_year(2015)
    assert ledger.available["county"] == pytest.approx(110.0)
    assert ledger.received_before("x", np.array([0, 1, 2])).tolist() == [False, True, True]


@pytest.mark.parametrize("seed", range(6))
def test_the_ledgers_bounds_on_what_money_pays_hold_in_any_ranking(seed):
    """`most_affordable` is more than any ranking of costs of at least the least cost can
    have paid, and `pays_for_all` only when every ranking is paid in full, including
    limits a hair above or below a running sum (where rounding decides)."""
    rng = np.random.default_rng(seed)
    least = float(rng.choice([0.1, 3.0, 44_000.0]))
    size = int(rng.integers(1, 3000))
    costs = least + rng.choice([0.0, 1.0], size) * rng.exponential(least, size)
    costs[rng.random(size) < 0.3] = least  # many offers at exactly the least cost
    for _ in range(40):
        ranked = costs[rng.permutation(size)]
        running = np.cumsum(ranked)
        limit = float(running[rng.integers(size)]) * (1.0 + rng.choice([-1e-15, 0.0, 1e-15]))
        paid = Ledger.affordable_within(ranked, limit)
        assert paid < Ledger.most_affordable(limit, least)
        if Ledger.pays_for_all(costs, limit):
            assert paid == size
    assert Ledger.pays_for_all(costs, float(costs.sum()) * 1.001)
    assert not Ledger.pays_for_all(costs, float(costs.sum()))  # within the margin: rank
    assert Ledger.pays_for_all(costs, np.inf) and not Ledger.pays_for_all(costs * 0, 0.0)
    assert Ledger.most_affordable(np.inf, least) is None
    assert Ledger.most_affordable(100.0, 0.0) is None  # free offers: no bound


def test_resolve_key_names_instruments_by_index_or_name_and_refuses_what_is_not_a_value():
    """Sweeps and calibrations name scenario keys with instruments by name or index; the
    resolved path uses the index, and a wrong key says what is allowed where it failed."""
    tree = Scenario.model_validate({
        "interventions": [{"type": "dibao"}, {"type": "wubao", "name": "elderly"}],
    }).model_dump(mode="python")  # fmt: skip
    assert resolve_key(tree, "interventions.elderly.failure_risk") == (
        "interventions.1.failure_risk",
        None,
    )
    assert resolve_key(tree, "interventions.0.failure_risk")[0] == "interventions.0.failure_risk"
    assert resolve_key(tree, "population.n_households") == ("population.n_households", None)
    resolved, problem = resolve_key(tree, "interventions.nobody.failure_risk")
    assert resolved is None and "an index 0..1 or a name: dibao, elderly" in problem
    resolved, problem = resolve_key(tree, "population.n_household")
    assert resolved is None and "allowed keys there:" in problem and "n_households" in problem
    assert "is a section" in resolve_key(tree, "population")[1]
    assert "is a value" in resolve_key(tree, "population.n_households.x")[1]
