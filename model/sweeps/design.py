"""The points of a sweep and the scenario each point runs.

A design picks the points (grid: every combination of listed values; lhs, sobol:
quasi-random points; saltelli: the A, B and AB_i matrices of Sobol' indices; counties: one
point per county of a province; levers_x_futures: every combination of the lever factors
against the same sampled futures of the uncertainty factors). A point's scenario is the
base with the point's factor values set by key path, validated; its replicates run on the
point's seed. Points are a pure function of the sweep file (model/sweeps/spec.py) and its
seed.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.config.scenario import Scenario, resolve_key, set_by_path
from model.errors import SweepError
from model.sweeps.factors import Factor
from model.sweeps.load import mix_scenario, validated_scenario
from model.sweeps.spec import BASE_FACTOR, SETTINGS, SweepSpec


def factor_column(factor: Factor) -> str:
    """The point-table column of a factor: its key path as written in the sweep file."""
    return factor.key


def mix_count(spec: SweepSpec) -> int:
    """Lever combinations (mixes) of a levers_x_futures design: the product of the levers'
    numbers of values."""
    return int(np.prod([len(f.values) for f in spec.factors if f.kind == "lever"]))


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
        return validated_scenario(spec, raw, applied, county.name, where="counties")
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
    return validated_scenario(spec, raw, applied, point)
