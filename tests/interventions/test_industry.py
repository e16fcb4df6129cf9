"""Industry instruments: production subsidy, cooperative dividend and microcredit."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from model.config.scenario import Scenario
from model.engine.state import CHANNELS, NEVER
from model.simulation import Simulation
from tests.support.instruments import county, yearly_bytes, yearly_chance

INDUSTRY = CHANNELS.index("industry")
ASSET = CHANNELS.index("asset_income")
TYPES = ("production_subsidy", "cooperative_dividend", "microcredit")
# Cost booked per new recipient with the default keys (yuan).
DEFAULT_COST = {
    "production_subsidy": 3000.0,
    "cooperative_dividend": 44_000.0,
    # interest for the term up front plus the expected risk compensation
    "microcredit": 50_000 * 0.0435 * 3 + 50_000 * 0.1 * 0.5,
}
NO_SHOCKS = {"shocks": {"enabled": False}}


# A small county with the given instruments.
scenario = partial(county, households=800, years=4, name="industry")


def run(s: Scenario, seed: int = 1) -> Simulation:
    sim = Simulation(s, seed=seed)
    sim.run()
    return sim


def test_eligibility_masks_and_recipients_follow_labour():
    sim = Simulation(scenario([{"type": t} for t in TYPES], years=3), seed=2)
    h = sim.households
    subsidy, coop, credit = sim.interventions
    zero_labour_holders = 0
    for _ in range(3):
        sim.step()
        holders = sim.policy_holders()
        assert np.array_equal(subsidy.eligible(sim), h.labour_units > 0)
        assert np.array_equal(
            credit.eligible(sim), (h.labour_units >= 0.5) | (h.full_labourers > 0)
        )
        assert np.array_equal(coop.eligible(sim), h.active)
        assert (h.labour_units[subsidy.recipients_this_year] > 0).all()
        rec = credit.recipients_this_year
        assert ((h.labour_units[rec] >= 0.5) | (h.full_labourers[rec] > 0)).all()
        assert holders[coop.recipients_this_year].all()
        zero_labour_holders += int((holders & (h.labour_units == 0)).sum())
    assert zero_labour_holders > 0, "no policy holder without labour: the mask check is empty"
    assert sim.ledger.ever_received["production_subsidy"].sum() > 50
    assert sim.ledger.ever_received["microcredit"].sum() > 50


@pytest.mark.parametrize("kind", TYPES)
def test_capacity_per_year_and_per_village(kind):
    villages = {"villages": {"households_per_village": 25}}  # 32 villages of 25
    caps = {"capacity_households_per_year": 20, "capacity_households_per_village": 1}
    sim = Simulation(scenario([{"type": kind, **caps}], population_extra=villages), seed=1)
    for _ in range(sim.scenario.years):
        sim.step()
        rec = sim.interventions[0].recipients_this_year
        assert rec.size == 20
        assert np.bincount(sim.households.village[rec]).max() == 1
    assert sim.ledger.ever_received[kind].sum() == 20 * sim.scenario.years
    # without the village cap, the same ranking puts two in one village: the cap binds
    free_caps = {"capacity_households_per_year": 20}
    free = Simulation(scenario([{"type": kind, **free_caps}], population_extra=villages), seed=1)
    free.step()
    rec = free.interventions[0].recipients_this_year
    assert np.bincount(free.households.village[rec]).max() > 1


@pytest.mark.parametrize("kind", TYPES)
def test_fund_never_exceeded_and_each_cost_booked_once(kind):
    unit = DEFAULT_COST[kind] + 100.0  # plus the one-off unit cost
    yearly = 10.5 * unit
    s = scenario(
        [{"type": kind, "fund": "county", "unit_cost_one_off": 100.0}],
        funds={"county": {"yearly": yearly, "carry_over": False}},
    )
    sim = run(s)
    spent = [sim.ledger.spent_by_instrument_year[(kind, y)] for y in range(2014, 2018)]
    for record, money in zip(sim.records, spent, strict=True):
        assert money <= yearly + 1e-6
        assert record[f"recipients_{kind}"] == 10  # the 11th does not fit
        assert money == pytest.approx(10 * unit)
    received = sim.ledger.received_by_instrument[kind]
    got = received > 0
    assert got.sum() == 40, "a household received the one-off instrument twice"
    assert np.allclose(received[got], unit)
    assert received.sum() == pytest.approx(sum(spent))
    # the instrument's own yearly budget binds the same way
    capped = run(scenario([{"type": kind, "budget_yearly": 5.5 * DEFAULT_COST[kind]}], years=2))
    for year in (2014, 2015):
        money = capped.ledger.spent_by_instrument_year[(kind, year)]
        assert money == pytest.approx(5 * DEFAULT_COST[kind])


def test_production_subsidy_pays_with_its_lag_duration_and_decay():
    subsidy = {
        "type": "production_subsidy",
        "start_year": 2014,
        "end_year": 2014,
        "capacity_households_per_year": 200,
        "lag_years": 1,
        "duration_years": 2,
        "ending": "cliff",  # a fixed end, so the payments are known year by year
        "decay_per_year": 0.5,
        "yearly_loss_risk": 0.0,
        "success_probability_full_labour": 0.7,
    }
    sim = Simulation(scenario([subsidy], years=5, dynamics=NO_SHOCKS), seed=3)
    inst, h = sim.interventions[0], sim.households
    sim.step()
    rec = inst.recipients_this_year
    succeeded = inst.streams.start_year[rec] != NEVER
    # a success is exactly a failure draw at or above the failure probability
    assert np.array_equal(succeeded, inst.failure_draw[rec] >= inst.failure_probability(sim, rec))
    assert 20 < succeeded.sum() < rec.size - 20
    full = 3000 * 0.6  # 0.6 net yuan a year per yuan of subsidy, the default
    expected = {2014: 0.0, 2015: full, 2016: full * 0.5, 2017: 0.0, 2018: 0.0}
    paid_any = 0
    for year in range(2014, 2019):
        if year > 2014:
            sim.step()
        paid = h.assisted_income[INDUSTRY, rec]
        alive = h.active[rec]
        assert np.allclose(paid[succeeded & alive], expected[year]), year
        assert (paid[~succeeded] == 0).all()
        paid_any += int((paid > 0).sum())
    assert paid_any > 100


def test_production_subsidy_income_is_cut_in_shocked_villages():
    subsidy = {
        "type": "production_subsidy",
        "end_year": 2014,
        "duration_years": None,
        "yearly_loss_risk": 0.0,
        "shock_income_loss": 0.4,
    }
    shocks = {"shocks": {"disaster_probability": 0.3, "price_shock_probability": 0.2}}
    sim = Simulation(scenario([subsidy], dynamics=shocks), seed=4)
    inst, h, v = sim.interventions[0], sim.households, sim.villages
    full = 3000 * 0.6  # 0.6 net yuan a year per yuan of subsidy, the default
    hit_count = calm_count = 0
    for _ in range(4):
        sim.step()
        paying = np.flatnonzero(inst.streams.running & h.active)
        hit = (v.disaster | v.price_shock)[h.village[paying]]
        paid = h.assisted_income[INDUSTRY, paying]
        assert np.allclose(paid[hit], full * 0.6)
        assert np.allclose(paid[~hit], full)
        hit_count, calm_count = hit_count + hit.sum(), calm_count + (~hit).sum()
    assert hit_count > 30 and calm_count > 30


def test_cooperative_dividend_reaches_households_without_labour_and_pays_its_term():
    coop = {"type": "cooperative_dividend", "end_year": 2014, "yearly_loss_risk": 0.0,
            "ending": "cliff"}  # fmt: skip
    sim = Simulation(scenario([coop], years=5, dynamics=NO_SHOCKS), seed=5)
    inst, h = sim.interventions[0], sim.households
    sim.step()
    rec = inst.recipients_this_year
    no_labour = rec[h.labour_units[rec] == 0]
    assert no_labour.size > 10, "the dividend reached too few households without labour"
    dividend = 44_000 * 0.093
    for year in range(2014, 2019):
        if year > 2014:
            sim.step()
        paid = h.assisted_income[ASSET, no_labour][h.active[no_labour]]
        assert np.allclose(paid, dividend if year < 2017 else 0.0), year
        booked = sim.ledger.spent_by_instrument_year[("cooperative_dividend", year)]
        assert booked == (pytest.approx(44_000 * rec.size) if year == 2014 else 0.0)
    assert h.assisted_income[INDUSTRY].sum() == 0  # its own channel: asset income


def test_cooperative_no_labour_first_serves_households_without_labour_first():
    coop = {"type": "cooperative_dividend", "capacity_households_per_year": 20}
    sim = Simulation(scenario([{**coop, "no_labour_first": True}], years=1), seed=5)
    sim.step()
    rec = sim.interventions[0].recipients_this_year  # in ranked order
    no_labour = sim.households.labour_units[rec] == 0
    waiting = int(no_labour.sum())
    assert rec.size == 20 and 5 <= waiting < 20
    assert no_labour[:waiting].all(), "a household with labour was served before one without"
    plain = Simulation(scenario([coop], years=1), seed=5)
    plain.step()
    served = plain.households.labour_units[plain.interventions[0].recipients_this_year] == 0
    assert served.sum() < waiting


def test_cooperative_dividend_stops_for_good_where_the_loss_draw_falls_below_the_risk():
    coop = {"type": "cooperative_dividend", "end_year": 2014, "yearly_loss_risk": 0.3,
            "duration_years": None}  # fmt: skip
    sim = Simulation(scenario([coop], years=4, dynamics=NO_SHOCKS), seed=6)
    inst, h = sim.interventions[0], sim.households
    sim.step()
    paying = h.assisted_income[ASSET] > 0
    lost_total = 0
    for _ in range(3):
        sim.step()
        now = h.assisted_income[ASSET] > 0
        kept = paying & h.active
        assert np.array_equal(now[kept], inst.loss_draw[kept] >= 0.3)
        assert not (now & ~paying).any()
        lost_total += int((kept & ~now).sum())
        paying = now
    assert lost_total > 20


def industry_exits(default_risk: float) -> list[int]:
    credit = {"type": "microcredit", "default_risk": default_risk}
    sim = run(scenario([credit], households=1000, years=5), seed=7)
    assert all(r["recipients_microcredit"] > 0 for r in sim.records[:1])
    return [r["exits_by_industry"] for r in sim.records]


def test_microcredit_that_always_defaults_lifts_nobody_and_one_that_never_does_does():
    assert industry_exits(1.0) == [0, 0, 0, 0, 0]
    assert sum(industry_exits(0.0)) > 0


def test_microcredit_pays_its_return_for_the_term_and_books_the_provision():
    credit = {"type": "microcredit", "end_year": 2014, "capacity_households_per_year": 100}
    sim = Simulation(scenario([credit], years=5), seed=8)
    inst, h = sim.interventions[0], sim.households
    sim.step()
    rec = inst.recipients_this_year
    ok = inst.failure_draw[rec] >= 0.1
    assert 60 < ok.sum() < rec.size
    assert sim.ledger.spent_by_instrument_year[("microcredit", 2014)] == pytest.approx(
        100 * DEFAULT_COST["microcredit"]
    )
    for year in range(2014, 2019):
        if year > 2014:
            sim.step()
        paid = h.assisted_income[INDUSTRY, rec]
        alive = h.active[rec]
        assert np.allclose(paid[ok & alive], 6000.0 if year < 2017 else 0.0), year
        assert (paid[~ok] == 0).all()


def test_expected_gains_rank_the_instruments_by_yearly_income_per_yuan():
    sim = Simulation(scenario([{"type": t} for t in TYPES], years=1), seed=9)
    sim.step()
    subsidy, coop, credit = (i.propose(sim) for i in sim.interventions)
    shock = 1 - (1 - 0.04) * (1 - 0.05)  # default disaster and price-shock chances
    success = 1 - subsidy.instrument.failure_probability(sim, subsidy.households)
    assert np.allclose(subsidy.expected_gain, 3000 * 0.6 * success * (1 - 0.5 * shock))
    assert np.allclose(coop.expected_gain, 44_000 * 0.093)
    assert np.allclose(credit.expected_gain, 6000 * 0.9)
    ratio = {
        p.instrument.label: np.median(p.expected_gain / p.costs) for p in (subsidy, coop, credit)
    }
    # median yuan of yearly income per yuan: microcredit about 0.60 (5,400 of income for
    # the interest the fund pays), the subsidy 0.6 x success x shock cut (about 0.45), the
    # dividend 0.093
    assert ratio["microcredit"] > ratio["production_subsidy"] > ratio["cooperative_dividend"]


def draw_history(s: Scenario, seed: int, labels: list[str]) -> dict[str, list[np.ndarray]]:
    """Per-year copies of chance: shocks and illness, and the named instruments' draws."""
    sim = Simulation(s, seed=seed)
    by_label = {i.label: i for i in sim.interventions}
    history: dict[str, list[np.ndarray]] = {}
    for _ in range(s.years):
        sim.step()
        n = sim.persons.n
        items = {
            "episode": sim.persons.episode[:n],
            "shock": sim.households.income_shock_persistent,
            "disaster": sim.villages.disaster,
            "price_shock": sim.villages.price_shock,
        }
        for label in labels:
            inst = by_label[label]
            items[f"{label}:draws"] = yearly_chance(inst)
        for key, value in items.items():
            history.setdefault(key, []).append(value.copy())
    return history


