"""Calibration input files: the targets (what the model must reproduce) and the free
parameters (what calibration may move, within which bounds), and their checks.

A targets file lists moments with the figure a county observed, a weight, a tolerance
and the source. A moment is an *indicator* read from a replicate's yearly table -- a
`yearly.csv` column, a derived ratio of columns (DERIVED_INDICATORS), or a headline
figure of `model.analysis.replicates.headline` -- at a *year*: "first", "final", "mean" (over
the policy years) or a calendar year; headline figures are whole-run figures and take
no year. The parameters file lists scenario key paths (the sweep syntax: instruments by
name or index) with lower and upper bounds, and how each evaluation runs (seed,
replicates, households, years) and searches (global design, local optimiser, starts).

Every problem is reported at once, each naming the file, the key path and what is
allowed, as a CalibrationError (exit code 2).
"""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, PrivateAttr, ValidationError, model_validator

from model.analysis.moments import (  # the moment vocabulary, shared with expectations
    DERIVED_INDICATORS,
    YEAR_STATISTICS,  # noqa: F401 (re-exported)
    allowed_indicators,
    read_moments,
)
from model.config.scenario import Scenario, _read_yaml, set_by_path, validate_data
from model.engine.finite import SEED_MAX
from model.errors import ScenarioError
from model.sweeps.factors import SweepModel

NOT_CONTINUOUS = ("valid integer", "valid boolean", "valid string", "fractional part")
"""Words of a validation error saying a key does not hold a decimal number."""


class CalibrationError(ScenarioError):
    """Problems in a targets or parameters file (or in the scenario it applies to)."""

    what = "calibration input"


# --- targets ---------------------------------------------------------------------------


FITTED_SCENARIO = "baseline"
"""Scenario name of the targets read in the scenario being fitted (--scenario)."""


class Target(SweepModel):
    """One moment to reproduce: `indicator` at `year`, observed `value`.

    Loss contribution: weight x ((simulated mean - value) / scale)^2, with scale = the
    tolerance unless given, so a target missed by exactly its tolerance adds its weight.
    """

    name: str | None = Field(None, description="label in the fit table; default the indicator")
    indicator: str = Field(description="a yearly.csv column, a derived ratio or a headline figure")
    year: Literal["first", "final", "mean"] | int | None = Field(
        None, description="first | final | mean | a calendar year; none for headline figures"
    )
    value: float = Field(description="the observed figure, in the indicator's unit")
    tolerance: float = Field(gt=0, description="the fit passes when |simulated - value| <= this")
    scale: float | None = Field(None, gt=0, description="loss unit; default the tolerance")
    weight: float = Field(1.0, ge=0, description="weight of the squared scaled deviation")
    source: str = Field(min_length=1, description="where the figure comes from")
    scenario: str = Field(
        FITTED_SCENARIO,
        description="the run it is read in: 'baseline' (the scenario being fitted, --scenario) "
        "or a name of the targets file's `scenarios` (e.g. the campaign); the free parameters "
        "are set in every run, and the loss sums the targets of all runs",
    )

    @property
    def label(self) -> str:
        return self.name or self.indicator

    @property
    def loss_scale(self) -> float:
        return self.scale if self.scale is not None else self.tolerance


def refuse_repeats(values: list, message: str) -> None:
    """ValueError listing every value seen before in `values` (message formatted with its
    index `i` and `value`), so a file's repeated names are all reported at once."""
    problems = [
        message.format(i=i, value=value) for i, value in enumerate(values) if value in values[:i]
    ]
    if problems:
        raise ValueError("\n".join(problems))


