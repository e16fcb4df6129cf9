"""How instruments pick households: ranking by score (`best_first`, an exact and faster
stable argsort) and selecting rows (`where_true`, `every_row`, `group_rows`), shared by
every instrument's `propose` (model/interventions/base.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from model.engine.context import YearContext


def best_first(key: np.ndarray, count: int) -> np.ndarray:
    """Positions of the `count` smallest keys in ascending order, ties in position order:
    exactly `np.argsort(key, kind="stable")[:count]`, but when `count` is small a
    partition finds them in linear time and only they are sorted."""
    if count >= key.size:
        return stable_argsort(key)
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    threshold = np.partition(key, count - 1)[count - 1]
    below = np.flatnonzero(key < threshold)
    tied = np.flatnonzero(key == threshold)[: count - below.size]  # the first in position
    chosen = np.concatenate([below, tied])
    chosen.sort()  # position order, so the stable sort breaks ties by position
    return chosen[stable_argsort(key[chosen])]


def stable_argsort(key: np.ndarray) -> np.ndarray:
    """Exactly `np.argsort(key, kind="stable")`, in about a fifth of the time for float
    keys: NumPy's default (unstable, vectorised) sort, then the rare runs of equal keys
    put back in position order, which is all stability adds."""
    if key.dtype.kind != "f" or key.size < 2:
        return np.argsort(key, kind="stable")
    order = np.argsort(key)
    ordered = key[order]
    missing = np.count_nonzero(np.isnan(ordered))
    if missing:  # NaNs sort last, equal among themselves
        if not np.isnan(ordered[key.size - missing :]).all():
            return np.argsort(key, kind="stable")
        order[key.size - missing :].sort()
        ordered = ordered[: key.size - missing]
    tied = ordered[1:] == ordered[:-1]  # -0.0 == 0.0, as the sorts compare them
    if tied.any():
        in_run = np.zeros(ordered.size, dtype=bool)
        in_run[1:] = tied
        in_run[:-1] |= tied
        run = np.zeros(ordered.size, dtype=np.int64)
        np.cumsum(~tied, out=run[1:])
        at = np.flatnonzero(in_run)
        by_run_then_row = run[at] * key.size + order[at]
        by_run_then_row.sort()
        order[at] = by_run_then_row % key.size
    return order


def ascending_order(rows: np.ndarray) -> np.ndarray:
    """Positions that put the unique non-negative int64 `rows` in ascending order: what
    `np.argsort(rows)` gives for unique rows, by one sort of each row packed with its
    position (about a third of the time). A delivery walks its recipients in this order
    so that its passes read the county's arrays front to back (twice as fast as in the
    ranked order, which jumps about memory)."""
    if rows.size < 2:
        return np.arange(rows.size)
    shift = int(rows.size - 1).bit_length()
    packed = (rows << shift) | np.arange(rows.size)
    packed.sort()
    return packed & ((1 << shift) - 1)


def inverse_permutation(positions: np.ndarray) -> np.ndarray:
    """The positions that undo the permutation `positions` of 0..n-1: what
    `np.argsort(positions)` gives, in one scatter instead of a sort. A proposal ranked by
    `positions` from rows in ascending order puts itself back in row order with them."""
    inverse = np.empty_like(positions)
    inverse[positions] = np.arange(positions.size)
    return inverse


def prefix_order(row_order: np.ndarray, count: int) -> np.ndarray:
    """The ascending order of the first `count` of some unique rows, from `row_order`, the
    ascending order of them all (`ascending_order`): its positions below `count`, in its
    order. A filter instead of a second sort of the part of a proposal that is paid."""
    if count == row_order.size:
        return row_order
    return row_order[np.flatnonzero(row_order < count)]


def is_prefix(selected: np.ndarray | slice) -> bool:
    """Whether `selected` is a slice of the first entries (`slice(0, k)`)."""
    return isinstance(selected, slice) and selected.start in (None, 0) and selected.step is None


def where_true(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`values[mask]` for a boolean `mask`, through the positions of its true entries:
    the same elements, several times faster than boolean indexing on long arrays."""
    return values[np.flatnonzero(mask)]


def every_row(sim: YearContext) -> np.ndarray:
    """Rows 0..n-1 of the households: `eligible` and `priority` over the whole county."""
    return np.arange(sim.households.n)


def group_rows(sim: YearContext, mask: np.ndarray) -> np.ndarray:
    """`np.flatnonzero(mask)`, computed once a year for a read-only group mask (the
    year's assistance groups, Simulation.assistance_group) and shared by every
    instrument of that group; a writable mask is read afresh each time."""
    if mask.flags.writeable:
        return np.flatnonzero(mask)
    # The cached pair holds the mask, so no other mask can take its id while it is kept.
    held, rows = sim.per_year(f"group_rows:{id(mask)}", lambda: (mask, np.flatnonzero(mask)))
    return rows if held is mask else np.flatnonzero(mask)
