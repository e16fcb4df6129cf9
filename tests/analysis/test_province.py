"""A province combined from its counties: counts summed, rates recomputed from the sums."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.analysis.province import combine_counties, rule_for
from model.analysis.replicates import run_replicates
from model.config.scenario import Scenario
from tests.support.paths import SCENARIOS


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


# --- a province as a sweep of counties ----------------------------------------------------


def write_province(tmp_path, counties: str, extra: str = "") -> Path:
    base = SCENARIOS / "baseline.yaml"
    sweep = tmp_path / "province.yaml"
    sweep.write_text(
        f"name: p\nbase: {base}\nseed: 7\nreplicates: 2\nyears: 2\n"
        f"design:\n  method: counties\n{extra}counties:\n{counties}",
        encoding="utf-8",
    )
    return sweep


def test_a_province_sweep_writes_the_counties_combined(tmp_path):
    from model.sweeps.runner import run_sweep

    sweep = write_province(
        tmp_path,
        "  - {name: a, households: 300}\n  - {name: b, households: 300}\n"
        "  - {name: c, households: 200, overrides: {policy.exit.income_margin: 0.2}}\n",
    )
    out = run_sweep(sweep, tmp_path / "out", workers=1, quiet=True)
    results = pd.read_parquet(out / "results.parquet")
    province = pd.read_parquet(out / "province.parquet")
    assert list(results["county"].unique()) == ["a", "b", "c"]
    by_year = results.groupby(["replicate", "year"])["households"].sum().to_numpy()
    assert np.array_equal(province["households"].to_numpy(), by_year)
    # Counties a and b have the same size and settings but their own seeds: independent
    # draws, not copies of each other.
    a, b = (results[results["county"] == name].reset_index(drop=True) for name in "ab")
    assert not a["poor_persons"].equals(b["poor_persons"])


@pytest.mark.parametrize(
    ("counties", "extra", "message"),
    [
        ("  - {name: a, households: 10}\n  - {name: a, households: 20}\n", "",
         "counties.1.name: 'a' is used twice"),
        ("  - {name: a, households: 10}\n",
         "factors:\n  - {key: years, values: [1, 2]}\n", "factors: not allowed with design"),
        ("  - {name: a, households: 10, overrides: {policy.exit.no_such_key: 1}}\n", "",
         "counties.0.overrides.policy.exit.no_such_key"),
        ("  - {name: a, households: 0}\n", "", "counties.0.households"),
    ],
)  # fmt: skip
def test_bad_province_files_name_the_county_and_key(tmp_path, counties, extra, message):
    from model.errors import ScenarioError
    from model.sweeps.load import load_sweep

    with pytest.raises(ScenarioError) as caught:
        load_sweep(write_province(tmp_path, counties, extra))
    assert message in str(caught.value)
