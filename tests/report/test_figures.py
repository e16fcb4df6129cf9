"""Figures of the analysis CSVs, report.html and `run.py plot`, on small synthetic files that
follow the agreed formats (relapse_curve, survival, efficiency, comparison)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model import cli
from model.cli import plot as cli_plot
from model.engine.state import CAUSES, EXIT_CHANNELS
from model.report import figures_efficiency, figures_relapse
from model.report.files import CSV_FLOAT_FORMAT, MANIFEST_NAME, json_text, read_csv_file
from model.report.html import write_report
from model.report.plots import save_png

SCENARIOS = ("baseline", "jobs_first")
YEARS = range(2014, 2018)
REPLICATES = 3


# --- synthetic frames in the agreed formats -------------------------------------------------


def yearly_frame(scenario_index: int = 0) -> pd.DataFrame:
    """yearly.csv rows: the columns the yearly figures and the exit mix read."""
    rng = np.random.default_rng(scenario_index)
    rows = []
    for replicate in range(REPLICATES):
        for year in YEARS:
            exits = {f"exits_by_{c}": int(rng.integers(0, 30)) for c in EXIT_CHANNELS}
            shares = rng.dirichlet(np.ones(len(CAUSES)))
            rows.append({
                "replicate": replicate, "year": year,
                "poor_households": 100 - 5 * (year - 2014) + replicate,
                "registered_households": 80 - 4 * (year - 2014),
                "exits_households": sum(exits.values()), "relapses_households": replicate,
                **{f"cause_share_{c}": s for c, s in zip(CAUSES, shares, strict=True)},
                **exits,
                "spending_total": 1000.0 * (year - 2013), "spending_leakage": 10.0,
                "spending_dibao": 1000.0 * (year - 2013), "spending_fund_general": 5.0,
            })  # fmt: skip
    return pd.DataFrame(rows)


def relapse_curve_frame(scenario: str = "baseline", shift: float = 0.0) -> pd.DataFrame:
    """relapse_curve.csv: 22 ratio bins x horizons 1/3/5 x groups (one cause left empty)."""
    rows = []
    for k, group in enumerate(("all", *CAUSES)):
        for horizon in (1, 3, 5):
            for i in range(22):
                low = round(0.8 + 0.1 * i, 1)
                years = 0 if group == "other" else 200 + 10 * i
                fell = int(years * min(0.95, shift + 0.05 * (1 + 0.3 * k) * horizon / (low + 0.2)))
                p = fell / years if years else np.nan
                rows.append({
                    "scenario": scenario, "group": group, "horizon_years": horizon,
                    "ratio_low": low, "ratio_high": round(low + 0.1, 1),
                    "household_years": years, "fell_below": fell if years else 0,
                    "probability": p, "probability_low": p * 0.8 if years else np.nan,
                    "probability_high": min(1.0, p * 1.2) if years else np.nan,
                })  # fmt: skip
    return pd.DataFrame(rows)


def survival_frame(scenario: str = "baseline") -> pd.DataFrame:
    """survival.csv: both events, 'all' and the channels (one with too few exits)."""
    rows = []
    for event in ("poor_again", "re_registered"):
        for index, channel in enumerate(("all", *EXIT_CHANNELS)):
            exits = 5 if channel == "health" else 200 - 10 * index
            for t in range(6):
                s = (1 - 0.04 * (index % 4 + 1)) ** t
                rows.append({
                    "scenario": scenario, "exit_channel": channel, "event": event,
                    "years_since_exit": t, "exits": exits, "at_risk": exits - 10 * t,
                    "events": 2 * t, "survival": s, "survival_low": s - 0.03 * t,
                    "survival_high": min(1.0, s + 0.03 * t),
                })  # fmt: skip
    return pd.DataFrame(rows)


def efficiency_frame(scenario: str = "baseline", leave_one_out: bool = True) -> pd.DataFrame:
    """efficiency.csv: package rows (left_out empty) and leave-one-out rows."""
    package = [
        ("spending_total", "yuan", 5e6),
        ("additional_exits", "households", 120.0),
        ("additional_lasting_exits", "households", 90.0),
        ("cost_per_exit", "yuan per additional exit", 41_666.7),
        ("cost_per_lasting_exit", "yuan per additional lasting exit", 55_555.6),
        ("leakage_share", "share of spending", 0.12),
    ]
    rows = [
        {"scenario": scenario, "left_out": "", "measure": m, "unit": u, "mean": v,
         "mean_low": v * 0.9, "mean_high": v * 1.1, "replicates": REPLICATES}
        for m, u, v in package
    ]  # fmt: skip
    if leave_one_out:
        for k, instrument in enumerate(("dibao", "job_placement", "production_subsidy")):
            rows.append({
                "scenario": scenario, "left_out": instrument,
                "measure": "marginal_lasting_exits", "unit": "households",
                "mean": 10.0 * k - 3, "mean_low": 10.0 * k - 8, "mean_high": 10.0 * k + 2,
                "replicates": REPLICATES,
            })  # fmt: skip
    return pd.DataFrame(rows)


def comparison_frame() -> pd.DataFrame:
    """comparison.csv for two scenarios; the first's difference is 0 with empty bounds."""
    rows = []
    for indicator, value in (
        ("incidence_persons_final_year", 0.05), ("exits_households_total", 300.0),
        ("relapse_within_3y_share_of_exits", 0.08), ("spending_total", 4e6),
        ("cost_per_lasting_exit", 50_000.0),
    ):  # fmt: skip
        for k, scenario in enumerate(SCENARIOS):
            mean = value * (1 + 0.2 * k)
            diff = mean - value
            bounds = (np.nan, np.nan) if k == 0 else (diff * 0.5, diff * 1.5)
            rows.append({
                "scenario": scenario, "indicator": indicator, "mean": mean,
                "mean_low": mean * 0.9, "mean_high": mean * 1.1, "difference": diff,
                "difference_low": bounds[0], "difference_high": bounds[1],
                "difference_unpaired_low": bounds[0], "difference_unpaired_high": bounds[1],
                "replicates": REPLICATES,
            })  # fmt: skip
    return pd.DataFrame(rows)