class TargetsFile(SweepModel):
    """A validated targets file (`file`: the path errors name)."""

    name: str
    description: str = ""
    targets: list[Target] = Field(min_length=1)
    scenarios: dict[str, str] = Field(
        default_factory=dict,
        description="other runs targets may be read in: name -> scenario file (relative to "
        "this file), e.g. campaign: ../scenarios/five_batches.yaml; each runs with the free "
        "parameters set, on the evaluation's seed, replicates, households and years",
    )
    _file: str = PrivateAttr("<targets>")

    @model_validator(mode="after")
    def _distinct_labels(self) -> TargetsFile:
        refuse_repeats(
            [t.label for t in self.targets],
            "targets.{i}.name: {value!r} is used twice; give each target a distinct name",
        )
        problems = [
            f"targets.{i}.scenario: {t.scenario!r} is not a scenario of this file; allowed: "
            f"{', '.join([FITTED_SCENARIO, *self.scenarios])}"
            for i, t in enumerate(self.targets)
            if t.scenario != FITTED_SCENARIO and t.scenario not in self.scenarios
        ]
        if FITTED_SCENARIO in self.scenarios:
            problems.append(f"scenarios.{FITTED_SCENARIO}: the name of the fitted scenario")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def scenario_names(self) -> list[str]:
        """The runs an evaluation makes: the fitted scenario first, then the others that
        some target is read in, in the file's order."""
        used = {t.scenario for t in self.targets}
        return [FITTED_SCENARIO, *[name for name in self.scenarios if name in used]]

    def scenario_path(self, name: str) -> Path:
        """The file of scenario `name` (relative paths are relative to this file)."""
        return (Path(self.file).parent / self.scenarios[name]).resolve()

    def subset(self, name: str) -> TargetsFile:
        """The targets read in scenario `name`, as a targets file of their own."""
        chosen = [t for t in self.targets if t.scenario == name]
        copy_ = TargetsFile.model_construct(
            name=self.name, description=self.description, targets=chosen, scenarios={}
        )
        copy_._file = self._file
        return copy_

    @property
    def file(self) -> str:
        return self._file


# --- free parameters and the search ------------------------------------------------------


