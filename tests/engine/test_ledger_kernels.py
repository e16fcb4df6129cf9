"""The ledger's compiled booking pass adds exactly what NumPy's scatter passes add."""

from __future__ import annotations

import numpy as np

from model.engine.ledger_kernels import add_bookings


def test_add_bookings_as_numpy_scatter():
    rng = np.random.default_rng(11)
    n = 200
    households = rng.permutation(n)[:80]
    amounts = rng.normal(size=300)[::3] * 1000  # a strided view, as a proposal slice is
    this_year, received = rng.normal(size=n), rng.normal(size=n)
    ever = rng.random(n) < 0.3
    expected = this_year.copy(), received.copy(), ever.copy()
    expected[0][households] += amounts[:80]
    expected[1][households] += amounts[:80]
    expected[2][households] = True
    add_bookings(households, amounts[:80], this_year, received, ever)
    for got, want in zip((this_year, received, ever), expected, strict=True):
        assert got.tobytes() == want.tobytes()
