"""report.html: one self-contained page per run or comparison that a planner can email.

The page holds the headline table (summary.json for a run, comparison.csv for a
comparison), the efficiency table (efficiency.csv, when present), every figure of `plots/`
embedded as a base64 data URI, the resolved scenario text and the run's manifest. It has
inline CSS only: no scripts, no external files or links, so it opens the same offline and
prints cleanly. Its bytes depend only on the directory's files and the manifest passed in
(sorted iteration, no clock), so redrawing a run rewrites an identical report.
How its numbers and tables are shown is model/report/html_tables.py.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pandas as pd

from model.report.files import REPORT_NAME, atomic_write_text, read_csv_file
from model.report.html_tables import (
    INTERVAL_PERCENT,
    comparison_table,
    efficiency_table,
    escape,
    headline_split,
    summary_table,
)

PLOT_CAPTIONS = {
    "comparison.png": "Key indicators by scenario, with paired differences to the first.",
    "poverty_over_time.png": "Income-poor (true) and registered households by year; "
    "lines are means, bands 5-95% of replicates.",
    "exits_relapses.png": "Exits from and relapses onto the registry per year.",
    "cause_composition.png": "Registered households by recorded cause of poverty, by year.",
    "spending.png": "Spending per year by instrument, with the total's replicate band.",
    "exit_channels.png": "Share of exits by the channel that lifted the household over the line.",
    "relapse_risk.png": "Probability of falling below the line within 1, 3 and 5 years, by "
    "this year's income-to-line ratio.",
    "relapse_risk_by_cause.png": "Probability of falling below the line within 3 years, by "
    "income-to-line ratio and recorded cause.",
    "relapse_risk_by_scenario.png": "Probability of falling below the line within 3 years, by "
    "income-to-line ratio and scenario.",
    "survival_poor_again.png": "Share of exited households still out of poverty, by years "
    "since exit and exit channel (Kaplan-Meier).",
    "survival_re_registered.png": "Share of exited households not re-registered, by years "
    "since exit and exit channel (Kaplan-Meier).",
    "survival_poor_again_by_scenario.png": "Share of exited households still out of poverty, "
    "by years since exit and scenario (Kaplan-Meier).",
    "survival_re_registered_by_scenario.png": "Share of exited households not re-registered, "
    "by years since exit and scenario (Kaplan-Meier).",
    "efficiency.png": "Yuan spent per additional exit and per additional lasting exit, "
    "against the paired run without intervention.",
    "marginal_contributions.png": "Additional lasting exits each instrument brings "
    "(the package against the package without it).",
}
"""Captions of the known figures, in page order; other PNGs follow by name."""

STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 60em; margin: 2em auto;
       padding: 0 1em; color: #111; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #999; margin-top: 2em; }
h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.5em; vertical-align: top; }
th { background: #eee; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 1.5em 0; page-break-inside: avoid; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.9em; color: #333; }
pre { background: #f6f6f6; border: 1px solid #ddd; padding: 0.6em; font-size: 0.8em;
      white-space: pre-wrap; word-break: break-word; }
p.note { font-size: 0.9em; color: #333; }
"""


# --- figures, manifest and scenario --------------------------------------------------------


def plot_order(plots_dir: Path) -> list[Path]:
    """PNGs of `plots_dir`: the known figures in page order, then any others by name."""
    if not plots_dir.is_dir():
        return []
    present = {path.name: path for path in plots_dir.glob("*.png")}
    known = [present[name] for name in PLOT_CAPTIONS if name in present]
    return known + [present[name] for name in sorted(present) if name not in PLOT_CAPTIONS]


def figures_html(plots_dir: Path, figures: list[Path] | None = None) -> str:
    """The PNGs `figures` (None: every PNG of `plots_dir`) embedded as data URIs, in page
    order, with their captions. Writers pass the figures they drew, so that a page never
    shows a figure a run did not draw (an earlier run's plot left in plots/)."""
    parts = []
    chosen = plot_order(plots_dir)
    if figures is not None:
        names = {Path(path).name for path in figures if Path(path).suffix == ".png"}
        chosen = [path for path in chosen if path.name in names]
    for path in chosen:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        caption = PLOT_CAPTIONS.get(path.name, path.stem.replace("_", " "))
        parts.append(
            f'<figure>\n<img alt="{escape(path.stem)}" src="data:image/png;base64,{data}">\n'
            f"<figcaption>{escape(caption)} <i>({escape(path.name)})</i></figcaption>\n</figure>"
        )
    return "\n".join(parts) if parts else '<p class="note">No figures in plots/.</p>'


def manifest_html(manifest: dict) -> str:
    """The manifest as a two-column table; nested entries as indented JSON."""
    rows = []
    for key in sorted(manifest):
        value = manifest[key]
        if isinstance(value, dict | list):
            shown = f"<pre>{escape(json.dumps(value, sort_keys=True, indent=2))}</pre>"
        else:
            shown = escape(value)
        rows.append(f"<tr><th>{escape(key)}</th><td>{shown}</td></tr>")
    return "<table>\n" + "\n".join(rows) + "\n</table>"


def scenario_html(scenario_file: Path, heading: str | None = None) -> str:
    """The resolved scenario file, escaped, in <pre> (a note when it is missing)."""
    title = f"<h3>{escape(heading)}</h3>\n" if heading else ""
    if not scenario_file.is_file():
        return title + f'<p class="note">{escape(scenario_file.name)} is missing.</p>'
    text = scenario_file.read_text(encoding="utf-8")
    return title + f"<pre>{escape(text)}</pre>"


