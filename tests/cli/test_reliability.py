"""Issue 12, "Nothing slips through": each finding of the hostile-user review, as the user met
it, through the command line (in process, for speed). Non-finite numbers are walked over the
whole schema in tests/config/test_finite_numbers.py, orphan workers are in
tests/sweeps/test_runner.py and the property-based runs in tests/simulation/test_properties.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from tests.support.cli import assert_user_error_exit as assert_user_error
from tests.support.cli import run_cli_in_process as run_cli
from tests.support.paths import REPO_ROOT

BASELINE = REPO_ROOT / "scenarios" / "baseline.yaml"
FIVE_BATCHES = REPO_ROOT / "scenarios" / "five_batches.yaml"




def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- finding 1: non-finite numbers, refused before simulating, with the key path -----------


@pytest.mark.parametrize(
    "key, text",
    [
        ("funds.general.yearly.1900", "funds:\n  general:\n    yearly: .nan\n"),
        ("funds.general.yearly", "funds:\n  general:\n    yearly: 1.0e+300\n"),
        ("policy.exit.planned_share.1900", "policy:\n  exit:\n    planned_share: .nan\n"),
        ("poverty_line", "poverty_line: 0\n"),
        ("dynamics.income.pension.1900", "dynamics:\n  income:\n    pension: .nan\n"),
        ("dynamics.income.migrant_wage_full",
         "dynamics:\n  income:\n    migrant_wage_full: .inf\n"),
        ("interventions.0.standard_share_of_line.1900",
         "interventions:\n  - type: dibao\n    standard_share_of_line: .nan\n"),
    ],
)  # fmt: skip
def test_non_finite_and_senseless_numbers_are_refused_at_validation(capsys, tmp_path, key, text):
    scenario = write(tmp_path / "bad.yaml", f"extends: {BASELINE}\n{text}")
    code, _, err = run_cli(capsys, "validate", scenario)
    assert_user_error(code, err, str(scenario), key)


# --- finding 2: runs with nothing to analyse are results -------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        ("--households", "5", "--years", "1"),
        ("--households", "1", "--years", "2"),
    ],
)
def test_a_run_without_exits_writes_a_complete_result(capsys, tmp_path, options):
    out = tmp_path / "run"
    code, _, err = run_cli(capsys, "run", BASELINE, *options, "--out", out, "--quiet")
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    survival = pd.read_csv(out / "survival.csv")
    assert {"survival", "survival_low", "survival_high", "at_risk"} <= set(survival.columns)
    assert "survival.csv" in manifest["files"] and "report.html" in manifest["files"]
    if survival.empty:
        assert "survival curves after exit are empty" in (out / "report.html").read_text()


def test_no_planned_exits_at_two_thousand_households_finishes(capsys, tmp_path):
    scenario = write(
        tmp_path / "no_exits.yaml",
        f"extends: {BASELINE}\nname: no_exits\npolicy:\n  exit:\n    planned_share: 0\n",
    )
    out = tmp_path / "run"
    code, _, err = run_cli(
        capsys, "run", scenario, "--households", "2000", "--years", "2", "--out", out, "--quiet"
    )
    assert code == 0, err
    assert pd.read_csv(out / "yearly.csv")["exits_households"].sum() == 0
    assert (out / "manifest.json").is_file()


# --- finding 4: another result in --out ----------------------------------------------------


def embedded_figures(report: Path) -> set[str]:
    return set(re.findall(r'<img alt="([^"]+)"', report.read_text()))


def test_another_scenarios_result_is_refused_unless_forced_and_then_cleared(capsys, tmp_path):
    out, small = tmp_path / "out", ("--households", "300", "--years", "2", "--quiet")
    code, _, err = run_cli(capsys, "run", FIVE_BATCHES, *small, "--marginal", "--out", out)
    assert code == 0, err
    assert (out / "plots" / "marginal_contributions.png").is_file()
    code, _, err = run_cli(capsys, "run", BASELINE, *small, "--out", out)
    assert_user_error(code, err, "holds another result", "five_batches.yaml", "--force")
    assert (out / "manifest.json").is_file()  # refused before touching anything
    code, _, err = run_cli(capsys, "run", BASELINE, *small, "--out", out, "--force")
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    plots = {f"plots/{p.name}" for p in (out / "plots").iterdir()}
    assert plots == {name for name in manifest["files"] if name.startswith("plots/")}
    assert not (out / "efficiency.csv").exists()  # the instruments' table went with its run
    listed = {Path(name).stem for name in manifest["files"] if name.endswith(".png")}
    assert embedded_figures(out / "report.html") == listed
    # the same scenario again (another seed) replaces its own earlier run without --force
    code, _, err = run_cli(capsys, "run", BASELINE, *small, "--seed", "3", "--out", out)
    assert code == 0, err


def test_another_comparison_is_refused_unless_forced(capsys, tmp_path):
    out, small = tmp_path / "cmp", ("--households", "100", "--years", "1", "--replicates", "1")
    dibao = REPO_ROOT / "scenarios" / "dibao_only.yaml"
    assert run_cli(capsys, "compare", BASELINE, dibao, *small, "--out", out, "--quiet")[0] == 0
    code, _, err = run_cli(capsys, "compare", BASELINE, FIVE_BATCHES, *small, "--out", out)
    assert_user_error(code, err, "holds another result", "--force")
    code, _, err = run_cli(
        capsys, "compare", BASELINE, FIVE_BATCHES, *small, "--out", out, "--force", "--quiet"
    )
    assert code == 0, err
    assert not (out / "dibao_only").exists()  # the old comparison's run went with it


# --- finding 5: silent acceptance ----------------------------------------------------------


def test_an_empty_scenario_file_is_refused(capsys, tmp_path):
    scenario = write(tmp_path / "empty.yaml", "# nothing yet\n")
    code, _, err = run_cli(capsys, "validate", scenario)
    assert_user_error(code, err, str(scenario), "line 1", "empty")


def test_a_duplicated_key_is_refused_with_its_line(capsys, tmp_path):
    scenario = write(
        tmp_path / "dup.yaml",
        f"extends: {BASELINE}\npolicy:\n  exit:\n    income_margin: 0.1\n    income_margin: 0.2\n",
    )
    code, _, err = run_cli(capsys, "validate", scenario)
    assert_user_error(code, err, str(scenario), "line 5", "'income_margin' is given twice")


def test_a_sweep_file_with_a_duplicated_key_is_refused(capsys, tmp_path):
    sweep = write(tmp_path / "s.yaml", "name: a\nname: b\n")
    code, _, err = run_cli(capsys, "sweep", sweep, "--out", tmp_path / "o")
    assert_user_error(code, err, "line 2", "given twice")


@pytest.mark.parametrize("seed", ["1000000000000000000000000000000", "9223372036854775808"])
def test_a_seed_beyond_the_documented_range_is_refused(capsys, tmp_path, seed):
    code, _, err = run_cli(capsys, "run", BASELINE, "--seed", seed, "--out", tmp_path / "o")
    assert_user_error(code, err, "--seed", "9223372036854775807")
    scenario = write(tmp_path / "seed.yaml", f"extends: {BASELINE}\nseed: {seed}\n")
    code, _, err = run_cli(capsys, "validate", scenario)
    assert_user_error(code, err, str(scenario), "seed")


# --- finding 6: memory --------------------------------------------------------------------


def test_a_county_too_large_for_memory_is_refused_before_it_starts(capsys, tmp_path):
    code, _, err = run_cli(
        capsys, "run", BASELINE, "--households", "50000000", "--max-memory", "16G",
        "--out", tmp_path / "o",
    )  # fmt: skip
    assert_user_error(code, err, "50,000,000 households", "needs about", "16.0 GB")
    assert not (tmp_path / "o" / "yearly.csv").exists()


def test_max_memory_accepts_sizes_and_refuses_nonsense(capsys, tmp_path):
    code, _, err = run_cli(capsys, "run", BASELINE, "--max-memory", "lots", "--out", tmp_path)
    assert_user_error(code, err, "--max-memory")
    code, _, err = run_cli(
        capsys, "compare", BASELINE, FIVE_BATCHES, "--max-memory", "100M", "--out", tmp_path / "c"
    )
    assert_user_error(code, err, "needs about", "--max-memory is 100.0 MB")


# --- finding 7: the file that set `source` -------------------------------------------------


def test_a_csv_source_without_a_table_names_the_file_that_set_source(capsys, tmp_path):
    parent = write(tmp_path / "parent.yaml", f"extends: {BASELINE}\npopulation:\n  source: csv\n")
    child = write(tmp_path / "child.yaml", "extends: parent.yaml\nname: child\n")
    code, _, err = run_cli(capsys, "validate", child)
    assert_user_error(code, err, f"{parent.resolve()}: population.source", "households_csv")
