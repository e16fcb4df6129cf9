"""Property-based runs (issue 12): hypothesis draws scenario variations -- fund budgets,
instrument capacities and shares, allocation rules, counties down to one household, exit
plans down to no exits -- runs each through the command line as a user would, and checks
that every run finishes with a manifest and keeps the money and count invariants.

Small by default (PROPERTY_EXAMPLES, default 4 examples of at most 300 households and 3
years); for a longer search: `PROPERTY_EXAMPLES=200 .venv/bin/python -m pytest -m property`.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import cli
from tests.support.paths import REPO_ROOT

pytestmark = pytest.mark.property

EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "4"))
BASELINE = REPO_ROOT / "scenarios" / "baseline.yaml"
INSTRUMENTS = {  # type -> the fund that pays it
    "dibao": "civil_affairs",
    "temporary_relief": "civil_affairs",
    "production_subsidy": "general",
    "public_welfare_post": "general",
}
RULES = ("in_order", "fixed_shares", "cause_matched", "cost_effectiveness")
MONEY_TOLERANCE = 1e-6  # yuan, relative: sums of float64 bookings


@st.composite
def scenarios(draw) -> dict:
    """A scenario extending baseline.yaml with limited funds and a few instruments."""
    chosen = draw(st.lists(st.sampled_from(sorted(INSTRUMENTS)), unique=True, max_size=4))
    budgets = {
        fund: draw(st.sampled_from([0.0, 1.0, 5_000.0, 200_000.0, 1e9]))
        for fund in ("general", "civil_affairs")
    }
    carry_over = draw(st.booleans())
    rule = draw(st.sampled_from(RULES))
    interventions = []
    for name in chosen:
        spec = {"type": name, "fund": INSTRUMENTS[name]}
        capacity = draw(st.sampled_from([None, 0, 1, 50]))
        if capacity is not None:
            spec["capacity_households_per_year"] = capacity
        interventions.append(spec)
    shares: dict[str, float] = {}
    if rule == "fixed_shares":
        for fund in ("general", "civil_affairs"):
            names = [s["type"] for s in interventions if s["fund"] == fund]
            for name in names:
                shares[name] = round(draw(st.floats(0, 1)) / max(1, len(names)), 6)
    planned = draw(st.sampled_from([None, 0.0, 0.2, 1.0]))
    scenario = {
        "extends": str(BASELINE),
        "name": "property",
        "funds": {
            fund: {"yearly": amount, "carry_over": carry_over} for fund, amount in budgets.items()
        },
        "interventions": interventions,
        "allocation": {"rule": rule, **({"shares": shares} if shares else {})},
        "policy": {"exit": {"planned_share": planned}},
    }
    sizes = {
        "households": draw(st.sampled_from([1, 2, 3, 40, 300])),
        "years": draw(st.integers(1, 3)),
        "replicates": draw(st.integers(1, 2)),
    }
    return {"scenario": scenario, **sizes}


def check_counts(yearly: pd.DataFrame) -> None:
    """Counts are whole, non-negative and nested as their definitions say."""
    numbers = yearly.select_dtypes("number")
    assert not np.isinf(numbers.to_numpy(dtype=float)).any(), "an infinite indicator"
    households = yearly["households"]
    for column in ("poor_households", "registered_households", "near_poor_share"):
        assert (yearly[column] >= 0).all(), column
    assert (yearly["poor_households"] <= households).all()
    assert (yearly["registered_households"] <= households).all()
    assert (yearly["exits_households"] <= yearly["registered_at_start_households"]).all()
    assert (yearly["lasting_exits_households"] <= yearly["exits_followed_3y_households"]).all()
    within = [f"relapses_within_{y}y_households" for y in (1, 3, 5)]
    for shorter, longer in zip(within, [*within[1:], "relapses_households"], strict=True):
        assert (yearly[shorter] <= yearly[longer]).all(), (shorter, longer)


def check_money(yearly: pd.DataFrame, scenario: dict) -> None:
    """Every yuan is booked once, by instrument and by fund, and no fund spends more than it
    received (cumulatively: unspent money may carry over)."""
    total = yearly["spending_total"]
    slack = MONEY_TOLERANCE * (1 + total.abs())
    assert (total >= -slack).all() and (yearly["idle_funds"] >= -slack).all()
    assert (yearly["spending_leakage"] <= total + slack).all()
    by_instrument = [f"spending_{s['type']}" for s in scenario["interventions"]]
    by_fund = [c for c in yearly.columns if c.startswith("spending_fund_")]
    if by_instrument:
        assert np.allclose(yearly[by_instrument].sum(axis=1), total, rtol=1e-9, atol=1e-6)
    if by_fund:
        assert np.allclose(yearly[by_fund].sum(axis=1), total, rtol=1e-9, atol=1e-6)
    for fund, spec in scenario["funds"].items():
        column = f"spending_fund_{fund}"
        if column not in yearly:
            continue
        for _, rows in yearly.groupby("replicate"):
            spent = rows[column].cumsum().to_numpy()
            received = spec["yearly"] * np.arange(1, len(rows) + 1)
            assert (spent <= received * (1 + MONEY_TOLERANCE) + 1e-6).all(), (fund, spent)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 10,  # the default suite draws the same examples every time
    suppress_health_check=[HealthCheck.too_slow],
)
@given(case=scenarios())
def test_every_drawn_scenario_finishes_with_a_manifest_and_keeps_the_invariants(case):
    with tempfile.TemporaryDirectory() as temp:
        scenario_file = Path(temp) / "scenario.yaml"
        scenario_file.write_text(yaml.safe_dump(case["scenario"]), encoding="utf-8")
        out = Path(temp) / "run"
        code = cli.main(
            [
                "run", str(scenario_file), "--households", str(case["households"]),
                "--years", str(case["years"]), "--replicates", str(case["replicates"]),
                "--out", str(out), "--quiet", "--seed", "5",
            ]
        )  # fmt: skip
        assert code == 0
        manifest = json.loads((out / "manifest.json").read_text())
        assert set(manifest["files"]) >= {"yearly.csv", "summary.json", "report.html"}
        for name in manifest["files"]:
            assert (out / name).is_file(), name
        yearly = pd.read_csv(out / "yearly.csv")
        assert len(yearly) == case["years"] * case["replicates"]
        check_counts(yearly)
        check_money(yearly, case["scenario"])