def test_adding_industry_instruments_leaves_other_draws_and_shocks_identical():
    dibao = {"type": "dibao", "fund": "civil_affairs"}
    industry = [{"type": t} for t in TYPES]
    alone = draw_history(scenario([dibao]), 10, ["dibao"])
    both = draw_history(scenario([dibao, *industry]), 10, ["dibao", *TYPES])
    for key, years in alone.items():
        for a, b in zip(years, both[key], strict=True):
            assert np.array_equal(a, b), key
    # ...and each industry instrument's draws are unchanged without the dibao
    without = draw_history(scenario(industry), 10, list(TYPES))
    for kind in TYPES:
        for a, b in zip(without[f"{kind}:draws"], both[f"{kind}:draws"], strict=True):
            assert np.array_equal(a, b), kind
    # while the instruments did change outcomes (otherwise the check proves nothing)
    assert yearly_bytes(scenario([dibao]), 10) != yearly_bytes(scenario([dibao, *industry]), 10)


@pytest.mark.parametrize("kind", TYPES)
@pytest.mark.parametrize("limit", ["budget_yearly", "capacity_households_per_year"])
def test_a_zero_budget_or_capacity_instance_changes_no_output_byte(kind, limit):
    base = scenario([], households=500)
    idle = scenario([{"type": kind, limit: 0}], households=500)
    amount = 50 * DEFAULT_COST[kind] if limit == "budget_yearly" else 50
    working = scenario([{"type": kind, limit: amount}], households=500)
    assert yearly_bytes(base, 11) == yearly_bytes(idle, 11)
    assert yearly_bytes(base, 11) != yearly_bytes(working, 11)
