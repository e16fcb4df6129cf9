"""A province combined from its counties: counts summed, rates recomputed from the sums."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.experiments import run_replicates
from model.province import combine_counties, rule_for
from model.scenario import Scenario


def county(households: int, seed_name: str) -> pd.DataFrame:
    s = Scenario.model_validate(
        {"name": seed_name, "years": 3, "population": {"n_households": households}}
    )
    return run_replicates(s, seed=len(seed_name), replicates=2)


def test_counts_are_summed_and_rates_recomputed_from_the_sums():
    a, b = county(300, "a"), county(500, "bb")
    province = combine_counties([a, b])
    assert len(province) == len(a) == 6  # 2 replicates x 3 years
    for column in ("households", "persons", "poor_persons", "exits_households", "spending_total"):
        assert np.array_equal(province[column], a[column] + b[column]), column
    expected_incidence = (a["poor_persons"] + b["poor_persons"]) / (a["persons"] + b["persons"])
    np.testing.assert_allclose(province["incidence_persons"], expected_incidence)
    expected_exit_rate = (a["exits_households"] + b["exits_households"]) / (
        a["registered_at_start_households"] + b["registered_at_start_households"]
    )
    np.testing.assert_allclose(province["exit_rate"], expected_exit_rate)
    # a person-weighted mean, not the mean of the two counties' figures
    expected_fgt1 = (a["fgt1"] * a["persons"] + b["fgt1"] * b["persons"]) / (
        a["persons"] + b["persons"]
    )
    np.testing.assert_allclose(province["fgt1"], expected_fgt1)
    assert (province["poverty_line"] == a["poverty_line"]).all()


def test_cause_shares_of_the_province_still_sum_to_one():
    province = combine_counties([county(300, "a"), county(400, "ccc")])
    shares = province[[c for c in province.columns if c.startswith("cause_share_")]]
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    ("column", "rule"),
    [("replicate", "key"), ("poverty_line", "same"), ("exit_rate", "ratio"),
     ("fgt2", "weighted"), ("cause_share_illness", "weighted"), ("spending_dibao", "sum"),
     ("exits_by_industry", "sum")],
)  # fmt: skip
def test_every_kind_of_column_has_its_rule(column, rule):
    assert rule_for(column) == rule
