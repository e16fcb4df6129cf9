"""The compiled kernels (model/engine/kernels.py) against the NumPy code they replaced.

The references below are the whole-array NumPy formulations of model/engine/dynamics.py before
the kernels (commit dde8296), unchanged but for their names; they use the NumPy helpers
below (`sum_by_household`, `labour_by_age`, `cap_by_disability`). Each dynamics
function, which draws with NumPy and calls its kernel, must leave every person, household
and village array equal byte for byte to what its reference leaves.

Inputs are small and random, with what the engine meets at the edges: dead persons,
households without members, a household whose members all work away, a household whose
members are all dead, rows of one household apart (newborns are appended at the end),
ages past the lookup tables, and uniforms exactly at (or one float32 step either side of)
the thresholds they are compared with.
"""

from __future__ import annotations

import copy
from dataclasses import fields

import numpy as np
import pytest

from model.engine import dynamics, kernels
from model.engine.dynamics import MAX_AGE, lognormal_from_uniform
from model.engine.params import DynamicsParams
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
    Households,
    Persons,
    Villages,
)

# --- references: the NumPy code of model/engine/dynamics.py at dde8296 ---------------------------


def sum_by_household(persons: Persons, n_households: int, weights: np.ndarray) -> np.ndarray:
    """Per-household sum of a per-person array (bool counts or amounts; zero it for members
    who should not count). One bincount pass; the yearly dynamics sum in their kernels,
    in the same order, and tests/test_kernels.py checks them against this."""
    return np.bincount(persons.household[: persons.n], weights=weights, minlength=n_households)


def labour_by_age(persons: Persons) -> np.ndarray:
    """Labour capacity from age and schooling alone (the 'healthy' counterfactual).

    NumPy formulation of what `kernels.income_sums_by_household` computes per row."""
    n = persons.n
    age = persons.age[:n]
    labour = kernels.LABOUR_BY_AGE.take(age, mode="clip")
    labour *= (persons.school_stage[:n] == SCHOOL_NONE) & persons.alive[:n]  # LABOUR_NONE == 0
    return labour


def cap_by_disability(labour: np.ndarray, disability: np.ndarray) -> np.ndarray:
    """Severe disability removes labour capacity, partial disability halves it."""
    capped = np.where(disability == DISABILITY_SEVERE, LABOUR_NONE, labour)
    return np.where(
        disability == DISABILITY_PARTIAL, np.minimum(capped, LABOUR_PARTIAL), capped
    ).astype(np.int8)


def reference_advance_demography(persons, households, params, rng):
    demo = params.demography
    n = persons.n
    death_draw, birth_draw = rng.random((2, n), dtype=np.float32)
    alive = persons.alive[:n]
    age = persons.age[:n]
    hazard_by_age = demo.mortality_at_age_0 * np.exp(
        demo.mortality_age_growth * np.arange(MAX_AGE + 1)
    )
    table = hazard_by_age.astype(np.float32)
    table = np.concatenate([table, table * demo.chronic_mortality_multiplier])
    index = np.minimum(age, MAX_AGE).astype(np.intp)
    index += (MAX_AGE + 1) * persons.chronic[:n]
    hazard = table.take(index)
    dies = alive & (death_draw < hazard)
    alive &= ~dies
    age += alive
    mothers = (
        alive
        & persons.female[:n]
        & (age >= 20)
        & (age <= 39)
        & (birth_draw < demo.birth_rate_women_20_39)
    )
    births = int(mothers.sum())
    if births:
        newborn_female = rng.random(births) < 0.5
        persons.ensure_capacity(n + births)
        rows = slice(n, n + births)
        persons.household[rows] = persons.household[:n][mothers]
        persons.age[rows] = 0
        persons.female[rows] = newborn_female
        persons.alive[rows] = True
        persons.skill[rows] = persons.skill[:n][mothers]
        persons.n = n + births
    households.size[:] = sum_by_household(persons, households.n, persons.alive[: persons.n])
    return births


