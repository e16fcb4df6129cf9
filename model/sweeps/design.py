"""Sweep files (sweeps/*.yaml): the schema, the designs and the scenario each point runs.

A sweep names a base scenario, the factors it varies (any scenario key path; an
instrument by its name or index; `base`: the scenario file itself), a design that picks
the points (grid: every combination of listed values; lhs, sobol: quasi-random points;
saltelli: the A, B and AB_i matrices of Sobol' indices; levers_x_futures: every
combination of the lever factors against the same sampled futures of the uncertainty
factors) and the indicators a sensitivity or robustness analysis reports.
Files are validated like scenarios: every problem names the file, the key path and
what is allowed, all in one ScenarioError (exit code 2). Points are a pure function of
the sweep file and its seed.
"""

from __future__ import annotations

import copy
import functools
import re
import warnings
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from model.config.scenario import Scenario, _read_yaml, load_scenario, set_by_path, validate_data
from model.engine.finite import SEED_MAX
from model.errors import ScenarioError, SweepError
from model.sweeps.factors import DISTRIBUTIONS, Factor, SweepModel

DEFAULT_INDICATORS = ("exit_rate_mean", "relapse_within_3y_share_of_exits", "spending_per_exit")
"""Unit samples are kept inside (0, 1) before an unbounded ppf, so no point is infinite."""
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


def factor_column(factor: Factor) -> str:
    """The point-table column of a factor: its key path as written in the sweep file."""
    return factor.key


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


def mix_count(spec: SweepSpec) -> int:
    """Lever combinations (mixes) of a levers_x_futures design: the product of the levers'
    numbers of values."""
    return int(np.prod([len(f.values) for f in spec.factors if f.kind == "lever"]))


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


COUNTY_HOUSEHOLDS = SETTINGS["households"]


def point_columns(spec: SweepSpec) -> list[str]:
    """Columns of the point table that describe a point (results repeat them): the factors'
    key paths, or for a province the county name, its households and its override keys."""
    if spec.design.method != "counties":
        return [factor_column(factor) for factor in spec.factors]
    keys = dict.fromkeys(key for county in spec.counties for key in county.overrides)
    return ["county", COUNTY_HOUSEHOLDS, *keys]


