"""Compiled person-level passes of the yearly dynamics (called from model/engine/dynamics.py).

Why compiled: each year the dynamics walk every person row (about 4 per household,
dead rows included) for demography, schooling, health, migration and income. As
whole-array NumPy that was more than 60 passes over the person arrays and a dozen
`bincount` sums into households; here each process is one loop over the rows that
updates the persons and accumulates every household sum it needs in the same pass.

Why numba: a well-kept library (NumFOCUS-sponsored, releases that follow NumPy's, wheels
for Linux, macOS and Windows) that compiles plain Python loops: no C extension to write,
build or ship. `cache=True` keeps the machine code in model/__pycache__, so only the
first run after this file changes pays the compile (about 5 s for all kernels). `nogil=True`
lets the thread that draws ahead (model/engine/rng.py) work while a kernel runs.

Rules that keep the results identical to the NumPy formulation (tests/test_kernels.py
checks each kernel against it, byte for byte):
- no random draws here: the caller draws with NumPy, for every row, and passes them in;
- household sums add the members in row order from 0.0, in float64, as `np.bincount`
  does, so they are the same numbers;
- parameters compared with or multiplied by float32 person arrays are passed as float32
  (NumPy 2 does that arithmetic in float32: a Python float next to a float32 array is
  rounded to float32 first); everything else is float64, operation for operation as in
  NumPy (no fastmath, so no reassociation or fused multiply-add);
- every kernel updates the arrays it is given in place (documented per kernel) and is
  otherwise a pure function of its arguments.
"""

from __future__ import annotations

import numba
import numpy as np

from model.engine.state import (
    DISABILITY_NONE,
    DISABILITY_PARTIAL,
    DISABILITY_SEVERE,
    LABOUR_FULL,
    LABOUR_NONE,
    LABOUR_PARTIAL,
    SCHOOL_COLLEGE,
    SCHOOL_COMPULSORY,
    SCHOOL_HIGH,
    SCHOOL_NONE,
    SCHOOL_PRESCHOOL,
)

MAX_AGE = 120  # ages are capped here for the lookup tables (mortality is near 1 long before)
LABOUR_BY_AGE = np.full(MAX_AGE + 1, LABOUR_NONE, dtype=np.int8)
LABOUR_BY_AGE[16:60] = LABOUR_FULL
LABOUR_BY_AGE[60:70] = LABOUR_PARTIAL

# Columns of the (households x INCOME_SUMS) array `income_sums_by_household` returns.
FULL_LABOURERS = 0  # members with full labour capacity
HOME_UNITS = 1  # labour units of members who are not migrants
LABOUR_UNITS = 2  # labour units this year (illness, disability and episodes applied)
LABOUR_UNITS_BY_AGE = 3  # labour units were nobody ill or disabled
SKILL_HOME_UNITS = 4  # skill x labour units of members at home (local wage base)
MIGRANT_WAGES = 5  # remittances of migrants, yuan/year
PENSIONERS = 6  # living members aged 60 or more
SKILL_DISABILITY_LOSS = 7  # skill x labour units lost to disability
SKILL_ILLNESS_LOSS = 8  # skill x labour units lost to illness (chronic and episodes)
INPATIENT_COST = 9  # yuan/year before reimbursement
CHRONIC_COST = 10  # yuan/year before reimbursement
SCHOOLING_COST = 11  # yuan/year
INCOME_SUMS = 12


# Labour cap by DISABILITY_* code: none keeps any capacity, partial halves, severe removes it.
LABOUR_CAP_BY_DISABILITY = np.array([LABOUR_FULL, LABOUR_PARTIAL, LABOUR_NONE], dtype=np.int8)
assert (DISABILITY_NONE, DISABILITY_PARTIAL, DISABILITY_SEVERE) == (0, 1, 2)


@numba.njit(cache=True, nogil=True)
def deaths_ageing_and_mothers(
    household, age, female, alive, chronic, death_draw, birth_draw, hazard_table,
    birth_rate, household_size,
):  # fmt: skip
    """Deaths (hazard by capped age, chronic half of `hazard_table` for the chronically ill),
    ageing of survivors, and who gives birth. Updates `alive` and `age`; fills
    `household_size` with living members counting the coming newborns. Returns the rows
    of the mothers, in order; the caller appends the newborns."""
    n = age.size
    mother_rows = np.empty(n, dtype=np.intp)
    household_size[:] = 0
    births = 0
    for i in range(n):
        row = min(age[i], MAX_AGE) + (MAX_AGE + 1) * chronic[i]
        survives = alive[i] & ~(death_draw[i] < hazard_table[row])
        alive[i] = survives
        new_age = age[i] + survives
        age[i] = new_age
        mother = (
            survives & female[i] & (new_age >= 20) & (new_age <= 39) & (birth_draw[i] < birth_rate)
        )
        mother_rows[births] = i  # kept only if a mother: the next one overwrites it otherwise
        births += mother
        household_size[household[i]] += survives + mother
    return mother_rows[:births].copy()