class FreeParameter(SweepModel):
    """A scenario key calibration may move, within [lower, upper] (both required)."""

    key: str = Field(pattern=r"^[^.\s]+(\.[^.\s]+)*$", description="scenario key path")
    lower: float
    upper: float
    log_scale: bool = Field(False, description="search uniformly in log(value); needs lower > 0")
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> FreeParameter:
        if not self.lower < self.upper:
            raise ValueError(
                f"upper: must be above lower (got lower {self.lower:g}, upper {self.upper:g})"
            )
        if self.log_scale and self.lower <= 0:
            raise ValueError(f"lower: log_scale needs lower > 0 (got {self.lower:g})")
        return self

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Values at unit coordinates u in [0, 1] (log-uniform when log_scale)."""
        u = np.clip(np.asarray(u, dtype=np.float64), 0.0, 1.0)
        if self.log_scale:
            return np.exp(math.log(self.lower) + u * (math.log(self.upper) - math.log(self.lower)))
        return self.lower + u * (self.upper - self.lower)

    def to_unit(self, value: float) -> float:
        if self.log_scale:
            return (math.log(value) - math.log(self.lower)) / (
                math.log(self.upper) - math.log(self.lower)
            )
        return (value - self.lower) / (self.upper - self.lower)


class Evaluation(SweepModel):
    """How one evaluation simulates: replicates 0..R-1 of `seed` at every parameter vector
    (common random numbers, so the loss changes only through the parameters)."""

    seed: int = Field(2014, ge=0, le=SEED_MAX)
    replicates: int = Field(4, ge=1, le=1000)
    households: int | None = Field(None, ge=1, description="overrides population.n_households")
    years: int | None = Field(None, ge=1, description="overrides years")


class GlobalStage(SweepModel):
    method: Literal["sobol", "lhs"] = "sobol"
    points: int = Field(32, ge=1, le=100_000)


class LocalStage(SweepModel):
    method: Literal["powell", "nelder-mead"] = "powell"
    max_evaluations: int = Field(120, ge=0, le=100_000, description="per start")
    tolerance: float = Field(
        1e-3, gt=0, description="stop when the parameters (unit coordinates) move less"
    )


class Search(SweepModel):
    global_stage: GlobalStage = Field(GlobalStage(), alias="global")
    local_stage: LocalStage = Field(LocalStage(), alias="local")
    starts: int = Field(
        3, ge=1, le=20, description="independent global designs, each then refined locally"
    )
    not_pinned_share: float = Field(
        0.1,
        gt=0,
        le=1,
        description="identifiability: a parameter whose fitted values over the starts spread "
        "more than this share of its bounds range is flagged not_pinned_down",
    )
    equivalent_loss: float = Field(
        1.0,
        ge=0,
        description="identifiability compares the starts whose loss is within this of the "
        "best (1 = one weight-1 target missed by its tolerance); a worse start stopped in "
        "another minimum and says nothing about identifiability",
    )


class ParametersFile(SweepModel):
    """A validated parameters file (`file`: the path errors name)."""

    name: str
    description: str = ""
    parameters: list[FreeParameter] = Field(min_length=1)
    evaluation: Evaluation = Evaluation()
    search: Search = Search()
    _file: str = PrivateAttr("<parameters>")

    @model_validator(mode="after")
    def _distinct_keys(self) -> ParametersFile:
        refuse_repeats(
            [p.key for p in self.parameters],
            "parameters.{i}.key: {value} is listed twice; allowed: once",
        )
        return self

    @property
    def file(self) -> str:
        return self._file


# --- loading -----------------------------------------------------------------------------


def _allowed_keys(cls: type, loc: tuple) -> list[str]:
    """Keys allowed in the mapping holding loc[-1] (field aliases as written in the file)."""
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = {f.alias or n: f for n, f in cls.model_fields.items()}
        annotation = fields[part].annotation if part in fields else None
        inner = [annotation, *getattr(annotation, "__args__", ())]
        models = [t for t in inner if isinstance(t, type) and issubclass(t, SweepModel)]
        if not models:
            return []
        cls = models[0]
    return [f.alias or n for n, f in cls.model_fields.items()]


def _schema_problems(exc: ValidationError, file: str, cls: type) -> list[str]:
    """One 'FILE: key.path: what is wrong' per pydantic error of a targets/parameters file."""
    problems = []
    for err in exc.errors():
        loc, message = ".".join(map(str, err["loc"])) or "(top level)", err["msg"]
        if err["type"] == "extra_forbidden":
            message = f"unknown key; allowed here: {', '.join(_allowed_keys(cls, err['loc']))}"
        elif err["type"] == "value_error":
            for line in message.removeprefix("Value error, ").splitlines():
                head, sep, rest = line.partition(": ")
                sub = f".{head}" if sep and re.fullmatch(r"[\w.]+", head) else ""
                problems.append(f"{file}: {loc}{sub}: {rest if sub else line}")
            continue
        elif err["type"] == "missing":
            message = "required (missing)"
        elif "input" in err and not isinstance(err["input"], dict | list):
            message += f" (got {err['input']!r})"
        problems.append(f"{file}: {loc}: {message}")
    return problems


def _load(cls: type, path: Path) -> Any:
    path = Path(path).resolve()
    data = _read_yaml(path, None)
    try:
        loaded = cls.model_validate(data)
    except ValidationError as exc:
        raise CalibrationError(_schema_problems(exc, str(path), cls)) from None
    loaded._file = str(path)
    return loaded


def load_targets(path: str | Path) -> TargetsFile:
    """A validated targets file; every schema problem at once (CalibrationError)."""
    if not Path(path).is_file():
        raise CalibrationError([f"{path}: targets file not found"])
    return _load(TargetsFile, Path(path))


def load_parameters(path: str | Path) -> ParametersFile:
    """A validated parameters file; every schema problem at once (CalibrationError)."""
    if not Path(path).is_file():
        raise CalibrationError([f"{path}: parameters file not found"])
    return _load(ParametersFile, Path(path))


def evaluation_scenario(scenario: Scenario, parameters: ParametersFile) -> Scenario:
    """The scenario every evaluation changes: `scenario` with the evaluation's households
    and years. A household table's size is fixed, so `households` is refused with one."""
    if scenario.population.source == "csv" and parameters.evaluation.households is not None:
        raise CalibrationError(
            [
                f"{parameters.file}: evaluation.households: the scenario runs the household "
                f"table {scenario.population.households_csv}, whose size is fixed; remove "
                "evaluation.households (and do not pass --households)"
            ]
        )
    raw = scenario.model_dump(mode="python")
    settings = {
        "population.n_households": parameters.evaluation.households,
        "years": parameters.evaluation.years,
    }
    for key, value in settings.items():
        if value is not None:
            set_by_path(raw, key, value)
    return validate_data(raw, file=parameters.file)


# --- checks against the scenario ---------------------------------------------------------


