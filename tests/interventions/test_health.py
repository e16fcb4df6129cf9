"""Health insurance (three layers, premiums, cap) and chronic-disease assistance: the tiers,
the personal share, who is served, limits, costs booked once, own random stream."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from model.engine.state import CHANNELS
from model.interventions.health import Tiers, personal_share_after_tiers
from model.simulation import Simulation
from tests.support.instruments import assert_idle_instance_changes_nothing, county

HEALTH = CHANNELS.index("health")
# The documented three-layer setting: basic insurance refunds half, critical-illness insurance half
# of what is left above a 500-yuan deductible, medical assistance 60% of the rest, so every
# yuan above the deductible costs the patient (1-0.5)(1-0.5)(1-0.6) = 0.10 (sources.md: about 10%).
SF_LAYERS = {
    "basic_reimbursement": 0.5,
    "critical_illness_deductible_yuan": 500.0,
    "critical_illness_reimbursement": 0.5,
    "medical_assistance_share": 0.6,
}


# A small county with the given instruments.
scenario = partial(county, households=1500, years=3)


def spy(sim: Simulation, label: str):
    """The instrument named `label` and a log of the arrays it saw when it proposed."""
    instrument = next(i for i in sim.interventions if i.label == label)
    log: list[dict] = []
    original = instrument.propose

    def propose(s: Simulation, allowed=None, money=None):
        h = s.households
        names = ("medical_oop", "insured", "inpatient_reimbursement", "outpatient_reimbursement")
        log.append({name: getattr(h, name).copy() for name in names})
        log[-1]["holders"] = s.policy_holders().copy()
        return original(s, allowed, money)

    instrument.propose = propose
    return instrument, log


# --- the tiers ---------------------------------------------------------------------------


def test_personal_share_after_tiers_by_hand():
    tiers = Tiers(0.5, 1000.0, 0.5, 0.6)
    gross = np.array([0.0, 1000.0, 2000.0, 5000.0, 20000.0])
    # 1000: 500 left after basic, below the deductible: 40% of it. 2000: exactly at it.
    # 5000: 2500 - 0.5*1500 = 1750, 40% = 700. 20000: 10000 - 4500 = 5500, 40% = 2200.
    expected = np.array([0.0, 200.0, 400.0, 700.0, 2200.0])
    np.testing.assert_allclose(personal_share_after_tiers(gross, tiers), expected)
    # Above the deductible each further yuan costs the patient exactly 10%.
    above = personal_share_after_tiers(np.array([3000.0, 53000.0]), tiers)
    assert (above[1] - above[0]) / 50000.0 == pytest.approx(0.10, abs=1e-12)
    # Household-specific basic rates are applied element by element.
    own = Tiers(np.array([0.5, 0.8]), 1000.0, 0.5, 0.6)
    np.testing.assert_allclose(personal_share_after_tiers(np.array([5000.0] * 2), own), [700, 400])


def test_three_layers_hold_the_personal_share_of_inpatient_costs_near_ten_percent():
    """Among recipients with an episode (and no chronic costs, so the bill is the stay),
    the share paid is 0.10 plus what the deductible adds: at most 0.10 + (1-m) c D / gross
    for each household, so for the group between 0.10 and 0.10 + 0.2 * 500 * N / sum(gross)."""
    s = scenario([{"type": "health_insurance", **SF_LAYERS}], households=2500, years=4)
    sim = Simulation(s, seed=21)
    insurance = sim.interventions[0]
    h = sim.households
    stays = 0
    for _ in range(s.years):
        sim.step()
        paid = insurance.recipients_this_year
        stay = paid[(h.inpatient_cost[paid] > 0) & (h.chronic_cost[paid] == 0)]
        gross = h.inpatient_cost[stay]
        share = h.medical_oop[stay].sum() / gross.sum()
        upper = 0.10 + 0.4 * 0.5 * 500.0 * stay.size / gross.sum()
        assert 0.10 - 1e-9 <= share <= upper + 1e-9
        # Exactly: 0.10 of the gross plus (1-m) c min(r1, D) per stay, r1 = (1-b) gross.
        exact = 0.10 + 0.2 * np.minimum(0.5 * gross, 500.0).sum() / gross.sum()
        assert share == pytest.approx(exact, rel=1e-9)
        assert upper < 0.11, "typical stays cost far more than the deductible"
        # Household by household the bill is the tiers' personal share.
        tiers = Tiers(0.5, 500.0, 0.5, 0.6)
        np.testing.assert_allclose(h.medical_oop[stay], personal_share_after_tiers(gross, tiers))
        stays += stay.size
    assert stays > 100, "too few episodes for the share to mean anything"


def test_recipients_bills_follow_the_tiers_and_others_are_untouched():
    s = scenario([{"type": "health_insurance", **SF_LAYERS}])
    sim = Simulation(s, seed=22)
    insurance, log = spy(sim, "health_insurance")
    h = sim.households
    newly_insured = 0
    for _ in range(s.years):
        sim.step()
        before = log[-1]
        paid = insurance.recipients_this_year
        assert np.array_equal(np.sort(paid), np.flatnonzero(before["holders"]))
        chronic_rate = np.maximum(before["outpatient_reimbursement"][paid], 0.2)  # dynamics'
        bill = personal_share_after_tiers(
            h.inpatient_cost[paid], Tiers(0.5, 500.0, 0.5, 0.6)
        ) + h.chronic_cost[paid] * (1 - chronic_rate)
        np.testing.assert_allclose(h.medical_oop[paid], bill)
        np.testing.assert_allclose(
            h.expense_relief[HEALTH, paid], before["medical_oop"][paid] - bill
        )
        others = np.setdiff1d(np.arange(h.n), paid)
        np.testing.assert_array_equal(h.medical_oop[others], before["medical_oop"][others])
        assert h.insured[paid].all()
        assert (h.inpatient_reimbursement[paid] >= 0.5).all()
        assert (h.outpatient_reimbursement[paid] >= 0.2).all()
        newly_insured += int((~before["insured"][paid]).sum())
    assert newly_insured > 20


def test_the_yearly_cap_on_out_of_pocket_costs_is_respected():
    cap = 1500.0
    s = scenario([{"type": "health_insurance", "out_of_pocket_cap_yuan_per_year": cap}])
    sim = Simulation(s, seed=23)
    insurance, log = spy(sim, "health_insurance")
    h = sim.households
    capped = 0
    for _ in range(s.years):
        sim.step()
        paid = insurance.recipients_this_year
        assert h.medical_oop[paid].max() <= cap + 1e-9
        capped += int((log[-1]["medical_oop"][paid] > cap).sum())
        assert (h.medical_oop[h.active] > cap).any(), "the cap binds nobody outside"
    assert capped > 30, "too few bills above the cap for the check to mean anything"


def test_insurance_stays_and_the_next_year_engine_reimburses_at_the_basic_rates():
    s = scenario([{"type": "health_insurance", "end_year": 2014, **SF_LAYERS}], years=2)
    sim = Simulation(s, seed=24)
    h = sim.households
    uninsured_before = ~h.insured.copy()
    sim.step()
    paid = sim.interventions[0].recipients_this_year
    sim.step()  # 2015: nothing is delivered; the engine uses the rates set in 2014
    assert sim.interventions[0].recipients_this_year.size == 0
    alive = paid[h.active[paid]]
    assert h.insured[alive].all()
    engine = h.inpatient_cost[alive] * (1 - h.inpatient_reimbursement[alive]) + h.chronic_cost[
        alive
    ] * (1 - h.outpatient_reimbursement[alive])
    np.testing.assert_allclose(h.medical_oop[alive], engine)
    assert (h.inpatient_reimbursement[alive] >= 0.5).all()
    had_costs = uninsured_before[alive] & (h.inpatient_cost[alive] + h.chronic_cost[alive] > 0)
    assert had_costs.sum() > 10, "too few previously uninsured with medical costs in 2015"


def test_insurance_costs_are_premiums_plus_relief_booked_once_within_budget():
    budget = 150_000.0
    s = scenario(
        [{"type": "health_insurance", "budget_yearly": budget, "unit_cost_one_off": 50.0}],
        years=3,
    )
    sim = Simulation(s, seed=25)
    insurance = sim.interventions[0]
    h = sim.households
    ever = np.zeros(h.n, dtype=bool)
    total = 0.0
    for _ in range(s.years):
        sim.step()
        paid = insurance.recipients_this_year
        expected = (
            180.0 * h.size[paid] + h.expense_relief[HEALTH, paid] + np.where(ever[paid], 0.0, 50.0)
        )
        spent = sim.ledger.spent_by_instrument_year[("health_insurance", sim.year)]
        assert spent == pytest.approx(expected.sum())
        assert spent <= budget
        assert paid.size < sim.policy_holders().sum(), "the budget binds"
        ever[paid] = True
        total += expected.sum()
    assert sim.ledger.received_by_instrument["health_insurance"].sum() == pytest.approx(total)
    assert ever.sum() > 50


def test_insurance_capacity_per_village():
    s = scenario([{"type": "health_insurance", "capacity_households_per_village": 20}], years=2)
    sim = Simulation(s, seed=26)
    insurance, log = spy(sim, "health_insurance")
    village = sim.households.village
    for _ in range(s.years):
        sim.step()
        paid = insurance.recipients_this_year
        counts = np.bincount(village[paid], minlength=sim.villages.n)
        holders = np.bincount(village[log[-1]["holders"]], minlength=sim.villages.n)
        np.testing.assert_array_equal(counts, np.minimum(holders, 20))
        assert (holders > 20).sum() >= 3, "the capacity binds in several villages"


# --- chronic-disease assistance ----------------------------------------------------------


def test_chronic_assistance_relieves_its_share_capped_for_the_chronically_ill():
    cap = 500.0
    spec = {"type": "chronic_disease_assistance", "target": "all", "cap_yuan_per_year": cap}
    s = scenario([spec])
    sim = Simulation(s, seed=27)
    assistance, log = spy(sim, "chronic_disease_assistance")
    h = sim.households
    at_cap = 0
    for _ in range(s.years):
        sim.step()
        before = log[-1]
        paid = assistance.recipients_this_year
        assert np.array_equal(np.sort(paid), np.flatnonzero(h.active & (h.chronic_cost > 0)))
        own_cost = h.chronic_cost[paid] * (1 - before["outpatient_reimbursement"][paid])
        expected = np.minimum(np.minimum(0.5 * own_cost, cap), before["medical_oop"][paid])
        np.testing.assert_allclose(h.expense_relief[HEALTH, paid], expected)
        np.testing.assert_allclose(h.medical_oop[paid], before["medical_oop"][paid] - expected)
        assert sim.ledger.spent_by_instrument_year[
            ("chronic_disease_assistance", sim.year)
        ] == pytest.approx(expected.sum())
        at_cap += int((expected == cap).sum())
    assert at_cap > 30 and paid.size > 100


def test_chronic_assistance_after_insurance_relieves_the_insured_chronic_bill():
    s = scenario(
        [
            {"type": "health_insurance", **SF_LAYERS, "basic_outpatient_reimbursement": 0.4},
            {"type": "chronic_disease_assistance", "cap_yuan_per_year": None},
        ],
        years=2,
    )
    sim = Simulation(s, seed=28)
    h = sim.households
    for _ in range(s.years):
        sim.step()
        both = np.intersect1d(*(i.recipients_this_year for i in sim.interventions))
        both = both[h.inpatient_cost[both] == 0]
        assert both.size > 50
        np.testing.assert_allclose(h.medical_oop[both], 0.5 * 0.6 * h.chronic_cost[both])
        booked = sum(
            sim.ledger.spent_by_instrument_year[(i.label, sim.year)] for i in sim.interventions
        )
        premiums = 180.0 * h.size[sim.interventions[0].recipients_this_year].sum()
        assert booked == pytest.approx(premiums + h.expense_relief[HEALTH].sum())


# --- shared properties -------------------------------------------------------------------

INSTRUMENTS = [{"type": "health_insurance"}, {"type": "chronic_disease_assistance"}]


@pytest.mark.parametrize("spec", INSTRUMENTS, ids=lambda spec: spec["type"])
def test_zero_budget_or_capacity_changes_no_output_byte(spec):
    assert_idle_instance_changes_nothing(scenario, spec, households=600, years=3)


@pytest.mark.parametrize("spec", INSTRUMENTS, ids=lambda spec: spec["type"])
def test_failures_come_from_its_own_stream_only(spec):
    dibao = {"type": "dibao", "failure_risk": 0.2}
    risky = {**spec, "failure_risk": 0.3}
    runs = {}
    failed_total = 0
    for key, interventions in (("alone", [dibao]), ("with", [risky, dibao])):
        sim = Simulation(scenario(interventions, households=800), seed=12)
        instrument = sim.interventions[0]
        history = []
        for _ in range(3):
            insured_before = sim.households.insured.copy()
            sim.step()
            n = sim.persons.n
            history.append(
                (
                    sim.interventions[-1].failure_draw.copy(),
                    sim.persons.episode[:n].copy(),
                    sim.persons.inpatient_cost[:n].copy(),
                    sim.households.income_shock_persistent.copy(),
                    sim.villages.disaster.copy(),
                )
            )
            if key == "with":
                h = sim.households
                paid = instrument.recipients_this_year
                failed = paid[instrument.failure_draw[paid] < 0.3]
                worked = np.setdiff1d(paid, failed)
                assert (h.expense_relief[HEALTH, failed] == 0).all()
                assert (h.expense_relief[HEALTH, worked] > 0).any()
                if spec["type"] == "health_insurance":
                    assert not h.insured[failed[~insured_before[failed]]].any()
                    assert h.insured[worked].all()
                failed_total += failed.size
        runs[key] = history
    assert failed_total > 20, "too few failures for the check to mean anything"
    for a, b in zip(runs["alone"], runs["with"], strict=True):
        for x, y in zip(a, b, strict=True):
            assert np.array_equal(x, y)
