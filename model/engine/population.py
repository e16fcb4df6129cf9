"""Synthetic population: villages, households and their members, all as arrays.

The population depends only on the population parameters and the seed (its own
stream), so two scenarios with the same seed start from the same people.
Household composition: a head, a spouse for households of two or more, a
co-resident elderly parent in some households of three or more, and children
(who may be adults) for the rest. No household splitting (sources.md: "no splitting of
households").
A county's own registry can replace it: model/engine/population_table.py builds the same
arrays from a household table.
"""

from __future__ import annotations

import numpy as np

from model.engine.dynamics import stationary_persistent_sd
from model.engine.params.population import PopulationParams
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


def synthesize_villages(
    n_villages: int, params: PopulationParams, rng: np.random.Generator
) -> Villages:
    """Villages with remoteness, roads, water, land productivity and collective income."""
    v = params.villages
    remoteness = rng.random(n_villages)
    road = rng.random(n_villages) < v.road_share
    water = rng.random(n_villages) < v.safe_water_share
    productivity = np.exp(
        rng.normal(-0.5 * v.land_productivity_sd**2, v.land_productivity_sd, n_villages)
    )
    has_collective = rng.random(n_villages) < v.collective_income_share
    collective = np.where(
        has_collective, v.collective_income_median * np.exp(rng.normal(0, 0.5, n_villages)), 0.0
    )
    return Villages(remoteness, road, water, productivity, collective)


def school_stage_for_age(
    age: np.ndarray, draw: np.ndarray, high_entry: float, college_entry: float
) -> np.ndarray:
    """School stage by age; `draw` (uniform) decides who continues past compulsory school."""
    stage = np.full(age.size, SCHOOL_NONE, dtype=np.int8)
    stage[(age >= 3) & (age <= 5)] = SCHOOL_PRESCHOOL
    stage[(age >= 6) & (age <= 15)] = SCHOOL_COMPULSORY
    stage[(age >= 16) & (age <= 18) & (draw < high_entry)] = SCHOOL_HIGH
    stage[(age >= 19) & (age <= 22) & (draw < high_entry * college_entry)] = SCHOOL_COLLEGE
    return stage


def synthesize_persons(
    size: np.ndarray, params: PopulationParams, schooling, rng: np.random.Generator
) -> Persons:
    """Members of each household, ages and health drawn by their role in the household."""
    h = params.households
    n_households = size.size
    total = int(size.sum())
    household = np.repeat(np.arange(n_households, dtype=np.int32), size)
    starts = np.cumsum(size) - size
    rank = np.arange(total) - np.repeat(starts, size)  # 0 head, 1 spouse, ...
    head_age = np.clip(rng.normal(h.head_age_mean, h.head_age_sd, n_households), 20, 90)
    has_parent = (size >= 3) & (rng.random(n_households) < h.elderly_parent_share)
    last = rank == np.repeat(size - 1, size)

    u = rng.random((5, total))
    head_age_p = np.repeat(head_age, size)
    age = head_age_p - 22 - 16 * u[0]  # children (possibly adult)
    age = np.where(rank == 1, head_age_p + rng.normal(0, 3, total), age)
    age = np.where(rank == 0, head_age_p, age)
    parent = last & np.repeat(has_parent, size) & (rank >= 2)
    age = np.where(parent, head_age_p + 22 + 10 * u[1], age)
    age = np.clip(np.round(age), 0, 100).astype(np.int16)

    head_female = np.repeat(rng.random(n_households) < 0.15, size)
    female = np.where(rank == 0, head_female, np.where(rank == 1, ~head_female, u[2] < 0.5))

    years_over_30 = np.maximum(age - 30, 0)
    chronic = u[3] < h.chronic_prevalence_base + h.chronic_prevalence_age_slope * years_over_30
    disabled = u[4] < h.disability_prevalence * np.clip(age / 45.0, 0.2, 2.5)
    severe = rng.random(total) < h.disability_severe_share
    disability = np.where(
        disabled, np.where(severe, DISABILITY_SEVERE, DISABILITY_PARTIAL), DISABILITY_NONE
    ).astype(np.int8)
    school = school_stage_for_age(
        age, rng.random(total), schooling.high_school_entry, schooling.college_entry
    )
    skill = np.exp(rng.normal(-0.5 * h.skill_sd**2, h.skill_sd, total)).astype(np.float32)
    working_age = (age >= 16) & (age <= 50) & ~chronic & (disability == DISABILITY_NONE)
    migrant = working_age & (school == SCHOOL_NONE) & (rng.random(total) < h.migrant_share)
    return Persons(
        household=household,
        age=age,
        female=female,
        alive=np.ones(total, dtype=bool),
        chronic=chronic,
        episode=np.zeros(total, dtype=bool),
        disability=disability,
        school_stage=school,
        skill=skill,
        migrant=migrant,
        labour=np.full(total, LABOUR_NONE, dtype=np.int8),
        inpatient_cost=np.zeros(total, dtype=np.float32),
        chronic_cost=np.zeros(total, dtype=np.float32),
        n=total,
    )


def synthesize(
    params: PopulationParams, dynamics, rng: np.random.Generator
) -> tuple[Persons, Households, Villages]:
    """Build a synthetic county from the population parameters."""
    n = params.n_households
    h = params.households
    n_villages = max(1, -(-n // params.villages.households_per_village))
    villages = synthesize_villages(n_villages, params, rng)
    village = (np.arange(n, dtype=np.int64) * n_villages // n).astype(np.int32)
    size = np.minimum(1 + rng.poisson(h.size_mean - 1, n), h.size_max).astype(np.int32)
    persons = synthesize_persons(size, params, dynamics.schooling, rng)
    land = size * h.land_mu_per_person_mean * np.exp(rng.normal(-0.5 * h.land_sd**2, h.land_sd, n))
    unsafe_chance = np.clip(2 * h.unsafe_housing_share * villages.remoteness[village], 0, 1)
    housing_safe = rng.random(n) >= unsafe_chance
    insured = rng.random(n) < h.insurance_enrolment
    households = Households(
        village=village,
        land_mu=land,
        housing_safe=housing_safe,
        insured=insured,
        inpatient_reimbursement=np.where(insured, dynamics.health.inpatient_reimbursement, 0.0),
        outpatient_reimbursement=np.where(insured, dynamics.health.outpatient_reimbursement, 0.0),
        income_shock_persistent=rng.normal(0, stationary_persistent_sd(dynamics.income), n),
    )
    households.size[:] = size
    return persons, households, villages
