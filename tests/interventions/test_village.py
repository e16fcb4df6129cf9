"""Village works (road, irrigation, safe water, collective economy) and housing renovation:
eligible villages, villages per year, money and booking to the village's households, once
per village, the effects (paired runs with the same seed), and common random numbers."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.scenario import Scenario
from model.engine.state import CHANNELS
from model.simulation import Simulation
from tests.support.instruments import county, yearly_bytes

ASSET = CHANNELS.index("asset_income")
VILLAGE_TYPES = ("village_road", "village_irrigation", "village_safe_water", "collective_economy")
DEFAULT_COST = {
    "village_road": 610_600.0,
    "village_irrigation": 1_000_000.0,
    "village_safe_water": 823_000.0 / 8,
    "collective_economy": 500_000.0,
}
# Small villages, so a county of 1,200 households has 30 of them; fewer with roads and water
# than by default, so that road and water projects have villages to reach.
VILLAGES = {"households_per_village": 40, "road_share": 0.4, "safe_water_share": 0.4}


def scenario(interventions: list[dict], households: int = 1200, years: int = 4, **keys) -> Scenario:
    """A county of small villages with the given instruments."""
    return county(interventions, households, years, {"villages": VILLAGES}, name="village", **keys)


def spy(sim: Simulation, label: str):
    """The instrument and a log of the village and household state it saw when proposing."""
    instrument = next(i for i in sim.interventions if i.label == label)
    log: list[dict] = []
    original = instrument.propose

    def propose(s: Simulation, allowed=None, money=None):
        v, h = s.villages, s.households
        log.append(
            {
                "holders": s.policy_holders().copy(),
                "registered": (h.active & h.registered).copy(),
                "active": h.active.copy(),
                "road": v.road.copy(),
                "water": v.safe_water.copy(),
                "household_water": h.safe_water.copy(),
                "collective": v.collective_income.copy(),
                "poor": v.poor_village.copy(),
                "remoteness": v.remoteness.copy(),
                "invested": getattr(instrument, "invested", np.zeros(v.n, bool)).copy(),
            }
        )
        return original(s, allowed, money)

    instrument.propose = propose
    return instrument, log


def has(village: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Villages with at least one household in `mask`."""
    return np.bincount(village[mask], minlength=n) > 0


def expected_open(type_name: str, seen: dict, sim: Simulation) -> np.ndarray:
    """The eligibility rule of each village type, written out from the state it saw."""
    village, n = sim.households.village, sim.villages.n
    if type_name == "village_road":
        rule = ~seen["road"]
    elif type_name == "village_irrigation":
        rule = np.ones(n, dtype=bool)
    elif type_name == "village_safe_water":
        rule = ~seen["water"] | has(village, seen["active"] & ~seen["household_water"], n)
    else:
        rule = seen["collective"] < np.where(seen["poor"], 50_000.0, 10_000.0)
    members = seen["registered"] if type_name == "collective_economy" else seen["holders"]
    return rule & has(village, members, n) & ~seen["invested"]


@pytest.mark.parametrize("type_name", VILLAGE_TYPES)
def test_eligible_villages_capacity_priority_and_once_per_village(type_name):
    per_year = 3
    s = scenario([{"type": type_name, "capacity_villages_per_year": per_year}], years=5)
    sim = Simulation(s, seed=3)
    works, log = spy(sim, type_name)
    served_total = 0
    for _ in range(s.years):
        sim.step()
        seen = log[-1]
        open_villages = np.flatnonzero(expected_open(type_name, seen, sim))
        served = np.flatnonzero(works.invested_year == sim.year)
        assert served.size == min(per_year, open_villages.size)
        # The best of the open villages: poor ones first, then the most remote.
        score = 2.0 * seen["poor"] + seen["remoteness"]
        best = open_villages[np.argsort(-score[open_villages], kind="stable")][:per_year]
        assert np.array_equal(np.sort(served), np.sort(best))
        served_total += served.size
    # Each village at most once: every village served got one year, and many were served.
    assert served_total == int(works.invested.sum()) and served_total >= 8


