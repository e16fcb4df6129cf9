"""Replicates and their summary: the layer the command line, sweeps and Mesa users share.

Replicate r of seed s is the simulation with streams keyed by (s, r), so replicate
r of two scenarios share their random draws (paired comparisons), and any single
replicate can be re-run on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.analysis.intervals import INTERVAL_LEVEL, interval
from model.config.scenario import Scenario
from model.engine.state import EXIT_CHANNELS
from model.simulation import Simulation
from model.simulation.campaign_metrics import campaign_headline
from model.simulation.metrics import YEARLY_COLUMNS, yearly_columns

__all__ = [
    "INTERVAL_LEVEL",
    "interval",
    "YEARLY_COLUMNS",
    "ReplicateResults",
    "RunResults",
    "combine_replicates",
    "headline",
    "run_replicate",
    "run_replicates",
    "simulate",
    "simulate_replicate",
    "summarize",
    "yearly_columns",
]


def run_replicate(
    scenario: Scenario, seed: int, replicate: int = 0, progress: Callable[[int], None] | None = None
) -> pd.DataFrame:
    """One replicate's yearly indicators, one row per policy year."""
    simulation = Simulation(scenario, seed=seed, replicate=replicate)
    return yearly_frame(scenario, simulation.run(progress))


def yearly_frame(scenario: Scenario, records: list[dict[str, float]]) -> pd.DataFrame:
    """The yearly rows of one replicate with yearly.csv's columns in their order."""
    return pd.DataFrame.from_records(records, columns=yearly_columns(scenario))


def run_replicates(
    scenario: Scenario, seed: int, replicates: int, progress: Callable[[int], None] | None = None
) -> pd.DataFrame:
    """Yearly indicators of replicates 0..R-1, stacked (one row per replicate and year)."""
    frames = [run_replicate(scenario, seed, r, progress) for r in range(replicates)]
    return pd.concat(frames, ignore_index=True)


VULNERABILITY_YEARS = 3
"""The vulnerability score looks at the first policy year and the first three."""


@dataclass
class RunResults:
    """Everything the replicates of one scenario produced that the outputs are made of."""

    scenario: Scenario
    seed: int
    yearly: pd.DataFrame  # one row per replicate and policy year
    relapse_counts: pd.DataFrame  # model.analysis.relapse.relapse_curve_counts, with `replicate`
    spells: pd.DataFrame  # model.analysis.relapse.exit_spells, one row per exit, with `replicate`
    poor_first_year: np.ndarray  # (replicates, households) bool
    poor_within_3y: np.ndarray  # (replicates, households) bool
    start: pd.DataFrame  # replicate 0's households at identification (vulnerability.csv)
    panel: pd.DataFrame | None  # households.parquet rows when asked for

    @property
    def replicates(self) -> int:
        return self.poor_first_year.shape[0]

    def headlines(self) -> pd.DataFrame:
        """Headline figures, one row per replicate (index: replicate)."""
        return per_replicate_headlines(self.yearly)


@dataclass
class ReplicateResults:
    """What one replicate leaves for RunResults: a pure function of (scenario, seed,
    replicate), so it may be computed in any process and combined in replicate order."""

    replicate: int
    yearly: pd.DataFrame
    relapse_counts: pd.DataFrame  # with `replicate`
    spells: pd.DataFrame  # with `replicate`
    poor_first_year: np.ndarray  # (households,) bool
    poor_within_3y: np.ndarray  # (households,) bool
    start: pd.DataFrame | None  # the households at identification; replicate 0 only
    panel: pd.DataFrame | None  # households.parquet rows when asked for