def point_seed(spec: SweepSpec, point_id: int) -> int:
    """The seed a point's replicates use: the sweep seed, so that points are paired (common
    random numbers); for a province each county its own, derived from the sweep seed and the
    county's position, so that counties are independent, not copies of each other."""
    if spec.design.method == "levers_x_futures":  # every mix of a future shares its seed
        return future_seed(spec.seed, point_id // mix_count(spec))
    if spec.design.method != "counties":
        return spec.seed
    return int(np.random.SeedSequence([spec.seed, point_id]).generate_state(1)[0])


def future_seed(sweep_seed: int, future_id: int) -> int:
    """The seed of one future of a levers_x_futures design, derived from the sweep seed and
    the future's number: the mixes of a future are paired (common random numbers: the same
    households, illnesses and shocks), and futures differ in their chance as well as in
    the uncertainty factors, as different futures would."""
    sequence = np.random.SeedSequence([sweep_seed, FUTURE_SEED_TAG, future_id])
    return int(sequence.generate_state(1)[0])


FUTURE_SEED_TAG = 1
"""Keeps futures' seeds apart from a province's county seeds derived from the same seed."""


def _model_at(loc: tuple) -> Any:
    """The sweep model class holding the keys at `loc` (for 'allowed keys' messages)."""
    cls: Any = SweepSpec
    for part in (p for p in loc if not isinstance(p, int)):
        if part in DISTRIBUTIONS:
            cls = DISTRIBUTIONS[part]
            continue
        field = cls.model_fields.get(part) if cls else None
        inner = [field.annotation, *getattr(field.annotation, "__args__", ())] if field else []
        models = [t for t in inner if isinstance(t, type) and issubclass(t, BaseModel)]
        cls = models[0] if len(models) == 1 else None
    return cls


def _problems(exc: ValidationError, file: str) -> list[str]:
    """One 'FILE: key.path: what is wrong; what is allowed' per pydantic error."""
    problems, names = [], ", ".join(DISTRIBUTIONS)
    for err in exc.errors():
        raw_loc, kind, message = tuple(err["loc"]), err["type"], err["msg"]
        tags = [i for i, p in enumerate(raw_loc[1:], 1) if raw_loc[i - 1] == "distribution"]
        loc = tuple(p for i, p in enumerate(raw_loc) if i not in tags or p not in DISTRIBUTIONS)
        if kind == "extra_forbidden":
            holder = _model_at(raw_loc[:-1])
            allowed = ", ".join(holder.model_fields) if holder else "see the sweep file schema"
            message = f"unknown key; allowed here: {allowed}"
        elif kind in ("union_tag_invalid", "union_tag_not_found"):
            loc, tag = (*loc, "name"), err.get("ctx", {}).get("tag")
            message = f"{f'unknown distribution {tag!r}' if tag else 'missing'}; allowed: {names}"
        elif kind == "value_error":  # validators: one "sub.key: message" per line
            for line in message.removeprefix("Value error, ").splitlines():
                head, sep, rest = line.partition(": ")
                sub = (head,) if sep and re.fullmatch(r"[\w.]+", head) else ()
                key = ".".join(map(str, loc + sub)) or "(top level)"
                problems.append(f"{file}: {key}: {rest if sub else line}")
            continue
        elif "input" in err and not isinstance(err["input"], dict | list):
            message += f" (got {err['input']!r})"
        problems.append(f"{file}: {'.'.join(map(str, loc)) or '(top level)'}: {message}")
    return problems


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


def indicator_names(scenario: Scenario, efficiency: bool = False) -> list[str]:
    """Names `model.analysis.replicates.headline` returns for this scenario (a zero yearly row),
    with the efficiency figures when tasks keep their paired counterfactual."""
    from model.analysis.replicates import (  # the simulator: only when checking
        COUNTERFACTUAL_COLUMNS,
        headline,
        yearly_columns,
    )

    columns = yearly_columns(scenario) + (list(COUNTERFACTUAL_COLUMNS) if efficiency else [])
    return list(headline(pd.DataFrame(0.0, index=[0], columns=columns)))


def base_problems(spec: SweepSpec, base: Scenario) -> list[str]:
    """Problems of a sweep against its base: factor keys that do not exist, unknown indicators."""
    tree, problems = base.model_dump(mode="python"), []
    allowed = indicator_names(base, spec.efficiency)
    if spec.efficiency and not base.interventions:
        problems.append(
            f"{spec.file}: efficiency: the base scenario has no instruments, so it is its own "
            "no-intervention run; allowed: false, or a base with instruments"
        )
    trees = {"base": tree}
    for i, factor in enumerate(spec.factors):
        if factor.key != BASE_FACTOR:
            continue
        for j, value in enumerate(factor.values):
            path = Path(spec.file).parent / value
            if not path.is_file():
                problems.append(f"{spec.file}: factors.{i}.values.{j}: file not found: {path}")
                continue
            try:
                trees[value] = mix_scenario(path).model_dump(mode="python")
            except ScenarioError as exc:
                problems.extend(exc.problems)
    for i, factor in enumerate(spec.factors):
        if factor.key == BASE_FACTOR:
            continue
        for name, mix_tree in trees.items():
            if problem := resolve_key(mix_tree, factor.key)[1]:
                within = "" if name == "base" else f" (in {name})"
                problems.append(f"{spec.file}: factors.{i}.key: {factor.key}{within}: {problem}")
    for i, county in enumerate(spec.counties or []):
        for key in county.overrides:
            if problem := resolve_key(tree, key)[1]:
                problems.append(f"{spec.file}: counties.{i}.overrides.{key}: {problem}")
    for i, name in enumerate(spec.indicators):
        if name not in allowed:
            problems.append(
                f"{spec.file}: indicators.{i}: unknown indicator {name!r}; allowed "
                f"(model.analysis.replicates.headline): {', '.join(allowed)}"
            )
    return problems


def load_sweep(path: str | Path, households: int | None = None) -> tuple[SweepSpec, Scenario]:
    """A validated sweep file and its base scenario (with the households/years overrides);
    every problem at once as a ScenarioError naming the file and key path."""
    path = Path(path).resolve()
    try:
        data = _read_yaml(path, None)
        if households is not None:  # the command line's --households replaces the file's
            data["households"] = households
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise SweepError(_problems(exc, str(path))) from None
    spec._file = str(path)
    if not (path.parent / spec.base).is_file():
        raise SweepError([f"{path}: base: file not found: {path.parent / spec.base}"])
    base = _validated(spec, load_scenario(path.parent / spec.base).model_dump(mode="python"), [])
    if problems := base_problems(spec, base):
        raise SweepError(problems)
    return spec, base


def mix_scenario(path: Path) -> Scenario:
    """The scenario file a `base` factor names, loaded once per file and version."""
    path = Path(path).resolve()
    return _mix_scenario(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _mix_scenario(path: str, _mtime_ns: int) -> Scenario:
    return load_scenario(path)


def _unit_samples(spec: SweepSpec) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Unit-hypercube samples, one row per point, and saltelli's layout columns."""
    from scipy.stats import qmc  # imports scipy.stats (about 1 s): only when a design is drawn

    d, points, seed = len(spec.factors), spec.design.points, spec.seed
    if spec.design.method == "lhs":
        return qmc.LatinHypercube(d, seed=seed).random(points), {}
    if spec.design.method == "sobol":
        engine = qmc.Sobol(d, scramble=True, seed=seed)
        if points & (points - 1) == 0:
            return engine.random_base2(points.bit_length() - 1), {}
        with warnings.catch_warnings():  # the first `points` of the sequence, knowingly
            warnings.filterwarnings("ignore", "The balance properties", UserWarning)
            return engine.random(points), {}
    sample = qmc.Sobol(2 * d, scramble=True, seed=seed).random_base2(points.bit_length() - 1)
    a, b = sample[:, :d], sample[:, d:]
    blocks = [a, b, *(np.where(np.arange(d) == i, b, a) for i in range(d))]  # AB_i: column i of B
    labels = np.array(["A", "B", *(f"AB{i}" for i in range(d))])
    layout = {
        "saltelli_block": np.repeat(labels, points).astype(object),
        "saltelli_sample": np.tile(np.arange(points, dtype=np.int64), d + 2),
    }
    return np.vstack(blocks), layout


def design_points(spec: SweepSpec) -> pd.DataFrame:
    """The point table: point_id, one column per factor (its key path), and for saltelli
    saltelli_block and saltelli_sample. Same spec and seed, same table."""
    if spec.design.method == "counties":  # one point per county, override keys as columns
        columns = point_columns(spec)
        table = {"point_id": np.arange(len(spec.counties), dtype=np.int64)}
        table["county"] = [county.name for county in spec.counties]
        table[COUNTY_HOUSEHOLDS] = np.array([c.households for c in spec.counties], np.int64)
        for key in columns[2:]:
            table[key] = pd.Series([c.overrides.get(key) for c in spec.counties], dtype=object)
        return pd.DataFrame(table)
    if spec.design.method == "levers_x_futures":
        return levers_x_futures_points(spec)
    if spec.design.method == "grid":  # every combination, the first factor varying slowest
        shape = [len(f.values) for f in spec.factors]
        index = np.indices(shape).reshape(len(shape), -1)
        values = {factor_column(f): f.pick(index[j]) for j, f in enumerate(spec.factors)}
        layout = {}
    else:
        unit, layout = _unit_samples(spec)
        values = {factor_column(f): f.from_unit(unit[:, j]) for j, f in enumerate(spec.factors)}
    count = len(next(iter(values.values())))
    table = pd.DataFrame({"point_id": np.arange(count, dtype=np.int64), **values, **layout})
    return table.astype({"saltelli_block": str}) if layout else table


def future_samples(spec: SweepSpec, dimensions: int) -> np.ndarray:
    """The futures of a levers_x_futures design in the unit hypercube, (futures, dimensions),
    drawn by the design's sampler (lhs by default) from the sweep seed."""
    from scipy.stats import qmc

    futures, seed = spec.design.futures, spec.seed
    if (spec.design.sampler or "lhs") == "lhs":
        return qmc.LatinHypercube(dimensions, seed=seed).random(futures)
    with warnings.catch_warnings():  # the first `futures` of the sequence, knowingly
        warnings.filterwarnings("ignore", "The balance properties", UserWarning)
        return qmc.Sobol(dimensions, scramble=True, seed=seed).random(futures)


def levers_x_futures_points(spec: SweepSpec) -> pd.DataFrame:
    """Every mix (combination of the levers' values, the first lever varying slowest) in every
    future (a sampled point of the uncertainty factors): point_id = future_id x mixes +
    mix_id, so the mixes of one future are neighbours (they share its seed, and with
    `efficiency` often its no-intervention run, which a worker keeps). Columns: point_id,
    the factors in file order, mix_id, future_id."""
    levers = [f for f in spec.factors if f.kind == "lever"]
    uncertain = [f for f in spec.factors if f.kind == "uncertainty"]
    shape = [len(f.values) for f in levers]
    mixes, futures = int(np.prod(shape)), spec.design.futures
    choice = np.indices(shape).reshape(len(shape), -1)  # (levers, mixes)
    unit = future_samples(spec, len(uncertain))  # (futures, uncertainties)
    mix_id = np.tile(np.arange(mixes, dtype=np.int64), futures)
    future_id = np.repeat(np.arange(futures, dtype=np.int64), mixes)
    values = {}
    for factor in spec.factors:
        if factor.kind == "lever":
            values[factor_column(factor)] = factor.pick(choice[levers.index(factor)][mix_id])
        else:
            column = unit[future_id, uncertain.index(factor)]
            values[factor_column(factor)] = factor.from_unit(column)
    return pd.DataFrame(
        {
            "point_id": np.arange(mixes * futures, dtype=np.int64),
            **values,
            "mix_id": mix_id,
            "future_id": future_id,
        }
    )


def _python(value: Any, integer: bool) -> Any:
    """A plain Python value (numpy scalars do not survive YAML or pydantic's strict checks)."""
    value = value.item() if isinstance(value, np.generic) else value
    return int(round(value)) if integer else value


def _validated(
    spec: SweepSpec, raw: dict, applied: list, point: Any = None, where: str = "factors"
) -> Scenario:
    """Validate `raw` with the households/years overrides; problems in a factor's key name
    the sweep file, `factors.<i>.key`, the value and the point."""
    for setting, key in SETTINGS.items():
        if getattr(spec, setting) is not None:
            set_by_path(raw, key, getattr(spec, setting))
    try:
        return validate_data(raw, file=spec.file)
    except ScenarioError as exc:
        problems = []
        for problem in exc.problems:
            key_path, _, message = problem.removeprefix(f"{spec.file}: ").partition(": ")
            where = next(
                (
                    f"{where}.{i}.key: {key} = {value!r} (point {point})"
                    for i, key, resolved, value in applied
                    if f"{key_path}.".startswith(f"{resolved}.")
                ),
                None,
            )
            setting = {v: k for k, v in SETTINGS.items()}.get(key_path)
            where = where or (setting if setting and getattr(spec, setting) is not None else None)
            problems.append(f"{spec.file}: {where}: {message}" if where else problem)
        raise SweepError(problems) from None


def scenario_for_point(base: Scenario, spec: SweepSpec, row: Any) -> Scenario:
    """The scenario of one point-table row: the base, the households/years overrides and the
    row's factor values by key path (integer factors rounded), validated."""
    mix_file = next((row[BASE_FACTOR] for f in spec.factors if f.key == BASE_FACTOR), None)
    if mix_file is not None:  # the point starts from the scenario file it chose
        base = mix_scenario(Path(spec.file).parent / str(mix_file))
    tree, applied = base.model_dump(mode="python"), []
    raw = copy.deepcopy(tree)
    if spec.design.method == "counties":
        county = spec.counties[int(row["point_id"])]
        settings = {COUNTY_HOUSEHOLDS: county.households, **county.overrides}
        for key, value in settings.items():
            resolved, problem = resolve_key(tree, key)
            set_by_path(raw, resolved, value)
            applied.append((int(row["point_id"]), key, resolved, value))
        return _validated(spec, raw, applied, county.name, where="counties")
    for i, factor in enumerate(spec.factors):
        if factor.key == BASE_FACTOR:
            continue
        resolved, problem = resolve_key(tree, factor.key)
        if problem:
            raise SweepError([f"{spec.file}: factors.{i}.key: {factor.key}: {problem}"])
        value = _python(row[factor_column(factor)], factor.integer)
        set_by_path(raw, resolved, value)
        applied.append((i, factor.key, resolved, value))
    point = _python(row["point_id"], True) if "point_id" in row else "?"
    return _validated(spec, raw, applied, point)


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
