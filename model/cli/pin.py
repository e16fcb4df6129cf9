"""`python run.py pin SCENARIO [--replicates R] [--update]`: record a scenario's figures.

Writes `<name>.pinned.json` beside the scenario (model/report/pins.py): the mean over
replicates of every headline figure, the seed, replicates and sizes it ran with, the code
version and the package versions. `python run.py test` then checks that the same run
reproduces them. An existing pin is only replaced with --update, so a re-pin is always
deliberate.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from model.errors import UserError

DEFAULT_PIN_REPLICATES = 3


def pin_command(args: argparse.Namespace) -> int:
    """`pin`: run the scenario and write its pin file."""
    from model.cli.options import check_household_table, counted, load_scenario_file
    from model.config.scenario import with_overrides
    from model.report.pins import new_pin, pin_path, read_pin, write_pin
    from model.testing.suite import RunKey, headline_means, scenario_hash, simulate_runs

    scenario = load_scenario_file(args.scenario)
    check_household_table(scenario, args.households)
    target = pin_path(args.scenario)
    if target.exists() and not args.update:
        pinned = read_pin(target)
        raise UserError(
            f"{target}: already pinned (code {pinned.code_version}, seed {pinned.seed}, "
            f"{counted(pinned.replicates, 'replicate')}); `python run.py test` checks it, "
            "`pin --update` replaces it deliberately"
        )
    seed = scenario.seed if args.seed is None else args.seed
    key = RunKey(args.scenario.resolve(), seed, args.replicates, args.households, args.years)
    overrides = {"population.n_households": args.households, "years": args.years}
    run = with_overrides(scenario, {k: v for k, v in overrides.items() if v is not None})
    yearly = simulate_runs({key: run}, args.workers)[key]
    figures = headline_means(yearly)
    pin = new_pin(args.scenario, (seed, args.replicates, args.households, args.years),
                  figures, scenario_hash(scenario))  # fmt: skip
    write_pin(target, pin)
    print(
        f"pinned {target}: {len(figures)} headline figures of {scenario.name} (seed {seed}, "
        f"{counted(args.replicates, 'replicate')}), code {pin.code_version}"
    )
    return 0


def add_pin_command(subparsers) -> None:
    """Declare `pin SCENARIO [--replicates R] [--seed N] [--households N] [--years N]`."""
    from model.cli.options import counting_number, seed_number
    from model.testing.suite import DEFAULT_WORKERS

    parser = subparsers.add_parser(
        "pin", help="record a scenario's headline figures for `test` to reproduce",
        description="Run SCENARIO and write SCENARIO's <name>.pinned.json beside it: every "
        "headline figure's mean over replicates, the seed, replicates, code version and "
        "package versions. `run.py test` then checks the same run reproduces them (exactly "
        "with the same packages; within the pin's drift tolerance when a package differs).",
    )  # fmt: skip
    parser.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file")
    parser.add_argument(
        "--replicates", type=counting_number, default=DEFAULT_PIN_REPLICATES, metavar="R",
        help=f"replicates (default {DEFAULT_PIN_REPLICATES})",
    )  # fmt: skip
    parser.add_argument("--seed", type=seed_number, metavar="N", help="default: the scenario's")
    parser.add_argument(
        "--households", type=counting_number, metavar="N",
        help="override population.n_households (recorded; test runs the pin with it)",
    )  # fmt: skip
    parser.add_argument("--years", type=counting_number, metavar="N", help="override years")
    parser.add_argument(
        "--workers", type=counting_number, default=DEFAULT_WORKERS, metavar="N",
        help=f"local worker processes (default {DEFAULT_WORKERS})",
    )  # fmt: skip
    parser.add_argument(
        "--update", action="store_true", help="replace an existing pin (deliberately)"
    )
    parser.set_defaults(handler=pin_command)
