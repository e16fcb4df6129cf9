"""Paired comparison, fund efficiency and the compare command (issue 4's checks)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.analysis.comparison import comparison_table, paired_difference, unpaired_difference
from model.analysis.efficiency import (
    ratio_interval,
    same_run,
    without_instrument,
    without_interventions,
)
from model.analysis.replicates import simulate
from model.analysis.study import efficiency_table, relapse_curve_table, run_study
from model.config.scenario import load_scenario, validate_data
from tests.support.cli import assert_user_error, run_cli
from tests.support.paths import REPO_ROOT

LIBRARY = sorted((REPO_ROOT / "scenarios").glob("*.yaml"))


def test_ratio_interval_is_the_ratio_of_means_with_a_delta_method_interval():
    exact = ratio_interval(np.array([10.0, 20.0, 30.0]), np.array([1.0, 2.0, 3.0]))
    assert exact["mean"] == 10.0 and exact["mean_low"] == exact["mean_high"] == 10.0
    # R = 3; residuals n - R d = (-1, 1), sd sqrt(2); se = sqrt(2) / (sqrt(2) x 1) = 1;
    # t(0.95, 1 df) = 6.313751515
    spread = ratio_interval(np.array([2.0, 4.0]), np.array([1.0, 1.0]))
    assert spread["mean"] == 3.0
    assert spread["mean_low"] == pytest.approx(3.0 - 6.313751515)
    assert spread["mean_high"] == pytest.approx(3.0 + 6.313751515)
    undefined = ratio_interval(np.array([5.0, 5.0]), np.array([-1.0, 0.5]))
    assert undefined["mean"] is None  # no additional exit on average: no cost per exit


def test_paired_and_unpaired_differences_match_hand_computation():
    first = np.array([1.0, 2.0, 3.0])
    other = np.array([2.0, 4.0, 3.0])  # differences 1, 2, 0: mean 1, sd 1
    mean, low, high = paired_difference(first, other)
    half = 2.919985580 / np.sqrt(3)  # t(0.95, 2 df) x sd / sqrt(n)
    assert (mean, low, high) == pytest.approx((1.0, 1.0 - half, 1.0 + half))
    # Welch: variances 1/3 and 1/3 -> se sqrt(2/3), df = (2/3)^2 / (2 (1/3)^2 / 2) = 4
    low, high = unpaired_difference(first, other)
    half = 2.131846786 * np.sqrt(2 / 3)
    assert (low, high) == pytest.approx((1.0 - half, 1.0 + half))


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_every_instrument_of_the_library_can_be_left_out(path):
    scenario = load_scenario(path)
    for spec in scenario.interventions:
        reduced = without_instrument(scenario, spec.label)
        assert [s.label for s in reduced.interventions] == [
            s.label for s in scenario.interventions if s.label != spec.label
        ]
    assert without_interventions(scenario).interventions == []


def test_leaving_out_a_named_integrated_use_drops_it_from_the_uses():
    raw = load_scenario(REPO_ROOT / "scenarios" / "five_batches.yaml").model_dump(mode="python")
    raw["interventions"][0]["name"] = "chickens"  # the production subsidy, by its own name
    raw["allocation"]["integrated_uses"] = ["chickens", "skills_training", "housing_renovation",
                                            "village_safe_water", "village_road",
                                            "village_irrigation"]  # fmt: skip
    raw["allocation"]["reallocate_to"] = raw["allocation"]["integrated_uses"][1:]
    scenario = validate_data(raw)
    reduced = without_instrument(scenario, "chickens")
    assert reduced.allocation.integrated_uses == scenario.allocation.integrated_uses[1:]
    assert without_instrument(scenario, "skills_training").allocation.integrated_uses == (
        scenario.allocation.integrated_uses  # a type stays a known name
    )


def test_a_counterfactual_is_reused_only_when_it_is_the_same_run():
    """dibao_only changes only the calibrated baseline's instruments and funds, so both
    have the same no-intervention run and compare simulates it once; five_batches also
    sets the campaign's exit deadline, so its counterfactual keeps that rule and is its
    own run."""
    baseline = load_scenario(REPO_ROOT / "scenarios" / "baseline_calibrated.yaml")
    dibao = load_scenario(REPO_ROOT / "scenarios" / "dibao_only.yaml")
    five_batches = load_scenario(REPO_ROOT / "scenarios" / "five_batches.yaml")
    assert same_run(without_interventions(dibao), without_interventions(baseline))
    assert not same_run(dibao, baseline)
    counterfactual = without_interventions(five_batches)
    assert not same_run(counterfactual, baseline)
    assert counterfactual.policy.exit == five_batches.policy.exit


SMALL_HOUSEHOLDS = 2_000


@pytest.mark.statistical
def test_common_random_numbers_narrow_the_interval_of_a_difference(library_scenario):
    """Two close scenarios (the exit test with a 0% or a 10% income margin) on the same
    seeds: the paired interval of each difference is narrower than the Welch interval of
    the same replicates, because the replicates share households and shocks. Expected for
    every indicator whose values are positively correlated across the pair; checked on
    three headline counts with 6 replicates."""
    replicates = 6
    headlines = {
        name: simulate(
            library_scenario("baseline", SMALL_HOUSEHOLDS, **{"policy.exit.income_margin": margin}),
            3,
            replicates,
        ).headlines()
        for name, margin in (("margin_0", 0.0), ("margin_10", 0.1))
    }
    table = comparison_table(headlines).set_index(["scenario", "indicator"])
    for indicator in ("exits_households_total", "poor_households_final_year",
                      "registered_households_final_year"):  # fmt: skip
        row = table.loc[("margin_10", indicator)]
        paired = row["difference_high"] - row["difference_low"]
        unpaired = row["difference_unpaired_high"] - row["difference_unpaired_low"]
        assert paired < unpaired, (indicator, paired, unpaired)


@pytest.mark.statistical
def test_five_batches_costs_a_finite_positive_amount_per_lasting_exit_and_risk_falls(
    library_scenario,
):
    """On five_batches against its paired no-intervention run (4 replicates, 3,000
    households): the cost per lasting
    exit against the paired no-intervention run is finite and positive with its whole
    interval above zero, and the relapse-risk curve falls as the income-to-line ratio
    rises, monotone within its intervals: no bin's interval lies wholly above the previous
    bin's (a rise the intervals cannot explain), and the first bin's risk is above the
    last's. (Comparing each point with the previous bin's upper bound instead failed on 5
    of 8 seeds: 20 bins x 3 horizons of 90% intervals that ignore the clustering of a
    household's years; the interval-overlap reading failed on none.)"""
    study = run_study(library_scenario("five_batches", 3_000), 2014, 4)
    efficiency = efficiency_table(study).set_index("measure")
    cost = efficiency.loc["cost_per_lasting_exit"]
    assert np.isfinite(cost["mean"]) and cost["mean"] > 0 and cost["mean_low"] > 0
    curve = relapse_curve_table(study)
    for horizon in (1, 3, 5):
        rows = curve[(curve["group"] == "all") & (curve["horizon_years"] == horizon)]
        probability = rows["probability"].to_numpy()
        lower, upper = rows["probability_low"].to_numpy(), rows["probability_high"].to_numpy()
        assert (lower[1:] <= upper[:-1]).all(), horizon
        assert probability[0] > probability[-1]


