"""The instruments' compiled passes (model/interventions/kernels.py) and the selection
helpers of model/interventions/base.py return exactly what their NumPy formulations do."""

from __future__ import annotations

import numpy as np
import pytest

from model.engine.state import LABOUR_FULL
from model.interventions import kernels
from model.interventions.selection import (
    ascending_order,
    best_first,
    inverse_permutation,
    is_prefix,
    prefix_order,
    stable_argsort,
)


def test_ranks_within_groups_count_earlier_members_of_the_group():
    rng = np.random.default_rng(5)
    groups = rng.integers(0, 12, 300)
    ranks = kernels.ranks_within_groups(groups, 12)
    expected = np.array([np.count_nonzero(groups[:i] == g) for i, g in enumerate(groups)])
    assert np.array_equal(ranks, expected)
    assert kernels.ranks_within_groups(np.zeros(0, dtype=np.int64), 3).size == 0


def test_older_full_labourers_count_as_bincount():
    rng = np.random.default_rng(6)
    n_households, rows = 40, 500
    household = np.sort(rng.integers(0, n_households, rows))
    alive = rng.random(rows) < 0.9
    labour = rng.integers(0, 3, rows).astype(np.int8)
    age = rng.integers(0, 90, rows).astype(np.int16)
    counts = kernels.older_full_labourers(household, alive, labour, age, 45, n_households)
    chosen = alive & (labour == LABOUR_FULL) & (age >= 45)
    assert np.array_equal(counts, np.bincount(household[chosen], minlength=n_households))


def test_villages_with_unsafe_water_as_bincount():
    rng = np.random.default_rng(7)
    village = rng.integers(0, 30, 400)
    active, safe = rng.random(400) < 0.8, rng.random(400) < 0.97
    lacking = kernels.villages_with_unsafe_water(village, active, safe, 30)
    expected = np.bincount(village[active & ~safe], minlength=30) > 0
    assert lacking.dtype == bool and np.array_equal(lacking, expected)
    assert expected.any() and not expected.all(), "the check needs both kinds of village"


def keys_with_ties_and_specials(rng: np.random.Generator, size: int) -> np.ndarray:
    """Normal keys with many ties (repeated values, 0.0 and -0.0), NaNs and infinities."""
    key = rng.normal(size=size)
    for share, values in (
        (0.3, [0.0, -0.0]),
        (0.2, [1.5, -2.25, 3.0]),
        (0.05, [np.nan]),
        (0.05, [-np.inf, np.inf]),
    ):
        chosen = rng.random(size) < share
        key[chosen] = rng.choice(values, chosen.sum())
    return key


