"""Scenarios: the root schema, validation with its messages, overrides by key path.

A scenario is YAML validated into a `Scenario` before anything runs; reading the files
and merging their `extends:` chain is model/config/scenario_files.py. Every problem is
reported at once, each naming the file that set the key, the key path and what is
allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from model.config.expectations import Expectation
from model.config.scenario_files import load_raw
from model.engine.finite import SEED_MAX
from model.engine.params import (
    AllocationParams,
    DynamicsParams,
    FundParams,
    PolicyParams,
    PopulationParams,
)
from model.engine.params.base import Schedule, Strict, _check_positive_schedule
from model.errors import ScenarioError
from model.interventions import REGISTRY

DEFAULT_FUNDS = ("general", "civil_affairs")

InterventionSpec = Annotated[
    Union[tuple(cls.config_class for cls in REGISTRY.values())],  # noqa: UP007
    Field(discriminator="type"),
]


class Scenario(Strict):
    """A fully resolved scenario: everything a run needs besides the seed."""

    name: str = "unnamed"
    description: str = ""
    seed: int = Field(
        2014, ge=0, le=SEED_MAX, description="default seed, 0 to 2**63-1; --seed overrides"
    )
    start_year: int = Field(
        2014,
        ge=1900,
        le=2200,
        description="first policy year; identification happens the year before",
    )
    years: int = Field(
        7, ge=1, le=200, description="policy years simulated (sources.md: 2014-2020)"
    )
    poverty_line: Schedule = Field(
        {2013: 2736, 2018: 3535},
        description="yuan per person per year; sources.md: 2736 applied at identification, "
        "3535 in 2018",
    )
    national_poverty_line: Schedule = Field(
        {2013: 2736, 2014: 2800, 2015: 2855, 2016: 2952, 2019: 3218},
        description="the national line (2010 standard) in current yuan per person, against "
        "which the indicators count the poor as the National Bureau of Statistics does; NBS "
        "rural poverty monitoring reports (2013 2736, 2014 2800, 2015 2855, 2016 2952, 2019 "
        "3218); 2017-2018 interpolated, 2020 extended at the 2016-2019 rate (docs/sources.md)",
    )
    national_income_concept: Literal["disposable", "net"] = Field(
        "disposable",
        description="true income the national-line indicators count: disposable income from "
        "all sources, as the NBS rural household survey and the CFPS count it (medical and "
        "school spending not deducted; default), or the model's net income after out-of-pocket "
        "medical and school spending (the truth the registry indicators use)",
    )
    population: PopulationParams = PopulationParams()
    dynamics: DynamicsParams = DynamicsParams()
    policy: PolicyParams = PolicyParams()
    funds: dict[str, FundParams] = Field(
        default_factory=lambda: {name: FundParams() for name in DEFAULT_FUNDS},
        description="fund sources; 'general' and 'civil_affairs' always exist (no limit "
        "unless set), so a scenario only names the funds it limits or adds",
    )
    interventions: list[InterventionSpec] = Field(default_factory=list)
    allocation: AllocationParams = AllocationParams()
    expect: list[Expectation] = Field(
        default_factory=list,
        exclude=True,
        description="what the scenario's runs must show, checked by `run.py test` "
        "(model/config/expectations.py); not part of what runs: left out of the resolved "
        "scenario and not inherited through extends:",
    )

    _line = field_validator("poverty_line", "national_poverty_line")(_check_positive_schedule)

    @field_validator("funds", mode="before")
    @classmethod
    def _keep_default_funds(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {**{name: {} for name in DEFAULT_FUNDS}, **value}
        return value

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        labels = [spec.label for spec in self.interventions]
        for i, spec in enumerate(self.interventions):
            if spec.fund not in self.funds:
                raise ValueError(
                    f"interventions.{i}.fund: fund {spec.fund!r} is not defined; "
                    f"defined funds: {', '.join(sorted(self.funds)) or 'none'}"
                )
            if labels.count(spec.label) > 1:
                raise ValueError(
                    f"interventions.{i}.name: {spec.label!r} is used twice; give each "
                    "instrument a distinct name"
                )
        if self.population.source == "csv" and not self.population.households_csv:
            raise ValueError(
                "population.source: csv needs population.households_csv (the household "
                "table, relative to the scenario file); allowed: set households_csv, or "
                "source: synthetic"
            )
        self._check_fund_uses(labels)
        self._check_allocation(labels)
        return self

    def _check_fund_uses(self, labels: list[str]) -> None:
        for fund_name, fund in self.funds.items():
            if fund.pays_for is not None:
                _refuse_unknown_names(
                    f"funds.{fund_name}.pays_for", fund.pays_for, labels,
                    f"; types: {', '.join(sorted(REGISTRY))}",
                )  # fmt: skip
        for i, spec in enumerate(self.interventions):
            uses = self.funds[spec.fund].pays_for
            if uses is not None and spec.label not in uses and spec.type not in uses:
                raise ValueError(
                    f"interventions.{i}.fund: fund {spec.fund!r} may only pay for "
                    f"{', '.join(uses) or 'nothing'}; not for {spec.label!r} ({spec.type})"
                )

    def _check_allocation(self, labels: list[str]) -> None:
        allocation = self.allocation
        fund_of = {spec.label: spec.fund for spec in self.interventions}
        for name in allocation.shares:
            if name not in fund_of:
                raise ValueError(
                    f"allocation.shares.{name}: no instrument is named {name!r}; instruments: "
                    f"{', '.join(labels) or 'none'}"
                )
        totals: dict[str, float] = {}
        for name, share in allocation.shares.items():
            totals[fund_of[name]] = totals.get(fund_of[name], 0.0) + share
        for fund_name, total in totals.items():
            if total > 1 + 1e-9:
                raise ValueError(
                    f"allocation.shares: the shares of fund {fund_name!r} sum to {total:g}; "
                    "they may sum to at most 1"
                )
        for cause, names in (allocation.cause_map or {}).items():
            _refuse_unknown_names(f"allocation.cause_map.{cause}", names, labels)
        if allocation.integrated_uses is None:
            return
        _refuse_unknown_names("allocation.integrated_uses", allocation.integrated_uses, labels)
        for j, name in enumerate(allocation.reallocate_to):
            for spec in self.interventions:
                if name in (spec.label, spec.type) and not allocation.pool_pays_for(
                    spec.label, spec.type
                ):
                    raise ValueError(
                        f"allocation.reallocate_to.{j}: {name!r} is offered the integrated "
                        f"pool's unspent money, so allocation.integrated_uses must list it "
                        f"(by name {spec.label!r} or type {spec.type!r})"
                    )

    def to_yaml(self) -> str:
        """The resolved scenario as YAML; loading it again gives an equal Scenario."""
        return yaml.safe_dump(self.model_dump(mode="python"), sort_keys=False, allow_unicode=True)


def _refuse_unknown_names(path: str, names: list[str], labels: list[str], hint: str = "") -> None:
    """Refuse the first of `names` (at key `path`) that is neither an instrument type nor one
    of the scenario's instrument `labels`; `hint` ends the message."""
    known = set(labels) | set(REGISTRY)
    for j, name in enumerate(names):
        if name not in known:
            raise ValueError(
                f"{path}.{j}: {name!r} is neither an instrument type nor the name of an "
                f"instrument in this scenario{hint}"
            )


