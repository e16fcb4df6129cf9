"""`python run.py test [PATHS...] [--replicates R] [--junit FILE]`: scenario tests.

Runs every scenario file with an `expect:` block or a pin under PATHS (default
`scenarios/`) on common random numbers (model/testing/suite.py) and prints one line per
expectation and pin: holds, fails or undecided, with the figure and its 90% interval.

Exit codes: 0 when nothing fails, 1 when an expectation fails or a pin moved, 2 for bad
input. An undecided expectation (its interval reaches a bound) is not a failure: the
replicates could not tell either way, and failing on it would make a test's verdict
depend on luck at the boundary; the summary counts them and says to run more replicates,
and JUnit reports them as skipped.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from model.errors import UserError

FAILED_EXIT_CODE = 1
DEFAULT_PATHS = (Path("scenarios"),)
OUTCOME_WIDTH = 10
PIN_DETAILS_SHOWN = 8
"""Moved figures listed per pin on the console (the JUnit file lists all)."""


def test_command(args: argparse.Namespace) -> int:
    """`test`: judge the expectations and pins of the scenario files under PATHS."""
    from model.cli.options import counted
    from model.testing.junit import write_junit
    from model.testing.suite import (
        Settings,
        judge_plans,
        needed_runs,
        plan_scenarios,
        scenario_files,
        simulate_runs,
    )

    settings = Settings(
        replicates=args.replicates, households=args.households, years=args.years,
        workers=args.workers, update=args.update,
    )  # fmt: skip
    if args.junit is not None and not args.junit.parent.is_dir():
        raise UserError(f"--junit {args.junit}: folder {args.junit.parent} does not exist")
    files = scenario_files(args.paths or list(DEFAULT_PATHS))
    if not files:
        raise UserError(
            f"no scenario file with an expect: block or a pin under "
            f"{', '.join(str(p) for p in args.paths or DEFAULT_PATHS)}"
        )
    plans = plan_scenarios(files, settings)
    runs = needed_runs(plans)
    tasks = sum(key.replicates for key in runs)
    if not args.quiet:
        print(
            f"{counted(len(plans), 'scenario file')}, {counted(len(runs), 'run')} "
            f"({counted(tasks, 'replicate')}) on {counted(settings.workers, 'worker')}",
            flush=True,
        )
    clock = time.perf_counter()
    yearly = simulate_runs(runs, settings.workers)
    results = judge_plans(plans, yearly, settings.update)
    seconds = time.perf_counter() - clock
    for line in report_lines(results, only_failures=args.quiet):
        print(line)
    counts = summary_counts(results)
    print(summary_line(counts, seconds, settings.replicates))
    if args.junit is not None:
        try:
            write_junit(args.junit, results, seconds)
        except OSError as exc:
            raise UserError(f"--junit {args.junit}: could not write: {exc}") from None
        if not args.quiet:
            print(f"junit: {args.junit}")
    sys.stdout.flush()
    return FAILED_EXIT_CODE if counts["fails"] else 0


def report_lines(results, only_failures: bool = False) -> list[str]:
    """Per scenario file: its name and how it ran, then one line per expectation and pin
    (with `only_failures`, only the files that fail and their failing lines)."""
    from model.cli.options import counted
    from model.testing.suite import pin_line, pin_outcome, verdict_line

    lines = []
    for result in results:
        if only_failures and not result.failed:
            continue
        plan = result.plan
        how = []
        if plan.run is not None:
            sizes = [
                f"{plan.run.households:,} households" if plan.run.households else "",
                f"{plan.run.years} years" if plan.run.years else "",
            ]
            how = [f"seed {plan.run.seed}", counted(plan.run.replicates, "replicate")]
            how += [size for size in sizes if size]
        lines.append(f"{plan.file}" + (f" ({', '.join(how)})" if how else ""))
        lines += [f"  note: {note}" for note in plan.notes]
        for verdict in result.verdicts:
            if only_failures and verdict.outcome != "fails":
                continue
            lines.append(f"  {verdict.outcome:<{OUTCOME_WIDTH}} {verdict_line(verdict)}")
        if result.pin_check is not None and not (only_failures and result.pin_check.holds):
            pin = plan.pin
            pinned_how = f"seed {pin.seed}, {counted(pin.replicates, 'replicate')}"
            outcome = f"pin {pin_outcome(result)}"
            lines.append(f"  {outcome:<{OUTCOME_WIDTH}} {plan.pin_file.name} ({pinned_how}): "
                         f"{pin_line(result, PIN_DETAILS_SHOWN)}")  # fmt: skip
    return lines


def summary_counts(results) -> dict[str, int]:
    from model.testing.suite import tally

    return tally(results)


def summary_line(counts: dict[str, int], seconds: float, replicates: int) -> str:
    """`3 hold, 1 fails, 2 undecided in 4.1 s`, and what undecided means."""
    text = (
        f"{counts['holds']} hold, {counts['fails']} fail, {counts['undecided']} undecided"
        + (f", {counts['re-pinned']} re-pinned" if counts["re-pinned"] else "")
        + f" in {seconds:.1f} s"
    )
    if counts["undecided"]:
        text += (
            f" (undecided is not a failure: the 90% interval reaches the bound; "
            f"decide it with more replicates than {replicates}, e.g. --replicates "
            f"{4 * replicates}, which halves the interval)"
        )
    return text


def add_test_command(subparsers) -> None:
    """Declare `test [PATHS...] [--replicates R] [--junit FILE] ...`."""
    from model.cli.options import counting_number, whole_number_at_least
    from model.testing.suite import DEFAULT_REPLICATES, DEFAULT_WORKERS

    parser = subparsers.add_parser(
        "test", help="check the expectations and pins of scenario files",
        description="Run every scenario file with an expect: block or a pin (.pinned.json "
        "beside it) under PATHS on common random numbers and say, per expectation, whether "
        "it holds, fails or is undecided (its 90%% interval reaches a bound), and per pin "
        "whether the pinned figures are reproduced. Exit 0 when nothing fails, 1 when "
        "something fails (undecided does not), 2 for bad input.",
    )  # fmt: skip
    parser.add_argument(
        "paths", type=Path, nargs="*", metavar="PATH",
        help="scenario files or folders (default scenarios/)",
    )  # fmt: skip
    parser.add_argument(
        "--replicates", type=whole_number_at_least(2, "replicates"), default=DEFAULT_REPLICATES,
        metavar="R", help=f"paired replicates per run, at least 2 for an interval (default "
        f"{DEFAULT_REPLICATES}); pins run with their own",
    )  # fmt: skip
    parser.add_argument(
        "--households", type=counting_number, metavar="N",
        help="override population.n_households (not for household tables, not for pins)",
    )  # fmt: skip
    parser.add_argument(
        "--years", type=counting_number, metavar="N", help="override years (not for pins)"
    )
    parser.add_argument(
        "--workers", type=counting_number, default=DEFAULT_WORKERS, metavar="N",
        help=f"local worker processes (default {DEFAULT_WORKERS})",
    )  # fmt: skip
    parser.add_argument(
        "--junit", type=Path, metavar="FILE", help="also write the results as JUnit XML"
    )
    parser.add_argument(
        "--update", action="store_true",
        help="re-pin every pinned scenario from this run (after reporting what moved)",
    )  # fmt: skip
    parser.add_argument(
        "--quiet", action="store_true",
        help="print only what fails and the summary line",
    )  # fmt: skip
    parser.set_defaults(handler=test_command)
