"""One scenario studied: its replicates, its paired no-intervention run and, if asked, one
run per instrument left out; and the analysis tables written from them.

Runs are paired: all use the same seed and replicates, so replicate r of every run starts
from the same households and meets the same shocks (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.analysis.efficiency import (
    efficiency_frame,
    marginal_contributions,
    package_efficiency,
    same_run,
    without_instrument,
    without_interventions,
)
from model.analysis.relapse import relapse_curve, survival_table
from model.analysis.replicates import RunResults, simulate
from model.config.scenario import Scenario


@dataclass
class Study:
    """A scenario's results with the paired runs its fund efficiency is measured against."""

    results: RunResults
    counterfactual: RunResults | None = None  # None when the scenario has no instruments
    left_out: dict[str, RunResults] = field(default_factory=dict)  # instrument label -> run

    @property
    def name(self) -> str:
        return self.results.scenario.name


def planned_runs(scenario: Scenario, marginal: bool) -> int:
    """How many runs `run_study` will simulate (for the progress bar)."""
    runs, _ = plan_studies([scenario], marginal=marginal)
    return len(runs)


def run_study(
    scenario: Scenario,
    seed: int,
    replicates: int,
    progress: Callable[[int], None] | None = None,
    keep_panel: bool = False,
    marginal: bool = False,
) -> Study:
    """Simulate `scenario`, its no-intervention counterfactual and, with `marginal`, the
    scenario without each of its instruments in turn (the runs `plan_studies` lists), here,
    one after the other."""
    runs, (plan,) = plan_studies([scenario], keep_panel, marginal)
    results = [simulate(run.scenario, seed, replicates, progress, run.keep_panel) for run in runs]
    return plan.study(results.__getitem__)


# --- the runs of several studies, planned before any is simulated ------------------------


@dataclass(frozen=True)
class PlannedRun:
    """One run of a comparison: a scenario's replicates 0..R-1 (with the household panel
    kept for the scenario's own run when asked)."""

    scenario: Scenario
    keep_panel: bool = False


@dataclass(frozen=True)
class StudyPlan:
    """Which planned runs make one scenario's Study, as indices into the list of runs."""

    results: int
    counterfactual: int | None = None
    left_out: dict[str, int] = field(default_factory=dict)  # instrument label -> run

    def study(self, results_of: Callable[[int], RunResults]) -> Study:
        """The Study of these runs, given each planned run's results by its index."""
        return Study(
            results_of(self.results),
            None if self.counterfactual is None else results_of(self.counterfactual),
            {label: results_of(run) for label, run in self.left_out.items()},
        )


def plan_studies(
    scenarios: list[Scenario], keep_panel: bool = False, marginal: bool = False
) -> tuple[list[PlannedRun], list[StudyPlan]]:
    """Every run the studies of `scenarios` need, each once, and each study's runs.

    A paired no-intervention run that an earlier study already has (its scenario's run or
    its counterfactual, e.g. the baseline) is shared. Knowing every run first lets a
    comparison hand them all to worker processes at once.
    """
    runs: list[PlannedRun] = []
    shareable: list[int] = []  # the earlier studies' own and counterfactual runs

    def add(scenario: Scenario, panel: bool = False) -> int:
        runs.append(PlannedRun(scenario, panel))
        return len(runs) - 1

    plans = []
    for scenario in scenarios:
        results = add(scenario, keep_panel)
        counterfactual, left_out = None, {}
        if scenario.interventions:
            counterfactual_scenario = without_interventions(scenario)
            counterfactual = next(
                (i for i in shareable if same_run(counterfactual_scenario, runs[i].scenario)),
                None,
            )
            if counterfactual is None:
                counterfactual = add(counterfactual_scenario)
            if marginal:
                left_out = {
                    spec.label: add(without_instrument(scenario, spec.label))
                    for spec in scenario.interventions
                }
        plans.append(StudyPlan(results, counterfactual, left_out))
        shareable += [results] + ([] if counterfactual is None else [counterfactual])
    return runs, plans


# --- analysis tables ---------------------------------------------------------------------


def relapse_curve_table(study: Study) -> pd.DataFrame:
    """relapse_curve.csv: counts summed over replicates, probabilities and intervals."""
    curve = relapse_curve(study.results.relapse_counts.drop(columns="replicate"))
    curve.insert(0, "scenario", study.name)
    return curve


def survival_csv_table(study: Study) -> pd.DataFrame:
    """survival.csv: Kaplan-Meier after exit by channel, the spells of all replicates pooled."""
    table = survival_table(study.results.spells, study.results.scenario.years - 1)
    table.insert(0, "scenario", study.name)
    return table


def efficiency_table(study: Study) -> pd.DataFrame | None:
    """efficiency.csv, or None for a scenario without instruments."""
    if study.counterfactual is None:
        return None
    rows = package_efficiency(study.results, study.counterfactual)
    rows += marginal_contributions(study.results, study.left_out)
    return efficiency_frame(rows)


def has_fixed_households(scenario: Scenario) -> bool:
    """Whether replicate r starts from the same households as replicate 0 (a household
    table, or a synthetic population drawn once), so a household can be scored."""
    return scenario.population.source == "csv" or not scenario.population.vary_by_replicate


def vulnerability_table(study: Study) -> pd.DataFrame | None:
    """vulnerability.csv: each household's share of replicates poor in the first policy year
    and within three; None unless the households are the same in every replicate and there
    are at least two replicates."""
    results = study.results
    if not has_fixed_households(results.scenario) or results.replicates < 2:
        return None
    table = results.start.copy()
    table["poor_next_year_probability"] = results.poor_first_year.mean(axis=0)
    table["poor_within_3y_probability"] = results.poor_within_3y.mean(axis=0)
    table["replicates"] = np.int32(results.replicates)
    return table


def analysis_tables(study: Study) -> dict[str, pd.DataFrame | None]:
    """The analysis tables of a run directory (model.report.files.ANALYSIS_TABLES), by file name."""
    return {
        "relapse_curve.csv": relapse_curve_table(study),
        "survival.csv": survival_csv_table(study),
        "efficiency.csv": efficiency_table(study),
        "vulnerability.csv": vulnerability_table(study),
    }
