"""The levers a county planner decides on, read from a scenario with their allowed ranges.

A lever is one number (or choice) of the scenario the Compare page shows as a control:
fund budgets by anchor year, instrument capacities, the dibao standard as a share of the
line, the exit plan, the monitoring threshold and the income concept of identification.
Each range comes from the scenario schema (pydantic `ge`/`le`/`gt` of model.engine.params
and model.interventions), so a control cannot hold a value the schema would refuse. Where
the schema sets no upper bound (a budget, a capacity), the control stops at a planner's
range stated below; a scenario file may still go beyond it.

`apply_levers` turns the controls' values back into a Scenario through
model.config.scenario.with_overrides, i.e. the schema validates the result again.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass

import annotated_types
from pydantic import BaseModel

from model.config.scenario import Scenario, with_overrides
from model.engine.params.policy import IdentificationParams, MonitoringParams

BUDGET_CEILING_YUAN = 5_000.0
"""Highest yuan per household per year a budget control offers (the schema: at least 0)."""
BUDGET_MULTIPLE = 4.0
"""... or this many times the scenario's own value, when that is higher."""
CAPACITY_CEILING = 2_000
"""Highest capacity (households or villages per year) a control offers (the schema: >= 0)."""
DIBAO_SHARE_CEILING = 1.5
"""Highest dibao standard, as a share of the poverty line (the schema: at least 0)."""
SHARE_CEILING = 1.0
"""A share of households (the exit plan's validator refuses more than 1)."""


@dataclass(frozen=True)
class Lever:
    """One control: the scenario key it sets, its label, value and allowed range.

    `path` is a key path of the scenario (model.config.scenario.set_by_path); `year` is set
    when the lever is one anchor year of a schedule at `path`. `choices` makes it a choice
    among texts instead of a number.
    """

    group: str
    label: str
    path: str
    value: float | str
    low: float = 0.0
    high: float = 1.0
    step: float = 0.01
    whole: bool = False
    year: int | None = None
    choices: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """A unique name of the control (path, and the year of a schedule entry)."""
        return self.path if self.year is None else f"{self.path}@{self.year}"


def field_bounds(model: type[BaseModel], name: str) -> tuple[float | None, float | None]:
    """(lowest, highest) value the schema allows for `model.name`, from its ge/gt/le/lt."""
    low = high = None
    for constraint in model.model_fields[name].metadata:
        if isinstance(constraint, annotated_types.Ge | annotated_types.Gt):
            low = float(getattr(constraint, "ge", getattr(constraint, "gt", None)))
        elif isinstance(constraint, annotated_types.Le | annotated_types.Lt):
            high = float(getattr(constraint, "le", getattr(constraint, "lt", None)))
    return low, high


def literal_choices(model: type[BaseModel], name: str) -> tuple[str, ...]:
    """The values a Literal field of the schema allows."""
    return tuple(typing.get_args(model.model_fields[name].annotation))


def schedule_levers(
    group: str, label: str, path: str, schedule: dict[int, float], low: float, high: float,
    step: float,
) -> list[Lever]:
    """One lever per anchor year of a schedule (a constant schedule is one lever)."""
    levers = []
    for year, value in schedule.items():
        when = "every year" if year == 1900 else f"from {year}"
        levers.append(
            Lever(group, f"{label}, {when}", path, float(value), low, max(high, value), step,
                  year=year)
        )  # fmt: skip
    return levers


def fund_levers(scenario: Scenario) -> list[Lever]:
    """Budgets of the funds that have one, in yuan per registry person, per household (or
    yuan) per year."""
    levers = []
    per_unit = ("yearly_per_registry_person", "yearly_per_household")
    for name, fund in scenario.funds.items():
        for field, unit in (
            ("yearly_per_registry_person", "yuan per registry person"),
            ("yearly_per_household", "yuan per household"),
            ("yearly", "yuan"),
        ):
            schedule = getattr(fund, field)
            if schedule is None:
                continue
            ceiling = BUDGET_CEILING_YUAN if field in per_unit else 1e9
            high = max(ceiling, BUDGET_MULTIPLE * max(schedule.values()))
            step = 10.0 if field in per_unit else 10_000.0
            levers += schedule_levers(
                "Fund budgets", f"{name} fund ({unit} per year)", f"funds.{name}.{field}",
                schedule, 0.0, high, step,
            )  # fmt: skip
    return levers


def instrument_levers(scenario: Scenario) -> list[Lever]:
    """Each limited instrument's capacity, and the dibao standard as a share of the line."""
    levers = []
    for index, spec in enumerate(scenario.interventions):
        for field in ("capacity_households_per_year", "capacity_villages_per_year"):
            value = getattr(spec, field, None)
            if value is None:
                continue
            low, high = field_bounds(type(spec), field)
            high = high if high is not None else max(CAPACITY_CEILING, 4 * value)
            unit = "villages" if "villages" in field else "households"
            levers.append(
                Lever("Instrument capacities", f"{spec.label} ({unit} per year)",
                      f"interventions.{index}.{field}", value, low or 0.0, high, 1, whole=True)
            )  # fmt: skip
        if spec.type == "dibao":
            levers += schedule_levers(
                "Dibao standard", f"{spec.label}: standard as a share of the poverty line",
                f"interventions.{index}.standard_share_of_line", spec.standard_share_of_line,
                0.0, DIBAO_SHARE_CEILING, 0.01,
            )  # fmt: skip
    return levers


def policy_levers(scenario: Scenario) -> list[Lever]:
    """The exit plan, the monitoring threshold and the income concept of identification."""
    policy = scenario.policy
    levers = []
    if policy.exit.planned_share is not None:
        levers += schedule_levers(
            "Exit plan", "most registered households exiting in a year (share)",
            "policy.exit.planned_share", policy.exit.planned_share, 0.0, SHARE_CEILING, 0.01,
        )  # fmt: skip
    low, high = field_bounds(MonitoringParams, "near_line_multiple")
    levers.append(
        Lever("Monitoring", "watch non-registered households below this many poverty lines",
              "policy.monitoring.near_line_multiple", policy.monitoring.near_line_multiple,
              low, high, 0.05)
    )  # fmt: skip
    levers.append(
        Lever("Identification", "income concept the office tests",
              "policy.identification.income_concept", policy.identification.income_concept,
              choices=literal_choices(IdentificationParams, "income_concept"))
    )  # fmt: skip
    return levers


def scenario_levers(scenario: Scenario) -> list[Lever]:
    """Every lever of `scenario`, in the order the page shows them."""
    return fund_levers(scenario) + instrument_levers(scenario) + policy_levers(scenario)


def apply_levers(scenario: Scenario, levers: list[Lever], values: dict[str, object]) -> Scenario:
    """`scenario` with each lever set to `values[lever.key]` (levers absent keep theirs),
    validated again by the schema (a ScenarioError names any value it refuses)."""
    overrides: dict[str, object] = {}
    for lever in levers:
        if lever.key not in values:
            continue
        value = values[lever.key]
        if lever.whole:
            value = int(round(float(value)))
        elif not lever.choices:
            value = float(value)
        if lever.year is None:
            overrides[lever.path] = value
        else:
            schedule = overrides.setdefault(lever.path, dict(current_schedule(scenario, lever)))
            schedule[lever.year] = value
    return with_overrides(scenario, overrides)


def current_schedule(scenario: Scenario, lever: Lever) -> dict[int, float]:
    """The schedule at `lever.path` in `scenario` (a mapping of year to value)."""
    node: object = scenario
    for part in lever.path.split("."):
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node[part]
        else:
            node = getattr(node, part)
    return dict(node)
