"""Sobol' indices through the sweep code path, checked on the Ishigami function."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.analysis.replicates import yearly_columns
from model.config.scenario import Scenario
from model.sweeps.design import design_points
from model.sweeps.sensitivity import (
    TABLE_COLUMNS,
    indicator_means,
    ishigami,
    ishigami_indices,
    plot_indices,
    saltelli_arrays,
    sobol_indices_from_points,
)
from model.sweeps.spec import SweepSpec

FACTORS = ["x.one", "x.two", "x.three"]
Z_TOLERANCE = 4.0
"""Allowed error in standard errors: a normal estimate misses by more than 4 sd with
probability 6e-5, so six comparisons fail by chance with probability below 4e-4."""
NINETY_PERCENT_Z = 1.645


def ishigami_sweep(n: int, seed: int = 2014) -> tuple[pd.DataFrame, np.ndarray]:
    """The saltelli point table of three factors uniform on [-pi, pi], and Ishigami there."""
    spec = SweepSpec.model_validate(
        {
            "name": "ishigami",
            "base": "unused.yaml",
            "seed": seed,
            "design": {"method": "saltelli", "points": n},
            "factors": [{"key": key, "range": [-np.pi, np.pi]} for key in FACTORS],
        }
    )
    points = design_points(spec)
    return points, ishigami(points[FACTORS].to_numpy().T)


def iid_standard_errors(points, outputs) -> tuple[np.ndarray, np.ndarray]:
    """Monte Carlo standard errors of the estimators scipy uses (Saltelli 2010), on outputs
    centred as scipy centres them: first order = mean(f_B (f_AB_i - f_A)) / V and total =
    mean((f_A - f_AB_i)^2) / (2 V), V the variance of f_A and f_B pooled. Each is a mean of
    n terms, so its standard error is sd(term) / sqrt(n) / V (V's own error is of higher
    order). This is the error of independent points; scrambled Sobol' points integrate a
    smooth function such as Ishigami's with a smaller error (Owen 1997), so it is a
    conservative scale."""
    f_a, f_b, f_ab = saltelli_arrays(points, outputs, FACTORS)
    mean = np.mean([f_a, f_b])
    f_a, f_b, f_ab = f_a[0] - mean, f_b[0] - mean, f_ab[:, 0] - mean
    variance, n = np.var([f_a, f_b]), f_a.size
    first = np.std(f_b * (f_ab - f_a), axis=1) / np.sqrt(n) / variance
    total = np.std((f_a - f_ab) ** 2, axis=1) / 2 / np.sqrt(n) / variance
    return first, total


def test_the_analytic_ishigami_indices_are_the_published_ones():
    first, total = ishigami_indices()
    np.testing.assert_allclose(first, [0.3139, 0.4424, 0.0], atol=5e-5)
    np.testing.assert_allclose(total, [0.5576, 0.4424, 0.2437], atol=5e-5)
    assert first.sum() + (total[2] - first[2]) == pytest.approx(1.0)  # S1 + S2 + S13 = 1


def test_ishigami_indices_from_the_sweep_design_match_the_analytic_ones():
    n = 2**12
    points, outputs = ishigami_sweep(n)
    table = sobol_indices_from_points(points, outputs, FACTORS, n_resamples=0)
    assert list(table.columns) == TABLE_COLUMNS and list(table["factor"]) == FACTORS
    first_se, total_se = iid_standard_errors(points, outputs)
    tolerance_first, tolerance_total = Z_TOLERANCE * first_se, Z_TOLERANCE * total_se
    # the tolerance must tell apart the indices a wrong assembly would confuse: S1 vs S2
    # (0.128 apart), S3 vs ST3 (0.244), S1 vs ST1 (0.244)
    assert max(tolerance_first.max(), tolerance_total.max()) < 0.1
    first, total = ishigami_indices()
    assert (np.abs(table["first_order"] - first) <= tolerance_first).all(), table
    assert (np.abs(table["total_order"] - total) <= tolerance_total).all(), table
    assert table[["first_order_low", "total_order_high"]].isna().all().all()  # no bootstrap


def test_indices_depend_on_the_block_columns_not_on_row_order():
    points, outputs = ishigami_sweep(2**6)
    shuffled = np.random.default_rng(3).permutation(len(points))
    in_order = sobol_indices_from_points(points, outputs, FACTORS, n_resamples=0)
    mixed = sobol_indices_from_points(
        points.iloc[shuffled], outputs[shuffled], FACTORS, n_resamples=0
    )
    pd.testing.assert_frame_equal(in_order, mixed)


def test_bootstrap_intervals_hold_the_estimate_and_are_repeatable():
    points, outputs = ishigami_sweep(2**8)
    np.random.seed(11)
    expected_next_draw = np.random.random()
    np.random.seed(11)
    table = sobol_indices_from_points(points, outputs, FACTORS)  # 90%, 999 resamples
    assert np.random.random() == expected_next_draw  # the global random state is restored
    for order in ("first_order", "total_order"):
        low, high = table[f"{order}_low"], table[f"{order}_high"]
        assert np.isfinite(low).all() and np.isfinite(high).all()
        assert ((low <= table[order]) & (table[order] <= high)).all(), table
        assert (high - low > 0.01).all()  # real intervals, not points
    pd.testing.assert_frame_equal(table, sobol_indices_from_points(points, outputs, FACTORS))
    # the analytic indices lie within 4 bootstrap standard errors (interval width / 3.29)
    first, total = ishigami_indices()
    for order, analytic in (("first_order", first), ("total_order", total)):
        standard_error = (table[f"{order}_high"] - table[f"{order}_low"]) / (2 * NINETY_PERCENT_Z)
        assert (np.abs(table[order] - analytic) <= Z_TOLERANCE * standard_error).all(), table


def test_several_outputs_constant_and_non_finite_ones():
    points, outputs = ishigami_sweep(2**6)
    broken = outputs.copy()
    broken[5] = np.nan
    stacked = np.vstack([outputs, 3 * outputs + 10, np.ones_like(outputs), broken])
    names = ["y", "affine", "constant", "broken"]
    table = sobol_indices_from_points(points, stacked, FACTORS, n_resamples=99, output_names=names)
    assert list(table["output"]) == [name for name in names for _ in FACTORS]
    y, affine = table[table["output"] == "y"], table[table["output"] == "affine"]
    for column in ("first_order", "total_order"):  # indices ignore a change of units
        np.testing.assert_allclose(affine[column], y[column], rtol=1e-9)
    constant = table[table["output"] == "constant"]
    assert (constant[["first_order", "total_order"]] == 0).all().all()
    assert table[table["output"] == "broken"].drop(columns=["output", "factor"]).isna().all().all()


def test_a_table_that_is_not_a_saltelli_design_is_refused():
    points, outputs = ishigami_sweep(2**3)
    with pytest.raises(ValueError, match="saltelli_block"):
        sobol_indices_from_points(points.drop(columns="saltelli_block"), outputs, FACTORS)
    with pytest.raises(ValueError, match="blocks"):
        sobol_indices_from_points(points, outputs, FACTORS[:2])
    with pytest.raises(ValueError, match="values per output"):
        sobol_indices_from_points(points, outputs[:-1], FACTORS)


def test_the_plot_is_a_byte_stable_png_written_atomically(tmp_path):
    points, outputs = ishigami_sweep(2**5)
    table = sobol_indices_from_points(
        points, np.vstack([outputs, outputs**2]), FACTORS, n_resamples=99
    )
    path = plot_indices(table, tmp_path / "sobol.png")
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    assert plot_indices(table, tmp_path / "again.png").read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.png", "sobol.png"]


def test_indicator_means_average_each_points_replicates():
    columns = yearly_columns(Scenario())
    rows = []
    for point in range(3):
        for replicate in range(2):
            for year in (2014, 2015):
                row = dict.fromkeys(columns, 0.0)
                row.update(replicate=replicate, year=year, exit_rate=point + replicate / 2)
                rows.append({"point_id": point, **row})
    means = indicator_means(pd.DataFrame(rows), ["exit_rate_mean", "spending_total"])
    assert list(means.index) == [0, 1, 2]
    np.testing.assert_allclose(means["exit_rate_mean"], [0.25, 1.25, 2.25])
    assert (means["spending_total"] == 0).all()
