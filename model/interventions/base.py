"""The shared intervention interface, its scenario configuration and the type registry.

An intervention is delivery x eligibility x priority x capacity x unit cost x effect
(Starsim's split). Each year an instrument *proposes*: it takes its eligibility mask
(narrowed by its `target` group and, under cause-matched allocation, by the recorded
cause), ranks applicants by priority and cuts at its capacity. The allocation rule
(model/simulation/allocation.py) decides how many of the proposal the money pays for, and the
instrument *delivers*: it books every yuan by instrument, fund, year and household,
draws failures from its own random stream and hands the recipients to `apply_effect`.

A new instrument is one module: a config class with a `type` literal and a class with
`eligible`, `priority`, `yearly_cost` (or `cost_per_household`, when the same for every
household) and `apply_effect`, registered with `@register`.
`yearly_cost`, `expected_gain`, `failure_probability` and `apply_effect` treat each
household on its own: they receive the households in the order of their rows, not in
the ranked order (`Intervention._priced`, `Intervention.deliver`).
Instruments whose effect lasts beyond the year of delivery (a project, a job, a move)
keep it in an `IncomeStreams` (model/interventions/streams.py, with their config keys,
`LastingEffectConfig`) and pay it each year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import ConfigDict, Field

from model.engine.finite import FiniteModel
from model.engine.state import CHANNELS
from model.interventions import kernels
from model.interventions.selection import (
    ascending_order,
    best_first,
    every_row,
    group_rows,
    inverse_permutation,
    is_prefix,
    prefix_order,
    where_true,
)

if TYPE_CHECKING:  # pragma: no cover
    from model.engine.budget import Ledger
    from model.engine.context import YearContext

Target = Literal["all", "registered", "policy_holders", "at_risk"]
"""Who may apply to an instrument (InterventionConfig.target; Simulation.assistance_group)."""


class InterventionConfig(FiniteModel):
    """Scenario keys every instrument shares. Amounts are yuan; capacities are households.
    Numbers are finite and of bounded magnitude (model.engine.finite)."""

    model_config = ConfigDict(extra="forbid")

    type: str
    name: str | None = Field(
        default=None, description="label used in output columns; defaults to the type"
    )
    fund: str = Field(default="general", description="fund source that pays for it")
    start_year: int | None = Field(
        default=None,
        description="first year it is delivered; none = the first policy year. A year at or "
        "before the identification year (start_year - 1 of the scenario) means the "
        "instrument predates the campaign: it also runs in the identification year, before "
        "the registry exists (the safety net the national count of the poor already saw)",
    )
    end_year: int | None = Field(default=None, description="last year it is delivered")
    target: Target = Field(
        default="policy_holders",
        description="who may apply: everyone (means-tested by the instrument), registered "
        "households, registered plus those in the policy continuation after exit "
        "(policy_holders), or policy holders plus monitored households (at_risk: "
        "preventive help)",
    )
    capacity_households_per_year: int | None = Field(
        default=None, ge=0, description="most recipients per year; none = unlimited"
    )
    capacity_households_per_village: int | None = Field(
        default=None, ge=0, description="most recipients per village per year; none = unlimited"
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


@dataclass(eq=False)
class Proposal:
    """Ranked applicants after capacity: what an instrument would deliver if money allowed."""

    instrument: Intervention
    households: np.ndarray  # int64 rows, best first (village rows for village instruments)
    amounts: np.ndarray  # yuan each, the money of the effect itself (e.g. the dibao gap)
    costs: np.ndarray  # yuan each, amounts plus one-off and yearly unit costs
    work_out_gain: Callable[[], np.ndarray]
    """Works out `expected_gain` from the county as it is when called."""
    ledger: Ledger  # the run's: `expected_gain` is read before it books another delivery
    row_order: np.ndarray | None = None
    """Positions that put `households` in row order, when the proposal knows them (the
    default pricing sorts them): a delivery of its first k reuses them (`prefix_order`)."""
    ranked: bool = True
    """False: `households` are in row order, not ranked, because the money the allocator
    gave `propose` pays every one of them (`Ledger.pays_for_all`)."""

    _expected_gain: np.ndarray | None = field(default=None, init=False, repr=False)
    _bookings_when_made: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        self._bookings_when_made = self.ledger.bookings

    @property
    def expected_gain(self) -> np.ndarray:
        """Yuan/year of income each household of the proposal is expected to gain, in the
        order of `households`: what the cost-effectiveness rule ranks offers by. Worked out
        when first read, since the other rules never read it (about 4% of a five_batches
        year), so the county must still be as it was at the proposal: the ledger must have
        booked nothing since (the allocator reads it before the phase delivers)."""
        if self._expected_gain is None:
            if self.ledger.bookings != self._bookings_when_made:
                raise RuntimeError(
                    f"{self.instrument.label}: a proposal's expected gain was first read after "
                    "a delivery, which may have changed what it reads; read it before"
                )
            self._expected_gain = self.work_out_gain()
        return self._expected_gain


class Intervention:
    """One configured instrument acting on the simulation's arrays each year."""

    config_class: ClassVar[type[InterventionConfig]] = InterventionConfig
    type_name: ClassVar[str] = ""
    channel: ClassVar[str | None] = None  # CHANNELS entry its income and relief count to
    phase: ClassVar[str] = "development"
    """Assistance phase it runs in (model.simulation.year.ASSISTANCE_PHASES names them)."""
    once_per_household: ClassVar[bool] = False  # a household receives it at most once
    # Which uniform draws the instrument makes for every household each year: "failure"
    # (its delivery fails), "loss" (a lasting effect ends), "extra" (its own choice, e.g. a
    # casual or a stable job). Fixed per class, so the stream's sequence never depends on
    # what happens in the run (the failure draw of an instrument that cannot fail is
    # skipped, its stream advanced past the numbers: `can_fail`, `begin_year`).
    draws: ClassVar[tuple[str, ...]] = ("failure",)

    def __init__(self, config: InterventionConfig, sim: YearContext):
        self.config = config
        self.label = config.label
        self.channel_row = CHANNELS.index(self.channel) if self.channel else None
        # Own stream, keyed by the label: adding an instrument leaves every other stream alone.
        self.rng = sim.streams.generator(f"intervention:{self.label}", yearly=True)
        # households served this year, in the order served: ranked, or in row order when
        # the money paid every applicant (`Proposal.ranked`)
        self.recipients_this_year = np.zeros(0, dtype=np.int64)
        self.failure_draw = self.loss_draw = self.extra_draw = None
        self.capacity_lifted = False  # set while unspent money is re-allocated (Allocator)

    # --- what an instrument defines -------------------------------------------------
    def eligible(self, sim: YearContext) -> np.ndarray:
        """Boolean mask over households that may receive the instrument this year. An
        instrument defines this or `eligible_among` (each reads the other)."""
        return self.eligible_among(sim, every_row(sim))

    def eligible_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        """Whether each household of `rows` may receive the instrument this year: the same
        test as `eligible`, made on the rows of the target group only (a small share of
        the county for most instruments), which is what `propose` asks for."""
        raise NotImplementedError

    def candidates_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        """The households of `rows` (ascending) that `eligible_among` admits, in order:
        what `propose` ranks. An instrument may redefine it as one compiled pass that
        makes the same test without a mask over `rows`."""
        return where_true(rows, self.eligible_among(sim, rows))

    def priority(self, sim: YearContext) -> np.ndarray:
        """Score over households; higher is served first when capacity or money runs out.
        The default serves the poorest (lowest measured per-capita income) first."""
        return self.priority_among(sim, every_row(sim))

    def priority_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        """The score of each household of `rows`, as `priority` gives it; `propose` scores
        the applicants only. The default serves the poorest first."""
        return -sim.measured_income_per_capita()[rows]

    def _eligible_mask_at(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        """`eligible_among` of a class that defines the whole-county `eligible`."""
        return self.eligible(sim)[rows]

    def _priority_at(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        """`priority_among` of a class that defines the whole-county `priority`."""
        return self.priority(sim)[rows]

    def __init_subclass__(cls, **kwargs):
        """The nearest definition wins: a class that (re)defines a whole-county rule
        (`eligible`, `priority`) gets the row versions that read it, and one that redefines
        its eligibility gets the plain `candidates_among`, instead of inheriting a parent's
        row versions, which would apply the parent's rule."""
        super().__init_subclass__(**kwargs)
        own = vars(cls)
        if "eligible" in own and "eligible_among" not in own:
            cls.eligible_among = Intervention._eligible_mask_at
        if "priority" in own and "priority_among" not in own:
            cls.priority_among = Intervention._priority_at
        if ("eligible" in own or "eligible_among" in own) and "candidates_among" not in own:
            cls.candidates_among = Intervention.candidates_among

    def yearly_cost(self, sim: YearContext, households: np.ndarray) -> np.ndarray:
        """Yuan paid for each of `households` this year, before the per-recipient costs;
        never negative. By default `cost_per_household` for each (nothing if it has none)."""
        flat = self.cost_per_household()
        return np.full(households.size, 0.0 if flat is None else flat)

    def cost_per_household(self) -> float | None:
        """Yuan each delivery pays when it is the same for every household (a subsidy, a
        house, a training place: the config's amount); None when it varies (the default)."""
        return None

    def least_cost(self) -> float:
        """The least any one delivery of the year costs (yuan), per-recipient costs
        included: the allocator does not propose when the money left cannot pay even that
        (the proposal would deliver nothing). The flat cost, when there is one, plus the
        yearly unit cost (yearly costs are never negative)."""
        flat = self.cost_per_household()
        return self.config.unit_cost_yearly + (0.0 if flat is None else flat)

    def expected_gain(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray
    ) -> np.ndarray:
        """Yuan/year of income each household is expected to gain; ranks instruments
        under cost-effectiveness allocation. The default: the money itself, if it works."""
        return amounts * (1.0 - self.failure_probability(sim, households))

    def expected_years(self) -> float:
        """Years one delivery keeps paying its expected gain: 1 for a yearly delivery;
        lasting effects count their expected life (model/interventions/streams.py)."""
        return 1.0

    def failure_probability(self, sim: YearContext, households: np.ndarray) -> np.ndarray:
        """Chance each delivery to `households` has no effect; the config's by default."""
        return np.full(households.size, self.config.failure_risk)

    def apply_effect(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray, succeeded: np.ndarray
    ) -> None:
        """Change the arrays for the recipients (`succeeded` masks failed deliveries). By
        default a transfer: pay each successful recipient its amount on the channel."""
        self.pay(sim, households, np.where(succeeded, amounts, 0.0))

    def end_year(self, sim: YearContext) -> None:
        """After this year's delivery: pay lasting effects (streams). Nothing by default."""

    # --- shared helpers ---------------------------------------------------------------
    def pay(self, sim: YearContext, households: np.ndarray, yuan_per_year: np.ndarray) -> None:
        """Add income (yuan/year) to `households` on this instrument's channel."""
        h = sim.households
        moved = kernels.add_income(  # total income adds assisted_total
            households,
            np.broadcast_to(np.asarray(yuan_per_year, dtype=np.float64), households.shape),
            h.assisted_income[self.channel_row],
            h.assisted_total,
        )
        sim.income_changed(moved)  # only rows whose income changed need their cache updated

    def relieve(
        self, sim: YearContext, households: np.ndarray, yuan: np.ndarray, expense: str
    ) -> np.ndarray:
        """Take up to `yuan` off the households' `expense` array (medical_oop or
        schooling_cost); record the relief on this instrument's channel; return it."""
        array = getattr(sim.households, expense)
        relief = np.minimum(np.maximum(yuan, 0.0), array[households])
        moved = kernels.relieve_expense(
            households, relief, array, sim.households.expense_relief[self.channel_row]
        )
        sim.income_changed(moved)  # only rows whose expense changed need their cache updated
        return relief

    def active_in(self, sim: YearContext) -> bool:
        """Delivered in `sim.year`: from `start_year` (default: the first policy year)
        to `end_year`."""
        c = self.config
        first = c.start_year if c.start_year is not None else sim.scenario.start_year
        return first <= sim.year and (c.end_year is None or sim.year <= c.end_year)

    def target_mask(self, sim: YearContext) -> np.ndarray:
        """Households in the configured `target` group (the same for every instrument of the
        year's assistance: the registry does not change until the year-end exit test)."""
        return sim.assistance_group(self.config.target)

    def target_rows(self, sim: YearContext) -> np.ndarray:
        """Rows of the households in the `target` group, ascending (see `group_rows`)."""
        return group_rows(sim, self.target_mask(sim))

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays the instrument keeps (its draws, streams, per-row state)."""
        held = [getattr(value, "nbytes", 0) for value in vars(self).values()]
        return sum(size for size in held if isinstance(size, int))

    # --- delivery, shared by all ----------------------------------------------------
    def can_fail(self) -> bool:
        """Whether a delivery may fail: a failure risk, or a failure chance of the class's
        own. If not, no rule reads the failure draw."""
        own_chance = type(self).failure_probability is not Intervention.failure_probability
        return self.config.failure_risk > 0 or own_chance

    def _draw_runs(self) -> list[tuple[bool, tuple[str, ...]]]:
        """The class's `draws` in runs of those some rule reads (True) and those none does
        (False: the failure draw of an instrument that cannot fail)."""
        runs: list[tuple[bool, tuple[str, ...]]] = []
        for name in self.draws:
            read = name != "failure" or self.can_fail()
            if runs and runs[-1][0] == read:
                runs[-1] = (read, (*runs[-1][1], name))
            else:
                runs.append((read, (name,)))
        return runs

    def yearly_draws(self, sim: YearContext) -> list[tuple[str, tuple[int, ...], type]]:
        """What `begin_year` draws from the instrument's stream, in order, as (method, shape,
        dtype): the simulation makes these draws ahead on its drawing thread."""
        n = sim.households.n
        return [
            ("random" if read else "skip", (len(names), n), np.float32)
            for read, names in self._draw_runs()
        ]

    def begin_year(self, sim: YearContext) -> None:
        """Draw this year's random numbers (the class's `draws`) for every household slot,
        whatever is delivered (common random numbers). float32: half the cost of float64.
        A draw no rule reads is skipped (`Stream.skip`: the stream moves past its numbers,
        so the others are the same) and left None."""
        n = sim.households.n
        for read, names in self._draw_runs():
            if read:
                values = self.rng.random((len(names), n), dtype=np.float32)
            else:
                self.rng.skip((len(names), n), np.float32)
                values = [None] * len(names)
            for name, value in zip(names, values, strict=True):
                setattr(self, f"{name}_draw", value)
        self.recipients_this_year = np.zeros(0, dtype=np.int64)

    def propose(
        self, sim: YearContext, allowed: np.ndarray | None = None, money: float | None = None
    ) -> Proposal | None:
        """Eligible applicants (within `allowed`, if given), ranked and cut at capacity.
        `money`, when the allocator gives it (yuan the instrument may still spend this
        year), bounds the work: no more applicants are ranked and priced than it can pay
        (`Ledger.most_affordable`), and applicants it pays in full are not ranked at all
        (`Proposal.ranked`), since the ranking only decides who goes without."""
        if not self.active_in(sim):
            return None
        rows = self.target_rows(sim)  # the tests below on these rows only, ascending
        if allowed is not None:
            rows = kernels.rows_where(rows, allowed)
        if self.once_per_household and self.label in sim.ledger.ever_received:
            rows = kernels.rows_where_not(rows, sim.ledger.ever_received[self.label])
        candidates = self.candidates_among(sim, rows)
        if candidates.size == 0:
            return None
        cap = self.proposal_size(sim, money)
        if self.config.capacity_households_per_village is not None:
            ranked = candidates[best_first(self._rank_key(sim, candidates), candidates.size)]
            return self._priced(sim, self._cut_at_capacity(sim, ranked, cap))
        if cap is not None and cap < candidates.size:  # the best `cap`, priced
            return self._priced(sim, candidates[best_first(self._rank_key(sim, candidates), cap)])
        return self._priced_all(sim, candidates, money)

    def _rank_key(self, sim: YearContext, candidates: np.ndarray) -> np.ndarray:
        """Ascending key of `candidates`: best first."""
        return -self.priority_among(sim, candidates)

    def _cut_at_capacity(self, sim: YearContext, ranked: np.ndarray, cap: int | None) -> np.ndarray:
        per_village = self.config.capacity_households_per_village
        if per_village is not None:
            villages = sim.households.village[ranked]
            ranked = ranked[kernels.ranks_within_groups(villages, sim.villages.n) < per_village]
        return ranked if cap is None else ranked[:cap]

    def proposal_size(self, sim: YearContext, money: float | None) -> int | None:
        """Most households (or villages) a proposal holds: this year's capacity, and no more
        than `money` (None: not known) can pay (`Ledger.most_affordable`); None: no limit."""
        cap = self.yearly_capacity()
        most = None if money is None else sim.ledger.most_affordable(money, self.least_cost())
        if most is None:
            return cap
        return most if cap is None else min(cap, most)

    def yearly_capacity(self) -> int | None:
        """Most recipients this year: the configured capacity, none while the year's unspent
        integrated money is re-allocated (model/simulation/allocation.py)."""
        return None if self.capacity_lifted else self.config.capacity_households_per_year

    def _prices(self, sim: YearContext, in_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The amount and cost of each household of `in_rows` (ascending: the county's
        arrays read front to back), as `Proposal` holds them."""
        amounts = self.yearly_cost(sim, in_rows)
        new = ~sim.ledger.received_before(self.label, in_rows)
        costs = (
            amounts
            + self.config.unit_cost_yearly
            + np.where(new, self.config.unit_cost_one_off, 0.0)
        )
        return amounts, costs

    def _gain_of(
        self, sim: YearContext, in_rows: np.ndarray, amounts: np.ndarray, order: np.ndarray | None
    ) -> Callable[[], np.ndarray]:
        """What works out the expected gain of `in_rows` (ascending, with their `amounts`)
        when a proposal's gain is read: in the order of the rows, then put at `order`
        (None: kept in row order), as the prices are."""

        def work_out() -> np.ndarray:
            gains = self.expected_gain(sim, in_rows, amounts)
            if order is None:
                return gains
            in_rank = np.empty_like(gains)
            in_rank[order] = gains
            return in_rank

        return work_out

    def _priced(self, sim: YearContext, households: np.ndarray) -> Proposal:
        """The proposal of the ranked `households`. Each household's cost and gain is its
        own, so they are worked out in the order of the rows and then put in the ranked
        order."""
        order = ascending_order(households)
        in_rows = households[order]
        prices = self._prices(sim, in_rows)
        ranked = [np.empty_like(values) for values in prices]
        for values, in_rank in zip(prices, ranked, strict=True):
            in_rank[order] = values
        gain = self._gain_of(sim, in_rows, prices[0], order)
        return Proposal(self, households, *ranked, gain, sim.ledger, row_order=order)

    def _priced_all(
        self, sim: YearContext, candidates: np.ndarray, money: float | None
    ) -> Proposal:
        """The proposal of every one of `candidates` (ascending rows), priced in their
        order; ranked (the prices permuted, not worked out again) unless `money` (None: not
        known) pays them all."""
        amounts, costs = self._prices(sim, candidates)
        if money is not None and sim.ledger.pays_for_all(costs, money):
            gain = self._gain_of(sim, candidates, amounts, None)
            return Proposal(self, candidates, amounts, costs, gain, sim.ledger, ranked=False)
        rank = best_first(self._rank_key(sim, candidates), candidates.size)
        row_order = inverse_permutation(rank)
        gain = self._gain_of(sim, candidates, amounts, row_order)
        return Proposal(
            self, candidates[rank], amounts[rank], costs[rank], gain, sim.ledger,
            row_order=row_order,
        )  # fmt: skip

    def deliver(self, sim: YearContext, proposal: Proposal, selected: np.ndarray | slice) -> None:
        """Pay for and apply the `selected` part of `proposal` (indices or a prefix slice)."""
        households = proposal.households[selected]
        if households.size == 0:
            return
        self.recipients_this_year = np.concatenate([self.recipients_this_year, households])
        costs, amounts = proposal.costs[selected], proposal.amounts[selected]
        # Each household's booking, failure and effect is its own, so they are made in the
        # order of the rows: the passes then read the county's arrays front to back.
        if proposal.ranked:
            if is_prefix(selected) and proposal.row_order is not None:
                order = prefix_order(proposal.row_order, households.size)  # no second sort
            else:
                order = ascending_order(households)
            households, costs, amounts = households[order], costs[order], amounts[order]
        total = float(costs.sum())  # in the order of the rows: the same however ranked
        sim.ledger.book(self.label, self.config.fund, sim.year, households, costs, total)
        if self.failure_draw is None:  # it cannot fail (`can_fail`): no draw was made
            succeeded = np.ones(households.size, dtype=bool)
        else:
            succeeded = self.failure_draw[households] >= self.failure_probability(sim, households)
        self.apply_effect(sim, households, amounts, succeeded)
