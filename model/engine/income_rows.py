"""The cached incomes of a few households brought up to date after a payment, compiled.

Instruments pay a small share of the county each, many times a year, and every payment
must update the incomes the next instrument reads (`Simulation.income_changed`). As
NumPy that was a dozen gathers and scatters per payment; here it is one pass over the
paid rows, with the same operations in the same order (float64, no fastmath), so the
numbers are the same bytes (tests/engine/test_income_rows.py).
"""

from __future__ import annotations

import numba


@numba.njit(cache=True, nogil=True)
def refresh_income_rows(
    rows, farm, wage, pension, assisted_total, medical_oop, schooling_cost, size,
    measurement_noise, measure_gross_income, total_out, net_per_capita_out,
    measured_per_capita_out,
):  # fmt: skip
    """For each household of `rows`: total income (farm + wages + pensions + assistance,
    yuan/year) into `total_out`, per-capita net income (total minus out-of-pocket medical
    and schooling costs, over members; 0 for an empty household) into
    `net_per_capita_out`, and the office's measure into `measured_per_capita_out`: gross
    per-capita income if `measure_gross_income` else the net, times the row's measurement
    noise. An empty output array is left alone (that income is not cached)."""
    write_total = total_out.size > 0
    write_net = net_per_capita_out.size > 0
    write_measured = measured_per_capita_out.size > 0
    for k in range(rows.size):
        r = rows[k]
        total = farm[r] + wage[r] + pension[r]
        total = total + assisted_total[r]
        members = size[r]
        if write_total:
            total_out[r] = total
        if write_net or (write_measured and not measure_gross_income):
            net = total - medical_oop[r] - schooling_cost[r]
            net_per_capita = net / members if members > 0 else 0.0
            if write_net:
                net_per_capita_out[r] = net_per_capita
        if write_measured:
            if measure_gross_income:
                value = total / members if members > 0 else 0.0
            else:
                value = net_per_capita
            measured_per_capita_out[r] = value * measurement_noise[r]
