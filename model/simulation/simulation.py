"""One county's arrays advanced year by year, stage by stage as model.simulation.year lists.

`Simulation` owns the state, the random streams, the ledger and the instruments; the
year's incomes, cached between payments, are its `YearIncomes` part (incomes.py), the
poverty office's registry stages its `RegistryStages` part (registry.py), and what it
hands to the background thread, and when, its `WorkAhead` part (ahead.py).
It knows nothing of Mesa (PovertyModel wraps it) so that sweeps run it directly.
Construction synthesises (or loads) the population and runs the identification
year (`start_year - 1`): incomes are computed and the office registers the poor
and records their causes, before any assistance. Each `step()` is one policy year.
"""

from __future__ import annotations

from concurrent.futures import Future

import numpy as np

from model.config.scenario import Scenario
from model.engine import dynamics, heap
from model.engine.budget import Ledger
from model.engine.population import synthesize
from model.engine.rng import Streams
from model.engine.schedule import value_in_year
from model.engine.state import NEVER
from model.interventions import REGISTRY
from model.simulation.ahead import WorkAhead
from model.simulation.allocation import Allocator
from model.simulation.campaign_metrics import (
    CampaignRecord,
    NationalIncomeColumns,
    shares_of_the_record,
)
from model.simulation.incomes import YearIncomes
from model.simulation.metrics import IncomeColumns, income_columns, yearly_indicators
from model.simulation.panel import LASTING_EXIT_YEARS, HouseholdPanel
from model.simulation.registry import RegistryStages
from model.simulation.year import IDENTIFICATION_YEAR, YEAR_PLAN

YEARLY_STREAMS = (
    "demography", "schooling", "health", "migration", "income_shocks", "identification",
    "detection", "exit_inspection", "registry_rebuild",
)  # fmt: skip
"""The engine's processes that draw once a year for every row, used within the year."""


