"""Population from a household table: a county's own registry as the population, and back.

`load_household_table` reads a household table (model.engine.household_table) and
returns the same arrays as `model.engine.population.synthesize`, so the rest of the model
cannot tell a registry from a synthetic county; `to_household_table` writes a population
out as such a table.

Columns left out (or cells left blank) take the defaults documented in
docs/household_table.md. Drawn defaults come from the population stream in a fixed order,
for every row whether or not the table gives the value, so that adding a column changes
only that column's values (common random numbers, as in model.engine.rng).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd

from model.engine.dynamics import stationary_persistent_sd
from model.engine.household_schema import DISABILITY_CODES, SCHOOL_CODES
from model.engine.household_table import HouseholdTable, read_household_table
from model.engine.params.dynamics import DynamicsParams
from model.engine.params.population import PopulationParams
from model.engine.population import school_stage_for_age, synthesize_villages
from model.engine.state import (
    DISABILITY_NONE,
    LABOUR_NONE,
    Households,
    Persons,
    Villages,
)
from model.errors import UserError

# --- arrays ------------------------------------------------------------------------------

def load_household_table(
    population: PopulationParams, dynamics: DynamicsParams, rng: np.random.Generator
) -> tuple[Persons, Households, Villages]:
    """The population of `population.households_csv`, as `synthesize` returns it."""
    if not population.households_csv:
        raise UserError("population.households_csv: required when population.source is csv; "
                        "name the household table (CSV) to load")
    path = Path(population.households_csv)
    table = _read_household_table_cached(str(path), *_file_stamp(path))
    return build_population(table, population, dynamics, rng)


def _file_stamp(path: Path) -> tuple[int, int]:
    """Modification time and size: a changed file is read again, an unchanged one is not."""
    try:
        stat = path.stat()
    except OSError:
        return -1, -1  # read_household_table reports the missing file
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=2)
def _read_household_table_cached(path: str, mtime_ns: int, size: int) -> HouseholdTable:
    """Replicates of a run read the table once (its arrays are read-only, so it is shared)."""
    return read_household_table(path)


def build_population(
    table: HouseholdTable, population: PopulationParams, dynamics: DynamicsParams,
    rng: np.random.Generator,
) -> tuple[Persons, Households, Villages]:
    """Arrays from a validated table; blanks filled with the defaults of docs/household_table.md.

    Draws, in this order and for every row: villages, school continuation and skill per
    person, land and the persistent income shock per household.
    """
    h = population.households
    size = table.household_size
    villages = synthesize_villages(table.village_ids.size, population, rng)
    school_draw = rng.random(size.sum())
    drawn_skill = np.exp(rng.normal(-0.5 * h.skill_sd**2, h.skill_sd, size.sum()))
    drawn_land = size * h.land_mu_per_person_mean * np.exp(
        rng.normal(-0.5 * h.land_sd**2, h.land_sd, size.size)
    )
    persistent_shock = rng.normal(0, stationary_persistent_sd(dynamics.income), size.size)

    persons = _persons(table, dynamics, school_draw, drawn_skill)
    households = _households(table, dynamics, drawn_land, persistent_shock)
    households.size[:] = size
    return persons, households, villages


def _given_or(table_values: dict[str, np.ndarray], name: str, default: np.ndarray | float,
              n: int) -> np.ndarray:
    """The column's values where given, `default` where blank or the column is absent."""
    values = table_values.get(name, np.full(n, np.nan))
    return np.where(np.isnan(values), default, values)


def _persons(table: HouseholdTable, dynamics: DynamicsParams, school_draw: np.ndarray,
             drawn_skill: np.ndarray) -> Persons:
    """Person arrays in household order, like `synthesize_persons` fills them."""
    values, total = table.person_values, table.person_household.size
    age = values["age"].astype(np.int16)
    schooling = dynamics.schooling
    school_by_age = school_stage_for_age(
        age, school_draw, schooling.high_school_entry, schooling.college_entry
    )
    return Persons(
        household=table.person_household.astype(np.intp),
        age=age,
        female=values["sex"] == 1,
        alive=np.ones(total, dtype=bool),
        chronic=_given_or(values, "chronic_illness", 0, total) == 1,
        episode=np.zeros(total, dtype=bool),
        disability=_given_or(values, "disability", DISABILITY_NONE, total).astype(np.int8),
        school_stage=_given_or(values, "school_stage", school_by_age, total).astype(np.int8),
        skill=_given_or(values, "skill", drawn_skill, total).astype(np.float32),
        migrant=_given_or(values, "migrant", 0, total) == 1,
        labour=np.full(total, LABOUR_NONE, dtype=np.int8),
        inpatient_cost=np.zeros(total, dtype=np.float32),
        chronic_cost=np.zeros(total, dtype=np.float32),
        n=total,
    )


def _households(table: HouseholdTable, dynamics: DynamicsParams, drawn_land: np.ndarray,
                persistent_shock: np.ndarray) -> Households:
    """Household arrays, reimbursement following insurance as in `synthesize`."""
    values, n = table.household_values, table.household_ids.size
    insured = _given_or(values, "insured", 1, n) == 1
    health = dynamics.health
    return Households(
        village=table.household_village.astype(np.intp),
        land_mu=_given_or(values, "land_mu", drawn_land, n),
        housing_safe=_given_or(values, "housing_safe", 1, n) == 1,
        insured=insured,
        inpatient_reimbursement=np.where(insured, health.inpatient_reimbursement, 0.0),
        outpatient_reimbursement=np.where(insured, health.outpatient_reimbursement, 0.0),
        income_shock_persistent=persistent_shock,
    )


# --- writing -----------------------------------------------------------------------------


def names_by_code(codes: dict[str, int]) -> np.ndarray:
    """The word a table writes for each code, indexed by the code: the first name of the
    schema's codes that gives it ("none", not "0")."""
    words: dict[int, str] = {}
    for name, code in codes.items():
        words.setdefault(code, name)
    return np.array([words[code] for code in range(len(words))])


SCHOOL_NAMES = names_by_code(SCHOOL_CODES)
DISABILITY_NAMES = names_by_code(DISABILITY_CODES)


def to_household_table(persons: Persons, households: Households) -> pd.DataFrame:
    """A population's living persons as a household table with every column (ids from 1).

    The inverse of `read_household_table` for the columns the table holds: useful as a
    template for a county and to make example tables from a synthetic county.
    """
    n = persons.n
    rows = np.flatnonzero(persons.alive[:n])
    household = persons.household[:n][rows]
    return pd.DataFrame({
        "household_id": household + 1,
        "village_id": households.village[household] + 1,
        "age": persons.age[:n][rows],
        "sex": np.where(persons.female[:n][rows], "F", "M"),
        "chronic_illness": persons.chronic[:n][rows].astype(np.int8),
        "disability": DISABILITY_NAMES[persons.disability[:n][rows]],
        "school_stage": SCHOOL_NAMES[persons.school_stage[:n][rows]],
        "skill": persons.skill[:n][rows],
        "migrant": persons.migrant[:n][rows].astype(np.int8),
        "land_mu": households.land_mu[household],
        "housing_safe": households.housing_safe[household].astype(np.int8),
        "insured": households.insured[household].astype(np.int8),
    })
