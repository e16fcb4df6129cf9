"""Compiled passes of the ledger (model/engine/budget.py): booking a payment adds it to
three per-household arrays, one loop instead of three NumPy scatter passes.

Kept apart from model/engine/kernels.py (the engine's dynamics); tests/engine/
test_ledger_kernels.py checks each against its NumPy formulation.
"""

from __future__ import annotations

import numba


@numba.njit(cache=True)
def add_bookings(households, amounts, received_this_year, received, ever):  # fmt: skip
    """For unique `households`: `received_this_year[households] += amounts`,
    `received[households] += amounts` and `ever[households] = True`, in one pass."""
    for i in range(households.size):
        h = households[i]
        received_this_year[h] += amounts[i]
        received[h] += amounts[i]
        ever[h] = True
