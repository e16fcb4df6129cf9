"""Calibration as a county runs it: bad input is a message and exit code 2; a calibration
recovers known parameters; the result does not depend on the worker count and resumes from
its log; the shipped calibrated baseline reproduces every target of calibration/targets.yaml.

Calibrations here are small (1,500-3,000 households, one policy year, tens of evaluations),
so the file stays within seconds to a minute on two cores.
"""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from model import cli
from model.analysis.replicates import run_replicate
from model.calibration.fit import calibrate, plan_problem
from model.calibration.targets import load_targets, replicate_moments
from model.config.scenario import load_scenario, with_overrides
from tests.support.cli import assert_user_error, run_cli
from tests.support.paths import REPO_ROOT

BASELINE = REPO_ROOT / "scenarios" / "baseline.yaml"
TARGETS = REPO_ROOT / "calibration" / "targets.yaml"
PARAMETERS = REPO_ROOT / "calibration" / "parameters.yaml"
CAMPAIGN_TARGETS = REPO_ROOT / "calibration" / "campaign_targets.yaml"
EARLIER_REGISTRY_FIT = REPO_ROOT / "calibration" / "parameters.yaml"
"""The registry fit the calibrated county keeps household size, illness episodes and the
office's measurement error from (the campaign blocks leave them as fitted there)."""
HAND_SET_KEYS = {
    "dynamics.income.farm_growth": "farm income growth, 5% a year (NBS: rural business "
    "income 6.4%), set by hand with the wage growth for the 2019 income composition",
    "dynamics.income.growth": "wage growth, 11% a year, set by hand (as farm_growth)",
    "dynamics.income.local_wage_full": "the local wage, set by hand (as farm_growth)",
    "dynamics.income.farm_net_per_mu": "farm income per mu, set by hand (as farm_growth)",
}
"""Keys the calibrated baseline sets by hand, each with its reason
(scenarios/baseline_calibrated.yaml header)."""
CAMPAIGN_PARAMETER_BLOCKS = [REPO_ROOT / "calibration" / "campaign_joint_parameters.yaml"]
"""The shipped fit (scenarios/baseline_calibrated.yaml) is of these files."""


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


SMALL_TARGETS = {
    "name": "small",
    "targets": [
        {
            "indicator": "cause_share_illness",
            "year": "first",
            "value": 0.55,
            "tolerance": 0.02,
            "source": "test",
        },
        {
            "indicator": "registered_household_size",
            "year": "first",
            "value": 3.3,
            "tolerance": 0.2,
            "source": "test",
        },
    ],
}
SMALL_PARAMETERS = {
    "name": "small",
    "parameters": [
        {
            "key": "policy.diagnosis.illness_min_loss_share",
            "lower": 0.03,
            "upper": 0.4,
            "log_scale": True,
        },
        {"key": "population.households.size_mean", "lower": 2.5, "upper": 5.0},
    ],
    "evaluation": {"seed": 5, "replicates": 2, "households": 1500, "years": 1},
    "search": {
        "global": {"method": "sobol", "points": 8},
        "local": {"method": "nelder-mead", "max_evaluations": 12},
        "starts": 2,
    },
}


# --- bad input ----------------------------------------------------------------------------

BAD_INPUTS = {
    # case: (targets changes, parameters changes, fragments the message must name)
    "unknown indicator": (
        {"targets.0.indicator": "cause_share_witchcraft"},
        {},
        [
            "targets.yaml",
            "targets.0.indicator",
            "cause_share_witchcraft",
            "allowed",
            "cause_share_illness",
            "registered_household_size",
            "exit_rate_mean",
        ],
    ),
    "headline figure with a year": (
        {"targets.0.indicator": "exit_rate_mean"},
        {},
        ["targets.0.year", "headline", "remove year"],
    ),
    "yearly indicator without a year": (
        {"targets.0.year": None},
        {},
        ["targets.0.year", "first, final, mean"],
    ),
    "year outside the run": (
        {"targets.0.year": 2030},
        {},
        ["targets.0.year", "2030", "2014-2014"],
    ),
    "target without a source": (
        {"targets.0.source": None},
        {},
        ["targets.0.source"],
    ),
    "parameter without bounds": (
        {},
        {"parameters.0.upper": None},
        ["parameters.yaml", "parameters.0.upper", "required"],
    ),
    "bounds outside the schema": (
        {},
        {"parameters.1.upper": 12.0},
        ["parameters.1.upper", "12", "population.households.size_mean", "less than or equal to 10"],
    ),
    "bounds in the wrong order": (
        {},
        {"parameters.1.lower": 4.0, "parameters.1.upper": 3.0},
        ["parameters.1.upper", "must be above lower"],
    ),
    "key that does not exist": (
        {},
        {"parameters.0.key": "policy.diagnosis.witchcraft_share"},
        ["parameters.0.key", "witchcraft_share", "allowed keys there", "illness_min_loss_share"],
    ),
    "whole-number key": (
        {},
        {"parameters.0.key": "population.households.size_max"},
        ["parameters.0.key", "size_max", "not a continuous number"],
    ),
    "schedule key": (
        {},
        {"parameters.0.key": "poverty_line"},
        ["parameters.0.key", "schedule"],
    ),
    "unknown key in the search": (
        {},
        {"search.global.pionts": 4},
        ["search.global.pionts", "unknown key", "points"],
    ),
}


