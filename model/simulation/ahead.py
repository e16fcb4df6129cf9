"""What a simulation hands to the background thread (model/engine/background.py), and when.

The main thread runs the year's stages in order (model.simulation.year). The background
thread makes what a later stage will need, while the main thread runs stages that do not
read it:

- **at the start of the year**: the year's village and household shocks
  (`dynamics.draw_shocks`, from draws made a year ahead), which the demography does not
  read;
- **after the births**: the schooling stage, first, because the economy needs its school
  stages soon, while the health, migration and shocks the economy starts with read none;
  then the clearing of last year's assistance, the year's draws per household for
  re-check detection, exit inspection, the registry rebuild and the instruments, and the
  instruments' start of the year (`Allocator.begin_year`: each takes its draws and acts
  on its own state, e.g. lasting effects lost);
- **in the economy**, as soon as the year's draws of each stream are taken: next year's
  income shocks and measurement error (the number of households never changes);
- **after the economy**: the persons' summaries the assistance reads
  (`Simulation.persons_summary`), next year's deaths-and-births draw and the start of its
  schooling draw (the numbers of today's person rows; the rest when it is taken);
- **after the assistance**, if the thread is idle then (a scenario whose instruments keep
  the main thread busy): the record's columns that read only incomes, which no later
  stage changes (`metrics.income_columns`, `CampaignRecord.income_columns`); and, from
  then on, the start of next year's health draw **at the start of the next
  assistance**, where it fills the stretch the thread is idle;
- **with the year's record**: its panel row, and the record's columns of incomes (the
  campaign's) if not worked out after the assistance; then the start of next year's
  health draw (if not started at the assistance) and of its migration draw.

Each stream is still drawn call by call in the same order, wherever a draw is placed, so
a run is the same bytes with the thread or without it (POVERTY_SIM_DRAW_AHEAD=0). A county
of fewer than HOUSEHOLDS_FOR_THE_THREAD households runs without it: there it costs more
than it gains.
`Simulation` is a `WorkAhead`; the stages call the hooks below at those points.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING

import numpy as np

from model.engine import background

if TYPE_CHECKING:  # pragma: no cover
    from model.config.scenario import Scenario
    from model.engine.rng import Streams
    from model.engine.state import Households, Persons, Villages
    from model.interventions.base import Intervention
    from model.simulation.allocation import Allocator
    from model.simulation.campaign_metrics import CampaignRecord, NationalIncomeColumns
    from model.simulation.metrics import IncomeColumns


HOUSEHOLDS_FOR_THE_THREAD = 7_500
"""Smallest county (households) whose simulation uses the background thread. In a smaller
one the thread's tasks are short and mostly Python, and the two threads contend for the
interpreter more than they overlap: at 5,000 households five_batches ran 3.96-4.43 ms a
year with the thread against 3.44-3.47 without, at 2,000 households 2.90-2.97 against
2.12-2.14 (the bare engine 1.09-1.10 against 0.83); at 7,500 the two are even for
five_batches and the thread is 14% faster for the bare engine, at 10,000 faster for both
(benchmarks/RESULTS.md, eighth session). The numbers are the same either way."""


class WorkAhead:
    """The background-thread part of `Simulation`: its futures and the hooks that start and
    take them. It needs the simulation's state, streams, instruments and year, and the
    simulation's own tasks it hands over (`_advance_schooling_now`,
    `_clear_last_years_assistance`, `_draw_measurement_noise`)."""

    scenario: Scenario
    streams: Streams
    persons: Persons
    households: Households
    villages: Villages
    interventions: list[Intervention]
    allocator: Allocator
    campaign: CampaignRecord
    year: int
    base_year: int

    def _start_working_ahead(self) -> None:
        self.draw_ahead = (
            background.ENABLED_BY_DEFAULT and self.households.n >= HOUSEHOLDS_FOR_THE_THREAD
        )
        self._computed_ahead: dict[str, object] = {}  # persons_summary functions, by key
        self._schooled: Future | None = None  # this year's schooling stage
        self._instruments_begun: Future | None = None  # the instruments' begin_year
        self._cleared_ahead: Future | None = None  # last year's assistance cleared
        self._noise_ahead: Future | None = None  # the year's measurement error
        self._shocks_ahead: Future | None = None  # the year's shocks and income multipliers
        self._health_started_in: int | None = None  # year next year's health draw started
        self._income_columns: Future | None = None  # the record's columns of incomes only
        self._idle_after_assistance = False  # the thread was idle when the assistance ended

    def _run(self, function, *args) -> Future:
        """`function(*args)` on the background thread when the simulation uses it, else
        now; its `.result()` either way."""
        if self.draw_ahead:
            return background.submit(function, *args)
        return background.done(function(*args))

    def _draws_for_next_year(self) -> bool:
        """Whether next year's draws are made during this one: drawing ahead, and not in
        the last year."""
        return self.draw_ahead and self.year < self.base_year + self.scenario.years

    # --- at the start of the year ---------------------------------------------------------
    def _before_demography(self) -> None:
        """The year's shocks: they read only their draws and last year's shocks, and no
        stage reads them before the economy."""
        if self.draw_ahead:
            self._shocks_ahead = background.submit(self._draw_shocks_now)

    def _take_shocks(self) -> np.ndarray:
        """The year's income multipliers (`dynamics.draw_shocks`): by the background thread
        from the start of the year, or now."""
        if self._shocks_ahead is None:
            return self._draw_shocks_now()
        multiplier, self._shocks_ahead = self._shocks_ahead.result(), None
        return multiplier

    # --- after the births -------------------------------------------------------------
    def _after_births(self) -> None:
        """The schooling stage, then the year's draws per household that were not made a
        year ahead, in the order the stages take them, and the instruments' start of the
        year, which takes theirs."""
        if not self.draw_ahead:
            return
        self._schooled = background.submit(self._advance_schooling_now)
        households, draw = self.households.n, self.streams.generator
        # Nothing reads last year's assistance after its record (the record's background
        # work was submitted before), and the economy replaces it.
        self._cleared_ahead = background.submit(self._clear_last_years_assistance)
        draw("detection").draw_ahead("random", households)
        draw("exit_inspection").draw_ahead("standard_normal", households)
        draw("registry_rebuild").draw_ahead("random", households)
        for instrument in self.interventions:  # taken by their begin_year, just below
            for method, shape, dtype in instrument.yearly_draws(self):
                instrument.rng.draw_ahead(method, shape, dtype)
        self._instruments_begun = background.submit(self.allocator.begin_year, self)

    def _begin_instruments_year(self) -> None:
        """The instruments' start of the year (`Allocator.begin_year`): by the background
        thread after the births, or now (the identification year, or without the thread)."""
        if self._instruments_begun is None:
            self.allocator.begin_year(self)
        else:
            self._instruments_begun.result()
            self._instruments_begun = None

    def _schooling_made_ahead(self) -> bool:
        """Whether the schooling stage was handed to the background thread this year."""
        return self._schooled is not None

    # --- in the economy -----------------------------------------------------------------
    def _after_shocks_taken(self) -> None:
        """Next year's village and household shocks (`dynamics.draw_shocks`)."""
        if self._draws_for_next_year():
            draw = self.streams.generator("income_shocks")
            draw.draw_ahead("random", (2, self.villages.n))
            draw.draw_ahead("standard_normal", (2, self.households.n))

    def _take_schooling(self) -> None:
        """Wait for the schooling stage, if the background thread is making it."""
        if self._schooled is not None:
            self._schooled.result()
            self._schooled = None

    def _take_cleared_assistance(self) -> None:
        """Last year's assistance cleared: by the background thread, or now."""
        if self._cleared_ahead is None:
            self._clear_last_years_assistance()
        else:
            self._cleared_ahead.result()
            self._cleared_ahead = None

    def _take_measurement_noise(self) -> np.ndarray:
        """The year's measurement error (made a year ahead, or now); next year's is started
        (the identification stream draws nothing else)."""
        if self._noise_ahead is None:
            noise = self._draw_measurement_noise(self.households.n)
        else:
            noise = self._noise_ahead.result()
        self._noise_ahead = None
        if self._draws_for_next_year():
            self._noise_ahead = background.submit(self._draw_measurement_noise, self.households.n)
        return noise

    # --- after the economy --------------------------------------------------------------
    def _after_economy(self) -> None:
        """The persons' summaries the assistance reads, then next year's deaths-and-births
        draw and the start of its schooling draw."""
        self._year_cache: dict[str, object] = {
            key: background.submit(summary, self) for key, summary in self._computed_ahead.items()
        }
        if self._draws_for_next_year():
            persons, draw = self.persons.n, self.streams.generator
            draw("demography").draw_ahead("random", (2, persons), np.float32)
            draw("schooling").draw_ahead_start(2 * persons, np.float32)

    # --- after the assistance, and with the record ----------------------------------------
    def _before_assistance(self) -> None:
        """Next year's health draw, when last year's assistance left the thread idle at its
        end (instruments that keep the main thread busy): it then runs in that idle
        stretch, behind the assistance's own background work."""
        if self._idle_after_assistance:
            self._draw_ahead_next_health()

    def _after_assistance(self) -> None:
        """The record's columns that read only the year's incomes, if the thread is idle
        (the registry stages that follow need it little): nothing changes incomes after
        the assistance."""
        self._idle_after_assistance = self.draw_ahead and background.idle()
        if self._idle_after_assistance and self.year > self.base_year:
            self._income_columns = background.submit(self._work_out_income_columns)

    def _record_columns_of_incomes(
        self, income_pc: np.ndarray
    ) -> tuple[IncomeColumns | None, Future]:
        """The year's record columns that read only incomes: the yearly ones (None: not
        worked out yet) and a future of the campaign's columns (`CampaignRecord`), all
        of them. Worked out after the assistance, or the campaign's now on the thread."""
        if self._income_columns is None:
            return None, self._run(self.campaign.indicators, self, income_pc)
        yearly, campaign = self._income_columns.result()
        self._income_columns = None
        return yearly, background.done(self.campaign.registry_columns(self, campaign))

    def _with_the_record(self) -> None:
        """Next year's health draw (unless started at the assistance) and migration draw,
        behind the record's own background work (submitted before)."""
        self._draw_ahead_next_health()
        if self._draws_for_next_year():
            self.streams.generator("migration").draw_ahead_start(self.persons.n, np.float32)

    def _draw_ahead_next_health(self) -> None:
        """The start of next year's health draw (five per person row), once a year."""
        if self._health_started_in == self.year:
            return
        self._health_started_in = self.year
        if self._draws_for_next_year():
            self.streams.generator("health").draw_ahead_start(5 * self.persons.n, np.float32)

    # --- the persons' summaries ------------------------------------------------------------
    def persons_summary(self, key: str, summary):
        """`summary(self)` once per policy year, for a summary that reads only the persons
        (no instrument changes them): from the year after it is first asked for, it is
        computed on the background thread as soon as the economy has run. `summary` is a
        module-level function or an instrument's method (which holds no simulation), so
        that the simulation keeps no reference to itself."""
        if self.draw_ahead:
            self._computed_ahead[key] = summary
        return self.per_year(key, lambda: summary(self))

    if TYPE_CHECKING:  # pragma: no cover - provided by Simulation

        def per_year(self, key: str, compute): ...
        def _advance_schooling_now(self) -> None: ...
        def _clear_last_years_assistance(self) -> None: ...
        def _draw_measurement_noise(self, households: int) -> np.ndarray: ...
        def _draw_shocks_now(self) -> np.ndarray: ...
        def _work_out_income_columns(self) -> tuple[IncomeColumns, NationalIncomeColumns]: ...
