"""The instruments' compiled passes (model/interventions/kernels.py) and the selection
helpers of model/interventions/base.py return exactly what their NumPy formulations do."""

from __future__ import annotations

import numpy as np
import pytest

from model.engine.state import LABOUR_FULL
from model.interventions import kernels
from model.interventions.base import best_first, stable_argsort


def test_ranks_within_groups_count_earlier_members_of_the_group():
    rng = np.random.default_rng(5)
    groups = rng.integers(0, 12, 300)
    ranks = kernels.ranks_within_groups(groups, 12)
    expected = np.array([np.count_nonzero(groups[:i] == g) for i, g in enumerate(groups)])
    assert np.array_equal(ranks, expected)
    assert kernels.ranks_within_groups(np.zeros(0, dtype=np.int64), 3).size == 0


def test_older_full_labourers_count_as_bincount():
    rng = np.random.default_rng(6)
    n_households, rows = 40, 500
    household = np.sort(rng.integers(0, n_households, rows))
    alive = rng.random(rows) < 0.9
    labour = rng.integers(0, 3, rows).astype(np.int8)
    age = rng.integers(0, 90, rows).astype(np.int16)
    counts = kernels.older_full_labourers(household, alive, labour, age, 45, n_households)
    chosen = alive & (labour == LABOUR_FULL) & (age >= 45)
    assert np.array_equal(counts, np.bincount(household[chosen], minlength=n_households))


def test_villages_with_unsafe_water_as_bincount():
    rng = np.random.default_rng(7)
    village = rng.integers(0, 30, 400)
    active, safe = rng.random(400) < 0.8, rng.random(400) < 0.97
    lacking = kernels.villages_with_unsafe_water(village, active, safe, 30)
    expected = np.bincount(village[active & ~safe], minlength=30) > 0
    assert lacking.dtype == bool and np.array_equal(lacking, expected)
    assert expected.any() and not expected.all(), "the check needs both kinds of village"


def keys_with_ties_and_specials(rng: np.random.Generator, size: int) -> np.ndarray:
    """Normal keys with many ties (repeated values, 0.0 and -0.0), NaNs and infinities."""
    key = rng.normal(size=size)
    for share, values in (
        (0.3, [0.0, -0.0]),
        (0.2, [1.5, -2.25, 3.0]),
        (0.05, [np.nan]),
        (0.05, [-np.inf, np.inf]),
    ):
        chosen = rng.random(size) < share
        key[chosen] = rng.choice(values, chosen.sum())
    return key


@pytest.mark.parametrize("size", [0, 1, 2, 17, 1000, 20_000])
def test_stable_argsort_is_numpys_stable_argsort(size):
    rng = np.random.default_rng(size)
    for key in (
        keys_with_ties_and_specials(rng, size),
        rng.normal(size=size),
        np.round(rng.normal(size=size), 2),
        rng.integers(0, 5, size),
        rng.normal(size=size).astype(np.float32),
    ):
        expected = np.argsort(key, kind="stable")
        assert np.array_equal(stable_argsort(key), expected)
        assert np.array_equal(best_first(key, size // 3), expected[: size // 3])
