"""The policy year, in order, as data: what `Simulation` runs and `run.py describe` prints.

A year is a sequence of stages; each names the `Simulation` method that runs it. The
assistance stage runs the instruments phase by phase (ASSISTANCE_PHASES), and within a
phase in scenario order; an instrument names its phase (`Intervention.phase`). Changing
the order of a year means changing this file, and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from model.config.scenario import Scenario


@dataclass(frozen=True)
class Stage:
    """One step of a year: its name, the `Simulation` method that runs it, what it does."""

    name: str
    runs: str
    does: str


IDENTIFICATION_YEAR: tuple[Stage, ...] = (
    Stage("economy", "advance_economy",
          "health, migration, shocks, income and expenses; the office's measurement error"),
    Stage("safety_net", "deliver_safety_net_before_registry",
          "instruments that predate the campaign (start_year at or before this year), such "
          "as the dibao and wubao, pay before the registry exists"),
    Stage("identification", "identify_poor",
          "register households that fail the test on measured income, within the quota; "
          "record each one's cause"),
    Stage("poor_villages", "mark_poor_villages",
          "poor villages: high registered incidence with low income or no collective income"),
    Stage("record", "record_identification", "the household panel's first row"),
)  # fmt: skip
"""The identification year (start_year - 1): the registry is built before any assistance."""

YEAR_PLAN: tuple[Stage, ...] = (
    Stage("demography", "advance_demography",
          "ageing, births, deaths, disability; a household whose last member died leaves"),
    Stage("schooling", "advance_schooling", "school progression and dropout"),
    Stage("economy", "advance_economy",
          "health, migration, shocks, income and expenses; the office's measurement error"),
    Stage("assistance", "deliver_assistance",
          "funds open; each instrument proposes, the allocation rule decides what is paid, "
          "phase by phase; funds close and unspent money is idle or carried over"),
    Stage("verification_and_exit", "verify_and_exit",
          "registered households that pass the exit test on measured income (and the "
          "assurances) and the county's exit inspection exit, within the year's exit plan"),
    Stage("registry_review", "review_registry",
          "in a re-check campaign year, households measured well above the line are taken "
          "off the file as wrongly included"),
    Stage("registration", "register_newly_poor",
          "the re-check registers newly poor and relapsed households it detects, and the "
          "dibao's recipients without labour when the two lines are merged"),
    Stage("monitoring", "monitor_households",
          "flag near-line, recently exited and large-medical-bill households"),
    Stage("villages", "exit_poor_villages",
          "poor villages whose registered incidence fell below the threshold exit"),
    Stage("indicators", "record_indicators",
          "yearly indicators, the household panel, and lasting exits of three years back"),
)  # fmt: skip
"""One policy year, in the order `Simulation.step` runs it."""


@dataclass(frozen=True)
class AssistancePhase:
    """A phase of the assistance stage: instruments of one phase run before the next's."""

    name: str
    does: str


ASSISTANCE_PHASES: tuple[AssistancePhase, ...] = (
    AssistancePhase("village_works",
                    "roads, irrigation, water, collective economy, housing: the village first"),
    AssistancePhase("expenses", "medical and schooling costs relieved in the year they fall due"),
    AssistancePhase("development", "projects, credit, jobs, training and relocation raise income"),
    AssistancePhase("transfers", "wubao, temporary relief and asset dividends"),
    AssistancePhase("top_up", "the dibao last: it tops up whatever income the others left"),
)  # fmt: skip
PHASE_ORDER: dict[str, int] = {phase.name: k for k, phase in enumerate(ASSISTANCE_PHASES)}


def phase_rank(phase: str, instrument: str) -> int:
    """Position of `phase` in the year; an unknown phase is a programming error."""
    try:
        return PHASE_ORDER[phase]
    except KeyError:
        raise ValueError(
            f"instrument {instrument!r} declares phase {phase!r}; "
            f"the year has {', '.join(PHASE_ORDER)}"
        ) from None


def describe_year(scenario: Scenario) -> list[str]:
    """The resolved year plan of `scenario` as text lines: every stage in order and, within
    assistance, each instrument (in the order it runs) with its type, fund and phase."""
    from model.interventions import REGISTRY

    lines = [
        f"{scenario.name}: {scenario.years} policy years from {scenario.start_year}, "
        f"identification in {scenario.start_year - 1}",
        "",
        f"identification year ({scenario.start_year - 1}):",
    ]
    lines += [f"  {k}. {stage.name:<22} {stage.does}" for k, stage in
              enumerate(IDENTIFICATION_YEAR, 1)]  # fmt: skip
    last_year = scenario.start_year + scenario.years - 1
    lines += ["", f"each policy year ({scenario.start_year}-{last_year}):"]
    instruments = sorted(
        (PHASE_ORDER[REGISTRY[spec.type].phase], position, spec)
        for position, spec in enumerate(scenario.interventions)
    )
    for k, stage in enumerate(YEAR_PLAN, 1):
        lines.append(f"  {k}. {stage.name:<22} {stage.does}")
        if stage.name != "assistance":
            continue
        lines.append(f"       allocation rule: {scenario.allocation.rule}")
        if not instruments:
            lines.append("       no instruments: nothing is paid")
        for phase in ASSISTANCE_PHASES:
            mine = [spec for rank, _, spec in instruments if rank == PHASE_ORDER[phase.name]]
            if not mine:
                continue
            lines.append(f"       phase {phase.name}: {phase.does}")
            for spec in mine:
                named = f"{spec.name} ({spec.type})" if spec.name else spec.type
                lines.append(f"         - {named}, fund {spec.fund}{_pool_note(scenario, spec)}")
    lines += ["", "funds (yuan a year in the first policy year):"]
    lines += [f"  {line}" for line in fund_lines(scenario)]
    return lines


def _pool_note(scenario: Scenario, spec) -> str:
    """", its own fund only" for an instrument of an integrated fund that the pool does not
    pay for (`allocation.integrated_uses`), else nothing."""
    if not scenario.funds[spec.fund].integrated:
        return ""
    return "" if scenario.allocation.pool_pays_for(spec.label, spec.type) else ", its own fund only"


def fund_lines(scenario: Scenario) -> list[str]:
    """Each fund's first-year money (every amount it has, or `no limit`), carry-over and
    what it may pay for. The amounts are those of `Ledger.allocation`: `yearly` or else
    `yearly_per_household`, plus `yearly_per_registry_person` (known only once the
    registry is, so stated per person)."""
    from model.engine.schedule import value_in_year

    year = scenario.start_year
    lines = []
    for name, fund in scenario.funds.items():
        amounts = []
        if fund.yearly is not None:
            amounts.append(f"{value_in_year(fund.yearly, year):,.0f}")
        elif fund.yearly_per_household is not None:
            per_household = value_in_year(fund.yearly_per_household, year)
            amounts.append(
                f"{per_household * scenario.population.n_households:,.0f} "
                f"({per_household:,.0f} per household)"
            )
        if fund.yearly_per_registry_person is not None:
            per_person = value_in_year(fund.yearly_per_registry_person, year)
            amounts.append(f"{per_person:,.0f} per person on the registry file")
        money = " plus ".join(amounts) if amounts else "no limit"
        uses = "any instrument" if fund.pays_for is None else ", ".join(fund.pays_for)
        carry = "carried over" if fund.carry_over else "returned"
        pooled = "; in the integrated pool" if fund.integrated else ""
        lines.append(f"{name}: {money}; unspent money {carry}{pooled}; pays for {uses}")
    return lines
