"""Compiled passes of the instruments' yearly selection: what NumPy would do in several
full passes (or a sort) done in one loop over the rows concerned.

Each kernel returns exactly what its NumPy formulation returns (the docstrings say which),
so replacing one by the other changes no number of a run; tests/interventions/
test_kernels.py checks them against those formulations.
"""

from __future__ import annotations

import numba
import numpy as np

from model.engine.state import LABOUR_FULL


@numba.njit(cache=True)
def ranks_within_groups(groups, n_groups):  # fmt: skip
    """For a ranked sequence of group labels (0..n_groups-1), each element's rank within
    its group: 0 for the first of its group in the sequence, 1 for the second, ... One
    pass with a counter per group instead of a stable sort by group."""
    seen = np.zeros(n_groups, dtype=np.int64)
    ranks = np.empty(groups.size, dtype=np.int64)
    for i in range(groups.size):
        g = groups[i]
        ranks[i] = seen[g]
        seen[g] += 1
    return ranks


@numba.njit(cache=True)
def older_full_labourers(household, alive, labour, age, from_age, n_households):  # fmt: skip
    """Living full labourers aged `from_age` or more, per household: what
    `np.bincount(household[alive & (labour == LABOUR_FULL) & (age >= from_age)])` counts,
    in one pass over the person rows instead of four. Every row adds its 0 or 1: without
    a branch per row the pass takes a quarter of the time."""
    counts = np.zeros(n_households, dtype=np.int64)
    for i in range(household.size):
        counts[household[i]] += alive[i] & (labour[i] == LABOUR_FULL) & (age[i] >= from_age)
    return counts


@numba.njit(cache=True)
def villages_with_unsafe_water(village, active, safe_water, n_villages):  # fmt: skip
    """Villages with at least one active household without safe water: what
    `np.bincount(village[active & ~safe_water], minlength=n_villages) > 0` says, in one
    pass over the households."""
    lacking = np.zeros(n_villages, dtype=np.bool_)
    for i in range(village.size):
        lacking[village[i]] |= active[i] & (not safe_water[i])
    return lacking
