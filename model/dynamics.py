"""Yearly dynamics (DESIGN.md section 4, steps 1-3) as pure functions over the arrays.

Each function draws from its own stream for every person or household row first
and masks afterwards, so the draws a row receives do not depend on policy: the
same seed gives the same illness episodes, deaths, births and income shocks in
every scenario (common random numbers). Nothing here depends on policy state
except through the household's insurance reimbursement and last year's poverty
(which drives school dropout).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from model.params import DynamicsParams, HealthParams, IncomeParams, SchoolingParams, ShockParams
from model.state import (
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


def sum_by_household(persons: Persons, n_households: int, weights: np.ndarray) -> np.ndarray:
    """Per-household sum of a per-person array (bool counts or amounts; zero it for members
    who should not count). One bincount pass, no boolean compaction (hot path)."""
    return np.bincount(persons.household[: persons.n], weights=weights, minlength=n_households)


# --- step 1: demography and health -------------------------------------------------

MAX_AGE = 120  # ages are capped here for the lookup tables (mortality is near 1 long before)
LABOUR_BY_AGE = np.full(MAX_AGE + 1, LABOUR_NONE, dtype=np.int8)
LABOUR_BY_AGE[16:60] = LABOUR_FULL
LABOUR_BY_AGE[60:70] = LABOUR_PARTIAL


def advance_demography(
    persons: Persons, households: Households, params: DynamicsParams, rng: np.random.Generator
) -> int:
    """Deaths (Gompertz, higher with chronic illness), ageing and births. Returns births."""
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
        persons.skill[rows] = persons.skill[:n][mothers]  # no better information at birth
        persons.n = n + births
    households.size[:] = sum_by_household(persons, households.n, persons.alive[: persons.n])
    return births


def advance_schooling(
    persons: Persons, households: Households, params: SchoolingParams, rng: np.random.Generator
) -> None:
    """Enrolment by age, continuation past compulsory school, graduation and dropout."""
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
    stage *= persons.alive[:n]  # SCHOOL_NONE == 0
    compulsory_age = (age >= 7) & (age <= 15) & persons.alive[:n]
    households.out_of_school_child[:] = (
        sum_by_household(persons, households.n, compulsory_age & (stage == SCHOOL_NONE)) > 0
    )


def advance_health(
    persons: Persons, params: HealthParams, rng: np.random.Generator, price_index: float
) -> None:
    """Chronic onset and recovery, major-illness episodes with lognormal costs, disability.

    Five uniforms per person row: the chronic transition (onset if well, recovery if
    ill), the episode, the disability onset (its severity read from the same uniform,
    conditionally) and one per cost; costs use the inverse normal CDF only where an
    episode or chronic illness exists, so every row still consumes the same draws.
    """
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
    persons.inpatient_cost[:n] = 0.0
    rows = np.flatnonzero(episode)
    persons.inpatient_cost[rows] = lognormal_from_uniform(
        episode_cost_u[rows],
        params.episode_cost_median * price_index,
        params.episode_cost_log_sd,
    )
    persons.chronic_cost[:n] = 0.0
    rows = np.flatnonzero(chronic)
    persons.chronic_cost[rows] = lognormal_from_uniform(
        chronic_cost_u[rows],
        params.chronic_cost_median * price_index,
        params.chronic_cost_log_sd,
    )
    dis_chance = params.disability_onset_base + params.disability_onset_age_slope * years_over_30
    new_disability = (
        alive & (persons.disability[:n] == DISABILITY_NONE) & (disability_draw < dis_chance)
    )
    severe = disability_draw < dis_chance * params.disability_onset_severe_share
    persons.disability[:n][new_disability] = np.where(
        severe[new_disability], DISABILITY_SEVERE, DISABILITY_PARTIAL
    )


def lognormal_from_uniform(uniform: np.ndarray, median: float, log_sd: float) -> np.ndarray:
    """Lognormal amounts with the given median, from uniforms (inverse CDF)."""
    return median * np.exp(log_sd * special.ndtri(uniform.astype(np.float64)))


def labour_by_age(persons: Persons) -> np.ndarray:
    """Labour capacity from age and schooling alone (the 'healthy' counterfactual)."""
    n = persons.n
    age = persons.age[:n]
    labour = LABOUR_BY_AGE.take(age, mode="clip")
    labour *= (persons.school_stage[:n] == SCHOOL_NONE) & persons.alive[:n]  # LABOUR_NONE == 0
    return labour


def cap_by_disability(labour: np.ndarray, disability: np.ndarray) -> np.ndarray:
    """Severe disability removes labour capacity, partial disability halves it."""
    capped = np.where(disability == DISABILITY_SEVERE, LABOUR_NONE, labour)
    return np.where(
        disability == DISABILITY_PARTIAL, np.minimum(capped, LABOUR_PARTIAL), capped
    ).astype(np.int8)


def advance_migration(persons: Persons, params: IncomeParams, rng: np.random.Generator) -> None:
    """Full labourers under 50 leave to work away; migrants return; the sick come home."""
    n = persons.n
    draw = rng.random(n, dtype=np.float32)
    migrant = persons.migrant[:n]
    can_migrate = (persons.labour[:n] == LABOUR_FULL) & (persons.age[:n] <= 50)
    leaves = ~migrant & can_migrate & (draw < params.to_migrant)
    returns = migrant & (draw < params.from_migrant)
    migrant[:] = (migrant & ~returns & can_migrate) | leaves


# --- steps 2-3: shocks, income and expenses ---------------------------------------


def stationary_persistent_sd(income: IncomeParams) -> float:
    """Sd of the AR(1) log income shock in its stationary distribution (the starting draw)."""
    rho, sd = income.persistent_rho, income.persistent_sd
    return sd / np.sqrt(max(1e-9, 1 - rho**2)) if rho < 1 else sd


def draw_shocks(
    households: Households,
    villages: Villages,
    shocks: ShockParams,
    income: IncomeParams,
    rng: np.random.Generator,
) -> np.ndarray:
    """Village disasters and price shocks, and each household's log-income multiplier."""
    disaster_draw, price_draw = rng.random((2, villages.n))
    persistent_z, transitory_z = rng.standard_normal((2, households.n))
    if not shocks.enabled:
        villages.disaster[:] = False
        villages.price_shock[:] = False
        return np.ones(households.n)
    villages.disaster[:] = disaster_draw < shocks.disaster_probability
    villages.price_shock[:] = price_draw < shocks.price_shock_probability
    rho = income.persistent_rho
    households.income_shock_persistent[:] = (
        rho * households.income_shock_persistent + income.persistent_sd * persistent_z
    )
    stationary_var = stationary_persistent_sd(income) ** 2
    log_multiplier = (
        households.income_shock_persistent
        + income.transitory_sd * transitory_z
        - 0.5 * (stationary_var + income.transitory_sd**2)  # mean-one multiplier
    )
    return np.exp(log_multiplier)