def simulate_replicate(
    scenario: Scenario,
    seed: int,
    replicate: int,
    progress: Callable[[int], None] | None = None,
    keep_panel: bool = False,
) -> ReplicateResults:
    """Run one replicate and keep what the relapse analyses need from its panel."""
    from model.analysis.relapse import exit_spells, poor_in_first_years, relapse_curve_counts

    sim = Simulation(scenario, seed=seed, replicate=replicate)
    yearly = yearly_frame(scenario, sim.run(progress))
    panel = sim.panel
    return ReplicateResults(
        replicate=replicate,
        yearly=yearly,
        relapse_counts=relapse_curve_counts(panel).assign(replicate=replicate),
        spells=exit_spells(panel).assign(replicate=replicate),
        poor_first_year=poor_in_first_years(panel, 1),
        poor_within_3y=poor_in_first_years(panel, VULNERABILITY_YEARS),
        start=panel.start_frame() if replicate == 0 else None,
        panel=panel.to_frame(replicate) if keep_panel else None,
    )


def combine_replicates(
    scenario: Scenario, seed: int, replicates: list[ReplicateResults]
) -> RunResults:
    """RunResults of replicates 0..R-1, stacked in replicate order (whoever computed them)."""
    if [one.replicate for one in replicates] != list(range(len(replicates))):
        raise ValueError("combine_replicates needs replicates 0..R-1 in order")
    panels = [one.panel for one in replicates if one.panel is not None]
    return RunResults(
        scenario=scenario,
        seed=seed,
        yearly=pd.concat([one.yearly for one in replicates], ignore_index=True),
        relapse_counts=pd.concat([one.relapse_counts for one in replicates], ignore_index=True),
        spells=pd.concat([one.spells for one in replicates], ignore_index=True),
        poor_first_year=np.array([one.poor_first_year for one in replicates]),
        poor_within_3y=np.array([one.poor_within_3y for one in replicates]),
        start=replicates[0].start,
        panel=pd.concat(panels, ignore_index=True) if panels else None,
    )


def simulate(
    scenario: Scenario,
    seed: int,
    replicates: int,
    progress: Callable[[int], None] | None = None,
    keep_panel: bool = False,
) -> RunResults:
    """Run replicates 0..R-1 in this process and keep what the relapse analyses need."""
    return combine_replicates(
        scenario,
        seed,
        [simulate_replicate(scenario, seed, r, progress, keep_panel) for r in range(replicates)],
    )


COUNTERFACTUAL_COLUMNS = {
    # column of a sweep task with `efficiency: true` -> the yearly column it pairs
    "counterfactual_exits_households": "exits_households",
    "counterfactual_lasting_exits_households": "lasting_exits_households",
    "counterfactual_poverty_gap_yuan": "poverty_gap_yuan",
}
"""The paired no-intervention run's yearly figures, kept beside a scenario's own."""
PER_MILLION_YUAN = 1_000_000.0


def spending_of_followed_years(yearly: pd.DataFrame) -> float:
    """Yuan spent in the years whose exits are followed for three years (all but the run's
    last three): what lasting exits are set against (README, "Fund efficiency")."""
    from model.simulation.panel import LASTING_EXIT_YEARS

    followed = yearly["year"] <= yearly["year"].max() - LASTING_EXIT_YEARS
    return float(yearly.loc[followed, "spending_total"].sum())


def paired_efficiency(y: pd.DataFrame, spending: float) -> dict[str, float]:
    """Fund efficiency of one replicate against its paired no-intervention run, from the
    COUNTERFACTUAL_COLUMNS of its yearly rows (sweeps with `efficiency: true`). Written
    per yuan so a replicate without additional exits still has a value."""
    additional_lasting = float(
        y["lasting_exits_households"].sum() - y["counterfactual_lasting_exits_households"].sum()
    )
    gap_reduction = float(y["counterfactual_poverty_gap_yuan"].sum() - y["poverty_gap_yuan"].sum())
    followed_spending = spending_of_followed_years(y)
    return {
        "additional_exits_households_total": float(
            y["exits_households"].sum() - y["counterfactual_exits_households"].sum()
        ),
        "additional_lasting_exits_households_total": additional_lasting,
        "additional_lasting_exits_per_million_yuan": (
            PER_MILLION_YUAN * additional_lasting / followed_spending
            if followed_spending
            else float("nan")
        ),
        "poverty_gap_reduction_yuan_total": gap_reduction,
        "poverty_gap_reduction_per_10k_yuan": 10_000.0 * gap_reduction / spending
        if spending
        else float("nan"),
    }