# --- the page ------------------------------------------------------------------------------


def comparison_scenarios(comparison: pd.DataFrame) -> list[str]:
    """The compared scenarios in the comparison's order."""
    return list(dict.fromkeys(comparison["scenario"].fillna("").astype(str)))


def scenario_directories(directory: Path, scenarios: list[str]) -> list[Path]:
    """Run directories of a comparison: those named by its scenarios first, then any other
    subdirectory holding a scenario.yaml, by name."""
    named = [directory / s for s in scenarios if (directory / s / "scenario.yaml").is_file()]
    others = sorted(
        p for p in directory.iterdir()
        if p.is_dir() and p not in named and (p / "scenario.yaml").is_file()
    )  # fmt: skip
    return named + others


def run_title(directory: Path, manifest: dict) -> str:
    """The scenario's name from the manifest, else the directory's name."""
    return str(manifest.get("scenario_name") or directory.name)


def page(title: str, sections: list[tuple[str, str]]) -> str:
    """The whole HTML document from (heading, body HTML) sections."""
    body = "\n".join(f"<h2>{escape(heading)}</h2>\n{content}" for heading, content in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{escape(title)}</h1>\n{body}\n</body>\n</html>\n"
    )


INTERVALS_NOTE = (
    f'<p class="note">"{INTERVAL_PERCENT}% of replicates" is the central range of the '
    f"replicates' values (how much one county's outcome varies); \"{INTERVAL_PERCENT}% "
    'interval of the mean" is the t-interval of the mean over replicates (how precisely the '
    "simulation pins the expected outcome down).</p>"
)


def comparison_sections(directory: Path) -> tuple[str, list[tuple[str, str]]]:
    """Title, headline tables and resolved scenarios of a comparison directory."""
    comparison = read_csv_file(directory / "comparison.csv")
    scenarios = comparison_scenarios(comparison)
    reference = escape(scenarios[0]) if scenarios else ""
    note = (
        f'<p class="note">Differences are each scenario minus {reference}, paired over '
        "replicates that share their random numbers (common random numbers).</p>"
    )
    headline, others = headline_split(list(comparison["indicator"].fillna("").astype(str)))
    tables = [("Headline figures", note + "\n" + comparison_table(comparison, headline))]
    if others:
        tables.append(("Other figures", comparison_table(comparison, others)))
    scenario_text = "\n".join(
        scenario_html(run_dir / "scenario.yaml", run_dir.name)
        for run_dir in scenario_directories(directory, scenarios)
    )
    tables.append(("Scenarios (resolved)", scenario_text))
    return "Poverty-exit simulation: comparison of " + ", ".join(scenarios), tables


def run_sections(directory: Path, manifest: dict) -> tuple[str, list[tuple[str, str]]]:
    """Title, headline tables and resolved scenario of a run directory."""
    sections = []
    summary_file = directory / "summary.json"
    if summary_file.is_file():
        summary = json.loads(summary_file.read_text(encoding="utf-8"))
        headline, others = headline_split(list(summary))
        sections.append(
            ("Headline figures", INTERVALS_NOTE + "\n" + summary_table(summary, headline))
        )
        if others:
            sections.append(("Other figures", summary_table(summary, others)))
    sections.append(("Scenario (resolved)", scenario_html(directory / "scenario.yaml")))
    return f"Poverty-exit simulation: {run_title(directory, manifest)}", sections


def empty_analyses_note(directory: Path) -> str:
    """A note naming the analyses that have nothing to show (no exits to follow, no
    household-years to score): an empty curve is a result, and the page says why it is."""
    empty = []
    survival, curve = directory / "survival.csv", directory / "relapse_curve.csv"
    if survival.is_file() and read_csv_file(survival).empty:
        empty.append("no household exited, so the survival curves after exit are empty")
    if curve.is_file():
        counts = read_csv_file(curve)
        if counts.empty or not counts["household_years"].fillna(0).any():
            empty.append(
                "no household-year was followed long enough in the ratio bins, so the "
                "relapse-risk curves are empty"
            )
    if not empty:
        return ""
    return f'<p class="note">In this result {"; ".join(empty)}.</p>\n'


def write_report(directory: Path, manifest: dict, figures: list[Path] | None = None) -> Path:
    """Write DIRECTORY/report.html for a run directory or, when comparison.csv is present, a
    comparison directory; `manifest` is the provenance shown (without the files' hashes);
    `figures` the PNGs drawn for it (None: every PNG in DIRECTORY/plots).

    Page order: headline tables, fund efficiency, figures, resolved scenario(s), manifest."""
    directory = Path(directory)
    if (directory / "comparison.csv").is_file():
        title, sections = comparison_sections(directory)
    else:
        title, sections = run_sections(directory, manifest)
    scenario_section = sections.pop()  # shown after the figures
    efficiency_file = directory / "efficiency.csv"
    if efficiency_file.is_file():
        sections.append(("Fund efficiency", efficiency_table(read_csv_file(efficiency_file))))
    sections += [
        ("Figures", empty_analyses_note(directory) + figures_html(directory / "plots", figures)),
        scenario_section,
        ("Manifest", manifest_html(manifest)),
    ]
    return atomic_write_text(directory / REPORT_NAME, page(title, sections))
