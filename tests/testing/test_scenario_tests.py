"""Scenario tests (`run.py test`, `run.py pin`, the pytest plugin): expectations are judged
on the interval `compare` states, pins reproduce exactly, bad input exits 2 naming the key.

Every statistical expectation here is chosen so its outcome is certain at the size run:
a final-year incidence of about 0.2 (5 replicates, half-width about 0.01) is surely below
0.9 and surely not below 0.01; a bound set at the measured mean lies inside any interval
of positive width, so that expectation is undecided whatever the replicates.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from model.analysis.comparison import comparison_table
from model.analysis.replicates import simulate
from model.cli.commands import main
from model.config.scenario import load_scenario, with_overrides
from model.report.pins import check_pin, pin_path, read_pin
from model.testing.suite import Settings, run_suite, scenario_files, scenario_hash
from tests.support.cli import assert_user_error, run_cli
from tests.support.paths import REPO_ROOT, SCENARIOS

HOUSEHOLDS, REPLICATES = 1500, 5
SMALL = ("--households", str(HOUSEHOLDS), "--replicates", str(REPLICATES))
BASE = SCENARIOS / "baseline_calibrated.yaml"


INCIDENCE = "  - {indicator: incidence_persons, year: final, "
"""The start of an expectation on the final-year incidence (about 0.2 at this size)."""


def scenario_file(folder: Path, name: str, expect: str, parent: Path = BASE) -> Path:
    """A scenario extending `parent` with the given `expect:` block text."""
    path = folder / f"{name}.yaml"
    path.write_text(f"extends: {parent}\nname: {name}\nexpect:\n{expect}", encoding="utf-8")
    return path


def cli(capsys, *args) -> tuple[int, str, str]:
    """`run.py ARGS` in this process on one worker (no interpreter start-up per call):
    exit code, stdout and stderr."""
    code = main([*map(str, args), *(["--workers", "1"] if args[0] in ("test", "pin") else [])])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def measured_incidence(path: Path) -> float:
    """The final-year incidence the suite measures for `path` at the tests' size."""
    probe = path.with_name("probe.yaml")
    probe.write_text(path.read_text(encoding="utf-8").split("expect:")[0] + "expect:\n"
                     "  - {indicator: incidence_persons, year: final, below: 1}\n")  # fmt: skip
    settings = Settings(replicates=REPLICATES, households=HOUSEHOLDS, workers=1)
    (result,) = run_suite([probe], settings)
    probe.unlink()
    return result.verdicts[0].estimate


def test_a_true_a_false_and_an_undecided_expectation_exit_1_and_count_in_junit(tmp_path):
    path = scenario_file(tmp_path, "three", f"{INCIDENCE}below: 0.9}}\n{INCIDENCE}below: 0.01}}\n")
    mean = measured_incidence(path)
    path.write_text(path.read_text() + f"  - {{indicator: incidence_persons, year: final, "
                    f"above: {mean!r}}}\n")  # fmt: skip
    junit = tmp_path / "results.xml"
    result = run_cli("test", path, *SMALL, "--junit", junit)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    outcomes = [line.split()[0] for line in lines if line.startswith("  ")]
    assert outcomes == ["holds", "fails", "undecided"], result.stdout
    assert "the whole interval is above 0.01" in result.stdout
    assert "run more replicates" in result.stdout and "undecided is not a failure" in result.stdout
    assert "1 hold, 1 fail, 1 undecided" in result.stdout
    root = ElementTree.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("3", "1", "1")
    cases = root.findall("testsuite/testcase")
    assert [c.find("failure") is not None for c in cases] == [False, True, False]
    assert [c.find("skipped") is not None for c in cases] == [False, False, True]


def test_holding_expectations_exit_0(tmp_path, capsys):
    path = scenario_file(tmp_path, "fine", f"{INCIDENCE}below: 0.9}}\n")
    code, out, err = cli(capsys, "test", path, *SMALL)
    assert code == 0, out + err
    assert "1 hold, 0 fail, 0 undecided" in out


