"""Sweep files (sweeps/*.yaml): what they may say.

A sweep names a base scenario, the factors it varies (any scenario key path; an
instrument by its name or index; `base`: the scenario file itself; a factor's values:
model/sweeps/factors.py), a design that picks the points (grid, lhs, sobol, saltelli,
counties, levers_x_futures) and the indicators a sensitivity or robustness analysis
reports. The schema's own rules (a design that fits its factors, no key said twice) run
whenever a spec is validated. Reading a file and checking it against its base scenario:
model/sweeps/load.py; the points and the scenario of each: model/sweeps/design.py.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PrivateAttr, model_validator

from model.engine.finite import SEED_MAX
from model.sweeps.factors import Factor, SweepModel

DEFAULT_INDICATORS = ("exit_rate_mean", "relapse_within_3y_share_of_exits", "spending_per_exit")
"""Indicators a sweep reports when its file names none."""
SETTINGS = {"households": "population.n_households", "years": "years"}
"""Sweep keys that override a scenario key for every point."""
BASE_FACTOR = "base"
"""The key of a factor whose values are scenario files (relative to the sweep file): each
point starts from its file instead of the sweep's `base`, so a lever can choose between
whole mixes of the library; the other factors' keys must exist in every file."""


class Design(SweepModel):
    """How points are chosen; `points` is n for saltelli (n*(d+2) points), none for grid;
    `counties`: one point per county of the sweep's `counties` list (a province);
    `levers_x_futures`: every combination of the lever factors' values (the mixes) crossed
    with `futures` points of the uncertainty factors drawn by `sampler`."""

    method: Literal["grid", "lhs", "sobol", "saltelli", "counties", "levers_x_futures"]
    points: int | None = None
    futures: int | None = Field(
        None, description="levers_x_futures: futures sampled from the uncertainty factors"
    )
    sampler: Literal["lhs", "sobol"] | None = Field(
        None, description="levers_x_futures: how futures are drawn (default lhs)"
    )


