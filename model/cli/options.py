"""What the subcommands share: the house-style argument parser and number types, loading a
scenario file for a command, `--quiet` and the analysis options, the progress bar, and
the aligned headline lines printed after a run or a comparison.

Every mistake of the user ends with a message on stderr starting `error: ` and exit
code 2, never a traceback; success is 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from model.engine.finite import MAX_WHOLE_NUMBER, SEED_MAX
from model.errors import USER_ERROR_EXIT_CODE, UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from tqdm import tqdm

    from model.config.scenario import Scenario

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


def whole_number_at_least(minimum: int, what: str, maximum: int = MAX_WHOLE_NUMBER):
    """argparse type: a whole number from `minimum` to `maximum` (`what` names it in --help
    errors); the default maximum is the largest 64-bit integer, as in the input files."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        if value > maximum:
            raise argparse.ArgumentTypeError(
                f"must be at most {maximum} ({what}s are {minimum}..{maximum}), got {value}"
            )
        return value

    parse.__name__ = what  # argparse names the type in its messages
    return parse


SIZE_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def memory_size(text: str) -> int:
    """argparse type for --max-memory: bytes, or a whole or decimal number with K, M, G or T
    (binary units; a trailing B or iB is allowed): `512M`, `1.5G`, `16GiB`."""
    cleaned = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = cleaned[-1:] if cleaned[-1:] in SIZE_UNITS else ""
    number = cleaned[: len(cleaned) - len(unit)]
    try:
        value = float(number)
    except ValueError:
        value = float("nan")
    if not (value == value and 0 < value * SIZE_UNITS[unit] <= MAX_WHOLE_NUMBER):
        raise argparse.ArgumentTypeError(
            f"must be a positive size such as 8G, 512M or 2000000000 (bytes), got {text!r}"
        )
    return int(value * SIZE_UNITS[unit])


memory_size.__name__ = "memory size"


def port_number(text: str) -> int:
    """argparse type: a TCP port, 1 to 65535."""
    value = whole_number_at_least(1, "port")(text)
    if value > 65_535:
        raise argparse.ArgumentTypeError(f"must be at most 65535, got {value}")
    return value


counting_number = whole_number_at_least(1, "counting number")  # replicates, households, years
seed_number = whole_number_at_least(0, "seed", SEED_MAX)


# --- shared steps -------------------------------------------------------------------------


def load_scenario_file(path: Path) -> Scenario:
    """Load and validate a scenario file; a missing file is a UserError naming it."""
    from model.config.scenario import load_scenario

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
    from model.engine.household_table import read_household_table

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
        total=runs * replicates * scenario.years,
        unit="year",
        desc=scenario.name,
        delay=PROGRESS_DELAY_SECONDS,
        file=sys.stderr,
        leave=False,
        disable=True if quiet else None,  # None: off when stderr is not a terminal
    )


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


def add_quiet_option(parser) -> None:
    """--quiet, shared by every subcommand that reports progress."""
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar and no summary; errors only"
    )


def check_memory(needed: int, max_memory: int | None, what: str) -> None:
    """Refuse (UserError) a run whose estimated peak memory exceeds --max-memory or, without
    it, the memory available now, before it starts rather than with a MemoryError later."""
    from model.simulation.memory import available_bytes, size_text

    limit = max_memory if max_memory is not None else available_bytes()
    if limit is None or needed <= limit:
        return
    source = "--max-memory" if max_memory is not None else "memory available now"
    raise UserError(
        f"{what} needs about {size_text(needed)} of memory (estimated before starting: "
        f"model/simulation/memory.py) but the {source} is {size_text(limit)}; run fewer "
        "households or replicates, or split a province into counties (a sweep with design "
        "method counties), or raise --max-memory if the estimate is too cautious"
    )


def add_memory_option(parser) -> None:
    """--max-memory, shared by `run` and `compare`."""
    parser.add_argument(
        "--max-memory", type=memory_size, metavar="SIZE",
        help="refuse to start when the estimated peak memory exceeds SIZE (e.g. 8G); "
        "default: the memory available when the command starts",
    )  # fmt: skip


def add_force_option(parser, kind: str) -> None:
    """--force: replace another result in --out (shared by `run` and `compare`)."""
    parser.add_argument(
        "--force",
        action="store_true",
        help=f"replace a finished {kind} of other scenario files in --out, removing all of "
        f"its files (without it, that is refused; an earlier {kind} of the same files is "
        "always replaced)",
    )


def add_analysis_options(parser) -> None:
    """--panel and --marginal, shared by `run` and `compare`."""
    parser.add_argument(
        "--panel",
        action="store_true",
        help="also write households.parquet: every household in every year and replicate",
    )
    parser.add_argument(
        "--marginal",
        action="store_true",
        help="also run the scenario once per instrument left out (paired) and write each "
        "instrument's marginal contribution to efficiency.csv",
    )
