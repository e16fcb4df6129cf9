"""A comparison of scenarios on common random numbers, written as a comparison directory.

`run_comparison` is the body of `python run.py compare` and of the web app's Compare page:
every scenario runs replicates 0..R-1 of one seed, each with its paired no-intervention run
when it has instruments (reused when another scenario of the comparison is that run, e.g.
the baseline); then every run directory, comparison.csv, the figures and report.html are
written (model.report.compare_directory). Front ends load and validate the scenarios
first, so a typo costs seconds, not the comparison.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from model.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from model.config.scenario import Scenario


@dataclass(frozen=True)
class ComparisonRequest:
    """What to compare and where to write it. `files[i]` is where `scenarios[i]` came from
    (recorded in the manifests); the first scenario is the reference for differences."""

    scenarios: list[Scenario]
    files: list[Path]
    replicates: int
    out_dir: Path
    command_line: str
    seed: int | None = None  # None: the first scenario's seed
    panel: bool = False
    marginal: bool = False
    force: bool = False  # replace a finished comparison of other scenario files

    @property
    def chosen_seed(self) -> int:
        return self.scenarios[0].seed if self.seed is None else self.seed


@dataclass(frozen=True)
class ComparisonOutcome:
    """A finished comparison: its directory, its table and what it took."""

    out_dir: Path
    directory_names: list[str]
    seed: int
    replicates: int
    runs: int
    simulation_seconds: float
    comparison: pd.DataFrame


def scenario_directory_names(scenarios, files: list[Path]) -> list[str]:
    """One directory name per scenario: its name, else its file name where names repeat."""
    names = [scenario.name for scenario in scenarios]
    if len(set(names)) < len(names):
        names = [path.stem for path in files]
    if len(set(names)) < len(names):
        raise UserError(
            "compare: two scenarios have the same name and file name; give each a distinct "
            f"`name:` ({', '.join(str(path) for path in files)})"
        )
    for name in names:
        if not name or name.startswith(".") or "/" in name or name in ("plots",):
            raise UserError(f"compare: scenario name {name!r} cannot name a directory")
    return names


def planned_comparison_runs(scenarios: list[Scenario], marginal: bool = False) -> int:
    """How many runs `run_comparison` simulates: each scenario, plus the paired
    no-intervention runs no earlier scenario already is (and leave-one-out runs)."""
    from model.analysis.study import planned_runs, without_interventions

    runs, known = 0, []
    for scenario in scenarios:
        runs += planned_runs(scenario, marginal, known)
        known += [scenario] + ([without_interventions(scenario)] if scenario.interventions else [])
    return runs


def comparison_years(request: ComparisonRequest) -> int:
    """Simulated years in all (runs x replicates x years): the total of progress updates."""
    runs = planned_comparison_runs(request.scenarios, request.marginal)
    return runs * request.replicates * request.scenarios[0].years


def run_comparison(
    request: ComparisonRequest,
    progress: Callable[[int], None] | None = None,
    on_comparison: Callable[[pd.DataFrame], None] | None = None,
) -> ComparisonOutcome:
    """Simulate the scenarios paired and write the comparison directory.

    `progress(n)` is called after every n simulated years (comparison_years in all); a front
    end may raise from it to cancel (nothing is written then, the directory is left without
    a manifest, i.e. unfinished). `on_comparison(table)` receives comparison.csv's table as
    soon as the simulations are done, before the files and figures (most of the time of a
    small comparison) are written, so a page can show the headline differences early.
    """
    from model.analysis.comparison import comparison_table
    from model.analysis.replicates import summary_of_headlines
    from model.analysis.study import analysis_tables, run_study
    from model.report.compare_directory import (
        comparison_provenance,
        prepare_compare_directory,
        write_compare_directory,
    )
    from model.report.run_directory import RunRecord, write_run_directory

    started_at = datetime.now(UTC)
    scenarios, files = request.scenarios, request.files
    if len(scenarios) < 2:
        raise UserError("compare: give at least two scenario files")
    names = scenario_directory_names(scenarios, files)
    seed, out_dir = request.chosen_seed, request.out_dir
    prepare_compare_directory(out_dir, names, files, request.force)
    runs = planned_comparison_runs(scenarios, request.marginal)

    clock = time.perf_counter()
    studies, earlier = [], []
    for scenario in scenarios:
        study = run_study(
            scenario, seed, request.replicates, progress, keep_panel=request.panel,
            marginal=request.marginal, earlier=earlier,
        )  # fmt: skip
        studies.append(study)
        earlier += [study.results] + ([study.counterfactual] if study.counterfactual else [])
    simulation_seconds = time.perf_counter() - clock

    tables = [analysis_tables(study) for study in studies]
    headlines = {study.name: study.results.headlines() for study in studies}
    comparison = comparison_table(headlines)
    if on_comparison is not None:
        on_comparison(comparison)
    try:
        for name, path, study, study_tables in zip(names, files, studies, tables, strict=True):
            record = RunRecord(
                scenario=study.results.scenario, scenario_file=path.resolve(), seed=seed,
                replicates=request.replicates, yearly=study.results.yearly,
                summary=summary_of_headlines(headlines[study.name]),
                command_line=request.command_line,
                started_at=started_at, simulation_seconds=simulation_seconds,
                tables=study_tables, panel=study.results.panel,
            )  # fmt: skip
            write_run_directory(out_dir / name, record)
        provenance = comparison_provenance(
            [{"name": s.name, "file": str(p.resolve()), "directory": n}
             for s, p, n in zip(scenarios, files, names, strict=True)],
            seed, request.replicates, request.command_line,
            started_at.isoformat(timespec="seconds"), simulation_seconds, runs,
        )  # fmt: skip
        write_compare_directory(out_dir, comparison, tables, provenance)
    except OSError as exc:
        raise UserError(f"--out {out_dir}: could not write the comparison: {exc}") from None
    return ComparisonOutcome(
        out_dir, names, seed, request.replicates, runs, simulation_seconds, comparison
    )


# --- the headline differences, as the command line prints them and the app shows them ----

PERCENTAGE_POINTS = "{:+.1f} pp"
"""A difference of two shares, in percentage points (x 100 before formatting)."""

KEY_DIFFERENCES = (
    ("incidence_persons_final_year", "income-poor persons, final year", PERCENTAGE_POINTS),
    ("exits_households_total", "exits (households)", "{:+,.0f}"),
    ("lasting_exits_households_total", "lasting exits (households)", "{:+,.0f}"),
    ("relapse_within_3y_share_of_exits", "relapses within 3 years per exit", PERCENTAGE_POINTS),
    ("spending_total", "spending (yuan)", "{:+,.0f}"),
)


@dataclass(frozen=True)
class KeyDifference:
    """One headline difference of a scenario to the reference, formatted for people."""

    scenario: str
    indicator: str
    label: str
    difference: str  # e.g. "-6.4 pp"
    interval: str  # e.g. "-6.5 pp to -6.2 pp"; "" when undefined (one replicate)


def key_differences(comparison: pd.DataFrame) -> list[KeyDifference]:
    """The KEY_DIFFERENCES of every scenario but the first, with their paired intervals."""
    first = comparison["scenario"].iloc[0]
    found = []
    for scenario, rows in comparison.groupby("scenario", sort=False):
        if scenario == first:
            continue
        by_indicator = rows.set_index("indicator")
        for key, label, number_format in KEY_DIFFERENCES:
            if key not in by_indicator.index:
                continue
            row = by_indicator.loc[key]
            scale = 100.0 if number_format == PERCENTAGE_POINTS else 1.0
            interval = ""
            if row["difference_low"] == row["difference_low"]:  # not NaN
                low = number_format.format(scale * row["difference_low"])
                high = number_format.format(scale * row["difference_high"])
                interval = f"{low} to {high}"
            difference = number_format.format(scale * row["difference"])
            found.append(KeyDifference(scenario, key, label, difference, interval))
    return found


def difference_lines(comparison: pd.DataFrame) -> list[str]:
    """Differences to the first scenario with their paired 90% intervals, as text."""
    first = comparison["scenario"].iloc[0]
    lines = [f"difference to {first} (paired 90% interval):"]
    scenario = None
    for item in key_differences(comparison):
        if item.scenario != scenario:
            scenario = item.scenario
            lines.append(f"  {scenario}")
        text = item.difference + (f"  ({item.interval})" if item.interval else "")
        lines.append(f"    {item.label:<36} {text}")
    return lines