@pytest.mark.parametrize("type_name", VILLAGE_TYPES)
def test_money_never_exceeded_and_every_yuan_booked_to_the_villages_households(type_name):
    cost = DEFAULT_COST[type_name] + 1_000.0  # plus a one-off unit cost per village
    budget = 1.5 * cost  # one village a year
    s = scenario(
        [{"type": type_name, "fund": "works", "unit_cost_one_off": 1_000.0}],
        funds={"works": {"yearly": {2014: budget}, "carry_over": False}},
    )
    sim = Simulation(s, seed=5)
    works, _ = spy(sim, type_name)
    h = sim.households
    for _ in range(s.years):
        before = sim.ledger.received_by_instrument.get(type_name, np.zeros(h.n)).copy()
        sim.step()
        served = np.flatnonzero(works.invested_year == sim.year)
        assert served.size == 1, "the fund pays for exactly one village a year"
        spent = sim.ledger.spent_by_instrument_year[(type_name, sim.year)]
        assert spent == pytest.approx(cost) and spent <= budget
        assert sim.ledger.available["works"] >= -1e-6
        received = sim.ledger.received_by_instrument[type_name] - before
        members = np.flatnonzero(h.active & (h.village == served[0]))
        assert np.array_equal(np.flatnonzero(received), members), "booked outside the village"
        np.testing.assert_allclose(received[members], cost / members.size)
        assert np.array_equal(np.sort(works.recipients_this_year), members)


def paired_runs(works: dict, years: int, seed: int = 8, **keys):
    """Two simulations with the same seed, with and without `works`, stepped together;
    yields (year index, with, without) after each year."""
    s_with = scenario([works], years=years, **keys)
    s_without = scenario([], years=years, **keys)
    a, b = Simulation(s_with, seed=seed), Simulation(s_without, seed=seed)
    for year in range(years):
        a.step()
        b.step()
        yield year, a, b


def test_road_lowers_remoteness_and_raises_next_years_local_wages():
    road = {"type": "village_road", "capacity_villages_per_year": 3, "end_year": 2014}
    remoteness_before = None
    for year, a, b in paired_runs(road, years=3):
        built = np.flatnonzero(a.interventions[0].invested)
        in_built = np.isin(a.households.village, built) & a.households.active
        if year == 0:
            remoteness_before = b.villages.remoteness
            assert built.size == 3 and a.villages.road[built].all()
            np.testing.assert_allclose(a.villages.remoteness[built], 0.7 * remoteness_before[built])
            # The road raises wages from the next year's economy, not in its own year.
            assert np.array_equal(a.households.wage_income, b.households.wage_income)
            continue
        wages_a, wages_b = a.households.wage_income, b.households.wage_income
        elsewhere = ~np.isin(a.households.village, built)
        assert np.array_equal(wages_a[elsewhere], wages_b[elsewhere])
        penalty = a.scenario.dynamics.income.remoteness_wage_penalty
        r = remoteness_before[a.households.village]
        factor = (1 - penalty * 0.7 * r) / (1 - penalty * r)
        # Only the local part of wages rises, by the wage-rate factor; migrants' do not.
        p, n = a.persons, a.persons.n
        migrants = np.bincount(
            p.household[:n][p.alive[:n] & p.migrant[:n]], minlength=a.households.n
        )
        local_only = in_built & (migrants == 0) & (wages_b > 0)
        assert local_only.sum() > 30
        np.testing.assert_allclose(wages_a[local_only], wages_b[local_only] * factor[local_only])
        assert (wages_a[in_built] >= wages_b[in_built] - 1e-9).all()
        assert wages_a[in_built].sum() > wages_b[in_built].sum() * 1.05


