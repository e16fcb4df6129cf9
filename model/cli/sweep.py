"""The `sweep` and `sensitivity` subcommands (listed in model.cli.commands.SUBCOMMANDS).

    python run.py sweep SWEEP.yaml [--out DIR] [--workers N | --scheduler ADDRESS] [--quiet]
    python run.py sensitivity SWEEP.yaml [--out DIR] [--workers N | --scheduler ADDRESS]

Both run (or resume) the sweep into DIR (model.sweeps.runner); `sensitivity` then turns a
saltelli sweep's results into Sobol' indices (model.sweeps.sensitivity). Exit codes: 0 done, 2 a
problem with the input, 130 interrupted and 1 a lost worker -- both of the latter keep
every finished task, and running the same command again finishes the sweep.

model.cli.options holds what the subcommands share; model.cli.commands lists this module in the
subcommands, so a module-level import here would be circular.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from model.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from model.sweeps.runner import SweepOutcome, SweepPlan

SENSITIVITY_NAME = "sensitivity.csv"
SENSITIVITY_PLOT = "plots/sensitivity.png"


def sweep_out_dir(args: argparse.Namespace) -> Path:
    """--out, or outputs/<sweep file name without .yaml>."""
    from model.cli.options import DEFAULT_OUTPUT_ROOT

    return args.out if args.out is not None else DEFAULT_OUTPUT_ROOT / args.sweep.stem


def execute(args: argparse.Namespace, plan: SweepPlan | None = None) -> SweepOutcome | int:
    """Run or resume the sweep of `args`; an exit code instead when it stopped early."""
    from model.sweeps.runner import SweepStoppedError, execute_sweep

    try:
        return execute_sweep(
            args.sweep,
            sweep_out_dir(args),
            workers=args.workers,
            scheduler=args.scheduler,
            quiet=args.quiet,
            command_line=args.command_line,
            plan=plan,
            households=args.households,
            force=args.force,
        )
    except SweepStoppedError as stop:
        print(f"error: {stop}", file=sys.stderr)
        return stop.exit_code


def executor_text(executor: dict) -> str:
    """`2 local processes` or `the Dask cluster at tcp://...: 3 workers`."""
    from model.cli.options import counted

    if executor.get("kind") == "dask":
        return (
            f"the Dask cluster at {executor['scheduler']} "
            f"({counted(executor['workers'], 'worker')} at the start)"
        )
    workers = executor["workers"]
    return f"{workers:,} local process" + ("" if workers == 1 else "es")


def summary_lines(outcome: SweepOutcome) -> list[str]:
    """What the sweep is and what this invocation did, for the end of `sweep`."""
    from model.cli.options import counted
    from model.sweeps.directory import RESULTS_NAME

    plan = outcome.plan
    points, replicates, tasks = len(plan.points), plan.spec.replicates, len(plan.tasks)
    what = (
        f"sweep {plan.spec.name}: {counted(points, 'point')} x "
        f"{counted(replicates, 'replicate')} = {counted(tasks, 'task')}"
    )
    if outcome.already_complete:
        return [f"{outcome.out_dir}: {what}, already complete; nothing to run"]
    if outcome.tasks_run == 0:  # every task file was there, but not the results
        ran = f"  every task was done before; results rebuilt in {outcome.wall_clock_seconds:.1f} s"
    else:
        before = f", {outcome.tasks_done_before:,} done before" if outcome.tasks_done_before else ""
        ran = (
            f"  ran {counted(outcome.tasks_run, 'task')}{before}, on "
            f"{executor_text(outcome.executor)}, in {outcome.wall_clock_seconds:.1f} s"
        )
    return [
        f"wrote {outcome.out_dir}: {what}",
        ran,
        f"  results: {outcome.out_dir / RESULTS_NAME} (one row per point, replicate and year)",
    ]


def sweep_command(args: argparse.Namespace) -> int:
    """`sweep`: run or resume every task of a sweep file."""
    outcome = execute(args)
    if isinstance(outcome, int):
        return outcome
    if not args.quiet:
        print("\n".join(summary_lines(outcome)))
    return 0


def sensitivity_command(args: argparse.Namespace) -> int:
    """`sensitivity`: run or resume a saltelli sweep, then write its Sobol' indices."""
    from model.sweeps.runner import plan_sweep

    plan = plan_sweep(args.sweep, args.households)
    if plan.spec.design.method != "saltelli":
        raise UserError(
            f"{plan.sweep_file}: design.method: Sobol' indices need method saltelli (got "
            f"{plan.spec.design.method}); use `run.py sweep` for other designs"
        )
    outcome = execute(args, plan)
    if isinstance(outcome, int):
        return outcome
    table = write_sensitivity(outcome.out_dir, plan)
    if not args.quiet:
        print("\n".join(summary_lines(outcome)))
        print(f"  Sobol' indices: {outcome.out_dir / SENSITIVITY_NAME}, {SENSITIVITY_PLOT}")
        print("\n".join(indices_lines(table)))
    return 0