def csv_text(frame: pd.DataFrame) -> str:
    """A frame as the analysis core writes it."""
    return frame.to_csv(index=False, lineterminator="\n", float_format=CSV_FLOAT_FORMAT)


def write_run_dir(directory: Path, scenario: str = "baseline", index: int = 0) -> Path:
    """A finished run directory with every CSV of the formats, summary.json and a manifest."""
    directory.mkdir(parents=True)
    (directory / "scenario.yaml").write_text(f"name: {scenario}\nyears: 4  # <resolved>\n")
    (directory / "yearly.csv").write_text(csv_text(yearly_frame(index)))
    (directory / "relapse_curve.csv").write_text(csv_text(relapse_curve_frame(scenario)))
    (directory / "survival.csv").write_text(csv_text(survival_frame(scenario)))
    (directory / "efficiency.csv").write_text(csv_text(efficiency_frame(scenario)))
    summary = {
        "incidence_persons_final_year": {
            "mean": 0.05, "low": 0.04, "high": 0.06, "mean_low": 0.045, "mean_high": 0.055,
            "n": REPLICATES,
        },
        "spending_total": {
            "mean": 4e6, "low": 3.5e6, "high": 4.5e6, "mean_low": None, "mean_high": None, "n": 1,
        },
    }  # fmt: skip
    (directory / "summary.json").write_text(json_text(summary))
    manifest = {"scenario_name": scenario, "seed": 1, "replicates": REPLICATES,
                "files": {"yearly.csv": "abc"}}  # fmt: skip
    (directory / MANIFEST_NAME).write_text(json_text(manifest))
    return directory


def write_comparison_dir(directory: Path) -> Path:
    """A comparison directory: one run directory per scenario plus the stacked files."""
    directory.mkdir()
    for index, scenario in enumerate(SCENARIOS):
        write_run_dir(directory / scenario, scenario, index)
    stacked = {
        "relapse_curve.csv": pd.concat(
            [relapse_curve_frame(s, 0.02 * k) for k, s in enumerate(SCENARIOS)]
        ),
        "survival.csv": pd.concat([survival_frame(s) for s in SCENARIOS]),
        "efficiency.csv": pd.concat([efficiency_frame(s) for s in SCENARIOS]),
        "comparison.csv": comparison_frame(),
    }
    for name, frame in stacked.items():
        (directory / name).write_text(csv_text(frame))
    (directory / MANIFEST_NAME).write_text(json_text({"scenarios": list(SCENARIOS)}))
    return directory


