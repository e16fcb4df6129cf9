"""The household table (model/engine/household_schema.py, household_table.py, population_table.py):
loading, defaults, runs, errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.config.scenario import Scenario, load_scenario, with_overrides
from model.engine.household_schema import COLUMNS, schema_markdown
from model.engine.household_table import HouseholdTableError, read_household_table
from model.engine.population import synthesize
from model.engine.population_table import load_household_table, to_household_table
from model.engine.state import (
    DISABILITY_NONE,
    DISABILITY_PARTIAL,
    DISABILITY_SEVERE,
    SCHOOL_COLLEGE,
    SCHOOL_COMPULSORY,
    SCHOOL_HIGH,
    SCHOOL_NONE,
    SCHOOL_PRESCHOOL,
)
from model.errors import UserError
from model.simulation import Simulation
from tests.support.paths import REPO_ROOT

ROOT = REPO_ROOT
SMALL = ROOT / "tests" / "data" / "households_small.csv"
EXAMPLE_SCENARIO = ROOT / "scenarios" / "from_household_table.yaml"
REQUIRED_ONLY = "household_id,village_id,age,sex\n"


def csv_scenario(path: Path, **overrides) -> Scenario:
    """The default scenario on the household table at `path`."""
    return with_overrides(
        Scenario(),
        {"population.source": "csv", "population.households_csv": str(path), **overrides},
    )


def load(path: Path, seed: int = 1, **overrides):
    scenario = csv_scenario(path, **overrides)
    rng = np.random.default_rng(seed)
    return load_household_table(scenario.population, scenario.dynamics, rng)


def write(tmp_path: Path, text: str, name: str = "households.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- a good table ------------------------------------------------------------------------

def test_small_table_loads_with_its_values():
    persons, households, villages = load(SMALL)
    assert (persons.n, households.n, villages.n) == (20, 6, 2)
    assert households.size.tolist() == [4, 2, 4, 5, 1, 4]
    assert np.bincount(persons.household[: persons.n]).tolist() == households.size.tolist()
    assert households.village.tolist() == [0, 0, 0, 1, 1, 1]
    assert persons.age[:4].tolist() == [52, 49, 24, 17]
    assert persons.female[:4].tolist() == [False, True, False, True]
    assert persons.chronic[:6].tolist() == [True, False, False, False, True, True]
    assert persons.disability[4] == DISABILITY_PARTIAL
    assert persons.disability[6] == DISABILITY_SEVERE
    assert persons.school_stage[[3, 8, 9, 12]].tolist() == [
        SCHOOL_HIGH, SCHOOL_COMPULSORY, SCHOOL_PRESCHOOL, SCHOOL_COLLEGE
    ]
    assert persons.migrant[:4].tolist() == [False, False, True, False]
    assert persons.skill[0] == np.float32(0.9)
    assert np.all(persons.skill[: persons.n] > 0)  # blanks drawn
    assert households.land_mu.tolist() == [4.5, 2.0, 6.0, 3.2, 0.0, 2.4]
    assert households.housing_safe.tolist() == [True, False, True, True, False, True]
    assert households.insured.tolist() == [True, True, False, True, True, True]
    assert persons.alive[: persons.n].all() and not persons.episode[: persons.n].any()


def test_reimbursement_follows_insurance():
    scenario = csv_scenario(SMALL)
    _, households, _ = load(SMALL)
    health = scenario.dynamics.health
    assert households.inpatient_reimbursement.tolist() == [
        health.inpatient_reimbursement if insured else 0.0 for insured in households.insured
    ]
    assert households.outpatient_reimbursement[2] == 0.0
    assert households.outpatient_reimbursement[0] == health.outpatient_reimbursement


def test_arrays_have_the_dtypes_synthesize_gives():
    synthetic = synthesize(Scenario().population, Scenario().dynamics, np.random.default_rng(1))
    loaded = load(SMALL)
    for mine, theirs in zip(loaded, synthetic, strict=True):
        for name, value in vars(theirs).items():
            if isinstance(value, np.ndarray):
                assert getattr(mine, name).dtype == value.dtype, name


def test_households_in_order_of_first_appearance_and_members_grouped(tmp_path):
    path = write(tmp_path, REQUIRED_ONLY + "b,v2,40,M\na,v1,30,F\nb,v2,10,f\n7,v1,80,male\n"
                 "a,v1,5,FEMALE\n")
    table = read_household_table(path)
    assert table.household_ids.tolist() == ["b", "a", "7"]
    assert table.village_ids.tolist() == ["v2", "v1"]
    assert table.person_line.tolist() == [2, 4, 3, 6, 5]
    persons, households, _ = load(path)
    assert persons.household[: persons.n].tolist() == [0, 0, 1, 1, 2]
    assert persons.age[: persons.n].tolist() == [40, 10, 30, 5, 80]
    assert households.size.tolist() == [2, 2, 1]
    assert households.village.tolist() == [0, 1, 1]


def test_defaults_of_optional_columns(tmp_path):
    rows = "".join(f"{i // 4},{i // 40},{age},M\n" for i, age in enumerate(range(0, 100)))
    persons, households, _ = load(write(tmp_path, REQUIRED_ONLY + rows))
    n = persons.n
    assert not persons.chronic[:n].any() and not persons.migrant[:n].any()
    assert (persons.disability[:n] == DISABILITY_NONE).all()
    age = persons.age[:n]
    school = persons.school_stage[:n]
    assert (school[(age >= 6) & (age <= 15)] == SCHOOL_COMPULSORY).all()
    assert (school[age >= 23] == SCHOOL_NONE).all()
    assert households.housing_safe.all() and households.insured.all()
    assert (households.land_mu > 0).all() and (persons.skill[:n] > 0).all()


def test_blank_household_cells_take_the_household_value(tmp_path):
    path = write(tmp_path, REQUIRED_ONLY.strip() + ",land_mu,insured\n"
                 "1,1,40,M,3.5,0\n1,1,38,F,,\n2,1,50,M,,\n")
    _, households, _ = load(path)
    assert households.land_mu[0] == 3.5 and not households.insured[0]
    assert households.land_mu[1] > 0 and households.insured[1]  # defaults


def test_round_trip_of_a_synthetic_county(tmp_path):
    scenario = with_overrides(Scenario(), {"population.n_households": 200})
    persons, households, _ = synthesize(
        scenario.population, scenario.dynamics, np.random.default_rng(5)
    )
    path = tmp_path / "county.csv"
    to_household_table(persons, households).to_csv(path, index=False)
    loaded_persons, loaded_households, _ = load(path, seed=9)
    for name in ("household", "age", "female", "chronic", "disability", "school_stage",
                 "skill", "migrant"):
        assert np.array_equal(getattr(loaded_persons, name), getattr(persons, name)), name
    for name in ("village", "land_mu", "housing_safe", "insured", "size"):
        assert np.array_equal(getattr(loaded_households, name), getattr(households, name)), name


def test_a_given_column_leaves_the_other_draws_unchanged(tmp_path):
    """Common random numbers: giving skill must not move the income shocks or the land."""
    without = write(tmp_path, REQUIRED_ONLY + "1,1,40,M\n1,1,30,F\n2,2,60,M\n", "a.csv")
    with_skill = write(tmp_path, REQUIRED_ONLY.strip() + ",skill\n1,1,40,M,2\n1,1,30,F,1\n"
                       "2,2,60,M,1\n", "b.csv")
    _, first, first_villages = load(without)
    _, second, second_villages = load(with_skill)
    assert np.array_equal(first.income_shock_persistent, second.income_shock_persistent)
    assert np.array_equal(first.land_mu, second.land_mu)
    assert np.array_equal(first_villages.remoteness, second_villages.remoteness)


def test_utf8_with_byte_order_mark_and_chinese_sex_codes(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(("\ufeff" + REQUIRED_ONLY + "1,1,40,男\n1,1,38,女\n").encode("utf-8"))
    persons, _, _ = load(path)
    assert persons.female[:2].tolist() == [False, True]


def test_table_is_read_once_per_file_version_and_is_read_only(tmp_path):
    path = write(tmp_path, REQUIRED_ONLY + "1,1,40,M\n")
    first, _, _ = load(path)
    path.write_text(REQUIRED_ONLY + "1,1,41,M\n1,1,9,F\n", encoding="utf-8")
    second, _, _ = load(path)
    assert first.age[: first.n].tolist() == [40] and second.age[: second.n].tolist() == [41, 9]
    table = read_household_table(path)
    with pytest.raises(ValueError):
        table.person_values["age"][0] = 3


# --- runs --------------------------------------------------------------------------------

def test_simulation_on_a_household_table_runs_three_years():
    records = Simulation(csv_scenario(SMALL, years=3), seed=1).run()
    assert [r["year"] for r in records] == [2014, 2015, 2016]
    assert all(r["households"] <= 6 for r in records)


def test_same_table_and_seed_give_identical_results():
    scenario = csv_scenario(SMALL, years=3)
    first = pd.DataFrame(Simulation(scenario, seed=3).run())
    second = pd.DataFrame(Simulation(scenario, seed=3).run())
    assert first.to_csv(index=False) == second.to_csv(index=False)


def test_example_scenario_loads_and_runs(tmp_path):
    scenario = load_scenario(EXAMPLE_SCENARIO)
    assert scenario.population.source == "csv"
    assert Path(scenario.population.households_csv).is_file()
    records = Simulation(with_overrides(scenario, {"years": 2}), seed=1).run()
    assert records[0]["households"] > 250


# --- user errors -------------------------------------------------------------------------

BAD_TABLES = {
    "missing required column": ("household_id,age,sex\n1,40,M\n", "village_id", None),
    "unknown column": (REQUIRED_ONLY.strip() + ",skil\n1,1,40,M,1\n", "skil", None),
    "duplicate column": ("household_id,village_id,age,sex,age\n1,1,40,M,40\n", "age", None),
    "age not a number": (REQUIRED_ONLY + "1,1,40,M\n1,1,forty,F\n", "age", 3),
    "age above 110": (REQUIRED_ONLY + "1,1,111,M\n", "age", 2),
    "age negative": (REQUIRED_ONLY + "1,1,40,M\n1,1,-1,M\n", "age", 3),
    "age not whole": (REQUIRED_ONLY + "1,1,40.5,M\n", "age", 2),
    "age blank": (REQUIRED_ONLY + "1,1,,M\n", "age", 2),
    "sex unknown": (REQUIRED_ONLY + "1,1,40,X\n", "sex", 2),
    "village blank": (REQUIRED_ONLY + "1,,40,M\n", "village_id", 2),
    "household blank": (REQUIRED_ONLY + ",1,40,M\n", "household_id", 2),
    "negative land": (REQUIRED_ONLY.strip() + ",land_mu\n1,1,40,M,-2\n", "land_mu", 2),
    "land not a number": (REQUIRED_ONLY.strip() + ",land_mu\n1,1,40,M,3,5\n", None, 2),
    "zero skill": (REQUIRED_ONLY.strip() + ",skill\n1,1,40,M,0\n", "skill", 2),
    "bad disability": (REQUIRED_ONLY.strip() + ",disability\n1,1,40,M,blind\n", "disability", 2),
    "bad school stage": (REQUIRED_ONLY.strip() + ",school_stage\n1,1,9,M,5\n", "school_stage", 2),
    "bad boolean": (REQUIRED_ONLY.strip() + ",insured\n1,1,40,M,2\n", "insured", 2),
    "land differs in a household": (
        REQUIRED_ONLY.strip() + ",land_mu\n1,1,40,M,3\n2,1,40,M,1\n1,1,38,F,4\n", "land_mu", 4
    ),
    "village differs in a household": (REQUIRED_ONLY + "1,a,40,M\n1,b,38,F\n", "village_id", 3),
    "header only": (REQUIRED_ONLY, None, None),
    "empty file": ("", None, None),
}


@pytest.mark.parametrize("case", BAD_TABLES)
def test_bad_table_raises_a_user_error_naming_file_column_and_line(tmp_path, case):
    text, column, line = BAD_TABLES[case]
    path = write(tmp_path, text)
    with pytest.raises(UserError) as raised:
        load(path)
    message = str(raised.value)
    assert str(path) in message
    if column:
        assert f"'{column}'" in message
    if line:
        assert f"line {line}" in message or f"lines {line}" in message
    assert "Traceback" not in message


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="file not found"):
        load(tmp_path / "nowhere.csv")


def test_unknown_column_lists_the_allowed_ones_and_guesses(tmp_path):
    path = write(tmp_path, REQUIRED_ONLY.strip() + ",skil\n1,1,40,M,1\n")
    with pytest.raises(HouseholdTableError) as raised:
        read_household_table(path)
    message = str(raised.value)
    assert "did you mean 'skill'" in message
    assert all(column.name in message for column in COLUMNS)


def test_every_problem_is_reported_at_once_with_the_first_few_lines(tmp_path):
    rows = "".join(f"1,1,{age},M\n" for age in (200, 201, 202, 203, 204, 205, 206))
    path = write(tmp_path, REQUIRED_ONLY + rows + "1,2,40,Q\n")
    with pytest.raises(HouseholdTableError) as raised:
        read_household_table(path)
    problems = raised.value.problems
    assert len(problems) == 3  # age range, sex, village within household
    assert "lines 2 ('200'), 3 ('201'), 4 ('202'), 5 ('203'), 6 ('204') and 2 more" in problems[0]


def test_semicolon_separated_file_gets_a_hint(tmp_path):
    path = write(tmp_path, "household_id;village_id;age;sex\n1;1;40;M\n")
    with pytest.raises(HouseholdTableError, match="must use commas"):
        read_household_table(path)


def test_trailing_commas_are_ignored_but_an_unnamed_column_with_values_is_not(tmp_path):
    persons, _, _ = load(write(tmp_path, "household_id,village_id,age,sex,\n1,1,40,M,\n"))
    assert persons.n == 1
    path = write(tmp_path, "household_id,,village_id,age,sex\n1,x,1,40,M\n", "unnamed.csv")
    with pytest.raises(HouseholdTableError, match="column 2 holds values but has no name"):
        read_household_table(path)


def test_non_utf8_file_is_a_user_error(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes((REQUIRED_ONLY + "1,新庄,40,男\n").encode("gbk"))
    with pytest.raises(UserError, match="UTF-8"):
        read_household_table(path)


def test_blank_lines_are_skipped_and_line_numbers_stay_exact(tmp_path):
    path = write(tmp_path, REQUIRED_ONLY + "1,1,40,M\n\n,,,\n1,1,400,M\n")
    with pytest.raises(HouseholdTableError, match=r"line 5 \('400'\)"):
        read_household_table(path)


# --- documentation and command line ------------------------------------------------------

def test_docs_show_the_schema_as_the_code_defines_it():
    docs = (ROOT / "docs" / "household_table.md").read_text(encoding="utf-8")
    assert schema_markdown() in docs


def run_py(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "run.py", *map(str, args)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("command", ["run", "validate"])
def test_a_bad_table_exits_2_with_the_message_before_any_run(tmp_path, command):
    write(tmp_path, REQUIRED_ONLY + "1,1,400,M\n", "bad.csv")
    write(tmp_path, "population:\n  source: csv\n  households_csv: bad.csv\n", "scenario.yaml")
    extra = ["--years", "1", "--quiet", "--out", tmp_path / "out"] if command == "run" else []
    result = run_py(command, tmp_path / "scenario.yaml", *extra)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    assert "'age'" in result.stderr and "line 2" in result.stderr
    assert "bad.csv" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_households_option_is_refused_for_a_household_table(tmp_path):
    result = run_py("run", EXAMPLE_SCENARIO, "--households", "50", "--quiet",
                    "--out", tmp_path / "out")
    assert result.returncode == 2 and "--households 50" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_run_of_the_example_scenario_writes_a_run_directory(tmp_path):
    result = run_py("run", EXAMPLE_SCENARIO, "--years", "2", "--quiet", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    yearly = pd.read_csv(tmp_path / "out" / "yearly.csv")
    assert yearly["year"].tolist() == [2014, 2015]