class Simulation(YearIncomes, RegistryStages, WorkAhead):
    """One replicate of one scenario: a pure function of (scenario, seed, replicate)."""

    def __init__(self, scenario: Scenario, seed: int | None = None, replicate: int = 0):
        heap.keep_freed_memory()  # once per process (model/engine/heap.py)
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else int(seed)
        self.replicate = replicate
        self.streams = Streams(self.seed, replicate)
        for name in YEARLY_STREAMS:  # each year's draw replaces the last (rng.Stream)
            self.streams.generator(name, yearly=True)
        self.base_year = scenario.start_year - 1  # identification year; prices are of this year
        self.year = self.base_year
        population_replicate = replicate if scenario.population.vary_by_replicate else 0
        population_stream = Streams(self.seed, population_replicate).generator("population")
        if scenario.population.source == "csv":
            from model.engine.population_table import load_household_table

            self.persons, self.households, self.villages = load_household_table(
                scenario.population, scenario.dynamics, population_stream
            )
        else:
            self.persons, self.households, self.villages = synthesize(
                scenario.population, scenario.dynamics, population_stream
            )
        # Permanent earning capacity from its own stream, so the population's draws do not
        # change with it (the same households whatever its sd).
        capacity_draw = Streams(self.seed, population_replicate).generator("earning_capacity")
        self.households.earning_capacity[:] = dynamics.earning_capacity(
            capacity_draw.standard_normal(self.households.n),
            scenario.dynamics.income.earning_capacity_sd,
        )
        # A household starts with its village's drinking water; water projects change its own.
        self.households.safe_water[:] = self.villages.safe_water[self.households.village]
        self.interventions = [REGISTRY[spec.type](spec, self) for spec in scenario.interventions]
        self.allocator = Allocator(scenario.allocation, self.interventions)
        self.ledger = Ledger(scenario.funds, self.households.n, self.allocator.own_fund_only)
        self.events: dict[str, np.ndarray] = {}
        self.merged_with_registry: np.ndarray | None = None  # set by a merged dibao
        self._group_cache: dict[str, np.ndarray] | None = None
        self.records: list[dict[str, float]] = []
        self.panel = HouseholdPanel(self.households.village, scenario.years + 1, self.base_year)
        self._start_working_ahead()  # the background thread's part (ahead.py)
        for stage in IDENTIFICATION_YEAR:
            getattr(self, stage.runs)()

    # --- money of the year ----------------------------------------------------------
    @property
    def poverty_line(self) -> float:
        """Poverty line this year, yuan per person per year."""
        return value_in_year(self.scenario.poverty_line, self.year)

    @property
    def national_poverty_line(self) -> float:
        """The national line this year (yuan per person per year), the indicators' measure
        of poverty as the national statistics count it (model/simulation/campaign_metrics.py)."""
        return value_in_year(self.scenario.national_poverty_line, self.year)

    def growth_index(self, growth: float) -> float:
        """(1 + growth) per year since the identification year: the level this year of
        prices or costs growing at `growth` (income, medical and schooling costs)."""
        return (1 + growth) ** (self.year - self.base_year)

    @property
    def money_index(self) -> float:
        """Nominal wage and price level this year relative to the identification year; an
        instrument whose amounts are in identification-year yuan multiplies by it."""
        return self.growth_index(self.scenario.dynamics.income.growth)

    def per_year(self, key: str, compute):
        """`compute()` once per policy year: for household summaries of the persons (e.g.
        members by age) that several instruments or calls read while persons do not change
        (between this year's economy and the next year's demography)."""
        value = self._year_cache.get(key)
        if value is None:
            value = self._year_cache[key] = compute()
        elif isinstance(value, Future):
            value = self._year_cache[key] = value.result()
        return value

    def policy_holders(self) -> np.ndarray:
        """Registered households and those still within `policy_continuation_years` of their
        exit (sources.md: "exit without losing the policies")."""
        h = self.households
        years = self.scenario.policy.exit.policy_continuation_years
        since_exit = self.year - h.exit_year.astype(np.int32)
        continuing = (h.exit_year != NEVER) & (since_exit <= years) & ~h.registered
        return h.active & (h.registered | continuing)

    def assistance_group(self, target: str) -> np.ndarray:
        """Households an instrument with this `target` may serve (see InterventionConfig):
        all, registered, policy_holders, or at_risk (policy holders and monitored). Read-only;
        kept for the year's assistance phase, while the registry cannot change."""
        cache = self._group_cache if self._group_cache is not None else {}
        group = cache.get(target)
        if group is None:
            h = self.households
            if target == "all":
                group = h.active.copy()
            elif target == "registered":
                group = h.active & h.registered
            elif target == "policy_holders":
                group = self.policy_holders()
            else:
                group = self.assistance_group("policy_holders") | (h.active & h.monitored)
            group.flags.writeable = False
            cache[target] = group
        return group

    # --- the year -------------------------------------------------------------------
    def advance_economy(self) -> None:
        """Health, shocks, income and expenses of `self.year`, and the draws of the office's
        measurement error and re-check detection for the year."""
        d = self.scenario.dynamics
        dynamics.advance_health(
            self.persons,
            d.health,
            self.streams.generator("health"),
            self.growth_index(d.health.cost_growth),
        )
        dynamics.advance_migration(self.persons, d.income, self.streams.generator("migration"))
        multiplier = self._take_shocks()
        self._after_shocks_taken()
        self._take_schooling()  # the incomes read the school stages
        dynamics.compute_income_and_expenses(
            self.persons,
            self.households,
            self.villages,
            d,
            multiplier,
            money_index=self.growth_index(d.income.growth),
            school_index=self.growth_index(d.schooling.cost_growth),
            pension_per_person=value_in_year(d.income.pension, self.year),
            farm_index=(
                None if d.income.farm_growth is None else self.growth_index(d.income.farm_growth)
            ),
        )
        self._take_cleared_assistance()
        self.invalidate_income()
        self._after_economy()
        self._measurement_noise = self._take_measurement_noise()
        self._detection_draw = self.streams.generator("detection").random(self.households.n)

    def _draw_shocks_now(self) -> np.ndarray:
        """The year's village and household shocks; each household's income multiplier."""
        d = self.scenario.dynamics
        return dynamics.draw_shocks(
            self.households,
            self.villages,
            d.shocks,
            d.income,
            self.streams.generator("income_shocks"),
        )

    def _clear_last_years_assistance(self) -> None:
        """Zero the income and expense relief last year's instruments added: the economy
        has made this year's incomes without them."""
        self.households.assisted_income[:] = 0.0
        self.households.assisted_total[:] = 0.0
        self.households.expense_relief[:] = 0.0

    def _draw_measurement_noise(self, households: int) -> np.ndarray:
        """The office's multiplicative measurement error of each household's income this
        year: lognormal with mean one."""
        sd = self.scenario.policy.identification.measurement_error_sd
        z = self.streams.generator("identification").standard_normal(households)
        return np.exp(sd * z - 0.5 * sd**2)

    # --- the identification year (IDENTIFICATION_YEAR) ---------------------------------
    def deliver_safety_net_before_registry(self) -> None:
        """Instruments that predate the campaign (an explicit `start_year` at or before the
        identification year: the dibao, the wubao) pay in the identification year too, so
        that the registry and the national count of that year see the incomes they made.
        Nothing runs, and no draw is taken, when no instrument predates the campaign."""
        if any(instrument.active_in(self) for instrument in self.interventions):
            self.deliver_assistance()

    def record_identification(self) -> None:
        """Who is truly poor at identification, and the household panel's first row."""
        self.households.poor_last_year[:] = self.net_income_per_capita() < self.poverty_line
        self.panel.record(self, self.net_income_per_capita())
        self.campaign = CampaignRecord(self, self.net_income_per_capita())
        self._with_the_record()

    # --- a policy year (YEAR_PLAN) -------------------------------------------------------
    def step(self) -> dict[str, float]:
        """Advance one policy year, stage by stage as YEAR_PLAN lists them; its indicators."""
        self.year += 1
        for stage in YEAR_PLAN:
            getattr(self, stage.runs)()
        return self.records[-1]

    def advance_demography(self) -> None:
        """Ageing, births, deaths and disability; the dissolved leave the registry."""
        self._before_demography()
        h = self.households
        dynamics.advance_demography(
            self.persons, h, self.scenario.dynamics, self.streams.generator("demography")
        )
        h.registered &= h.active  # a household whose last member died leaves the registry
        self._after_births()

    def advance_schooling(self) -> None:
        """School progression and dropout. Drawing ahead, it runs on the background thread
        from the births on (`advance_demography`), while the economy's health, migration
        and shocks, which read no school stage, run here; the economy takes it before the
        incomes, which do."""
        if not self._schooling_made_ahead():
            self._advance_schooling_now()

    def _advance_schooling_now(self) -> None:
        dynamics.advance_schooling(
            self.persons,
            self.households,
            self.scenario.dynamics.schooling,
            self.streams.generator("schooling"),
        )

    def deliver_assistance(self) -> None:
        """The year's funds open, the allocation rule runs the instruments phase by phase
        (the registry is fixed meanwhile), and the funds close."""
        h = self.households
        self._registered_at_start = h.registered & h.active
        on_file = h.active & (h.registered_year != NEVER)  # registered or exited, kept on file
        self.merged_with_registry = None
        self.ledger.open_year(self.year, float(h.size[np.flatnonzero(on_file)].sum()))
        self._group_cache = {}  # the registry is fixed while assistance is delivered
        self._before_assistance()
        self._begin_instruments_year()
        self.allocator.run_year(self)
        self._group_cache = None
        self._idle_funds = self.ledger.close_year()
        self._after_assistance()

    def record_indicators(self) -> None:
        """The year's indicators and panel row; lasting exits of three years back. The
        columns that read only incomes were worked out after the assistance (nothing since
        changes incomes); the panel row only reads the year's arrays, which nothing here
        changes: it is written on the background thread meanwhile."""
        income_pc = self.net_income_per_capita()
        yearly_incomes, campaign = self._record_columns_of_incomes(income_pc)
        panel_row = self._run(self.panel.record, self, income_pc)
        self._with_the_record()
        record = yearly_indicators(self, self._idle_funds, income_pc, yearly_incomes)
        record.update(campaign.result())
        record.update(shares_of_the_record(record))
        panel_row.result()
        self.households.poor_last_year[:] = income_pc < self.poverty_line
        self.records.append(record)
        self._complete_lasting_exits()

    def _work_out_income_columns(self) -> tuple[IncomeColumns, NationalIncomeColumns]:
        """The year's record columns that read only incomes (`metrics.income_columns`,
        `CampaignRecord.income_columns`), once its assistance is delivered."""
        income_pc = self.net_income_per_capita()
        return income_columns(self, income_pc), self.campaign.income_columns(self, income_pc)

    def _complete_lasting_exits(self) -> None:
        """Fill in the lasting exits of the policy year LASTING_EXIT_YEARS back, now that the
        years after it are known (panel row k is policy year record k - 1)."""
        exit_row = self.panel.recorded - 1 - LASTING_EXIT_YEARS
        if exit_row >= 1:
            followed, lasting = self.panel.lasting_exits(exit_row)
            self.records[exit_row - 1]["exits_followed_3y_households"] = followed
            self.records[exit_row - 1]["lasting_exits_households"] = lasting

    def run(self, progress=None) -> list[dict[str, float]]:
        """Run every policy year; `progress(1)` is called after each."""
        for _ in range(self.scenario.years):
            self.step()
            if progress is not None:
                progress(1)
        return self.records

    @property
    def nbytes(self) -> int:
        """Bytes held by the state arrays: persons, households, villages, and what the
        instruments (their per-household and per-person arrays) and the ledger keep."""
        state = self.persons.nbytes + self.households.nbytes + self.villages.nbytes
        return state + self.ledger.nbytes + sum(i.nbytes for i in self.interventions)