def reference_advance_schooling(persons, households, params, rng):
    n = persons.n
    continue_draw, dropout_draw = rng.random((2, n), dtype=np.float32)
    age = persons.age[:n]
    stage = persons.school_stage[:n]
    skill = persons.skill[:n]
    stage[age == 3] = SCHOOL_PRESCHOOL
    stage[age == 6] = SCHOOL_COMPULSORY
    to_high = (age == 16) & (stage == SCHOOL_COMPULSORY)
    stage[to_high] = np.where(
        continue_draw[to_high] < params.high_school_entry, SCHOOL_HIGH, SCHOOL_NONE
    )
    graduate_high = (age == 19) & (stage == SCHOOL_HIGH)
    skill[graduate_high] *= 1 + params.graduate_skill_gain
    stage[graduate_high] = np.where(
        continue_draw[graduate_high] < params.college_entry, SCHOOL_COLLEGE, SCHOOL_NONE
    )
    graduate_college = (age == 23) & (stage == SCHOOL_COLLEGE)
    skill[graduate_college] *= 1 + params.graduate_skill_gain
    stage[graduate_college] = SCHOOL_NONE
    poor_home = households.poor_last_year[persons.household[:n]]
    drops = (stage == SCHOOL_COMPULSORY) & poor_home & (dropout_draw < params.dropout_if_poor)
    stage[drops] = SCHOOL_NONE
    stage *= persons.alive[:n]
    compulsory_age = (age >= 7) & (age <= 15) & persons.alive[:n]
    households.out_of_school_child[:] = (
        sum_by_household(persons, households.n, compulsory_age & (stage == SCHOOL_NONE)) > 0
    )


def reference_advance_health(persons, params, rng, price_index):
    n = persons.n
    draws = rng.random((5, n), dtype=np.float32)
    chronic_draw, episode_draw, disability_draw, episode_cost_u, chronic_cost_u = draws
    alive = persons.alive[:n]
    chronic = persons.chronic[:n]
    years_over_30 = np.maximum(persons.age[:n] - 30, 0).astype(np.float32)
    onset = params.chronic_onset_base + params.chronic_onset_age_slope * years_over_30
    chronic[:] = alive & np.where(
        chronic, chronic_draw >= params.chronic_recovery, chronic_draw < onset
    )
    episode_chance = (
        params.episode_base
        + params.episode_age_slope * years_over_30
        + params.episode_chronic_extra * chronic
    )
    episode = persons.episode[:n]
    episode[:] = alive & (episode_draw < episode_chance)
    # an episode leaves a chronic condition, read from its own uniform
    chronic |= episode & ~chronic & (episode_draw < episode_chance * params.episode_leaves_chronic)
    persons.inpatient_cost[:n] = 0.0
    rows = np.flatnonzero(episode)
    persons.inpatient_cost[rows] = lognormal_from_uniform(
        episode_cost_u[rows], params.episode_cost_median * price_index, params.episode_cost_log_sd
    )
    persons.chronic_cost[:n] = 0.0
    rows = np.flatnonzero(chronic)
    persons.chronic_cost[rows] = lognormal_from_uniform(
        chronic_cost_u[rows], params.chronic_cost_median * price_index, params.chronic_cost_log_sd
    )
    dis_chance = params.disability_onset_base + params.disability_onset_age_slope * years_over_30
    new_disability = (
        alive & (persons.disability[:n] == DISABILITY_NONE) & (disability_draw < dis_chance)
    )
    severe = disability_draw < dis_chance * params.disability_onset_severe_share
    persons.disability[:n][new_disability] = np.where(
        severe[new_disability], DISABILITY_SEVERE, DISABILITY_PARTIAL
    )


def reference_advance_migration(persons, params, rng):
    n = persons.n
    draw = rng.random(n, dtype=np.float32)
    migrant = persons.migrant[:n]
    can_migrate = (persons.labour[:n] == LABOUR_FULL) & (persons.age[:n] <= 50)
    leaves = ~migrant & can_migrate & (draw < params.to_migrant)
    returns = migrant & (draw < params.from_migrant)
    migrant[:] = (migrant & ~returns & can_migrate) | leaves


