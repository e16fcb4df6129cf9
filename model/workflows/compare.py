"""A comparison of scenarios on common random numbers, written as a comparison directory.

`run_comparison` is the body of `python run.py compare` and of the web app's Compare page:
every scenario runs replicates 0..R-1 of one seed, each with its paired no-intervention run
when it has instruments (reused when another scenario of the comparison is that run, e.g.
the baseline); then every run directory, comparison.csv, the figures and report.html are
written (model.report.compare_directory). Front ends load and validate the scenarios
first, so a typo costs seconds, not the comparison.

The replicates and figures run on `workers` processes (model.workflows.comparison_work):
all replicates are handed out at once, a scenario's tables are written as soon as its runs
are collected and its figures are handed out behind the replicates, so drawing overlaps
simulating. The bytes written do not depend on the number of workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from model.errors import UserError
from model.workflows.comparison_work import ComparisonWork, chosen_workers, comparison_work

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from model.analysis.replicates import RunResults
    from model.config.scenario import Scenario
    from model.report.run_directory import RunRecord


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
    workers: int | None = None  # processes; None: one per CPU, at most one per replicate

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
    from model.analysis.study import plan_studies

    runs, _ = plan_studies(scenarios, marginal=marginal)
    return len(runs)


def comparison_years(request: ComparisonRequest) -> int:
    """Simulated years in all (runs x replicates x years): the total of progress updates."""
    runs = planned_comparison_runs(request.scenarios, request.marginal)
    return runs * request.replicates * request.scenarios[0].years


def run_comparison(
    request: ComparisonRequest,
    progress: Callable[[int], None] | None = None,
    on_comparison: Callable[[pd.DataFrame], None] | None = None,
    work: ComparisonWork | None = None,
) -> ComparisonOutcome:
    """Simulate the scenarios paired and write the comparison directory.

    `progress(n)` is called as n more years are simulated (comparison_years in all; on
    worker processes a replicate's years at once); a front end may raise from it to cancel
    (nothing more is written then, the directory is left without a manifest, i.e.
    unfinished). `on_comparison(table)` receives comparison.csv's table as soon as the
    simulations are done, before the figures (most of the time of a small comparison) are
    finished, so a page can show the headline differences early. `work`: started workers
    (comparison_work) when the caller must start them early, e.g. before a progress bar's
    thread; by default run_comparison starts request.workers of its own.
    """
    scenarios, files = request.scenarios, request.files
    if len(scenarios) < 2:
        raise UserError("compare: give at least two scenario files")
    names = scenario_directory_names(scenarios, files)
    workers = chosen_workers(request.workers, request.replicates)
    from model.report.compare_directory import prepare_compare_directory

    prepare_compare_directory(request.out_dir, names, files, request.force)
    if work is not None:
        return simulate_and_write(request, names, work, progress, on_comparison)
    with comparison_work(workers) as own_work:
        return simulate_and_write(request, names, own_work, progress, on_comparison)


@dataclass
class PendingRunDirectory:
    """A scenario's run directory whose tables are written and whose figures are drawing."""

    path: Path
    record: RunRecord
    written: list[Path]
    figures: list  # Futures (or Deferred) of the PNG paths, in the report's order


def simulate_and_write(
    request: ComparisonRequest,
    names: list[str],
    work: ComparisonWork,
    progress: Callable[[int], None] | None,
    on_comparison: Callable[[pd.DataFrame], None] | None,
) -> ComparisonOutcome:
    """The comparison on `work`: every replicate handed out, then scenario by scenario its
    runs collected, its tables written and its figures handed out; then the comparison's
    own files, and each directory's report and manifest once its figures are drawn."""
    from model.analysis.comparison import comparison_table
    from model.analysis.replicates import combine_replicates, summary_of_headlines
    from model.analysis.study import analysis_tables, plan_studies
    from model.report.compare_directory import (
        comparison_provenance,
        write_compare_report_and_manifest,
        write_compare_tables,
    )
    from model.report.figures import comparison_figure_jobs, run_figure_jobs
    from model.report.run_directory import (
        RunRecord,
        manifest,
        prepare_run_directory,
        seconds_since,
        write_run_manifest,
        write_run_report,
        write_run_tables,
    )

    started_at = datetime.now(UTC)
    scenarios, files, seed, out_dir = (
        request.scenarios, request.files, request.chosen_seed, request.out_dir
    )  # fmt: skip
    replicates, years = request.replicates, scenarios[0].years
    runs, plans = plan_studies(scenarios, request.panel, request.marginal)

    clock = time.perf_counter()
    finished_at = [clock]
    submitted = []
    for run in runs:
        futures = [
            work.simulate(run.scenario, seed, r, run.keep_panel, progress)
            for r in range(replicates)
        ]
        for future in futures:
            future.add_done_callback(lambda _: finished_at.append(time.perf_counter()))
        submitted.append(futures)
    collected: dict[int, RunResults] = {}

    def results_of(run: int) -> RunResults:
        if run not in collected:
            collected[run] = combine_replicates(
                runs[run].scenario, seed,
                [work.simulated(future, years, progress) for future in submitted[run]],
            )  # fmt: skip
        return collected[run]

    tables, headlines, pending = [], {}, []
    try:
        for name, path, plan in zip(names, files, plans, strict=True):
            study = plan.study(results_of)
            tables.append(analysis_tables(study))
            headlines[study.name] = study.results.headlines()
            record = RunRecord(
                scenario=study.results.scenario, scenario_file=path.resolve(), seed=seed,
                replicates=replicates, yearly=study.results.yearly,
                summary=summary_of_headlines(headlines[study.name]),
                command_line=request.command_line, started_at=started_at,
                simulation_seconds=0.0, tables=tables[-1], panel=study.results.panel,
            )  # fmt: skip
            run_dir = prepare_run_directory(out_dir / name, record.scenario_file)
            written = write_run_tables(run_dir, record)
            figures = [work.draw(job) for job in run_figure_jobs(run_dir)]
            pending.append(PendingRunDirectory(run_dir, record, written, figures))
        simulation_seconds = max(finished_at) - clock
        comparison = comparison_table(headlines)
        if on_comparison is not None:
            on_comparison(comparison)
        compare_written = write_compare_tables(out_dir, comparison, tables)
        compare_figures = [work.draw(job) for job in comparison_figure_jobs(out_dir)]
        for run_dir in pending:
            drawn = [figure.result() for figure in run_dir.figures]
            provenance = manifest(
                replace(run_dir.record, simulation_seconds=simulation_seconds),
                seconds_since(started_at),
            )
            report = write_run_report(run_dir.path, provenance, drawn)
            write_run_manifest(run_dir.path, provenance, [*run_dir.written, *drawn, report])
        provenance = comparison_provenance(
            [{"name": s.name, "file": str(p.resolve()), "directory": n}
             for s, p, n in zip(scenarios, files, names, strict=True)],
            seed, replicates, request.command_line,
            started_at.isoformat(timespec="seconds"), simulation_seconds, len(runs),
        )  # fmt: skip
        drawn = [figure.result() for figure in compare_figures]
        write_compare_report_and_manifest(out_dir, provenance, compare_written, drawn)
    except OSError as exc:
        raise UserError(f"--out {out_dir}: could not write the comparison: {exc}") from None
    return ComparisonOutcome(
        out_dir, names, seed, replicates, len(runs), simulation_seconds, comparison
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
