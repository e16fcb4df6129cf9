"""Compiled passes of the instruments' yearly selection: what NumPy would do in several
full passes (or a sort) done in one loop over the rows concerned.

Each kernel returns exactly what its NumPy formulation returns (the docstrings say which),
so replacing one by the other changes no number of a run; tests/interventions/
test_kernels.py checks them against those formulations.
"""

from __future__ import annotations

import numba
import numpy as np

from model.engine.state import LABOUR_FULL, LABOUR_NONE, NEVER, SCHOOL_NONE


@numba.njit(cache=True)
def ranks_within_groups(groups, n_groups):  # fmt: skip
    """For a ranked sequence of group labels (0..n_groups-1), each element's rank within
    its group: 0 for the first of its group in the sequence, 1 for the second, ... One
    pass with a counter per group instead of a stable sort by group."""
    seen = np.zeros(n_groups, dtype=np.int64)
    ranks = np.empty(groups.size, dtype=np.int64)
    for i in range(groups.size):
        g = groups[i]
        ranks[i] = seen[g]
        seen[g] += 1
    return ranks


@numba.njit(cache=True, nogil=True)
def older_full_labourers(household, alive, labour, age, from_age, n_households):  # fmt: skip
    """Living full labourers aged `from_age` or more, per household: what
    `np.bincount(household[alive & (labour == LABOUR_FULL) & (age >= from_age)])` counts.
    Two passes: finding the rows without a branch per row, then counting those only
    (counting for every row makes each wait on its household's previous count)."""
    rows = np.empty(household.size, dtype=np.int64)
    found = 0
    for i in range(household.size):
        rows[found] = i
        found += alive[i] & (labour[i] == LABOUR_FULL) & (age[i] >= from_age)
    counts = np.zeros(n_households, dtype=np.int64)
    for i in rows[:found]:
        counts[household[i]] += 1
    return counts


@numba.njit(cache=True)
def villages_with_unsafe_water(village, active, safe_water, n_villages):  # fmt: skip
    """Villages with at least one active household without safe water: what
    `np.bincount(village[active & ~safe_water], minlength=n_villages) > 0` says, in one
    pass over the households."""
    lacking = np.zeros(n_villages, dtype=np.bool_)
    for i in range(village.size):
        lacking[village[i]] |= active[i] & (not safe_water[i])
    return lacking


@numba.njit(cache=True, nogil=True)
def covered_students(
    household, alive, school_stage, covered, stipend_by_stage, waiver_by_stage, n_households
):
    """The person rows of living students in a covered stage (ascending), and per
    household their count and the sums of their stipends and waivers: what
    `rows = np.flatnonzero(alive & covered[school_stage])` and `np.bincount` of their
    households (with the stages' amounts as weights, added in row order from 0.0) give.
    Two passes: finding the rows without a branch per row, then adding up the students
    only (adding for every row makes each wait on its household's previous sum)."""
    rows = np.empty(household.size, dtype=np.int64)
    found = 0
    for i in range(household.size):
        rows[found] = i
        found += alive[i] & covered[school_stage[i]]
    rows = rows[:found].copy()
    counts = np.zeros(n_households, dtype=np.int64)
    stipend = np.zeros(n_households, dtype=np.float64)
    waiver = np.zeros(n_households, dtype=np.float64)
    for i in rows:
        h, stage = household[i], school_stage[i]
        counts[h] += 1
        stipend[h] += stipend_by_stage[stage]
        waiver[h] += waiver_by_stage[stage]
    return rows, counts, stipend, waiver


