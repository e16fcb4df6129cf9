"""The poverty office's yearly cycle (docs/model.md) as pure functions.

The office never sees true income: it measures per-capita income with a
multiplicative log-normal error drawn once a year per household. Inclusion and
exclusion errors (wrongly exited, missed poor) are therefore outputs.

Rules, in the order the simulation applies them each year:
1. exit: a household registered before this year exits when measured income is at
   least (1 + margin) lines and, if required, the assurances hold, within the year's
   exit plan (highest measured incomes first) when there is one;
2. relapse: an exited household that fails the registration test is re-registered
   and counted as a relapse;
3. registration: any other household failing the test is registered (within the
   quota, poorest first) and its primary cause is recorded;
4. monitoring: near-line, recently exited and large-medical-bill households are flagged;
5. villages: a poor village exits when its registered incidence falls below the threshold.
"""

from __future__ import annotations

import numpy as np

from model.engine import kernels
from model.engine.params.policy import DiagnosisParams, IdentificationParams, MonitoringParams
from model.engine.state import CAUSES, NEVER, OWN_GROWTH, Households

CAUSE_OTHER = CAUSES.index("other")


def assurances_hold(households: Households) -> np.ndarray:
    """'Three guarantees' plus safe water: compulsory schooling, basic medical care, safe
    housing and drinking water (docs/sources.md). 'Food and clothing' is the income test itself."""
    return (
        households.housing_safe
        & households.insured
        & ~households.out_of_school_child
        & households.safe_water
    )


def fails_registration_test(
    measured_per_capita: np.ndarray,
    line: float,
    assurances: np.ndarray,
    params: IdentificationParams,
) -> np.ndarray:
    """Below the line, or failing an assurance while below
    `assurance_registration_multiple` lines."""
    below = measured_per_capita < line
    return below | (
        ~assurances & (measured_per_capita < params.assurance_registration_multiple * line)
    )


def passes_exit_test(
    measured_per_capita: np.ndarray,
    line: float,
    assurances: np.ndarray,
    margin: float,
    require_assurances: bool,
) -> np.ndarray:
    """Measured income clears (1 + margin) lines and, if required, the assurances hold."""
    clears = measured_per_capita >= line * (1 + margin)
    return clears & assurances if require_assurances else clears


def diagnose_cause(
    households: Households, rows: np.ndarray, line: float, params: DiagnosisParams
) -> np.ndarray:
    """Recorded primary cause (index into CAUSES) for household `rows`.

    Like the registry form, one main cause, checked in order: illness when out-of-pocket
    medical costs plus wages lost to illness reach `illness_min_loss_share` of the
    household's line budget (line x size); then disability (wages lost to it), then
    schooling (net schooling costs), each against its own share; then lack of labour
    when the household has fewer than `dependency_units_per_person` full-labourer units
    per person even counting every member as healthy; otherwise 'other' (capital,
    skills, land, water, transport, disaster, motivation).
    """
    budget = line * households.size[rows].astype(np.float64)
    illness = households.medical_oop[rows] + households.illness_wage_loss[rows]
    checks = [
        illness >= params.illness_min_loss_share * budget,
        households.disability_wage_loss[rows] >= params.disability_min_loss_share * budget,
        households.schooling_cost[rows] >= params.schooling_min_cost_share * budget,
        households.labour_units_by_age[rows]
        < params.dependency_units_per_person * households.size[rows],
    ]
    return np.select(checks, np.arange(len(checks)), default=CAUSE_OTHER).astype(np.int8)


def select_within_quota(
    candidates: np.ndarray,
    measured_per_capita: np.ndarray,
    registered_now: int,
    n_active: int,
    quota_share: float | None,
) -> np.ndarray:
    """Candidates the quota admits, poorest (by measured income) first."""
    if quota_share is None:
        return candidates
    room = max(int(np.floor(quota_share * n_active)) - registered_now, 0)
    order = np.argsort(measured_per_capita[candidates], kind="stable")
    return np.sort(candidates[order[:room]])


def select_planned_exits(
    passing: np.ndarray, measured_per_capita: np.ndarray, planned: int | None
) -> np.ndarray:
    """The households of `passing` the exit plan lets go this year: at most `planned`, those
    with the highest measured income first (None: no plan, all of them)."""
    if planned is None or passing.size <= planned:
        return passing
    order = np.argsort(-measured_per_capita[passing], kind="stable")
    return np.sort(passing[order[:planned]])


def monitoring_flags(
    households: Households,
    measured_per_capita: np.ndarray,
    line: float,
    year: int,
    total_income: np.ndarray,
    params: MonitoringParams,
) -> np.ndarray:
    """Non-registered households watched for relapse: near the line, recently exited, or
    hit by a medical bill above `large_medical_bill_share` of income."""
    near_line = measured_per_capita < params.near_line_multiple * line
    recently_exited = (households.exit_year != NEVER) & (
        year - households.exit_year.astype(np.int32) <= params.exited_years
    )
    large_bill = households.medical_oop > params.large_medical_bill_share * np.maximum(
        total_income, 1.0
    )
    return households.active & ~households.registered & (near_line | recently_exited | large_bill)


def registered_incidence_by_village(households: Households, n_villages: int) -> np.ndarray:
    """Share of each village's persons living in registered households."""
    persons, registered = kernels.persons_by_village(
        households.village, households.size, households.registered, n_villages
    )
    return np.divide(registered, persons, out=np.zeros(n_villages), where=persons > 0)


def attribute_exits(
    measured_per_capita: np.ndarray,
    measurement_noise: np.ndarray,
    size: np.ndarray,
    assistance: np.ndarray,
    exit_threshold: float,
) -> np.ndarray:
    """The channel each exit is attributed to (an index into EXIT_CHANNELS).

    `own_growth` when the household's measured income without any of this year's
    assistance would still clear `exit_threshold` (yuan/person/year); otherwise the
    channel whose contribution (`assistance`, channels x exiting households, yuan/year)
    was largest: the one without which the household was least likely to clear the line.
    Order-free, so it does not depend on the order instruments run in.
    """
    if measured_per_capita.size == 0:
        return np.zeros(0, dtype=np.int8)
    assisted_per_capita = assistance.sum(axis=0) * measurement_noise / np.maximum(size, 1)
    own_clears = measured_per_capita - assisted_per_capita >= exit_threshold
    largest = assistance.argmax(axis=0)
    nothing_positive = assistance.max(axis=0) <= 0
    return np.where(own_clears | nothing_positive, OWN_GROWTH, largest).astype(np.int8)
