"""The poverty office's registry: the stages of a year in which it identifies, verifies,
re-checks and monitors households, and marks and exits poor villages.

In the identification year the office registers the poor on measured income and marks the
poor villages; in each policy year, after assistance, it verifies and exits households
(with the county's exit inspection), takes the wrongly included off the file in a re-check
campaign year, registers the newly poor and relapsed it detects, flags households to
monitor, and exits poor villages (model.simulation.year lists the stages). `Simulation` is
a `RegistryStages`; this part needs its `households`, `villages`, `scenario`, `streams`,
`year`, `events` and `poverty_line`, the year's draws (`_detection_draw`,
`_measurement_noise`), who was registered when assistance began (`_registered_at_start`),
the dibao's `merged_with_registry`, and the incomes of its `YearIncomes` part.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from model.engine import policy
from model.engine.schedule import value_in_year
from model.engine.state import CAUSE_NONE, NEVER

if TYPE_CHECKING:  # pragma: no cover
    from model.config.scenario import Scenario
    from model.engine.rng import Streams
    from model.engine.state import Households, Villages


class RegistryStages:
    """The registry part of `Simulation`: the office's stages of the identification year
    and of each policy year, and the helpers only they use."""

    households: Households
    villages: Villages
    scenario: Scenario
    streams: Streams
    year: int
    events: dict[str, np.ndarray]
    poverty_line: float  # a property of Simulation
    merged_with_registry: np.ndarray | None  # set by a merged dibao
    _detection_draw: np.ndarray  # the re-check's draw this year, per household
    _measurement_noise: np.ndarray  # the office's error this year, per household
    _registered_at_start: np.ndarray  # registered and active when assistance began
    # the year's incomes (YearIncomes)
    total_income: Callable[[], np.ndarray]
    net_income_per_capita: Callable[[], np.ndarray]
    measured_income_per_capita: Callable[[], np.ndarray]
    assistance_counted: Callable[[], np.ndarray]

    # --- the identification year (IDENTIFICATION_YEAR) ---------------------------------
    def identify_poor(self) -> None:
        """Register and diagnose on measured income, before any assistance."""
        self._register(self.measured_income_per_capita(), relapse_allowed=False)

    def mark_poor_villages(self) -> None:
        """'One high, one low, one none': incidence at least twice the average, per-capita
        income below 60% of the average, no collective-economy income (docs/sources.md). The
        incidence test is required with either of the other two: requiring all three leaves
        a synthetic county with almost no poor village, while the reports count 23-90 per
        county. The incidence reference is the province's, a parameter, since the county
        simulated is poorer."""
        h, v = self.households, self.villages
        rules = self.scenario.policy.villages
        incidence = policy.registered_incidence_by_village(h, v.n)
        persons = np.bincount(h.village, weights=h.size, minlength=v.n)
        income = np.bincount(h.village, weights=self.total_income(), minlength=v.n)
        income_pc = np.divide(income, persons, out=np.zeros(v.n), where=persons > 0)
        mean_incidence = rules.provincial_incidence
        if mean_incidence is None:
            mean_incidence = h.registered @ h.size / max(h.size.sum(), 1)
        mean_income = income.sum() / max(persons.sum(), 1)
        high_incidence = incidence >= rules.poor_village_incidence_multiple * mean_incidence
        low_income = income_pc < rules.poor_village_income_share * mean_income
        no_collective = v.collective_income <= 0
        v.poor_village[:] = high_incidence & (low_income | no_collective)

    def _register(self, measured: np.ndarray, relapse_allowed: bool) -> None:
        h = self.households
        line = self.poverty_line
        assurances = policy.assurances_hold(h)
        fails = policy.fails_registration_test(
            measured, line, assurances, self.scenario.policy.identification
        )
        candidates = h.active & ~h.registered & fails
        if relapse_allowed:  # after the identification year, only what the re-check finds
            ident = self.scenario.policy.identification
            recheck = ident.recheck_campaign_detection.get(self.year, ident.recheck_detection)
            detection = np.where(h.monitored, ident.monitored_detection, recheck)
            found = self._detection_draw < detection
            if self.merged_with_registry is not None:  # 'two lines merged' (dibao)
                found |= self.merged_with_registry
            candidates &= found
        candidates = np.flatnonzero(candidates)
        candidates = policy.select_within_quota(
            candidates,
            measured,
            np.count_nonzero(h.registered & h.active),
            np.count_nonzero(h.active),
            self.scenario.policy.identification.quota_share,
        )
        exited_before = h.exit_year[candidates] != NEVER
        relapsed = candidates[exited_before] if relapse_allowed else candidates[:0]
        h.registered[candidates] = True
        h.registered_year[candidates] = self.year
        h.cause[candidates] = policy.diagnose_cause(
            h, candidates, line, self.scenario.policy.diagnosis
        )
        h.relapses[relapsed] += 1
        self.events["registered"] = candidates
        self.events["relapsed"] = relapsed
        self.events["relapse_years_since_exit"] = self.year - h.exit_year[relapsed].astype(np.int32)

    # --- a policy year (YEAR_PLAN) -------------------------------------------------------
    def verify_and_exit(self) -> None:
        """Year-end verification on the income the year produced: registered households
        that pass the exit test exit, highest measured income first, within the plan."""
        h = self.households
        measured = self.measured_income_per_capita()
        line = self.poverty_line
        assurances = policy.assurances_hold(h)
        exit_rules = self.scenario.policy.exit
        registered_at_start = self._registered_at_start
        passing = np.flatnonzero(
            registered_at_start
            & (h.registered_year < self.year)
            & policy.passes_exit_test(
                measured, line, assurances, exit_rules.income_margin, exit_rules.require_assurances
            )
        )
        planned = None
        if exit_rules.planned_share is not None:
            share = min(value_in_year(exit_rules.planned_share, self.year), 1.0)
            planned = int(np.floor(share * np.count_nonzero(registered_at_start) + 1e-9))
        passing = self._inspected(passing)
        exits = policy.select_planned_exits(passing, measured, planned)
        h.registered[exits] = False
        h.exit_year[exits] = self.year
        h.exits[exits] += 1
        h.exit_channel[exits] = policy.attribute_exits(
            measured[exits],
            self._measurement_noise[exits],
            h.size[exits],
            self.assistance_counted()[:, exits],
            (1 + exit_rules.income_margin) * line,
        )
        self.events["exited"] = exits
        self.events["registered_at_start"] = registered_at_start

    def _inspected(self, passing: np.ndarray) -> np.ndarray:
        """The households of `passing` that also pass the county's exit inspection, which
        re-measures net per-capita income with its own error (policy.exit.inspection_error_sd);
        all of them when there is no inspection. Draws for every household (CRN)."""
        rules = self.scenario.policy.exit
        z = self.streams.generator("exit_inspection").standard_normal(self.households.n)
        if rules.inspection_error_sd is None:
            return passing
        sd = rules.inspection_error_sd
        inspected = self.net_income_per_capita()[passing] * np.exp(sd * z[passing] - 0.5 * sd**2)
        return passing[inspected >= (1 + rules.income_margin) * self.poverty_line]

    def review_registry(self) -> None:
        """A re-check campaign year (policy.identification.rebuild_removal_share) removes
        registered households measured above the removal threshold, each with the year's
        chance: wrongly included, taken off the file (not exits). Draws for every household."""
        h = self.households
        ident = self.scenario.policy.identification
        draw = self.streams.generator("registry_rebuild").random(h.n)
        share = ident.rebuild_removal_share.get(self.year, 0.0)
        removed = np.zeros(0, dtype=np.int64)
        if share > 0:
            measured = self.measured_income_per_capita()
            above = measured >= ident.rebuild_removal_income_multiple * self.poverty_line
            keep = self._registered_at_start & h.registered & (h.registered_year < self.year)
            removed = np.flatnonzero(keep & above & (draw < share))
            h.registered[removed] = False
            h.registered_year[removed] = NEVER
            h.cause[removed] = CAUSE_NONE
        self.events["removed"] = removed

    def register_newly_poor(self) -> None:
        """The re-check: newly poor and relapsed households it detects are registered."""
        self._register(self.measured_income_per_capita(), relapse_allowed=True)

    def monitor_households(self) -> None:
        """Flag near-line, recently exited and large-medical-bill households for next year."""
        h = self.households
        h.monitored[:] = policy.monitoring_flags(
            h,
            self.measured_income_per_capita(),
            self.poverty_line,
            self.year,
            self.total_income(),
            self.scenario.policy.monitoring,
        )

    def exit_poor_villages(self) -> None:
        """Poor villages whose registered incidence fell below the threshold exit."""
        v = self.villages
        incidence = policy.registered_incidence_by_village(self.households, v.n)
        threshold = self.scenario.policy.villages.exit_incidence_threshold
        exiting = v.poor_village & (v.exit_year == NEVER) & (incidence < threshold)
        v.exit_year[exiting] = self.year