@numba.njit(cache=True, nogil=True)
def start_and_count_premiums(
    aided_rows, alive, school_stage, labour, household, premium_year, year, duration_years,
    n_households,
):  # fmt: skip
    """Education aid's wage premium, over `aided_rows` (the unique rows of the aided persons,
    any order): a premium starts (its first year is `year`) for an aided person now out of
    school and working whose premium has not started. Returns the households (ascending)
    with an aided person still working whose premium runs (started fewer than
    `duration_years` years ago), after the starts, and the number of such persons in each:
    what `np.flatnonzero` of their count per household and those counts give. Education
    aid reaches a small share of the persons, so the loop visits its rows only."""
    graduates = np.zeros(n_households, dtype=np.int64)
    homes = np.empty(aided_rows.size, dtype=np.int64)
    found = 0
    for i in aided_rows:
        working = alive[i] and school_stage[i] == SCHOOL_NONE and labour[i] != LABOUR_NONE
        if not working:
            continue
        if premium_year[i] == NEVER:
            premium_year[i] = year
        if year - np.int64(premium_year[i]) < duration_years:
            h = household[i]
            if graduates[h] == 0:
                homes[found] = h
                found += 1
            graduates[h] += 1
    homes = np.sort(homes[:found])
    return homes, graduates[homes]


@numba.njit(cache=True)
def mark_newly_aided(students, household, served, aided):  # fmt: skip
    """Education aid's new aided persons: of the person rows `students` (ascending), those
    whose household is `served` and who are not yet `aided`; marks them aided and returns
    them (ascending). What `s = students[served[household[students]]]`,
    `new = s[~aided[s]]`, `aided[new] = True` do, in one pass."""
    out = np.empty(students.size, dtype=np.int64)
    found = 0
    for i in range(students.size):
        r = students[i]
        if served[household[r]] and not aided[r]:
            aided[r] = True
            out[found] = r
            found += 1
    return out[:found].copy()


@numba.njit(cache=True)
def lost_streams(start_year, loss_draw, loss_risk):  # fmt: skip
    """Rows of running streams (start_year != NEVER) whose draw falls below their loss
    risk: `np.flatnonzero((start_year != NEVER) & (loss_draw < loss_risk))` in one pass.
    The draw and the risk are read for running streams only (a small share of rows)."""
    rows = np.empty(start_year.size, dtype=np.int64)
    found = 0
    for i in range(start_year.size):
        if start_year[i] != NEVER and loss_draw[i] < loss_risk[i]:
            rows[found] = i
            found += 1
    return rows[:found].copy()


@numba.njit(cache=True)
def paying_streams(start_year, year, lag_years, duration_years):  # fmt: skip
    """Rows of running streams (start_year != NEVER) that pay in `year`, and the years
    each has paid before: `k = year - start_year - lag_years` with `0 <= k` and, if
    `duration_years` >= 0, `k < duration_years`. IncomeStreams.paying's selection in one
    pass over the rows instead of a mask, its flatnonzero and two filters."""
    rows = np.empty(start_year.size, dtype=np.int64)
    years_paid = np.empty(start_year.size, dtype=np.int32)
    found = 0
    for i in range(start_year.size):
        if start_year[i] == NEVER:
            continue
        k = np.int32(year) - np.int32(start_year[i]) - np.int32(lag_years)
        if k >= 0 and (duration_years < 0 or k < duration_years):
            rows[found] = i
            years_paid[found] = k
            found += 1
    return rows[:found].copy(), years_paid[:found].copy()


@numba.njit(cache=True)
def add_income(households, yuan, channel_income, total):  # fmt: skip
    """Intervention.pay's scatter: for unique `households` whose `yuan` is not 0, add it
    to `channel_income` (the instrument's channel row) and `total`; return those rows."""
    moved = np.empty(households.size, dtype=np.int64)
    found = 0
    for i in range(households.size):
        if yuan[i] != 0:
            h = households[i]
            channel_income[h] += yuan[i]
            total[h] += yuan[i]
            moved[found] = h
            found += 1
    return moved[:found].copy()


@numba.njit(cache=True)
def relieve_expense(households, relief, expense, channel_relief):  # fmt: skip
    """Intervention.relieve's scatter: for unique `households` whose `relief` is not 0,
    take it off `expense` and add it to `channel_relief`; return those rows."""
    moved = np.empty(households.size, dtype=np.int64)
    found = 0
    for i in range(households.size):
        if relief[i] != 0:
            h = households[i]
            expense[h] -= relief[i]
            channel_relief[h] += relief[i]
            moved[found] = h
            found += 1
    return moved[:found].copy()


