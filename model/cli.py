"""The command line: `python run.py run SCENARIO ...` and `python run.py validate SCENARIO`.

Each subcommand is one `add_<name>_command(subparsers)` function that declares its
arguments and sets `handler`; adding one (compare, sweep, sensitivity, calibrate, plot)
means writing that function and listing it in SUBCOMMANDS.

Every mistake of the user (bad scenario, bad argument, bad --out) ends with a message
on stderr starting `error: ` and exit code 2, never a traceback; success is 0.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from model.cli_calibrate import add_calibrate_command
from model.cli_compare import add_compare_command
from model.cli_plot import add_plot_command
from model.cli_sweep import add_sensitivity_command, add_sweep_command
from model.errors import USER_ERROR_EXIT_CODE, UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from tqdm import tqdm

    from model.scenario import Scenario

INTERRUPTED_EXIT_CODE = 130
DEFAULT_OUTPUT_ROOT = Path("outputs")
PROGRESS_DELAY_SECONDS = 1.0
"""The progress bar appears only once a run has taken this long."""

HEADLINES = (
    # (summary key, label, format of one number)
    ("incidence_persons_final_year", "income-poor persons, final year", "{:.1%}"),
    ("registered_households_final_year", "registered households, final year", "{:,.0f}"),
    ("exits_households_total", "exits, all years (households)", "{:,.0f}"),
    ("relapse_share_of_exits", "relapses per exit", "{:.1%}"),
    ("lasting_exit_share", "exits out of poverty 3 years on", "{:.1%}"),
    ("spending_total", "spending, all years (yuan)", "{:,.0f}"),
)
"""Figures printed after a run; all of them (and more) are in summary.json."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse with errors in the house style: `error: ...` on stderr and exit code 2."""

    def error(self, message: str):  # argparse calls this for every bad argument
        self.exit(USER_ERROR_EXIT_CODE, f"error: {message} (see '{self.prog} --help')\n")


def whole_number_at_least(minimum: int, what: str):
    """argparse type: a whole number of at least `minimum` (`what` names it in --help errors)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    parse.__name__ = what  # argparse names the type in its messages
    return parse


counting_number = whole_number_at_least(1, "counting number")  # replicates, households, years
seed_number = whole_number_at_least(0, "seed")


# --- shared steps -------------------------------------------------------------------------

def load_scenario_file(path: Path) -> Scenario:
    """Load and validate a scenario file; a missing file is a UserError naming it."""
    from model.scenario import load_scenario

    if not path.exists():
        raise UserError(f"scenario file not found: {path}")
    if not path.is_file():
        raise UserError(f"scenario path is not a file: {path}")
    return load_scenario(path)


def check_household_table(scenario: Scenario, households_option: int | None) -> int | None:
    """For a scenario on a household table: validate the table now (before any run) and
    refuse --households, which cannot resize it. Returns the table's household count."""
    if scenario.population.source != "csv":
        return None
    from model.household_table import read_household_table

    table = read_household_table(scenario.population.households_csv)
    if households_option is not None:
        raise UserError(
            f"--households {households_option}: the scenario runs the household table "
            f"{scenario.population.households_csv} ({table.household_ids.size:,} households), "
            "whose size is fixed; drop --households or use a synthetic population"
        )
    return int(table.household_ids.size)


def command_line_overrides(args: argparse.Namespace) -> dict[str, int]:
    """Scenario keys set by command-line options (only those given)."""
    overrides = {"population.n_households": args.households, "years": args.years}
    return {key: value for key, value in overrides.items() if value is not None}


def counted(number: int, noun: str) -> str:
    """`1 year`, `7 years`, `10,000 households`."""
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def format_interval(figure: dict, number_format: str) -> str:
    """`mean (low-high)` of one summary figure; `n/a` when undefined."""
    if figure.get("mean") is None:
        return "n/a"
    text = number_format.format(figure["mean"])
    if figure.get("low") is not None and figure.get("high") is not None and figure["n"] > 1:
        low, high = number_format.format(figure["low"]), number_format.format(figure["high"])
        text += f"  ({low} to {high})"
    return text


def summary_lines(summary: dict) -> list[str]:
    """Headline figures of summary.json as aligned text lines."""
    lines = []
    for key, label, number_format in HEADLINES:
        if key in summary:
            lines.append(f"  {label:<36} {format_interval(summary[key], number_format)}")
    return lines


def progress_bar(
    scenario: Scenario, seed: int, replicates: int, quiet: bool, runs: int = 1
) -> tqdm:
    """A tqdm bar on stderr over `runs` x replicates x years (use as a context manager).

    The bar shows only after PROGRESS_DELAY_SECONDS, only on a terminal, never with --quiet.
    """
    from tqdm import tqdm

    return tqdm(
        total=runs * replicates * scenario.years, unit="year", desc=scenario.name,
        delay=PROGRESS_DELAY_SECONDS, file=sys.stderr, leave=False,
        disable=True if quiet else None,  # None: off when stderr is not a terminal
    )


# --- subcommands --------------------------------------------------------------------------

