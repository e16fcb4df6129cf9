"""Print the campaign's target moments (project issue 17) for the campaign and the baseline.

    python calibration/campaign_moments.py [--households 20000] [--replicates 3] [--seed 21]
        [--campaign scenarios/five_batches.yaml] [--baseline scenarios/baseline_calibrated.yaml]

For each scenario, by year (mean over replicates): truly poor persons against the national
line as a share of the identification year's, disposable income per capita and its
composition, the idle share of the year's budget, spending and budget, missed poor (share
of the truly poor not registered) and wrongly exited (share of the year's exits); then the
whole-run figures: exit shares after one and five years poor, income growth per year.
Run from the repository root so its `model/` is imported.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.analysis.replicates import headline, run_replicate  # noqa: E402
from model.config.scenario import load_scenario, set_by_path, validate_data  # noqa: E402

YEARLY = [
    "poor_persons_national_share_of_identification",
    "registered_incidence_persons",
    "disposable_income_per_capita",
    "income_share_wages",
    "income_share_business",
    "income_share_property",
    "income_share_transfers",
    "budget_total",
    "spending_total",
    "idle_funds",
    "idle_share_of_budget",
    "registered_households",
    "exits_households",
    "missed_poor_share",
    "wrongly_exited_share_of_exits_year",
    "missed_poor_share_national",
    "wrongly_exited_share_of_exits_national",
    "removed_households",
]
HEADLINE = [
    "exit_share_after_1y_poor",
    "exit_share_after_5y_poor",
    "disposable_income_growth_per_year",
    "idle_share_of_budget_max",
    "missed_poor_share_max_from_2017",
    "wrongly_exited_share_of_exits_max",
    "spending_total",
]


def _one(task: tuple[str, int, int, int, tuple]) -> pd.DataFrame:
    path, households, seed, replicate, settings = task
    raw = load_scenario(path).model_dump(mode="python")
    for key, value in (("population.n_households", households), *settings):
        set_by_path(raw, key, value)
    return run_replicate(validate_data(raw, file=path), seed, replicate)


def moments(path, households, replicates, seed, workers=2, settings=()):
    """(yearly rows of every replicate, per-replicate headline figures) of one scenario, with
    `settings` ((key path, value) pairs) applied."""
    tasks = [(path, households, seed, r, tuple(settings)) for r in range(replicates)]
    with ProcessPoolExecutor(workers) as pool:
        frames = list(pool.map(_one, tasks))
    yearly = pd.concat(frames, ignore_index=True)
    heads = pd.DataFrame([headline(f) for f in frames])
    return yearly, heads


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--campaign", default="scenarios/five_batches.yaml")
    parser.add_argument("--baseline", default="scenarios/baseline_calibrated.yaml")
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--replicates", type=int, default=3)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="scenario key path and YAML value applied to both scenarios (repeatable)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    settings = [(k, yaml.safe_load(v)) for k, v in (s.split("=", 1) for s in args.set)]
    pd.set_option("display.width", 200, "display.max_columns", 30)
    for path in (args.campaign, args.baseline):
        yearly, heads = moments(
            path, args.households, args.replicates, args.seed, args.workers, settings
        )
        funds = [c for c in yearly.columns if c.startswith("spending_fund_")]
        table = yearly.groupby("year")[YEARLY + funds].mean()
        short = {c: c.replace("income_share_", "").replace("_share_of_identification", "")
                 .replace("spending_fund_", "f_").replace("wrongly_exited_share_of_exits", "wrong")
                 .replace("_households", "").replace("disposable_income_per_capita", "income")
                 for c in YEARLY + funds}  # fmt: skip
        print(f"== {path} ({args.households} households, {args.replicates} replicates, "
              f"seed {args.seed})")  # fmt: skip
        print(table.rename(columns=short).round(3).to_string())
        print(heads[HEADLINE].agg(["mean", "std"]).round(3).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
