"""The compiled refresh of cached incomes gives NumPy's numbers, byte for byte."""

from __future__ import annotations

import numpy as np
import pytest

from model.engine.income_rows import refresh_income_rows


def numpy_incomes(a: dict, gross: bool):
    """The full recomputation Simulation caches (total, net per capita, measured)."""
    total = a["farm"] + a["wage"] + a["pension"] + a["assisted_total"]
    net = total - a["medical"] - a["school"]
    size = a["size"]
    net_pc = np.divide(net, size, out=np.zeros(size.size), where=size > 0)
    gross_pc = np.divide(total, size, out=np.zeros(size.size), where=size > 0)
    return total, net_pc, (gross_pc if gross else net_pc) * a["noise"]


@pytest.mark.parametrize("gross", [False, True])
@pytest.mark.parametrize("cached", [(True, True, True), (False, False, True), (True, True, False)])
def test_refreshed_rows_equal_a_full_recomputation(gross, cached):
    rng = np.random.default_rng(8)
    n = 500
    a = {k: rng.lognormal(8, 1.5, n) for k in ("farm", "wage", "pension", "medical", "school")}
    a["assisted_total"] = rng.random(n) * 3000
    a["size"] = rng.integers(0, 7, n).astype(np.int32)  # empty households too
    a["noise"] = rng.lognormal(0, 0.2, n)
    before = numpy_incomes(a, gross)
    rows = rng.choice(n, 60, replace=False)
    a["assisted_total"][rows] += rng.random(60) * 900  # a payment
    a["medical"][rows[:20]] *= 0.5  # a relief
    after = numpy_incomes(a, gross)
    outputs = [b.copy() if keep else np.zeros(0) for b, keep in zip(before, cached, strict=True)]
    refresh_income_rows(
        rows.astype(np.int64), a["farm"], a["wage"], a["pension"], a["assisted_total"],
        a["medical"], a["school"], a["size"], a["noise"], gross, *outputs,
    )  # fmt: skip
    for output, expected, keep in zip(outputs, after, cached, strict=True):
        if keep:
            assert output.tobytes() == expected.tobytes()
        else:
            assert output.size == 0