def target_problems(targets: TargetsFile, scenario: Scenario) -> list[str]:
    """Targets naming an unknown indicator, or a year that does not fit the indicator."""
    allowed, problems = allowed_indicators(scenario), []
    first, final = scenario.start_year, scenario.start_year + scenario.years - 1
    for i, target in enumerate(targets.targets):
        where = f"{targets.file}: targets.{i}"
        kinds = allowed.get(target.indicator, set())
        if not kinds:
            problems.append(
                f"{where}.indicator: unknown indicator {target.indicator!r}; allowed: yearly.csv "
                f"columns ({', '.join(k for k, v in allowed.items() if 'yearly' in v)}); derived "
                f"({', '.join(DERIVED_INDICATORS)}); headline figures "
                f"({', '.join(k for k, v in allowed.items() if 'headline' in v)})"
            )
        elif kinds == {"headline"} and target.year is not None:
            problems.append(
                f"{where}.year: {target.indicator} is a whole-run headline figure; remove year"
            )
        elif "headline" not in kinds and target.year is None:
            problems.append(
                f"{where}.year: {target.indicator} is a yearly indicator; give year: first, "
                f"final, mean or a calendar year {first}-{final}"
            )
        elif isinstance(target.year, int) and not first <= target.year <= final:
            problems.append(
                f"{where}.year: {target.year} is outside the simulated policy years "
                f"{first}-{final}; allowed: first, final, mean or a year in that range"
            )
    return problems


def parameter_problems(parameters: ParametersFile, scenario: Scenario) -> list[str]:
    """Keys that do not exist or are not continuous numbers, and bounds the scenario schema
    refuses (the scenario is validated with each parameter at its lower and at its upper
    bound, the others as the scenario sets them)."""
    from model.sweeps.load import resolve_key

    tree, problems = scenario.model_dump(mode="python"), []
    for i, parameter in enumerate(parameters.parameters):
        where = f"{parameters.file}: parameters.{i}"
        resolved, problem = resolve_key(tree, parameter.key)
        if problem:
            problems.append(f"{where}.key: {parameter.key}: {problem}")
            continue
        current = value_at(tree, resolved)
        if isinstance(current, dict):
            problems.append(
                f"{where}.key: {parameter.key} is a schedule by year; calibration moves single "
                "numbers (allowed: a key holding one number)"
            )
            continue
        probes = {"lower": parameter.lower, "upper": parameter.upper}
        probes["between"] = float(parameter.from_unit(np.array(0.37))[()])
        refused = {}
        for probe, value in probes.items():
            raw = copy.deepcopy(tree)
            set_by_path(raw, resolved, value)
            try:
                validate_data(raw, file=parameters.file)
            except ScenarioError as exc:
                refused[probe] = "; ".join(p.split(": ", 2)[-1] for p in exc.problems)
        if any(word in text for text in refused.values() for word in NOT_CONTINUOUS):
            problems.append(
                f"{where}.key: {parameter.key} is not a continuous number "
                f"({next(iter(refused.values()))}); calibration moves decimal numbers only"
            )
            continue
        for bound in ("lower", "upper"):
            if bound in refused:
                problems.append(
                    f"{where}.{bound}: {probes[bound]:g} is not allowed for {parameter.key}: "
                    f"{refused[bound]}"
                )
        if "between" in refused and not {"lower", "upper"} & set(refused):
            problems.append(
                f"{where}: {parameter.key} = {probes['between']:g} (between the bounds) is "
                f"not allowed: {refused['between']}"
            )
    return problems


def value_at(tree: Any, resolved: str) -> Any:
    """The value at a resolved key path (instruments by index) of a dumped scenario."""
    node = tree
    for part in resolved.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def resolved_keys(parameters: ParametersFile, scenario: Scenario) -> list[str]:
    """Each parameter's key path with instruments by index (checked before)."""
    from model.sweeps.load import resolve_key

    tree = scenario.model_dump(mode="python")
    return [resolve_key(tree, p.key)[0] for p in parameters.parameters]


def check_inputs(targets: TargetsFile, parameters: ParametersFile, scenario: Scenario) -> None:
    """Every problem of targets and parameters against the scenario, at once."""
    problems = target_problems(targets, scenario) + parameter_problems(parameters, scenario)
    if problems:
        raise CalibrationError(problems)


# --- moments of one replicate -------------------------------------------------------------


def replicate_moments(targets: TargetsFile, yearly: pd.DataFrame) -> list[float]:
    """Each target's moment in one replicate's yearly table, in the targets' order."""
    return read_moments(targets.targets, yearly)
