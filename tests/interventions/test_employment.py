"""Employment instruments: job placement, skills training and public-welfare posts."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from model.engine.state import CHANNELS, LABOUR_FULL, LABOUR_NONE, LABOUR_PARTIAL, NEVER
from model.simulation import Simulation
from tests.support.instruments import (
    assert_idle_instance_changes_nothing,
    assert_own_stream,
    county,
)
from tests.support.statistics import within_se

EMPLOYMENT = CHANNELS.index("employment")
TYPES = ("job_placement", "skills_training", "public_welfare_post")
# Yuan booked per recipient with the default keys: the placement fee, the "Rain and Dew"
# subsidy (one-off), the post's wage (every year).
DEFAULT_COST = {
    "job_placement": 1000.0,
    "skills_training": 180_000 / 33,
    "public_welfare_post": 6000.0,
}
SMALL_VILLAGES = {"villages": {"households_per_village": 25}}


# A small county with the given instruments.
scenario = partial(county, households=1500, years=4, name="employment")


def count_alive(sim: Simulation, rows_mask: np.ndarray) -> np.ndarray:
    """Living members per household where `rows_mask` holds, counted one row at a time."""
    p, n = sim.persons, sim.persons.n
    counts = np.zeros(sim.households.n, dtype=np.int64)
    rows = np.flatnonzero(rows_mask & p.alive[:n])
    np.add.at(counts, p.household[rows], 1)
    return counts


def spy(sim: Simulation, label: str):
    """The instrument named `label` and a log of what it saw each year when it proposed:
    its eligibility mask, the households holding a job, measured income."""
    instrument = next(i for i in sim.interventions if i.label == label)
    log: list[dict] = []
    original = instrument.propose

    def propose(s: Simulation, allowed=None, money=None):
        streams = getattr(instrument, "streams", None)
        log.append(
            {
                "eligible": instrument.eligible(s).copy(),
                "running": None if streams is None else streams.running.copy(),
                "measured": s.measured_income_per_capita().copy(),
            }
        )
        return original(s, allowed, money)

    instrument.propose = propose
    return instrument, log


# --- eligibility ---------------------------------------------------------------------


def test_eligibility_masks_follow_the_labour_rules():
    specs = [{"type": t, "target": "all"} for t in TYPES]
    sim = Simulation(scenario(specs, years=3, population_extra=SMALL_VILLAGES), seed=2)
    spies = [spy(sim, t) for t in TYPES]
    p, h = sim.persons, sim.households
    sizes = {t: 0 for t in TYPES}
    excluded_holders = 0
    for _ in range(3):
        sim.step()
        n = p.n
        labour, age, migrant = p.labour[:n], p.age[:n], p.migrant[:n]
        able = count_alive(sim, (labour == LABOUR_FULL) & ~migrant) > 0
        working_age = count_alive(sim, (age >= 16) & (age <= 59) & (labour != LABOUR_NONE)) > 0
        low_mobility = (labour == LABOUR_PARTIAL) | ((labour == LABOUR_FULL) & (age >= 45))
        posts = (count_alive(sim, low_mobility) > 0) & (count_alive(sim, migrant) == 0)
        rules = {
            "job_placement": able & ~spies[0][1][-1]["running"],
            "skills_training": working_age,
            "public_welfare_post": posts,
        }
        for kind, (instrument, log) in zip(TYPES, spies, strict=True):
            rule = rules[kind] & h.active
            assert np.array_equal(log[-1]["eligible"] & h.active, rule), kind
            assert rule[instrument.recipients_this_year].all(), kind
            sizes[kind] += instrument.recipients_this_year.size
        # households holding a job are not placed again while they hold it
        excluded_holders += int((able & spies[0][1][-1]["running"]).sum())
    assert min(sizes.values()) > 100 and excluded_holders > 100
    # the rules exclude someone (otherwise the comparisons above are weak)
    assert (~posts & h.active).sum() > 100 and (~able & h.active).sum() > 100


# --- job placement --------------------------------------------------------------------


def test_casual_share_and_wages_of_placements():
    """Casual exactly where the spare draw is below casual_share; the share of casual jobs
    within 4 binomial standard errors of 0.6; casual jobs pay 0.7 of the wage gain."""
    s = scenario([{"type": "job_placement", "target": "all"}], households=2000, years=4)
    sim = Simulation(s, seed=5)
    inst, h = sim.interventions[0], sim.households
    casual_total = placed_total = 0
    for _ in range(s.years):
        sim.step()
        placed = inst.recipients_this_year
        assert (inst.streams.start_year[placed] == sim.year).all()
        casual = inst.casual[placed]
        assert np.array_equal(casual, inst.extra_draw[placed] < 0.6)
        expected = 8000.0 * sim.money_index * np.where(casual, 0.7, 1.0)
        np.testing.assert_allclose(h.assisted_income[EMPLOYMENT, placed], expected)
        # every job held is paid this year, in this year's money, and nobody else is
        holding = inst.streams.running & h.active
        np.testing.assert_allclose(
            h.assisted_income[EMPLOYMENT],
            np.where(holding, inst.streams.amount, 0.0) * sim.money_index,
        )
        casual_total += int(casual.sum())
        placed_total += placed.size
    assert placed_total > 500
    assert within_se(casual_total, placed_total, 0.6)


def test_casual_jobs_are_lost_more_often_and_lost_households_may_be_placed_again():
    s = scenario([{"type": "job_placement", "target": "all"}], households=2000, years=6)
    sim = Simulation(s, seed=8)
    inst = sim.interventions[0]
    exposed = {True: 0, False: 0}
    lost = {True: 0, False: 0}
    for year in range(s.years):
        held = inst.streams.running.copy()
        started = inst.streams.start_year.copy()
        casual = inst.casual.copy()
        sim.step()
        if year == 0:
            continue
        ended = held & (inst.streams.start_year != started)  # stopped, or lost and re-placed
        # a job is lost exactly when its loss draw falls below its own risk
        risk = np.where(casual, 0.3, 0.05)
        assert np.array_equal(ended, held & (inst.loss_draw < risk))
        for kind in (True, False):
            exposed[kind] += int((held & (casual == kind)).sum())
            lost[kind] += int((ended & (casual == kind)).sum())
    assert exposed[True] > 300 and exposed[False] > 300
    assert lost[True] / exposed[True] > lost[False] / exposed[False]
    assert within_se(lost[True], exposed[True], 0.3)
    assert within_se(lost[False], exposed[False], 0.05)
    # each placement is booked at 1000 yuan, so a household placed twice received 2000
    received = sim.ledger.received_by_instrument["job_placement"]
    assert (received == 2000.0).sum() > 20
    assert set(np.unique(received)) <= {0.0, 1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0}


# --- skills training ------------------------------------------------------------------


def test_training_pays_nothing_in_the_lag_year_then_the_job_wage():
    spec = {"type": "skills_training", "target": "all", "start_year": 2014, "end_year": 2014}
    s = scenario([spec], households=2000, years=3)
    sim = Simulation(s, seed=3)
    inst, h = sim.interventions[0], sim.households
    sim.step()
    trained = inst.recipients_this_year
    assert trained.size > 500
    assert (h.assisted_income[EMPLOYMENT] == 0).all(), "paid in the lag year"
    worked = inst.streams.start_year[trained] == 2014
    assert np.array_equal(worked, inst.failure_draw[trained] >= 1 - 32 / 200)
    assert within_se(int(worked.sum()), trained.size, 0.16)
    assert sim.ledger.spent_by_instrument_year[("skills_training", 2014)] == pytest.approx(
        trained.size * 180_000 / 33
    )
    paid_total = 0
    for _ in range(2):
        sim.step()
        holding = inst.streams.running & h.active
        factor = np.where(inst.casual, 0.7, 1.0)
        expected = np.where(holding, 8000.0 * sim.money_index * factor, 0.0)
        np.testing.assert_allclose(h.assisted_income[EMPLOYMENT], expected)
        assert not holding[trained[~worked]].any(), "a failed training paid"
        paid_total += int(holding.sum())
        assert sim.ledger.spent_by_instrument_year[("skills_training", sim.year)] == 0
    assert paid_total > 100


def test_training_is_once_per_household():
    spec = {"type": "skills_training", "target": "all", "capacity_households_per_year": 300}
    s = scenario([spec], years=4)
    sim = Simulation(s, seed=4)
    inst = sim.interventions[0]
    seen = np.zeros(sim.households.n, dtype=bool)
    total = 0
    for _ in range(s.years):
        sim.step()
        rec = inst.recipients_this_year
        assert not seen[rec].any()
        seen[rec] = True
        total += rec.size
    assert total == 1200, "capacity filled each year by households not trained before"


# --- public-welfare posts -------------------------------------------------------------


def test_posts_within_village_slots_paid_and_booked_every_year_holders_kept():
    spec = {"type": "public_welfare_post", "target": "all"}
    s = scenario([spec], households=1500, years=5, population_extra=SMALL_VILLAGES)
    sim = Simulation(s, seed=6)
    inst, log = spy(sim, "public_welfare_post")
    h = sim.households
    years_held = np.zeros(h.n, dtype=np.int64)
    previous = np.zeros(h.n, dtype=bool)
    full_villages = kept_over_poorer = 0
    for _ in range(s.years):
        sim.step()
        rec = inst.recipients_this_year
        counts = np.bincount(h.village[rec], minlength=sim.villages.n)
        assert counts.max() <= 5
        full_villages += int((counts == 5).sum())
        np.testing.assert_array_equal(h.assisted_income[EMPLOYMENT, rec], 6000.0)
        others = np.setdiff1d(np.arange(h.n), rec)
        assert (h.assisted_income[EMPLOYMENT, others] == 0).all()
        spent = sim.ledger.spent_by_instrument_year[("public_welfare_post", sim.year)]
        assert spent == 6000.0 * rec.size
        # last year's holders who are still eligible keep their post
        eligible = log[-1]["eligible"] & h.active
        kept = previous & eligible
        now = np.zeros(h.n, dtype=bool)
        now[rec] = True
        assert now[kept].all()
        # ...even where poorer eligible households of the village were left without one
        measured = log[-1]["measured"]
        for village in np.unique(h.village[np.flatnonzero(kept)]):
            left_out = eligible & ~now & (h.village == village)
            mine = kept & (h.village == village)
            if left_out.any() and measured[mine].max() > measured[left_out].min():
                kept_over_poorer += 1
        years_held[rec] += 1
        previous = now
    assert full_villages > 50 and kept_over_poorer > 5
    assert (years_held >= 3).sum() > 50
    received = sim.ledger.received_by_instrument["public_welfare_post"]
    np.testing.assert_allclose(received, 6000.0 * years_held)


# --- shared properties ----------------------------------------------------------------


@pytest.mark.parametrize("kind", TYPES)
def test_fund_never_exceeded_and_costs_booked_once(kind):
    unit = DEFAULT_COST[kind]
    yearly = 40.5 * unit
    spec = {"type": kind, "fund": "county", "target": "all"}
    funds = {"county": {"yearly": yearly, "carry_over": False}}
    s = scenario([spec], funds=funds, population_extra=SMALL_VILLAGES)
    sim = Simulation(s, seed=1)
    inst = sim.interventions[0]
    total = 0.0
    for _ in range(s.years):
        sim.step()
        spent = sim.ledger.spent_by_instrument_year[(kind, sim.year)]
        assert spent <= yearly
        assert inst.recipients_this_year.size == 40  # the 41st does not fit
        assert spent == pytest.approx(40 * unit)
        total += spent
    assert sim.ledger.received_by_instrument[kind].sum() == pytest.approx(total)


@pytest.mark.parametrize("kind", TYPES)
def test_zero_budget_or_capacity_changes_no_output_byte(kind):
    assert_idle_instance_changes_nothing(
        scenario, {"type": kind, "target": "all"}, households=600, years=3
    )


@pytest.mark.parametrize("kind", TYPES)
def test_failures_come_from_its_own_stream_only(kind):
    def check_year(sim, instrument, recipients, failed):
        if kind == "public_welfare_post":
            paid = sim.households.assisted_income[EMPLOYMENT, recipients] > 0
            assert np.array_equal(paid, ~failed)
        else:
            started = instrument.streams.start_year[recipients] == sim.year
            assert np.array_equal(started, ~failed)
            assert (instrument.streams.start_year[recipients[failed]] == NEVER).all()

    assert_own_stream(
        partial(scenario, households=1500),
        {"type": "dibao", "failure_risk": 0.2},
        {"type": kind, "target": "all", "failure_risk": 0.3},
        check_year,
    )