def reference_compute_income_and_expenses(
    persons, households, villages, params, shock_multiplier, money_index, school_index,
    pension_per_person,
):  # fmt: skip
    inc, shocks, school = params.income, params.shocks, params.schooling
    n, nh = persons.n, households.n
    alive = persons.alive[:n]
    unit = np.array([0.0, inc.partial_labour_factor, 1.0])
    age_labour = labour_by_age(persons)
    disability_labour = cap_by_disability(age_labour, persons.disability[:n])
    actual = np.where(
        persons.chronic[:n], np.minimum(disability_labour, LABOUR_PARTIAL), disability_labour
    )
    persons.labour[:n] = actual
    units = unit.take(actual)
    units[persons.episode[:n]] *= 1 - params.health.episode_work_loss
    units_by_age = unit.take(age_labour)
    units_with_disability = unit.take(disability_labour)
    access = 1 - inc.remoteness_wage_penalty * villages.remoteness[households.village]
    local_hh = (inc.local_wage_full * money_index) * access
    skill = persons.skill[:n]
    migrant = persons.migrant[:n] & alive
    home_units_each = np.where(migrant, 0.0, units)
    households.full_labourers[:] = sum_by_household(persons, nh, actual == LABOUR_FULL)
    home_units = sum_by_household(persons, nh, home_units_each)
    households.labour_units[:] = sum_by_household(persons, nh, units)
    households.labour_units_by_age[:] = sum_by_household(persons, nh, units_by_age)
    farm_units = np.minimum(home_units, households.land_mu / inc.mu_per_labourer)
    farm_share = np.divide(farm_units, home_units, out=np.zeros(nh), where=home_units > 0)
    farm_loss = (
        shocks.disaster_farm_loss * villages.disaster
        + shocks.price_shock_loss * villages.price_shock
    )
    farm = (
        farm_units
        * (inc.mu_per_labourer * inc.farm_net_per_mu * money_index)
        * (villages.land_productivity * np.clip(1 - farm_loss, 0, 1))[households.village]
    )
    migrant_rate = inc.migrant_wage_full * inc.migrant_remit_share * money_index
    wage_each = np.where(migrant, migrant_rate * skill * units, 0.0)
    local_wages = (
        local_hh * sum_by_household(persons, nh, skill * home_units_each) * (1 - farm_share)
    )
    wages = local_wages + sum_by_household(persons, nh, wage_each)
    households.farm_income[:] = np.maximum(farm * shock_multiplier, 0.0)
    households.wage_income[:] = np.maximum(wages * shock_multiplier, 0.0)
    households.remittance_income[:] = np.maximum(
        sum_by_household(persons, nh, wage_each) * shock_multiplier, 0.0
    )
    households.pension_income[:] = (
        pension_per_person + inc.elderly_support_per_person * money_index
    ) * sum_by_household(persons, nh, alive & (persons.age[:n] >= 60))
    households.disability_wage_loss[:] = local_hh * sum_by_household(
        persons, nh, skill * (units_by_age - units_with_disability)
    )
    households.illness_wage_loss[:] = local_hh * sum_by_household(
        persons, nh, skill * (units_with_disability - units)
    )
    households.inpatient_cost[:] = sum_by_household(persons, nh, persons.inpatient_cost[:n])
    households.chronic_cost[:] = sum_by_household(persons, nh, persons.chronic_cost[:n])
    households.medical_oop[:] = households.inpatient_cost * (
        1 - households.inpatient_reimbursement
    ) + households.chronic_cost * (1 - households.outpatient_reimbursement)
    stage_cost = np.zeros(SCHOOL_COLLEGE + 1)
    stage_cost[SCHOOL_PRESCHOOL] = school.cost_preschool
    stage_cost[SCHOOL_COMPULSORY] = school.cost_compulsory
    stage_cost[SCHOOL_HIGH] = school.cost_high_school
    stage_cost[SCHOOL_COLLEGE] = school.cost_college
    households.schooling_cost[:] = sum_by_household(
        persons, nh, (stage_cost * school_index).take(persons.school_stage[:n])
    )


# --- inputs ---------------------------------------------------------------------------------

N_HOUSEHOLDS, N_VILLAGES = 60, 5
ALL_MIGRANTS, ALL_DEAD = 50, 51  # households 52-59 have no members
AGES = np.array(  # ages at and around every age a rule or table looks at (before ageing, too)
    [0, 2, 3, 5, 6, 7, 15, 16, 18, 19, 20, 22, 23, 30, 31, 38, 39, 40, 50, 51, 59, 60, 69, 70,
     95, 119, 120, 121, 125],
    dtype=np.int16,
)  # fmt: skip
# The school stage a child of each age has before this year's transitions, mostly.
STAGE_BY_AGE = np.zeros(126, dtype=np.int8)
STAGE_BY_AGE[4:7] = SCHOOL_PRESCHOOL
STAGE_BY_AGE[7:17] = SCHOOL_COMPULSORY
STAGE_BY_AGE[17:20] = SCHOOL_HIGH
STAGE_BY_AGE[20:24] = SCHOOL_COLLEGE

