"""Numbers a user may write: finite, of a sane magnitude, and seeds in a documented range.

Every validated input file (scenario sections, instrument configs, sweep and calibration
files) derives its models from `FiniteModel`, so one mechanism covers every numeric key,
including keys added later:

- NaN and infinities are refused (pydantic's `allow_inf_nan=False`, which also reaches the
  values of schedules `{year: value}` and of lists); a NaN fund used to act as an unlimited
  fund and a NaN share as "pay nobody";
- a decimal number must lie within +-MAX_MAGNITUDE (1e12: a thousand billion yuan, more
  than any county's yearly budget), so that `1.0e+300` cannot stand in for "unlimited"
  and money times households stays finite in float64;
- a whole number must fit a signed 64-bit integer (the engine's arrays and numpy's
  random streams).

A key that means "no limit" says so with `none` (null), never with a huge number.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

MAX_MAGNITUDE = 1e12
"""Largest absolute value of a decimal number in any input file."""
MAX_WHOLE_NUMBER = 2**63 - 1
"""Largest absolute value of a whole number in any input file (int64)."""
SEED_MAX = 2**63 - 1
"""Seeds are 0..SEED_MAX: numpy's SeedSequence takes any non-negative integer, but the
manifests, the sweep tables (int64 columns) and the command line state this range."""


def number_problem(value: Any) -> str | None:
    """What is wrong with one scalar (None when it is fine or not a number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return f"{value} is not a finite number; allowed: a finite number"
        if abs(value) > MAX_MAGNITUDE:
            return (
                f"{value:g} is beyond the largest magnitude allowed ({MAX_MAGNITUDE:g}); "
                f"allowed: a finite number between {-MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g} "
                "(write none where the key allows 'no limit')"
            )
    if isinstance(value, int) and abs(value) > MAX_WHOLE_NUMBER:
        return (
            f"{value} does not fit a 64-bit integer; allowed: a whole number between "
            f"{-MAX_WHOLE_NUMBER} and {MAX_WHOLE_NUMBER}"
        )
    return None


def numbers_problem(value: Any) -> str | None:
    """The first problem of a scalar or of the scalars inside a mapping, list or tuple
    (nested models check their own fields)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if problem := numbers_problem(item):
                return f"{key}: {problem}" if isinstance(key, int | str) else problem
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if problem := numbers_problem(item):
                return f"item {index}: {problem}"
        return None
    return number_problem(value)


class FiniteModel(BaseModel):
    """Base of every validated input model: finite numbers of bounded magnitude only."""

    model_config = ConfigDict(allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _numbers_finite_and_bounded(cls, value: Any, info: ValidationInfo) -> Any:
        if problem := numbers_problem(value):
            raise ValueError(problem)
        return value
