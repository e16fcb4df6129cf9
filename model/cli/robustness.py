"""The `robustness` subcommand: which mix of a finished sweep holds up across its futures?

    python run.py robustness SWEEP_DIR [--indicator NAME[:more|:less] ...]
        [--satisfice "NAME<VALUE" ...] [--out DIR] [--quiet]

The sweep's `lever` factors make the mixes and its `uncertainty` factors the futures (design
levers_x_futures, or a grid): every mix must have run in every future. Reads only SWEEP_DIR
(model.sweeps.finished); ranks the mixes by regret and by the share of futures meeting every
satisficing condition (model.analysis.robustness) and writes into DIR (default
SWEEP_DIR/robustness):

    robustness.csv          per mix and indicator: values over futures, maximum, 90th
                            percentile and mean regret, regret rank, satisficing share
    regret_by_future.csv    every mix's value, the future's best and the regret, per future
    plots/robustness.png    the mixes ranked, with their regret's spread over the futures
    manifest.json           the sweep's fingerprint, the options and the files' hashes; last
"""

from __future__ import annotations

import argparse
from pathlib import Path

from model.errors import UserError

PLOT = "plots/robustness.png"


def robustness_command(args: argparse.Namespace) -> int:
    """`robustness`: regret and satisficing of a finished sweep's mixes."""
    import pandas as pd

    from model.analysis.robustness import parse_condition, parse_indicator, robustness_table
    from model.cli.discover import write_manifest
    from model.report.figures_discovery import robustness_figure, save
    from model.report.files import atomic_write_text, csv_text
    from model.sweeps.finished import read_finished_sweep

    conditions = []
    for text in args.satisfice or []:
        try:
            conditions.append(parse_condition(text))
        except ValueError as exc:
            raise UserError(f"--satisfice {exc}") from None
    sweep = read_finished_sweep(args.sweep_dir)
    check_mixes_and_futures(sweep)
    indicators = {}
    for text in args.indicator or sweep.spec.indicators:
        try:
            name, direction = parse_indicator(text)
        except ValueError as exc:
            where = "--indicator" if args.indicator else f"{sweep.spec.file}: indicators"
            raise UserError(f"{where}: {exc}") from None
        sweep.check_indicator(name)
        indicators[name] = direction
    for condition in conditions:
        sweep.check_indicator(condition.indicator, "--satisfice")

    names = list(dict.fromkeys([*indicators, *(c.indicator for c in conditions)]))
    outcomes = sweep.point_indicators(names).reset_index(drop=True)
    outcomes.insert(0, "mix", sweep.mix_labels().to_numpy())
    outcomes.insert(1, "future", sweep.future_numbers().to_numpy())
    check_complete_cross(sweep, outcomes)
    table, regrets = robustness_table(outcomes, indicators, conditions)
    meets = outcomes[["mix", "future"]].assign(meets_all=True)
    for condition in conditions:
        meets["meets_all"] &= condition.holds(outcomes[condition.indicator].to_numpy())
    regrets = regrets.merge(meets, on=["mix", "future"], how="left")
    regrets = regrets[["indicator", "direction", "mix", "future", "value", "best", "regret",
                       "meets_all"]]  # fmt: skip

    out = args.out if args.out is not None else sweep.directory / "robustness"
    (out / "plots").mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").unlink(missing_ok=True)  # unfinished until written again
    atomic_write_text(out / "robustness.csv", csv_text(table))
    atomic_write_text(out / "regret_by_future.csv", csv_text(regrets))
    saved = pd.read_csv(out / "robustness.csv")  # the figure shows what the files say
    saved_regrets = pd.read_csv(out / "regret_by_future.csv")
    condition_text = " and ".join(map(str, conditions))
    save(robustness_figure(saved, saved_regrets, condition_text), out / PLOT)
    options = {
        "indicators": indicators,
        "satisfice": [str(c) for c in conditions],
    }
    write_manifest(out, sweep, options, ["robustness.csv", "regret_by_future.csv", PLOT])
    if not args.quiet:
        print("\n".join(summary_lines(out, table, outcomes, condition_text)))
    return 0


