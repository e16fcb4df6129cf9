"""The income cache: after payments and reliefs it holds what a full recomputation gives."""

from __future__ import annotations

import numpy as np
import pytest

from model.simulation import Simulation


@pytest.mark.parametrize("concept", ["income", "income_minus_expenses"])
def test_payments_leave_the_cache_as_a_full_recomputation(library_scenario, concept):
    scenario = library_scenario(
        "baseline", households=2000, years=1, **{"policy.identification.income_concept": concept}
    )
    sim = Simulation(scenario, seed=3)
    h = sim.households
    sim.measured_income_per_capita()  # the year's first read caches all three incomes
    rows = np.array([5, 17, 300, 1999])
    h.assisted_total[rows] += [100.0, 2000.0, 50.0, 7.5]  # a payment
    h.medical_oop[rows[:2]] *= 0.5  # a relief
    sim.income_changed(rows)
    cached = [sim.total_income(), sim.net_income_per_capita(), sim.measured_income_per_capita()]
    cached = [array.copy() for array in cached]
    sim.invalidate_income()
    recomputed = [sim.total_income(), sim.net_income_per_capita()]  # NumPy, operation by op
    assert [a.tobytes() for a in cached[:2]] == [a.tobytes() for a in recomputed]
    total, net = recomputed
    size = h.size
    gross = np.divide(total, size, out=np.zeros(h.n), where=size > 0)
    measured = (gross if concept == "income" else net) * sim._measurement_noise
    assert cached[2].tobytes() == measured.tobytes()
    sim.invalidate_income()
    assert cached[2].tobytes() == sim.measured_income_per_capita().tobytes()
    assert not sim.total_income().flags.writeable  # no caller can change the cache