def run_command(args: argparse.Namespace) -> int:
    """`run`: simulate a scenario's replicates and write the run directory."""
    from model.experiments import summarize
    from model.outputs import RunRecord, prepare_run_directory, write_run_directory
    from model.scenario import with_overrides
    from model.study import analysis_tables, planned_runs, run_study

    started_at = datetime.now(UTC)
    scenario = with_overrides(load_scenario_file(args.scenario), command_line_overrides(args))
    table_households = check_household_table(scenario, args.households)
    households = table_households or scenario.population.n_households
    seed = scenario.seed if args.seed is None else args.seed
    out_dir = args.out if args.out is not None else DEFAULT_OUTPUT_ROOT / args.scenario.stem
    prepare_run_directory(out_dir)  # a bad --out fails before minutes of simulation

    runs = planned_runs(scenario, args.marginal)
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
        scenario=scenario, scenario_file=args.scenario.resolve(), seed=seed,
        replicates=args.replicates, yearly=yearly, summary=summary,
        command_line=args.command_line, started_at=started_at,
        simulation_seconds=simulation_seconds, tables=analysis_tables(study),
        panel=study.results.panel, runs_simulated=runs,
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


EFFICIENCY_HEADLINES = (
    ("cost_per_exit", "yuan per additional exit", "{:,.0f}"),
    ("cost_per_lasting_exit", "yuan per additional lasting exit", "{:,.0f}"),
    ("poverty_gap_reduction_per_10k_yuan", "gap closed per 10,000 yuan", "{:,.0f}"),
)


def efficiency_lines(efficiency: pd.DataFrame | None) -> list[str]:
    """Fund efficiency against the paired no-intervention run, as aligned text lines."""
    import pandas as pd

    if efficiency is None:
        return []
    package = efficiency[efficiency["left_out"] == ""].set_index("measure")
    lines = ["against the paired no-intervention run (90% interval of the mean):"]
    for measure, label, number_format in EFFICIENCY_HEADLINES:
        figure = package.loc[measure]
        if pd.isna(figure["mean"]):
            lines.append(f"  {label:<36} n/a (no additional exits)")
            continue
        text = number_format.format(figure["mean"])
        if not pd.isna(figure["mean_low"]):
            low = number_format.format(figure["mean_low"])
            high = number_format.format(figure["mean_high"])
            text += f"  ({low} to {high})"
        lines.append(f"  {label:<36} {text}")
    return lines


def validate_command(args: argparse.Namespace) -> int:
    """`validate`: check a scenario file (with its `extends:` chain) and say so."""
    scenario = load_scenario_file(args.scenario)
    check_household_table(scenario, None)
    print(f"ok: {args.scenario} ({scenario.name})")
    return 0


def add_run_command(subparsers) -> None:
    """Declare `run SCENARIO [--seed N] [--replicates R] [--households N] [--years N] ...`."""
    parser = subparsers.add_parser(
        "run", help="simulate a scenario and write a run directory",
        description="Simulate SCENARIO's replicates and write scenario.yaml, manifest.json, "
        "yearly.csv, summary.json and plots/ into the run directory.",
    )
    parser.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file")
    parser.add_argument(
        "--seed", type=seed_number, metavar="N", help="random seed (default: the scenario's)"
    )
    parser.add_argument(
        "--replicates", type=counting_number, default=1, metavar="R",
        help="independent replicates (default 1)",
    )
    parser.add_argument(
        "--households", type=counting_number, metavar="N",
        help="override population.n_households",
    )
    parser.add_argument(
        "--years", type=counting_number, metavar="N", help="override years (policy years)"
    )
    parser.add_argument(
        "--out", type=Path, metavar="DIR",
        help="run directory (default: outputs/<scenario file name without .yaml>)",
    )
    add_analysis_options(parser)
    add_quiet_option(parser)
    parser.set_defaults(handler=run_command)


def add_quiet_option(parser) -> None:
    """--quiet, shared by every subcommand that reports progress."""
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar and no summary; errors only"
    )


def add_analysis_options(parser) -> None:
    """--panel and --marginal, shared by `run` and `compare`."""
    parser.add_argument(
        "--panel", action="store_true",
        help="also write households.parquet: every household in every year and replicate",
    )
    parser.add_argument(
        "--marginal", action="store_true",
        help="also run the scenario once per instrument left out (paired) and write each "
        "instrument's marginal contribution to efficiency.csv",
    )


def add_validate_command(subparsers) -> None:
    """Declare `validate SCENARIO`."""
    parser = subparsers.add_parser(
        "validate", help="check a scenario file; exit 0 if valid, 2 if not",
        description="Load SCENARIO with its extends: chain and report every problem.",
    )
    parser.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file")
    parser.set_defaults(handler=validate_command)


SUBCOMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    add_run_command,
    add_validate_command,
    add_compare_command,
    add_sweep_command,
    add_sensitivity_command,
    add_plot_command,
    add_calibrate_command,
)


def build_parser() -> ArgumentParser:
    """The top-level parser with one subparser per entry of SUBCOMMANDS."""
    parser = ArgumentParser(
        prog="run.py",
        description="Agent-based simulator of rural poverty alleviation.",
        epilog="Exit codes: 0 success, 2 a problem with the input (message on stderr).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add_command in SUBCOMMANDS:
        add_command(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` (default sys.argv[1:]), run the subcommand, return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_request:  # --help (0) or an argument error (2, message printed)
        return exit_request.code if isinstance(exit_request.code, int) else USER_ERROR_EXIT_CODE
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "run.py"
    args.command_line = shlex.join([program, *argv])
    try:
        return args.handler(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return INTERRUPTED_EXIT_CODE