def changed(data: dict, changes: dict) -> dict:
    data = json.loads(json.dumps(data))
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        elif value is None:
            node.pop(last)
        else:
            node[last] = value
    return data


@pytest.mark.parametrize("case", BAD_INPUTS, ids=str)
def test_bad_input_is_a_message_naming_file_and_key_and_exit_code_2(case, tmp_path, capsys):
    """In process (cli.main, as run.py calls it); one case below runs run.py itself."""
    target_changes, parameter_changes, fragments = BAD_INPUTS[case]
    targets = write_yaml(tmp_path / "targets.yaml", changed(SMALL_TARGETS, target_changes))
    write_yaml(tmp_path / "parameters.yaml", changed(SMALL_PARAMETERS, parameter_changes))
    out = tmp_path / "out"
    code = cli.main(["calibrate", str(targets), "--scenario", str(BASELINE), "--out", str(out)])
    result = subprocess.CompletedProcess([], code, "", capsys.readouterr().err)
    assert_user_error(result, *fragments)
    assert not out.exists(), "bad input must be refused before the output directory is made"


def test_run_py_reports_a_bad_target_with_exit_code_2(tmp_path):
    bad = changed(SMALL_TARGETS, {"targets.1.indicator": "household_size_of_the_poor"})
    targets = write_yaml(tmp_path / "targets.yaml", bad)
    write_yaml(tmp_path / "parameters.yaml", SMALL_PARAMETERS)
    result = run_cli("calibrate", targets, "--scenario", BASELINE, "--out", tmp_path / "o")
    assert_user_error(result, "targets.1.indicator", "household_size_of_the_poor", "allowed")


def test_evaluation_households_on_a_household_table_is_refused(tmp_path, capsys):
    targets = write_yaml(tmp_path / "targets.yaml", SMALL_TARGETS)
    write_yaml(tmp_path / "parameters.yaml", SMALL_PARAMETERS)
    table_scenario = REPO_ROOT / "scenarios" / "from_household_table.yaml"
    out = tmp_path / "out"
    code = cli.main(
        ["calibrate", str(targets), "--scenario", str(table_scenario), "--out", str(out)]
    )
    result = subprocess.CompletedProcess([], code, "", capsys.readouterr().err)
    assert_user_error(result, "parameters.yaml", "evaluation.households", "household table")


def test_shipped_targets_and_parameters_are_valid_for_the_baseline():
    problem = plan_problem(TARGETS, BASELINE, PARAMETERS)
    assert len(problem.targets.targets) >= 7
    assert all(t.source for t in problem.targets.targets)


# --- same bytes for any worker count, and resuming ------------------------------------------

RESULT_FILES = [
    "fit.csv",
    "loss_trace.csv",
    "starts.csv",
    "identifiability.csv",
    "fitted_parameters.yaml",
    "evaluations.jsonl",
]


def small_calibration(tmp_path: Path, out_name: str, workers: int):
    targets = write_yaml(tmp_path / "targets.yaml", SMALL_TARGETS)
    parameters = write_yaml(tmp_path / "parameters.yaml", SMALL_PARAMETERS)
    return calibrate(targets, BASELINE, parameters, tmp_path / out_name, workers=workers)


