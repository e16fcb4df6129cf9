"""The targets file: what the model must reproduce, its checks against the scenario, and
each target's moment in one replicate.

A targets file lists moments with the figure a county observed, a weight, a tolerance
and the source. A moment is an *indicator* read from a replicate's yearly table -- a
`yearly.csv` column, a derived ratio of columns (DERIVED_INDICATORS), or a headline
figure of `model.analysis.replicates.headline` -- at a *year*: "first", "final", "mean" (over
the policy years) or a calendar year; headline figures are whole-run figures and take
no year.

Problems are reported as for every calibration input file (model/calibration/inputs.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import Field, PrivateAttr, model_validator

from model.analysis.moments import (  # the moment vocabulary, shared with expectations
    DERIVED_INDICATORS,
    allowed_indicators,
    read_moments,
)
from model.calibration.inputs import load_input_file, refuse_repeats
from model.config.scenario import Scenario
from model.sweeps.factors import SweepModel

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


# --- loading -----------------------------------------------------------------------------


def load_targets(path: str | Path) -> TargetsFile:
    """A validated targets file; every schema problem at once (CalibrationError)."""
    return load_input_file(TargetsFile, path, "targets")


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


# --- moments of one replicate -------------------------------------------------------------


def replicate_moments(targets: TargetsFile, yearly: pd.DataFrame) -> list[float]:
    """Each target's moment in one replicate's yearly table, in the targets' order."""
    return read_moments(targets.targets, yearly)
