"""A province as the sum of its counties: combine county yearly tables into one.

A province of 10 million persons is run county by county, each county one task (its own
scenario and household count), so that tasks run in parallel and each needs only its own
county's memory (see README, "Sweeps"). This module combines the counties' yearly
indicators for each replicate and year: counts and money are summed, and every rate is
recomputed from the summed counts (or, where the count behind it is not in the table, as
a mean weighted by the count it is a share of), never averaged over counties.
"""

from __future__ import annotations

import pandas as pd

KEYS = ["replicate", "year"]

# rate column -> (numerator column, denominator column), both summed over counties first
RATIOS = {
    "incidence_persons": ("poor_persons", "persons"),
    "registered_incidence_persons": ("registered_persons", "persons"),
    "exit_rate": ("exits_households", "registered_at_start_households"),
}

# share column -> the column it is a per-unit mean of (the weight)
WEIGHTED = {
    "near_poor_share": "households",
    "fgt1": "persons",
    "fgt2": "persons",
    "mean_income_per_capita": "persons",
}
CAUSE_SHARE_WEIGHT = "registered_households"  # cause_share_* are shares of the registered
SAME_IN_EVERY_COUNTY = ("poverty_line",)


def rule_for(column: str) -> str:
    """How a county column combines: 'key', 'same', 'ratio', 'weighted' or 'sum'."""
    if column in KEYS:
        return "key"
    if column in SAME_IN_EVERY_COUNTY:
        return "same"
    if column in RATIOS:
        return "ratio"
    if column in WEIGHTED or column.startswith("cause_share_"):
        return "weighted"
    return "sum"  # counts (households, persons, villages) and money (yuan)


def combine_counties(county_tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The province's yearly table: one row per replicate and year, from county tables with
    the same columns (a `county` or `point_id` column, if present, is dropped)."""
    frame = pd.concat(county_tables, ignore_index=True)
    frame = frame.drop(columns=[c for c in ("county", "point_id") if c in frame.columns])
    columns = [c for c in frame.columns if c not in KEYS]
    groups = frame.groupby(KEYS, sort=True)
    province = groups[[c for c in columns if rule_for(c) == "sum"]].sum()
    for column in columns:
        rule = rule_for(column)
        if rule == "same":
            province[column] = groups[column].first()
        elif rule == "weighted":
            weight = CAUSE_SHARE_WEIGHT if column.startswith("cause_share_") else WEIGHTED[column]
            weighted = (frame[column] * frame[weight]).groupby([frame[k] for k in KEYS]).sum()
            province[column] = (weighted / province[weight]).fillna(0.0)
    for column, (numerator, denominator) in RATIOS.items():
        if column in columns:
            province[column] = (province[numerator] / province[denominator]).fillna(0.0)
    return province.reset_index()[KEYS + columns]
