"""The factors of a sweep file: what a factor is (a key path and a list, range or
distribution of values) and how a design's unit-interval samples become its values.

Kept apart from the rest of the sweep file's schema (model/sweeps/spec.py) because it is
the part a user writes most: each distribution with its parameters and inverse CDF.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

import numpy as np
import pandas as pd
from pydantic import (
    ConfigDict,
    Field,
    model_validator,
)
from scipy import special

from model.engine.finite import FiniteModel

UNIT_CLIP = 1e-12
"""Unit samples are kept inside (0, 1) before an unbounded ppf, so no point is infinite."""


class SweepModel(FiniteModel):
    """Base of every sweep section: unknown keys are errors, not silently ignored; numbers
    must be finite and of bounded magnitude (model.engine.finite; an infinite range would
    give infinite points)."""

    model_config = ConfigDict(extra="forbid")


class Uniform(SweepModel):
    """Uniform on [low, high]."""

    name: Literal["uniform"]
    low: float
    high: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + u * (self.high - self.low)


class Normal(SweepModel):
    """Normal by mean and standard deviation."""

    name: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.mean + self.sd * special.ndtri(u)


class Lognormal(SweepModel):
    """Lognormal by median and the standard deviation of the log."""

    name: Literal["lognormal"]
    median: float = Field(gt=0)
    log_sd: float = Field(gt=0)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.median * np.exp(self.log_sd * special.ndtri(u))


class Triangular(SweepModel):
    """Triangular on [low, high], peaking at mode."""

    name: Literal["triangular"]
    low: float
    mode: float
    high: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        width, left, right = self.high - self.low, self.mode - self.low, self.high - self.mode
        rising = self.low + np.sqrt(u * width * left)
        return np.where(u * width < left, rising, self.high - np.sqrt((1 - u) * width * right))


DISTRIBUTIONS = {
    "uniform": Uniform,
    "normal": Normal,
    "lognormal": Lognormal,
    "triangular": Triangular,
}
Distribution = Annotated[Union[Uniform, Normal, Lognormal, Triangular], Field(discriminator="name")]  # noqa: UP007


class Factor(SweepModel):
    """One scenario key the sweep varies, with exactly one of values, range or distribution."""

    key: str = Field(pattern=r"^[^.\s]+(\.[^.\s]+)*$", description="scenario key path")
    kind: Literal["lever", "uncertainty"] = "uncertainty"
    values: list[bool | int | float | str] | None = Field(None, min_length=1)
    range: tuple[float, float] | None = None
    distribution: Distribution | None = None
    integer: bool = Field(False, description="whole numbers (a range: uniform over them)")

    @model_validator(mode="after")
    def _one_source(self) -> Factor:
        given = [k for k in ("values", "range", "distribution") if getattr(self, k) is not None]
        low, high = self.range or (0, 0)
        dist, problems = self.distribution, []
        if len(given) != 1:
            problems.append(
                f"give exactly one of values, range or distribution (given: "
                f"{', '.join(given) or 'none'})"
            )
        if low > high:
            problems.append(f"range: low > high ({low:g} > {high:g}); allowed: low <= high")
        if isinstance(dist, Uniform) and dist.low > dist.high:
            problems.append("distribution: low > high; allowed: low <= high")
        if isinstance(dist, Triangular) and not dist.low <= dist.mode <= dist.high > dist.low:
            problems.append("distribution: allowed: low <= mode <= high, low < high")
        if self.integer and any(isinstance(v, bool | str) for v in self.values or []):
            problems.append("integer: true needs numeric values")
        if self.integer and np.ceil(low) > np.floor(high):
            problems.append("range: holds no whole number, but integer is true")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def pick(self, index: np.ndarray) -> np.ndarray:
        """The listed values at positions `index` (numbers as a numeric array)."""
        chosen = pd.Series(np.array(self.values, dtype=object)[index]).infer_objects()
        return self._rounded(chosen.to_numpy())

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """The factor's values at unit-hypercube coordinates u (its inverse CDF)."""
        if self.values is not None:
            return self.pick(
                np.minimum((u * len(self.values)).astype(np.int64), len(self.values) - 1)
            )
        if self.range is None:
            return self._rounded(self.distribution.ppf(np.clip(u, UNIT_CLIP, 1 - UNIT_CLIP)))
        low, high = self.range
        if not self.integer:
            return low + u * (high - low)
        low, high = np.ceil(low), np.floor(high)  # uniform over the whole numbers low..high
        return np.minimum(low + np.floor(u * (high - low + 1)), high).astype(np.int64)

    def _rounded(self, values: np.ndarray) -> np.ndarray:
        return np.rint(values.astype(np.float64)).astype(np.int64) if self.integer else values
