"""Household table: a county's own registry (CSV, one row per person) as the population.

A registry export lists every member of every household, with the household's
fields repeated on each member's row. `load_household_table` reads such a table and
returns the same arrays as `model.engine.population.synthesize`, so the rest of the model
cannot tell a registry from a synthetic county. The column schema is `COLUMNS`,
documented for users in docs/household_table.md.

Everything a user can get wrong in the file is reported as a `HouseholdTableError`
(a `UserError`): the file, the column, the first few line numbers and what is allowed,
with every problem found listed at once so that a county fixes its export in one go.

Columns left out (or cells left blank) take documented defaults. Drawn defaults come
from the population stream in a fixed order, for every row whether or not the table
gives the value, so that adding a column changes only that column's values (common
random numbers, as in model.engine.rng).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.engine.dynamics import stationary_persistent_sd
from model.engine.params.dynamics import DynamicsParams
from model.engine.params.population import PopulationParams
from model.engine.population import school_stage_for_age, synthesize_villages
from model.engine.state import (
    DISABILITY_NONE,
    DISABILITY_PARTIAL,
    DISABILITY_SEVERE,
    LABOUR_NONE,
    SCHOOL_COLLEGE,
    SCHOOL_COMPULSORY,
    SCHOOL_HIGH,
    SCHOOL_NONE,
    SCHOOL_PRESCHOOL,
    Households,
    Persons,
    Villages,
)
from model.errors import UserError

MAX_AGE = 110
LINES_SHOWN = 5  # line numbers quoted per problem; the rest are counted
ENCODING = "utf-8-sig"  # UTF-8, with or without the byte-order mark Excel writes

BOOLEAN_CODES = {"0": 0, "1": 1, "false": 0, "true": 1, "no": 0, "yes": 1}
SEX_CODES = {"m": 0, "male": 0, "男": 0, "f": 1, "female": 1, "女": 1}
DISABILITY_CODES = {
    "none": DISABILITY_NONE, "partial": DISABILITY_PARTIAL, "severe": DISABILITY_SEVERE,
    "0": DISABILITY_NONE, "1": DISABILITY_PARTIAL, "2": DISABILITY_SEVERE,
}
SCHOOL_CODES = {
    "none": SCHOOL_NONE, "preschool": SCHOOL_PRESCHOOL, "compulsory": SCHOOL_COMPULSORY,
    "high_school": SCHOOL_HIGH, "college": SCHOOL_COLLEGE,
    "0": SCHOOL_NONE, "1": SCHOOL_PRESCHOOL, "2": SCHOOL_COMPULSORY, "3": SCHOOL_HIGH,
    "4": SCHOOL_COLLEGE,
}


class HouseholdTableError(UserError):
    """Problems in a household table, each naming the column and the lines."""

    def __init__(self, path: str | Path, problems: list[str]):
        self.path = str(path)
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        header = f"household table {self.path} is invalid ({count} {noun}):"
        return header + "\n" + "\n".join(f"  - {p}" for p in self.problems)


# --- the schema --------------------------------------------------------------------------

PERSON, HOUSEHOLD, KEY = "person", "household", "key"


@dataclass(frozen=True)
class Column:
    """One column of the table: whether it is required, at which level, what it may hold."""

    name: str
    required: bool
    level: str  # PERSON: per member; HOUSEHOLD: same on every row of a household; KEY: an id
    allowed: str  # what a cell may hold, quoted in error messages and the docs
    default: str  # what a missing column or blank cell means, for the docs
    meaning: str  # with units, for the docs


BOOLEAN_ALLOWED = "0 or 1 (also false/true, no/yes)"

COLUMNS: tuple[Column, ...] = (
    Column("household_id", True, KEY, "any text or number, unique in the county", "-",
           "the household (a registry household number); its rows may be anywhere in the file"),
    Column("village_id", True, HOUSEHOLD, "any text or number", "-",
           "the administrative village the household lives in"),
    Column("age", True, PERSON, f"a whole number of years from 0 to {MAX_AGE}", "-",
           "age in completed years in the identification year"),
    Column("sex", True, PERSON, "M or F (also male/female, 男/女; any case)", "-", "sex"),
    Column("chronic_illness", False, PERSON, BOOLEAN_ALLOWED, "0",
           "1 if the person has a chronic illness needing regular care"),
    Column("disability", False, PERSON, "none, partial or severe (or 0, 1, 2)", "none",
           "partial: able to do at most partial labour; severe: unable to work"),
    Column("school_stage", False, PERSON,
           "none, preschool, compulsory, high_school or college (or 0-4)",
           "by age, continuation drawn",
           "the stage the person is enrolled in (college includes vocational)"),
    Column("skill", False, PERSON, "a number greater than 0", "drawn (lognormal, mean 1)",
           "wage multiplier, 1 = an average worker's wage"),
    Column("migrant", False, PERSON, BOOLEAN_ALLOWED, "0",
           "1 if the person works away from the village"),
    Column("land_mu", False, HOUSEHOLD, "a number >= 0", "drawn (lognormal, by size)",
           "farmland the household holds, in mu"),
    Column("housing_safe", False, HOUSEHOLD, BOOLEAN_ALLOWED, "1",
           "0 if the house is rated dangerous"),
    Column("insured", False, HOUSEHOLD, BOOLEAN_ALLOWED, "1",
           "1 if the household is enrolled in basic medical insurance"),
)
COLUMN_BY_NAME = {column.name: column for column in COLUMNS}
ALLOWED_NAMES = ", ".join(column.name for column in COLUMNS)


def schema_markdown() -> str:
    """The column schema as a Markdown table, as docs/household_table.md shows it."""
    rows = [
        "| column | required | level | allowed values | default | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for c in COLUMNS:
        rows.append(f"| `{c.name}` | {'yes' if c.required else 'no'} | {c.level} | "
                    f"{c.allowed} | {c.default} | {c.meaning} |")
    return "\n".join(rows)


# --- the table as read -------------------------------------------------------------------

@dataclass(frozen=True)
class HouseholdTable:
    """A validated household table, persons grouped by household in order of first appearance.

    Values are float64 with NaN where the cell was blank or the column absent, so the
    defaults can be filled later from the scenario's parameters and the random stream.
    """

    path: str
    household_ids: np.ndarray  # the id text of each household row
    village_ids: np.ndarray  # the id text of each village row
    household_village: np.ndarray  # village row of each household
    person_household: np.ndarray  # household row of each person, non-decreasing
    person_line: np.ndarray  # line of the file each person comes from
    person_values: dict[str, np.ndarray]  # PERSON columns, one value per person
    household_values: dict[str, np.ndarray]  # HOUSEHOLD columns, one value per household

    @property
    def household_size(self) -> np.ndarray:
        """Members per household (int32), as the table lists them."""
        return np.bincount(self.person_household, minlength=self.household_ids.size).astype(
            np.int32
        )


def read_household_table(path: str | Path) -> HouseholdTable:
    """Read and validate a household table; raise HouseholdTableError listing every problem."""
    cells, lines = _read_cells(Path(path))
    problems: list[str] = []
    values = {}
    for column in COLUMNS:  # problems come in schema order, blanks before bad values
        if column.name in cells.columns:
            _check_required_cells(column, cells[column.name], lines, problems)
            if column.level != KEY:
                values[column.name] = _parse_column(column, cells[column.name], lines, problems)
    household_codes, household_ids = pd.factorize(cells["household_id"])
    first_row = _first_row_of_each_household(household_codes, household_ids.size)
    for name in values:
        if COLUMN_BY_NAME[name].level == HOUSEHOLD:
            _check_same_in_household(
                name, cells, values[name], lines, household_codes, household_ids, problems
            )
    if problems:
        raise HouseholdTableError(path, problems)
    return _group_by_household(
        path, cells, values, lines, household_codes, household_ids, first_row
    )


def _read_cells(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """The data cells as stripped text ('' where blank) and the file line of each row.

    Read without a header so that duplicate column names reach the check and line numbers
    stay exact: blank lines are kept while counting, then dropped.
    """
    if not path.is_file():
        raise HouseholdTableError(path, [
            "file not found; population.households_csv must name an existing CSV file "
            "(a relative path is taken from the scenario file's folder)"
        ])
    try:
        raw = pd.read_csv(
            path, header=None, dtype=str, keep_default_na=False, na_filter=False,
            skip_blank_lines=False, encoding=ENCODING,
        )
    except pd.errors.EmptyDataError:
        raise HouseholdTableError(path, ["the file is empty; it needs a header line and one "
                                         "line per person"]) from None
    except pd.errors.ParserError as exc:
        raise HouseholdTableError(path, [f"not a readable CSV file: {str(exc).strip()}"]) from None
    except UnicodeDecodeError:
        raise HouseholdTableError(path, [
            "not UTF-8 text; save the table as 'CSV UTF-8' (Excel: Save As, CSV UTF-8)"
        ]) from None
    except OSError as exc:
        raise HouseholdTableError(path, [f"cannot be read: {exc.strerror or exc}"]) from None
    raw = raw.fillna("").astype(str).apply(lambda column: column.str.strip())
    header = [name.lower() for name in raw.iloc[0]]
    cells = raw.iloc[1:]
    cells = cells.loc[:, [bool(name) or (cells[i] != "").any() for i, name in enumerate(header)]]
    header = [header[i] for i in cells.columns]
    _check_header(path, header, column_numbers=[i + 1 for i in cells.columns])
    cells.columns = header
    cells = cells[(cells != "").any(axis=1)]
    if cells.empty:
        raise HouseholdTableError(path, ["the table has no data lines; it needs one line per "
                                         "person after the header"])
    lines = cells.index.to_numpy() + 1  # row 0 is the header, on line 1
    return cells.reset_index(drop=True), lines


def _check_header(path: Path, header: list[str], column_numbers: list[int]) -> None:
    """Refuse unnamed, duplicate, unknown and missing columns before reading any value.

    An unnamed column that is blank throughout (trailing commas) was dropped already.
    """
    problems = []
    unnamed = [str(number) for number, name in zip(column_numbers, header, strict=True)
               if not name]
    if unnamed:
        verbs = "hold values but have" if len(unnamed) > 1 else "holds values but has"
        problems.append(f"column{'s' if len(unnamed) > 1 else ''} {', '.join(unnamed)} "
                        f"{verbs} no name in the header line")
    duplicates = sorted({name for name in header if name and header.count(name) > 1})
    if duplicates:
        problems.append(f"column{'s' if len(duplicates) > 1 else ''} "
                        f"{_quoted(duplicates)} {'appear' if len(duplicates) > 1 else 'appears'} "
                        "more than once in the header line")
    unknown = [name for name in header if name and name not in COLUMN_BY_NAME]
    if unknown:
        hint = _unknown_column_hint(unknown)
        problems.append(f"unknown column{'s' if len(unknown) > 1 else ''} {_quoted(unknown)}"
                        f"{hint}; allowed columns: {ALLOWED_NAMES}")
    missing = [c.name for c in COLUMNS if c.required and c.name not in header]
    if missing:
        required = ", ".join(c.name for c in COLUMNS if c.required)
        problems.append(f"missing required column{'s' if len(missing) > 1 else ''} "
                        f"{_quoted(missing)}; every table needs {required}")
    if problems:
        raise HouseholdTableError(path, problems)


def _check_required_cells(
    column: Column, text: pd.Series, lines: np.ndarray, problems: list[str]
) -> None:
    """A required column may not have blank cells."""
    blank = (text == "").to_numpy()
    if column.required and blank.any():
        problems.append(f"column '{column.name}': blank on {_lines(lines, blank)}; "
                        "it is required on every line")


# --- parsing one column ------------------------------------------------------------------

def _parse_column(
    column: Column, text: pd.Series, lines: np.ndarray, problems: list[str]
) -> np.ndarray:
    """Values of one column as float64, NaN where blank; bad cells are added to `problems`."""
    parse = PARSERS[column.name]
    values, not_parsed, out_of_range = parse(text)
    given = (text != "").to_numpy()
    not_parsed_is = "not a number" if column.name in NUMERIC_COLUMNS else "not an allowed value"
    for bad, what in ((given & not_parsed, not_parsed_is), (given & out_of_range, "out of range")):
        if bad.any():
            problems.append(f"column '{column.name}': {what} on {_lines(lines, bad, text)}; "
                            f"allowed: {column.allowed}")
    return np.where(given, values, np.nan)


Parser = Callable[[pd.Series], tuple[np.ndarray, np.ndarray, np.ndarray]]


def _on_distinct_values(parse: Parser) -> Parser:
    """Run `parse` once per distinct cell text: a registry column holds few distinct values,
    and string work per distinct value is far cheaper than per person."""
    def parse_column(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        codes, distinct = pd.factorize(text)
        values, not_parsed, out_of_range = parse(pd.Series(distinct, dtype=str))
        return values[codes], not_parsed[codes], out_of_range[codes]
    return parse_column


def _codes(codes: dict[str, int]) -> Parser:
    """Parser for a column of named codes (case and spaces/hyphens vs underscores ignored)."""
    @_on_distinct_values
    def parse(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        normalized = text.str.lower().str.replace(r"[\s-]+", "_", regex=True)
        values = normalized.map(codes).astype(float).to_numpy()
        return values, np.isnan(values), np.zeros(values.size, dtype=bool)
    return parse


def _number(minimum: float, maximum: float = np.inf, *, above_minimum: bool = False,
            whole: bool = False) -> Parser:
    """Parser for a numeric column with a range (and whole numbers only if `whole`)."""
    @_on_distinct_values
    def parse(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        values = pd.to_numeric(text, errors="coerce").astype(float).to_numpy()
        finite = np.isfinite(values)
        below = values <= minimum if above_minimum else values < minimum
        out = finite & (below | (values > maximum) | (whole & (values != np.round(values))))
        return values, ~finite, out
    return parse


def _identifier(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ids are any text: coded in order of first appearance, never refused."""
    codes = pd.factorize(text)[0].astype(float)
    nothing = np.zeros(codes.size, dtype=bool)
    return codes, nothing, nothing


