"""The command line as a user runs it: exit codes, error messages, the run directory."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from model import cli
from model.config.scenario import Scenario, load_scenario
from model.report import files as outputs
from model.report import run_directory
from tests.support.cli import assert_user_error, run_cli

DOCUMENTED_YEARLY_COLUMNS = [
    "replicate", "year", "poverty_line", "households", "persons", "poor_households",
    "poor_persons", "incidence_persons", "registered_households", "registered_persons",
    "exits_households", "relapses_households", "near_poor_share", "monitored_households",
    "wrongly_exited_households", "missed_poor_households", "recipients_dibao",
    "spending_total", "spending_dibao", "fgt1", "fgt2", "cause_share_illness",
    "cause_share_disability", "cause_share_schooling", "cause_share_lack_of_labour",
    "cause_share_other",
]
RUN_FILES = [
    "scenario.yaml", "manifest.json", "yearly.csv", "summary.json", "relapse_curve.csv",
    "survival.csv", "efficiency.csv", "report.html",
    "plots/poverty_over_time.png", "plots/exits_relapses.png",
    "plots/cause_composition.png", "plots/spending.png", "plots/exit_channels.png",
    "plots/relapse_risk.png", "plots/relapse_risk_by_cause.png",
    "plots/survival_poor_again.png", "plots/survival_re_registered.png",
    "plots/efficiency.png",
]
SMALL_RUN = ["--households", "300", "--years", "3", "--replicates", "2", "--quiet"]


# --- bad scenario files -----------------------------------------------------------------

BAD_SCENARIOS = {
    # case: (files to write, file to validate, fragments the message must name)
    "unknown key": (
        {"s.yaml": "name: x\npopulation:\n  n_housholds: 5\n"},
        "s.yaml", ["population.n_housholds", "unknown key", "n_households"],
    ),
    "wrong type": (
        {"s.yaml": "name: x\nyears: many\n"}, "s.yaml", ["years", "integer", "'many'"],
    ),
    "out of range": (
        {"s.yaml": "name: x\npolicy:\n  exit:\n    income_margin: 7\n"},
        "s.yaml", ["policy.exit.income_margin", "less than or equal to 5"],
    ),
    "unknown intervention type": (
        {"s.yaml": "name: x\ninterventions:\n  - type: teleport\n"},
        "s.yaml", ["interventions.0", "teleport", "dibao"],
    ),
    "missing extends parent": (
        {"s.yaml": "extends: no_such_parent.yaml\nname: x\n"},
        "s.yaml", ["no_such_parent.yaml", "file not found", "extends"],
    ),
    "malformed YAML": (
        {"s.yaml": "name: x\nyears: [1, 2\n"}, "s.yaml", ["malformed YAML", "line 3"],
    ),
    "undefined fund": (
        {"s.yaml": "name: x\ninterventions:\n  - type: dibao\n    fund: lottery\n"},
        "s.yaml", ["interventions.0.fund", "lottery", "civil_affairs"],
    ),
    "negative instrument cost": (
        {"s.yaml": "name: x\ninterventions:\n  - type: production_subsidy\n"
                   "    subsidy_yuan: -3000\n"},
        "s.yaml",
        ["interventions.0.subsidy_yuan", "greater than or equal to 0"],
    ),
    "fund paying for an unknown instrument": (
        {"s.yaml": "name: x\nfunds:\n  special:\n    pays_for: [teleporter]\n"},
        "s.yaml",
        ["funds.special.pays_for.0", "teleporter", "production_subsidy"],
    ),
    "budget shares above 1": (
        {"s.yaml": "name: x\ninterventions:\n  - {type: wubao, name: a}\n"
                   "  - {type: wubao, name: b}\nallocation:\n  rule: fixed_shares\n"
                   "  shares: {a: 0.8, b: 0.4}\n"},
        "s.yaml",
        ["allocation.shares", "civil_affairs", "sum to 1.2", "at most 1"],
    ),
    "allocation rule that does not exist": (
        {"s.yaml": "name: x\nallocation:\n  rule: first_come\n"},
        "s.yaml",
        ["allocation.rule", "first_come", "cost_effectiveness"],
    ),
    "bad key set in the parent": (
        {"parent.yaml": "years: -2\n", "s.yaml": "extends: parent.yaml\nname: x\n"},
        "s.yaml", ["parent.yaml", "years", "greater than or equal to 1"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_SCENARIOS))
def test_validate_names_the_file_and_key_path_of_a_bad_scenario(tmp_path, case):
    files, target, fragments = BAD_SCENARIOS[case]
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = run_cli("validate", tmp_path / target)
    assert_user_error(result, *fragments)
    if case != "bad key set in the parent":
        assert str(tmp_path / target) in result.stderr
    assert result.stdout == ""


def test_missing_scenario_file_is_a_user_error(tmp_path, capsys):
    missing = tmp_path / "absent.yaml"
    assert_user_error(run_cli("validate", missing), str(missing), "not found")
    assert cli.main(["run", str(missing), "--quiet"]) == 2
    assert str(missing) in capsys.readouterr().err


def test_run_refuses_a_bad_scenario_before_simulating(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: x\ninterventions:\n  - type: dibao\n    fund: lottery\n")
    result = run_cli("run", scenario, "--out", tmp_path / "out", "--quiet")
    assert_user_error(result, str(scenario), "interventions.0.fund")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("scenario", ["baseline", "dibao_only"])
def test_shipped_scenarios_validate(scenario):
    result = run_cli("validate", f"scenarios/{scenario}.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"ok: scenarios/{scenario}.yaml ({scenario})\n"


# --- bad command lines (in process: same parser and handler, no interpreter start-up) ---

@pytest.mark.parametrize(
    ("arguments", "fragments"),
    [
        (["run", "scenarios/baseline.yaml", "--replicates", "-1"], ["--replicates", "-1"]),
        (["run", "scenarios/baseline.yaml", "--households", "0"], ["--households"]),
        (["run", "scenarios/baseline.yaml", "--years", "two"], ["--years", "'two'"]),
        (["run", "scenarios/baseline.yaml", "--seed", "-5"], ["--seed"]),
        (["run", "scenarios/baseline.yaml", "--years", "500"], ["years", "200"]),
        (["frobnicate"], ["frobnicate", "run", "validate"]),
        ([], ["COMMAND"]),
    ],
)
def test_bad_arguments_exit_2_with_one_message(capsys, arguments, fragments):
    assert cli.main([*arguments, "--quiet"] if arguments[:1] == ["run"] else arguments) == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith("error: ") and "Traceback" not in stderr
    assert all(fragment in stderr for fragment in fragments), stderr


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    a_file = tmp_path / "taken"
    a_file.write_text("not a directory")
    assert cli.main(["run", "scenarios/baseline.yaml", "--out", str(a_file), "--quiet"]) == 2
    assert "is not a directory" in capsys.readouterr().err
    assert a_file.read_text() == "not a directory"


def test_out_that_holds_other_files_is_refused(tmp_path, capsys):
    (tmp_path / "thesis.docx").write_text("precious")
    assert cli.main(["run", "scenarios/baseline.yaml", "--out", str(tmp_path), "--quiet"]) == 2
    assert "not a run directory" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.docx"]


def test_out_below_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "taken").write_text("")
    out = tmp_path / "taken" / "run"
    assert cli.main(["run", "scenarios/baseline.yaml", "--out", str(out), "--quiet"]) == 2
    assert "cannot create the run directory" in capsys.readouterr().err


# --- the run directory, end to end ------------------------------------------------------

@pytest.fixture(scope="module")
def dibao_run(tmp_path_factory) -> Path:
    """One small dibao_only run through run.py; its run directory."""
    out = tmp_path_factory.mktemp("runs") / "dibao"
    result = run_cli("run", "scenarios/dibao_only.yaml", *SMALL_RUN, "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""  # --quiet: no bar, no summary
    return out


def test_run_writes_every_file_of_the_run_directory(dibao_run):
    for name in RUN_FILES:
        assert (dibao_run / name).is_file(), name
    assert not [p for p in dibao_run.rglob(".*")]  # no temporary files left behind


def test_yearly_csv_has_a_row_per_replicate_and_year_and_the_documented_columns(dibao_run):
    yearly = pd.read_csv(dibao_run / "yearly.csv")
    assert len(yearly) == 6
    assert set(DOCUMENTED_YEARLY_COLUMNS) <= set(yearly.columns)
    assert sorted(zip(yearly["replicate"], yearly["year"], strict=True)) == [
        (r, y) for r in (0, 1) for y in (2014, 2015, 2016)
    ]
    safety_net = yearly["recipients_dibao"] + yearly["recipients_wubao"]
    assert (safety_net > 0).all()


def test_summary_figures_have_mean_low_high(dibao_run):
    summary = json.loads((dibao_run / "summary.json").read_text())
    assert summary
    for name, figure in summary.items():
        assert {"mean", "low", "high"} <= set(figure), name


def test_manifest_records_how_to_reproduce_the_run(dibao_run):
    manifest = json.loads((dibao_run / "manifest.json").read_text())
    assert manifest["seed"] == 2014 and manifest["replicates"] == 2
    assert manifest["scenario_name"] == "dibao_only"
    assert manifest["scenario_file"].endswith("scenarios/dibao_only.yaml")
    assert "--households 300" in manifest["command_line"]
    assert manifest["code_version"] and manifest["python_version"]
    assert manifest["packages"]["numpy"] and manifest["packages"]["mesa"]
    assert manifest["wall_clock_seconds"] >= manifest["simulation_seconds"] >= 0
    assert set(manifest["files"]) == set(RUN_FILES) - {"manifest.json"}


def test_resolved_scenario_reloads_with_the_command_line_overrides(dibao_run):
    resolved = load_scenario(dibao_run / "scenario.yaml")
    assert resolved.name == "dibao_only" and "dibao" in [i.type for i in resolved.interventions]
    assert resolved.population.n_households == 300 and resolved.years == 3


def test_same_command_twice_gives_identical_yearly_csv_and_plots(dibao_run):
    again = dibao_run.parent / "dibao_again"
    result = run_cli("run", "scenarios/dibao_only.yaml", *SMALL_RUN, "--out", again)
    assert result.returncode == 0, result.stderr
    for name in ["yearly.csv", "summary.json", *[n for n in RUN_FILES if n.endswith(".png")]]:
        assert (again / name).read_bytes() == (dibao_run / name).read_bytes(), name


# --- the writer on its own (fake data, no engine) ----------------------------------------

def fake_record(tmp_path: Path) -> run_directory.RunRecord:
    """A RunRecord over two replicates x two years of made-up indicators."""
    rows = [
        {"replicate": r, "year": y, "value": 0.1 * (r + y), "exits_households": r + 1}
        for r in (0, 1) for y in (2014, 2015)
    ]
    return run_directory.RunRecord(
        scenario=Scenario(name="fake"), scenario_file=tmp_path / "fake.yaml", seed=7,
        replicates=2, yearly=pd.DataFrame(rows), summary={"x": {"mean": float("nan")}},
        command_line="run.py run fake.yaml", started_at=datetime.now(UTC),
        simulation_seconds=0.0,
    )


def test_a_crash_while_writing_leaves_no_manifest(tmp_path, monkeypatch):
    out = tmp_path / "run"
    run_directory.write_run_directory(out, fake_record(tmp_path), plots=False)
    assert run_directory.is_complete_run(out)

    def crash(*_args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(run_directory, "csv_text", crash)
    with pytest.raises(RuntimeError):
        run_directory.write_run_directory(out, fake_record(tmp_path), plots=False)
    assert not run_directory.is_complete_run(out)  # the earlier run no longer looks whole


def test_summary_json_is_strict_json_with_sorted_keys(tmp_path):
    out = run_directory.write_run_directory(tmp_path / "run", fake_record(tmp_path), plots=False)
    text = (out / "summary.json").read_text()
    assert json.loads(text) == {"x": {"mean": None}}  # NaN written as null, not NaN
    assert outputs.json_text({"b": 1, "a": 2}) == '{\n  "a": 2,\n  "b": 1\n}\n'


def test_atomic_write_replaces_whole_files_and_cleans_up(tmp_path):
    target = tmp_path / "f.txt"
    outputs.atomic_write_text(target, "first\n")
    outputs.atomic_write_text(target, "second\n")
    assert target.read_text() == "second\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]
    with pytest.raises(TypeError):
        outputs.atomic_write_bytes(target, "not bytes")  # fails mid-write
    assert target.read_text() == "second\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]