def read(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame after a round trip through its CSV, as the plot command sees it."""
    return read_csv_file(io.StringIO(csv_text(frame)))


# --- the figure functions -------------------------------------------------------------------

FIGURES = {
    "exit channel mix": lambda: figures_efficiency.exit_channel_mix(read(yearly_frame())),
    "relapse risk": lambda: figures_relapse.relapse_risk_curve(read(relapse_curve_frame())),
    "relapse by cause": lambda: figures_relapse.relapse_risk_by_cause(read(relapse_curve_frame())),
    "survival": lambda: figures_relapse.survival_curves(read(survival_frame())),
    "survival re-registered": lambda: figures_relapse.survival_curves(
        read(survival_frame()), event="re_registered"
    ),
    "efficiency": lambda: figures_efficiency.efficiency_bars(read(efficiency_frame())),
    "marginal": lambda: figures_efficiency.marginal_contributions(read(efficiency_frame())),
    "comparison": lambda: figures_efficiency.comparison_panel(read(comparison_frame())),
}


@pytest.mark.parametrize("name", FIGURES)
def test_each_figure_is_titled_and_labelled(name):
    figure = FIGURES[name]()
    assert any(axes.get_title() for axes in figure.axes) or figure.get_suptitle(), name
    for axes in figure.axes:
        if axes.axison:
            assert axes.get_title() and axes.get_xlabel() and axes.get_ylabel(), name


def test_survival_skips_channels_with_few_exits_and_draws_all_in_black():
    figure = figures_relapse.survival_curves(read(survival_frame()))
    labels = [line.get_label() for line in figure.axes[0].get_lines()]
    assert not any(label.startswith("health") for label in labels)  # 5 exits
    lines = figure.axes[0].get_lines()
    assert next(x for x in lines if x.get_label().startswith("all channels")).get_color() == "black"


def test_relapse_by_cause_skips_groups_without_data():
    figure = figures_relapse.relapse_risk_by_cause(read(relapse_curve_frame()))
    labels = {line.get_label() for line in figure.axes[0].get_lines()}
    assert "illness" in labels and "other" not in labels


def test_empty_inputs_draw_a_note_instead_of_failing():
    empty = read(relapse_curve_frame()).iloc[:0]
    figure = figures_relapse.relapse_risk_curve(empty)
    assert "no household-years" in figure.axes[0].texts[-1].get_text()
    figure = figures_efficiency.efficiency_bars(read(efficiency_frame()).iloc[:0])
    assert figure.axes[0].texts


# --- report.html and `run.py plot` ----------------------------------------------------------


def test_report_is_self_contained(tmp_path):
    run_dir = write_run_dir(tmp_path / "run")
    (run_dir / "plots").mkdir()
    save_png(FIGURES["efficiency"](), run_dir / "plots" / "efficiency.png")
    report = write_report(run_dir, {"scenario_name": "baseline", "seed": 1})
    text = report.read_text()
    assert text.count("data:image/png;base64,") == len(list((run_dir / "plots").glob("*.png")))
    assert "name: baseline" in text and "# &lt;resolved&gt;" in text  # scenario, escaped
    assert "http" not in text and "<script" not in text
    assert "poverty incidence" in text.lower() and "dibao" in text  # headline, efficiency
    assert write_report(run_dir, {"scenario_name": "baseline", "seed": 1}).read_text() == text


def test_plot_command_without_manifest_is_a_user_error(tmp_path, capsys):
    (tmp_path / "yearly.csv").write_text("replicate,year\n")
    assert cli.main(["plot", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "manifest.json" in error and str(tmp_path) in error


@pytest.mark.parametrize("problem", ["missing", "no yearly.csv"])
def test_plot_command_refuses_what_is_not_a_run(tmp_path, capsys, problem):
    target = tmp_path / "nowhere"
    if problem == "no yearly.csv":
        target.mkdir()
        (target / MANIFEST_NAME).write_text("{}\n")
    assert cli.main(["plot", str(target)]) == 2
    assert str(target) in capsys.readouterr().err


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` by relative path."""
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*")) if p.is_file()
    }  # fmt: skip


RUN_FIGURES = (
    "poverty_over_time.png", "exits_relapses.png", "cause_composition.png", "spending.png",
    "exit_channels.png", "relapse_risk.png", "relapse_risk_by_cause.png",
    "survival_poor_again.png", "survival_re_registered.png", "efficiency.png",
    "marginal_contributions.png",
)  # fmt: skip


def test_plot_command_redraws_a_run_identically_and_leaves_results_alone(tmp_path):
    run_dir = write_run_dir(tmp_path / "run")
    before = snapshot(run_dir)
    assert cli.main(["plot", str(run_dir), "--quiet"]) == 0
    first = snapshot(run_dir)
    assert cli.main(["plot", str(run_dir), "--quiet"]) == 0
    assert snapshot(run_dir) == first
    assert {name: first[name] for name in before} == before  # CSVs, summary, manifest
    drawn = sorted(name for name in first if name.endswith(".png"))
    assert drawn == sorted(f"plots/{name}" for name in RUN_FIGURES)
    assert "report.html" in first


def test_plot_command_on_a_comparison_redraws_each_run_and_the_comparison(tmp_path, monkeypatch):
    compare_dir = write_comparison_dir(tmp_path / "compare")
    redrawn = []  # each run's own figures are checked above; here only that each is visited
    monkeypatch.setattr(cli_plot, "redraw_run", lambda run_dir: redrawn.append(run_dir.name) or [])
    before = snapshot(compare_dir)
    assert cli.main(["plot", str(compare_dir), "--quiet"]) == 0
    after = snapshot(compare_dir)
    assert {name: after[name] for name in before} == before
    assert redrawn == sorted(SCENARIOS)
    assert sorted(name for name in after if name.startswith("plots/")) == [
        "plots/comparison.png", "plots/efficiency.png", "plots/marginal_contributions.png",
        "plots/relapse_risk_by_scenario.png", "plots/survival_poor_again_by_scenario.png",
        "plots/survival_re_registered_by_scenario.png",
    ]  # fmt: skip
    html = after["report.html"].decode()
    assert "comparison of baseline, jobs_first" in html and "name: jobs_first" in html
    assert html.count("data:image/png;base64,") == 6
