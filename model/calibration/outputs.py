"""The calibration directory: what `run.py calibrate` leaves behind.

    OUT/calibration.json        the inputs (targets, parameters, resolved scenario) and
                                their fingerprint; a directory holding another is refused
    OUT/evaluations.jsonl       every evaluation (the cache a rerun resumes from)
    OUT/fitted_parameters.yaml  `extends:` the input scenario and sets the fitted keys
    OUT/fit.csv                 per target: value, simulated mean and 90% interval of the
                                mean, tolerance, within_tolerance, weight, loss contribution
    OUT/loss_trace.csv          every evaluation the search asked for, in order
    OUT/starts.csv              each start's design seed, best loss and fitted values
    OUT/identifiability.csv     each parameter's fitted value per start, spread, flag
    OUT/plots/fit.png, OUT/plots/loss_trace.png
    OUT/manifest.json           written last: a directory without it is unfinished

Every file is written atomically (model.report.files); the tables are pure functions of the
evaluations, so the same inputs give the same bytes whatever the number of workers.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from model.errors import UserError
from model.report.files import MANIFEST_NAME, atomic_write_text, code_version, csv_text, json_text

if TYPE_CHECKING:  # pragma: no cover
    from model.calibration.evaluations import Evaluation
    from model.calibration.problem import Problem
    from model.calibration.search import StartResult

INPUTS_NAME = "calibration.json"
FITTED_NAME = "fitted_parameters.yaml"


# --- the directory ------------------------------------------------------------------------


def inputs_record(problem: Problem) -> dict[str, Any]:
    """Everything that decides what the calibration computes, as plain data."""
    return {
        "targets": problem.targets.model_dump(mode="json"),
        "parameters": problem.parameters.model_dump(mode="json", by_alias=True),
        "scenario": problem.scenario.model_dump(mode="json"),
    }


def fingerprint(problem: Problem) -> str:
    text = json.dumps(inputs_record(problem), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def prepare_directory(out_dir: Path, problem: Problem, sources: dict[str, str]) -> None:
    """Create OUT, or check that it holds this same calibration (then it resumes).

    Refuses a directory holding another calibration or anything that is not one."""
    out_dir = Path(out_dir)
    inputs_file, digest = out_dir / INPUTS_NAME, fingerprint(problem)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--out {out_dir}: exists and is not a directory")
    if inputs_file.is_file():
        try:
            found = json.loads(inputs_file.read_text(encoding="utf-8")).get("fingerprint")
        except (ValueError, AttributeError):
            found = None
        if found != digest:
            raise UserError(
                f"--out {out_dir}: holds a different calibration (other targets, parameters, "
                "scenario or seed); choose another --out or delete that directory"
            )
        return
    if out_dir.is_dir() and any(out_dir.iterdir()):
        raise UserError(
            f"--out {out_dir}: not empty and not a calibration directory (no {INPUTS_NAME}); "
            "choose an empty or new directory"
        )
    try:
        (out_dir / "plots").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--out {out_dir}: cannot create the directory: {exc}") from None
    record = {"fingerprint": digest, "sources": sources, **inputs_record(problem)}
    atomic_write_text(inputs_file, json_text(record))


# --- tables ------------------------------------------------------------------------------


def fit_table(problem: Problem, evaluation: Evaluation) -> pd.DataFrame:
    """Per target: observed value, simulated mean over the replicates with the 90% t-interval
    of that mean, tolerance, whether the mean is within it, weight and loss contribution."""
    from model.analysis.intervals import interval

    rows = []
    contributions = problem.contributions(evaluation.means)
    for j, target in enumerate(problem.targets.targets):
        figure = interval(evaluation.moments[:, j])
        mean = evaluation.means[j]
        rows.append(
            {
                "target": target.label,
                "indicator": target.indicator,
                "year": "" if target.year is None else str(target.year),
                "value": target.value,
                "simulated_mean": mean,
                "interval_low": figure["mean_low"],
                "interval_high": figure["mean_high"],
                "tolerance": target.tolerance,
                "within_tolerance": bool(abs(mean - target.value) <= target.tolerance),
                "weight": target.weight,
                "scale": target.loss_scale,
                "loss_contribution": contributions[j],
                "source": target.source,
            }
        )
    return pd.DataFrame(rows)


def loss_trace_table(problem: Problem, results: list[StartResult]) -> pd.DataFrame:
    """Every evaluation each start asked for, in order, with the best loss so far."""
    rows = []
    for result in results:
        best = np.inf
        for step, (stage, evaluation) in enumerate(result.trace):
            best = min(best, evaluation.loss)
            rows.append(
                {
                    "start": result.start,
                    "step": step,
                    "stage": stage,
                    "loss": evaluation.loss,
                    "best_loss": best,
                    **dict(zip(problem.parameters_keys, evaluation.values, strict=True)),
                }
            )
    return pd.DataFrame(rows)


def starts_table(problem: Problem, results: list[StartResult]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "start": r.start,
                "design_seed": r.design_seed,
                "evaluations": len(r.trace),
                "loss": r.best.loss,
                **dict(zip(problem.parameters_keys, r.best.values, strict=True)),
            }
            for r in results
        ]
    )


def identifiability_table(problem: Problem, results: list[StartResult]) -> pd.DataFrame:
    """Each parameter's fitted value per start and the spread over the starts that fit about
    as well as the best (loss within `search.equivalent_loss` of it), as a share of the
    bounds range in the search's coordinates (log for log-scale parameters). A spread above
    `search.not_pinned_share` means equally good fits put the parameter in different places:
    the targets do not pin it down. With fewer than two such starts the flag is
    'undetermined' (run more starts or a longer local search)."""
    from model.calibration.search import best_start

    search = problem.parameters.search
    best = best_start(results)
    compared = [r for r in results if r.best.loss <= best.best.loss + search.equivalent_loss]
    rows = []
    for i, parameter in enumerate(problem.parameters.parameters):
        fitted = [r.best.values[i] for r in compared]
        unit = [parameter.to_unit(v) for v in fitted]
        spread_share = float(max(unit) - min(unit))
        flag = "undetermined" if len(compared) < 2 else str(spread_share > search.not_pinned_share)
        rows.append(
            {
                "parameter": parameter.key,
                "lower": parameter.lower,
                "upper": parameter.upper,
                "log_scale": parameter.log_scale,
                "fitted": best.best.values[i],
                **{f"start_{r.start}": r.best.values[i] for r in results},
                "starts_compared": " ".join(str(r.start) for r in compared),
                "spread": max(fitted) - min(fitted),
                "spread_share_of_range": spread_share,
                "not_pinned_down": flag.lower(),
            }
        )
    return pd.DataFrame(rows)


# --- the fitted scenario fragment ----------------------------------------------------------


def fitted_fragment(problem: Problem, values: tuple[float, ...]) -> dict[str, Any]:
    """The keys the fit sets, nested as in a scenario file. A key inside a list (an
    instrument) carries the whole list, because `extends:` replaces lists."""
    from model.config.scenario import set_by_path

    tree = problem.base_tree()
    for key, value in zip(problem.keys, values, strict=True):
        set_by_path(tree, key, value)
    fragment: dict[str, Any] = {}
    for key in problem.keys:
        parts = key.split(".")
        node, out = tree, fragment
        for depth, part in enumerate(parts):
            node = node[part]
            if isinstance(node, list) or depth == len(parts) - 1:
                out[part] = node
                break
            out = out.setdefault(part, {})
    return fragment


def fitted_yaml_text(
    problem: Problem, values: tuple[float, ...], extends: str, name: str, header: list[str]
) -> str:
    body = {"extends": extends, "name": name, **fitted_fragment(problem, values)}
    comments = "".join(f"# {line}".rstrip() + "\n" for line in header)
    return comments + "\n" + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)


def fit_lines(fit: pd.DataFrame) -> list[str]:
    """The fit table as aligned text (for the summary and the fitted file's header)."""
    width = max(len(t) for t in fit["target"])
    lines = [f"{'target':<{width}}  {'value':>8}  {'fitted':>8}  {'90% interval':>19}  ok  loss"]
    for row in fit.itertuples(index=False):
        low = "n/a" if pd.isna(row.interval_low) else f"{row.interval_low:.4g}"
        high = "n/a" if pd.isna(row.interval_high) else f"{row.interval_high:.4g}"
        lines.append(
            f"{row.target:<{width}}  {row.value:8.4g}  {row.simulated_mean:8.4g}  "
            f"{low + '-' + high:>19}  {'yes' if row.within_tolerance else 'NO ':<3} "
            f"{row.loss_contribution:.3g}"
        )
    return lines


# --- plots ---------------------------------------------------------------------------------


def plot_fit(fit: pd.DataFrame, path: Path) -> Path:
    """One small panel per target: the observed value with its tolerance band, and the
    simulated mean with its 90% interval."""
    from model.report.plots import save_png  # matplotlib is slow to import; only when drawing

    count = len(fit)
    columns = min(4, count)
    rows = -(-count // columns)
    figure = agg_figure((3.2 * columns, 2.6 * rows))
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax, row in zip(axes.flat, fit.itertuples(index=False), strict=False):
        ax.axhspan(
            row.value - row.tolerance, row.value + row.tolerance, color="tab:green", alpha=0.2
        )
        ax.axhline(row.value, color="tab:green", label="target +- tolerance")
        low = row.interval_low if not pd.isna(row.interval_low) else row.simulated_mean
        high = row.interval_high if not pd.isna(row.interval_high) else row.simulated_mean
        ax.errorbar(
            [0],
            [row.simulated_mean],
            yerr=[[row.simulated_mean - low], [high - row.simulated_mean]],
            fmt="o",
            color="tab:blue",
            capsize=4,
            label="fit (90% interval)",
        )
        ax.set_xticks([])
        ax.set_xlim(-1, 1)
        ax.set_title(f"{row.target}" + (f" ({row.year})" if row.year else ""), fontsize=8)
    for ax in list(axes.flat)[count:]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=6, loc="best")
    figure.tight_layout()
    return save_png(figure, path)


def plot_loss_trace(trace: pd.DataFrame, path: Path) -> Path:
    """Best loss so far against evaluations, one line per start (log scale)."""
    from model.report.plots import save_png

    figure = agg_figure((6, 3.5))
    ax = figure.subplots()
    for start, rows in trace.groupby("start"):
        ax.plot(rows["step"], rows["best_loss"], label=f"start {start}")
    ax.set_yscale("log")
    ax.set_xlabel("evaluation (global design, then local search)")
    ax.set_ylabel("best loss so far")
    ax.legend(fontsize=7)
    figure.tight_layout()
    return save_png(figure, path)


def agg_figure(size_inches: tuple[float, float]):
    """A figure on its own Agg canvas, as model.report.plots draws them: no pyplot, so the
    calling process's matplotlib backend (a notebook's, say) is left alone."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from model.report.plots import DPI

    figure = Figure(figsize=size_inches, dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


# --- writing everything --------------------------------------------------------------------


def write_results(
    out_dir: Path,
    problem: Problem,
    results: list[StartResult],
    scenario_file: Path,
    command_line: str | None,
    timings: dict[str, Any],
) -> pd.DataFrame:
    """Every output file, the manifest last; returns the fit table."""
    import matplotlib.style  # slow to import; only when the results are written

    from model.calibration.search import best_start

    out_dir = Path(out_dir)
    best = best_start(results)
    fit = fit_table(problem, best.best)
    trace = loss_trace_table(problem, results)
    atomic_write_text(out_dir / "fit.csv", csv_text(fit))
    atomic_write_text(out_dir / "loss_trace.csv", csv_text(trace))
    atomic_write_text(out_dir / "starts.csv", csv_text(starts_table(problem, results)))
    atomic_write_text(
        out_dir / "identifiability.csv", csv_text(identifiability_table(problem, results))
    )
    extends = os.path.relpath(Path(scenario_file).resolve(), out_dir.resolve())
    header = [
        f"Calibrated: {problem.scenario.name} fitted to {problem.targets.name} "
        f"(loss {best.best.loss:.4g}, start {best.start} of {len(results)}).",
        f"Command: {command_line or '(from Python)'}",
        f"Evaluation: seed {problem.parameters.evaluation.seed}, "
        f"{problem.parameters.evaluation.replicates} replicates, "
        f"{problem.scenario.population.n_households} households, {problem.scenario.years} years.",
        "",
        *fit_lines(fit),
    ]
    text = fitted_yaml_text(
        problem, best.best.values, extends, f"{problem.scenario.name}_calibrated", header
    )
    atomic_write_text(out_dir / FITTED_NAME, text)
    with matplotlib.style.context("default"):  # a user's matplotlibrc changes no byte
        plot_fit(fit, out_dir / "plots" / "fit.png")
        plot_loss_trace(trace, out_dir / "plots" / "loss_trace.png")
    manifest = {
        "command_line": command_line,
        "code_version": code_version(),
        "fingerprint": fingerprint(problem),
        "loss": best.best.loss,
        "best_start": best.start,
        "all_targets_within_tolerance": bool(fit["within_tolerance"].all()),
        "timings": timings,
    }
    atomic_write_text(out_dir / MANIFEST_NAME, json_text(manifest))
    return fit
