"""Each year's division of money among instruments, by the scenario's allocation rule.

The year's assistance runs in phases (village works, expenses, development, transfers,
the dibao top-up: model.simulation.year.ASSISTANCE_PHASES), so that a top-up sees the
income every other instrument has paid. Within a phase the rule decides who is funded:

- in_order: each instrument, in scenario order, serves the prefix of its ranked
  applicants that its fund (and its own yearly budget) can still pay;
- fixed_shares: the same, with an instrument's spending also capped at its share of
  its fund's money at the start of the year (sources.md: "at least 60% of fiscal poverty funds
  to industry");
- cause_matched: the same, but an instrument matched to causes only serves registered
  households whose recorded cause it is matched to (sources.md: "one household, one plan");
- cost_effectiveness: all offers of the phase, (instrument, household) pairs, are ranked
  by expected income gain per yuan, the gain counted over the effect's expected life
  (`expected_years`: 1 for a yearly transfer, more for a project, a job or a placement
  with a firm), and funded greedily: each instrument keeps the offers its own budget
  covers, then each fund pays its best offers until the next does not fit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.engine.params.funds import AllocationParams
from model.engine.state import CAUSES
from model.interventions.base import Intervention, Proposal
from model.simulation.year import phase_rank

if TYPE_CHECKING:  # pragma: no cover
    from model.engine.context import YearContext

# "One household, one plan": instrument types matched to each recorded cause by default.
# An instrument type listed nowhere here (village works, housing, water, relief) serves
# every eligible household whatever its cause.
DEFAULT_CAUSE_MAP: dict[str, list[str]] = {
    "illness": ["health_insurance", "chronic_disease_assistance"],
    "disability": ["dibao", "asset_dividend", "public_welfare_post"],
    "schooling": ["education_aid"],
    "lack_of_labour": ["dibao", "wubao", "asset_dividend", "cooperative_dividend"],
    "other": [
        "production_subsidy",
        "microcredit",
        "cooperative_dividend",
        "job_placement",
        "skills_training",
        "relocation",
        "public_welfare_post",
    ],
}


class Allocator:
    """Runs the year's instruments under one allocation rule."""

    def __init__(self, params: AllocationParams, instruments: list[Intervention]):
        self.params = params
        self.instruments = sorted(  # stable: scenario order within a phase
            instruments, key=lambda i: phase_rank(i.phase, i.label)
        )
        cause_map = params.cause_map if params.cause_map is not None else DEFAULT_CAUSE_MAP
        # The cause codes each instrument is matched to (empty: not matched, serves anyone).
        self.matched_causes = {
            i.label: np.array(
                [
                    CAUSES.index(cause)
                    for cause, names in cause_map.items()
                    if i.label in names or i.type_name in names
                ],
                dtype=np.int8,
            )
            for i in instruments
        }
        # Instruments the integrated pool does not pay for: their own fund only (Ledger).
        self.own_fund_only = frozenset(
            i.label for i in instruments if not params.pool_pays_for(i.label, i.type_name)
        )

    def begin_year(self, sim: YearContext) -> None:
        """Every instrument's start of `sim.year`: its draws (common random numbers, made
        whatever is delivered) and what it does with them before any delivery (lasting
        effects lost, relocated households returning). Each touches only its own state, so
        the simulation may run this on its background thread once the year's births are
        done (model/simulation/ahead.py)."""
        for instrument in self.instruments:
            instrument.begin_year(sim)

    def run_year(self, sim: YearContext) -> None:
        """Deliver every instrument for `sim.year`, phase by phase (after `begin_year`)."""
        phases = dict.fromkeys(i.phase for i in self.instruments)  # in the year's order
        for phase in phases:
            group = [i for i in self.instruments if i.phase == phase]
            if self.params.rule == "cost_effectiveness":
                self._greedy(sim, group)
            else:
                for instrument in group:
                    self._in_order(sim, instrument)
            for instrument in group:
                instrument.end_year(sim)
        self._reallocate(sim)

    def _reallocate(self, sim: YearContext) -> None:
        """Integration: offer the integrated funds' money still unspent to the instruments of
        `reallocate_to`, in that order, without their yearly capacity. Their new streams
        start paying next year (this year's payments were made in their phase)."""
        if not self.params.reallocate_to or not sim.ledger.integrated_funds:
            return
        for name in self.params.reallocate_to:
            for instrument in self.instruments:
                if name not in (instrument.label, instrument.type_name):
                    continue
                if instrument.config.fund not in sim.ledger.integrated_funds:
                    continue
                instrument.capacity_lifted = True
                try:
                    self._in_order(sim, instrument)
                finally:
                    instrument.capacity_lifted = False

    def _allowed(self, sim: YearContext, instrument: Intervention) -> np.ndarray | None:
        if self.params.rule != "cause_matched":
            return None
        causes = self.matched_causes[instrument.label]
        if causes.size == 0:
            return None
        h = sim.households
        return h.registered & np.isin(h.cause, causes)

    def _instrument_cap(self, sim: YearContext, instrument: Intervention) -> float | None:
        """The most the instrument may spend this year: its budget and, under fixed shares,
        its share of the fund's money at the start of the year."""
        cap = instrument.config.budget_yearly
        share = self.params.shares.get(instrument.label)
        if self.params.rule == "fixed_shares" and share is not None:
            envelope = share * sim.ledger.opening_balance[instrument.config.fund]
            cap = envelope if cap is None else min(cap, envelope)
        return cap

    @staticmethod
    def _serves_no_one(instrument: Intervention, money: float) -> bool:
        """Whether `instrument` could pay no one with `money` yuan left (less than its least
        cost, or nothing) or has no capacity this year. It is then not asked to propose:
        its eligibility, ranking and pricing would be worked out for a proposal that
        delivers nothing."""
        return money <= 0 or instrument.least_cost() > money or instrument.yearly_capacity() == 0

    def _in_order(self, sim: YearContext, instrument: Intervention) -> None:
        cap = self._instrument_cap(sim, instrument)
        money = sim.ledger.money_left(instrument.config.fund, instrument.label, sim.year, cap)
        if self._serves_no_one(instrument, money):
            return
        proposal = instrument.propose(sim, self._allowed(sim, instrument), money)
        if proposal is None:
            return
        # proposing spent none; an unranked proposal is one the money pays in full
        affordable = sim.ledger.affordable_within(proposal.costs, money)
        instrument.deliver(sim, proposal, slice(0, affordable))

    def _greedy(self, sim: YearContext, group: list[Intervention]) -> None:
        proposals: list[Proposal] = [
            p for p in (i.propose(sim) for i in group) if p is not None and p.households.size
        ]
        if not proposals:
            return
        which = np.concatenate([np.full(p.households.size, k) for k, p in enumerate(proposals)])
        position = np.concatenate([np.arange(p.households.size) for p in proposals])
        costs = np.concatenate([p.costs for p in proposals])
        gains = np.concatenate([p.expected_gain * p.instrument.expected_years() for p in proposals])
        ratio = np.divide(gains, costs, out=np.full(costs.size, np.inf), where=costs > 0)
        ratio[gains <= 0] = 0.0
        order = np.argsort(-ratio, kind="stable")  # ties: scenario order, then rank
        which, position, costs = which[order], position[order], costs[order]
        keep = np.ones(order.size, dtype=bool)
        for k, p in enumerate(proposals):  # each instrument's own budget, best offers first
            cap = self._instrument_cap(sim, p.instrument)
            if cap is None:
                continue
            mine = which == k
            spent = sim.ledger.spent_by_instrument_year[(p.instrument.label, sim.year)]
            keep[mine] = np.cumsum(costs[mine]) <= cap - spent
        # then each fund's money: an offer is kept while the fund's running total is within
        # what its instrument may draw on (the pool, or the fund alone: Ledger.spendable)
        limits = np.array([sim.ledger.spendable(p.instrument.config.fund, p.instrument.label)
                           for p in proposals])  # fmt: skip
        for fund in {p.instrument.config.fund for p in proposals}:
            offers = keep & np.isin(which, [k for k, p in enumerate(proposals)
                                            if p.instrument.config.fund == fund])  # fmt: skip
            paid = np.cumsum(np.where(offers, costs, 0.0))
            keep[offers] = paid[offers] <= limits[which[offers]]
        for k, p in enumerate(proposals):
            selected = np.sort(position[keep & (which == k)])
            p.instrument.deliver(sim, p, selected)
