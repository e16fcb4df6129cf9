"""`python run.py validate SCENARIO`: check a scenario file (with its `extends:` chain)."""

from __future__ import annotations

import argparse
from pathlib import Path

from model.cli.options import check_household_table, load_scenario_file


def validate_command(args: argparse.Namespace) -> int:
    """`validate`: check a scenario file (with its `extends:` chain) and say so."""
    scenario = load_scenario_file(args.scenario)
    check_household_table(scenario, None)
    if scenario.expect:  # the names its expectations read must exist in its runs
        from model.analysis.expectations import expectation_problems
        from model.errors import ScenarioError

        if problems := expectation_problems(scenario, str(args.scenario)):
            raise ScenarioError(problems)
    print(f"ok: {args.scenario} ({scenario.name})")
    return 0


def add_validate_command(subparsers) -> None:
    """Declare `validate SCENARIO`."""
    parser = subparsers.add_parser(
        "validate",
        help="check a scenario file; exit 0 if valid, 2 if not",
        description="Load SCENARIO with its extends: chain and report every problem.",
    )
    parser.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file")
    parser.set_defaults(handler=validate_command)
