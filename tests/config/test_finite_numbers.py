"""Every number a user writes is finite and within its documented bounds (issue 12, finding 1).

The test walks the schema itself -- the Scenario's fields recursively, the funds, every
instrument config of the interventions REGISTRY, schedules `{year: value}` -- and tries NaN,
+inf, -inf and a value outside the field's bounds on every numeric key, so a key added
later is covered without a new test. Each must be refused at validation (ScenarioError,
exit code 2 from the command line) naming the key path.
"""

from __future__ import annotations

import math
import types
import typing
from typing import Any

import pytest
from pydantic import BaseModel

from model.calibration.parameters import ParametersFile
from model.calibration.targets import TargetsFile
from model.config.scenario import Scenario, validate_data
from model.engine.finite import MAX_MAGNITUDE, MAX_WHOLE_NUMBER, FiniteModel
from model.errors import ScenarioError
from model.interventions import REGISTRY
from model.sweeps.spec import SweepSpec

NON_FINITE = (math.nan, math.inf, -math.inf)


def unwrap(annotation: Any) -> list[Any]:
    """The types an annotation admits (Optional, unions and Annotated taken apart)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in unwrap(arg)]
    return [annotation]


def numeric_keys(model: type[BaseModel], prefix: tuple, base: dict) -> list[tuple]:
    """(key path, kind, field, base mapping) of every numeric key under `model`; kind is
    'float', 'int' or 'schedule' (a mapping year -> number)."""
    found = []
    for name, field in model.model_fields.items():
        path = (*prefix, name)
        for kind in unwrap(field.annotation):
            origin, args = typing.get_origin(kind), typing.get_args(kind)
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                found += numeric_keys(kind, path, base)
            elif kind is float:
                found.append((path, "float", field, base))
            elif kind is int:
                found.append((path, "int", field, base))
            elif origin is dict and args[0] is int and args[1] in (float, int):
                found.append((path, "schedule", field, base))
            elif origin is dict and args[0] is str and isinstance(args[1], type) and issubclass(
                args[1], BaseModel
            ):  # funds: every fund the same schema
                found += numeric_keys(args[1], (*path, "general"), base)
            elif name == "interventions":
                for type_name, instrument in REGISTRY.items():
                    item = {"interventions": [{"type": type_name}]}
                    found += numeric_keys(instrument.config_class, (*path, 0), item)
    return found


SCENARIO_KEYS = numeric_keys(Scenario, (), {})


def out_of_range(kind: str, field: Any) -> Any:
    """A value the field's documented bounds exclude (beyond the finite magnitude when it
    has none)."""
    bounds = {type(m).__name__: m for m in field.metadata}
    if "Ge" in bounds:
        return bounds["Ge"].ge - 1
    if "Gt" in bounds:
        return bounds["Gt"].gt - 1
    if "Le" in bounds:
        return bounds["Le"].le + 1
    if "Lt" in bounds:
        return bounds["Lt"].lt + 1
    if kind == "int":
        return MAX_WHOLE_NUMBER + 1
    if kind == "schedule":
        return -1.0  # schedules and yearly chances are never negative
    return MAX_MAGNITUDE * 10


def set_key(raw: dict, path: tuple, value: Any) -> dict:
    node = raw
    for part in path[:-1]:
        node = node[part] if isinstance(node, list) else node.setdefault(part, {})
    node[path[-1]] = value
    return raw


def refused(path: tuple, kind: str, base: dict, value: Any) -> str:
    """The problem validation reports for `value` at `path` (fails if it is accepted)."""
    import copy

    written = {2014: value} if kind == "schedule" else value
    raw = set_key(copy.deepcopy(base), path, written)
    with pytest.raises(ScenarioError) as caught:
        validate_data(raw, file="walk.yaml")
    return str(caught.value)


def test_the_walk_reaches_every_section_and_instrument():
    paths = {".".join(map(str, path)) for path, *_ in SCENARIO_KEYS}
    assert "funds.general.yearly" in paths and "poverty_line" in paths
    assert "dynamics.income.migrant_wage_full" in paths
    assert "policy.exit.planned_share" in paths
    assert "interventions.0.standard_share_of_line" in paths  # the dibao's schedule
    assert len(SCENARIO_KEYS) > 200, len(SCENARIO_KEYS)


def test_the_base_of_every_walked_key_is_valid():
    """So that each refusal below is the walked value's, not a broken base's."""
    for base in {repr(b): b for *_, b in SCENARIO_KEYS}.values():
        validate_data(dict(base))


@pytest.mark.parametrize(
    "path, kind, field, base",
    SCENARIO_KEYS,
    ids=[
        ".".join(map(str, p)) + (f"[{b['interventions'][0]['type']}]" if b else "")
        for p, _, _, b in SCENARIO_KEYS
    ],
)
def test_every_numeric_key_refuses_non_finite_and_out_of_range_values(path, kind, field, base):
    key_path = ".".join(map(str, path))
    for value in (*NON_FINITE, out_of_range(kind, field)):
        problem = refused(path, kind, base, value)
        assert key_path in problem, f"{value!r}: {problem}"


def finite_models(model: type[BaseModel], seen: set) -> set:
    """Every model class reachable from `model` through its fields."""
    if model in seen:
        return seen
    seen.add(model)
    for field in model.model_fields.values():
        stack = [field.annotation]
        while stack:
            kind = stack.pop()
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                finite_models(kind, seen)
            stack += list(typing.get_args(kind))
    return seen


@pytest.mark.parametrize("root", [Scenario, SweepSpec, TargetsFile, ParametersFile])
def test_every_input_model_is_a_finite_model(root):
    """Sweep and calibration files share the mechanism: each of their sections derives from
    FiniteModel, so their numbers are finite and bounded too."""
    models = finite_models(root, set())
    models |= {cls.config_class for cls in REGISTRY.values()} if root is Scenario else set()
    assert [m.__name__ for m in models if not issubclass(m, FiniteModel)] == []