def test_against_is_the_paired_difference_compare_reports(tmp_path):
    """The suite's difference to another scenario is comparison.csv's paired difference
    (same replicates of the same seed), to the last bit."""
    path = scenario_file(
        tmp_path, "dibao", f"  - {{indicator: incidence_persons_final_year, against: {BASE}, "
        "difference_below: 0}\n", parent=SCENARIOS / "five_batches.yaml",
    )  # fmt: skip
    settings = Settings(replicates=REPLICATES, households=HOUSEHOLDS, workers=2)
    (result,) = run_suite([path], settings)
    verdict = result.verdicts[0]
    size = {"population.n_households": HOUSEHOLDS}
    runs = {
        name: simulate(with_overrides(load_scenario(file), size), 2014, REPLICATES).headlines()
        for name, file in (("base", BASE), ("dibao", path))
    }
    row = comparison_table(runs).set_index(["scenario", "indicator"]).loc[
        ("dibao", "incidence_persons_final_year")
    ]
    assert (verdict.estimate, verdict.low, verdict.high) == (
        row["difference"], row["difference_low"], row["difference_high"]
    )
    assert verdict.outcome == "holds", verdict  # the package lowers poverty (paired, R=5)


def test_bad_expectations_exit_2_naming_file_key_and_what_is_allowed(tmp_path, capsys):
    path = scenario_file(tmp_path, "bad",
        "  - {indicator: incidence_of_joy, year: final, below: 0.1}\n"
        f"{INCIDENCE}below: low}}\n{INCIDENCE}between: [0.3, 0.1]}}\n"
        f"{INCIDENCE}against: missing.yaml, difference_below: 0}}\n"
    )  # fmt: skip
    result = run_cli("test", path, *SMALL)
    assert_user_error(
        result, str(path), "expect.1.below: must be a number (got 'low')",
        "expect.2.between: low 0.3 must be below high 0.1",
        f"expect.3.against: file not found: {tmp_path / 'missing.yaml'}",
    )  # fmt: skip
    fixed = path.read_text().replace("below: low", "below: 0.2").replace("[0.3, 0.1]", "[0.1, 0.3]")
    path.write_text(fixed.replace("missing.yaml", str(BASE)))
    code, _, err = cli(capsys, "test", path, *SMALL)
    assert code == 2 and "Traceback" not in err
    for fragment in (f"{path}: expect.0.indicator: unknown indicator 'incidence_of_joy'",
                     "allowed: yearly.csv columns (", "incidence_persons_final_year"):
        assert fragment in err, err  # fmt: skip


def test_expectations_change_no_run_and_are_not_inherited(tmp_path):
    plain = tmp_path / "plain.yaml"
    plain.write_text(f"extends: {BASE}\nname: same\n")
    tested = scenario_file(tmp_path, "tested", "  - {indicator: spending_total, below: 1}\n")
    tested.write_text(tested.read_text().replace("name: tested", "name: same"))
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {tested}\nname: same\n")
    loaded = {p.stem: load_scenario(p) for p in (plain, tested, child)}
    assert len(loaded["tested"].expect) == 1 and loaded["child"].expect == []
    assert loaded["plain"].to_yaml() == loaded["tested"].to_yaml() == loaded["child"].to_yaml()
    small = {"population.n_households": 300, "years": 3}
    runs = [simulate(with_overrides(loaded[n], small), 5, 1).yearly for n in ("plain", "tested")]
    assert runs[0].to_csv().encode() == runs[1].to_csv().encode()
    assert with_overrides(loaded["tested"], small).expect == loaded["tested"].expect


def test_a_pin_reproduces_exactly_and_a_changed_parameter_names_the_moved_figures(
    tmp_path, capsys
):
    path = tmp_path / "pinned.yaml"
    path.write_text(f"extends: {BASE}\nname: pinned\n")
    code, _, err = cli(capsys, "pin", path, "--households", 800, "--replicates", 2, "--years", 4)
    assert code == 0, err
    pin = read_pin(pin_path(path))
    assert (pin.seed, pin.replicates, pin.households, pin.years) == (2014, 2, 800, 4)
    assert pin.packages["numpy"] and pin.code_version and len(pin.figures) > 20
    code, _, err = cli(capsys, "pin", path)
    assert code == 2 and "already pinned" in err and "--update" in err

    code, out, err = cli(capsys, "test", path, "--replicates", 2)
    assert code == 0, out + err
    assert f"reproduces all {len(pin.figures)} pinned figures exactly" in out

    path.write_text(path.read_text() + "policy: {exit: {income_margin: 0.25}}\n")
    junit = tmp_path / "moved.xml"
    code, out, err = cli(capsys, "test", path, "--replicates", 2, "--junit", junit)
    assert code == 1, out + err
    assert "figures moved (must reproduce exactly)" in out
    assert "the resolved scenario changed" in out
    assert " -> " in out  # the largest moves are named, with their old and new value
    assert "exits_households_total " in junit.read_text()  # which lists every move

    code, out, _ = cli(capsys, "test", path, "--replicates", 2, "--update")
    assert code == 0 and "re-pinned" in out, out
    assert cli(capsys, "test", path, "--replicates", 2)[0] == 0