@numba.njit(cache=True, nogil=True)
def advance_school_stages(
    household, age, alive, stage, skill, poor_last_year, continue_draw, dropout_draw,
    high_school_entry, college_entry, graduate_skill_factor, dropout_if_poor,
    out_of_school_child,
):  # fmt: skip
    """Enrolment at 3 and 6, entry to high school at 16 and college at 19 (skill gain on
    graduating), dropout from compulsory school in poor homes. Updates `stage` and
    `skill`; fills `out_of_school_child` (a living 7-15 year old not in school).
    Float parameters are float32, like the draws they are compared with."""
    out_of_school_child[:] = False
    for i in range(age.size):
        a = age[i]
        s = stage[i]
        if a == 3:
            s = SCHOOL_PRESCHOOL
        elif a == 6:
            s = SCHOOL_COMPULSORY
        elif a == 16 and s == SCHOOL_COMPULSORY:
            s = SCHOOL_HIGH if continue_draw[i] < high_school_entry else SCHOOL_NONE
        elif a == 19 and s == SCHOOL_HIGH:
            skill[i] = skill[i] * graduate_skill_factor
            s = SCHOOL_COLLEGE if continue_draw[i] < college_entry else SCHOOL_NONE
        elif a == 23 and s == SCHOOL_COLLEGE:
            skill[i] = skill[i] * graduate_skill_factor
            s = SCHOOL_NONE
        if s == SCHOOL_COMPULSORY and dropout_draw[i] < dropout_if_poor:
            if poor_last_year[household[i]]:
                s = SCHOOL_NONE
        living = alive[i]
        s = s if living else SCHOOL_NONE
        stage[i] = s
        if (s == SCHOOL_NONE) & living & (a >= 7) & (a <= 15):
            out_of_school_child[household[i]] = True


@numba.njit(cache=True, nogil=True)
def advance_health_states(
    age, alive, chronic, episode, disability, inpatient_cost, chronic_cost, draws,
    chronic_onset_base, chronic_onset_age_slope, chronic_recovery, episode_base,
    episode_age_slope, episode_chronic_extra, disability_onset_base,
    disability_onset_age_slope, disability_onset_severe_share, episode_leaves_chronic,
):  # fmt: skip
    """Chronic onset or recovery, major-illness episodes and disability onset (partial or
    severe, from the same uniform) of one year. `draws` rows: chronic, episode,
    disability (the two cost rows are the caller's). Updates `chronic`, `episode`,
    `disability`; zeroes both costs (the caller prices episodes and chronic care).
    An episode leaves a lasting (chronic) condition with chance `episode_leaves_chronic`,
    read from the episode's own uniform (below chance x share), so it needs no draw.
    Float parameters are float32, except `episode_chronic_extra` and
    `episode_leaves_chronic` (float64, as in NumPy)."""
    chronic_draw = draws[0]
    episode_draw = draws[1]
    disability_draw = draws[2]
    for i in range(age.size):
        living = alive[i]
        years_over_30 = np.float32(max(age[i] - 30, 0))
        onset = chronic_onset_base + chronic_onset_age_slope * years_over_30
        draw = chronic_draw[i]
        ill = living & ((draw >= chronic_recovery) if chronic[i] else (draw < onset))
        chronic[i] = ill
        chance = np.float64(episode_base + episode_age_slope * years_over_30)
        chance += episode_chronic_extra if ill else 0.0
        episode[i] = living & (episode_draw[i] < chance)
        if episode[i] & ~ill & (episode_draw[i] < chance * episode_leaves_chronic):
            chronic[i] = True  # the illness lasts: its work loss and care go on next years
        inpatient_cost[i] = 0.0
        chronic_cost[i] = 0.0
        onset = disability_onset_base + disability_onset_age_slope * years_over_30
        draw = disability_draw[i]
        if living & (disability[i] == DISABILITY_NONE) & (draw < onset):
            severe = draw < onset * disability_onset_severe_share
            disability[i] = DISABILITY_SEVERE if severe else DISABILITY_PARTIAL


