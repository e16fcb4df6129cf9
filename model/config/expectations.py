"""A scenario's `expect:` block: what its runs must show, checked by `python run.py test`.

Each expectation names what is measured in the calibration targets' vocabulary
(model.analysis.moments: an `indicator` -- a yearly.csv column, a derived ratio or a
headline figure -- read at a `year`: first, final, mean or a calendar year; none for a
headline figure) and one condition on it:

- on the scenario's own level: `below`, `above`, `between: [low, high]` or
  `close_to` with a `tolerance`;
- with `against: OTHER.yaml`, on the paired difference (this scenario minus the other,
  replicate by replicate on common random numbers): `difference_below`,
  `difference_above`, `difference_between` or `difference_close_to` with a `tolerance`.

The block describes the scenario; it is not part of what runs. It is left out of the
resolved scenario (`Scenario.model_dump`, scenario.yaml, the pairing of runs), so a
scenario gives the same bytes with and without it, and it is not inherited through
`extends:`: a child changes what runs, so its parent's expectations need not hold for it,
and each file states its own (model.config.scenario drops a parent's block).

Whether an indicator exists in the scenario's runs is checked against the scenario
(model.analysis.expectations), since the yearly columns depend on its instruments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from model.engine.params.base import Strict


def _number(value: Any) -> Any:
    """A bound is a number written as one: not a string, not true/false, not a list."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number (got {value!r})")
    return float(value)


Number = Annotated[float, BeforeValidator(_number)]
LEVEL_CONDITIONS = ("below", "above", "between", "close_to")
DIFFERENCE_CONDITIONS = tuple(f"difference_{name}" for name in LEVEL_CONDITIONS)


class Expectation(Strict):
    """One statement a scenario's runs must support with 90% confidence.

    It holds when the 90% t-interval (of the mean, or with `against` of the paired mean
    difference) lies entirely on the allowed side of every bound; it fails when the
    interval lies entirely outside; otherwise it is undecided (more replicates decide it).
    """

    name: str | None = Field(None, description="label in the report; default from the rest")
    indicator: str = Field(description="a yearly.csv column, a derived ratio or a headline figure")
    year: Literal["first", "final", "mean"] | int | None = Field(
        None, description="first | final | mean | a calendar year; none for headline figures"
    )
    below: Number | None = Field(None, description="the mean is below this")
    above: Number | None = Field(None, description="the mean is above this")
    between: list[Number] | None = Field(None, description="[low, high]: the mean is between")
    close_to: Number | None = Field(None, description="the mean is within `tolerance` of this")
    tolerance: Number | None = Field(None, gt=0, description="half-width for close_to")
    against: str | None = Field(
        None,
        description="another scenario file (relative to this file's folder): the condition is "
        "on the paired difference, this scenario minus that one, replicate by replicate",
    )
    difference_below: Number | None = None
    difference_above: Number | None = None
    difference_between: list[Number] | None = None
    difference_close_to: Number | None = None
    note: str = Field("", description="why this should hold (shown when it fails)")

    @field_validator("between", "difference_between")
    @classmethod
    def _ordered_pair(cls, value: list[float] | None) -> list[float] | None:
        if value is not None:
            if len(value) != 2:
                raise ValueError(f"give [low, high], two numbers (got {len(value)})")
            if not value[0] < value[1]:
                raise ValueError(f"low {value[0]:g} must be below high {value[1]:g}")
        return value

    @field_validator("against")
    @classmethod
    def _existing_file(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_file():
            raise ValueError(f"file not found: {value}; allowed: a scenario file")
        return value

    @model_validator(mode="after")
    def _one_condition(self) -> Expectation:
        given = [name for name in (*LEVEL_CONDITIONS, *DIFFERENCE_CONDITIONS)
                 if getattr(self, name) is not None]  # fmt: skip
        allowed = DIFFERENCE_CONDITIONS if self.against else LEVEL_CONDITIONS
        wrong = [name for name in given if name not in allowed]
        if wrong:
            hint = (
                "with against, the condition is on the difference"
                if self.against
                else "without against, the condition is on the scenario's own level"
            )
            raise ValueError(f"{wrong[0]}: {hint}; allowed: {', '.join(allowed)}")
        if not given:
            raise ValueError(f"no condition; give exactly one of: {', '.join(allowed)}")
        if len(given) > 1:
            raise ValueError(
                f"{given[1]}: give exactly one condition (also given: {given[0]}); allowed: "
                f"{', '.join(allowed)}"
            )
        close = given[0].endswith("close_to")
        if close and self.tolerance is None:
            raise ValueError(f"tolerance: {given[0]} needs a tolerance (a positive number)")
        if not close and self.tolerance is not None:
            raise ValueError(f"tolerance: only with {'difference_' * bool(self.against)}close_to")
        return self

    @property
    def condition(self) -> str:
        """The condition's key (below, difference_between, ...)."""
        return next(
            name for name in (*LEVEL_CONDITIONS, *DIFFERENCE_CONDITIONS)
            if getattr(self, name) is not None
        )  # fmt: skip

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """(lower, upper) the interval must lie strictly within; None is unbounded."""
        value = getattr(self, self.condition)
        kind = self.condition.removeprefix("difference_")
        if kind == "below":
            return None, value
        if kind == "above":
            return value, None
        if kind == "between":
            return value[0], value[1]
        return value - self.tolerance, value + self.tolerance

    @property
    def measured(self) -> str:
        """What is measured, as text: `incidence_persons final`, `- against.yaml` appended."""
        text = self.indicator + ("" if self.year is None else f" {self.year}")
        if self.against:
            text += f" minus {Path(self.against).stem}"
        return text

    @property
    def stated(self) -> str:
        """The condition as written: `below 0.05`, `difference_between [-0.1, -0.02]`."""
        value = getattr(self, self.condition)
        if isinstance(value, list):
            text = f"[{value[0]:g}, {value[1]:g}]"
        else:
            text = f"{value:g}"
        if self.tolerance is not None:
            text += f" +- {self.tolerance:g}"
        return f"{self.condition} {text}"

    @property
    def label(self) -> str:
        return self.name or f"{self.measured} {self.stated}"


def resolve_against(expect: Any, folder: Path) -> Any:
    """The raw `expect:` list with each `against` path made absolute (relative to `folder`,
    the folder of the file that states it); anything malformed is left to validation."""
    if not isinstance(expect, list):
        return expect
    resolved = []
    for item in expect:
        if isinstance(item, dict) and isinstance(item.get("against"), str):
            item = {**item, "against": str((folder / item["against"]).resolve())}
        resolved.append(item)
    return resolved
