"""Dated parameters (poverty line, dibao standard) as schedules by year.

A schedule is a mapping year -> value given at a few anchor years (each with its
source). Between anchors the value grows at a constant rate (log-linear
interpolation); after the last anchor it keeps the last segment's growth rate,
before the first it stays at the first value. One anchor means a constant.
"""

from __future__ import annotations

import math
from collections.abc import Mapping


def value_in_year(schedule: Mapping[int, float], year: int) -> float:
    """Value of a schedule in `year` (yuan/year for money schedules)."""
    years = sorted(schedule)
    if not years:
        raise ValueError("empty schedule")
    if year in schedule:
        return float(schedule[year])
    if len(years) == 1 or year < years[0]:
        return float(schedule[years[0]])
    if year > years[-1]:
        y0, y1 = years[-2], years[-1]
    else:
        y1 = next(y for y in years if y > year)
        y0 = years[years.index(y1) - 1]
    v0, v1 = float(schedule[y0]), float(schedule[y1])
    if v0 <= 0 or v1 <= 0:  # growth rate undefined: interpolate linearly instead
        return v0 + (v1 - v0) * (year - y0) / (y1 - y0)
    rate = math.log(v1 / v0) / (y1 - y0)
    return v0 * math.exp(rate * (year - y0))