DEFAULT = DynamicsParams()
AWKWARD = DynamicsParams.model_validate(
    {  # rates high enough for events in a small county, most of them rounded down in float32
        "demography": {
            "mortality_at_age_0": 0.0031,
            "mortality_age_growth": 0.071,
            "chronic_mortality_multiplier": 2.7,
            "birth_rate_women_20_39": 0.16,
        },
        "health": {
            "chronic_onset_base": 0.013,
            "chronic_onset_age_slope": 0.0011,
            "chronic_recovery": 0.11,
            "episode_base": 0.07,
            "episode_age_slope": 0.0013,
            "episode_chronic_extra": 0.1,
            "disability_onset_base": 0.03,
            "disability_onset_age_slope": 0.0007,
            "disability_onset_severe_share": 0.19,
            "episode_work_loss": 0.3,
            "episode_leaves_chronic": 0.37,
        },
        "income": {"to_migrant": 0.12, "from_migrant": 0.16, "partial_labour_factor": 0.6},
        "schooling": {
            "high_school_entry": 0.35,
            "college_entry": 0.19,
            "dropout_if_poor": 0.12,
            "graduate_skill_gain": 0.3,
        },
    }
)
PARAMS = {"default": DEFAULT, "awkward": AWKWARD}


def county(seed: int, n_persons: int = 1500) -> tuple[Persons, Households, Villages]:
    """A small random county with the edge cases of the module docstring."""
    rng = np.random.default_rng(seed)
    sorted_rows = n_persons * 3 // 4
    household = np.concatenate(
        [
            np.sort(rng.integers(0, ALL_MIGRANTS, sorted_rows)),
            np.full(5, ALL_MIGRANTS),
            np.full(4, ALL_DEAD),
            rng.integers(0, ALL_MIGRANTS, n_persons - sorted_rows - 9),  # like newborns
        ]
    )
    n = household.size
    migrants, dead = household == ALL_MIGRANTS, household == ALL_DEAD
    age = np.where(migrants, 30, rng.choice(AGES, n)).astype(np.int16)
    stage = np.where(rng.random(n) < 0.5, STAGE_BY_AGE[age], rng.integers(0, 5, n))
    persons = Persons(
        household=household,
        age=age,
        female=rng.random(n) < 0.5,
        alive=(rng.random(n) < 0.8) & ~dead | migrants,
        chronic=(rng.random(n) < 0.3) & ~migrants,
        episode=(rng.random(n) < 0.2) & ~migrants,
        disability=np.where(
            migrants | (rng.random(n) < 0.6), DISABILITY_NONE, rng.integers(1, 3, n)
        ).astype(np.int8),
        school_stage=np.where(migrants, SCHOOL_NONE, stage).astype(np.int8),
        skill=rng.lognormal(0.0, 0.4, n).astype(np.float32),
        migrant=(rng.random(n) < 0.3) | migrants,
        labour=np.where(migrants, LABOUR_FULL, rng.integers(0, 3, n)).astype(np.int8),
        inpatient_cost=np.where(rng.random(n) < 0.2, rng.lognormal(8, 1, n), 0).astype(np.float32),
        chronic_cost=np.where(rng.random(n) < 0.3, rng.lognormal(7, 1, n), 0).astype(np.float32),
        n=n,
    )
    households = Households(
        village=rng.integers(0, N_VILLAGES, N_HOUSEHOLDS),
        land_mu=np.where(
            rng.random(N_HOUSEHOLDS) < 0.1, 0.0, rng.lognormal(1.5, 0.8, N_HOUSEHOLDS)
        ),
        housing_safe=rng.random(N_HOUSEHOLDS) < 0.7,
        insured=rng.random(N_HOUSEHOLDS) < 0.9,
        inpatient_reimbursement=rng.choice([0.0, 0.45, 0.6], N_HOUSEHOLDS),
        outpatient_reimbursement=rng.choice([0.0, 0.3], N_HOUSEHOLDS),
        income_shock_persistent=rng.normal(0, 0.2, N_HOUSEHOLDS),
    )
    households.size[:] = np.bincount(household, weights=persons.alive, minlength=N_HOUSEHOLDS)
    households.poor_last_year[:] = rng.random(N_HOUSEHOLDS) < 0.4
    villages = Villages(
        remoteness=rng.random(N_VILLAGES),
        road=rng.random(N_VILLAGES) < 0.5,
        safe_water=rng.random(N_VILLAGES) < 0.5,
        land_productivity=rng.lognormal(0, 0.3, N_VILLAGES),
        collective_income=rng.lognormal(10, 1, N_VILLAGES),
    )
    villages.disaster[:] = rng.random(N_VILLAGES) < 0.4
    villages.price_shock[:] = rng.random(N_VILLAGES) < 0.4
    return persons, households, villages