@numba.njit(cache=True, nogil=True)
def advance_migrants(age, labour, migrant, draw, to_migrant, from_migrant):
    """Full labourers aged 50 or less leave with chance `to_migrant`; migrants return with
    chance `from_migrant` or when they no longer can work away. Updates `migrant`.
    The chances are float32, like `draw`."""
    for i in range(age.size):
        can_migrate = (labour[i] == LABOUR_FULL) & (age[i] <= 50)
        away = migrant[i]
        stays = away & ~(draw[i] < from_migrant)
        leaves = ~away & (draw[i] < to_migrant)
        migrant[i] = can_migrate & (stays | leaves)


@numba.njit(cache=True, nogil=True)
def income_sums_by_household(
    household, age, alive, chronic, episode, disability, school_stage, skill, migrant,
    inpatient_cost, chronic_cost, labour, n_households, unit, episode_work_keep,
    migrant_rate, school_stage_cost,
):  # fmt: skip
    """Labour capacity of every member (age and schooling, capped by disability, then by
    chronic illness) written to `labour`, and per household the INCOME_SUMS columns
    (FULL_LABOURERS ... SCHOOLING_COST) in one pass. `unit` gives labour units by LABOUR_*
    code (unit[LABOUR_NONE] == 0), `episode_work_keep` the share of them an episode
    leaves, `migrant_rate` (float32) the remittance per unit of a migrant of skill 1,
    `school_stage_cost` yuan by SCHOOL_* code.

    Rows of one household usually follow each other, so the sums of the household being
    read are kept in local variables and stored when the household changes (and loaded
    again if it comes back, as for a newborn): each sum still adds the members in row
    order, starting from 0.0, as `np.bincount` does. Counts are kept as integers."""
    sums = np.empty((n_households, INCOME_SUMS))
    seen = np.zeros(n_households, dtype=np.bool_)
    episode_factor = np.array([1.0, episode_work_keep])  # x * 1.0 == x: no episode, no change
    current = -1
    full_labourers, home_units, labour_units, units_by_age, skill_home_units = 0, 0.0, 0.0, 0.0, 0.0
    migrant_wages, pensioners, disability_loss, illness_loss = 0.0, 0, 0.0, 0.0
    inpatient, chronic_care, schooling = 0.0, 0.0, 0.0
    for i in range(age.size):
        h = household[i]
        if h != current:
            if current >= 0:
                store_income_sums(
                    sums[current], full_labourers, home_units, labour_units, units_by_age,
                    skill_home_units, migrant_wages, pensioners, disability_loss,
                    illness_loss, inpatient, chronic_care, schooling,
                )  # fmt: skip
                seen[current] = True
            (
                full_labourers, home_units, labour_units, units_by_age, skill_home_units,
                migrant_wages, pensioners, disability_loss, illness_loss, inpatient,
                chronic_care, schooling,
            ) = load_income_sums(sums[h], seen[h])  # fmt: skip
            current = h
        if not alive[i]:  # no labour, so only costs can count (the engine leaves them 0)
            labour[i] = LABOUR_NONE
            inpatient += np.float64(inpatient_cost[i])
            chronic_care += np.float64(chronic_cost[i])
            schooling += school_stage_cost[school_stage[i]]
            continue
        out_of_school = school_stage[i] == SCHOOL_NONE
        by_age = LABOUR_BY_AGE[min(max(age[i], 0), MAX_AGE)] * out_of_school
        with_disability = min(by_age, LABOUR_CAP_BY_DISABILITY[disability[i]])
        actual = min(with_disability, LABOUR_FULL - chronic[i])  # chronic: partial at most
        labour[i] = actual
        units = unit[actual] * episode_factor[np.intp(episode[i])]
        person_units_by_age = unit[by_age]
        units_with_disability = unit[with_disability]
        person_skill = np.float64(skill[i])
        away = migrant[i]
        person_home_units = 0.0 if away else units
        full_labourers += actual == LABOUR_FULL
        home_units += person_home_units
        labour_units += units
        units_by_age += person_units_by_age
        skill_home_units += person_skill * person_home_units
        migrant_wages += np.float64(migrant_rate * skill[i]) * units if away else 0.0
        pensioners += age[i] >= 60
        disability_loss += person_skill * (person_units_by_age - units_with_disability)
        illness_loss += person_skill * (units_with_disability - units)
        inpatient += np.float64(inpatient_cost[i])
        chronic_care += np.float64(chronic_cost[i])
        schooling += school_stage_cost[school_stage[i]]
    if current >= 0:
        store_income_sums(
            sums[current], full_labourers, home_units, labour_units, units_by_age,
            skill_home_units, migrant_wages, pensioners, disability_loss, illness_loss,
            inpatient, chronic_care, schooling,
        )  # fmt: skip
        seen[current] = True
    for h in range(n_households):
        if not seen[h]:
            sums[h] = 0.0
    return sums


