"""What every parameter section shares: the Strict base, and schedules (year -> value)
with their checks."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, ConfigDict

from model.engine.finite import FiniteModel


def _constant_as_schedule(value: object) -> object:
    """A plain number is a constant schedule: anchored at 1900, so it holds in every year."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {1900: value}
    return value


Schedule = Annotated[dict[int, float], BeforeValidator(_constant_as_schedule)]
"""Year -> value, or one number for a constant; see model.engine.schedule for interpolation."""


class Strict(FiniteModel):
    """Base for every scenario section: unknown keys are errors, not silently ignored;
    numbers are finite and of bounded magnitude (model.engine.finite)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _check_schedule(value: Schedule) -> Schedule:
    """A schedule has a year 1900-2200 for each of its non-negative values; sorted by year."""
    if not value:
        raise ValueError("a schedule needs at least one year: value pair")
    for year, amount in value.items():
        if not 1900 <= year <= 2200:
            raise ValueError(f"year {year} is outside 1900-2200")
        if amount < 0:
            raise ValueError(f"value for {year} is negative ({amount})")
    return dict(sorted(value.items()))


def _check_positive_schedule(value: Schedule) -> Schedule:
    """A schedule every value of which is above zero (a poverty line: incomes are divided
    by it, so a zero line is no line)."""
    value = _check_schedule(value)
    for year, amount in value.items():
        if amount <= 0:
            raise ValueError(f"value for {year} is {amount:g}; allowed: a number above 0")
    return value
