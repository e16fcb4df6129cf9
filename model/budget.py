"""Funds and the ledger: every yuan booked by instrument, fund source, year and household.

A fund has a yearly allocation (yuan, or yuan per household so a budget scales with
the county) and may carry unspent money into the next year. Idle money is a
finding, reported as `idle_funds`, not an error. Spending can never exceed what a
fund holds: an instrument only serves the prefix of its ranked applicants that the
fund (and the instrument's own yearly cap) can still pay for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from model.schedule import value_in_year


class Ledger:
    """Fund balances and bookings for one run."""

    def __init__(self, funds: Mapping[str, object], n_households: int):
        self.funds = dict(funds)
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

    def allocation(self, fund: str, year: int) -> float:
        """New money a fund receives in `year` (yuan); infinite when the fund has no limit."""
        config = self.funds[fund]
        if config.yearly is not None:
            return value_in_year(config.yearly, year)
        if config.yearly_per_household is not None:
            return value_in_year(config.yearly_per_household, year) * self.n_households
        return float("inf")

    def open_year(self, year: int) -> None:
        """Add the year's allocations to what each fund carried over."""
        for name, config in self.funds.items():
            carried = self.available.get(name, 0.0) if config.carry_over else 0.0
            self.available[name] = carried + self.allocation(name, year)
        self.opening_balance = dict(self.available)
        self.budget_this_year = sum(
            float(amount)
            for amount in (self.allocation(name, year) for name in self.funds)
            if np.isfinite(amount)
        ) + 0.0  # new money of the year in funds with a limit (yuan)
        self.received_this_year[:] = 0.0
        self.year = year

    def close_year(self) -> float:
        """Record and return the money left unspent this year (yuan, finite funds only)."""
        idle = sum(balance for balance in self.available.values() if np.isfinite(balance))
        self.idle_by_year[self.year] = idle
        return idle

    def affordable_prefix(
        self,
        fund: str,
        instrument: str,
        year: int,
        costs: np.ndarray,
        instrument_cap: float | None,
    ) -> int:
        """How many of the ranked `costs` (yuan each) the fund and instrument cap can pay."""
        limit = self.available[fund]
        if instrument_cap is not None:
            limit = min(limit, instrument_cap - self.spent_by_instrument_year[(instrument, year)])
        if limit <= 0:  # an empty fund or a zero budget delivers nothing, not even free offers
            return 0
        if not np.isfinite(limit):
            return costs.size
        return int(np.searchsorted(np.cumsum(costs), limit, side="right"))

    def received_before(self, instrument: str, households: np.ndarray) -> np.ndarray:
        """Whether each household has received this instrument in an earlier booking."""
        ever = self.ever_received.get(instrument)
        if ever is None:
            return np.zeros(households.size, dtype=bool)
        return ever[households]

    def book(
        self, instrument: str, fund: str, year: int, households: np.ndarray, amounts: np.ndarray
    ) -> None:
        """Pay `amounts` (yuan) to `households` from `fund` for `instrument` in `year`."""
        total = float(amounts.sum())
        self.available[fund] -= total
        self.spent_by_instrument_year[(instrument, year)] += total
        self.spent_by_fund_year[(fund, year)] += total
        self.received_this_year[households] += amounts
        received = self.received_by_instrument.setdefault(
            instrument, np.zeros(self.n_households, dtype=np.float64)
        )
        received[households] += amounts  # households are unique within one booking
        ever = self.ever_received.setdefault(instrument, np.zeros(self.n_households, dtype=bool))
        ever[households] = True

    @property
    def nbytes(self) -> int:
        """Bytes of the per-household booking arrays."""
        arrays = [self.received_this_year, *self.received_by_instrument.values()]
        return sum(a.nbytes for a in arrays) + sum(a.nbytes for a in self.ever_received.values())