@numba.njit(cache=True, nogil=True)
def store_income_sums(
    row, full_labourers, home_units, labour_units, units_by_age, skill_home_units,
    migrant_wages, pensioners, disability_loss, illness_loss, inpatient, chronic_care,
    schooling,
):  # fmt: skip
    """Write one household's running sums to its row of the INCOME_SUMS array."""
    row[FULL_LABOURERS] = full_labourers
    row[HOME_UNITS] = home_units
    row[LABOUR_UNITS] = labour_units
    row[LABOUR_UNITS_BY_AGE] = units_by_age
    row[SKILL_HOME_UNITS] = skill_home_units
    row[MIGRANT_WAGES] = migrant_wages
    row[PENSIONERS] = pensioners
    row[SKILL_DISABILITY_LOSS] = disability_loss
    row[SKILL_ILLNESS_LOSS] = illness_loss
    row[INPATIENT_COST] = inpatient
    row[CHRONIC_COST] = chronic_care
    row[SCHOOLING_COST] = schooling


@numba.njit(cache=True, nogil=True)
def load_income_sums(row, stored):
    """One household's running sums: its row if `stored`, else zeros (counts as integers)."""
    if not stored:
        return 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0.0, 0.0, 0.0, 0.0, 0.0
    return (
        np.int64(row[FULL_LABOURERS]), row[HOME_UNITS], row[LABOUR_UNITS],
        row[LABOUR_UNITS_BY_AGE], row[SKILL_HOME_UNITS], row[MIGRANT_WAGES],
        np.int64(row[PENSIONERS]), row[SKILL_DISABILITY_LOSS], row[SKILL_ILLNESS_LOSS],
        row[INPATIENT_COST], row[CHRONIC_COST], row[SCHOOLING_COST],
    )  # fmt: skip


@numba.njit(cache=True, nogil=True)
def floor_at_zero(x):
    """`np.maximum(x, 0.0)` for one number (NaN stays NaN)."""
    return x if (x > 0.0) | (x != x) else 0.0


@numba.njit(cache=True, nogil=True)
def household_income_and_expenses(
    sums, village, remoteness, village_farm_factor, land_mu, inpatient_reimbursement,
    outpatient_reimbursement, shock_multiplier, remoteness_wage_penalty, local_wage,
    farm_value_per_unit, mu_per_labourer, pension_per_pensioner,
    full_labourers, labour_units, labour_units_by_age, farm_income, wage_income,
    pension_income, disability_wage_loss, illness_wage_loss, medical_oop, schooling_cost,
    remittance_income, inpatient_cost, chronic_cost,
):  # fmt: skip
    """Household income and expenses from the `income_sums_by_household` sums, written to
    the arrays after `pension_per_pensioner` (the remittances, in wage income, also on
    their own, and the year's gross inpatient and chronic costs, read from the same row of
    sums instead of a strided pass over each column). Farming uses the home labour the land needs
    (`mu_per_labourer` mu per unit, `farm_value_per_unit` yuan per unit times the village's
    `village_farm_factor`), the rest of home labour earns the local wage (`local_wage`
    less the remoteness penalty); both are scaled by `shock_multiplier`, floored at 0."""
    for h in range(sums.shape[0]):
        s = sums[h]
        v = village[h]
        local_hh = local_wage * (1 - remoteness_wage_penalty * remoteness[v])
        home_units = s[HOME_UNITS]
        farm_units = min(home_units, land_mu[h] / mu_per_labourer)
        farm_share = farm_units / home_units if home_units > 0 else 0.0
        farm = farm_units * farm_value_per_unit * village_farm_factor[v]
        wages = local_hh * s[SKILL_HOME_UNITS] * (1 - farm_share) + s[MIGRANT_WAGES]
        farm_income[h] = floor_at_zero(farm * shock_multiplier[h])
        wage_income[h] = floor_at_zero(wages * shock_multiplier[h])
        full_labourers[h] = s[FULL_LABOURERS]
        labour_units[h] = s[LABOUR_UNITS]
        labour_units_by_age[h] = s[LABOUR_UNITS_BY_AGE]
        pension_income[h] = pension_per_pensioner * s[PENSIONERS]
        disability_wage_loss[h] = local_hh * s[SKILL_DISABILITY_LOSS]
        illness_wage_loss[h] = local_hh * s[SKILL_ILLNESS_LOSS]
        inpatient_oop = s[INPATIENT_COST] * (1 - inpatient_reimbursement[h])
        medical_oop[h] = inpatient_oop + s[CHRONIC_COST] * (1 - outpatient_reimbursement[h])
        schooling_cost[h] = s[SCHOOLING_COST]
        remittance_income[h] = floor_at_zero(s[MIGRANT_WAGES] * shock_multiplier[h])
        inpatient_cost[h] = s[INPATIENT_COST]
        chronic_cost[h] = s[CHRONIC_COST]


