"""The command line's entry point: the list of subcommands, the parser and `main`.

Each subcommand is a module of this package with one `add_<name>_command(subparsers)`
function that declares its arguments and sets `handler`; adding one means writing that
module and listing its function in SUBCOMMANDS.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from model.cli.app import add_app_command
from model.cli.calibrate import add_calibrate_command
from model.cli.compare import add_compare_command
from model.cli.describe import add_describe_command
from model.cli.discover import add_discover_command
from model.cli.options import INTERRUPTED_EXIT_CODE, ArgumentParser
from model.cli.pin import add_pin_command
from model.cli.plot import add_plot_command
from model.cli.robustness import add_robustness_command
from model.cli.run import add_run_command
from model.cli.sweep import add_sensitivity_command, add_sweep_command
from model.cli.test import add_test_command
from model.cli.validate import add_validate_command
from model.errors import USER_ERROR_EXIT_CODE, UserError

SUBCOMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    add_run_command,
    add_validate_command,
    add_describe_command,
    add_compare_command,
    add_sweep_command,
    add_sensitivity_command,
    add_discover_command,
    add_robustness_command,
    add_plot_command,
    add_calibrate_command,
    add_test_command,
    add_pin_command,
    add_app_command,
)


def build_parser() -> ArgumentParser:
    """The top-level parser with one subparser per entry of SUBCOMMANDS."""
    parser = ArgumentParser(
        prog="run.py",
        description="Agent-based simulator of rural poverty alleviation.",
        epilog="Exit codes: 0 success, 1 a scenario test failed (test), 2 a problem with the "
        "input (message on stderr).",
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
