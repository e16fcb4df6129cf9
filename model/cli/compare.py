"""`python run.py compare A.yaml B.yaml ... --replicates R --out DIR`: paired scenarios.

Every file is loaded and validated before the first run starts, so a typo costs seconds,
not the comparison. The comparison itself (common random numbers, paired no-intervention
runs, the directory written) is model.workflows.compare.run_comparison, which the web app
calls too, so both give the same numbers.

model.cli.options holds what the subcommands share; model.cli.commands lists this module in the
subcommands, so a module-level import here would be circular.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from model.errors import UserError


def compare_command(args: argparse.Namespace) -> int:
    """`compare`: load and check every file, then run them paired through
    model.workflows.compare.run_comparison (the web app's code path too) and print the
    differences."""
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
    from model.report.files import REPORT_NAME
    from model.simulation.memory import kept_results_bytes, run_bytes
    from model.workflows.compare import (
        ComparisonRequest,
        difference_lines,
        planned_comparison_runs,
        run_comparison,
    )
    from model.workflows.comparison_work import chosen_workers, comparison_work

    if len(args.scenarios) < 2:
        raise UserError("compare: give at least two scenario files")
    overrides = command_line_overrides(args)
    scenarios = [with_overrides(load_scenario_file(path), overrides) for path in args.scenarios]
    for scenario in scenarios:
        check_household_table(scenario, args.households)
    request = ComparisonRequest(
        scenarios=scenarios, files=list(args.scenarios), replicates=args.replicates,
        out_dir=args.out if args.out is not None else DEFAULT_OUTPUT_ROOT / "comparison",
        command_line=args.command_line, seed=args.seed, panel=args.panel,
        marginal=args.marginal, force=args.force, workers=args.workers,
    )  # fmt: skip
    runs = planned_comparison_runs(scenarios, args.marginal)
    households = max(
        check_household_table(s, None) or s.population.n_households for s in scenarios
    )
    largest = max(len(s.interventions) for s in scenarios)
    workers = chosen_workers(args.workers, args.replicates)
    # each further worker simulates a replicate at the same time (the interpreter is shared)
    replicate_bytes = run_bytes(households, largest) - run_bytes(0, largest)
    check_memory(
        run_bytes(households, largest, args.replicates, scenarios[0].years, args.panel)
        + kept_results_bytes(households, args.replicates) * (runs - 1)
        + replicate_bytes * (workers - 1),
        args.max_memory, f"comparing {len(scenarios)} scenarios of "
        f"{counted(households, 'household')} x {counted(args.replicates, 'replicate')} on "
        f"{counted(workers, 'worker')}",
    )  # fmt: skip
    # the workers first: they are forked, which must come before the progress bar's thread
    with (
        comparison_work(workers) as work,
        progress_bar(scenarios[0], request.chosen_seed, args.replicates, args.quiet, runs) as bar,
    ):
        outcome = run_comparison(request, bar.update, work=work)
    if not args.quiet:
        print(
            f"wrote {outcome.out_dir}: {len(scenarios)} scenarios paired on seed "
            f"{outcome.seed}, {counted(args.replicates, 'replicate')}, "
            f"{counted(outcome.runs, 'run')} simulated in {outcome.simulation_seconds:.1f} s"
        )
        print("\n".join(difference_lines(outcome.comparison)))
        print(f"report: {outcome.out_dir / REPORT_NAME} (open it in a browser)")
    return 0


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
    parser.add_argument(
        "--workers", type=counting_number, metavar="N",
        help="processes that simulate the replicates and draw the figures (default: one per "
        "CPU, at most one per replicate); the results do not depend on it",
    )  # fmt: skip
    add_analysis_options(parser)
    add_force_option(parser, "comparison")
    add_memory_option(parser)
    add_quiet_option(parser)
    parser.set_defaults(handler=compare_command)