def test_irrigation_raises_next_years_farm_income_of_the_village():
    works = {"type": "village_irrigation", "capacity_villages_per_year": 4, "end_year": 2014}
    for year, a, b in paired_runs(works, years=2, **{"dynamics": {"shocks": {"enabled": False}}}):
        served = np.flatnonzero(a.interventions[0].invested)
        inside = np.isin(a.households.village, served)
        farm_a, farm_b = a.households.farm_income, b.households.farm_income
        if year == 0:
            assert served.size == 4 and np.array_equal(farm_a, farm_b)
            np.testing.assert_allclose(
                a.villages.land_productivity[served], 1.2 * b.villages.land_productivity[served]
            )
            continue
        assert (farm_b[inside] > 0).sum() > 30
        np.testing.assert_allclose(farm_a[inside], 1.2 * farm_b[inside])
        assert np.array_equal(farm_a[~inside], farm_b[~inside])


def test_safe_water_reaches_every_household_of_the_village():
    s = scenario([{"type": "village_safe_water", "capacity_villages_per_year": 4}], years=3)
    sim = Simulation(s, seed=6)
    works, log = spy(sim, "village_safe_water")
    h, v = sim.households, sim.villages
    reached = 0
    for _ in range(s.years):
        sim.step()
        served = np.flatnonzero(works.invested_year == sim.year)
        inside = np.isin(h.village, served)
        assert v.safe_water[served].all() and h.safe_water[inside].all()
        was_without = (~log[-1]["household_water"] & inside).sum()
        reached += int(was_without)
        # Households elsewhere keep the water they had.
        assert np.array_equal(h.safe_water[~inside], log[-1]["household_water"][~inside])
    assert reached > 100


def test_collective_economy_pays_registered_households_a_share_from_the_next_year():
    gain, share = 40_000.0, 0.5
    works = {
        "type": "collective_economy",
        "capacity_villages_per_year": 2,
        "collective_income_gain_yuan_per_year": gain,
        "member_payout_share": share,
        "end_year": 2014,
    }
    s = scenario([works], years=3)
    sim = Simulation(s, seed=4)
    instrument, log = spy(sim, "collective_economy")
    h, v = sim.households, sim.villages
    collective0 = v.collective_income.copy()
    paid_households = 0
    for year in range(s.years):
        sim.step()
        served = np.flatnonzero(instrument.invested)
        assert served.size == 2
        if year == 0:  # one year's lag: nothing yet
            assert np.array_equal(v.collective_income, collective0)
            assert (h.assisted_income[ASSET] == 0).all()
            continue
        expected_collective = collective0.copy()
        expected_collective[served] += gain  # once, not every year
        np.testing.assert_allclose(v.collective_income, expected_collective)
        registered = log[-1]["registered"]
        expected = np.zeros(h.n)
        for village in served:  # two villages: a loop over them only
            members = registered & (h.village == village)
            expected[members] = gain * share / members.sum()
        np.testing.assert_allclose(h.assisted_income[ASSET], expected)
        paid_households += int((expected > 0).sum())
    assert paid_households > 10


def test_housing_renovation_makes_houses_safe_once_per_household():
    s = scenario(
        [{"type": "housing_renovation", "failure_risk": 0.3, "capacity_households_per_year": 25}],
        households=2000,
        years=4,
    )
    sim = Simulation(s, seed=2)
    works, log = spy(sim, "housing_renovation")
    h = sim.households
    seen_before = np.zeros(h.n, dtype=bool)
    failed_total = 0
    for _ in range(s.years):
        unsafe_before = ~h.housing_safe.copy()
        sim.step()
        paid = works.recipients_this_year
        assert 0 < paid.size <= 25
        assert unsafe_before[paid].all() and log[-1]["holders"][paid].all()
        assert not seen_before[paid].any(), "a household renovated twice"
        seen_before[paid] = True
        failed = works.failure_draw[paid] < 0.3
        assert h.housing_safe[paid[~failed]].all() and not h.housing_safe[paid[failed]].any()
        failed_total += int(failed.sum())
        assert sim.ledger.spent_by_instrument_year[("housing_renovation", sim.year)] == (
            pytest.approx(20_000.0 * paid.size)
        )
    assert failed_total > 3


