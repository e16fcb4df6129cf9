"""`python run.py compare A.yaml B.yaml ... --replicates R --out DIR`: paired scenarios.

Every scenario runs replicates 0..R-1 of one seed (common random numbers), each with its
paired no-intervention run when it has instruments (reused when another scenario of the
comparison is that run, e.g. the baseline). Every file is loaded and validated before the
first run starts, so a typo costs seconds, not the comparison.

model.cli.options holds what the subcommands share; model.cli.commands lists this module in the
subcommands, so a module-level import here would be circular.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

from model.errors import UserError


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


def compare_command(args: argparse.Namespace) -> int:
    """`compare`: run the scenarios paired and write the comparison directory."""
    from model.analysis.comparison import comparison_table
    from model.analysis.replicates import summary_of_headlines
    from model.analysis.study import analysis_tables, planned_runs, run_study, without_interventions
    from model.cli.options import (
        DEFAULT_OUTPUT_ROOT,
        check_household_table,
        check_memory,
        command_line_overrides,
        counted,
        load_scenario_file,
        progress_bar,
    )
    from model.config.scenario import with_overrides
    from model.report.compare_directory import (
        comparison_provenance,
        prepare_compare_directory,
        write_compare_directory,
    )
    from model.report.files import REPORT_NAME
    from model.report.run_directory import RunRecord, write_run_directory
    from model.simulation.memory import kept_results_bytes, run_bytes

    started_at = datetime.now(UTC)
    if len(args.scenarios) < 2:
        raise UserError("compare: give at least two scenario files")
    overrides = command_line_overrides(args)
    scenarios = [with_overrides(load_scenario_file(path), overrides) for path in args.scenarios]
    for scenario in scenarios:
        check_household_table(scenario, args.households)
    names = scenario_directory_names(scenarios, args.scenarios)
    seed = scenarios[0].seed if args.seed is None else args.seed
    out_dir = args.out if args.out is not None else DEFAULT_OUTPUT_ROOT / "comparison"
    prepare_compare_directory(out_dir, names, args.scenarios, args.force)

    runs, known = 0, []
    for scenario in scenarios:
        runs += planned_runs(scenario, args.marginal, known)
        known += [scenario] + ([without_interventions(scenario)] if scenario.interventions else [])
    households = max(
        check_household_table(s, None) or s.population.n_households for s in scenarios
    )
    largest = max(len(s.interventions) for s in scenarios)
    check_memory(
        run_bytes(households, largest, args.replicates, scenarios[0].years, args.panel)
        + kept_results_bytes(households, args.replicates) * (runs - 1),
        args.max_memory, f"comparing {len(scenarios)} scenarios of "
        f"{counted(households, 'household')} x {counted(args.replicates, 'replicate')}",
    )  # fmt: skip
    clock = time.perf_counter()
    studies, earlier = [], []
    with progress_bar(scenarios[0], seed, args.replicates, args.quiet, runs) as bar:
        for scenario in scenarios:
            study = run_study(
                scenario, seed, args.replicates, bar.update, keep_panel=args.panel,
                marginal=args.marginal, earlier=earlier,
            )  # fmt: skip
            studies.append(study)
            earlier += [study.results] + ([study.counterfactual] if study.counterfactual else [])
    simulation_seconds = time.perf_counter() - clock

    tables = [analysis_tables(study) for study in studies]
    headlines = {study.name: study.results.headlines() for study in studies}
    try:
        for name, path, study, study_tables in zip(
            names, args.scenarios, studies, tables, strict=True
        ):
            record = RunRecord(
                scenario=study.results.scenario, scenario_file=path.resolve(), seed=seed,
                replicates=args.replicates, yearly=study.results.yearly,
                summary=summary_of_headlines(headlines[study.name]),
                command_line=args.command_line,
                started_at=started_at, simulation_seconds=simulation_seconds,
                tables=study_tables, panel=study.results.panel,
            )  # fmt: skip
            write_run_directory(out_dir / name, record)
        comparison = comparison_table(headlines)
        provenance = comparison_provenance(
            [{"name": s.name, "file": str(p.resolve()), "directory": n}
             for s, p, n in zip(scenarios, args.scenarios, names, strict=True)],
            seed, args.replicates, args.command_line,
            started_at.isoformat(timespec="seconds"), simulation_seconds, runs,
        )  # fmt: skip
        write_compare_directory(out_dir, comparison, tables, provenance)
    except OSError as exc:
        raise UserError(f"--out {out_dir}: could not write the comparison: {exc}") from None
    if not args.quiet:
        print(
            f"wrote {out_dir}: {len(scenarios)} scenarios paired on seed {seed}, "
            f"{counted(args.replicates, 'replicate')}, {counted(runs, 'run')} "
            f"simulated in {simulation_seconds:.1f} s"
        )
        print("\n".join(difference_lines(comparison)))
        print(f"report: {out_dir / REPORT_NAME} (open it in a browser)")
    return 0


PERCENTAGE_POINTS = "{:+.1f} pp"
"""A difference of two shares, in percentage points (x 100 before formatting)."""

KEY_DIFFERENCES = (
    ("incidence_persons_final_year", "income-poor persons, final year", PERCENTAGE_POINTS),
    ("exits_households_total", "exits (households)", "{:+,.0f}"),
    ("lasting_exits_households_total", "lasting exits (households)", "{:+,.0f}"),
    ("relapse_within_3y_share_of_exits", "relapses within 3 years per exit", PERCENTAGE_POINTS),
    ("spending_total", "spending (yuan)", "{:+,.0f}"),
)


def difference_lines(comparison) -> list[str]:
    """Differences to the first scenario with their paired 90% intervals, as text."""
    first = comparison["scenario"].iloc[0]
    lines = [f"difference to {first} (paired 90% interval):"]
    for scenario, rows in comparison.groupby("scenario", sort=False):
        if scenario == first:
            continue
        lines.append(f"  {scenario}")
        by_indicator = rows.set_index("indicator")
        for key, label, number_format in KEY_DIFFERENCES:
            if key not in by_indicator.index:
                continue
            row = by_indicator.loc[key]
            scale = 100.0 if number_format == PERCENTAGE_POINTS else 1.0
            text = number_format.format(scale * row["difference"])
            if row["difference_low"] == row["difference_low"]:  # not NaN
                low = number_format.format(scale * row["difference_low"])
                high = number_format.format(scale * row["difference_high"])
                text += f"  ({low} to {high})"
            lines.append(f"    {label:<36} {text}")
    return lines


def add_compare_command(subparsers) -> None:
    """Declare `compare A.yaml B.yaml [...] [--replicates R] [--out DIR] ...`."""
    from model.cli.options import (
        add_analysis_options,
        add_force_option,
        add_memory_option,
        add_quiet_option,
        counting_number,
        seed_number,
    )

    parser = subparsers.add_parser(
        "compare", help="run scenarios on common random numbers and compare them",
        description="Run every SCENARIO on the same seed and replicates (common random "
        "numbers) and write one run directory per scenario, comparison.csv (each indicator "
        "and its paired difference to the first scenario), efficiency.csv against the "
        "paired no-intervention runs, figures and report.html.",
    )
    parser.add_argument(
        "scenarios", type=Path, nargs="+", metavar="SCENARIO",
        help="scenario YAML files; the first is the reference for differences",
    )
    parser.add_argument(
        "--replicates", type=counting_number, default=10, metavar="R",
        help="paired replicates per scenario (default 10)",
    )
    parser.add_argument(
        "--seed", type=seed_number, metavar="N", help="random seed (default: the first "
        "scenario's); every scenario uses it",
    )
    parser.add_argument(
        "--households", type=counting_number, metavar="N",
        help="override population.n_households in every scenario",
    )
    parser.add_argument("--years", type=counting_number, metavar="N", help="override years")
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="comparison directory (default outputs/comparison)"
    )
    add_analysis_options(parser)
    add_force_option(parser, "comparison")
    add_memory_option(parser)
    add_quiet_option(parser)
    parser.set_defaults(handler=compare_command)
