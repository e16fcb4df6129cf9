"""The `discover` subcommand: in which ranges of a finished sweep's factors is an outcome bad?

    python run.py discover SWEEP_DIR --indicator NAME --threshold T [--above | --below]
        [--min-coverage C] [--out DIR] [--quiet]

Reads only SWEEP_DIR (model.sweeps.finished), so a sweep run on a Dask cluster is read the
same way; runs PRIM, CART and feature scoring (model.analysis.discovery, the EMA workbench)
on each point's indicator (the mean over its replicates) and writes into DIR (default
SWEEP_DIR/discovery_<indicator>):

    cases.csv           each point: its factors, the indicator and whether it is bad
    discovery.csv       PRIM's peeling trajectory (coverage, density, ...), the chosen step
    boxes.csv           the chosen PRIM box (each restricted factor's range and quasi-p
                        value) and CART's leaves as boxes
    feature_scores.csv  how much each factor explains of the indicator and of bad/good
    cart_tree.txt       the CART tree as text
    plots/tradeoff.png, plots/box_limits.png, plots/pairs.png
    manifest.json       the sweep's fingerprint, the options and the files' hashes; last
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from model.errors import UserError

PLOTS = ("tradeoff.png", "box_limits.png", "pairs.png")


def discover_command(args: argparse.Namespace) -> int:
    """`discover`: scenario discovery on a finished sweep's points."""
    from model.analysis.discovery import (
        cart_boxes,
        cases_of_interest,
        feature_scores,
        find_box,
    )
    from model.report.files import atomic_write_text, csv_text
    from model.sweeps.finished import read_finished_sweep

    if not np.isfinite(args.threshold):
        raise UserError(f"--threshold {args.threshold}: allowed: a finite number")
    if not 0 < args.min_coverage <= 1:
        raise UserError(f"--min-coverage {args.min_coverage:g}: allowed: above 0, at most 1")
    sweep = read_finished_sweep(args.sweep_dir)
    sweep.check_indicator(args.indicator)
    factors = sweep.factor_columns
    values = sweep.point_indicators([args.indicator])[args.indicator].to_numpy(dtype=float)
    cases = sweep.points[factors].reset_index(drop=True).assign(**{args.indicator: values})
    cases = cases[~np.isnan(values)].reset_index(drop=True)  # an undefined figure is no case
    above = not args.below
    bad = cases_of_interest(cases[args.indicator].to_numpy(), args.threshold, above)
    check_both_sides(args, sweep.directory, cases[args.indicator].to_numpy(), bad)
    cases["bad"] = bad
    x = cases[factors]

    prim = find_box(x, bad, min_coverage=args.min_coverage)
    cart, tree_text = cart_boxes(x, bad)
    scores = feature_scores(x, cases[args.indicator].to_numpy(), bad)
    boxes = pd_concat([prim.box, cart])

    out = args.out if args.out is not None else sweep.directory / f"discovery_{args.indicator}"
    (out / "plots").mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").unlink(missing_ok=True)  # unfinished until written again
    written = {
        "cases.csv": csv_text(cases),
        "discovery.csv": csv_text(prim.trajectory),
        "boxes.csv": csv_text(boxes),
        "feature_scores.csv": csv_text(scores),
        "cart_tree.txt": tree_text,
    }
    for name, text in written.items():
        atomic_write_text(out / name, text)
    side = f"{'above' if above else 'below'} {args.threshold:g}"
    draw_discovery(out, args.indicator, side)
    write_manifest(out, sweep, vars_of(args), [*written, *(f"plots/{p}" for p in PLOTS)])
    if not args.quiet:
        print("\n".join(summary_lines(out, args.indicator, side, cases, prim, scores)))
    return 0


def pd_concat(frames):
    import pandas as pd

    return pd.concat([f for f in frames if not f.empty], ignore_index=True)


def check_both_sides(args, directory: Path, values: np.ndarray, bad: np.ndarray) -> None:
    """Discovery needs bad and other cases: a UserError giving the indicator's range when
    the threshold leaves every case on one side."""
    if len(values) == 0:
        raise UserError(f"--indicator {args.indicator}: no point of {directory} has a value")
    if 0 < bad.sum() < len(bad):
        return
    side = "below" if args.below else "above"
    which = "every" if bad.all() else "no"
    raise UserError(
        f"--threshold {args.threshold:g}: {which} point of {directory} has {args.indicator} "
        f"{side} it, so there is nothing to tell apart; the indicator runs from "
        f"{values.min():.4g} to {values.max():.4g} over {len(values)} points: choose a "
        "threshold between"
    )


def vars_of(args: argparse.Namespace) -> dict:
    return {
        "indicator": args.indicator,
        "threshold": args.threshold,
        "side": "below" if args.below else "above",
        "min_coverage": args.min_coverage,
    }


