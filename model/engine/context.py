"""What an instrument may read and call of the running year: the engine's side of the
contract between the simulation loop (model.simulation) and the instruments.

`Simulation` satisfies this protocol; instruments, the allocation, the yearly indicators
and the household panel are written against it, so they depend on the engine below them
and not on the loop that calls them. (Starsim passes its `sim` the same way.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from model.engine.budget import Ledger
    from model.engine.rng import Streams
    from model.engine.state import Households, Persons, Villages

T = TypeVar("T")


class YearContext(Protocol):
    """One replicate's state in the policy year `year` (the identification year is
    `start_year - 1`). Incomes are yuan per year; per-capita figures are per person."""

    scenario: Any
    """The resolved scenario (model.config.scenario.Scenario): read-only parameters."""
    persons: Persons
    households: Households
    villages: Villages
    ledger: Ledger
    """Funds of the year and every yuan booked by instrument, fund, year and household."""
    streams: Streams
    """Named random generators of this (seed, replicate)."""
    year: int
    replicate: int
    events: dict[str, np.ndarray]
    """Household rows of this year's registry events (registered, exited, relapsed, ...)."""
    interventions: list[Any]
    """The scenario's instruments, in scenario order."""
    merged_with_registry: np.ndarray | None
    """'Two lines merged': households a dibao hands to this year's registration (a mask
    over households), or None; set during the assistance, read by the re-check."""

    @property
    def poverty_line(self) -> float:
        """Poverty line this year, yuan per person per year."""

    @property
    def money_index(self) -> float:
        """Nominal wage and price level relative to the identification year."""

    def growth_index(self, growth: float) -> float:
        """(1 + growth) ** years since the identification year."""

    def total_income(self) -> np.ndarray:
        """Household income from all sources this year, before expenses (yuan/year)."""

    def net_income_per_capita(self) -> np.ndarray:
        """True per-capita income minus out-of-pocket medical and schooling costs."""

    def measured_income_per_capita(self) -> np.ndarray:
        """Per-capita income as the office measures it (its concept, with error)."""

    def income_changed(self, rows: np.ndarray) -> None:
        """Bring cached incomes up to date after a payment or relief to `rows`."""

    def policy_holders(self) -> np.ndarray:
        """Registered households and those still in their policy continuation after exit."""

    def assistance_group(self, target: str) -> np.ndarray:
        """Households an instrument with this `target` may serve this year (read-only)."""

    def per_year(self, key: str, compute: Callable[[], T]) -> T:
        """`compute()` once per policy year, for summaries of persons several callers read."""

    def persons_summary(self, key: str, summary: Callable[[YearContext], T]) -> T:
        """`summary(context)` once per policy year, for a summary of the persons only (it
        may be computed ahead, on the background thread)."""