@numba.njit(cache=True)
def rows_where(rows, mask):  # fmt: skip
    """`rows[mask[rows]]` in one pass: the rows (of an ascending list) whose entry of
    the full-length boolean `mask` holds, without a temporary mask over `rows`."""
    out = np.empty(rows.size, dtype=np.int64)
    found = 0
    for i in range(rows.size):
        out[found] = rows[i]
        found += mask[rows[i]]
    return out[:found].copy()


@numba.njit(cache=True)
def rows_where_not(rows, mask):  # fmt: skip
    """`rows[~mask[rows]]` in one pass (e.g. the applicants not yet served once)."""
    out = np.empty(rows.size, dtype=np.int64)
    found = 0
    for i in range(rows.size):
        out[found] = rows[i]
        found += not mask[rows[i]]
    return out[:found].copy()


@numba.njit(cache=True)
def maximum(a, b):  # fmt: skip
    """`np.maximum` of two floats: `a` unless `b` is larger (NaN `a` propagates)."""
    return a if (a >= b or np.isnan(a)) else b


@numba.njit(cache=True)
def minimum(a, b):  # fmt: skip
    """`np.minimum` of two floats: `a` unless `b` is smaller (NaN `a` propagates)."""
    return a if (a <= b or np.isnan(a)) else b


@numba.njit(cache=True)
def _relief_due(
    h, medical_oop, inpatient_cost, inpatient_reimbursement, chronic_cost,
    outpatient_reimbursement, rules,
):  # fmt: skip
    """The relief due to household `h` (three_layer_relief's formula for one row)."""
    inpatient_rate, outpatient_rate, deductible, critical_share, assistance_share, cap = rules[:6]
    basic = maximum(inpatient_reimbursement[h], inpatient_rate)
    after_basic = inpatient_cost[h] * (1.0 - basic)
    above = maximum(after_basic - deductible, 0.0)
    after_critical = after_basic - critical_share * above
    inpatient = after_critical * (1.0 - assistance_share)
    chronic_rate = maximum(outpatient_reimbursement[h], outpatient_rate)
    bill = inpatient + chronic_cost[h] * (1.0 - chronic_rate)
    if rules[6]:  # capped
        bill = minimum(bill, cap)
    return maximum(medical_oop[h] - bill, 0.0)


@numba.njit(cache=True)
def three_layer_relief(
    households, medical_oop, inpatient_cost, inpatient_reimbursement, chronic_cost,
    outpatient_reimbursement, rules,
):  # fmt: skip
    """Health insurance's relief due (HealthInsurance.relief_due) for each of
    `households`, in one pass: the bill the three layers leave (personal_share_after_tiers
    on the inpatient cost at the household's basic rate or the basic inpatient rate if
    higher, plus the chronic cost at its outpatient rate or the basic outpatient rate, at
    most the cap if capped) taken from the current out-of-pocket bill, never below 0.
    `rules` is (inpatient rate, outpatient rate, critical-illness deductible, its
    reimbursement, medical assistance share, cap, capped), as
    HealthInsurance.relief_rules gives them. The same float64 operations in the same
    order as the NumPy formulation, so the same bytes."""
    out = np.empty(households.size, dtype=np.float64)
    for i in range(households.size):
        out[i] = _relief_due(
            households[i], medical_oop, inpatient_cost, inpatient_reimbursement, chronic_cost,
            outpatient_reimbursement, rules,
        )  # fmt: skip
    return out


