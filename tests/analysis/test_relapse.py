"""Relapse analyses on small panels and samples computed by hand (model/analysis/relapse.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.analysis.relapse import (
    HORIZONS_YEARS,
    RATIO_BIN_EDGES,
    clopper_pearson,
    exit_spells,
    kaplan_meier,
    relapse_curve,
    relapse_curve_counts,
)
from model.engine.state import CAUSES, EXIT_CHANNELS
from model.simulation.panel import HouseholdPanel


def test_clopper_pearson_matches_closed_forms_and_the_beta_quantiles():
    # k = 0: high solves (1 - p)^n = 0.05; k = n: low solves p^n = 0.05 (90% two-sided)
    low, high = clopper_pearson(np.array([0, 10]), np.array([10, 10]))
    assert low[0] == 0.0 and high[0] == pytest.approx(1 - 0.05 ** (1 / 10))
    assert low[1] == pytest.approx(0.05 ** (1 / 10)) and high[1] == 1.0
    # k = 1, n = 2: low solves 1 - (1 - p)^2 = 0.05, high solves p^2 = 0.95
    low, high = clopper_pearson(np.array([1]), np.array([2]))
    assert low[0] == pytest.approx(1 - np.sqrt(0.95))
    assert high[0] == pytest.approx(np.sqrt(0.95))
    low, high = clopper_pearson(np.array([3]), np.array([0]))
    assert np.isnan(low[0]) and np.isnan(high[0])


def test_kaplan_meier_matches_the_hand_computed_product_limit():
    # durations 1, 2, 2+, 3, 4+ (+ = censored)
    durations = np.array([1, 2, 2, 3, 4])
    observed = np.array([True, True, False, True, False])
    table = kaplan_meier(durations, observed, np.arange(5))
    # S(1) = 4/5; S(2) = 4/5 x 3/4; S(3) = 0.6 x 1/2; S(4) = 0.3 (a censoring only)
    np.testing.assert_allclose(table["survival"], [1.0, 0.8, 0.6, 0.3, 0.3])
    assert table["at_risk"].tolist() == [5, 5, 4, 2, 1]
    assert table["events"].tolist() == [0, 1, 1, 1, 0]
    inside = table.iloc[1:]
    assert (inside["survival_low"] <= inside["survival"]).all()
    assert (inside["survival"] <= inside["survival_high"]).all()
    # Greenwood at t = 1: var(log S) = d / (n (n - d)) = 1 / 20; the log-log interval is
    # S ** exp(+-z sqrt(var) / |log S|)
    z = 1.6448536269514722
    spread = z * np.sqrt(1 / 20) / abs(np.log(0.8))
    assert inside["survival_low"].iloc[0] == pytest.approx(0.8 ** np.exp(spread))
    assert inside["survival_high"].iloc[0] == pytest.approx(0.8 ** np.exp(-spread))


def test_kaplan_meier_without_events_stays_at_one():
    table = kaplan_meier(np.array([2, 3]), np.array([False, False]), np.arange(3))
    assert table["survival"].tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("share_observed", [0.0, 0.1, 0.6, 1.0])
def test_kaplan_meier_gives_scipy_stats_ecdf_numbers_exactly(share_observed):
    # kaplan_meier repeats scipy.stats.ecdf's operations (to avoid importing scipy.stats):
    # the same floats, not merely close ones, at steps, between them and past the last
    import warnings

    from scipy import stats

    rng = np.random.default_rng(7)
    durations = rng.integers(0, 12, 300).astype(float)
    observed = rng.random(300) < share_observed
    times = np.arange(15)
    table = kaplan_meier(durations, observed, times)
    if not observed.any():
        assert (table["survival"].dropna() == 1.0).all()
        return
    estimate = stats.ecdf(
        stats.CensoredData(uncensored=durations[observed], right=durations[~observed])
    ).sf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        interval = estimate.confidence_interval(0.9, method="log-log")
    followed = table["at_risk"] > 0
    after_first = times >= durations[observed].min()
    for column, expected in (
        ("survival", estimate.evaluate(times)),
        ("survival_low", interval.low.evaluate(times)),
        ("survival_high", interval.high.evaluate(times)),
    ):
        chosen = followed & (after_first if column != "survival" else True)
        np.testing.assert_array_equal(table[column][chosen], expected[chosen])


def tiny_panel() -> HouseholdPanel:
    """Three households over rows 0-3 (identification year 2013 and three policy years)."""
    panel = HouseholdPanel(np.array([0, 0, 1]), n_years=4, first_year=2013)
    panel.recorded = 4
    panel.active[:] = True
    panel.active[3, 2] = False  # household 2 dissolves in the last year
    panel.income_to_line_ratio[:] = np.array(
        [
            [0.85, 1.55, 2.05],
            [1.25, 0.95, 2.15],  # household 1 falls below in row 1
            [1.45, 1.15, 2.25],
            [0.90, 1.35, 0.00],  # household 0 falls below in row 3
        ],
        dtype=np.float32,
    )
    panel.cause[:, 0] = CAUSES.index("illness")
    panel.exited[1, 0] = True
    panel.exit_channel[1, 0] = EXIT_CHANNELS.index("industry")
    panel.exited[2, 1] = True
    panel.exit_channel[2, 1] = EXIT_CHANNELS.index("employment")
    panel.relapsed[3, 0] = True
    return panel


def test_relapse_curve_counts_follow_each_household_year_by_hand():
    counts = relapse_curve_counts(tiny_panel())
    one_year = counts[(counts["group"] == "all") & (counts["horizon_years"] == 1)]
    at = one_year.set_index(one_year["ratio_low"].round(1))
    # h = 1, starts in rows 0-2 with the household active a year later:
    # hh0: 0.85 (next 1.25 ok), 1.25 (1.45 ok), 1.45 (0.90 poor)
    # hh1: 1.55 (0.95 poor), 0.95 (1.15 ok), 1.15 (1.35 ok)
    # hh2: 2.05 (ok), 2.15 (ok); row 2 is not followed (dissolved in row 3)
    expected = {0.8: (1, 0), 1.2: (1, 0), 1.4: (1, 1), 1.5: (1, 1), 0.9: (1, 0), 1.1: (1, 0),
                2.0: (1, 0), 2.1: (1, 0)}  # fmt: skip
    for ratio_low, (trials, fell) in expected.items():
        assert tuple(at.loc[ratio_low, ["household_years", "fell_below"]]) == (trials, fell)
    assert one_year["household_years"].sum() == 8
    three_years = counts[(counts["group"] == "all") & (counts["horizon_years"] == 3)]
    # h = 3, only row 0 starts: hh0 (poor in row 3) and hh1 (poor in row 1); hh2 dissolved
    assert three_years["household_years"].sum() == 2 and three_years["fell_below"].sum() == 2
    illness = counts[(counts["group"] == "illness") & (counts["horizon_years"] == 1)]
    assert illness["household_years"].sum() == 3 and illness["fell_below"].sum() == 1
    assert 5 not in counts["horizon_years"].tolist()  # four rows cannot follow five years
    curve = relapse_curve(counts)
    row = curve[(curve["group"] == "all") & (curve["horizon_years"] == 3)]
    assert row["probability"].dropna().tolist() == [1.0, 1.0]


def counted_one_by_one(panel: HouseholdPanel) -> dict[tuple[str, int, int], list[int]]:
    """relapse_curve_counts's definition, one household-year at a time: (group, horizon,
    bin) -> [household-years at risk, those poor in one of the next `horizon` years]."""
    edges = RATIO_BIN_EDGES
    counts: dict[tuple[str, int, int], list[int]] = {}
    for horizon in HORIZONS_YEARS:
        for row in range(panel.recorded - horizon):
            for household in range(panel.active.shape[1]):
                ratio = panel.income_to_line_ratio[row, household]
                followed = panel.active[row, household] and panel.active[row + horizon, household]
                if not followed or not edges[0] <= ratio < edges[-1]:
                    continue
                ratio_bin = int(np.searchsorted(edges, ratio, side="right")) - 1
                fell = bool(panel.poor[row + 1 : row + horizon + 1, household].any())
                cause = panel.cause[row, household]
                for group in ("all", *([CAUSES[cause]] if cause >= 0 else [])):
                    cell = counts.setdefault((group, horizon, ratio_bin), [0, 0])
                    cell[0] += 1
                    cell[1] += fell
    return counts


def test_relapse_curve_counts_are_the_household_years_counted_one_by_one():
    rng = np.random.default_rng(11)
    households, years = 60, 8
    panel = HouseholdPanel(np.zeros(households, dtype=np.intp), n_years=years, first_year=2013)
    panel.recorded = years - 1  # the last row not yet recorded
    panel.active[:] = rng.random((years, households)) < 0.9
    panel.income_to_line_ratio[:] = rng.uniform(0.5, 3.3, (years, households))
    panel.cause[:] = rng.integers(-1, len(CAUSES), (years, households))
    expected = counted_one_by_one(panel)
    counts = relapse_curve_counts(panel)
    bins = np.searchsorted(RATIO_BIN_EDGES, counts["ratio_low"], side="right") - 1
    got = {
        (group, horizon, ratio_bin): [trials, fell]
        for group, horizon, ratio_bin, trials, fell in zip(
            counts["group"], counts["horizon_years"], bins, counts["household_years"],
            counts["fell_below"], strict=True,
        )
        if trials  # a group listed for a horizon has every bin, empty ones at 0
    }  # fmt: skip
    assert got == expected
    assert (counts["fell_below"] <= counts["household_years"]).all()


def test_exit_spells_measure_time_to_poverty_and_relapse():
    spells = exit_spells(tiny_panel()).set_index("household_row")
    # hh0 exits in 2014 (row 1): poor again in row 3 (2 years), re-registered in row 3
    assert spells.loc[0, "exit_year"] == 2014 and spells.loc[0, "exit_channel"] == "industry"
    assert spells.loc[0, "years_to_poor_again"] == 2
    assert spells.loc[0, "years_to_re_registered"] == 2
    assert spells.loc[0, "years_followed"] == 2
    # hh1 exits in 2015 (row 2), followed one year, never poor again: censored
    assert spells.loc[1, "years_followed"] == 1
    assert np.isnan(spells.loc[1, "years_to_poor_again"])


def test_lasting_exits_need_three_clean_years_after_the_exit():
    panel = HouseholdPanel(np.zeros(3, dtype=np.intp), n_years=5, first_year=2013)
    panel.recorded = 5
    panel.active[:] = True
    panel.income_to_line_ratio[:] = 1.5
    panel.exited[1, :] = True
    panel.income_to_line_ratio[3, 1] = 0.9  # household 1 falls back two years after exit
    panel.active[4, 2] = False  # household 2 is gone before its third year
    assert panel.lasting_exits(1) == (2, 1)  # followed: 0 and 1; lasting: 0
    assert panel.lasting_exits(2) == (0, 0)  # the third year after row 2 is not recorded


def test_panel_frame_has_one_row_per_active_household_year():
    frame = tiny_panel().to_frame(replicate=3)
    assert len(frame) == 11 and set(frame["replicate"]) == {3}
    assert frame["poor"].sum() == 3
    assert isinstance(frame["recorded_cause"].dtype, pd.CategoricalDtype)


def test_fixed_households_give_every_replicate_the_same_start_and_a_vulnerability_score():
    """population.vary_by_replicate: false starts every replicate from replicate 0's
    households; their futures still differ, and vulnerability.csv scores each household."""
    from model.analysis.replicates import simulate
    from model.analysis.study import Study, vulnerability_table
    from model.config.scenario import Scenario
    from model.simulation.simulation import Simulation

    fixed = Scenario.model_validate(
        {"years": 3, "population": {"n_households": 400, "vary_by_replicate": False}}
    )
    first, second = (Simulation(fixed, seed=5, replicate=r) for r in (0, 1))
    np.testing.assert_array_equal(first.households.land_mu, second.households.land_mu)
    np.testing.assert_array_equal(first.persons.age, second.persons.age)
    first.run(), second.run()
    assert not np.array_equal(first.panel.poor, second.panel.poor)

    table = vulnerability_table(Study(simulate(fixed, seed=5, replicates=4)))
    assert len(table) == 400 and (table["replicates"] == 4).all()
    for column in ("poor_next_year_probability", "poor_within_3y_probability"):
        assert table[column].between(0, 1).all()
        assert set(np.round(table[column] * 4, 9)) <= {0.0, 1.0, 2.0, 3.0, 4.0}  # k of 4
    assert (table["poor_within_3y_probability"] >= table["poor_next_year_probability"]).all()
    # households far below the line at identification are more often poor next year
    low = table["income_to_line_ratio_at_start"] < 0.7
    high = table["income_to_line_ratio_at_start"] > 2.0
    assert (
        table.loc[low, "poor_next_year_probability"].mean()
        > table.loc[high, "poor_next_year_probability"].mean()
    )

    varying = fixed.model_copy(update={"population": fixed.population.model_copy(
        update={"vary_by_replicate": True})})  # fmt: skip
    assert vulnerability_table(Study(simulate(varying, seed=5, replicates=2))) is None