# --- validation and loading ----------------------------------------------------------


def _format_loc(loc: tuple) -> tuple:
    """Drop pydantic's union-tag element (interventions.0.dibao.x -> interventions.0.x)."""
    out: list = []
    for i, part in enumerate(loc):
        if (
            i >= 2
            and isinstance(loc[i - 1], int)
            and loc[i - 2] == "interventions"
            and part in REGISTRY
        ):
            continue
        out.append(part)
    return tuple(out)


def _allowed_keys(raw: dict, loc: tuple) -> list[str] | None:
    """Keys allowed at the mapping that holds `loc[-1]`, for 'unknown key' messages."""
    cls: type[BaseModel] | None = Scenario
    data: Any = raw
    parts = list(loc[:-1])
    while parts:
        part = parts.pop(0)
        if cls is None:
            return None
        if part == "expect":  # expect.<index>.<key>
            parts = parts[1:]
            cls = Expectation
            continue
        if isinstance(part, int):  # an intervention: its type picks the config class
            data = data[part] if isinstance(data, list) and part < len(data) else {}
            spec_type = data.get("type") if isinstance(data, dict) else None
            cls = REGISTRY[spec_type].config_class if spec_type in REGISTRY else None
            continue
        if part not in cls.model_fields:
            return None
        data = data.get(part) if isinstance(data, dict) else None
        if part == "funds" and parts:  # funds.<name>.<key>
            parts.pop(0)
            cls = FundParams
            continue
        annotation = cls.model_fields[part].annotation
        if part != "interventions":
            cls = (
                annotation
                if isinstance(annotation, type) and issubclass(annotation, BaseModel)
                else None
            )
    return sorted(cls.model_fields) if cls is not None else None