def test_a_package_difference_allows_drift_within_the_stated_tolerance(tmp_path, capsys):
    """Within the pin's relative tolerance a figure drifts (holds) when a package version
    differs; with the same packages the same difference is a move (fails)."""
    path = tmp_path / "drift.yaml"
    path.write_text(f"extends: {BASE}\nname: drift\n")
    code, _, err = cli(capsys, "pin", path, "--households", 500, "--replicates", 2, "--years", 3)
    assert code == 0, err
    pin = read_pin(pin_path(path))
    figures = dict(pin.figures)
    name = "poverty_gap_yuan_total"
    figures[name] = pin.figures[name] * (1 + pin.drift_tolerance / 10)
    digest = scenario_hash(load_scenario(path))
    same_packages = check_pin(pin, figures, digest)
    assert not same_packages.holds and [m.name for m in same_packages.failed] == [name]
    pin.packages = {**pin.packages, "numpy": "0.0-other"}
    drifted = check_pin(pin, figures, digest)
    assert drifted.holds and [m.name for m in drifted.drifted] == [name]
    assert "numpy 0.0-other ->" in drifted.summary() and "drifted within" in drifted.summary()
    figures[name] = pin.figures[name] * (1 + pin.drift_tolerance * 10)
    assert not check_pin(pin, figures, digest).holds


def test_a_broken_pin_file_exits_2_naming_it(tmp_path, capsys):
    path = tmp_path / "broken.yaml"
    path.write_text(f"extends: {BASE}\nname: broken\n")
    pin_path(path).write_text('{"seed": "x"}')
    code, _, err = cli(capsys, "test", path)
    assert code == 2 and f"{pin_path(path)}: " in err and "missing" in err, err


@pytest.mark.statistical
def test_the_library_expectations_none_fails_with_few_replicates():
    """Expectation: every expectation of scenarios/ holds or is undecided at the library's
    county size (10,000 households) over 4 paired replicates (they were stated with a
    margin over 10 replicates); at least half are decided, so the run says something.
    The library's capacities are households a year, not shares, so a smaller county runs
    a different mix: the expectations are stated for the library's size."""
    results = run_suite(scenario_files([SCENARIOS]), Settings(replicates=4, households=10_000))
    verdicts = [v for r in results for v in r.verdicts]
    failed = [f"{r.plan.file.name}: {v.expectation.label}" for r in results for v in r.verdicts
              if v.outcome == "fails"]  # fmt: skip
    assert not failed, failed
    assert len(results) >= 10 and sum(v.outcome == "holds" for v in verdicts) >= len(verdicts) / 2


def test_pytest_collects_the_same_checks_from_scenario_files(tmp_path):
    expect = f"{INCIDENCE}below: 0.9}}\n{INCIDENCE}below: 0.01}}\n"
    path = scenario_file(tmp_path, "collected", expect)
    (tmp_path / "not_a_test.yaml").write_text("name: x\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path),
         "--scenario-households", str(HOUSEHOLDS), "--scenario-replicates", str(REPLICATES),
         "--rootdir", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout, result.stdout
    assert f"{path}: fails: incidence_persons final below 0.01" in result.stdout


def test_the_plugin_is_registered_and_collects_nothing_from_the_projects_tests(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("poverty_scenarios")
    assert not list((REPO_ROOT / "tests").rglob("*.pinned.json"))
    assert not [p for p in (REPO_ROOT / "tests").rglob("*.yaml") if "expect:" in p.read_text()]
