"""The free-parameters file: what calibration may move (scenario keys, within which
bounds), how each evaluation runs and searches, and its checks against the scenario.

The parameters file lists scenario key paths (the sweep syntax: instruments by
name or index) with lower and upper bounds, and how each evaluation runs (seed,
replicates, households, years) and searches (global design, local optimiser, starts).

Problems are reported as for every calibration input file (model/calibration/inputs.py).
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, PrivateAttr, model_validator

from model.calibration.inputs import CalibrationError, load_input_file, refuse_repeats
from model.config.scenario import Scenario, resolve_key, set_by_path, validate_data
from model.engine.finite import SEED_MAX
from model.errors import ScenarioError
from model.sweeps.factors import SweepModel

NOT_CONTINUOUS = ("valid integer", "valid boolean", "valid string", "fractional part")
"""Words of a validation error saying a key does not hold a decimal number."""


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


def load_parameters(path: str | Path) -> ParametersFile:
    """A validated parameters file; every schema problem at once (CalibrationError)."""
    return load_input_file(ParametersFile, path, "parameters")


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


def parameter_problems(parameters: ParametersFile, scenario: Scenario) -> list[str]:
    """Keys that do not exist or are not continuous numbers, and bounds the scenario schema
    refuses (the scenario is validated with each parameter at its lower and at its upper
    bound, the others as the scenario sets them)."""
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
    tree = scenario.model_dump(mode="python")
    return [resolve_key(tree, p.key)[0] for p in parameters.parameters]