@pytest.mark.parametrize("size", [0, 1, 2, 17, 1000, 20_000])
def test_stable_argsort_is_numpys_stable_argsort(size):
    rng = np.random.default_rng(size)
    for key in (
        keys_with_ties_and_specials(rng, size),
        rng.normal(size=size),
        np.round(rng.normal(size=size), 2),
        rng.integers(0, 5, size),
        rng.normal(size=size).astype(np.float32),
    ):
        expected = np.argsort(key, kind="stable")
        assert np.array_equal(stable_argsort(key), expected)
        assert np.array_equal(best_first(key, size // 3), expected[: size // 3])


def test_covered_students_as_flatnonzero_and_bincount():
    rng = np.random.default_rng(8)
    n_households, rows = 50, 600
    household = np.sort(rng.integers(0, n_households, rows))
    alive = rng.random(rows) < 0.9
    stage = rng.integers(0, 5, rows).astype(np.int8)
    covered = np.array([False, True, False, True, True])
    stipend, waiver = rng.random(5) * 3000, rng.random(5) * 1000
    students, counts, stipends, waivers = kernels.covered_students(
        household, alive, stage, covered, stipend, waiver, n_households
    )
    expected = np.flatnonzero(alive & covered[stage])
    homes = household[expected]
    assert np.array_equal(students, expected)
    assert np.array_equal(counts, np.bincount(homes, minlength=n_households))
    by_home = np.bincount(homes, stipend[stage[expected]], minlength=n_households)
    assert stipends.tobytes() == by_home.tobytes()
    by_home = np.bincount(homes, waiver[stage[expected]], minlength=n_households)
    assert waivers.tobytes() == by_home.tobytes()


def test_start_and_count_premiums_as_the_numpy_rule():
    from model.engine.state import LABOUR_NONE, NEVER, SCHOOL_NONE

    rng = np.random.default_rng(9)
    n_households, rows, year, duration = 30, 500, 2020, 4
    aided, alive = rng.random(rows) < 0.4, rng.random(rows) < 0.9
    stage = rng.integers(0, 3, rows).astype(np.int8)
    labour = rng.integers(0, 3, rows).astype(np.int8)
    household = rng.integers(0, n_households, rows)
    premium_year = np.where(rng.random(rows) < 0.5, NEVER, rng.integers(2010, 2020, rows))
    premium_year = premium_year.astype(np.int16)
    expected_year = premium_year.copy()
    working = aided & alive & (stage == SCHOOL_NONE) & (labour != LABOUR_NONE)
    expected_year[working & (expected_year == NEVER)] = year
    paying = working & (year - expected_year.astype(np.int32) < duration)
    aided_rows = rng.permutation(np.flatnonzero(aided))  # any order
    homes, graduates = kernels.start_and_count_premiums(
        aided_rows, alive, stage, labour, household, premium_year, year, duration, n_households
    )
    assert np.array_equal(premium_year, expected_year)
    counts = np.bincount(household[paying], minlength=n_households)
    assert homes.tobytes() == np.flatnonzero(counts).tobytes()
    assert graduates.tobytes() == counts[np.flatnonzero(counts)].tobytes()
    assert paying.any() and (working & ~paying).any(), "the check needs ended premiums too"


def test_lost_streams_are_running_streams_drawn_below_their_risk():
    from model.engine.state import NEVER

    rng = np.random.default_rng(10)
    start = np.where(rng.random(400) < 0.3, rng.integers(2014, 2020, 400), NEVER)
    start = start.astype(np.int16)
    draw = rng.random(400, dtype=np.float32)
    risk = rng.random(400) * 0.5
    lost = kernels.lost_streams(start, draw, risk)
    assert np.array_equal(lost, np.flatnonzero((start != NEVER) & (draw < risk)))
    assert lost.size > 0


def test_add_income_and_relieve_expense_as_numpy_scatter():
    rng = np.random.default_rng(12)
    n = 300
    households = rng.permutation(n)[:120]
    amounts = np.where(rng.random(120) < 0.3, 0.0, rng.normal(size=120) * 500)
    channel, total, expense = rng.normal(size=n), rng.normal(size=n), rng.random(n) * 900
    want_channel, want_total, want_expense = channel.copy(), total.copy(), expense.copy()
    moved = amounts != 0
    want_channel[households[moved]] += amounts[moved]
    want_total[households[moved]] += amounts[moved]
    rows = kernels.add_income(households, amounts, channel, total)
    assert np.array_equal(rows, households[moved])
    assert channel.tobytes() == want_channel.tobytes() and total.tobytes() == want_total.tobytes()
    channel = want_channel.copy()
    want_expense[households[moved]] -= amounts[moved]
    want_channel[households[moved]] += amounts[moved]
    rows = kernels.relieve_expense(households, amounts, expense, channel)
    assert np.array_equal(rows, households[moved])
    assert expense.tobytes() == want_expense.tobytes()
    assert channel.tobytes() == want_channel.tobytes()


def test_rows_where_and_rows_where_not_as_boolean_indexing():
    rng = np.random.default_rng(14)
    mask = rng.random(500) < 0.3
    rows = np.flatnonzero(rng.random(500) < 0.6)
    assert np.array_equal(kernels.rows_where(rows, mask), rows[mask[rows]])
    assert np.array_equal(kernels.rows_where_not(rows, mask), rows[~mask[rows]])
    empty = np.zeros(0, dtype=np.int64)
    assert kernels.rows_where(empty, mask).size == kernels.rows_where_not(empty, mask).size == 0


@pytest.mark.parametrize("cap", [None, 1500.0])
def test_three_layer_relief_as_the_numpy_tiers(cap):
    from model.interventions.health import Tiers, personal_share_after_tiers

    rng = np.random.default_rng(15)
    n = 400
    inpatient = np.where(rng.random(n) < 0.6, 0.0, rng.exponential(9000, n))
    chronic = np.where(rng.random(n) < 0.5, 0.0, rng.exponential(2000, n))
    inpatient_rate, outpatient_rate = rng.random(n), rng.random(n) * 0.6
    oop = rng.random(n) * 8000
    households = rng.permutation(n)[:250]
    tiers = Tiers(np.maximum(inpatient_rate[households], 0.55), 3000.0, 0.6, 0.7)
    bill = personal_share_after_tiers(inpatient[households], tiers)
    bill = bill + chronic[households] * (1.0 - np.maximum(outpatient_rate[households], 0.3))
    if cap is not None:
        bill = np.minimum(bill, cap)
    expected = np.maximum(oop[households] - bill, 0.0)
    rules = (0.55, 0.3, 3000.0, 0.6, 0.7, 0.0 if cap is None else cap, cap is not None)
    relief = kernels.three_layer_relief(
        households, oop, inpatient, inpatient_rate, chronic, outpatient_rate, rules
    )
    assert relief.tobytes() == expected.tobytes()
    assert (expected == 0).any() and (expected > 0).any()


@pytest.mark.parametrize("cap", [None, 1500.0])
def test_insure_and_relieve_as_the_numpy_steps(cap):
    """HealthInsurance.apply_effect's pass equals its steps in NumPy: relief = paid beyond
    the premiums, at most the relief due; enrol; raise the rates; relieve the bill."""
    rng = np.random.default_rng(17)
    n = 400
    inpatient = np.where(rng.random(n) < 0.6, 0.0, rng.exponential(9000, n))
    chronic = np.where(rng.random(n) < 0.5, 0.0, rng.exponential(2000, n))
    size = rng.integers(0, 6, n).astype(np.int32)
    arrays = {
        "oop": rng.random(n) * 8000,
        "inpatient_rate": rng.random(n),
        "outpatient_rate": rng.random(n) * 0.6,
        "insured": rng.random(n) < 0.3,
        "channel": rng.random(n) * 100,
    }
    households = rng.permutation(n)[:250]
    amounts = rng.random(households.size) * 6000 - 500  # some below the premiums
    rules = (0.55, 0.3, 3000.0, 0.6, 0.7, 0.0 if cap is None else cap, cap is not None)
    expected = {key: value.copy() for key, value in arrays.items()}
    due = kernels.three_layer_relief(
        households, expected["oop"], inpatient, expected["inpatient_rate"], chronic,
        expected["outpatient_rate"], rules,
    )  # fmt: skip
    relief = np.minimum(amounts - 180.0 * size[households], due)
    expected["insured"][households] = True
    rates = expected["inpatient_rate"], expected["outpatient_rate"]
    rates[0][households] = np.maximum(rates[0][households], 0.55)
    rates[1][households] = np.maximum(rates[1][households], 0.3)
    relief = np.minimum(np.maximum(relief, 0.0), expected["oop"][households])
    expected_moved = kernels.relieve_expense(
        households, relief, expected["oop"], expected["channel"]
    )
    moved = kernels.insure_and_relieve(
        households, amounts, 180.0, size, arrays["oop"], inpatient, arrays["inpatient_rate"],
        chronic, arrays["outpatient_rate"], rules, arrays["insured"], arrays["channel"],
    )  # fmt: skip
    assert moved.tobytes() == expected_moved.tobytes()
    for key in arrays:
        assert arrays[key].tobytes() == expected[key].tobytes(), key
    assert 0 < moved.size < households.size  # some relieved, some not


def test_mark_newly_aided_as_numpy_indexing():
    rng = np.random.default_rng(16)
    household = rng.integers(0, 60, 700)
    students = np.flatnonzero(rng.random(700) < 0.4)
    served, aided = rng.random(60) < 0.5, rng.random(700) < 0.3
    expected_aided = aided.copy()
    chosen = students[served[household[students]]]
    expected = chosen[~expected_aided[chosen]]
    expected_aided[expected] = True
    newly = kernels.mark_newly_aided(students, household, served, aided)
    assert np.array_equal(newly, expected) and expected.size > 0
    assert np.array_equal(aided, expected_aided)


@pytest.mark.parametrize("duration", [-1, 3])
def test_paying_streams_as_the_numpy_selection(duration):
    from model.engine.state import NEVER

    rng = np.random.default_rng(17)
    start = np.where(rng.random(600) < 0.4, rng.integers(2010, 2021, 600), NEVER)
    start = start.astype(np.int16)
    year, lag = 2020, 1
    rows = np.flatnonzero(start != NEVER)
    years_paid = year - start[rows].astype(np.int32) - lag
    paying = years_paid >= 0
    if duration >= 0:
        paying &= years_paid < duration
    got_rows, got_years = kernels.paying_streams(start, year, lag, duration)
    assert np.array_equal(got_rows, rows[paying])
    assert got_years.dtype == np.int32 and np.array_equal(got_years, years_paid[paying])
    assert (~paying).any() and paying.any()


@pytest.mark.parametrize("size", [0, 1, 2, 300, 5000])
def test_ascending_order_is_argsort_for_unique_rows(size):
    rows = np.random.default_rng(size).permutation(10 * size + 3)[:size].astype(np.int64)
    assert ascending_order(rows).tobytes() == np.argsort(rows).astype(np.int64).tobytes()


@pytest.mark.parametrize("size", [0, 1, 2, 300, 5000])
def test_prefix_order_is_the_ascending_order_of_the_first_rows(size):
    """A delivery of a proposal's first k households reuses the proposal's row order."""
    rows = np.random.default_rng(size).permutation(10 * size + 3)[:size].astype(np.int64)
    row_order = ascending_order(rows)
    for count in sorted({0, 1, size // 3, size - 1, size} - {-1}):
        expected = ascending_order(rows[:count]).tobytes()
        assert prefix_order(row_order, min(count, size)).tobytes() == expected, count


@pytest.mark.parametrize("size", [0, 1, 2, 300, 5000])
def test_inverse_permutation_is_argsort_of_a_permutation(size):
    """A proposal ranked from rows in ascending order goes back to row order with it."""
    positions = np.random.default_rng(size).permutation(size).astype(np.int64)
    inverse = inverse_permutation(positions)
    assert inverse.tobytes() == np.argsort(positions).astype(np.int64).tobytes()


def test_is_prefix_only_for_slices_of_the_first_entries():
    assert is_prefix(slice(0, 5)) and is_prefix(slice(None, 5)) and is_prefix(slice(None))
    assert not is_prefix(slice(1, 5)) and not is_prefix(slice(0, 5, 2))
    assert not is_prefix(np.arange(3))
