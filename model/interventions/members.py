"""Household summaries of the members that instruments read: who counts as a labourer,
an elderly member, a migrant. Compiled passes over the person rows (model/engine/kernels.py),
because a county has about four person rows per household; `profile` makes one pass a
year for every count instruments share, cached until the next year's economy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.engine import kernels

if TYPE_CHECKING:  # pragma: no cover
    from model.engine.context import YearContext

def profile(sim: YearContext) -> tuple[np.ndarray, np.ndarray]:
    """(households x kernels.MEMBER_COLUMNS) member counts and the labourers' skill sum,
    computed once a year (persons do not change during the year's assistance)."""
    return sim.persons_summary("member_profile", member_profile)


def member_profile(sim: YearContext) -> tuple[np.ndarray, np.ndarray]:
    """The year's member profile, in one compiled pass over the person rows."""
    p, n = sim.persons, sim.persons.n
    return kernels.member_profile(
        p.household[:n], p.alive[:n], p.age[:n], p.labour[:n], p.migrant[:n], p.skill[:n],
        sim.households.n,
    )  # fmt: skip


def members(sim: YearContext, column: int) -> np.ndarray:
    """One column of the year's member profile (e.g. kernels.MEMBERS_ELDERLY)."""
    return profile(sim)[0][:, column]
