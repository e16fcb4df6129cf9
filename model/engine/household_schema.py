"""Household table schema: the columns a county's table may hold and the codes of their values.

`COLUMNS` lists each column of a household table: whether it is required, its level (per
person, per household, or the household key), the values a cell may hold, its default and
its meaning. `schema_markdown` renders it as docs/household_table.md shows it to users;
model.engine.household_table reads and validates a file against it.
"""

from __future__ import annotations

from dataclasses import dataclass

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

MAX_AGE = 110

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