# Columns of the (households x MEMBER_COLUMNS) counts `member_profile` returns.
MEMBERS_WORKING_AGE = 0  # living members aged 16-59
MEMBERS_ELDERLY = 1  # aged 60 or more
MEMBERS_LABOURERS = 2  # with any labour capacity
MEMBERS_FULL_LOCAL = 3  # full labourers not working away
MEMBERS_MIGRANTS = 4  # working away
MEMBERS_PARTIAL = 5  # partial labourers
MEMBERS_WORKING_AGE_LABOURERS = 6  # aged 16-59 with any labour capacity
MEMBER_COLUMNS = 7
WORKING_AGE_FROM, ELDERLY_FROM = 16, 60  # working age is 16-59 (as LABOUR_BY_AGE)


@numba.njit(cache=True, nogil=True, inline="always")
def member_kinds(living, age, labour, away):  # fmt: skip
    """Whether a member counts to each MEMBERS_* column (in column order), from tests
    combined without a branch: kinds of members alternate unpredictably along the rows."""
    working_age = living & (age >= WORKING_AGE_FROM) & (age < ELDERLY_FROM)
    has_labour = living & (labour != LABOUR_NONE)
    return (
        working_age,  # MEMBERS_WORKING_AGE
        living & (age >= ELDERLY_FROM),  # MEMBERS_ELDERLY
        has_labour,  # MEMBERS_LABOURERS
        living & (labour == LABOUR_FULL) & (not away),  # MEMBERS_FULL_LOCAL
        living & away,  # MEMBERS_MIGRANTS
        living & (labour == LABOUR_PARTIAL),  # MEMBERS_PARTIAL
        working_age & has_labour,  # MEMBERS_WORKING_AGE_LABOURERS
    )


@numba.njit(cache=True, nogil=True)
def member_profile(household, alive, age, labour, migrant, skill, n_households):  # fmt: skip
    """Counts of living members by kind per household (columns MEMBERS_*), and the sum of
    the labourers' skill (float64, in row order as `np.bincount` adds): what instruments
    read for eligibility (wubao, jobs, posts) and success (projects), in one pass.
    A row's tests are combined without a branch (`member_kinds`): twice as fast as a
    branch per kind. A dead member's skill, or a non-labourer's, adds 0.0 (x + 0.0 is x:
    the sum starts at +0.0 and adds positive skills only)."""
    counts = np.zeros((n_households, MEMBER_COLUMNS), dtype=np.int32)
    skill_sum = np.zeros(n_households, dtype=np.float64)
    for i in range(household.size):
        h = household[i]
        kinds = member_kinds(alive[i], age[i], labour[i], migrant[i])
        for column in range(MEMBER_COLUMNS):
            counts[h, column] += kinds[column]
        skill_sum[h] += np.float64(skill[i]) * kinds[MEMBERS_LABOURERS]
    return counts, skill_sum


@numba.njit(cache=True, nogil=True)
def persons_by_village(village, size, registered, n_villages):  # fmt: skip
    """Persons (members of every household) and persons of registered households per
    village, as float64: what `np.bincount(village, weights=size)` and
    `np.bincount(village, weights=size * registered)` give (whole numbers, exact), in one
    pass over the households instead of two weighted counts."""
    persons = np.zeros(n_villages, dtype=np.float64)
    on_registry = np.zeros(n_villages, dtype=np.float64)
    for i in range(village.size):
        members = np.float64(size[i])
        persons[village[i]] += members
        on_registry[village[i]] += members * registered[i]
    return persons, on_registry