class CraftedGenerator:
    """Stands in for a process's np.random.Generator: the uniforms of a generator seeded with
    `seed`, but in row k of a float32 draw (row 0 if it is one-dimensional) a third are set
    exactly at a threshold of `thresholds[k]`, or one float32 step either side, so that each
    `<` against a float32 threshold is checked where rounding decides it. `thresholds[k]`
    lists groups, one chosen at random for each uniform set: a number, or one threshold
    per person row (an array as long as the draw row)."""

    def __init__(self, seed: int, thresholds: list[list]):
        self._rng = np.random.default_rng(seed)
        self._groups = thresholds

    def random(self, size=None, dtype=np.float64):
        draws = self._rng.random(size, dtype=dtype)
        if dtype != np.float32:
            return draws
        for row, groups in zip(np.atleast_2d(draws), self._groups, strict=False):
            chosen = np.flatnonzero(self._rng.random(row.size) < 1 / 3)
            group = self._rng.integers(0, len(groups), chosen.size)
            for g, threshold in enumerate(groups):
                at = chosen[group == g]
                value = np.broadcast_to(np.asarray(threshold, dtype=np.float32), row.shape)[at]
                step = self._rng.integers(-1, 2, at.size)  # one float32 step down, none, up
                value = np.where(step < 0, np.nextafter(value, np.float32(0)), value)
                value = np.where(step > 0, np.nextafter(value, np.float32(1)), value)
                row[at] = np.where((value >= 0) & (value < 1), value, row[at])
        return draws


def years_over_30(persons: Persons) -> np.ndarray:
    return np.maximum(persons.age[: persons.n] - 30, 0).astype(np.float32)


def demography_thresholds(persons: Persons, params: DynamicsParams) -> list[list]:
    demo = params.demography
    hazard = demo.mortality_at_age_0 * np.exp(demo.mortality_age_growth * np.arange(MAX_AGE + 1))
    table = hazard.astype(np.float32)
    table = np.concatenate([table, table * demo.chronic_mortality_multiplier])
    n = persons.n
    hazard = table[np.minimum(persons.age[:n], MAX_AGE) + (MAX_AGE + 1) * persons.chronic[:n]]
    return [[hazard], [demo.birth_rate_women_20_39]]


def schooling_thresholds(persons: Persons, params: DynamicsParams) -> list[list]:
    s = params.schooling
    return [[s.high_school_entry, s.college_entry], [s.dropout_if_poor]]


def health_thresholds(persons: Persons, params: DynamicsParams) -> list[list]:
    h, years = params.health, years_over_30(persons)
    episode = h.episode_base + h.episode_age_slope * years
    disability = h.disability_onset_base + h.disability_onset_age_slope * years
    return [
        [h.chronic_onset_base + h.chronic_onset_age_slope * years, h.chronic_recovery],
        [episode, episode + h.episode_chronic_extra],
        [disability, disability * h.disability_onset_severe_share],
    ]


def migration_thresholds(persons: Persons, params: DynamicsParams) -> list[list]:
    return [[params.income.to_migrant, params.income.from_migrant]]


def assert_same(reference, candidate, label: str) -> None:
    """Every array field equal byte for byte (dtype included); other fields equal."""
    for f in fields(reference):
        a, b = getattr(reference, f.name), getattr(candidate, f.name)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape, f"{label}.{f.name}"
            if a.tobytes() != b.tobytes():
                bytes_a, bytes_b = (x.view(np.uint8).reshape(len(x), -1) for x in (a, b))
                rows = np.flatnonzero(np.any(bytes_a != bytes_b, axis=1))
                pytest.fail(f"{label}.{f.name} differs at rows {rows[:10]}")
        else:
            assert a == b, f"{label}.{f.name}"


def twin_counties(seed: int):
    state = county(seed)
    return state, copy.deepcopy(state)


def income_arguments(state, params, seed):
    persons, households, villages = state
    multiplier = np.random.default_rng(seed).lognormal(0, 0.3, households.n)
    return (persons, households, villages, params, multiplier, 1.07, 1.1, 660.0)


