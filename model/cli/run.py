"""`python run.py run SCENARIO`: simulate a scenario's replicates and write its run directory."""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

from model.cli.options import (
    DEFAULT_OUTPUT_ROOT,
    add_analysis_options,
    add_force_option,
    add_memory_option,
    add_quiet_option,
    check_household_table,
    check_memory,
    command_line_overrides,
    counted,
    counting_number,
    efficiency_lines,
    load_scenario_file,
    progress_bar,
    seed_number,
    summary_lines,
)
from model.errors import UserError


def run_command(args: argparse.Namespace) -> int:
    """`run`: simulate a scenario's replicates and write the run directory."""
    from model.analysis.replicates import summarize
    from model.analysis.study import analysis_tables, planned_runs, run_study
    from model.config.scenario import with_overrides
    from model.report.run_directory import RunRecord, prepare_run_directory, write_run_directory
    from model.simulation.memory import run_bytes

    started_at = datetime.now(UTC)
    scenario = with_overrides(load_scenario_file(args.scenario), command_line_overrides(args))
    table_households = check_household_table(scenario, args.households)
    households = table_households or scenario.population.n_households
    seed = scenario.seed if args.seed is None else args.seed
    out_dir = args.out if args.out is not None else DEFAULT_OUTPUT_ROOT / args.scenario.stem
    # a bad --out fails before minutes of simulation; another scenario's run needs --force
    prepare_run_directory(out_dir, args.scenario, args.force)

    runs = planned_runs(scenario, args.marginal)
    check_memory(
        run_bytes(households, len(scenario.interventions), args.replicates, scenario.years,
                  args.panel),
        args.max_memory, f"{counted(households, 'household')} x "
        f"{counted(args.replicates, 'replicate')}",
    )  # fmt: skip
    clock = time.perf_counter()
    with progress_bar(scenario, seed, args.replicates, args.quiet, runs) as bar:
        study = run_study(
            scenario, seed, args.replicates, bar.update, keep_panel=args.panel,
            marginal=args.marginal,
        )  # fmt: skip
    simulation_seconds = time.perf_counter() - clock
    yearly = study.results.yearly
    summary = summarize(yearly)
    record = RunRecord(
        scenario=scenario,
        scenario_file=args.scenario.resolve(),
        seed=seed,
        replicates=args.replicates,
        yearly=yearly,
        summary=summary,
        command_line=args.command_line,
        started_at=started_at,
        simulation_seconds=simulation_seconds,
        tables=analysis_tables(study),
        panel=study.results.panel,
        runs_simulated=runs,
    )
    try:
        write_run_directory(out_dir, record)
    except OSError as exc:
        raise UserError(f"--out {out_dir}: could not write the run directory: {exc}") from None
    if not args.quiet:
        print(
            f"wrote {out_dir}: {scenario.name}, seed {seed}, "
            f"{counted(args.replicates, 'replicate')} x {counted(scenario.years, 'year')} x "
            f"{counted(households, 'household')}, "
            f"simulated in {simulation_seconds:.1f} s"
        )
        spread = " (5-95% of replicates)" if args.replicates > 1 else ""
        print(f"mean over replicates{spread}:")
        print("\n".join(summary_lines(summary)))
        print("\n".join(efficiency_lines(record.tables.get("efficiency.csv"))))
    return 0


def add_run_command(subparsers) -> None:
    """Declare `run SCENARIO [--seed N] [--replicates R] [--households N] [--years N] ...`."""
    parser = subparsers.add_parser(
        "run",
        help="simulate a scenario and write a run directory",
        description="Simulate SCENARIO's replicates and write scenario.yaml, manifest.json, "
        "yearly.csv, summary.json and plots/ into the run directory.",
    )
    parser.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file")
    parser.add_argument(
        "--seed", type=seed_number, metavar="N", help="random seed (default: the scenario's)"
    )
    parser.add_argument(
        "--replicates",
        type=counting_number,
        default=1,
        metavar="R",
        help="independent replicates (default 1)",
    )
    parser.add_argument(
        "--households",
        type=counting_number,
        metavar="N",
        help="override population.n_households",
    )
    parser.add_argument(
        "--years", type=counting_number, metavar="N", help="override years (policy years)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="run directory (default: outputs/<scenario file name without .yaml>)",
    )
    add_analysis_options(parser)
    add_force_option(parser, "run")
    add_memory_option(parser)
    add_quiet_option(parser)
    parser.set_defaults(handler=run_command)