# --- the command --------------------------------------------------------------------------

COMPARE_RUN = ["--households", "400", "--years", "4", "--replicates", "2", "--quiet"]


def test_compare_refuses_a_missing_or_invalid_file_before_running(tmp_path):
    out = tmp_path / "cmp"
    missing = run_cli("compare", "scenarios/baseline.yaml", tmp_path / "nope.yaml", "--out", out)
    assert_user_error(missing, "nope.yaml", "not found")
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: " + str(REPO_ROOT / "scenarios" / "baseline.yaml") + "\nyears: -1\n")
    invalid = run_cli("compare", "scenarios/baseline.yaml", bad, "--out", out)
    assert_user_error(invalid, "bad.yaml", "years")
    assert not out.exists()  # nothing was run or written


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def comparison(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("compare") / "cmp"
    result = run_cli(
        "compare", "scenarios/baseline.yaml", "scenarios/dibao_only.yaml", *COMPARE_RUN,
        "--out", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out


def test_compare_writes_run_directories_tables_figures_and_report(comparison):
    assert (comparison / "manifest.json").is_file()
    for name in ("baseline", "dibao_only"):
        assert (comparison / name / "manifest.json").is_file()
        assert (comparison / name / "relapse_curve.csv").is_file()
    table = pd.read_csv(comparison / "comparison.csv")
    assert list(table["scenario"].unique()) == ["baseline", "dibao_only"]
    first = table[table["scenario"] == "baseline"]
    assert (first["difference"] == 0).all() and first["difference_low"].isna().all()
    efficiency = pd.read_csv(comparison / "efficiency.csv")
    assert set(efficiency["scenario"]) == {"dibao_only"}  # the baseline has no instruments
    report = (comparison / "report.html").read_text()
    assert "data:image/png;base64," in report and "dibao_only" in report


def test_plot_redraws_the_same_figures_from_saved_results(comparison):
    """`plot` on a saved comparison: identical PNG bytes, and the CSVs untouched."""
    files = sorted(p for p in comparison.rglob("*") if p.suffix in (".png", ".csv"))
    before = {p: digest(p) for p in files}
    for png in [p for p in files if p.suffix == ".png"]:
        png.unlink()
    result = run_cli("plot", comparison)
    assert result.returncode == 0, result.stderr
    assert {p: digest(p) for p in files} == before


def result_files(directory: Path) -> dict[str, str]:
    """Hash of every file a comparison writes but the manifests and reports (they record
    the command line and timings), by path."""
    return {
        path.relative_to(directory).as_posix(): digest(path)
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name not in ("manifest.json", "report.html")
    }


def test_one_and_two_workers_write_the_same_bytes(tmp_path):
    """Each replicate is a pure function of (scenario, seed, replicate) and each figure of
    its table: tables, CSVs, the household panel (Parquet) and the PNGs are identical
    whether one process or two ran the comparison; so are the hashes the manifests list."""
    written = {}
    for workers in (1, 2):
        out = tmp_path / f"workers{workers}"
        result = run_cli(
            "compare", "scenarios/baseline.yaml", "scenarios/dibao_only.yaml",
            "scenarios/five_batches.yaml", *COMPARE_RUN, "--panel", "--workers", workers,
            "--out", out,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        written[workers] = result_files(out)
    one, two = written[1], written[2]
    assert one == two
    assert {"dibao_only/households.parquet", "comparison.csv", "plots/comparison.png"} <= set(one)
    for manifest_path in sorted((tmp_path / "workers1").rglob("manifest.json")):
        other = tmp_path / "workers2" / manifest_path.relative_to(tmp_path / "workers1")
        listed = [json.loads(path.read_text())["files"] for path in (manifest_path, other)]
        for files in listed:
            files.pop("report.html", None)
        assert listed[0] == listed[1]


def test_compare_refuses_workers_below_one(tmp_path):
    out = tmp_path / "cmp"
    result = run_cli(
        "compare", "scenarios/baseline.yaml", "scenarios/dibao_only.yaml", "--workers", "0",
        "--out", out,
    )  # fmt: skip
    assert_user_error(result, "--workers")
    assert not out.exists()


def test_run_with_panel_writes_every_household_year_consistent_with_yearly(tmp_path):
    """`run --panel`: households.parquet has a row per active household, replicate and year
    (the identification year too), and its counts agree with yearly.csv."""
    out = tmp_path / "run"
    result = run_cli("run", "scenarios/dibao_only.yaml", *COMPARE_RUN, "--panel", "--out", out)
    assert result.returncode == 0, result.stderr
    panel = pd.read_parquet(out / "households.parquet")
    yearly = pd.read_csv(out / "yearly.csv").set_index(["replicate", "year"])
    policy_years = panel[panel["year"] >= yearly.index.get_level_values("year").min()]
    counts = policy_years.groupby(["replicate", "year"]).agg(
        households=("household_row", "size"), poor=("poor", "sum"),
        registered=("registered", "sum"), exits=("exited", "sum"),
    )  # fmt: skip
    assert counts["households"].tolist() == yearly["households"].tolist()
    assert counts["poor"].tolist() == yearly["poor_households"].tolist()
    assert counts["registered"].tolist() == yearly["registered_households"].tolist()
    assert counts["exits"].tolist() == yearly["exits_households"].tolist()
    assert len(panel) > len(policy_years)  # the identification year is in the panel too
