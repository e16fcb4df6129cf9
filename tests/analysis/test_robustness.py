"""Regret and satisficing (model.analysis.robustness) on a table small enough to compute
by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.analysis.robustness import (
    parse_condition,
    parse_indicator,
    regret,
    robustness_table,
)

OUTCOMES = pd.DataFrame(
    {
        "mix": ["A", "B", "C"] * 3,
        "future": [0, 0, 0, 1, 1, 1, 2, 2, 2],
        "exits": [10, 12, 8, 10, 6, 9, 7, 11, 10],
        "relapse": [0.10, 0.30, 0.20, 0.15, 0.10, 0.12, 0.20, 0.25, 0.10],
    }
)
"""Best exits per future 12, 10, 11; least relapse 0.10 in each."""


def test_regret_is_the_shortfall_against_each_futures_best_mix():
    exits = regret(OUTCOMES, "exits", "more").set_index(["mix", "future"])["regret"]
    assert exits.loc["A"].tolist() == [2, 0, 4]
    assert exits.loc["B"].tolist() == [0, 4, 0]
    assert exits.loc["C"].tolist() == [4, 1, 1]
    relapse = regret(OUTCOMES, "relapse", "less").set_index(["mix", "future"])["regret"]
    assert np.allclose(relapse.loc["B"], [0.20, 0.0, 0.15])


def test_ranks_by_maximum_regret_then_90th_percentile_and_satisficing_share():
    conditions = [parse_condition("relapse<0.2"), parse_condition("exits>=9")]
    table, by_future = robustness_table(
        OUTCOMES, {"exits": "more", "relapse": "less"}, conditions
    )
    exits = table[table["indicator"] == "exits"].set_index("mix")
    # every mix's maximum regret is 4; 90th percentiles (linear): A 3.6, B 3.2, C 3.4
    assert exits["regret_max"].tolist() == [4, 4, 4]
    assert np.allclose(exits.loc[["A", "B", "C"], "regret_p90"], [3.6, 3.2, 3.4])
    assert exits["regret_rank"].to_dict() == {"B": 1, "C": 2, "A": 3}
    assert list(exits.index) == ["B", "C", "A"]  # rows in rank order
    assert np.allclose(exits.loc[["A", "B", "C"], "best_in_futures_share"], [1 / 3, 2 / 3, 0])
    relapse = table[table["indicator"] == "relapse"].set_index("mix")
    # maxima A 0.1, B 0.2, C 0.1; 90th percentiles A 0.09, C 0.084
    assert relapse["regret_rank"].to_dict() == {"C": 1, "A": 2, "B": 3}
    # relapse < 0.2 and exits >= 9: A in futures 0, 1; B in none; C in 1, 2
    assert np.allclose(exits.loc[["A", "B", "C"], "satisficing_share"], [2 / 3, 0, 2 / 3])
    assert exits.loc[["A", "B", "C"], "satisficing_rank"].tolist() == [1, 3, 1]
    assert len(by_future) == 2 * len(OUTCOMES)


def test_a_future_without_a_value_is_left_out_of_the_regret():
    missing = OUTCOMES.assign(exits=OUTCOMES["exits"].astype(float))
    missing.loc[(missing["mix"] == "C") & (missing["future"] == 2), "exits"] = np.nan
    table, _ = robustness_table(missing, {"exits": "more"}, [])
    exits = table.set_index("mix")
    assert exits["futures"].tolist() == [2, 2, 2]
    assert exits.loc["A", "regret_max"] == 2  # futures 0 and 1 only
    assert (exits["satisficing_share"] == 1).all()  # no condition: every future passes


@pytest.mark.parametrize(
    "text",
    ["relapse", "relapse<", "relapse<<0.2", "relapse=0.2", "<0.2", "relapse<abc", "relapse<nan"],
)
def test_a_malformed_condition_says_the_allowed_form(text):
    with pytest.raises(ValueError, match="allowed|finite"):
        parse_condition(text)


def test_conditions_and_directions_parse():
    condition = parse_condition(" incidence_persons_final_year <= 0.15 ")
    assert (condition.indicator, condition.comparison, condition.value) == (
        "incidence_persons_final_year", "<=", 0.15,
    )  # fmt: skip
    assert condition.holds(np.array([0.1, 0.15, 0.2, np.nan])).tolist() == [1, 1, 0, 0]
    assert parse_indicator("exits_households_total") == ("exits_households_total", "more")
    assert parse_indicator("custom:less") == ("custom", "less")
    with pytest.raises(ValueError, match="custom:more or custom:less"):
        parse_indicator("custom")
    with pytest.raises(ValueError, match="more or less"):
        parse_indicator("custom:up")
