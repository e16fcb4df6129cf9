"""Calibration input files: what the targets file (model/calibration/targets.py: what the
model must reproduce) and the free-parameters file (model/calibration/parameters.py: what
calibration may move, within which bounds) share -- the error their checks raise, the
refusal of repeated names and the loader.

Every problem is reported at once, each naming the file, the key path and what is
allowed, as a CalibrationError (exit code 2).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from model.config.scenario_files import read_yaml_file
from model.errors import ScenarioError
from model.sweeps.factors import SweepModel


class CalibrationError(ScenarioError):
    """Problems in a targets or parameters file (or in the scenario it applies to)."""

    what = "calibration input"


def refuse_repeats(values: list, message: str) -> None:
    """ValueError listing every value seen before in `values` (message formatted with its
    index `i` and `value`), so a file's repeated names are all reported at once."""
    problems = [
        message.format(i=i, value=value) for i, value in enumerate(values) if value in values[:i]
    ]
    if problems:
        raise ValueError("\n".join(problems))


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


def load_input_file(cls: type, path: str | Path, kind: str) -> Any:
    """The calibration file at `path` read as `cls` (TargetsFile or ParametersFile, a
    `kind` file); every problem reported at once as a CalibrationError naming the file and
    the key path."""
    if not Path(path).is_file():
        raise CalibrationError([f"{path}: {kind} file not found"])
    path = Path(path).resolve()
    data = read_yaml_file(path, None)
    try:
        loaded = cls.model_validate(data)
    except ValidationError as exc:
        raise CalibrationError(_schema_problems(exc, str(path), cls)) from None
    loaded._file = str(path)
    return loaded