def test_one_and_two_workers_write_the_same_bytes_and_a_rerun_resumes(tmp_path):
    one = small_calibration(tmp_path, "one", workers=1)
    two = small_calibration(tmp_path, "two", workers=2)
    for name in RESULT_FILES:
        assert (one.out_dir / name).read_bytes() == (two.out_dir / name).read_bytes(), name
    assert (one.out_dir / "manifest.json").is_file()
    assert (one.out_dir / "plots" / "fit.png").is_file()
    # an interrupted calibration: the log lost its last evaluations (and a torn line)
    log = one.out_dir / "evaluations.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = len(lines) - 5
    log.write_text("".join(lines[:kept]) + lines[kept][:20], encoding="utf-8")
    resumed = small_calibration(tmp_path, "one", workers=1)
    assert resumed.simulated == 5, "only the lost evaluations are simulated again"
    for name in RESULT_FILES:  # the torn line is dropped: the log is as if never cut
        assert (resumed.out_dir / name).read_bytes() == (two.out_dir / name).read_bytes(), name


def test_a_directory_holding_another_calibration_is_refused(tmp_path, capsys):
    small_calibration(tmp_path, "out", workers=1)
    other = changed(SMALL_TARGETS, {"targets.0.value": 0.5})
    targets = write_yaml(tmp_path / "targets.yaml", other)
    code = cli.main(
        ["calibrate", str(targets), "--scenario", str(BASELINE), "--out", str(tmp_path / "out")]
    )
    result = subprocess.CompletedProcess([], code, "", capsys.readouterr().err)
    assert_user_error(result, "holds a different calibration")


def test_the_fitted_file_extends_the_scenario_and_sets_the_fitted_values(tmp_path):
    outcome = small_calibration(tmp_path, "out", workers=1)
    fitted = load_scenario(outcome.out_dir / "fitted_parameters.yaml")
    values = dict(zip(outcome.problem.parameters_keys, outcome.best.best.values, strict=True))
    assert fitted.name == "baseline_calibrated"
    assert (
        fitted.policy.diagnosis.illness_min_loss_share
        == values["policy.diagnosis.illness_min_loss_share"]
    )
    assert fitted.population.households.size_mean == values["population.households.size_mean"]
    assert fitted.population.n_households == load_scenario(BASELINE).population.n_households


# --- recovery of known parameters -----------------------------------------------------------

TRUTH = {"policy.diagnosis.illness_min_loss_share": 0.2, "population.households.size_mean": 3.2}
RECOVERY_HOUSEHOLDS, RECOVERY_REPLICATES = 8000, 4
# Measured at the truth (8 replicates of 3,000 households, seed 101; the replicate sd scales
# with 1/sqrt(households)): replicate sd of the illness share 0.014 and of the registered
# household size 0.106; slopes per unit of each parameter's search range (log range for the
# illness threshold): illness share -0.20 per unit of the threshold and -0.105 per unit of
# size_mean; household size 2.96 per unit of size_mean and 0 per unit of the threshold.
SD_AT_3000 = {"cause_share_illness": 0.014, "registered_household_size": 0.106}
SLOPE_ILLNESS_THRESHOLD, SLOPE_ILLNESS_SIZE, SLOPE_SIZE_SIZE = -0.20, -0.105, 2.96


def recovery_tolerances() -> dict[str, float]:
    """3 sd of each recovered parameter (in unit coordinates) from sampling noise alone:
    truth and fit are each means over RECOVERY_REPLICATES independent replicates, so each
    moment's difference has sd = replicate sd x sqrt(2 / R); size_mean is pinned by the
    household size, and the illness threshold by the illness share less size_mean's part."""
    factor = math.sqrt(3000 / RECOVERY_HOUSEHOLDS) * math.sqrt(2 / RECOVERY_REPLICATES)
    sd_share = SD_AT_3000["cause_share_illness"] * factor
    sd_size_unit = SD_AT_3000["registered_household_size"] * factor / SLOPE_SIZE_SIZE
    sd_threshold_unit = math.hypot(sd_share, SLOPE_ILLNESS_SIZE * sd_size_unit) / abs(
        SLOPE_ILLNESS_THRESHOLD
    )
    return {
        "policy.diagnosis.illness_min_loss_share": 3 * sd_threshold_unit,  # about 0.093
        "population.households.size_mean": 3 * sd_size_unit,  # about 0.046
    }


