"""Write docs/validation.md: every target of calibration/campaign_targets.yaml against the
model, over years with bands over replicates, on the fit seed and on seeds not used in the
fit, and the cause shares at identification.

    python calibration/validate_model.py [--households 20000] [--replicates 3]
        [--seeds 21,22] [--out docs]

Runs the calibrated baseline and five_batches (the targets file's `scenarios`) for each
seed, reads every target with the calibration's own moment code (model.calibration.targets),
and draws one figure per group of targets (docs/figures/validation_*.png). Run from the
repository root so its `model/` is imported.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.analysis.replicates import run_replicate  # noqa: E402
from model.analysis.spending import integrated_spending_shares  # noqa: E402
from model.calibration.targets import FITTED_SCENARIO, load_targets, replicate_moments  # noqa: E402
from model.config.scenario import load_scenario, set_by_path, validate_data  # noqa: E402

TARGETS = ROOT / "calibration" / "campaign_targets.yaml"
BASELINE = ROOT / "scenarios" / "baseline_calibrated.yaml"
FIT_SEED = 2014  # evaluation.seed of calibration/campaign_*_parameters.yaml


def _run(task):
    path, households, seed, replicate = task
    raw = load_scenario(path).model_dump(mode="python")
    set_by_path(raw, "population.n_households", households)
    return run_replicate(validate_data(raw, file=str(path)), seed, replicate)


def run_all(households: int, replicates: int, seeds: list[int], workers: int = 2):
    """{(scenario name, seed): [yearly frame per replicate]} for the baseline and campaign."""
    targets = load_targets(TARGETS)
    paths = {FITTED_SCENARIO: BASELINE}
    paths.update({name: targets.scenario_path(name) for name in targets.scenarios})
    tasks = [(name, s, r) for name in paths for s in seeds for r in range(replicates)]
    with ProcessPoolExecutor(workers) as pool:
        frames = list(pool.map(_run, [(paths[n], households, s, r) for n, s, r in tasks]))
    runs: dict[tuple[str, int], list[pd.DataFrame]] = {}
    for (name, seed, _), frame in zip(tasks, frames, strict=True):
        runs.setdefault((name, seed), []).append(frame)
    return targets, runs


def fit_table(targets, runs, seed: int) -> pd.DataFrame:
    """Per target: value, tolerance, model mean and range over replicates, within or not."""
    rows = []
    by_name = {
        name: np.array([replicate_moments(targets.subset(name), f) for f in runs[(name, seed)]])
        for name in {t.scenario for t in targets.targets}
    }
    position = {name: 0 for name in by_name}
    for t in targets.targets:
        values = by_name[t.scenario][:, position[t.scenario]]
        position[t.scenario] += 1
        mean = float(values.mean())
        rows.append({
            "target": t.label, "run": t.scenario, "value": t.value, "tolerance": t.tolerance,
            "model": mean, "low": float(values.min()), "high": float(values.max()),
            "within": abs(mean - t.value) <= t.tolerance,
        })  # fmt: skip
    return pd.DataFrame(rows)


def _markdown(table: pd.DataFrame) -> str:
    lines = ["| target | run | value | tolerance | model (mean) | range over replicates | within |",
             "| --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for r in table.itertuples():
        lines.append(
            f"| {r.target} | {r.run} | {r.value:.3f} | {r.tolerance:.3f} | {r.model:.3f} | "
            f"{r.low:.3f}-{r.high:.3f} | {'yes' if r.within else '**no**'} |"
        )
    return "\n".join(lines)


FIGURES = {
    "poverty": (
        ["poor_persons_national_share_of_identification"],
        "poor persons (national line) / 2013",
    ),
    "income": (["income_share_wages", "income_share_business", "income_share_property",
                "income_share_transfers"], "share of disposable income"),
    "money": (["idle_share_of_budget"], "idle funds / the year's budget"),
    "targeting": (["missed_poor_share_national", "wrongly_exited_share_of_exits_national"],
                  "share"),
}  # fmt: skip
RECORD = {2014: 0.851, 2015: 0.676, 2016: 0.526, 2017: 0.369, 2018: 0.201, 2019: 0.067}


def draw(runs, seed: int, out: Path, campaign) -> list[str]:
    """One figure per group: campaign and baseline over years, band = replicate range; then
    the campaign's spending by phase (`campaign`: its scenario)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    names = []
    for key, (columns, ylabel) in FIGURES.items():
        fig, ax = plt.subplots(figsize=(6.4, 3.6))
        for run, style in (("campaign", "-"), (FITTED_SCENARIO, ":")):
            y = pd.concat(runs[(run, seed)])
            for column in columns:
                stats = y.groupby("year")[column].agg(["mean", "min", "max"])
                label = f"{run}: {column.replace('income_share_', '')}"
                line, = ax.plot(stats.index, stats["mean"], style, label=label)
                ax.fill_between(stats.index, stats["min"], stats["max"], alpha=0.2,
                                color=line.get_color())  # fmt: skip
        if key == "poverty":
            ax.plot(list(RECORD), list(RECORD.values()), "ko", label="NBS record")
        if key == "income":
            for share in (0.387, 0.283, 0.016, 0.315):
                ax.plot([2019], [share], "k_", markersize=14)
        if key == "money":
            ax.axhline(0.05, color="k", linewidth=0.8, linestyle="--", label="5% target")
        ax.set_xlabel("year")
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=6)
        names.append(_save(fig, out, f"validation_{key}.png"))
    names.append(draw_spending(runs[("campaign", seed)], campaign, out))
    return names


