"""The `calibrate` subcommand (listed in model.cli.commands.SUBCOMMANDS).

    python run.py calibrate TARGETS --scenario S --out DIR [--parameters P] [--workers N]
                            [--seed N] [--households N] [--quiet]

Fits the free parameters of P (default: parameters.yaml beside TARGETS) so that scenario S
reproduces TARGETS (model.calibration.fit). Exit codes: 0 done, 2 a problem with the input,
130 interrupted (every finished evaluation is kept; the same command resumes).

model.cli.options holds what the subcommands share; model.cli.commands lists this module in the
subcommands, so a module-level import here would be circular.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_PARAMETERS_NAME = "parameters.yaml"


def calibrate_command(args: argparse.Namespace) -> int:
    """`calibrate`: run or resume a calibration and print its fit."""
    from model.calibration.fit import calibrate, summary_lines

    parameters = args.parameters or args.targets.parent / DEFAULT_PARAMETERS_NAME
    outcome = calibrate(
        args.targets,
        args.scenario,
        parameters,
        args.out,
        workers=args.workers,
        seed=args.seed,
        households=args.households,
        quiet=args.quiet,
        command_line=args.command_line,
    )
    if not args.quiet:
        print("\n".join(summary_lines(outcome)))
    return 0


def add_calibrate_command(subparsers) -> None:
    """Declare `calibrate TARGETS --scenario S --out DIR [--parameters P] [--workers N] ...`."""
    from model.cli.options import add_quiet_option, counting_number, seed_number

    parser = subparsers.add_parser(
        "calibrate",
        help="fit free scenario parameters to target moments (resumable)",
        description="Simulated method of moments: fit the free parameters listed in the "
        "parameters file so that SCENARIO reproduces the moments of TARGETS, with a global "
        "quasi-random design and a bounded local search from several starts. Writes "
        "fitted_parameters.yaml (usable with extends:), fit.csv, loss_trace.csv, starts.csv, "
        "identifiability.csv, plots/ and manifest.json (last) into DIR. Interrupted? Run the "
        "same command again: finished evaluations are read back from DIR/evaluations.jsonl.",
    )
    parser.add_argument("targets", type=Path, metavar="TARGETS", help="targets YAML file")
    parser.add_argument(
        "--scenario", type=Path, required=True, metavar="S", help="scenario YAML file to fit"
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="calibration directory; running again into it resumes",
    )
    parser.add_argument(
        "--parameters",
        type=Path,
        metavar="P",
        help=f"free parameters and search settings (default: {DEFAULT_PARAMETERS_NAME} beside "
        "TARGETS)",
    )
    parser.add_argument(
        "--workers",
        type=counting_number,
        metavar="N",
        help="local worker processes (default: one per CPU)",
    )
    parser.add_argument(
        "--seed",
        type=seed_number,
        metavar="N",
        help="evaluation seed (default: the parameters file's evaluation.seed)",
    )
    parser.add_argument(
        "--households",
        type=counting_number,
        metavar="N",
        help="households per evaluation (default: the parameters file's evaluation.households)",
    )
    add_quiet_option(parser)
    parser.set_defaults(handler=calibrate_command)