def draw_discovery(out: Path, indicator: str, side: str) -> None:
    """plots/*.png from the saved tables (so the figures show what the files say)."""
    import pandas as pd

    from model.report.figures_discovery import (
        box_limits_figure,
        pairs_figure,
        save,
        tradeoff_figure,
    )

    trajectory = pd.read_csv(out / "discovery.csv")
    boxes = pd.read_csv(out / "boxes.csv", keep_default_na=False, na_values=[""])
    boxes["values"] = boxes["values"].astype(object).fillna("").astype(str)
    box = boxes[boxes["method"] == "prim"]
    cases = pd.read_csv(out / "cases.csv")
    what = f"{indicator} {side}"
    save(tradeoff_figure(trajectory, f"PRIM peeling trajectory: {what}"), out / "plots" / PLOTS[0])
    save(box_limits_figure(box, f"Where {what}: the chosen PRIM box"), out / "plots" / PLOTS[1])
    save(pairs_figure(cases, box, f"Cases with {what} (red) and the box"), out / "plots" / PLOTS[2])


def write_manifest(out: Path, sweep, options: dict, names: list[str]) -> None:
    """OUT/manifest.json, written last: which sweep, which options, which files."""
    from model.report.files import atomic_write_text, json_text, package_versions, sha256_of

    contents = {
        "sweep_dir": str(sweep.directory.resolve()),
        "sweep_fingerprint": sweep.manifest.get("sweep_fingerprint"),
        "options": options,
        "packages": package_versions(("numpy", "pandas", "scikit-learn", "ema_workbench")),
        "files": {name: sha256_of(out / name) for name in names},
    }
    atomic_write_text(out / "manifest.json", json_text(contents))


def summary_lines(out: Path, indicator: str, side: str, cases, prim, scores) -> list[str]:
    """The chosen box and the factors that matter, as aligned text."""
    bad = int(cases["bad"].sum())
    chosen = prim.trajectory.set_index("step").loc[prim.chosen]
    lines = [
        f"wrote {out}: {bad} of {len(cases)} points have {indicator} {side}",
        f"  PRIM box (step {prim.chosen}): coverage {chosen['coverage']:.0%}, density "
        f"{chosen['density']:.0%}, {int(chosen['cases'])} points",
    ]
    for row in prim.box.itertuples():
        if not row.factor:
            lines.append("    (restricts no factor: the bad points are spread over the space)")
            continue
        span = row.values if row.values else f"{row.low:.4g} to {row.high:.4g}"
        qps = [v for v in (row.qp_low, row.qp_high) if not np.isnan(v)]
        qp = f"quasi-p {min(qps):.2g}" if qps else "quasi-p n/a"
        lines.append(f"    {row.factor}: {span}  ({qp})")
    lines.append("  feature scores (indicator, bad/good):")
    for row in scores.itertuples():
        lines.append(f"    {row.factor:<48} {row.score_indicator:5.2f} {row.score_bad:5.2f}")
    return lines


def add_discover_command(subparsers) -> None:
    """Declare `discover SWEEP_DIR --indicator NAME --threshold T [--above | --below] ...`."""
    from model.analysis.discovery import DEFAULT_MIN_COVERAGE
    from model.cli.options import add_quiet_option

    parser = subparsers.add_parser(
        "discover",
        help="scenario discovery: the factor ranges of a finished sweep where an outcome is bad",
        description="Find the ranges of a finished sweep's factors in which INDICATOR (each "
        "point's mean over replicates) is above (or below) THRESHOLD: PRIM's peeling "
        "trajectory and chosen box with each restricted factor's range and quasi-p value, "
        "a CART tree, and feature scores. Reads only SWEEP_DIR.",
    )
    parser.add_argument("sweep_dir", type=Path, metavar="SWEEP_DIR",
                        help="the --out directory of a finished `run.py sweep`")  # fmt: skip
    parser.add_argument(
        "--indicator", required=True, metavar="NAME",
        help="a headline figure, e.g. relapse_within_3y_share_of_exits",
    )  # fmt: skip
    parser.add_argument(
        "--threshold", required=True, type=float, metavar="T",
        help="a point is bad when its indicator is above T (or below, with --below)",
    )  # fmt: skip
    side = parser.add_mutually_exclusive_group()
    side.add_argument("--above", action="store_true", help="bad means above T (the default)")
    side.add_argument("--below", action="store_true", help="bad means below T")
    parser.add_argument(
        "--min-coverage", type=float, default=DEFAULT_MIN_COVERAGE, metavar="C",
        help="choose the densest PRIM box that still holds this share of the bad points "
        f"(default {DEFAULT_MIN_COVERAGE:g})",
    )  # fmt: skip
    parser.add_argument(
        "--out", type=Path, metavar="DIR",
        help="output directory (default SWEEP_DIR/discovery_<indicator>)",
    )  # fmt: skip
    add_quiet_option(parser)
    parser.set_defaults(handler=discover_command)