# --- one kernel at a time -------------------------------------------------------------------

SEEDS = [1, 2, 3]


@pytest.mark.parametrize("name", PARAMS)
@pytest.mark.parametrize("seed", SEEDS)
def test_deaths_ageing_and_mothers_as_numpy(seed, name):
    params = PARAMS[name]
    (p1, h1, _), (p2, h2, _) = twin_counties(seed)
    thresholds = demography_thresholds(p1, params)
    births = reference_advance_demography(p1, h1, params, CraftedGenerator(seed, thresholds))
    assert births == dynamics.advance_demography(p2, h2, params, CraftedGenerator(seed, thresholds))
    assert_same(p1, p2, "persons")
    assert_same(h1, h2, "households")


@pytest.mark.parametrize("name", PARAMS)
@pytest.mark.parametrize("seed", SEEDS)
def test_advance_school_stages_as_numpy(seed, name):
    params = PARAMS[name]
    (p1, h1, _), (p2, h2, _) = twin_counties(seed)
    thresholds = schooling_thresholds(p1, params)
    reference_advance_schooling(p1, h1, params.schooling, CraftedGenerator(seed, thresholds))
    dynamics.advance_schooling(p2, h2, params.schooling, CraftedGenerator(seed, thresholds))
    assert_same(p1, p2, "persons")
    assert_same(h1, h2, "households")


@pytest.mark.parametrize("name", PARAMS)
@pytest.mark.parametrize("seed", SEEDS)
def test_advance_health_states_as_numpy(seed, name):
    params = PARAMS[name]
    (p1, _, _), (p2, _, _) = twin_counties(seed)
    thresholds = health_thresholds(p1, params)
    reference_advance_health(p1, params.health, CraftedGenerator(seed, thresholds), 1.3)
    dynamics.advance_health(p2, params.health, CraftedGenerator(seed, thresholds), 1.3)
    assert_same(p1, p2, "persons")


@pytest.mark.parametrize("name", PARAMS)
@pytest.mark.parametrize("seed", SEEDS)
def test_advance_migrants_as_numpy(seed, name):
    params = PARAMS[name]
    (p1, _, _), (p2, _, _) = twin_counties(seed)
    thresholds = migration_thresholds(p1, params)
    reference_advance_migration(p1, params.income, CraftedGenerator(seed, thresholds))
    dynamics.advance_migration(p2, params.income, CraftedGenerator(seed, thresholds))
    assert_same(p1, p2, "persons")


@pytest.mark.parametrize("name", PARAMS)
@pytest.mark.parametrize("seed", SEEDS)
def test_income_kernels_as_numpy(seed, name):
    """income_sums_by_household and household_income_and_expenses, through the function."""
    params = PARAMS[name]
    state1, state2 = twin_counties(seed)
    reference_compute_income_and_expenses(*income_arguments(state1, params, seed))
    dynamics.compute_income_and_expenses(*income_arguments(state2, params, seed))
    for label, a, b in zip(("persons", "households", "villages"), state1, state2, strict=True):
        assert_same(a, b, label)