def compute_income_and_expenses(
    persons: Persons,
    households: Households,
    villages: Villages,
    params: DynamicsParams,
    shock_multiplier: np.ndarray,
    money_index: float,
    school_index: float,
    pension_per_person: float,
) -> None:
    """Farm and wage income, pensions, out-of-pocket medical and schooling costs (yuan/year).

    Also the wage each household loses to illness and to disability, which the
    office's diagnosis of the cause of poverty reads.
    """
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
    local_hh = (inc.local_wage_full * money_index) * access  # per household
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
    households.pension_income[:] = (
        pension_per_person + inc.elderly_support_per_person * money_index
    ) * sum_by_household(persons, nh, alive & (persons.age[:n] >= 60))
    households.disability_wage_loss[:] = local_hh * sum_by_household(
        persons, nh, skill * (units_by_age - units_with_disability)
    )
    households.illness_wage_loss[:] = local_hh * sum_by_household(
        persons, nh, skill * (units_with_disability - units)
    )
    # Dead members have no labour, costs or school stage, so they add zero to every sum.
    households.medical_oop[:] = sum_by_household(persons, nh, persons.inpatient_cost[:n]) * (
        1 - households.inpatient_reimbursement
    ) + sum_by_household(persons, nh, persons.chronic_cost[:n]) * (
        1 - households.outpatient_reimbursement
    )
    stage_cost = np.zeros(SCHOOL_COLLEGE + 1)  # indexed by the SCHOOL_* code
    stage_cost[SCHOOL_PRESCHOOL] = school.cost_preschool
    stage_cost[SCHOOL_COMPULSORY] = school.cost_compulsory
    stage_cost[SCHOOL_HIGH] = school.cost_high_school
    stage_cost[SCHOOL_COLLEGE] = school.cost_college
    households.schooling_cost[:] = sum_by_household(
        persons, nh, (stage_cost * school_index).take(persons.school_stage[:n])
    )