def _problems(exc: ValidationError, raw: dict, origin: dict, file: str) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = _format_loc(tuple(err["loc"]))
        key_path = ".".join(str(p) for p in loc) or "(top level)"
        source = file
        for cut in range(len(loc), 0, -1):
            if loc[:cut] in origin:
                source = origin[loc[:cut]]
                break
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(raw, loc)
            message = "unknown key" + (
                f"; allowed keys here: {', '.join(allowed)}" if allowed else ""
            )
        elif err["type"] == "union_tag_invalid":
            message = (
                f"unknown intervention type {err['ctx']['tag']!r}; known types: "
                f"{', '.join(sorted(REGISTRY))}"
            )
        elif err["type"] == "union_tag_not_found":
            message = f"missing 'type'; known types: {', '.join(sorted(REGISTRY))}"
        elif err["type"] == "value_error":
            message = message.removeprefix("Value error, ")
            if ": " in message and message.split(": ", 1)[0].count(".") >= 1 and loc == ():
                key_path, message = message.split(": ", 1)
                parts = tuple(int(p) if p.isdigit() else p for p in key_path.split("."))
                for cut in range(len(parts), 0, -1):
                    if parts[:cut] in origin:
                        source = origin[parts[:cut]]
                        break
            head, sep, rest = message.partition(": ")
            if loc[:1] == ("expect",) and sep and head.isidentifier():  # the key it names
                key_path, message = f"{key_path}.{head}", rest
        elif "input" in err and not isinstance(err["input"], dict | list):
            message += f" (got {err['input']!r})"
        problems.append(f"{source}: {key_path}: {message}")
    return problems


def validate_data(raw: dict, origin: dict | None = None, file: str = "<scenario>") -> Scenario:
    """Validate an already merged mapping; raise ScenarioError listing every problem."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_problems(exc, raw, origin or {}, file)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Load, merge (`extends:`) and validate a scenario file."""
    path = Path(path)
    origin: dict = {}
    raw = load_raw(path, origin, (), None)
    return validate_data(raw, origin, str(path.resolve()))


def set_by_path(raw: dict, key_path: str, value: Any) -> None:
    """Set `a.b.c` (list items by index) in a nested mapping, creating mappings as needed."""
    parts = key_path.split(".")
    node: Any = raw
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[int(part)]
        else:
            node = node.setdefault(part, {})
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def resolve_key(tree: Any, key: str) -> tuple[str | None, str | None]:
    """(key path with instruments by index, None), or (None, what is wrong; what is allowed).
    `tree` is `scenario.model_dump(mode="python")`; a key must end at a value, not a section."""
    node, resolved = tree, []
    for part in key.split("."):
        where = ".".join(resolved) or "the top level"
        if isinstance(node, list):
            names = [i.get("name") or i.get("type") if isinstance(i, dict) else None for i in node]
            index = int(part) if part.isdigit() and int(part) < len(node) else None
            index = names.index(part) if index is None and part in names else index
            if index is None:
                named = [n for n in names if n]
                return None, (
                    f"{where} has no item {part!r}; allowed: an index 0..{len(node) - 1}"
                    + (f" or a name: {', '.join(named)}" if named else "")
                )
            node, part = node[index], str(index)
        elif isinstance(node, dict):
            found = int(part) if part.isdigit() and int(part) in node else part
            if found not in node:
                allowed = ", ".join(map(str, node)) or "none"
                return None, f"{where} has no key {part!r}; allowed keys there: {allowed}"
            node = node[found]
        else:
            return None, f"{where} is a value ({node!r}); it has no key {part!r}"
        resolved.append(part)
    if isinstance(node, list) or (isinstance(node, dict) and all(isinstance(k, str) for k in node)):
        keys = ", ".join(map(str, node if isinstance(node, dict) else range(len(node))))
        return None, f"{key} is a section, not a value; give one of its keys: {keys or 'none'}"
    return ".".join(resolved), None


def with_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A new Scenario with values replaced by key path (e.g. `population.n_households`)."""
    if not overrides:
        return scenario
    raw = scenario.model_dump(mode="python")
    for key_path, value in overrides.items():
        set_by_path(raw, key_path, value)
    # the expectations are not part of the dump (they do not run); keep them
    return validate_data(raw, file="command line").model_copy(update={"expect": scenario.expect})