def test_income_sums_by_household_as_bincount_at_the_edges():
    """Each column against its bincount, including empty, all-dead and all-migrant homes."""
    persons, households, _ = county(4)
    n, nh = persons.n, households.n
    unit, keep, rate = np.array([0.0, 0.6, 1.0]), 0.7, np.float32(7500.0)
    stage_cost = np.array([0.0, 800.0, 700.0, 4000.0, 12000.0])
    labour = np.full(n, 9, dtype=np.int8)
    sums = kernels.income_sums_by_household(
        persons.household[:n], persons.age[:n], persons.alive[:n], persons.chronic[:n],
        persons.episode[:n], persons.disability[:n], persons.school_stage[:n],
        persons.skill[:n], persons.migrant[:n], persons.inpatient_cost[:n],
        persons.chronic_cost[:n], labour, nh, unit, keep, rate, stage_cost,
    )  # fmt: skip
    by_age = labour_by_age(persons)
    with_disability = cap_by_disability(by_age, persons.disability[:n])
    actual = np.where(persons.chronic[:n], np.minimum(with_disability, LABOUR_PARTIAL),
                      with_disability)  # fmt: skip
    assert np.array_equal(labour, actual)
    alive, skill = persons.alive[:n], persons.skill[:n]
    units = unit.take(actual) * np.where(persons.episode[:n], keep, 1.0)
    away = persons.migrant[:n] & alive
    home = np.where(away, 0.0, units)
    columns = {
        kernels.FULL_LABOURERS: actual == LABOUR_FULL,
        kernels.HOME_UNITS: home,
        kernels.LABOUR_UNITS: units,
        kernels.LABOUR_UNITS_BY_AGE: unit.take(by_age),
        kernels.SKILL_HOME_UNITS: skill * home,
        kernels.MIGRANT_WAGES: np.where(away, rate * skill * units, 0.0),
        kernels.PENSIONERS: alive & (persons.age[:n] >= 60),
        kernels.SKILL_DISABILITY_LOSS: skill * (unit.take(by_age) - unit.take(with_disability)),
        kernels.SKILL_ILLNESS_LOSS: skill * (unit.take(with_disability) - units),
        kernels.INPATIENT_COST: persons.inpatient_cost[:n],
        kernels.CHRONIC_COST: persons.chronic_cost[:n],
        kernels.SCHOOLING_COST: stage_cost.take(persons.school_stage[:n]),
    }
    assert sorted(columns) == list(range(kernels.INCOME_SUMS))
    for column, weights in columns.items():
        expected = sum_by_household(persons, nh, weights)
        assert sums[:, column].tobytes() == expected.tobytes(), column
    assert np.all(sums[ALL_DEAD + 1 :] == 0.0), "households without members"
    dead = sums[ALL_DEAD]
    assert dead[kernels.LABOUR_UNITS] == dead[kernels.PENSIONERS] == 0.0, "all dead"
    migrants = sums[ALL_MIGRANTS]
    assert migrants[kernels.HOME_UNITS] == 0.0 and migrants[kernels.MIGRANT_WAGES] > 0.0
    assert migrants[kernels.FULL_LABOURERS] == migrants[kernels.LABOUR_UNITS] == 5.0
    assert np.all(labour[~alive] == 0) and not (alive.all() or np.all(by_age == LABOUR_FULL))


def test_household_income_of_the_edge_households():
    """All-migrant homes farm nothing and earn their remittances; empty homes earn nothing."""
    persons, households, villages = county(5)
    args = income_arguments((persons, households, villages), DEFAULT, 5)
    dynamics.compute_income_and_expenses(*args)
    migrants = ALL_MIGRANTS
    assert households.farm_income[migrants] == 0.0 and households.wage_income[migrants] > 0.0
    assert households.full_labourers[migrants] == 5
    for name in ("farm_income", "wage_income", "pension_income", "medical_oop", "labour_units"):
        assert np.all(getattr(households, name)[ALL_DEAD + 1 :] == 0.0), name


def test_no_person_rows():
    """A county whose person rows are all gone: every household sum is zero."""
    persons, households, villages = county(6)
    persons.n = 0
    state = (persons, households, villages)
    dynamics.compute_income_and_expenses(*income_arguments(state, DEFAULT, 6))
    assert np.all(households.labour_units == 0.0) and np.all(households.medical_oop == 0.0)
    assert dynamics.advance_demography(persons, households, DEFAULT, np.random.default_rng(1)) == 0
    assert np.all(households.size == 0)


def test_floor_at_zero_as_numpy_maximum():
    values = np.array([-1.0, -0.0, 0.0, 1e-300, 2.5, np.inf, -np.inf, np.nan])
    floored = np.array([kernels.floor_at_zero(x) for x in values])
    assert floored.tobytes() == np.maximum(values, 0.0).tobytes()


# --- a few whole years ----------------------------------------------------------------------

STEPS = ("demography", "schooling", "health", "migration", "income")


def run_step(step, state, params, year, reference: bool) -> None:
    """One dynamics function (or its reference) with a generator seeded by year and step."""
    persons, households, villages = state
    rng = np.random.default_rng(100 * year + STEPS.index(step))
    if step == "demography":
        run = reference_advance_demography if reference else dynamics.advance_demography
        run(persons, households, params, rng)
    elif step == "schooling":
        run = reference_advance_schooling if reference else dynamics.advance_schooling
        run(persons, households, params.schooling, rng)
    elif step == "health":
        run = reference_advance_health if reference else dynamics.advance_health
        run(persons, params.health, rng, 1.05**year)
    elif step == "migration":
        run = reference_advance_migration if reference else dynamics.advance_migration
        run(persons, params.income, rng)
    else:
        run = (
            reference_compute_income_and_expenses
            if reference
            else dynamics.compute_income_and_expenses
        )
        run(*income_arguments(state, params, year))


