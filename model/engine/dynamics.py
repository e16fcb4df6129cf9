"""Yearly dynamics (docs/model.md) as pure functions over the arrays.

Each function draws from its own stream for every person or household row first
and masks afterwards, so the draws a row receives do not depend on policy: the
same seed gives the same illness episodes, deaths, births and income shocks in
every scenario (common random numbers). Nothing here depends on policy state
except through the household's insurance reimbursement and last year's poverty
(which drives school dropout).

The passes over person rows run in compiled kernels (model/engine/kernels.py); the draws
are made here, with NumPy, before each kernel, so they are exactly the NumPy ones.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from model.engine import kernels
from model.engine.kernels import MAX_AGE
from model.engine.params.dynamics import (
    DynamicsParams,
    HealthParams,
    IncomeParams,
    SchoolingParams,
    ShockParams,
)
from model.engine.state import (
    Households,
    Persons,
    Villages,
    by_school_stage,
)

# --- step 1: demography and health -------------------------------------------------


def advance_demography(
    persons: Persons, households: Households, params: DynamicsParams, rng: np.random.Generator
) -> int:
    """Deaths (Gompertz, higher with chronic illness), ageing and births. Returns births."""
    demo = params.demography
    n = persons.n
    death_draw, birth_draw = rng.random((2, n), dtype=np.float32)
    hazard_by_age = demo.mortality_at_age_0 * np.exp(
        demo.mortality_age_growth * np.arange(MAX_AGE + 1)
    )
    table = hazard_by_age.astype(np.float32)
    table = np.concatenate([table, table * demo.chronic_mortality_multiplier])
    mother_rows = kernels.deaths_ageing_and_mothers(
        persons.household[:n],
        persons.age[:n],
        persons.female[:n],
        persons.alive[:n],
        persons.chronic[:n],
        death_draw,
        birth_draw,
        table,
        np.float32(demo.birth_rate_women_20_39),
        households.size,
    )
    births = mother_rows.size
    if births:
        newborn_female = rng.random(births) < 0.5
        persons.ensure_capacity(n + births)
        rows = slice(n, n + births)
        persons.household[rows] = persons.household[mother_rows]
        persons.age[rows] = 0
        persons.female[rows] = newborn_female
        persons.alive[rows] = True
        persons.skill[rows] = persons.skill[mother_rows]  # no better information at birth
        persons.n = n + births
    return births


def advance_schooling(
    persons: Persons, households: Households, params: SchoolingParams, rng: np.random.Generator
) -> None:
    """Enrolment by age, continuation past compulsory school, graduation and dropout."""
    n = persons.n
    continue_draw, dropout_draw = rng.random((2, n), dtype=np.float32)
    kernels.advance_school_stages(
        persons.household[:n],
        persons.age[:n],
        persons.alive[:n],
        persons.school_stage[:n],
        persons.skill[:n],
        households.poor_last_year,
        continue_draw,
        dropout_draw,
        np.float32(params.high_school_entry),
        np.float32(params.college_entry),
        np.float32(1 + params.graduate_skill_gain),
        np.float32(params.dropout_if_poor),
        households.out_of_school_child,
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
    episode_cost_u, chronic_cost_u = draws[3], draws[4]
    kernels.advance_health_states(
        persons.age[:n],
        persons.alive[:n],
        persons.chronic[:n],
        persons.episode[:n],
        persons.disability[:n],
        persons.inpatient_cost[:n],
        persons.chronic_cost[:n],
        draws,
        np.float32(params.chronic_onset_base),
        np.float32(params.chronic_onset_age_slope),
        np.float32(params.chronic_recovery),
        np.float32(params.episode_base),
        np.float32(params.episode_age_slope),
        float(params.episode_chronic_extra),
        np.float32(params.disability_onset_base),
        np.float32(params.disability_onset_age_slope),
        np.float32(params.disability_onset_severe_share),
        float(params.episode_leaves_chronic),
    )
    rows = np.flatnonzero(persons.episode[:n])
    persons.inpatient_cost[rows] = lognormal_from_uniform(
        episode_cost_u[rows],
        params.episode_cost_median * price_index,
        params.episode_cost_log_sd,
    )
    rows = np.flatnonzero(persons.chronic[:n])
    persons.chronic_cost[rows] = lognormal_from_uniform(
        chronic_cost_u[rows],
        params.chronic_cost_median * price_index,
        params.chronic_cost_log_sd,
    )


def lognormal_from_uniform(uniform: np.ndarray, median: float, log_sd: float) -> np.ndarray:
    """Lognormal amounts with the given median, from uniforms (inverse CDF)."""
    return median * np.exp(log_sd * special.ndtri(uniform.astype(np.float64)))


def advance_migration(persons: Persons, params: IncomeParams, rng: np.random.Generator) -> None:
    """Full labourers under 50 leave to work away; migrants return; the sick come home."""
    n = persons.n
    draw = rng.random(n, dtype=np.float32)
    kernels.advance_migrants(
        persons.age[:n],
        persons.labour[:n],
        persons.migrant[:n],
        draw,
        np.float32(params.to_migrant),
        np.float32(params.from_migrant),
    )


# --- steps 2-3: shocks, income and expenses ---------------------------------------


def stationary_persistent_sd(income: IncomeParams) -> float:
    """Sd of the AR(1) log income shock in its stationary distribution (the starting draw)."""
    rho, sd = income.persistent_rho, income.persistent_sd
    return sd / np.sqrt(max(1e-9, 1 - rho**2)) if rho < 1 else sd


def earning_capacity(standard_normal: np.ndarray, sd: float) -> np.ndarray:
    """Each household's permanent log earning capacity: sd x z, centred so that the
    multiplier exp(capacity) has mean one over households (-sd^2 / 2)."""
    return sd * standard_normal - 0.5 * sd**2


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
        return np.exp(households.earning_capacity)  # permanent, not a shock
    villages.disaster[:] = disaster_draw < shocks.disaster_probability
    villages.price_shock[:] = price_draw < shocks.price_shock_probability
    rho = income.persistent_rho
    households.income_shock_persistent[:] = (
        rho * households.income_shock_persistent + income.persistent_sd * persistent_z
    )
    stationary_var = stationary_persistent_sd(income) ** 2
    log_multiplier = (
        households.earning_capacity
        + households.income_shock_persistent
        + income.transitory_sd * transitory_z
        - 0.5 * (stationary_var + income.transitory_sd**2)  # mean-one multiplier
    )
    return np.exp(log_multiplier)


def school_cost_by_stage(school: SchoolingParams) -> np.ndarray:
    """Net schooling cost per student of the identification year (yuan/year), indexed by
    the SCHOOL_* code."""
    return by_school_stage(
        school.cost_preschool, school.cost_compulsory, school.cost_high_school, school.cost_college
    )


def compute_income_and_expenses(
    persons: Persons,
    households: Households,
    villages: Villages,
    params: DynamicsParams,
    shock_multiplier: np.ndarray,
    money_index: float,
    school_index: float,
    pension_per_person: float,
    farm_index: float | None = None,
) -> None:
    """Farm and wage income, pensions, out-of-pocket medical and schooling costs (yuan/year).

    Also the wage each household loses to illness and to disability, which the
    office's diagnosis of the cause of poverty reads.
    """
    inc, shocks, school = params.income, params.shocks, params.schooling
    n = persons.n
    stage_cost = school_cost_by_stage(school)
    migrant_rate = inc.migrant_wage_full * inc.migrant_remit_share * money_index
    if farm_index is None:  # farm income grows with wages unless it has its own rate
        farm_index = money_index
    # Dead members have no labour, costs or school stage, so they add zero to every sum.
    sums = kernels.income_sums_by_household(
        persons.household[:n],
        persons.age[:n],
        persons.alive[:n],
        persons.chronic[:n],
        persons.episode[:n],
        persons.disability[:n],
        persons.school_stage[:n],
        persons.skill[:n],
        persons.migrant[:n],
        persons.inpatient_cost[:n],
        persons.chronic_cost[:n],
        persons.labour[:n],
        households.n,
        np.array([0.0, inc.partial_labour_factor, 1.0]),  # units by LABOUR_* code
        1 - params.health.episode_work_loss,
        np.float32(migrant_rate),  # times a float32 skill, in float32 as NumPy does
        stage_cost * school_index,
    )
    farm_loss = (
        shocks.disaster_farm_loss * villages.disaster
        + shocks.price_shock_loss * villages.price_shock
    )
    kernels.household_income_and_expenses(
        sums,
        households.village,
        villages.remoteness,
        villages.land_productivity * np.clip(1 - farm_loss, 0, 1),
        households.land_mu,
        households.inpatient_reimbursement,
        households.outpatient_reimbursement,
        shock_multiplier,
        inc.remoteness_wage_penalty,
        inc.local_wage_full * money_index,
        inc.mu_per_labourer * inc.farm_net_per_mu * farm_index,
        inc.mu_per_labourer,
        pension_per_person + inc.elderly_support_per_person * money_index,
        households.full_labourers,
        households.labour_units,
        households.labour_units_by_age,
        households.farm_income,
        households.wage_income,
        households.pension_income,
        households.disability_wage_loss,
        households.illness_wage_loss,
        households.medical_oop,
        households.schooling_cost,
        # in wage_income; NBS counts it as transfer income (model/simulation/campaign_metrics.py)
        households.remittance_income,
        households.inpatient_cost,
        households.chronic_cost,
    )
