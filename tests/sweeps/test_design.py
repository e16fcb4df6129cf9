"""Designs (grid, lhs, sobol, saltelli), factor kinds and the scenario of each point."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from scipy import stats
from scipy.stats import qmc

from model.errors import ScenarioError
from model.sweeps.design import design_points, factor_column, scenario_for_point
from model.sweeps.factors import Factor
from model.sweeps.load import load_sweep
from model.sweeps.spec import SweepSpec
from tests.support.paths import REPO_ROOT
from tests.support.sweep_files import sweep, write_sweep

REPO = REPO_ROOT


def spec_of(**kwargs) -> SweepSpec:
    return SweepSpec.model_validate(sweep(**kwargs))


# --- designs -------------------------------------------------------------------------------


def test_grid_is_the_product_of_the_values_first_factor_slowest():
    factors = [
        {"key": "a.x", "values": [1, 2]},
        {"key": "b.y", "values": [0.5, 1.5, 2.5]},
        {"key": "c.z", "values": ["in_order", "fixed_shares"]},
    ]
    table = design_points(spec_of(method="grid", points=None, factors=factors))
    expected = list(itertools.product([1, 2], [0.5, 1.5, 2.5], ["in_order", "fixed_shares"]))
    assert list(table.columns) == ["point_id", "a.x", "b.y", "c.z"]
    assert list(table["point_id"]) == list(range(12)) and table["point_id"].dtype == np.int64
    assert list(table[["a.x", "b.y", "c.z"]].itertuples(index=False, name=None)) == expected
    assert table["a.x"].dtype == np.int64 and table["b.y"].dtype == np.float64


@pytest.mark.parametrize("method", ["lhs", "sobol"])
@pytest.mark.parametrize("points", [16, 12])
def test_lhs_and_sobol_tables_respect_ranges_and_the_seed(method, points):
    spec = spec_of(method=method, points=points)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no balance warning for 12 sobol points either
        table = design_points(spec)
    assert table.shape == (points, 3) and list(table["point_id"]) == list(range(points))
    episode, margin = table["dynamics.health.episode_base"], table["policy.exit.income_margin"]
    assert episode.between(0.02, 0.08).all() and margin.between(0.0, 0.3).all()
    assert episode.nunique() == points  # continuous ranges: no repeated coordinates
    assert design_points(spec).equals(table)
    other = design_points(spec.model_copy(update={"seed": 8}))
    assert not np.allclose(other["dynamics.health.episode_base"], episode)


def test_lhs_puts_one_point_in_each_stratum_of_every_factor():
    table = design_points(spec_of(method="lhs", points=50))
    for column, (low, high) in (
        ("dynamics.health.episode_base", (0.02, 0.08)),
        ("policy.exit.income_margin", (0.0, 0.3)),
    ):
        strata = np.floor((table[column] - low) / (high - low) * 50).astype(int)
        assert sorted(strata) == list(range(50))


def test_design_unit_samples_come_from_scipy_engines_seeded_with_the_sweep_seed():
    table = design_points(spec_of(method="sobol", points=8))
    unit = qmc.Sobol(2, scramble=True, seed=7).random_base2(3)
    np.testing.assert_allclose(table["dynamics.health.episode_base"], 0.02 + 0.06 * unit[:, 0])
    lhs = design_points(spec_of(method="lhs", points=8))
    unit = qmc.LatinHypercube(2, seed=7).random(8)
    np.testing.assert_allclose(lhs["policy.exit.income_margin"], 0.3 * unit[:, 1])


def test_saltelli_layout_and_ab_columns():
    factors = [{"key": f"k.x{i}", "range": [0.0, 1.0]} for i in range(3)]
    n, d = 8, 3
    table = design_points(spec_of(method="saltelli", points=n, factors=factors))
    assert len(table) == n * (d + 2)
    assert list(table["saltelli_block"]) == [
        b for b in ["A", "B", "AB0", "AB1", "AB2"] for _ in range(n)
    ]
    assert list(table["saltelli_sample"]) == list(range(n)) * (d + 2)
    columns = [f"k.x{i}" for i in range(d)]
    block = {name: g[columns].to_numpy() for name, g in table.groupby("saltelli_block")}
    unit = qmc.Sobol(2 * d, scramble=True, seed=7).random_base2(3)
    np.testing.assert_allclose(block["A"], unit[:, :d])
    np.testing.assert_allclose(block["B"], unit[:, d:])
    assert (block["A"] != block["B"]).all()
    for i in range(d):
        others = [j for j in range(d) if j != i]
        np.testing.assert_array_equal(block[f"AB{i}"][:, i], block["B"][:, i])
        np.testing.assert_array_equal(block[f"AB{i}"][:, others], block["A"][:, others])


# --- factor kinds --------------------------------------------------------------------------


def test_a_values_factor_outside_a_grid_picks_among_its_values_uniformly():
    factors = [{"key": "a.x", "values": [10, 20, 30]}, {"key": "b.y", "range": [0, 1]}]
    table = design_points(spec_of(method="lhs", points=300, factors=factors))
    # Latin hypercube strata: exactly 100 of the 300 unit values fall in each third
    assert table["a.x"].value_counts().to_dict() == {10: 100, 20: 100, 30: 100}


def test_an_integer_range_is_uniform_over_its_whole_numbers():
    factors = [{"key": "a.n", "range": [1, 4], "integer": True}, {"key": "b.y", "range": [0, 1]}]
    table = design_points(spec_of(method="lhs", points=400, factors=factors))
    assert table["a.n"].dtype == np.int64
    assert table["a.n"].value_counts().to_dict() == {1: 100, 2: 100, 3: 100, 4: 100}


@pytest.mark.parametrize(
    ("distribution", "reference"),
    [
        ({"name": "uniform", "low": 2, "high": 5}, stats.uniform(2, 3)),
        ({"name": "normal", "mean": 0.9, "sd": 0.05}, stats.norm(0.9, 0.05)),
        ({"name": "lognormal", "median": 300, "log_sd": 0.4}, stats.lognorm(0.4, scale=300)),
        ({"name": "triangular", "low": 1, "mode": 2, "high": 5}, stats.triang(0.25, 1, 4)),
    ],
)
def test_distribution_factors_use_the_inverse_cdf(distribution, reference):
    factor = Factor.model_validate({"key": "a.x", "distribution": distribution})
    u = np.array([0.01, 0.2, 0.5, 0.77, 0.99])
    np.testing.assert_allclose(factor.from_unit(u), reference.ppf(u), rtol=1e-12)
    assert np.isfinite(factor.from_unit(np.array([0.0, 1.0 - 1e-17]))).all()


def test_an_integer_distribution_factor_is_rounded():
    factor = Factor.model_validate(
        {"key": "a.x", "integer": True, "distribution": {"name": "normal", "mean": 50, "sd": 10}}
    )
    values = factor.from_unit(np.array([0.1, 0.5, 0.9]))
    assert values.dtype == np.int64 and list(values) == [37, 50, 63]


# --- scenarios of points -------------------------------------------------------------------


def test_scenario_for_point_applies_settings_and_values_by_key_path(tmp_path):
    factors = [
        {"key": "interventions.topup.budget_yearly", "values": [5000, 20000]},
        {"key": "interventions.0.capacity_households_per_year", "values": [5, 50]},
        {"key": "funds.civil_affairs.yearly_per_household", "values": [100, 600]},
        {"key": "dynamics.health.episode_base", "values": [0.05]},
    ]
    path = write_sweep(tmp_path, sweep("grid", None, factors, households=500, years=2))
    spec, base = load_sweep(path)
    assert base.population.n_households == 500 and base.years == 2
    table = design_points(spec)
    assert len(table) == 8
    row = table.iloc[5]  # (20000, 5, 600, 0.05): the second budget, first capacity
    scenario = scenario_for_point(base, spec, row)
    assert scenario.interventions[1].label == "topup"
    assert scenario.interventions[1].budget_yearly == 20000
    assert scenario.interventions[0].capacity_households_per_year == 5
    assert type(scenario.interventions[0].capacity_households_per_year) is int
    assert scenario.funds["civil_affairs"].yearly_per_household == {1900: 600.0}
    assert scenario.dynamics.health.episode_base == 0.05
    assert scenario.population.n_households == 500 and scenario.years == 2
    assert base.interventions[1].budget_yearly == 10000  # the base is left alone


def test_scenario_for_point_rounds_integer_factors_and_takes_plain_mappings(tmp_path):
    factors = [
        {"key": "population.villages.households_per_village", "range": [50, 200], "integer": True}
    ]
    spec, base = load_sweep(write_sweep(tmp_path, sweep("lhs", 4, factors)))
    row = {"point_id": np.int64(3), "population.villages.households_per_village": np.float64(99.6)}
    scenario = scenario_for_point(base, spec, row)
    assert scenario.population.villages.households_per_village == 100


def test_a_value_the_scenario_refuses_names_the_sweep_file_factor_and_point(tmp_path):
    factors = [{"key": "interventions.topup.budget_yearly", "values": [-5.0, 100.0]}]
    spec, base = load_sweep(write_sweep(tmp_path, sweep("grid", None, factors)))
    table = design_points(spec)
    assert scenario_for_point(base, spec, table.iloc[1]).interventions[1].budget_yearly == 100
    with pytest.raises(ScenarioError) as caught:
        scenario_for_point(base, spec, table.iloc[0])
    (problem,) = caught.value.problems
    assert problem.startswith(f"{(tmp_path / 'sweep.yaml').resolve()}: factors.0.key: ")
    assert "interventions.topup.budget_yearly = -5.0 (point 0)" in problem
    assert "greater than or equal to 0" in problem


def test_the_example_sweeps_load():
    spec, base = load_sweep(REPO / "sweeps" / "example.yaml")
    assert spec.design.method == "grid" and len(design_points(spec)) == 4
    assert base.population.n_households == 1000 and base.years == 4
    spec, base = load_sweep(REPO / "sweeps" / "sensitivity_example.yaml")
    table = design_points(spec)
    assert len(table) == 8 * (3 + 2) and spec.replicates == 1
    assert spec.indicators == [
        "exit_rate_mean",
        "relapse_within_3y_share_of_exits",
        "spending_per_exit",
    ]
    scenario = scenario_for_point(base, spec, table.iloc[0])
    assert scenario.dynamics.income.transitory_sd == table.iloc[0][factor_column(spec.factors[1])]
