"""A finished comparison on the page: headline differences, figures, tables and downloads.

Everything shown is read from the comparison directory `run_comparison` wrote (the same
files `run.py compare` writes): comparison.csv, efficiency.csv, the figures in plots/ and
each scenario's run directory, and report.html.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import solara

from model.report.html_tables import (
    INTERVAL_PERCENT,
    figure_label,
    format_number,
    format_range,
    number_kind,
)
from model.workflows.compare import ComparisonOutcome, key_differences

EFFICIENCY_MEASURES = {
    "cost_per_lasting_exit": "yuan per additional lasting exit",
    "poverty_gap_reduction_per_10k_yuan": "poverty gap closed per 10,000 yuan (yuan)",
    "cost_per_exit": "yuan per additional exit",
    "additional_lasting_exits": "additional lasting exits (households)",
}


def key_differences_html(comparison: pd.DataFrame) -> str:
    """The headline differences as an HTML table; each cell names its scenario and indicator
    (data-scenario, data-indicator) so that tests and people can find a number."""
    rows = []
    for item in key_differences(comparison):
        where = f'data-scenario="{html.escape(item.scenario)}" data-indicator="{item.indicator}"'
        rows.append(
            f"<tr><td>{html.escape(item.scenario)}</td><td>{html.escape(item.label)}</td>"
            f'<td class="difference" {where}>{html.escape(item.difference)}</td>'
            f'<td class="interval">{html.escape(item.interval or "n/a")}</td></tr>'
        )
    head = (
        "<tr><th>scenario</th><th>indicator</th><th>difference</th>"
        f"<th>{INTERVAL_PERCENT}% interval</th></tr>"
    )
    return f'<table class="key-differences">{head}{"".join(rows)}</table>'


def differences_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """comparison.csv for people: every indicator, its mean and its paired difference."""
    rows = []
    for record in comparison.to_dict("records"):
        kind = number_kind(record["indicator"])
        rows.append({
            "scenario": record["scenario"],
            "indicator": figure_label(record["indicator"]),
            "mean": format_number(record["mean"], kind),
            f"{INTERVAL_PERCENT}% interval": format_range(
                record["mean_low"], record["mean_high"], kind
            ),
            "difference": format_number(record["difference"], kind, difference=True),
            f"paired {INTERVAL_PERCENT}% interval": format_range(
                record["difference_low"], record["difference_high"], kind, difference=True
            ),
        })  # fmt: skip
    return pd.DataFrame(rows)


def efficiency_summary(out_dir: Path) -> pd.DataFrame | None:
    """Cost per lasting exit, gap closed per 10,000 yuan and more, with intervals, per
    scenario with instruments (against its paired no-intervention run)."""
    path = out_dir / "efficiency.csv"
    if not path.is_file():
        return None
    table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    package = table[table["left_out"].fillna("") == ""]
    rows = []
    for record in package.to_dict("records"):
        if record["measure"] not in EFFICIENCY_MEASURES:
            continue
        rows.append({
            "scenario": record["scenario"],
            "measure": EFFICIENCY_MEASURES[record["measure"]],
            "mean": format_number(record["mean"], "yuan"),
            f"{INTERVAL_PERCENT}% interval of the mean": format_range(
                record["mean_low"], record["mean_high"], "yuan"
            ),
        })  # fmt: skip
    return pd.DataFrame(rows) if rows else None


def figure_paths(outcome: ComparisonOutcome) -> list[tuple[str, Path]]:
    """(caption, PNG) of the figures the page shows, those the report module drew."""
    plots = outcome.out_dir / "plots"
    figures = [("Key indicators and paired differences", plots / "comparison.png")]
    for name in outcome.directory_names:
        figures.append((f"{name}: poor and registered over time (5-95% of replicates)",
                        outcome.out_dir / name / "plots" / "poverty_over_time.png"))  # fmt: skip
    for name in outcome.directory_names:
        figures.append((f"{name}: exit channels",
                        outcome.out_dir / name / "plots" / "exit_channels.png"))  # fmt: skip
    figures += [
        ("Relapse risk by distance from the line", plots / "relapse_risk_by_scenario.png"),
        ("Survival after exit: still out of poverty",
         plots / "survival_poor_again_by_scenario.png"),
        ("Fund efficiency against the paired no-intervention run", plots / "efficiency.png"),
    ]
    return [(caption, path) for caption, path in figures if path.is_file()]


@solara.component
def Downloads(outcome: ComparisonOutcome, scenario_files: list[Path]):
    """The edited scenarios as YAML, comparison.csv and report.html."""
    with solara.Row(style={"flex-wrap": "wrap"}):
        for path in scenario_files:
            solara.FileDownload(
                path.read_bytes(), filename=path.name, label=f"Scenario {path.name}",
                mime_type="application/x-yaml",
            )  # fmt: skip
        solara.FileDownload(
            (outcome.out_dir / "comparison.csv").read_bytes(), filename="comparison.csv",
            label="comparison.csv", mime_type="text/csv",
        )  # fmt: skip
        solara.FileDownload(
            (outcome.out_dir / "report.html").read_bytes(), filename="report.html",
            label="report.html", mime_type="text/html",
        )  # fmt: skip


@solara.component
def HeadlineDifferences(comparison: pd.DataFrame):
    """The key differences to the first scenario, as `run.py compare` prints them."""
    first = comparison["scenario"].iloc[0]
    with solara.Card(f"Difference to {first} (paired {INTERVAL_PERCENT}% interval)"):
        solara.HTML(tag="div", unsafe_innerHTML=key_differences_html(comparison))


@solara.component
def ComparisonResults(outcome: ComparisonOutcome, scenario_files: list[Path]):
    """Everything a finished comparison shows."""
    solara.Markdown(
        f"**Finished**: {len(outcome.directory_names)} scenarios paired on seed {outcome.seed}, "
        f"{outcome.replicates} replicates, {outcome.runs} runs simulated in "
        f"{outcome.simulation_seconds:.1f} s. Written to `{outcome.out_dir}`."
    )
    HeadlineDifferences(outcome.comparison)
    with solara.Card("Downloads"):
        Downloads(outcome, scenario_files)
    efficiency = efficiency_summary(outcome.out_dir)
    if efficiency is not None:
        with solara.Card("What it costs: cost per lasting exit, gap closed per 10,000 yuan"):
            solara.DataFrame(efficiency, items_per_page=20)
    for caption, path in figure_paths(outcome):
        with solara.Card(caption):
            solara.Image(path, width="100%")
    with solara.Card("Paired differences of every indicator"):
        solara.DataFrame(differences_table(outcome.comparison), items_per_page=50)