def check_mixes_and_futures(sweep) -> None:
    """Robustness needs lever factors (the mixes) and uncertainty factors (the futures)."""
    if not sweep.lever_columns:
        kinds = ", ".join(f"{f.key} ({f.kind})" for f in sweep.spec.factors) or "none"
        raise UserError(
            f"SWEEP_DIR {sweep.directory}: the sweep has no factor with kind: lever, so there "
            f"are no mixes to rank (its factors: {kinds}); mark the planner's choices "
            "`kind: lever` and run it with design method levers_x_futures"
        )
    if not sweep.uncertainty_columns:
        raise UserError(
            f"SWEEP_DIR {sweep.directory}: the sweep has no factor with kind: uncertainty, so "
            "every mix meets a single future; add uncertainty factors (design levers_x_futures)"
        )


def check_complete_cross(sweep, outcomes) -> None:
    """Regret compares mixes within a future: every mix must have run in every future."""
    per_future = outcomes.groupby("future")["mix"].nunique()
    mixes = outcomes["mix"].nunique()
    if (per_future < mixes).any():
        raise UserError(
            f"SWEEP_DIR {sweep.directory}: design {sweep.spec.design.method} does not run "
            f"every mix in every future ({int((per_future < mixes).sum())} of "
            f"{len(per_future)} futures miss a mix); use design method levers_x_futures "
            "(or a grid) for robustness"
        )


def summary_lines(out: Path, table, outcomes, conditions: str) -> list[str]:
    """Per indicator, the mixes in regret order with maximum and 90th-percentile regret."""
    mixes, futures = outcomes["mix"].nunique(), outcomes["future"].nunique()
    lines = [f"wrote {out}: {mixes} mixes x {futures} futures"]
    if conditions:
        shares = table.drop_duplicates("mix").sort_values("satisficing_rank")
        lines.append(f"  share of futures meeting {conditions}:")
        lines += [f"    {row.mix:<40} {row.satisficing_share:6.0%}" for row in shares.itertuples()]
    for indicator, rows in table.groupby("indicator", sort=False):
        direction = rows["direction"].iloc[0]
        lines.append(f"  {indicator} ({direction} is better): regret max, 90th percentile")
        for row in rows.itertuples():
            figures = f"{row.regret_max:10.4g} {row.regret_p90:10.4g}"
            lines.append(f"    {row.regret_rank}. {row.mix:<37} {figures}")
    return lines


def add_robustness_command(subparsers) -> None:
    """Declare `robustness SWEEP_DIR [--indicator ...] [--satisfice ...] [--out DIR]`."""
    from model.analysis.robustness import CONDITION_FORM
    from model.cli.options import add_quiet_option

    parser = subparsers.add_parser(
        "robustness",
        help="rank a finished sweep's mixes (lever factors) by regret over its futures "
        "(uncertainty factors) and by the share of futures meeting conditions",
        description="Rank the mixes (combinations of the lever factors) of a finished "
        "levers_x_futures sweep by regret (each future's shortfall against that future's "
        "best mix: maximum and 90th percentile) per indicator, and by the share of futures "
        "meeting every --satisfice condition. Reads only SWEEP_DIR.",
    )
    parser.add_argument("sweep_dir", type=Path, metavar="SWEEP_DIR",
                        help="the --out directory of a finished `run.py sweep`")  # fmt: skip
    parser.add_argument(
        "--indicator", action="append", metavar="NAME[:more|:less]",
        help="an indicator to rank by, with its direction when it is not a known one "
        "(repeat for several; default: the sweep file's indicators)",
    )  # fmt: skip
    parser.add_argument(
        "--satisfice", action="append", metavar="CONDITION",
        help=f"a condition every future should meet: {CONDITION_FORM} (repeat for several)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="output directory (default SWEEP_DIR/robustness)")  # fmt: skip
    add_quiet_option(parser)
    parser.set_defaults(handler=robustness_command)