def write_sensitivity(out_dir: Path, plan: SweepPlan):
    """OUT/sensitivity.csv and OUT/plots/sensitivity.png from OUT/results.parquet; both are
    then added to the manifest's file hashes. Returns the indices table."""
    import pandas as pd

    from model.report.files import CSV_FLOAT_FORMAT, atomic_write_text
    from model.sweeps.directory import RESULTS_NAME, add_files_to_manifest
    from model.sweeps.sensitivity import indicator_means, plot_indices, sobol_indices_from_points

    indicators = list(plan.spec.indicators)
    results = pd.read_parquet(out_dir / RESULTS_NAME)
    means = indicator_means(results, indicators).loc[plan.points["point_id"]]
    table = sobol_indices_from_points(
        plan.points,
        means.to_numpy(dtype=float).T,  # (indicators, points), in the table's row order
        plan.factor_columns,
        output_names=indicators,
    )
    csv_text = table.to_csv(index=False, lineterminator="\n", float_format=CSV_FLOAT_FORMAT)
    atomic_write_text(out_dir / SENSITIVITY_NAME, csv_text)
    (out_dir / SENSITIVITY_PLOT).parent.mkdir(exist_ok=True)
    plot_indices(table, out_dir / SENSITIVITY_PLOT)
    add_files_to_manifest(out_dir, [SENSITIVITY_NAME, SENSITIVITY_PLOT])
    return table


def indices_lines(table) -> list[str]:
    """First-order and total index of each factor, per indicator, as aligned text."""
    lines = []
    width = max(len(str(factor)) for factor in table["factor"])
    for output, rows in table.groupby("output", sort=False):
        lines.append(f"  {output}: first order, total")
        for row in rows.itertuples(index=False):
            figures = f"{row.first_order:6.2f}  {row.total_order:6.2f}"
            lines.append(f"    {row.factor:<{width}}  {figures}")
    return lines


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """SWEEP, --out, --workers and --scheduler, shared by `sweep` and `sensitivity`."""
    from model.cli.options import add_quiet_option, counting_number

    parser.add_argument("sweep", type=Path, metavar="SWEEP", help="sweep YAML file")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="sweep directory (default: outputs/<sweep file name without .yaml>); running "
        "again into the same directory resumes it",
    )
    parser.add_argument(
        "--households",
        type=counting_number,
        metavar="N",
        help="households of every point's county (replaces the sweep file's `households`)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=counting_number,
        metavar="N",
        help="local worker processes (default: one per CPU)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the tasks on the Dask cluster whose scheduler is at ADDRESS "
        "(e.g. tcp://HOST:8786) instead of local processes",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace a different sweep in --out, removing all of its files (without it, "
        "that is refused; the same sweep always resumes)",
    )
    add_quiet_option(parser)


def add_sweep_command(subparsers) -> None:
    """Declare `sweep SWEEP [--out DIR] [--workers N | --scheduler ADDRESS] [--quiet]`."""
    parser = subparsers.add_parser(
        "sweep",
        help="run every point and replicate of a sweep file (resumable)",
        description="Run every (point, replicate) task of SWEEP into DIR: tasks/ (one file "
        "per task, written as it finishes), points.csv, sweep.yaml, results.parquet and "
        "manifest.json (written last). Interrupted? Run the same command again: finished "
        "tasks are kept and skipped.",
    )
    add_common_arguments(parser)
    parser.set_defaults(handler=sweep_command)


def add_sensitivity_command(subparsers) -> None:
    """Declare `sensitivity SWEEP [--out DIR] [--workers N | --scheduler ADDRESS]`."""
    parser = subparsers.add_parser(
        "sensitivity",
        help="Sobol' indices of a saltelli sweep (runs or resumes the sweep first)",
        description="Run or resume the saltelli sweep SWEEP like `sweep`, then write "
        "sensitivity.csv (first-order and total Sobol' indices of each indicator, with "
        "bootstrap intervals) and plots/sensitivity.png into DIR.",
    )
    add_common_arguments(parser)
    parser.set_defaults(handler=sensitivity_command)
