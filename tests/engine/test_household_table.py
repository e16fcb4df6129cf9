"""Reading and validating a household table (model/engine/household_table.py): households
grouped, blank cells, encodings, and every user error with its file, column and lines."""

from __future__ import annotations

import pytest

from model.engine.household_schema import COLUMNS
from model.engine.household_table import HouseholdTableError, read_household_table
from model.errors import UserError
from tests.support.cli import run_cli
from tests.support.household_tables import EXAMPLE_SCENARIO, REQUIRED_ONLY, load, write

# --- a good table ------------------------------------------------------------------------

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


def test_blank_household_cells_take_the_household_value(tmp_path):
    path = write(tmp_path, REQUIRED_ONLY.strip() + ",land_mu,insured\n"
                 "1,1,40,M,3.5,0\n1,1,38,F,,\n2,1,50,M,,\n")
    _, households, _ = load(path)
    assert households.land_mu[0] == 3.5 and not households.insured[0]
    assert households.land_mu[1] > 0 and households.insured[1]  # defaults


def test_utf8_with_byte_order_mark_and_chinese_sex_codes(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(("\ufeff" + REQUIRED_ONLY + "1,1,40,男\n1,1,38,女\n").encode("utf-8"))
    persons, _, _ = load(path)
    assert persons.female[:2].tolist() == [False, True]


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


# --- command line ------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["run", "validate"])
def test_a_bad_table_exits_2_with_the_message_before_any_run(tmp_path, command):
    write(tmp_path, REQUIRED_ONLY + "1,1,400,M\n", "bad.csv")
    write(tmp_path, "population:\n  source: csv\n  households_csv: bad.csv\n", "scenario.yaml")
    extra = ["--years", "1", "--quiet", "--out", tmp_path / "out"] if command == "run" else []
    result = run_cli(command, tmp_path / "scenario.yaml", *extra)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    assert "'age'" in result.stderr and "line 2" in result.stderr
    assert "bad.csv" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_households_option_is_refused_for_a_household_table(tmp_path):
    result = run_cli("run", EXAMPLE_SCENARIO, "--households", "50", "--quiet",
                     "--out", tmp_path / "out")
    assert result.returncode == 2 and "--households 50" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