def _save(fig, out: Path, name: str) -> str:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(out / name, dpi=110)
    plt.close(fig)
    return name


def draw_spending(frames: list[pd.DataFrame], campaign, out: Path) -> str:
    """The campaign's poverty-fund spending by assistance phase, as shares of each year
    (band = replicate range), against the documented fund rule: a pattern no target lists."""
    import matplotlib.pyplot as plt

    shares = pd.concat(integrated_spending_shares(frame, campaign) for frame in frames)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for phase in shares.columns:
        stats = shares.groupby(level="year")[phase].agg(["mean", "min", "max"])
        line, = ax.plot(stats.index, stats["mean"], label=f"campaign: {phase}")
        ax.fill_between(stats.index, stats["min"], stats["max"], alpha=0.2,
                        color=line.get_color())  # fmt: skip
    ax.axhline(0.6, color="k", linewidth=0.8, linestyle="--",
               label="one county's rule: at least 60% to industry")  # fmt: skip
    ax.set_xlabel("year")
    ax.set_ylabel("share of poverty-fund spending")
    ax.legend(fontsize=6)
    return _save(fig, out, "validation_spending.png")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--replicates", type=int, default=3)
    parser.add_argument("--seeds", default="21,22", help="seeds not used in the fit")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    targets, runs = run_all(args.households, args.replicates, [FIT_SEED, *seeds])
    campaign = load_scenario(targets.scenario_path("campaign"))
    figures = draw(runs, seeds[0], args.out / "figures", campaign)
    text = [
        "# Validation: the campaign against the national record",
        "",
        "Generated by `python calibration/validate_model.py "
        f"--households {args.households} --replicates {args.replicates} --seeds {args.seeds}`; "
        "do not edit. Targets and sources: `calibration/campaign_targets.yaml`, "
        "`docs/sources.md`. `baseline` is `scenarios/baseline_calibrated.yaml`, `campaign` "
        "`scenarios/five_batches.yaml`. Model: mean over replicates; range: lowest and "
        "highest replicate. Poverty against the national line counts true disposable income "
        "per capita (`Scenario.national_income_concept`).",
        "",
    ]
    for seed in [FIT_SEED, *seeds]:
        kind = "the fit seed" if seed == FIT_SEED else "not used in the fit"
        table = fit_table(targets, runs, seed)
        text += [f"## Seed {seed} ({kind})", "",
                 f"{int(table['within'].sum())} of {len(table)} targets within tolerance.", "",
                 _markdown(table), ""]  # fmt: skip
    text += [f"## Figures (seed {seeds[0]}, bands over replicates)", ""]
    text += [f"![{name}](figures/{name})" for name in figures]
    (args.out / "validation.md").write_text("\n".join(text) + "\n", encoding="utf-8")
    print(_markdown(fit_table(targets, runs, seeds[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
