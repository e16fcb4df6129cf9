"""Household summaries of the members that instruments read: who counts as a labourer,
an elderly member, a student. One compiled pass over the person rows each (see
model/kernels.py), because a county has about four person rows per household."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model import kernels

if TYPE_CHECKING:  # pragma: no cover
    from model.simulation import Simulation

NO_WEIGHTS = np.zeros(0)  # count only


def count_members(sim: Simulation, mask: np.ndarray) -> np.ndarray:
    """Living members per household among the person rows where `mask` holds (`mask`
    covers rows 0..persons.n-1)."""
    p, n = sim.persons, sim.persons.n
    counts, _ = kernels.members_by_household(
        p.household[:n], p.alive[:n], mask, NO_WEIGHTS, sim.households.n
    )
    return counts


def sum_members(
    sim: Simulation, mask: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Living members per household where `mask` holds, and the sum of `values` over them."""
    p, n = sim.persons, sim.persons.n
    return kernels.members_by_household(
        p.household[:n], p.alive[:n], mask, values.astype(np.float64), sim.households.n
    )
