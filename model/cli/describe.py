"""`python run.py describe SCENARIO`: the resolved year plan, without simulating.

Prints every stage of the identification year and of a policy year in the order the
engine runs them and, within assistance, each instrument with its fund and phase in the
order the allocation rule meets them, then the funds. Exit 0, or 2 for a bad file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from model.cli.options import load_scenario_file


def describe_command(args: argparse.Namespace) -> int:
    """`describe`: print the scenario's year plan."""
    from model.simulation.year import describe_year

    print("\n".join(describe_year(load_scenario_file(args.scenario))))
    return 0


def add_describe_command(subparsers) -> None:
    """Declare `describe SCENARIO`."""
    parser = subparsers.add_parser(
        "describe",
        help="print a scenario's year plan: stages, instruments, funds",
        description="Print the stages of a policy year in order, each instrument with its "
        "fund and phase, and the funds, as SCENARIO resolves them (nothing is simulated).",
    )
    parser.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file")
    parser.set_defaults(handler=describe_command)
