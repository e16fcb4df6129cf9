"""The shared intervention interface, its scenario configuration and the type registry.

An intervention is delivery x eligibility x priority x capacity x unit cost x effect
(Starsim's split). Each year the base class does the delivery: it takes the
eligibility mask, ranks applicants by priority, cuts at the capacity and at the
money its fund can still pay, draws failures from the instrument's own random
stream, books every yuan by instrument, fund, year and household, and hands the
recipients to `apply_effect`. A new instrument is one module: a config class with
a `type` literal and a class with `eligible`, `priority`, `yearly_cost` and
`apply_effect`, registered with `@register`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:  # pragma: no cover
    from model.simulation import Simulation


class InterventionConfig(BaseModel):
    """Scenario keys every instrument shares. Amounts are yuan; capacities are households."""

    model_config = ConfigDict(extra="forbid")

    type: str
    name: str | None = Field(
        default=None, description="label used in output columns; defaults to the type"
    )
    fund: str = Field(default="general", description="fund source that pays for it")
    start_year: int | None = Field(default=None, description="first year it runs")
    end_year: int | None = Field(default=None, description="last year it runs")
    capacity_households_per_year: int | None = Field(
        default=None, ge=0, description="most recipients per year; none = unlimited"
    )
    unit_cost_one_off: float = Field(
        default=0.0, ge=0, description="yuan per new recipient, paid in its first year"
    )
    unit_cost_yearly: float = Field(
        default=0.0, ge=0, description="yuan per recipient per year on top of the effect"
    )
    budget_yearly: float | None = Field(
        default=None, ge=0, description="most yuan this instrument may spend per year"
    )
    failure_risk: float = Field(
        default=0.0, ge=0, le=1, description="chance a delivery has no effect (still paid)"
    )

    @property
    def label(self) -> str:
        return self.name or self.type


REGISTRY: dict[str, type[Intervention]] = {}


def register(cls: type[Intervention]) -> type[Intervention]:
    """Class decorator: make an instrument available to scenario files by its type name."""
    type_name = cls.config_class.model_fields["type"].annotation.__args__[0]
    if type_name in REGISTRY:
        raise ValueError(f"intervention type {type_name!r} registered twice")
    cls.type_name = type_name
    REGISTRY[type_name] = cls
    return cls


class Intervention:
    """One configured instrument acting on the simulation's arrays each year."""

    config_class: ClassVar[type[InterventionConfig]] = InterventionConfig
    type_name: ClassVar[str] = ""

    def __init__(self, config: InterventionConfig, sim: Simulation):
        self.config = config
        self.label = config.label
        # Own stream, keyed by the label: adding an instrument leaves every other stream alone.
        self.rng = sim.streams.generator(f"intervention:{self.label}")
        self.recipients_this_year = np.zeros(0, dtype=np.int64)

    # --- what an instrument defines -------------------------------------------------
    def eligible(self, sim: Simulation) -> np.ndarray:
        """Boolean mask over households that may receive the instrument this year."""
        raise NotImplementedError

    def priority(self, sim: Simulation) -> np.ndarray:
        """Score over households; higher is served first when capacity or money runs out."""
        return np.zeros(sim.households.n, dtype=np.float64)

    def yearly_cost(self, sim: Simulation, households: np.ndarray) -> np.ndarray:
        """Yuan paid for each of `households` this year, before the per-recipient costs."""
        return np.zeros(households.size, dtype=np.float64)

    def apply_effect(
        self, sim: Simulation, households: np.ndarray, amounts: np.ndarray, succeeded: np.ndarray
    ) -> None:
        """Change the arrays for the recipients (`succeeded` masks failed deliveries)."""
        raise NotImplementedError

    # --- delivery, shared by all ----------------------------------------------------
    def active_in(self, year: int) -> bool:
        c = self.config
        return (c.start_year is None or year >= c.start_year) and (
            c.end_year is None or year <= c.end_year
        )

    def step(self, sim: Simulation) -> None:
        """Select recipients, pay within capacity and budget, book and apply the effect."""
        year = sim.year
        n = sim.households.n
        # Draw for every household slot before anything is masked (common random numbers).
        failure_draw = self.rng.random(n)
        self.recipients_this_year = np.zeros(0, dtype=np.int64)
        if not self.active_in(year):
            return
        mask = self.eligible(sim) & sim.households.active
        candidates = np.flatnonzero(mask)
        if candidates.size == 0:
            return
        # Stable ranking: highest priority first, ties broken by household row.
        order = np.argsort(-self.priority(sim)[candidates], kind="stable")
        candidates = candidates[order]
        cap = self.config.capacity_households_per_year
        if cap is not None:
            candidates = candidates[:cap]
        amounts = self.yearly_cost(sim, candidates)
        new = ~sim.ledger.received_before(self.label, candidates)
        per_household = (
            amounts
            + self.config.unit_cost_yearly
            + np.where(new, self.config.unit_cost_one_off, 0.0)
        )
        affordable = sim.ledger.affordable_prefix(
            self.config.fund, self.label, year, per_household, self.config.budget_yearly
        )
        candidates, amounts, per_household = (
            candidates[:affordable],
            amounts[:affordable],
            per_household[:affordable],
        )
        if candidates.size == 0:
            return
        sim.ledger.book(self.label, self.config.fund, year, candidates, per_household)
        succeeded = failure_draw[candidates] >= self.config.failure_risk
        self.recipients_this_year = candidates
        self.apply_effect(sim, candidates, amounts, succeeded)
