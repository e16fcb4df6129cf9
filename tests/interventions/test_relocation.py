"""Relocation: who is moved, what it costs, the farm loss, the wage gain after the
adjustment period, and returns."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from model.config.scenario import Scenario
from model.engine.state import CHANNELS, NEVER
from model.simulation import Simulation
from tests.support.instruments import (
    assert_idle_instance_changes_nothing,
    assert_own_stream,
    county,
)
from tests.support.statistics import within_se

RELOCATION = CHANNELS.index("relocation")
PER_PERSON = 2_690_000 / 85
SMALL_VILLAGES = {"villages": {"households_per_village": 25}}


def scenario(interventions: list[dict], households: int = 2000, years: int = 4, **keys) -> Scenario:
    """A county of small villages (so that many differ in remoteness)."""
    return county(interventions, households, years, SMALL_VILLAGES, name="relocation", **keys)


def test_moves_only_remote_households_once_makes_housing_safe_and_books_per_person():
    spec = {"type": "relocation", "target": "all", "capacity_households_per_year": 250}
    s = scenario([spec], years=3)
    sim = Simulation(s, seed=1)
    inst, h = sim.interventions[0], sim.households
    remote = sim.villages.remoteness[h.village] >= 0.6
    assert 300 < remote.sum() < h.n - 300, "need remote and near households"
    unsafe_movers = 0
    moved = np.zeros(h.n, dtype=bool)
    for _ in range(s.years):
        unsafe_before = ~(h.housing_safe & h.safe_water)
        sim.step()
        rec = inst.recipients_this_year
        assert rec.size == 250
        assert remote[rec].all() and not moved[rec].any()
        assert (inst.moved_year[rec] == sim.year).all() and inst.relocated[rec].all()
        assert h.housing_safe[rec].all() and h.safe_water[rec].all()
        unsafe_movers += int(unsafe_before[rec].sum())
        spent = sim.ledger.spent_by_instrument_year[("relocation", sim.year)]
        assert spent == pytest.approx(PER_PERSON * h.size[rec].sum())
        moved[rec] = True
    assert unsafe_movers > 20, "no mover had unsafe housing or water: the check is empty"
    assert np.array_equal(inst.moved_year != NEVER, moved)
    received = sim.ledger.received_by_instrument["relocation"]
    assert (received[~moved] == 0).all()
    assert received.sum() == pytest.approx(
        sum(sim.ledger.spent_by_instrument_year[("relocation", y)] for y in (2014, 2015, 2016))
    )


def test_relocation_raises_movers_income_after_the_adjustment_period():
    """Behavioural check: the relocation-channel income of movers is the farm loss alone
    during the adjustment years (no wage gain) and rises once the wage gain starts."""
    spec = {
        "type": "relocation",
        "target": "all",
        "start_year": 2014,
        "end_year": 2014,
        "return_risk_per_year": 0.0,
    }
    s = scenario([spec], years=4)
    sim = Simulation(s, seed=3)
    inst, h = sim.interventions[0], sim.households
    mean_channel = {}
    for _ in range(s.years):
        sim.step()
        movers = np.flatnonzero(inst.relocated & h.active)
        assert movers.size > 300, "too few movers for the check"
        years_since = sim.year - 2014
        channel = h.assisted_income[RELOCATION, movers]
        gain = channel + 0.7 * h.farm_income[movers]  # what the channel adds beyond the loss
        np.testing.assert_allclose(inst.farm_loss[movers], 0.7 * h.farm_income[movers])
        if years_since < 2:
            assert np.allclose(gain, 0.0) and (inst.wage_gain == 0).all()
        else:
            np.testing.assert_allclose(gain, 0.3 * h.wage_income[movers])
            earning = h.wage_income[movers] > 0
            assert earning.sum() > 300, "too few movers with wages for the check"
            assert (gain[earning] > 0).all() and (inst.wage_gain[movers[earning]] > 0).all()
        assert (channel <= 0).all() if years_since < 2 else (channel > 0).any()
        mean_channel[years_since] = channel.mean()
        # nobody else gets anything on the channel
        others = np.setdiff1d(np.arange(h.n), movers)
        assert (h.assisted_income[RELOCATION, others] == 0).all()
    assert mean_channel[2] > mean_channel[1] + 1000 and mean_channel[3] > mean_channel[1] + 1000
    assert mean_channel[0] < 0 and mean_channel[1] < 0


def test_returns_end_both_effects_at_the_return_risk():
    spec = {
        "type": "relocation",
        "target": "all",
        "start_year": 2014,
        "end_year": 2014,
        "return_risk_per_year": 0.1,
        "adjustment_years": 0,
    }
    s = scenario([spec], years=5)
    sim = Simulation(s, seed=4)
    inst, h = sim.interventions[0], sim.households
    exposed = returned = 0
    for year in range(s.years):
        staying = inst.relocated.copy()
        sim.step()
        back = staying & ~inst.relocated
        assert np.array_equal(back, staying & (inst.loss_draw < 0.1))
        assert (inst.returned_year[back] == sim.year).all()
        if year > 0:
            exposed += int(staying.sum())
            returned += int(back.sum())
        gone = inst.returned_year != NEVER
        assert (h.assisted_income[RELOCATION, gone] == 0).all()
        assert not inst.relocated[gone].any() and h.housing_safe[gone].all()
        # with no adjustment, the movers still there are paid 0.3 wages less 0.7 farm
        here = np.flatnonzero(inst.relocated & h.active)
        np.testing.assert_allclose(
            h.assisted_income[RELOCATION, here],
            0.3 * h.wage_income[here] - 0.7 * h.farm_income[here],
        )
    assert exposed > 1000 and returned > 100
    assert within_se(returned, exposed, 0.1)
    assert sim.ledger.spent_by_instrument_year[("relocation", 2015)] == 0


def test_fund_never_exceeded_and_cost_booked_once():
    yearly = 2_000_000.0
    spec = {"type": "relocation", "fund": "county", "target": "all"}
    s = scenario([spec], funds={"county": {"yearly": yearly, "carry_over": False}})
    sim = Simulation(s, seed=2)
    inst, h = sim.interventions[0], sim.households
    total = 0.0
    cost_at_move = np.zeros(h.n)
    for _ in range(s.years):
        sim.step()
        rec = inst.recipients_this_year
        cost_at_move[rec] += PER_PERSON * h.size[rec]
        spent = sim.ledger.spent_by_instrument_year[("relocation", sim.year)]
        assert spent <= yearly and spent > yearly - PER_PERSON * h.size.max()
        assert spent == pytest.approx(PER_PERSON * h.size[rec].sum())
        total += spent
        assert rec.size > 5
    received = sim.ledger.received_by_instrument["relocation"]
    assert received.sum() == pytest.approx(total)
    np.testing.assert_allclose(received, cost_at_move)  # once, at the size of the move year
    assert np.array_equal(received > 0, inst.moved_year != NEVER)


def test_zero_budget_or_capacity_changes_no_output_byte():
    assert_idle_instance_changes_nothing(
        scenario, {"type": "relocation", "target": "all"}, households=600, years=3
    )


def test_failures_come_from_its_own_stream_only():
    def check_year(sim, instrument, recipients, failed):
        assert np.array_equal(instrument.relocated[recipients], ~failed)

    assert_own_stream(
        partial(scenario, households=1000),
        {"type": "dibao", "failure_risk": 0.2},
        {"type": "relocation", "target": "all", "failure_risk": 0.3},
        check_year,
    )