@pytest.mark.slow
def test_calibration_recovers_known_parameters(tmp_path):
    """Simulate a county of 8,000 households with known parameters (seed 101, 4
    replicates), take its first-year illness share and registered household size as
    targets, calibrate both parameters on another seed (5: a county's registry is one draw,
    the model's replicates others) and recover each within 3 sd of the sampling noise
    (recovery_tolerances: about 9% of the illness threshold's log range and 5% of
    size_mean's range)."""
    base = with_overrides(
        load_scenario(BASELINE),
        {"population.n_households": RECOVERY_HOUSEHOLDS, "years": 1, **TRUTH},
    )
    targets_data = {
        "name": "recovery",
        "targets": [
            {
                "indicator": "cause_share_illness",
                "year": "first",
                "value": 0.0,
                "tolerance": 0.01,
                "source": "simulated",
            },
            {
                "indicator": "registered_household_size",
                "year": "first",
                "value": 0.0,
                "tolerance": 0.05,
                "source": "simulated",
            },
        ],
    }
    probe = write_yaml(tmp_path / "probe.yaml", targets_data)
    moments = np.array(
        [
            replicate_moments(load_targets(probe), run_replicate(base, 101, r))
            for r in range(RECOVERY_REPLICATES)
        ]
    ).mean(axis=0)
    for target, value in zip(targets_data["targets"], moments, strict=True):
        target["value"] = float(value)
    targets = write_yaml(tmp_path / "targets.yaml", targets_data)
    parameters_data = changed(SMALL_PARAMETERS, {})
    parameters_data["evaluation"] = {
        "seed": 5,
        "replicates": RECOVERY_REPLICATES,
        "households": RECOVERY_HOUSEHOLDS,
        "years": 1,
    }
    parameters_data["search"] = {
        "global": {"method": "sobol", "points": 16},
        "local": {"method": "powell", "max_evaluations": 40},
        "starts": 1,
    }
    parameters = write_yaml(tmp_path / "parameters.yaml", parameters_data)
    outcome = calibrate(targets, BASELINE, parameters, tmp_path / "out", workers=2)
    tolerances = recovery_tolerances()
    errors = {}
    for parameter, value in zip(
        outcome.problem.parameters.parameters, outcome.best.best.values, strict=True
    ):
        errors[parameter.key] = (
            value,
            abs(parameter.to_unit(value) - parameter.to_unit(TRUTH[parameter.key])),
        )
    assert all(err <= tolerances[key] for key, (_, err) in errors.items()), (errors, tolerances)


# --- the shipped calibrated baseline ----------------------------------------------------------

FIT_SEED, FIT_REPLICATES, FIT_HOUSEHOLDS = 7, 4, 20_000


@pytest.mark.statistical
def test_the_shipped_calibrated_baseline_reproduces_every_target():
    """scenarios/baseline_calibrated.yaml, run on another seed than the calibration's (7, not
    2014) with 4 replicates of 20,000 households, reproduces each target of
    calibration/targets.yaml within its stated tolerance (cause shares within 2 points).
    Measured replicate sds here: 0.003-0.006 for the cause shares, 0.007 for registered
    incidence, 0.04 for household size, so noise alone moves the mean over 4 by about
    0.003, 0.0035 and 0.02 (one sd): a sixth of each tolerance or less. (The uncalibrated
    baseline meets these tolerances too -- its diagnosis defaults were fitted to the cause
    shares before -- the calibration lowers the loss, 0.028 against 1.43 at seed 2014, mostly
    through the household size of the registered and the registered incidence; at seed 7
    the calibrated loss is 0.24, the worst target household size at 3.45.)"""
    scenario = with_overrides(
        load_scenario(REPO_ROOT / "scenarios" / "baseline_calibrated.yaml"),
        {"population.n_households": FIT_HOUSEHOLDS},
    )
    targets = load_targets(TARGETS)
    moments = np.array(
        [
            replicate_moments(targets, run_replicate(scenario, FIT_SEED, r))
            for r in range(FIT_REPLICATES)
        ]
    ).mean(axis=0)
    misses = [
        f"{t.label}: simulated {m:.4f}, target {t.value} +- {t.tolerance}"
        for t, m in zip(targets.targets, moments, strict=True)
        if not math.isfinite(m) or abs(m - t.value) > t.tolerance
    ]
    assert not misses, "\n".join(misses)


