"""Fund efficiency against the paired no-intervention run, and each instrument's marginal
contribution by leaving it out (README, "Fund efficiency").

The counterfactual of a scenario is the same scenario without instruments and funds, run
on the same seed and replicates: every process keeps its own random stream, so the two
runs share their populations and shocks (common random numbers) and differ only by the
assistance. Leaving one instrument out keeps the funds: the money it would have spent
goes to the other instruments its fund pays for, or stays idle, so its marginal
contribution is what the package loses without it.

Ratios (yuan per additional exit) are ratios of means over replicates, with a delta-method
interval: a per-replicate ratio is undefined when a replicate has no additional exit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import special

from model.analysis.intervals import INTERVAL_LEVEL, interval
from model.analysis.replicates import spending_of_followed_years
from model.config.scenario import Scenario, validate_data
from model.interventions import REGISTRY

if TYPE_CHECKING:  # pragma: no cover
    from model.analysis.replicates import RunResults

EFFICIENCY_COLUMNS = [
    "scenario", "left_out", "measure", "unit", "mean", "mean_low", "mean_high", "replicates",
]
PER_10K_YUAN = 10_000.0


# --- the paired runs ---------------------------------------------------------------------

def without_interventions(scenario: Scenario) -> Scenario:
    """The scenario with no instruments and only the default (unlimited, unused) funds."""
    raw = scenario.model_dump(mode="python")
    raw["name"] = f"{scenario.name} without interventions"
    raw["interventions"] = []
    raw["funds"] = {}
    raw["allocation"] = {"rule": scenario.allocation.rule}
    return validate_data(raw, file=f"{scenario.name} (no-intervention counterfactual)")


def without_instrument(scenario: Scenario, label: str) -> Scenario:
    """The scenario without the instrument named `label`; funds, fund uses, shares and the
    cause map lose their references to it and keep everything else."""
    raw = scenario.model_dump(mode="python")
    raw["name"] = f"{scenario.name} without {label}"
    raw["interventions"] = [
        spec for spec, kept in zip(raw["interventions"], scenario.interventions, strict=True)
        if kept.label != label
    ]
    known = {spec.label for spec in scenario.interventions if spec.label != label} | set(REGISTRY)
    for fund in raw["funds"].values():
        if fund.get("pays_for") is not None:
            fund["pays_for"] = [name for name in fund["pays_for"] if name in known]
    allocation = raw["allocation"]
    allocation["shares"] = {k: v for k, v in allocation["shares"].items() if k != label}
    if allocation.get("integrated_uses") is not None:
        allocation["integrated_uses"] = [n for n in allocation["integrated_uses"] if n in known]
    if allocation.get("cause_map"):
        allocation["cause_map"] = {
            cause: [name for name in names if name in known]
            for cause, names in allocation["cause_map"].items()
        }
    return validate_data(raw, file=f"{scenario.name} (leaving out {label})")


def same_run(a: Scenario, b: Scenario) -> bool:
    """True when the two scenarios simulate the same thing (names and descriptions aside)."""
    def essence(scenario: Scenario) -> dict:
        return scenario.model_dump(mode="python", exclude={"name", "description"})

    return essence(a) == essence(b)


# --- per-replicate totals ----------------------------------------------------------------

def replicate_totals(results: RunResults) -> pd.DataFrame:
    """Per replicate (index): totals over the run the efficiency measures are made of.

    `spending_followed` is the spending of the years whose exits are followed for
    LASTING_EXIT_YEARS (all but the run's last three), the money lasting exits are set
    against, since the lasting exits of the last three years are not yet known.
    """
    yearly = results.yearly
    groups = yearly.groupby("replicate", sort=True)
    final_year = yearly[yearly["year"] == yearly["year"].max()].set_index("replicate")
    return pd.DataFrame(
        {
            "spending": groups["spending_total"].sum(),
            "spending_followed": groups.apply(spending_of_followed_years, include_groups=False),
            "exits": groups["exits_households"].sum(),
            "lasting_exits": groups["lasting_exits_households"].sum(),
            "poverty_gap_yuan": groups["poverty_gap_yuan"].sum(),
            "leakage": groups["spending_leakage"].sum(),
            "idle_funds_final_year": final_year["idle_funds"],
        }
    ).astype(np.float64)


def ratio_interval(
    numerators: np.ndarray, denominators: np.ndarray, level: float = INTERVAL_LEVEL
) -> dict[str, float | None]:
    """Ratio of means sum(n)/sum(d) over replicates with a delta-method t-interval
    (standard error sd(n - R d) / (sqrt(k) mean(d))); undefined when mean(d) <= 0."""
    numerators = np.asarray(numerators, dtype=np.float64)
    denominators = np.asarray(denominators, dtype=np.float64)
    k = numerators.size
    mean_denominator = denominators.mean() if k else 0.0
    if k == 0 or mean_denominator <= 0:
        return {"mean": None, "mean_low": None, "mean_high": None, "n": k}
    ratio = numerators.mean() / mean_denominator
    if k < 2:
        return {"mean": ratio, "mean_low": None, "mean_high": None, "n": k}
    standard_error = (numerators - ratio * denominators).std(ddof=1) / (
        np.sqrt(k) * mean_denominator
    )
    half = special.stdtrit(k - 1, 1 - (1 - level) / 2) * standard_error
    return {"mean": ratio, "mean_low": ratio - half, "mean_high": ratio + half, "n": k}


def mean_interval(values: np.ndarray) -> dict[str, float | None]:
    """Mean of per-replicate values with its 90% t-interval."""
    figure = interval(values)
    return {k: figure[k] for k in ("mean", "mean_low", "mean_high", "n")}


def row(scenario: str, left_out: str, measure: str, unit: str, figure: dict) -> dict:
    return {
        "scenario": scenario, "left_out": left_out, "measure": measure, "unit": unit,
        "mean": figure["mean"], "mean_low": figure["mean_low"],
        "mean_high": figure["mean_high"], "replicates": figure["n"],
    }


# --- the tables --------------------------------------------------------------------------

def package_efficiency(results: RunResults, counterfactual: RunResults) -> list[dict]:
    """The package's rows of efficiency.csv, paired replicate by replicate."""
    name = results.scenario.name
    with_package = replicate_totals(results)
    without = replicate_totals(counterfactual)
    additional_exits = with_package["exits"] - without["exits"]
    additional_lasting = with_package["lasting_exits"] - without["lasting_exits"]
    gap_reduction = without["poverty_gap_yuan"] - with_package["poverty_gap_yuan"]
    spending = with_package["spending"]
    return [
        row(name, "", "spending_total", "yuan", mean_interval(spending)),
        row(name, "", "additional_exits", "households", mean_interval(additional_exits)),
        row(name, "", "additional_lasting_exits", "households", mean_interval(additional_lasting)),
        row(name, "", "cost_per_exit", "yuan per additional exit",
            ratio_interval(spending, additional_exits)),
        row(name, "", "cost_per_lasting_exit", "yuan per additional lasting exit",
            ratio_interval(with_package["spending_followed"], additional_lasting)),
        row(name, "", "poverty_gap_reduction_yuan", "yuan", mean_interval(gap_reduction)),
        row(name, "", "poverty_gap_reduction_per_10k_yuan", "yuan of gap per 10,000 yuan spent",
            ratio_interval(PER_10K_YUAN * gap_reduction, spending)),
        row(name, "", "leakage_share", "share of spending",
            ratio_interval(with_package["leakage"], spending)),
        row(name, "", "idle_funds_final_year", "yuan",
            mean_interval(with_package["idle_funds_final_year"])),
    ]  # fmt: skip


def marginal_contributions(results: RunResults, left_out: dict[str, RunResults]) -> list[dict]:
    """Leave-one-out rows of efficiency.csv: what the package loses without each instrument."""
    name = results.scenario.name
    full = replicate_totals(results)
    rows = []
    for label, without_it in left_out.items():
        rest = replicate_totals(without_it)
        marginal_lasting = full["lasting_exits"] - rest["lasting_exits"]
        spending_followed = full["spending_followed"] - rest["spending_followed"]
        rows += [
            row(name, label, "marginal_exits", "households",
                mean_interval(full["exits"] - rest["exits"])),
            row(name, label, "marginal_lasting_exits", "households",
                mean_interval(marginal_lasting)),
            row(name, label, "marginal_poverty_gap_reduction_yuan", "yuan",
                mean_interval(rest["poverty_gap_yuan"] - full["poverty_gap_yuan"])),
            row(name, label, "marginal_spending", "yuan",
                mean_interval(full["spending"] - rest["spending"])),
            row(name, label, "marginal_cost_per_lasting_exit", "yuan per lasting exit",
                ratio_interval(spending_followed, marginal_lasting)),
        ]  # fmt: skip
    return rows


def efficiency_frame(rows: list[dict]) -> pd.DataFrame:
    """efficiency.csv as a frame with its columns in order."""
    return pd.DataFrame(rows, columns=EFFICIENCY_COLUMNS)
