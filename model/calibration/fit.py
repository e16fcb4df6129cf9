"""Calibration to registry targets (simulated method of moments), from files to results.

`calibrate` loads and checks the targets file, the parameters file and the scenario
(every problem before OUT is touched), then searches (model.calibration.search) on a
local process pool and writes the calibration directory (model.calibration.outputs).
A calibration is a pure function of the targets, the parameters file (with its
evaluation seed) and the scenario: rerunning it reads every evaluation back from
OUT/evaluations.jsonl, so an interrupted calibration resumes where it stopped.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from model.calibration.evaluations import LOG_NAME, Evaluator
from model.calibration.inputs import CalibrationError
from model.calibration.outputs import FITTED_NAME, prepare_directory, write_results
from model.calibration.parameters import (
    ParametersFile,
    evaluation_scenario,
    load_parameters,
    parameter_problems,
    resolved_keys,
)
from model.calibration.problem import Problem
from model.calibration.search import StartResult, best_start, run_search
from model.calibration.targets import TargetsFile, load_targets, target_problems
from model.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from model.config.scenario import Scenario


@dataclass(frozen=True)
class CalibrationOutcome:
    """What one invocation did, for the command line's summary."""

    out_dir: Path
    problem: Problem
    results: list[StartResult]
    fit: pd.DataFrame
    simulated: int
    cached: int
    seconds: float

    @property
    def best(self) -> StartResult:
        return best_start(self.results)


def check_inputs(targets: TargetsFile, parameters: ParametersFile, scenario: Scenario) -> None:
    """Every problem of targets and parameters against the scenario, at once."""
    problems = target_problems(targets, scenario) + parameter_problems(parameters, scenario)
    if problems:
        raise CalibrationError(problems)


def plan_problem(
    targets_file: Path,
    scenario_file: Path,
    parameters_file: Path,
    seed: int | None = None,
    households: int | None = None,
) -> Problem:
    """Load and check the three inputs; `seed` and `households` replace the parameters
    file's evaluation settings. Raises a UserError naming file and key for any problem."""
    from model.config.scenario import load_scenario

    scenario_file = Path(scenario_file)
    if not scenario_file.is_file():
        raise UserError(f"scenario file not found: {scenario_file}")
    targets = load_targets(targets_file)
    parameters = load_parameters(parameters_file)
    updates = {"seed": seed, "households": households}
    updates = {k: v for k, v in updates.items() if v is not None}
    if updates:
        evaluation = parameters.evaluation.model_copy(update=updates)
        file = parameters.file
        parameters = parameters.model_copy(update={"evaluation": evaluation})
        parameters._file = file
    scenario = evaluation_scenario(load_scenario(scenario_file), parameters)
    check_inputs(targets, parameters, scenario)
    others = {}
    for name in targets.scenario_names[1:]:
        path = targets.scenario_path(name)
        if not path.is_file():
            raise UserError(f"{targets.file}: scenarios.{name}: scenario file not found: {path}")
        other = evaluation_scenario(load_scenario(path), parameters)
        check_inputs(targets.subset(name), parameters, other)
        others[name] = (other, tuple(resolved_keys(parameters, other)))
    keys = tuple(resolved_keys(parameters, scenario))
    return Problem(targets, parameters, scenario, keys, others)


def calibrate(
    targets_file: Path,
    scenario_file: Path,
    parameters_file: Path,
    out_dir: Path,
    workers: int | None = None,
    seed: int | None = None,
    households: int | None = None,
    quiet: bool = True,
    command_line: str | None = None,
) -> CalibrationOutcome:
    """Fit the parameters of `parameters_file` to `targets_file` on `scenario_file`; write
    (or finish) the calibration directory `out_dir`. Same inputs, same result files, for
    any number of `workers` (default: one per CPU)."""
    from tqdm import tqdm

    from model.sweeps.tasks import local_executor

    clock = time.perf_counter()
    if workers is not None and workers < 1:
        raise UserError(f"--workers {workers}: must be at least 1")
    problem = plan_problem(targets_file, scenario_file, parameters_file, seed, households)
    sources = {
        "targets": str(Path(targets_file).resolve()),
        "parameters": str(Path(parameters_file).resolve()),
        "scenario": str(Path(scenario_file).resolve()),
    }
    prepare_directory(Path(out_dir), problem, sources)
    search = problem.parameters.search
    workers = workers or os.cpu_count() or 1
    executor = local_executor(workers) if workers > 1 else None
    if executor is not None:  # fork the workers now, before the progress bar's thread
        executor.pool.submit(int).result()
    counts = {"cached": 0}
    total = search.starts * (search.global_stage.points + search.local_stage.max_evaluations)
    bar = tqdm(
        total=total,
        unit="eval",
        desc=f"calibrate {problem.scenario.name}",
        file=sys.stderr,
        leave=False,
        disable=True if quiet else None,
    )

    def on_evaluated(cached: bool) -> None:
        counts["cached"] += cached
        bar.update(1)

    evaluator = Evaluator(problem, Path(out_dir) / LOG_NAME, executor, on_evaluated)
    try:
        results = run_search(problem, evaluator)
    except BaseException:
        if executor is not None:
            executor.stop()
        raise
    finally:
        bar.close()
        if executor is not None:
            executor.close()
    seconds = time.perf_counter() - clock
    timings = {
        "wall_clock_seconds": round(seconds, 3),
        "workers": workers,
        "evaluations_simulated": evaluator.simulated,
        "evaluations_from_log": counts["cached"],
    }
    fit = write_results(Path(out_dir), problem, results, Path(scenario_file), command_line, timings)
    return CalibrationOutcome(
        Path(out_dir), problem, results, fit, evaluator.simulated, counts["cached"], seconds
    )


def summary_lines(outcome: CalibrationOutcome) -> list[str]:
    """What was fitted, how well, and where the files are."""
    from model.calibration.outputs import fit_lines

    best = outcome.best
    lines = [
        f"wrote {outcome.out_dir}: {outcome.problem.scenario.name} fitted to "
        f"{outcome.problem.targets.name}, loss {best.best.loss:.4g} (start {best.start})",
        f"  {outcome.simulated:,} evaluations simulated, {outcome.cached:,} repeated points "
        f"read back, "
        f"in {outcome.seconds:.1f} s",
        f"  fitted parameters: {outcome.out_dir / FITTED_NAME}",
    ]
    for key, value in zip(outcome.problem.parameters_keys, best.best.values, strict=True):
        lines.append(f"    {key} = {value:.6g}")
    lines.append("  fit (fit.csv):")
    lines.extend(f"    {line}" for line in fit_lines(outcome.fit))
    return lines
