"""Funds and the ledger: every yuan booked by instrument, fund source, year and household.

A fund has a yearly allocation (yuan, or yuan per household so a budget scales with
the county) and may carry unspent money into the next year. Idle money is a
finding, reported as `idle_funds`, not an error. Spending can never exceed what a
fund holds: an instrument only serves the prefix of its ranked applicants that the
fund (and the instrument's own yearly cap) can still pay for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping

import numpy as np

from model.engine.ledger_kernels import add_bookings
from model.engine.schedule import value_in_year


class Ledger:
    """Fund balances and bookings for one run."""

    def __init__(
        self,
        funds: Mapping[str, object],
        n_households: int,
        own_fund_only: Collection[str] = (),
    ):
        """`own_fund_only`: instruments (by label) that pay from their own fund only, even
        when it is integrated: uses the integrated pool does not pay for
        (`AllocationParams.integrated_uses`)."""
        self.funds = dict(funds)
        # Fixed for the run: read by every affordability test and booking of the year.
        self._integrated_funds = [
            name for name, config in self.funds.items() if getattr(config, "integrated", False)
        ]
        self.own_fund_only = frozenset(own_fund_only)
        self.n_households = n_households
        self.available: dict[str, float] = {}
        self.opening_balance: dict[str, float] = {}
        self.spent_by_fund_year: dict[tuple[str, int], float] = defaultdict(float)
        # yuan each household received this year, all instruments (leakage is measured on it)
        self.received_this_year = np.zeros(n_households, dtype=np.float64)
        # An instrument pays from one fund, so these two totals and the per-household
        # arrays book every yuan by instrument, fund, year and household.
        self.spent_by_instrument_year: dict[tuple[str, int], float] = defaultdict(float)
        self.received_by_instrument: dict[str, np.ndarray] = {}  # yuan, all years
        self.ever_received: dict[str, np.ndarray] = {}  # bool: booked at least once
        self.idle_by_year: dict[int, float] = {}
        self.budget_this_year = 0.0
        self.year: int | None = None
        self.bookings = 0  # deliveries booked so far: a proposal is read before the next one

    def allocation(self, fund: str, year: int, registry_persons: float = 0.0) -> float:
        """New money a fund receives in `year` (yuan); infinite when the fund has no limit.
        `registry_persons`: persons on the registry file at the start of the year, for a
        fund paid per registry person."""
        config = self.funds[fund]
        per_person = config.yearly_per_registry_person
        if config.yearly is None and config.yearly_per_household is None and per_person is None:
            return float("inf")
        amount = 0.0
        if config.yearly is not None:
            amount = value_in_year(config.yearly, year)
        elif config.yearly_per_household is not None:
            amount = value_in_year(config.yearly_per_household, year) * self.n_households
        if per_person is not None:
            amount = amount + value_in_year(per_person, year) * registry_persons
        return amount

    @property
    def integrated_funds(self) -> list[str]:
        """The funds of the integrated pool, in scenario order."""
        return self._integrated_funds

    def pooled(self, fund: str, instrument: str | None = None) -> bool:
        """Whether `instrument` (a label; None: any use of the pool), paid by `fund`, may
        draw on the whole integrated pool: its fund is integrated and the pool pays for it."""
        return fund in self._integrated_funds and instrument not in self.own_fund_only

    def spendable(self, fund: str, instrument: str | None = None) -> float:
        """Money `instrument` (a label; None: any use of the pool), paid by `fund`, may draw
        on now: the whole integrated pool when it is `pooled`, else its fund (yuan)."""
        if self.pooled(fund, instrument):
            return sum(self.available[name] for name in self._integrated_funds)
        return self.available[fund]

    def open_year(self, year: int, registry_persons: float = 0.0) -> None:
        """Add the year's allocations to what each fund carried over."""
        self.allocations = {
            name: self.allocation(name, year, registry_persons) for name in self.funds
        }
        for name, config in self.funds.items():
            carried = self.available.get(name, 0.0) if config.carry_over else 0.0
            self.available[name] = carried + self.allocations[name]
        self.opening_balance = dict(self.available)
        self.budget_this_year = (
            sum(float(amount) for amount in self.allocations.values() if np.isfinite(amount)) + 0.0
        )  # new money of the year in funds with a limit (yuan)
        self.received_this_year[:] = 0.0
        self.year = year

    def close_year(self) -> float:
        """Record and return the money left unspent this year (yuan, finite funds only)."""
        idle = sum(balance for balance in self.available.values() if np.isfinite(balance))
        self.idle_by_year[self.year] = idle
        return idle

    def money_left(
        self, fund: str, instrument: str, year: int, instrument_cap: float | None
    ) -> float:
        """Yuan `instrument`, paid by `fund`, may still spend in `year`: what the fund (or
        the integrated pool) holds, within what is left of the instrument's cap."""
        limit = self.spendable(fund, instrument)
        if instrument_cap is not None:
            spent = self.spent_by_instrument_year.get((instrument, year), 0.0)
            limit = min(limit, instrument_cap - spent)
        return limit

    @staticmethod
    def affordable_within(costs: np.ndarray, limit: float) -> int:
        """How many of the ranked `costs` (yuan each) `limit` yuan pays: an instrument's
        `money_left`, the fund and the instrument cap together."""
        if limit <= 0:  # an empty fund or a zero budget delivers nothing, not even free offers
            return 0
        if not np.isfinite(limit):
            return costs.size
        return int(np.searchsorted(np.cumsum(costs), limit, side="right"))

    @staticmethod
    def pays_for_all(costs: np.ndarray, limit: float) -> bool:
        """Whether `limit` yuan pays every one of `costs` in whatever order they are ranked
        (`affordable_within` would count them all): their sum, with a margin of 1e-6 for the
        rounding of a running sum in another order (at most n 2^-53 of the sum, for costs
        that are never negative), is within the limit."""
        if limit <= 0:
            return False
        if not np.isfinite(limit):
            return True
        return float(costs.sum()) * (1.0 + 1e-6) <= limit

    @staticmethod
    def most_affordable(limit: float, least_cost: float) -> int | None:
        """More than `affordable_within(costs, limit)` can be for ranked costs of at least
        `least_cost` yuan each (None: no bound, for free offers or no limit): the allocator
        proposes no more households than this, so none is ranked or priced that the money
        cannot reach. The running sum of k such costs is at least k least_cost (1 - k 2^-53)
        however it rounds, so the affordable count is below limit / least_cost (1 + 1e-6)
        for any county under 10^9 households."""
        if least_cost <= 0 or not np.isfinite(limit):
            return None
        bound = limit / least_cost * (1.0 + 1e-6)
        return int(bound) + 1 if bound < 2**62 else None

    def draw(
        self, fund: str, total: float, instrument: str | None = None
    ) -> list[tuple[str, float]]:
        """Which funds pay `total` yuan for `instrument` (a label; None: any use of the
        pool) of `fund`: its own fund first and, when it is `pooled`, then the other
        integrated funds in scenario order."""
        if not self.pooled(fund, instrument) or total <= self.available[fund]:
            return [(fund, total)]
        paid = [(fund, max(self.available[fund], 0.0))]
        rest = total - paid[0][1]
        for other in self.integrated_funds:
            if other == fund or rest <= 0:
                continue
            take = min(max(self.available[other], 0.0), rest)
            if take > 0:
                paid.append((other, take))
                rest -= take
        if rest > 0:  # rounding: the instrument's own fund carries it
            paid[0] = (fund, paid[0][1] + rest)
        return paid

    def received_before(self, instrument: str, households: np.ndarray) -> np.ndarray:
        """Whether each household has received this instrument in an earlier booking."""
        ever = self.ever_received.get(instrument)
        if ever is None:
            return np.zeros(households.size, dtype=bool)
        return ever[households]

    def book(
        self,
        instrument: str,
        fund: str,
        year: int,
        households: np.ndarray,
        amounts: np.ndarray,
        total: float | None = None,
    ) -> None:
        """Pay `amounts` (yuan) to `households` from `fund` for `instrument` in `year`;
        `total` is their sum as the caller added them up (default `amounts.sum()`)."""
        if total is None:
            total = float(amounts.sum())
        self.bookings += 1
        for source, paid in self.draw(fund, total, instrument):
            self.available[source] -= paid
            self.spent_by_fund_year[(source, year)] += paid
        self.spent_by_instrument_year[(instrument, year)] += total
        received = self.received_by_instrument.get(instrument)
        if received is None:  # the first booking of the instrument
            received = self.received_by_instrument[instrument] = np.zeros(self.n_households)
            self.ever_received[instrument] = np.zeros(self.n_households, dtype=bool)
        ever = self.ever_received[instrument]
        # households are unique within one booking, so each adds once, as NumPy's `+=` does
        add_bookings(households, amounts, self.received_this_year, received, ever)

    @property
    def nbytes(self) -> int:
        """Bytes of the per-household booking arrays."""
        arrays = [self.received_this_year, *self.received_by_instrument.values()]
        return sum(a.nbytes for a in arrays) + sum(a.nbytes for a in self.ever_received.values())
