"""Indicator formulas on small inputs computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.analysis.replicates import interval, summarize
from model.simulation.metrics import YEARLY_COLUMNS, fgt, poverty_gap_yuan


def test_fgt_indices_match_hand_computation():
    income = np.array([-50.0, 50.0, 100.0, 150.0])  # the negative income counts as zero
    weights = np.array([1.0, 2.0, 1.0, 1.0])  # persons per household
    # gaps: 1, 0.5, 0, 0 -> headcount 3/5, gap (1 + 2 x 0.5)/5, severity (1 + 2 x 0.25)/5
    assert fgt(income, 100.0, weights, 0) == pytest.approx(0.6)
    assert fgt(income, 100.0, weights, 1) == pytest.approx(0.4)
    assert fgt(income, 100.0, weights, 2) == pytest.approx(0.3)
    # yuan to lift every poor person to the line: 1 x 100 + 2 x 50
    assert poverty_gap_yuan(income, 100.0, weights) == pytest.approx(200.0)
    assert poverty_gap_yuan(income, 100.0, weights) == pytest.approx(
        fgt(income, 100.0, weights, 1) * weights.sum() * 100.0
    )


def test_interval_gives_mean_replicate_range_and_t_interval():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    result = interval(values)
    assert result["mean"] == 3.0 and result["n"] == 5
    assert result["low"] == pytest.approx(1.2) and result["high"] == pytest.approx(4.8)
    half = 2.131846786 * np.std(values, ddof=1) / np.sqrt(5)  # t(0.95, df=4)
    assert result["mean_low"] == pytest.approx(3.0 - half)
    assert result["mean_high"] == pytest.approx(3.0 + half)


def test_summary_aggregates_per_replicate_headlines():
    rows = []
    for replicate, exits in ((0, 10), (1, 30)):
        for year in (2014, 2015):
            row = dict.fromkeys(YEARLY_COLUMNS, 0.0)
            row.update(
                replicate=replicate,
                year=year,
                exits_households=exits,
                relapses_households=exits / 10,
                spending_total=1000.0,
            )
            rows.append(row)
    summary = summarize(pd.DataFrame(rows))
    assert summary["exits_households_total"]["mean"] == pytest.approx(40.0)  # (20 + 60) / 2
    assert summary["relapse_share_of_exits"]["mean"] == pytest.approx(0.1)
    assert summary["spending_per_exit"]["mean"] == pytest.approx((2000 / 20 + 2000 / 60) / 2)


def test_the_spending_plot_stacks_instruments_only_so_bars_add_up_to_the_total():
    import pandas as pd

    from model.report.plots import spending_columns

    columns = [
        "year",
        "spending_total",
        "spending_leakage",
        "spending_dibao",
        "spending_health_insurance",
        "spending_fund_civil_affairs",
        "spending_fund_general",
    ]
    assert spending_columns(pd.DataFrame(columns=columns)) == [
        "spending_dibao",
        "spending_health_insurance",
    ]