def test_the_library_builds_on_the_calibrated_baseline_which_only_sets_the_fitted_keys():
    for name in ("five_batches", "dibao_only"):
        text = (REPO_ROOT / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8")
        assert "\nextends: baseline_calibrated.yaml\n" in text, name
    calibrated = load_scenario(REPO_ROOT / "scenarios" / "baseline_calibrated.yaml")
    keys = [
        parameter["key"] for block in [*CAMPAIGN_PARAMETER_BLOCKS, EARLIER_REGISTRY_FIT]
        for parameter in yaml.safe_load(block.read_text(encoding="utf-8"))["parameters"]
    ]  # fmt: skip
    keys += list(HAND_SET_KEYS)
    raw = calibrated.model_dump(mode="python")
    # the safety net that predates the campaign is the calibrated county's only addition
    raw["interventions"] = load_scenario(BASELINE).model_dump(mode="python")["interventions"]
    for key in keys:  # put the baseline's values back: nothing else may differ
        node, base_node = raw, load_scenario(BASELINE).model_dump(mode="python")
        *parents, last = key.split(".")
        for part in parents:
            node, base_node = node[part], base_node[part]
        node[last] = base_node[last]
    raw["name"], raw["description"] = "baseline", load_scenario(BASELINE).description
    assert raw == load_scenario(BASELINE).model_dump(mode="python")


# --- moments and the identifiability table ----------------------------------------------------


def test_each_kind_of_target_reads_its_moment_from_the_yearly_table(tmp_path):
    """A yearly column in the first, final, a calendar or the mean year; a derived ratio;
    a headline figure: each read as the README says."""
    from model.analysis.replicates import headline

    scenario = with_overrides(load_scenario(BASELINE), {"population.n_households": 400, "years": 3})
    yearly = run_replicate(scenario, 3, 0)
    rows = [
        ("registered_households", "first"), ("registered_households", "final"),
        ("registered_households", 2015), ("exit_rate", "mean"),
        ("registered_household_size", "first"), ("exit_rate_mean", None),
    ]  # fmt: skip
    targets = write_yaml(
        tmp_path / "t.yaml",
        {"name": "kinds", "targets": [
            {"name": f"t{i}", "indicator": ind, **({"year": year} if year else {}),
             "value": 1.0, "tolerance": 1.0, "source": "test"}
            for i, (ind, year) in enumerate(rows)
        ]},
    )  # fmt: skip
    moments = replicate_moments(load_targets(targets), yearly)
    y = yearly.set_index("year")
    expected = [
        y.loc[2014, "registered_households"], y.loc[2016, "registered_households"],
        y.loc[2015, "registered_households"], y["exit_rate"].mean(),
        y.loc[2014, "registered_persons"] / y.loc[2014, "registered_households"],
        headline(yearly)["exit_rate_mean"],
    ]  # fmt: skip
    assert moments == pytest.approx(expected, rel=1e-12)


def test_identifiability_flags_spread_only_among_equally_good_starts():
    """Starts within equivalent_loss of the best are compared: a parameter they put far
    apart (over not_pinned_share of its range) is not_pinned_down; with one such start
    the flag is undetermined."""
    from model.calibration.evaluations import Evaluation
    from model.calibration.outputs import identifiability_table
    from model.calibration.search import StartResult

    problem = plan_problem(TARGETS, BASELINE, PARAMETERS)
    params = problem.parameters.parameters
    middle = [p.from_unit(np.array(0.5))[()] for p in params]

    def start(k: int, loss: float, shifted: float) -> StartResult:
        values = list(middle)
        values[0] = float(params[0].from_unit(np.array(shifted))[()])
        evaluation = Evaluation(tuple(values), np.zeros((1, 7)), np.zeros(7), loss)
        return StartResult(k, k, [("global", evaluation)])

    table = identifiability_table(problem, [start(0, 0.5, 0.5), start(1, 1.2, 0.8)])
    flags = dict(zip(table["parameter"], table["not_pinned_down"], strict=True))
    assert flags[params[0].key] == "true" and flags[params[1].key] == "false"
    assert table["spread_share_of_range"].iloc[0] == pytest.approx(0.3)
    worse = identifiability_table(problem, [start(0, 0.5, 0.5), start(1, 2.0, 0.8)])
    assert set(worse["not_pinned_down"]) == {"undetermined"}