NUMERIC_COLUMNS = {"age", "skill", "land_mu"}
PARSERS: dict[str, Parser] = {
    "village_id": _identifier,
    "age": _number(0, MAX_AGE, whole=True),
    "sex": _codes(SEX_CODES),
    "chronic_illness": _codes(BOOLEAN_CODES),
    "disability": _codes(DISABILITY_CODES),
    "school_stage": _codes(SCHOOL_CODES),
    "skill": _number(0, above_minimum=True),
    "migrant": _codes(BOOLEAN_CODES),
    "land_mu": _number(0),
    "housing_safe": _codes(BOOLEAN_CODES),
    "insured": _codes(BOOLEAN_CODES),
}


# --- households --------------------------------------------------------------------------

def _first_row_of_each_household(household_codes: np.ndarray, n_households: int) -> np.ndarray:
    """Row index of each household's first line (households are coded by first appearance)."""
    first_row = np.empty(n_households, dtype=np.intp)
    first_row[household_codes[::-1]] = np.arange(household_codes.size)[::-1]
    return first_row


def _first_given(
    values: np.ndarray, household_codes: np.ndarray, n_households: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per household: the first non-blank value (NaN if none) and the row it is on (-1)."""
    rows = np.flatnonzero(~np.isnan(values))
    households, first = np.unique(household_codes[rows], return_index=True)
    value = np.full(n_households, np.nan)
    row = np.full(n_households, -1, dtype=np.intp)
    value[households] = values[rows[first]]
    row[households] = rows[first]
    return value, row


def _check_same_in_household(
    name: str, cells: pd.DataFrame, values: np.ndarray, lines: np.ndarray,
    household_codes: np.ndarray, household_ids: pd.Index, problems: list[str],
) -> None:
    """A household-level column holds one value per household (blank lines take it)."""
    household_value, household_row = _first_given(values, household_codes, household_ids.size)
    differs = ~np.isnan(values) & (values != household_value[household_codes])
    if not differs.any():
        return
    bad_rows = np.flatnonzero(differs)
    _, one_per_household = np.unique(household_codes[bad_rows], return_index=True)
    shown_rows = bad_rows[np.sort(one_per_household)]
    text = cells[name].to_numpy()
    first_rows = household_row[household_codes[shown_rows]]
    examples = [
        f"household {household_ids[household_codes[row]]!r} has {text[first]!r} on line "
        f"{lines[first]} but {text[row]!r} on line {lines[row]}"
        for row, first in zip(shown_rows[:LINES_SHOWN], first_rows, strict=False)
    ]
    more = shown_rows.size - LINES_SHOWN
    hint = ""
    if name == "village_id":
        hint = ("; household_id must be unique in the county: if the registry numbers "
                "households within each village, join village and household number")
    problems.append(
        f"column '{name}': differs within a household: {'; '.join(examples)}"
        f"{f' and {more} more households' if more > 0 else ''}; a household-level column "
        f"must hold the same value on every line of the household (or be left blank after "
        f"the first){hint}"
    )


def _group_by_household(
    path: str | Path, cells: pd.DataFrame, values: dict[str, np.ndarray], lines: np.ndarray,
    household_codes: np.ndarray, household_ids: pd.Index, first_row: np.ndarray,
) -> HouseholdTable:
    """Order persons by household (stable, so members keep their order within it)."""
    order = np.argsort(household_codes, kind="stable")
    village_text = cells["village_id"].to_numpy()[first_row]
    household_village, village_ids = pd.factorize(village_text)
    person_values = {
        name: array[order] for name, array in values.items()
        if COLUMN_BY_NAME[name].level == PERSON
    }
    household_values = {
        name: _first_given(array, household_codes, household_ids.size)[0]
        for name, array in values.items()
        if COLUMN_BY_NAME[name].level == HOUSEHOLD and name != "village_id"
    }
    table = HouseholdTable(
        path=str(path),
        household_ids=np.asarray(household_ids, dtype=object),
        village_ids=np.asarray(village_ids, dtype=object),
        household_village=household_village.astype(np.int32),
        person_household=household_codes[order].astype(np.int32),
        person_line=lines[order],
        person_values=person_values,
        household_values=household_values,
    )
    for array in (table.household_ids, table.village_ids, table.household_village,
                  table.person_household, table.person_line, *person_values.values(),
                  *household_values.values()):
        array.setflags(write=False)
    return table


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

SCHOOL_NAMES = np.array(["none", "preschool", "compulsory", "high_school", "college"])
DISABILITY_NAMES = np.array(["none", "partial", "severe"])


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


# --- messages ----------------------------------------------------------------------------

def _lines(lines: np.ndarray, mask: np.ndarray, text: pd.Series | None = None) -> str:
    """'lines 3 ('abc'), 7 ('x') and 4 more lines': the first few lines where `mask` holds."""
    rows = np.flatnonzero(mask)
    shown = [
        f"{lines[row]}" + (f" ({text.iloc[row]!r})" if text is not None else "")
        for row in rows[:LINES_SHOWN]
    ]
    more = rows.size - LINES_SHOWN
    return (f"line{'s' if rows.size > 1 else ''} {', '.join(shown)}"
            f"{f' and {more} more lines' if more > 0 else ''}")


def _unknown_column_hint(unknown: list[str]) -> str:
    """Why a column may be unknown: a wrong separator, or a near miss of an allowed name."""
    if any(";" in name or "\t" in name for name in unknown):
        return " (the header looks separated by ';' or tabs: the table must use commas)"
    matches = {name: difflib.get_close_matches(name, list(COLUMN_BY_NAME), n=1) for name in unknown}
    guesses = [f"'{match[0]}' for '{name}'" for name, match in matches.items() if match]
    if len(unknown) == 1 and guesses:
        return f" (did you mean '{matches[unknown[0]][0]}'?)"
    return f" (did you mean {', '.join(guesses)}?)" if guesses else ""


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)
