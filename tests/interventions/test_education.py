"""Education aid: stipends and fee waivers by school stage, who qualifies (students of policy
holders, also after exit), limits and booking, the graduates' wage premium, and common
random numbers."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from model.config.scenario import Scenario
from model.engine.state import (
    CHANNELS,
    LABOUR_NONE,
    NEVER,
    SCHOOL_COLLEGE,
    SCHOOL_COMPULSORY,
    SCHOOL_HIGH,
    SCHOOL_NONE,
    SCHOOL_PRESCHOOL,
)
from model.simulation import Simulation
from tests.support.instruments import county, yearly_bytes

EDU = CHANNELS.index("education")
STAGES = (SCHOOL_PRESCHOOL, SCHOOL_COMPULSORY, SCHOOL_HIGH, SCHOOL_COLLEGE)
# Distinct rates for every stage, so that a stage counted at another's rate shows.
RATES = {
    "wage_premium_yuan_per_year": 0.0,
    "stipend_yuan_per_month_preschool": 50.0,
    "stipend_yuan_per_month_compulsory": 100.0,
    "stipend_yuan_per_month_high_school": 200.0,
    "stipend_yuan_per_month_college": 300.0,
    "months_per_year": 9,
    "fee_waiver_share_preschool": 1.0,
    "fee_waiver_share_compulsory": 0.25,
    "fee_waiver_share_high_school": 0.5,
    "fee_waiver_share_college": 0.1,
}
STIPEND = np.array([0.0, 50.0, 100.0, 200.0, 300.0]) * 9  # yuan/year by SCHOOL_* code
SHARE = np.array([0.0, 1.0, 0.25, 0.5, 0.1])


# A small county with the given instruments.
scenario = partial(county, households=1200, years=4, name="education")


def students_by_stage(sim: Simulation) -> np.ndarray:
    """(5 x households) living students per SCHOOL_* code, counted person by person."""
    p, n = sim.persons, sim.persons.n
    counts = np.zeros((SCHOOL_COLLEGE + 1, sim.households.n), dtype=np.int64)
    rows = np.flatnonzero(p.alive[:n])
    np.add.at(counts, (p.school_stage[rows], p.household[rows]), 1)
    counts[SCHOOL_NONE] = 0
    return counts


def spy(sim: Simulation, label: str):
    """The instrument and a log of what it saw when it proposed, year by year."""
    instrument = next(i for i in sim.interventions if i.label == label)
    log: list[dict] = []
    original = instrument.propose

    def propose(s: Simulation, allowed=None, money=None):
        log.append(
            {
                "year": s.year,
                "holders": s.policy_holders().copy(),
                "registered": s.households.registered.copy(),
                "schooling_cost": s.households.schooling_cost.copy(),
            }
        )
        return original(s, allowed, money)

    instrument.propose = propose
    return instrument, log


def test_stipends_and_waivers_follow_each_students_stage():
    s = scenario([{"type": "education_aid", **RATES}])
    sim = Simulation(s, seed=3)
    aid, log = spy(sim, "education_aid")
    h = sim.households
    by_stage_paid = np.zeros(SCHOOL_COLLEGE + 1)
    for _ in range(s.years):
        sim.step()
        seen = log[-1]
        counts = students_by_stage(sim)
        has_student = counts.sum(axis=0) > 0
        expected = np.flatnonzero(seen["holders"] & has_student)
        paid = aid.recipients_this_year
        assert np.array_equal(np.sort(paid), expected), "recipients != holders with a student"
        index = 1.05 ** (sim.year - 2013)  # the default schooling cost growth
        cost = np.array([0.0, 800, 700, 4000, 12000]) * index
        stipend = STIPEND @ counts
        waiver = (SHARE * cost) @ counts
        np.testing.assert_allclose(h.assisted_income[EDU, paid], stipend[paid])
        np.testing.assert_allclose(h.expense_relief[EDU, paid], waiver[paid])
        np.testing.assert_allclose(
            h.schooling_cost[paid], seen["schooling_cost"][paid] - waiver[paid], atol=1e-6
        )
        assert (h.assisted_income[EDU, ~seen["holders"]] == 0).all()
        spent = sim.ledger.spent_by_instrument_year[("education_aid", sim.year)]
        assert spent == pytest.approx(stipend[paid].sum() + waiver[paid].sum())
        by_stage_paid += counts[:, paid].sum(axis=1)
    assert (by_stage_paid[list(STAGES)] > 20).all(), f"too few students of a stage: {by_stage_paid}"


def test_aid_continues_for_exited_households_within_the_continuation_only():
    """sources.md: tuition waived for two years after exit, through the policy_holders target."""
    s = scenario([{"type": "education_aid"}], households=1500, years=6)
    sim = Simulation(s, seed=5)
    aid, log = spy(sim, "education_aid")
    h = sim.households
    continuing_paid = 0
    for _ in range(s.years):
        exit_year = h.exit_year.copy()
        sim.step()
        paid = aid.recipients_this_year
        registered = log[-1]["registered"][paid]
        since_exit = sim.year - exit_year[paid].astype(int)
        continuing = (exit_year[paid] != NEVER) & (since_exit <= 2)
        assert (registered | continuing).all(), "aid to a household past its continuation"
        continuing_paid += int((~registered).sum())
    assert continuing_paid > 10, "no exited household kept its aid"


@pytest.mark.parametrize(
    "budget, per_year, per_village",
    [(150_000.0, 400, None), (None, 60, 9)],
    ids=["money_binds", "capacity_binds"],
)
def test_capacity_and_fund_limit_and_costs_booked_once(budget, per_year, per_village):
    fund = {"yearly": {2014: budget}, "carry_over": False} if budget else {}
    s = scenario(
        [
            {
                "type": "education_aid",
                "fund": "schools",
                "capacity_households_per_year": per_year,
                "capacity_households_per_village": per_village,
                "wage_premium_yuan_per_year": 0.0,
            }
        ],
        households=2000,
        funds={"schools": fund},
    )
    sim = Simulation(s, seed=2)
    aid, _ = spy(sim, "education_aid")
    h = sim.households
    booked = np.zeros(h.n)
    for _ in range(s.years):
        before = sim.ledger.received_by_instrument.get("education_aid", np.zeros(h.n)).copy()
        sim.step()
        paid = aid.recipients_this_year
        assert paid.size > 40
        assert np.unique(paid).size == paid.size
        by_village = np.bincount(h.village[paid])
        spent = sim.ledger.spent_by_instrument_year[("education_aid", sim.year)]
        if budget is None:
            # Capacity binds: the full number is served, within each village's cap.
            assert paid.size == per_year and by_village.max() == per_village
        else:
            # Money binds: spending is close to the budget, never above it.
            assert budget - 10_000 < spent <= budget + 1e-6 and paid.size < per_year
            assert sim.ledger.available["schools"] >= -1e-6
        received = sim.ledger.received_by_instrument["education_aid"] - before
        assert np.array_equal(np.flatnonzero(received), np.sort(paid))
        total = h.assisted_income[EDU, paid] + h.expense_relief[EDU, paid]
        np.testing.assert_allclose(received[paid], total)
        assert spent == pytest.approx(total.sum())
        booked += received
    spent_all = sum(
        sim.ledger.spent_by_instrument_year[("education_aid", y)] for y in range(2014, 2018)
    )
    assert booked.sum() == pytest.approx(spent_all)


def test_wage_premium_starts_after_an_aided_student_leaves_school_once_per_person():
    premium, duration = 1000.0, 2
    no_stipend = {f"stipend_yuan_per_month_{k}": 0.0 for k in ("compulsory", "high_school")}
    keys = {
        **no_stipend,
        "stipend_yuan_per_month_college": 0.0,
        "fee_waiver_share_compulsory": 0.2,
        "fee_waiver_share_college": 0.2,
        "wage_premium_yuan_per_year": premium,
        "premium_duration_years": duration,
    }
    s = scenario([{"type": "education_aid", **keys}], households=2000, years=6)
    sim = Simulation(s, seed=7)
    aid, _ = spy(sim, "education_aid")
    h, p = sim.households, sim.persons
    aided = np.zeros(0, dtype=bool)
    first_year = np.zeros(0, dtype=np.int64)
    started = waiting = expired = 0
    for _ in range(s.years):
        sim.step()
        n = p.n
        aided = np.r_[aided, np.zeros(n - aided.size, dtype=bool)]
        first_year = np.r_[first_year, np.full(n - first_year.size, -1)]
        working = p.alive[:n] & (p.school_stage[:n] == SCHOOL_NONE) & (p.labour[:n] != LABOUR_NONE)
        in_school = p.alive[:n] & (p.school_stage[:n] != SCHOOL_NONE)
        recipient = np.zeros(h.n, dtype=bool)
        recipient[aid.recipients_this_year] = True
        aided |= in_school & recipient[p.household[:n]]  # every stage is covered here
        new = aided & working & (first_year < 0)
        first_year[new] = sim.year
        started += int(new.sum())
        waiting += int((aided & in_school).sum())
        running = working & (first_year >= 0) & (sim.year - first_year < duration)
        expired += int((working & (first_year >= 0) & ~running).sum())
        count = np.bincount(p.household[:n][running], minlength=h.n)
        # No stipends: education income is the premium alone, one per working graduate.
        np.testing.assert_allclose(h.assisted_income[EDU], premium * sim.money_index * count)
    assert started > 30, "too few aided students left school to test the premium"
    assert waiting > 100 and expired > 10


def shock_history(s: Scenario, seed: int, other: str) -> dict[str, list[np.ndarray]]:
    """Per-year copies of chance: episodes, income shocks, disasters, and the draws of the
    instrument labelled `other`."""
    sim = Simulation(s, seed=seed)
    instrument = next(i for i in sim.interventions if i.label == other)
    history: dict[str, list[np.ndarray]] = {"episode": [], "shock": [], "disaster": [], "draw": []}
    for _ in range(s.years):
        sim.step()
        history["episode"].append(sim.persons.episode[: sim.persons.n].copy())
        history["shock"].append(sim.households.income_shock_persistent.copy())
        history["disaster"].append(sim.villages.disaster.copy())
        history["draw"].append(instrument.failure_draw.copy())
    return history


def test_adding_education_aid_leaves_shocks_and_other_draws_unchanged():
    other = {"type": "housing_renovation", "failure_risk": 0.3}
    base = scenario([other], years=4)
    aided = scenario([{"type": "education_aid", "failure_risk": 0.2}, other], years=4)
    a, b = (
        shock_history(base, 4, "housing_renovation"),
        shock_history(aided, 4, "housing_renovation"),
    )
    for key in a:
        for year, (x, y) in enumerate(zip(a[key], b[key], strict=True)):
            assert np.array_equal(x, y), f"{key} differs in policy year {year + 1}"
    assert yearly_bytes(base, 4) != yearly_bytes(aided, 4), "education aid changed nothing"


@pytest.mark.parametrize(
    "keys, funds",
    [
        ({"fund": "schools"}, {"schools": {"yearly": {2014: 0.0}}}),
        ({"capacity_households_per_year": 0}, {}),
    ],
)
def test_zero_budget_or_capacity_changes_no_output_byte(keys, funds):
    base = scenario([], households=600, years=4, funds=funds)
    idle = scenario([{"type": "education_aid", **keys}], households=600, years=4, funds=funds)
    assert yearly_bytes(base, 9) == yearly_bytes(idle, 9)