def headline(one_replicate: pd.DataFrame) -> dict[str, float]:
    """Headline figures of one replicate's yearly rows (see README, Indicators); with the
    paired counterfactual's columns (COUNTERFACTUAL_COLUMNS), its efficiency too."""
    y = one_replicate.sort_values("year")
    first, last = y.iloc[0], y.iloc[-1]
    exits = float(y["exits_households"].sum())
    relapses = float(y["relapses_households"].sum())
    spending = float(y["spending_total"].sum())
    followed = float(y["exits_followed_3y_households"].sum())
    lasting = float(y["lasting_exits_households"].sum())
    return {
        "incidence_persons_first_year": float(first["incidence_persons"]),
        "incidence_persons_final_year": float(last["incidence_persons"]),
        "registered_households_first_year": float(first["registered_households"]),
        "registered_households_final_year": float(last["registered_households"]),
        "poor_households_final_year": float(last["poor_households"]),
        "exits_households_total": exits,
        "exit_rate_mean": float(y["exit_rate"].mean()),
        "relapses_households_total": relapses,
        "relapse_share_of_exits": relapses / exits if exits else 0.0,
        "relapses_within_3y_households_total": float(y["relapses_within_3y_households"].sum()),
        "relapse_within_3y_share_of_exits": float(y["relapses_within_3y_households"].sum()) / exits
        if exits
        else 0.0,
        # exits followed 3 years (those before the run's last 3 years) and the lasting ones
        "exits_followed_3y_households_total": followed,
        "lasting_exits_households_total": lasting,
        "lasting_exit_share": lasting / followed if followed else float("nan"),
        "poverty_gap_yuan_total": float(y["poverty_gap_yuan"].sum()),
        "wrongly_exited_share_of_exits": float(y["wrongly_exited_households"].sum()) / exits
        if exits
        else 0.0,
        "missed_poor_share_final_year": (
            float(last["missed_poor_households"]) / float(last["poor_households"])
            if last["poor_households"]
            else 0.0
        ),
        "near_poor_share_final_year": float(last["near_poor_share"]),
        "fgt1_final_year": float(last["fgt1"]),
        "fgt2_final_year": float(last["fgt2"]),
        "spending_total": spending,
        "spending_leakage_share": float(y["spending_leakage"].sum()) / spending
        if spending
        else 0.0,
        "idle_funds_final_year": float(last["idle_funds"]),
        "spending_per_exit": spending / exits if exits else float("nan"),
        # the exit mix: share of all exits attributed to each channel
        **{
            f"exit_share_{channel}": float(y[f"exits_by_{channel}"].sum()) / exits if exits else 0.0
            for channel in EXIT_CHANNELS
        },
        # spending by instrument and by fund over the run (yuan)
        **{
            f"{column}_total": float(y[column].sum())
            for column in y.columns
            if column.startswith("spending_")
            and column not in ("spending_total", "spending_leakage")
        },
        **campaign_headline(y),
        **(paired_efficiency(y, spending) if COUNTERFACTUAL_COLUMNS.keys() <= set(y) else {}),
    }


def per_replicate_headlines(yearly: pd.DataFrame) -> pd.DataFrame:
    """Headline figures, one row per replicate (index: replicate)."""
    groups = yearly.groupby("replicate", sort=True)
    index = pd.Index(list(groups.groups), name="replicate")
    return pd.DataFrame([headline(g) for _, g in groups], index=index)


def summarize(yearly: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Each headline figure over replicates: mean, 90% replicate range, 90% interval of the mean."""
    return summary_of_headlines(per_replicate_headlines(yearly))


def summary_of_headlines(per_replicate: pd.DataFrame) -> dict[str, dict[str, float]]:
    """summarize() from headline figures already computed (one row per replicate)."""
    return {name: interval(per_replicate[name].to_numpy()) for name in per_replicate.columns}