@pytest.mark.parametrize("name", PARAMS)
def test_years_of_dynamics_as_numpy(name):
    """The five steps chained for five years with real generators (births included, so rows
    of a household come apart), compared after every step."""
    params = PARAMS[name]
    state1, state2 = twin_counties(7)
    for year in range(5):
        for step in STEPS:
            run_step(step, state1, params, year, reference=True)
            run_step(step, state2, params, year, reference=False)
            for part, a, b in zip(("persons", "households", "villages"), state1, state2,
                                  strict=True):  # fmt: skip
                assert_same(a, b, f"year {year} {step}: {part}")
    assert state1[0].n > county(7)[0].n, "no births: the test proves less than it says"


@pytest.mark.parametrize("crowd", [None, 511, 512])
def test_member_profile_counts_each_kind_of_member_as_numpy_does(crowd):
    """Each count as np.bincount's, and the skill sum to the byte, also for a household
    of hundreds of members: `crowd` gives household 0 that many living members, all
    working-age full labourers at home."""
    from model.engine.state import LABOUR_FULL, LABOUR_NONE, LABOUR_PARTIAL

    rng = np.random.default_rng(4)
    n_households, rows = 60, 500
    household = rng.integers(0, n_households, rows).astype(np.intp)
    alive = rng.random(rows) < 0.9
    age = rng.integers(0, 95, rows).astype(np.int16)
    labour = rng.integers(0, 3, rows).astype(np.int8)
    migrant = rng.random(rows) < 0.2
    if crowd is not None:
        extra = crowd - np.count_nonzero(alive & (household == 0))
        household = np.concatenate([household, np.zeros(extra, dtype=np.intp)])
        alive = np.concatenate([alive, np.ones(extra, dtype=bool)])
        age = np.concatenate([age, np.full(extra, 30, dtype=np.int16)])
        labour = np.concatenate([labour, np.full(extra, LABOUR_FULL, dtype=np.int8)])
        migrant = np.concatenate([migrant, np.zeros(extra, dtype=bool)])
    skill = rng.random(household.size).astype(np.float32) + 0.5
    most_members = int(np.bincount(household[alive], minlength=n_households).max())
    assert crowd is None or most_members == crowd
    counts, skill_sum = kernels.member_profile(
        household, alive, age, labour, migrant, skill, n_households
    )

    def count(mask):
        return np.bincount(household[alive & mask], minlength=n_households)

    working_age = (age >= 16) & (age < 60)
    expected = {
        kernels.MEMBERS_WORKING_AGE: count(working_age),
        kernels.MEMBERS_ELDERLY: count(age >= 60),
        kernels.MEMBERS_LABOURERS: count(labour != LABOUR_NONE),
        kernels.MEMBERS_FULL_LOCAL: count((labour == LABOUR_FULL) & ~migrant),
        kernels.MEMBERS_MIGRANTS: count(migrant),
        kernels.MEMBERS_PARTIAL: count(labour == LABOUR_PARTIAL),
        kernels.MEMBERS_WORKING_AGE_LABOURERS: count(working_age & (labour != LABOUR_NONE)),
    }
    for column, values in expected.items():
        assert np.array_equal(counts[:, column], values), column
    labourers = alive & (labour != LABOUR_NONE)
    expected_skill = np.bincount(
        household[labourers], weights=skill[labourers].astype(np.float64), minlength=n_households
    )
    assert skill_sum.tobytes() == expected_skill.tobytes()


def test_persons_by_village_as_weighted_bincounts():
    rng = np.random.default_rng(21)
    n, n_villages = 500, 12
    village = rng.integers(0, n_villages - 1, n)  # the last village has no household
    size = rng.integers(0, 7, n).astype(np.int32)
    registered = rng.random(n) < 0.3
    persons, on_registry = kernels.persons_by_village(village, size, registered, n_villages)
    expected = np.bincount(village, weights=size, minlength=n_villages)
    expected_registry = np.bincount(village, weights=size * registered, minlength=n_villages)
    assert persons.tobytes() == expected.tobytes()
    assert on_registry.tobytes() == expected_registry.tobytes()
    assert persons[-1] == 0 and 0 < on_registry.sum() < persons.sum()