class County(SweepModel):
    """One county of a province: its household count and the scenario keys it changes."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="label in the results")
    households: int = Field(ge=1, description="population.n_households of this county")
    overrides: dict[str, bool | int | float | str] = Field(
        default_factory=dict, description="scenario key path -> value, for this county only"
    )


class Keep(SweepModel):
    """What each task keeps besides its yearly indicators."""

    household_panel: bool = Field(
        False,
        description="also write each task's household panel (every household in every year) "
        "to OUT/households/; about 20 bytes per household-year",
    )


class SweepSpec(SweepModel):
    """A validated sweep file (`file`: the path errors name; '<sweep>' if built in code)."""

    name: str
    description: str = ""
    base: str = Field(description="scenario file the points change; relative to the sweep file")
    seed: int = Field(
        ge=0, le=SEED_MAX, description="every point runs replicates 0..R-1 of this seed"
    )
    replicates: int = Field(1, ge=1)
    households: int | None = Field(None, ge=1, description="overrides population.n_households")
    years: int | None = Field(None, ge=1, description="overrides years")
    design: Design
    factors: list[Factor] = Field(default_factory=list)
    counties: list[County] | None = Field(
        None, min_length=1, description="design method counties: the province's counties"
    )
    keep: Keep = Keep()
    efficiency: bool = Field(
        False,
        description="also run each task's paired no-intervention counterfactual (the point's "
        "scenario without instruments and funds, same seed and replicate), so indicators can "
        "include fund efficiency; points differing only in instruments and funds share it",
    )
    indicators: list[str] = Field(default_factory=lambda: list(DEFAULT_INDICATORS), min_length=1)
    _file: str = PrivateAttr("<sweep>")

    @property
    def file(self) -> str:
        return self._file

    @model_validator(mode="after")
    def _design_fits_factors(self) -> SweepSpec:
        if problems := design_problems(self):
            raise ValueError("\n".join(problems))
        return self


def design_problems(spec: SweepSpec) -> list[str]:
    """'key.path: what is wrong; what is allowed' for each mismatch of design and factors."""
    method, points, problems = spec.design.method, spec.design.points, []
    if method == "counties":
        return county_problems(spec)
    problems += base_factor_problems(spec)
    if method == "levers_x_futures":
        return problems + levers_x_futures_problems(spec)
    for key in ("futures", "sampler"):
        if getattr(spec.design, key) is not None:
            problems.append(f"design.{key}: only with design method levers_x_futures; remove it")
    if spec.counties is not None:
        problems.append("counties: only with design method counties; remove it or the factors")
    if not spec.factors:
        problems.append("factors: a sweep needs at least one factor")
    if method == "grid" and points is not None:
        problems.append(
            "design.points: not allowed for a grid (its points are every "
            "combination of the factors' values); remove it"
        )
    elif method != "grid" and (points is None or points < 1):
        problems.append(
            f"design.points: a design with zero points (got {points}); {method} needs points >= 1"
        )
    elif method == "saltelli" and points & (points - 1):
        low = 1 << (points.bit_length() - 1)
        problems.append(
            f"design.points: saltelli needs a power of 2 (got {points}; e.g. {low} "
            f"or {2 * low}); it runs points*(factors+2) points"
        )
    for i, factor in enumerate(spec.factors):
        if method == "grid" and factor.values is None:
            problems.append(
                f"factors.{i}: a grid needs `values` for every factor; use lhs, "
                "sobol or saltelli for a range or distribution"
            )
    return problems + factor_key_problems(spec)


def base_factor_problems(spec: SweepSpec) -> list[str]:
    """A `base` factor lists scenario files: text values, one file each."""
    problems = []
    for i, factor in enumerate(spec.factors):
        if factor.key != BASE_FACTOR:
            continue
        if factor.values is None or not all(isinstance(v, str) for v in factor.values):
            problems.append(
                f"factors.{i}.values: a `{BASE_FACTOR}` factor lists scenario files (text, "
                "relative to the sweep file); allowed: values: [a.yaml, b.yaml, ...]"
            )
    return problems


def levers_x_futures_problems(spec: SweepSpec) -> list[str]:
    """Problems of a levers-by-futures design: futures given, levers listed by `values`, at
    least one lever and one uncertainty, no `points`."""
    problems, design = [], spec.design
    if spec.counties is not None:
        problems.append("counties: only with design method counties; remove it")
    if design.points is not None:
        problems.append(
            "design.points: not allowed for levers_x_futures (its points are every lever "
            "combination times `futures`); give design.futures instead"
        )
    if design.futures is None or design.futures < 1:
        problems.append(
            f"design.futures: levers_x_futures needs futures >= 1 (got {design.futures}); "
            "e.g. futures: 50"
        )
    levers = [f for f in spec.factors if f.kind == "lever"]
    if not levers:
        problems.append(
            "factors: levers_x_futures needs at least one factor with kind: lever (the mix)"
        )
    if not [f for f in spec.factors if f.kind == "uncertainty"]:
        problems.append(
            "factors: levers_x_futures needs at least one factor with kind: uncertainty "
            "(what the futures vary)"
        )
    for i, factor in enumerate(spec.factors):
        if factor.kind == "lever" and factor.values is None:
            problems.append(
                f"factors.{i}: a lever of levers_x_futures lists its choices in `values` "
                "(every combination of the levers' values is a mix)"
            )
    return problems + factor_key_problems(spec)


def county_problems(spec: SweepSpec) -> list[str]:
    """Problems of a province sweep: counties given, no factors, unique names, no settings
    a county sets itself."""
    problems = []
    if not spec.counties:
        problems.append("counties: design method counties needs a list of counties")
    if spec.factors:
        problems.append("factors: not allowed with design method counties (use overrides)")
    if spec.design.points is not None:
        problems.append("design.points: not allowed for counties (one point per county)")
    if spec.households is not None:
        problems.append("households: each county sets its own; remove it")
    names = [county.name for county in spec.counties or []]
    for i, name in enumerate(names):
        if name in names[:i]:
            problems.append(f"counties.{i}.name: {name!r} is used twice; allowed: once")
    return problems


def factor_key_problems(spec) -> list[str]:
    """A key varied by two factors, or by a factor and a sweep setting (`households`,
    `years`), is refused: the sweep would say two things about one key."""
    problems = []
    for i, factor in enumerate(spec.factors):
        if factor.key in [f.key for f in spec.factors[:i]]:
            problems.append(f"factors.{i}.key: {factor.key} is varied twice; allowed: once")
        for setting, key in SETTINGS.items():
            if factor.key == key and getattr(spec, setting) is not None:
                problems.append(f"factors.{i}.key: {key} is also set by `{setting}`; keep one")
    return problems