def test_village_works_under_cost_effectiveness_stay_within_the_fund():
    """Village rows and household rows in one phase: the allocation ranks and funds both."""
    budget = 2_000_000.0
    s = scenario(
        [
            {"type": "village_road", "fund": "works"},
            {"type": "village_irrigation", "fund": "works"},
            {"type": "housing_renovation", "fund": "works"},
        ],
        funds={"works": {"yearly": {2014: budget}, "carry_over": False}},
        allocation={"rule": "cost_effectiveness"},
    )
    sim = Simulation(s, seed=3)
    road, irrigation, _ = sim.interventions
    villages_served = 0
    for _ in range(s.years):
        sim.step()
        spent = sum(
            sim.ledger.spent_by_instrument_year[(i.label, sim.year)] for i in sim.interventions
        )
        assert 0 < spent <= budget + 1e-6
        for works in (road, irrigation):
            served = np.flatnonzero(works.invested_year == sim.year)
            booked = sim.ledger.spent_by_instrument_year[(works.label, sim.year)]
            assert booked == pytest.approx(served.size * DEFAULT_COST[works.label])
            villages_served += served.size
    assert villages_served >= 3


def draw_history(s: Scenario, seed: int, label: str) -> list[np.ndarray]:
    """Per year: the failure draws of instrument `label`, income shocks and disasters."""
    sim = Simulation(s, seed=seed)
    other = next(i for i in sim.interventions if i.label == label)
    history = []
    for _ in range(s.years):
        sim.step()
        history += [other.failure_draw.copy(), sim.households.income_shock_persistent.copy()]
        history += [sim.villages.disaster.copy(), sim.persons.episode[: sim.persons.n].copy()]
    return history


def test_village_works_draw_only_from_their_own_stream():
    other = {"type": "housing_renovation", "failure_risk": 0.2}
    works = [
        {"type": t, "failure_risk": 0.5, "capacity_villages_per_year": 4} for t in VILLAGE_TYPES
    ]
    base, full = scenario([other]), scenario([*works, other])
    for a, b in zip(
        draw_history(base, 7, "housing_renovation"),
        draw_history(full, 7, "housing_renovation"),
        strict=True,
    ):
        assert np.array_equal(a, b)
    sim = Simulation(full, seed=7)
    sim.run()
    road = sim.interventions[0]
    built = road.invested & sim.villages.road  # a served village had no road before
    assert 0 < built.sum() < road.invested.sum(), "with a 50% failure risk some roads fail"
    assert yearly_bytes(base, 7) != yearly_bytes(full, 7)


@pytest.mark.parametrize("type_name", [*VILLAGE_TYPES, "housing_renovation"])
@pytest.mark.parametrize("limit", ["budget", "capacity"])
def test_zero_budget_or_capacity_changes_no_output_byte(type_name, limit):
    funds = {"works": {"yearly": {2014: 0.0}}}
    if limit == "budget":
        keys = {"fund": "works"}
    elif type_name == "housing_renovation":
        keys = {"capacity_households_per_year": 0}
    else:
        keys = {"capacity_villages_per_year": 0}
    base = scenario([], households=600, years=3, funds=funds)
    idle = scenario([{"type": type_name, **keys}], households=600, years=3, funds=funds)
    assert yearly_bytes(base, 9) == yearly_bytes(idle, 9)


def test_household_capacities_are_refused_for_village_works():
    with pytest.raises(Exception, match="capacity_villages_per_year"):
        scenario([{"type": "village_road", "capacity_households_per_year": 10}])
