"""The levers_x_futures design: every mix (combination of lever values, here including a
`base` lever over scenario files) runs in every sampled future, and the mixes of a future
share its seed; wrong designs are refused with the key path and what is allowed."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from model.errors import UserError
from model.sweeps.design import point_seed, scenario_for_point
from model.sweeps.plan import plan_sweep
from tests.support.paths import SCENARIOS

FUTURES = 5
SWEEP = {
    "name": "mixes",
    "base": str(SCENARIOS / "five_batches.yaml"),
    "seed": 7,
    "households": 200,
    "years": 2,
    "design": {"method": "levers_x_futures", "futures": FUTURES},
    "factors": [
        {"key": "base", "kind": "lever",
         "values": [str(SCENARIOS / "five_batches.yaml"), str(SCENARIOS / "health_first.yaml")]},
        {"key": "dynamics.income.growth", "kind": "uncertainty", "range": [0.02, 0.1]},
        {"key": "funds.civil_affairs.yearly_per_household", "kind": "lever", "values": [200, 600]},
        {"key": "dynamics.health.cost_growth", "kind": "uncertainty", "range": [0.02, 0.12]},
    ],
}  # fmt: skip


def write(tmp_path, sweep: dict, **changes):
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({**sweep, **changes}, sort_keys=False), encoding="utf-8")
    return path


def test_every_mix_meets_the_same_futures_on_the_futures_seed(tmp_path):
    plan = plan_sweep(write(tmp_path, SWEEP))
    points = plan.points
    assert len(points) == 4 * FUTURES
    assert points.groupby("future_id")["mix_id"].apply(sorted).tolist() == [[0, 1, 2, 3]] * FUTURES
    uncertain = ["dynamics.income.growth", "dynamics.health.cost_growth"]
    per_future = points.groupby("future_id")[uncertain].nunique()
    assert (per_future == 1).all().all(), "the mixes of a future met different futures"
    assert points.drop_duplicates("future_id")[uncertain].nunique().min() == FUTURES
    levers = ["base", "funds.civil_affairs.yearly_per_household"]
    assert len(points.drop_duplicates(levers)) == 4
    seeds = [point_seed(plan.spec, p) for p in points["point_id"]]
    by_future = points.assign(seed=seeds).groupby("future_id")["seed"]
    assert (by_future.nunique() == 1).all()
    assert by_future.first().nunique() == FUTURES
    row = points[(points["mix_id"] == 2) & (points["future_id"] == 3)].iloc[0]
    scenario = scenario_for_point(plan.base, plan.spec, row)
    assert scenario.name == "health_first" and row["base"].endswith("health_first.yaml")
    assert np.isclose(scenario.dynamics.income.growth, row["dynamics.income.growth"])
    assert scenario.population.n_households == 200


BAD_DESIGNS = {
    "no lever": (
        {"factors": [SWEEP["factors"][1]]},
        ["needs at least one factor with kind: lever"],
    ),
    "no uncertainty": (
        {"factors": [SWEEP["factors"][2]]},
        ["needs at least one factor with kind: uncertainty"],
    ),
    "lever by range": (
        {"factors": [{**SWEEP["factors"][2], "values": None, "range": [100, 600]},
                     SWEEP["factors"][1]]},
        ["factors.0: a lever of levers_x_futures lists its choices in `values`"],
    ),  # fmt: skip
    "points and no futures": (
        {"design": {"method": "levers_x_futures", "points": 4}},
        ["design.points: not allowed for levers_x_futures", "design.futures: levers_x_futures"],
    ),
    "futures on a grid": (
        {"design": {"method": "grid", "futures": 4}},
        ["design.futures: only with design method levers_x_futures"],
    ),
    "missing mix file": (
        {"factors": [{"key": "base", "kind": "lever", "values": ["nowhere.yaml"]},
                     SWEEP["factors"][1]]},
        ["factors.0.values.0: file not found"],
    ),  # fmt: skip
}


@pytest.mark.parametrize("case", list(BAD_DESIGNS))
def test_a_wrong_design_names_the_key_and_what_is_allowed(case, tmp_path):
    changes, fragments = BAD_DESIGNS[case]
    factors = changes.get("factors")
    if factors:
        changes["factors"] = [{k: v for k, v in f.items() if v is not None} for f in factors]
    path = write(tmp_path, SWEEP, **changes)
    with pytest.raises(UserError) as caught:
        plan_sweep(path)
    message = str(caught.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
