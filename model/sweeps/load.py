"""Loading a sweep file: read, validated and checked against its base scenario.

Files are validated like scenarios: every problem names the file, the key path and what
is allowed, all in one ScenarioError (exit code 2). Beyond the schema
(model/sweeps/spec.py), a sweep's factor keys and county overrides must exist in its base
scenario (and in every scenario file a `base` factor names), its indicators must be ones
the base reports, and the scenarios it builds are validated with its households/years
settings, each problem naming the sweep file's key.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ValidationError

from model.config.scenario import (
    Scenario,
    load_scenario,
    resolve_key,
    set_by_path,
    validate_data,
)
from model.config.scenario_files import read_yaml_file
from model.errors import ScenarioError, SweepError
from model.sweeps.factors import DISTRIBUTIONS
from model.sweeps.spec import BASE_FACTOR, SETTINGS, SweepSpec


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
        data = read_yaml_file(path, None)
        if households is not None:  # the command line's --households replaces the file's
            data["households"] = households
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise SweepError(_problems(exc, str(path))) from None
    spec._file = str(path)
    if not (path.parent / spec.base).is_file():
        raise SweepError([f"{path}: base: file not found: {path.parent / spec.base}"])
    base_data = load_scenario(path.parent / spec.base).model_dump(mode="python")
    base = validated_scenario(spec, base_data, [])
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


def validated_scenario(
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
