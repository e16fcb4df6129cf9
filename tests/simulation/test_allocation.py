"""Funds and allocation rules, exit attribution and leakage, on dibao instances (whose money
is easy to reason about); the instrument families have their own test files."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.scenario import Scenario, validate_data
from model.engine.budget import Ledger
from model.engine.policy import attribute_exits
from model.engine.state import CAUSES, CHANNELS, EXIT_CHANNELS, OWN_GROWTH
from model.errors import ScenarioError
from model.interventions import REGISTRY
from model.interventions.base import Intervention, Proposal
from model.simulation import Simulation
from model.simulation.allocation import Allocator
from tests.support.instruments import yearly_bytes


def scenario(**keys) -> Scenario:
    data = {
        "name": "t",
        "years": 4,
        "population": {"n_households": 1500},
        **keys,
    }
    return Scenario.model_validate(data)


def dibao(name: str, **keys) -> dict:
    return {"type": "dibao", "name": name, "fund": "county", **keys}


def run(s: Scenario, seed: int = 1) -> Simulation:
    sim = Simulation(s, seed=seed)
    sim.run()
    return sim


def test_fixed_shares_cap_each_instrument_at_its_share_of_the_fund():
    s = scenario(
        funds={"county": {"yearly_per_household": 60, "carry_over": False}},
        interventions=[dibao("first"), dibao("second", standard_share_of_line={2014: 1.2})],
        allocation={"rule": "fixed_shares", "shares": {"first": 0.25, "second": 0.5}},
    )
    sim = run(s)
    opening = 60 * 1500
    for year in range(s.start_year, s.start_year + s.years):
        first = sim.ledger.spent_by_instrument_year[("first", year)]
        second = sim.ledger.spent_by_instrument_year[("second", year)]
        assert first <= 0.25 * opening and second <= 0.5 * opening
        # Demand exceeds both envelopes, so each spends almost all of its own (within one
        # household's payment), and a quarter of the fund stays idle.
        assert first > 0.25 * opening - 5 * sim.poverty_line * 9
        assert sim.ledger.idle_by_year[year] >= 0.25 * opening - 1e-6


def test_in_order_lets_the_first_instrument_take_the_whole_fund():
    s = scenario(
        funds={"county": {"yearly_per_household": 60, "carry_over": False}},
        interventions=[dibao("first"), dibao("second", standard_share_of_line={2014: 1.2})],
    )
    sim = run(s)
    spent_second = sum(
        sim.ledger.spent_by_instrument_year[("second", y)] for y in range(2014, 2018)
    )
    spent_first = sum(sim.ledger.spent_by_instrument_year[("first", y)] for y in range(2014, 2018))
    assert spent_first > 10 * spent_second  # the second only gets the crumbs


def test_cost_effectiveness_funds_the_offer_with_more_gain_per_yuan_first():
    # Same transfers, but "costly" adds 2000 yuan of administration per recipient, so
    # its gain per yuan is lower: greedy allocation serves "cheap" first even though
    # "costly" comes first in the file; in order, "costly" would take the money.
    interventions = [
        dibao("costly", unit_cost_yearly=2000.0, no_labour_first=False),
        dibao("cheap", no_labour_first=False),
    ]
    funds = {"county": {"yearly_per_household": 80, "carry_over": False}}
    greedy = run(
        scenario(
            funds=funds, interventions=interventions, allocation={"rule": "cost_effectiveness"}
        )
    )
    ordered = run(scenario(funds=funds, interventions=interventions))
    year = 2014
    assert greedy.ledger.spent_by_instrument_year[("cheap", year)] > 0
    assert greedy.ledger.spent_by_instrument_year[("costly", year)] == 0
    assert ordered.ledger.spent_by_instrument_year[("costly", year)] > 0
    for sim in (greedy, ordered):  # neither spends more than the fund holds
        assert sum(v for (_, y), v in sim.ledger.spent_by_instrument_year.items() if y == year) <= (
            80 * 1500 + 1e-6
        )


def test_cause_matched_dibao_reaches_only_households_of_its_causes():
    s = scenario(
        interventions=[dibao("dibao", target="registered")],
        funds={"county": {}},
        allocation={"rule": "cause_matched"},
    )
    sim = Simulation(s, seed=2)
    allowed = {CAUSES.index("disability"), CAUSES.index("lack_of_labour")}
    paid_total = 0
    for _ in range(s.years):
        sim.step()
        paid = sim.interventions[0].recipients_this_year
        paid_total += paid.size
        assert set(np.unique(sim.households.cause[paid])) <= allowed
    assert paid_total > 50, "too few recipients for the check to mean anything"


def test_a_custom_cause_map_replaces_the_default():
    s = scenario(
        interventions=[dibao("dibao", target="registered")],
        funds={"county": {}},
        allocation={"rule": "cause_matched", "cause_map": {"illness": ["dibao"]}},
    )
    sim = Simulation(s, seed=2)
    sim.step()
    paid = sim.interventions[0].recipients_this_year
    assert paid.size > 20 and (sim.households.cause[paid] == CAUSES.index("illness")).all()


def test_exits_are_attributed_to_own_growth_or_the_largest_channel():
    line = 3000.0
    assistance = np.zeros((len(CHANNELS), 4))
    industry, safety_net = CHANNELS.index("industry"), CHANNELS.index("safety_net")
    assistance[industry] = [0, 3000, 1000, 0]
    assistance[safety_net] = [0, 1000, 2000, 0]
    size = np.array([2, 2, 2, 2])
    noise = np.ones(4)
    measured = np.array([3500.0, 3200.0, 3100.0, 3000.0])  # per capita, all clear the line
    channel = attribute_exits(measured, noise, size, assistance, line)
    # household 0 has no help: own growth; 1: industry 3000 > 1000; 2: the dibao 2000 > 1000;
    # 3: no help, on the line: own growth.
    assert [EXIT_CHANNELS[c] for c in channel] == [
        "own_growth",
        "industry",
        "safety_net",
        "own_growth",
    ]
    # Help it did not need: own income alone (3500 - 1000/2) still clears the line.
    assistance[industry, 0] = 1000
    assert attribute_exits(measured, noise, size, assistance, line)[0] == OWN_GROWTH


def test_exits_lifted_by_the_dibao_count_to_the_safety_net():
    s = scenario(
        interventions=[dibao("dibao", target="registered", standard_share_of_line={2014: 1.3})],
        funds={"county": {}},
    )
    sim = run(s, seed=3)
    by_channel = {c: sum(r[f"exits_by_{c}"] for r in sim.records) for c in EXIT_CHANNELS}
    assert sum(by_channel.values()) == sum(r["exits_households"] for r in sim.records)
    assert by_channel["safety_net"] > 50
    assert all(by_channel[c] == 0 for c in CHANNELS if c != "safety_net")


def test_leakage_is_zero_when_the_office_measures_exactly_and_positive_when_it_errs():
    def leakage(error_sd: float) -> float:
        s = scenario(
            interventions=[dibao("dibao", standard_share_of_line={2014: 0.9})],
            funds={"county": {}},
            policy={"identification": {"measurement_error_sd": error_sd}},
        )
        sim = run(s, seed=4)
        spent = sum(r["spending_total"] for r in sim.records)
        assert spent > 0
        return sum(r["spending_leakage"] for r in sim.records) / spent

    # Measured gross income below 0.9 lines means true net income below the line.
    assert leakage(0.0) == 0.0
    assert leakage(0.4) > 0.05


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"interventions": [{"type": "dibao", "unit_cost_yearly": -5}]},
            "interventions.0.unit_cost_yearly: Input should be greater than or equal to 0",
        ),
        (
            {"funds": {"county": {"pays_for": ["teleporter"]}}},
            "funds.county.pays_for.0: 'teleporter' is neither an instrument type nor the name",
        ),
        (
            {
                "funds": {"county": {"pays_for": ["special"]}},
                "interventions": [dibao("dibao"), {"type": "dibao", "name": "special"}],
            },
            "interventions.0.fund: fund 'county' may only pay for special; not for 'dibao' (dibao)",
        ),
        (
            {
                "interventions": [dibao("a"), dibao("b")],
                "funds": {"county": {}},
                "allocation": {"rule": "fixed_shares", "shares": {"a": 0.7, "b": 0.6}},
            },
            "allocation.shares: the shares of fund 'county' sum to 1.3; they may sum to at most 1",
        ),
        (
            {"allocation": {"rule": "lottery"}},
            "allocation.rule: Input should be 'in_order', 'fixed_shares', 'cause_matched' or "
            "'cost_effectiveness'",
        ),
        (
            {"allocation": {"shares": {"ghost": 0.5}}},
            "allocation.shares.ghost: no instrument is named 'ghost'",
        ),
    ],
)
def test_bad_fund_and_allocation_input_is_refused_with_the_key_path(change, expected):
    with pytest.raises(ScenarioError) as caught:
        validate_data({"name": "bad", **change}, file="bad.yaml")
    assert expected in str(caught.value)
    assert str(caught.value).startswith("bad.yaml") or "bad.yaml: " in str(caught.value)


def test_yearly_rows_carry_spending_and_recipients_per_instrument_and_fund():
    s = scenario(
        funds={"county": {"yearly_per_household": 60}},
        interventions=[dibao("dibao")],
    )
    sim = run(s)
    for record in sim.records:
        assert record["spending_dibao"] == record["spending_fund_county"] > 0
        assert record["spending_fund_general"] == 0
        assert record["recipients_dibao"] > 0
        assert record["spending_total"] == pytest.approx(record["spending_dibao"])


def test_incomes_updated_row_by_row_after_payments_equal_a_full_recomputation():
    """Instruments read cached incomes, which payments and reliefs update row by row; the
    cached arrays must be exactly what recomputing everything gives."""
    from model.config.scenario import load_scenario, with_overrides

    for concept in ("income", "income_minus_expenses"):
        s = with_overrides(
            load_scenario("scenarios/five_batches.yaml"),
            {
                "population.n_households": 1500,
                "years": 3,
                "policy.identification.income_concept": concept,
            },
        )
        sim = Simulation(s, seed=5)
        for _ in range(s.years):
            sim.step()
            cached = [
                sim.total_income().copy(),
                sim.net_income_per_capita().copy(),
                sim.measured_income_per_capita().copy(),
            ]
            h = sim.households
            assert h.assisted_income.any()  # payments were made
            # the running total income adds is the channels' sum (up to rounding order)
            np.testing.assert_allclose(h.assisted_total, h.assisted_income.sum(axis=0), rtol=1e-12)
            sim.invalidate_income()
            fresh = [
                sim.total_income(),
                sim.net_income_per_capita(),
                sim.measured_income_per_capita(),
            ]
            for a, b in zip(cached, fresh, strict=True):
                assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("count", [0, 1, 5, 37, 99, 100, 150])
def test_best_first_is_the_head_of_a_stable_argsort(count):
    from model.interventions.selection import best_first

    rng = np.random.default_rng(count)
    key = rng.integers(0, 12, 100).astype(np.float64)  # many ties, so tie-breaking shows
    expected = np.argsort(key, kind="stable")[:count]
    assert np.array_equal(best_first(key, count), expected)


def every_instrument_type(budget_per_household: float) -> Scenario:
    """A county running one instrument of every type, all paid by one limited fund that
    runs out within the year, so that late instruments meet an empty or nearly empty fund."""
    return scenario(
        years=3,
        population={"n_households": 1500, "villages": {"road_share": 0.2}},  # roads to build
        funds={"county": {"yearly_per_household": budget_per_household}},
        interventions=[
            {"type": name, "fund": "county", "target": "all", "start_year": 2014}
            for name in REGISTRY
        ],
    )


def test_every_offer_costs_at_least_its_instruments_least_cost(monkeypatch):
    """The allocator skips an instrument whose money left is below `least_cost`: that is
    right only if no offer ever costs less (and no yearly cost is negative)."""
    proposed: dict[str, int] = {}
    classes = {type(i) for i in Simulation(every_instrument_type(1e9)).interventions}
    propose = {cls: cls.propose for cls in classes}

    def checked(self, sim, allowed=None, money=None):
        proposal = propose[type(self)](self, sim, allowed, money)
        if proposal is not None and proposal.costs.size:
            assert proposal.costs.min() >= self.least_cost(), self.label
            assert proposal.amounts.min() >= 0.0, self.label
            proposed[self.type_name] = proposed.get(self.type_name, 0) + proposal.costs.size
        return proposal

    for cls in propose:
        monkeypatch.setattr(cls, "propose", checked)
    run(every_instrument_type(1e9))  # money for everyone: every instrument proposes
    assert set(proposed) == set(REGISTRY), set(REGISTRY) - set(proposed)


def test_not_proposing_what_the_money_cannot_pay_changes_nothing(monkeypatch):
    """With the skip (an instrument whose money left is below its least cost, or whose
    capacity is 0, is not asked to propose) and without it, the same years."""
    calls = {"with_skip": 0, "without": 0}
    key = "with_skip"
    original = Intervention.propose

    def counted(self, sim, allowed=None, money=None):
        calls[key] += 1
        return original(self, sim, allowed, money)

    monkeypatch.setattr(Intervention, "propose", counted)
    s = every_instrument_type(400.0)
    with_skip = yearly_bytes(s, seed=5)
    key = "without"
    monkeypatch.setattr(Allocator, "_serves_no_one", staticmethod(lambda instrument, money: False))
    without = yearly_bytes(s, seed=5)
    assert with_skip == without
    assert calls["with_skip"] < calls["without"], calls  # the skip happened


def test_proposals_bounded_by_the_money_change_nothing(monkeypatch):
    """The allocator gives `propose` the money left: no more applicants are priced than it
    can pay (`Ledger.most_affordable`) and applicants it pays in full are not ranked
    (`Ledger.pays_for_all`). Without either shortcut, the same years, byte for byte (the
    ledger adds a delivery's costs in the order of the rows however it was ranked)."""
    seen = {"unranked": 0, "cut_by_money": 0}
    original = Intervention.propose

    def counted(self, sim, allowed=None, money=None):
        proposal = original(self, sim, allowed, money)
        if proposal is not None:
            seen["unranked"] += not proposal.ranked
            cap = self.yearly_capacity()
            seen["cut_by_money"] += proposal.households.size < (cap or np.inf) and (
                proposal.households.size < self.candidates_among(sim, self.target_rows(sim)).size
            )
        return proposal

    monkeypatch.setattr(Intervention, "propose", counted)
    scenarios = [every_instrument_type(budget) for budget in (400.0, 1e9)]  # short, ample
    # dibao costs vary (no least cost, so no bound): the first needs about 1.3 times the
    # money, the second several times what is left
    scenarios.append(
        scenario(
            years=3,
            funds={"county": {"yearly_per_household": 500.0}},
            interventions=[
                dibao("first", target="all", start_year=2014),
                dibao("second", target="all", start_year=2014, standard_share_of_line={2014: 1.2}),
            ],
        )
    )
    with_shortcuts = [yearly_bytes(s, seed=5) for s in scenarios]
    assert seen["unranked"] > 0 and seen["cut_by_money"] > 0, seen  # both shortcuts happened
    monkeypatch.setattr(Ledger, "pays_for_all", staticmethod(lambda costs, limit: False))
    monkeypatch.setattr(Ledger, "most_affordable", staticmethod(lambda limit, least: None))
    assert [yearly_bytes(s, seed=5) for s in scenarios] == with_shortcuts


def test_expected_gains_are_worked_out_only_under_the_rule_that_ranks_by_them(monkeypatch):
    """A proposal's expected gain is worked out when first read (`Proposal.expected_gain`):
    the cost-effectiveness rule reads every proposal's, the other rules none. (The library's
    rules leave them unread: about 4% of a five_batches year.)"""
    worked_out: list[str] = []
    made = Proposal.__post_init__

    def counted(self):
        made(self)
        work_out = self.work_out_gain
        self.work_out_gain = lambda: (worked_out.append(self.instrument.label), work_out())[1]

    monkeypatch.setattr(Proposal, "__post_init__", counted)
    s = every_instrument_type(1e9)
    for rule in ("in_order", "fixed_shares", "cause_matched"):
        run(s.model_copy(update={"allocation": s.allocation.model_copy(update={"rule": rule})}))
    assert worked_out == []
    run(
        s.model_copy(
            update={"allocation": s.allocation.model_copy(update={"rule": "cost_effectiveness"})}
        )
    )
    assert len(set(worked_out)) >= len(REGISTRY) - 2, sorted(set(worked_out))  # nearly all propose


def test_a_proposals_gain_first_read_after_a_delivery_is_refused():
    """What the gain reads (incomes, failure chances) may change once anything is delivered,
    so a gain not yet worked out by then is refused; one read before stays readable."""
    sim = Simulation(every_instrument_type(1e9), seed=5)
    sim.step()
    proposals = [p for p in (i.propose(sim) for i in sim.interventions) if p is not None]
    read_before, unread = proposals[0], proposals[1]
    gain = read_before.expected_gain
    read_before.instrument.deliver(sim, read_before, slice(0, 1))
    assert read_before.expected_gain is gain
    with pytest.raises(RuntimeError, match="after a delivery"):
        _ = unread.expected_gain


def test_skipping_the_failure_draw_of_instruments_that_cannot_fail_changes_nothing(monkeypatch):
    """An instrument without a failure risk (nor a failure chance of its own) skips its
    failure draw: its stream moves past the numbers (model/engine/rng.py, Stream.skip),
    so its other draws are the same, and every delivery succeeds as `draw >= 0` did. The
    same years, byte for byte, as when every instrument draws."""
    s = every_instrument_type(1e9)
    sim = Simulation(s, seed=5)
    sim.step()
    skipped = {i.type_name for i in sim.interventions if "failure" in i.draws and not i.can_fail()}
    assert {"dibao", "health_insurance", "cooperative_dividend"} <= skipped, skipped
    assert all(i.failure_draw is None for i in sim.interventions if i.type_name in skipped)
    with_skips = yearly_bytes(s, seed=5)
    monkeypatch.setattr(Intervention, "can_fail", lambda self: True)
    assert yearly_bytes(s, seed=5) == with_skips
