"""The population from a household table (model/engine/population_table.py): values,
defaults, draws, the file cache, round trip, runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.config.scenario import Scenario, load_scenario, with_overrides
from model.engine.household_schema import BOOLEAN_CODES, COLUMN_BY_NAME, DISABILITY_CODES
from model.engine.household_table import read_household_table
from model.engine.population import synthesize
from model.engine.population_table import to_household_table
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
from model.simulation import Simulation
from tests.support.cli import run_cli
from tests.support.household_tables import (
    EXAMPLE_SCENARIO,
    REQUIRED_ONLY,
    SMALL,
    csv_scenario,
    load,
    write,
)

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


def test_run_of_the_example_scenario_writes_a_run_directory(tmp_path):
    result = run_cli("run", EXAMPLE_SCENARIO, "--years", "2", "--quiet", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    yearly = pd.read_csv(tmp_path / "out" / "yearly.csv")
    assert yearly["year"].tolist() == [2014, 2015]


def test_the_defaults_the_schema_states_are_those_a_table_without_the_column_gets(tmp_path):
    """docs/household_table.md shows each optional column's default from the schema
    (`Column.default`); a table with the required columns only gets exactly those values."""
    rows = "".join(f"{i // 4},{i // 40},{age},M\n" for i, age in enumerate(range(0, 100)))
    persons, households, _ = load(write(tmp_path, REQUIRED_ONLY + rows))
    n = persons.n
    coded = {  # column: (its array, the codes its cells are read with)
        "chronic_illness": (persons.chronic[:n], BOOLEAN_CODES),
        "disability": (persons.disability[:n], DISABILITY_CODES),
        "migrant": (persons.migrant[:n], BOOLEAN_CODES),
        "housing_safe": (households.housing_safe, BOOLEAN_CODES),
        "insured": (households.insured, BOOLEAN_CODES),
    }
    for name, (array, codes) in coded.items():
        stated = COLUMN_BY_NAME[name].default
        assert (array == codes[stated]).all(), (name, stated)
    drawn = {"skill": persons.skill[:n], "land_mu": households.land_mu}
    for name, array in drawn.items():  # "drawn (...)": the values vary
        assert COLUMN_BY_NAME[name].default.startswith("drawn"), name
        assert np.unique(array).size > 1, name
    stated_somewhere = set(coded) | set(drawn) | {"school_stage"}  # school: by age (above)
    optional = {column.name for column in COLUMN_BY_NAME.values() if not column.required}
    assert optional == stated_somewhere
