"""Wubao, temporary relief and asset dividends: who qualifies, how much, within which limits,
booked once, drawing only on their own random stream. (The dibao is tested in
test_engine.py and test_allocation.py.)"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from model.engine.state import CHANNELS
from model.simulation import Simulation
from tests.support.instruments import (
    assert_idle_instance_changes_nothing,
    county,
    shared_chance,
)

SAFETY = CHANNELS.index("safety_net")
ASSET = CHANNELS.index("asset_income")
# Households without labour live on pensions (660) and support from children (1,200 per
# elderly member by default), below the line: raised support puts some of them above the
# dibao standard, so that asset dividends have someone to reach.
RICHER_ELDERLY = {"income": {"elderly_support_per_person": 2600}}


# A small county with the given instruments.
scenario = partial(county, households=1500, years=4)


def spy(sim: Simulation, label: str):
    """The instrument named `label` and a log that gets, each year, a snapshot of the state
    the instrument saw when it proposed (incomes before its own and later transfers)."""
    instrument = next(i for i in sim.interventions if i.label == label)
    log: list[dict] = []
    original = instrument.propose

    def propose(s: Simulation, allowed=None, money=None):
        h = s.households
        log.append(
            {
                "year": s.year,
                "measured": s.measured_income_per_capita().copy(),
                "total": s.total_income().copy(),
                "medical_oop": h.medical_oop.copy(),
                "disaster": s.villages.disaster.copy(),
                "price_shock": s.villages.price_shock.copy(),
            }
        )
        return original(s, allowed, money)

    instrument.propose = propose
    return instrument, log


def members(sim: Simulation) -> tuple[np.ndarray, np.ndarray]:
    """Living members aged 16-59 and 60+ per household, counted person by person."""
    p, n = sim.persons, sim.persons.n
    working = np.zeros(sim.households.n, dtype=np.int64)
    elderly = np.zeros(sim.households.n, dtype=np.int64)
    rows = np.flatnonzero(p.alive[:n])
    np.add.at(working, p.household[rows], (p.age[rows] >= 16) & (p.age[rows] <= 59))
    np.add.at(elderly, p.household[rows], p.age[rows] >= 60)
    return working, elderly


# --- wubao -------------------------------------------------------------------------------


def test_wubao_pays_every_elderly_member_of_households_without_working_age_members():
    share = {2014: 0.8, 2018: 1.0}
    s = scenario([{"type": "wubao", "stipend_share_of_line": share}])
    sim = Simulation(s, seed=4)
    wubao, _ = spy(sim, "wubao")
    h = sim.households
    paid_total = mixed_households = 0
    for _ in range(s.years):
        sim.step()
        working, elderly = members(sim)
        rule = h.active & (working == 0) & (elderly > 0) & (h.full_labourers == 0)
        paid = wubao.recipients_this_year
        assert np.array_equal(np.sort(paid), np.flatnonzero(rule)), "paid set != the rule"
        # The schedule grows at a constant rate between its anchors (log-linear).
        stipend = sim.poverty_line * np.exp(np.interp(sim.year, [2014, 2018], np.log([0.8, 1.0])))
        assert wubao.stipend_per_person(sim) == pytest.approx(stipend)
        np.testing.assert_allclose(h.assisted_income[SAFETY, paid], stipend * elderly[paid])
        assert (h.assisted_income[SAFETY, ~rule] == 0).all()
        assert sim.ledger.spent_by_instrument_year[("wubao", sim.year)] == pytest.approx(
            stipend * elderly[paid].sum()
        )
        paid_total += paid.size
        # Elderly living with a working-age member exist and are left out (the rule bites).
        mixed_households += int((h.active & (elderly > 0) & (working > 0)).sum())
    assert paid_total > 300 and mixed_households > 300


def test_wubao_amount_in_yuan_replaces_the_share_of_the_line():
    s = scenario([{"type": "wubao", "stipend_yuan_per_person": 3000}], years=2)
    sim = Simulation(s, seed=4)
    sim.step()
    _, elderly = members(sim)
    paid = sim.interventions[0].recipients_this_year
    assert paid.size > 50
    np.testing.assert_allclose(sim.households.assisted_income[SAFETY, paid], 3000.0 * elderly[paid])


def test_wubao_capacity_serves_the_poorest_and_respects_villages():
    per_village, per_year = 12, 40
    s = scenario(
        [
            {
                "type": "wubao",
                "capacity_households_per_village": per_village,
                "capacity_households_per_year": per_year,
            }
        ],
        households=2000,
        years=3,
    )
    sim = Simulation(s, seed=9)
    wubao, log = spy(sim, "wubao")
    h = sim.households
    for _ in range(s.years):
        sim.step()
        paid = wubao.recipients_this_year
        assert paid.size == per_year, "demand exceeds the yearly capacity, so it fills"
        counts = np.bincount(h.village[paid], minlength=sim.villages.n)
        assert counts.max() <= per_village
        # Within each village the paid households are that village's poorest applicants.
        working, elderly = members(sim)
        rule = h.active & (working == 0) & (elderly > 0) & (h.full_labourers == 0)
        measured = log[-1]["measured"]
        for village in np.flatnonzero(counts):
            applicants = np.flatnonzero(rule & (h.village == village))
            mine = paid[h.village[paid] == village]
            assert measured[mine].max() <= np.sort(measured[applicants])[mine.size - 1]


def test_wubao_within_fund_money_and_costs_booked_once_with_unit_costs():
    yearly = 120_000.0
    s = scenario(
        [{"type": "wubao", "unit_cost_one_off": 100.0, "unit_cost_yearly": 10.0}],
        funds={"civil_affairs": {"yearly": yearly, "carry_over": False}},
    )
    sim = Simulation(s, seed=2)
    wubao = sim.interventions[0]
    ever = np.zeros(sim.households.n, dtype=bool)
    total_expected = 0.0
    for _ in range(s.years):
        sim.step()
        working, elderly = members(sim)
        paid = wubao.recipients_this_year
        stipend = wubao.stipend_per_person(sim)
        expected = stipend * elderly[paid] + 10.0 + np.where(ever[paid], 0.0, 100.0)
        spent = sim.ledger.spent_by_instrument_year[("wubao", sim.year)]
        assert spent == pytest.approx(expected.sum())
        assert spent <= yearly + 1e-6
        # The next applicant did not fit: what is left is less than the dearest could cost.
        dearest = stipend * elderly[working == 0].max() + 110.0
        assert spent > yearly - dearest, "money left that could pay another"
        ever[paid] = True
        total_expected += expected.sum()
    assert sim.ledger.received_by_instrument["wubao"].sum() == pytest.approx(total_expected)
    assert ever.sum() > 40


# --- temporary relief --------------------------------------------------------------------

SHOCKY = {"shocks": {"disaster_probability": 0.25, "price_shock_probability": 0.1}}


def relief_rule(snapshot: dict, h, line: float, share: float = 0.4, multiple: float = 1.5):
    """Hit by a village shock or a large medical bill, and measured below 1.5 lines."""
    village = snapshot["disaster"][h.village] | snapshot["price_shock"][h.village]
    oop, total = snapshot["medical_oop"], snapshot["total"]
    large_bill = (oop > 0) & (oop >= share * np.maximum(total, 1.0))
    return h.active & (village | large_bill) & (snapshot["measured"] < multiple * line)


def test_temporary_relief_reaches_the_shocked_near_the_line_with_600_or_360_yuan():
    s = scenario([{"type": "temporary_relief"}], years=5, dynamics=SHOCKY)
    sim = Simulation(s, seed=3)
    relief, log = spy(sim, "temporary_relief")
    h = sim.households
    poor = near = 0
    paid_years = np.zeros(h.n, dtype=np.int64)
    for _ in range(s.years):
        sim.step()
        snapshot = log[-1]
        paid = relief.recipients_this_year
        rule = relief_rule(snapshot, h, sim.poverty_line)
        assert np.array_equal(np.sort(paid), np.flatnonzero(rule))
        below = snapshot["measured"][paid] < sim.poverty_line
        np.testing.assert_array_equal(h.assisted_income[SAFETY, paid], np.where(below, 600, 360))
        assert sim.ledger.spent_by_instrument_year[("temporary_relief", sim.year)] == (
            600 * below.sum() + 360 * (~below).sum()
        )
        poor += int(below.sum())
        near += int((~below).sum())
        paid_years[paid] += 1
    assert poor > 100 and near > 30
    assert (paid_years >= 2).sum() > 20, "relief recurs in a later shock year"


def test_temporary_relief_only_in_shock_years():
    # Large bills switched off: relief only where the village had a disaster or price shock.
    no_bills = {"type": "temporary_relief", "large_bill_share_of_income": 1e9}
    s = scenario([no_bills], years=6, dynamics=SHOCKY)
    sim = Simulation(s, seed=5)
    relief, log = spy(sim, "temporary_relief")
    v, h = sim.villages, sim.households
    paid_total = quiet_years = 0
    for _ in range(s.years):
        sim.step()
        paid = relief.recipients_this_year
        shocked = v.disaster | v.price_shock
        assert shocked[h.village[paid]].all()
        if not shocked.any():
            quiet_years += 1
            assert paid.size == 0
        paid_total += paid.size
    assert paid_total > 200 and quiet_years >= 1, "need shock and quiet years to compare"
    # Without any shock at all nobody is relieved in any year.
    calm = scenario([no_bills], years=4, dynamics={"shocks": {"enabled": False}})
    sim = Simulation(calm, seed=5)
    for _ in range(calm.years):
        sim.step()
        assert sim.interventions[0].recipients_this_year.size == 0
    # ...and large bills alone, with no village shock, do bring relief.
    bills = scenario(
        [{"type": "temporary_relief"}], years=3, dynamics={"shocks": {"enabled": False}}
    )
    sim = Simulation(bills, seed=5)
    paid_for_bills = 0
    for _ in range(bills.years):
        sim.step()
        paid_for_bills += sim.interventions[0].recipients_this_year.size
    assert paid_for_bills > 30


def test_temporary_relief_within_budget_and_per_village_capacity():
    budget = 20_000.0
    s = scenario(
        [
            {
                "type": "temporary_relief",
                "budget_yearly": budget,
                "capacity_households_per_village": 15,
            }
        ],
        years=5,
        dynamics=SHOCKY,
    )
    sim = Simulation(s, seed=3)
    relief = sim.interventions[0]
    binding = 0
    for _ in range(s.years):
        sim.step()
        paid = relief.recipients_this_year
        spent = sim.ledger.spent_by_instrument_year[("temporary_relief", sim.year)]
        assert spent <= budget
        assert np.bincount(sim.households.village[paid]).max(initial=0) <= 15
        assert spent == sim.households.assisted_income[SAFETY, paid].sum()
        binding += spent > budget - 600
    assert binding >= 2


# --- asset dividend ----------------------------------------------------------------------


def test_asset_dividend_never_reaches_dibao_eligible_or_labour_households():
    dibao = {"type": "dibao", "standard_share_of_line": 1.2}
    dividend = {"type": "asset_dividend", "target": "all", "exclude_dibao_eligible": True}
    with_dibao = scenario([dividend, dibao], years=3, dynamics=RICHER_ELDERLY)
    without = scenario([dividend], years=3, dynamics=RICHER_ELDERLY)
    paid_total = between = 0
    for s, standard in ((with_dibao, 1.2), (without, 1.0)):
        sim = Simulation(s, seed=7)
        instrument, log = spy(sim, "asset_dividend")
        h = sim.households
        for _ in range(s.years):
            sim.step()
            measured = log[-1]["measured"]
            no_labour = h.active & (h.full_labourers == 0) & (h.labour_units < 0.5)
            rule = no_labour & (measured >= standard * sim.poverty_line)
            paid = instrument.recipients_this_year
            assert np.array_equal(np.sort(paid), np.flatnonzero(rule))
            np.testing.assert_array_equal(h.assisted_income[ASSET, paid], 3000.0)
            assert (h.assisted_income[ASSET, ~rule] == 0).all()
            paid_total += paid.size
            if standard == 1.0:  # paid without a dibao, refused under a dibao of 1.2 lines
                between += int((rule & (measured < 1.2 * sim.poverty_line)).sum())
    assert paid_total > 60 and between > 5


def test_asset_dividend_by_default_reaches_every_household_without_labour_in_its_target():
    s = scenario([{"type": "asset_dividend"}], years=2)  # default pension and support
    sim = Simulation(s, seed=7)
    h = sim.households
    paid_total = 0
    for _ in range(s.years):
        sim.step()
        paid = np.sort(sim.interventions[0].recipients_this_year)
        no_labour = (h.full_labourers == 0) & (h.labour_units < 0.5)
        assert no_labour[paid].all()
        paid_total += paid.size
    assert paid_total > 20, "the default rule must reach households without labour"


def test_asset_dividend_budget_and_costs_booked_once():
    budget = 3000.0 * 7 + 1500
    s = scenario(
        [{"type": "asset_dividend", "target": "all", "budget_yearly": budget}],
        years=3,
        dynamics=RICHER_ELDERLY,
    )
    sim = Simulation(s, seed=7)
    for _ in range(s.years):
        sim.step()
        paid = sim.interventions[0].recipients_this_year
        assert paid.size == 7
        assert sim.ledger.spent_by_instrument_year[("asset_dividend", sim.year)] == 21_000
    assert sim.ledger.received_by_instrument["asset_dividend"].sum() == 63_000


# --- shared properties -------------------------------------------------------------------

INSTRUMENTS = [
    {"type": "wubao"},
    {"type": "temporary_relief"},
    {"type": "asset_dividend", "target": "all"},
]


@pytest.mark.parametrize("spec", INSTRUMENTS, ids=lambda spec: spec["type"])
def test_zero_budget_or_capacity_changes_no_output_byte(spec):
    assert_idle_instance_changes_nothing(
        scenario, spec, households=600, years=3, dynamics={**RICHER_ELDERLY, **SHOCKY}
    )


@pytest.mark.parametrize("spec", INSTRUMENTS, ids=lambda spec: spec["type"])
def test_failures_come_from_its_own_stream_only(spec):
    dibao = {"type": "dibao", "failure_risk": 0.2}
    risky = {**spec, "failure_risk": 0.3}
    kw = {"households": 800, "years": 3, "dynamics": {**RICHER_ELDERLY, **SHOCKY}}
    runs = {}
    for key, interventions in (("alone", [dibao]), ("with", [dibao, risky])):
        sim = Simulation(scenario(interventions, **kw), seed=12)
        draws = []
        failed_total = 0
        for _ in range(3):
            sim.step()
            draws.append(shared_chance(sim))
            if key == "with":
                instrument = sim.interventions[1]
                paid = instrument.recipients_this_year
                failed = paid[instrument.failure_draw[paid] < 0.3]
                row = ASSET if spec["type"] == "asset_dividend" else SAFETY
                worked = np.setdiff1d(paid, failed)
                dibao_paid = sim.interventions[0].recipients_this_year
                # Failed deliveries add nothing on the channel beyond what the dibao paid.
                own = sim.households.assisted_income[row].copy()
                if row == SAFETY:
                    own[dibao_paid] = 0.0
                assert (own[np.setdiff1d(failed, dibao_paid)] == 0).all()
                assert (own[np.setdiff1d(worked, dibao_paid)] > 0).all()
                failed_total += failed.size
        runs[key] = draws
        if key == "with":
            assert failed_total > 3, "too few failures for the check to mean anything"
    for a, b in zip(runs["alone"], runs["with"], strict=True):
        for x, y in zip(a, b, strict=True):
            assert np.array_equal(x, y)