@numba.njit(cache=True)
def insure_and_relieve(
    households, amounts, premium_per_person, size, medical_oop, inpatient_cost,
    inpatient_reimbursement, chronic_cost, outpatient_reimbursement, rules, insured,
    channel_relief,
):  # fmt: skip
    """HealthInsurance.apply_effect for unique `households` (the successful deliveries),
    in one pass: the relief is what was paid beyond the premiums (`amounts` less
    `premium_per_person` x members), at most the relief due now (three_layer_relief, with
    the same `rules`); the household is insured and its reimbursement rates rise to the
    basic rates; the relief (at least 0, at most the bill) comes off `medical_oop` onto
    `channel_relief` (relieve_expense). Returns the rows whose bill changed. The same
    float64 operations in the same order as those NumPy steps, so the same bytes."""
    inpatient_rate, outpatient_rate = rules[0], rules[1]
    moved = np.empty(households.size, dtype=np.int64)
    found = 0
    for i in range(households.size):
        h = households[i]
        paid_relief = amounts[i] - premium_per_person * size[h]
        due = _relief_due(
            h, medical_oop, inpatient_cost, inpatient_reimbursement, chronic_cost,
            outpatient_reimbursement, rules,
        )  # fmt: skip
        relief = minimum(paid_relief, due)
        insured[h] = True
        inpatient_reimbursement[h] = maximum(inpatient_reimbursement[h], inpatient_rate)
        outpatient_reimbursement[h] = maximum(outpatient_reimbursement[h], outpatient_rate)
        relief = minimum(maximum(relief, 0.0), medical_oop[h])
        if relief != 0:
            medical_oop[h] -= relief
            channel_relief[h] += relief
            moved[found] = h
            found += 1
    return moved[:found].copy()


@numba.njit(cache=True)
def rows_above(rows, values, threshold):  # fmt: skip
    """`rows[values[rows] > threshold]` in one pass (e.g. households with a student)."""
    out = np.empty(rows.size, dtype=np.int64)
    found = 0
    for i in range(rows.size):
        out[found] = rows[i]
        found += values[rows[i]] > threshold
    return out[:found].copy()


@numba.njit(cache=True)
def dibao_candidates(
    rows, measured, standard, full_labourers, registered, only_without_labour, last_resort
):  # fmt: skip
    """Dibao.eligible_among as rows, in one pass: those of `rows` measured below the
    `standard`, and, if `only_without_labour`, without a full labourer or (when the
    `last_resort` rule applies this year) registered. Without a branch on the data, which
    would be mispredicted where many are below the standard."""
    any_labour = not only_without_labour
    out = np.empty(rows.size, dtype=np.int64)
    found = 0
    for i in range(rows.size):
        r = rows[i]
        qualifies = any_labour | (full_labourers[r] == 0) | (last_resort & registered[r])
        out[found] = r
        found += (measured[r] < standard) & qualifies
    return out[:found].copy()


@numba.njit(cache=True)
def wubao_candidates(rows, full_labourers, working_age, elderly):  # fmt: skip
    """Wubao.eligible_among as rows, in one pass: those of `rows` without a full
    labourer, without a member of working age and with an elderly member."""
    out = np.empty(rows.size, dtype=np.int64)
    found = 0
    for i in range(rows.size):
        r = rows[i]
        out[found] = r
        found += (full_labourers[r] == 0) & (working_age[r] == 0) & (elderly[r] > 0)
    return out[:found].copy()


@numba.njit(cache=True)
def relief_candidates(
    rows, measured, line, village, disaster, price_shock, medical_oop, total_income,
    large_bill_share,
):  # fmt: skip
    """TemporaryRelief.eligible_among as rows: those of `rows` measured below `line`
    whose village had a disaster or a price shock, or whose out-of-pocket medical bill is
    positive and at least `large_bill_share` of their total income (at least 1). Two
    passes without a branch on the data (a third of the county is near the line, so a
    branch per test would be mispredicted about as often as not): the rows near the line,
    then those of them hit by a shock."""
    near = np.empty(rows.size, dtype=np.int64)
    found = 0
    for i in range(rows.size):
        near[found] = rows[i]
        found += measured[rows[i]] < line
    out = np.empty(found, dtype=np.int64)
    hit = 0
    for i in range(found):
        r = near[i]
        v = village[r]
        bill = medical_oop[r]
        large_bill = (bill > 0) & (bill >= large_bill_share * maximum(total_income[r], 1.0))
        out[hit] = r
        hit += disaster[v] | price_shock[v] | large_bill
    return out[:hit].copy()
