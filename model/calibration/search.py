"""Simulated method of moments: the loss of a parameter vector, its evaluations (cached in
an append-only log, simulated on a process pool) and the global-then-local search.

An evaluation sets the free parameters on the scenario, runs replicates 0..R-1 of the
evaluation seed -- the same seed and replicates at every vector (common random numbers),
so two vectors differ only through the parameters and the loss surface is not re-drawn
at each evaluation -- and averages each target's moment over the replicates. The loss is
sum over targets of weight x ((simulated mean - value) / scale)^2.

Why the results do not depend on the number of workers: one task is one (vector,
replicate) and is a pure function of them; the mean is taken in replicate order; the
optimisers are deterministic given the loss values; and the log is written in the order
evaluations were requested, whichever finished first.

Resuming: every finished evaluation is appended to OUT/evaluations.jsonl (one line, keyed
by the exact parameter values). A rerun replays the same deterministic search; every
vector already in the log is read back instead of simulated.
"""

from __future__ import annotations

import copy
import json
import math
import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from model.calibration.parameters import ParametersFile
from model.calibration.targets import FITTED_SCENARIO, TargetsFile, replicate_moments

if TYPE_CHECKING:  # pragma: no cover
    from model.config.scenario import Scenario
    from model.sweeps.tasks import TaskExecutor

LOG_NAME = "evaluations.jsonl"
FAILED_LOSS = 1e12
"""Loss of a vector whose moments are not finite (e.g. a ratio with nothing to divide by)."""
INITIAL_SIMPLEX_STEP = 0.1
"""Nelder-Mead's first simplex: the start plus this step (in unit coordinates) per parameter,
wide enough that the differences it sees are not one household's worth of noise."""


@dataclass(frozen=True)
class Problem:
    """What a calibration fits: targets, free parameters (keys resolved to indices) and the
    scenario every evaluation changes (evaluation households and years already set)."""

    targets: TargetsFile
    parameters: ParametersFile
    scenario: Scenario
    keys: tuple[str, ...]
    others: dict[str, tuple[Scenario, tuple[str, ...]]] = field(default_factory=dict)
    """The other runs targets are read in: name -> (scenario, keys resolved in it)."""

    def runs(self) -> list[tuple[str, dict[str, Any], tuple[str, ...], TargetsFile]]:
        """Each run an evaluation makes: (name, scenario data, resolved keys, its targets),
        the fitted scenario first."""
        runs = []
        for name in self.targets.scenario_names:
            scenario, keys = (
                (self.scenario, self.keys) if name == FITTED_SCENARIO else self.others[name]
            )
            subset = self.targets.subset(name)
            if subset.targets or name == FITTED_SCENARIO:
                runs.append((name, scenario.model_dump(mode="python"), keys, subset))
        return runs

    def target_order(self) -> list[int]:
        """Positions in the targets file of the moments as the runs return them."""

        order = []
        for name in self.targets.scenario_names:
            order += [i for i, t in enumerate(self.targets.targets) if t.scenario == name]
        return order if order else list(range(len(self.targets.targets)))

    @property
    def parameters_keys(self) -> list[str]:
        """The free parameters' keys as the parameters file writes them."""
        return [p.key for p in self.parameters.parameters]

    def base_tree(self) -> dict[str, Any]:
        """The evaluation scenario as plain data (a fresh copy)."""
        return self.scenario.model_dump(mode="python")

    @property
    def values(self) -> np.ndarray:
        return np.array([t.value for t in self.targets.targets])

    @property
    def scales(self) -> np.ndarray:
        return np.array([t.loss_scale for t in self.targets.targets])

    @property
    def weights(self) -> np.ndarray:
        return np.array([t.weight for t in self.targets.targets])

    def to_values(self, unit: np.ndarray) -> tuple[float, ...]:
        """Parameter values at unit-cube coordinates (plain floats: exact log keys)."""
        return tuple(
            float(p.from_unit(np.array(u))[()])
            for p, u in zip(self.parameters.parameters, unit, strict=True)
        )

    def contributions(self, means: np.ndarray) -> np.ndarray:
        """Each target's share of the loss: weight x ((mean - value) / scale)^2."""
        return self.weights * ((means - self.values) / self.scales) ** 2

    def loss(self, means: np.ndarray) -> float:
        total = float(self.contributions(means).sum())
        return total if math.isfinite(total) else FAILED_LOSS


def simulate_moments(
    scenario_data: dict[str, Any],
    keys: tuple[str, ...],
    values: tuple[float, ...],
    targets: TargetsFile,
    seed: int,
    replicate: int,
) -> list[float]:
    """One replicate's target moments with the free parameters at `values` (a worker task)."""
    from model.analysis.replicates import run_replicate
    from model.config.scenario import Scenario, set_by_path

    raw = copy.deepcopy(scenario_data)
    for key, value in zip(keys, values, strict=True):
        set_by_path(raw, key, value)
    yearly = run_replicate(Scenario.model_validate(raw), seed, replicate)
    return replicate_moments(targets, yearly)


@dataclass
class Evaluation:
    """One parameter vector: its replicates' moments (replicate x target), means and loss."""

    values: tuple[float, ...]
    moments: np.ndarray
    means: np.ndarray
    loss: float


def log_key(values: tuple[float, ...]) -> str:
    """The exact parameter values as text (repr round-trips every float)."""
    return json.dumps([float(v) for v in values])


class Evaluator:
    """Evaluates parameter vectors: from the log when known, else on the executor (or in
    this process when there is none), appending each result to the log in request order."""

    def __init__(
        self,
        problem: Problem,
        log_path: Path,
        executor: TaskExecutor | None,
        on_evaluated: Callable[[bool], None] = lambda cached: None,
    ):
        self.problem = problem
        self.log_path = Path(log_path)
        self.executor = executor
        self.on_evaluated = on_evaluated
        self.cache: dict[str, Evaluation] = read_log(self.log_path, problem)
        self.simulated = 0
        self._runs = problem.runs()
        self._order = problem.target_order()

    def evaluate(self, batch: list[tuple[float, ...]]) -> list[Evaluation]:
        """Evaluations of `batch`, in its order; the new ones simulated in parallel."""
        keys = [log_key(v) for v in batch]
        todo = list(dict.fromkeys(k for k in keys if k not in self.cache))
        values_of = dict(zip(keys, batch, strict=True))
        if todo:
            self._simulate([values_of[k] for k in todo])
        for key in keys:
            self.on_evaluated(key not in todo)
        return [self.cache[k] for k in keys]

    def _task(self, values: tuple[float, ...], replicate: int, run: int = 0) -> tuple:
        seed = self.problem.parameters.evaluation.seed
        _, data, keys, targets = self._runs[run]
        return (data, keys, values, targets, seed, replicate)

    def _replicate_moments(self, by_run: dict[int, list[float]]) -> list[float]:
        """One replicate's moments of every run, put back in the targets file's order."""
        joined = [m for run in range(len(self._runs)) for m in by_run[run]]
        moments = [0.0] * len(joined)
        for position, value in zip(self._order, joined, strict=True):
            moments[position] = value
        return moments

    def _finish(self, values: tuple[float, ...], moments: list[list[float]]) -> None:
        array = np.array(moments, dtype=np.float64)
        means = array.mean(axis=0)
        evaluation = Evaluation(values, array, means, self.problem.loss(means))
        self.cache[log_key(values)] = evaluation
        append_log(self.log_path, evaluation)
        self.simulated += 1

    def _simulate(self, batch: list[tuple[float, ...]]) -> None:
        replicates = self.problem.parameters.evaluation.replicates
        runs = len(self._runs)
        if self.executor is None:
            for values in batch:
                rows = [
                    self._replicate_moments(
                        {k: simulate_moments(*self._task(values, r, k)) for k in range(runs)}
                    )
                    for r in range(replicates)
                ]
                self._finish(values, rows)
            return
        tasks = [
            (i, r, k) for i in range(len(batch)) for r in range(replicates) for k in range(runs)
        ]
        results: dict[int, dict[int, dict[int, list[float]]]] = {
            i: {r: {} for r in range(replicates)} for i in range(len(batch))
        }
        waiting, in_flight, next_to_log = iter(tasks), {}, 0
        pool = self.executor.pool
        try:
            while True:
                while len(in_flight) < self.executor.slots():
                    task = next(waiting, None)
                    if task is None:
                        break
                    future: Future = pool.submit(
                        simulate_moments, *self._task(batch[task[0]], task[1], task[2])
                    )
                    in_flight[future] = task
                if not in_flight:
                    break
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    i, r, k = in_flight.pop(future)
                    results[i][r][k] = future.result()
                while next_to_log < len(batch) and all(
                    len(results[next_to_log][r]) == runs for r in range(replicates)
                ):
                    row = results[next_to_log]
                    self._finish(
                        batch[next_to_log],
                        [self._replicate_moments(row[r]) for r in range(replicates)],
                    )
                    next_to_log += 1
        except BaseException:
            for future in in_flight:
                future.cancel()
            raise


def append_log(path: Path, evaluation: Evaluation) -> None:
    """Append one evaluation as one line, written with one call and synced, so a crash
    leaves at most a torn last line (read_log skips it)."""
    line = json.dumps(
        {"values": list(evaluation.values), "moments": evaluation.moments.tolist()},
        allow_nan=True,
    )
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def read_log(path: Path, problem: Problem) -> dict[str, Evaluation]:
    """The evaluations already in the log. A line a crash tore (or any unreadable line) is
    dropped and the log rewritten without it (atomically), so the next append starts on a
    line of its own and the log stays what an uninterrupted run writes."""
    from model.report.files import atomic_write_text

    cache: dict[str, Evaluation] = {}
    if not path.is_file():
        return cache
    targets = len(problem.targets.targets)
    text = path.read_text(encoding="utf-8")
    kept = []
    for line in text.splitlines(keepends=True):
        try:
            if not line.endswith("\n"):
                raise ValueError("torn line")
            record = json.loads(line)
            values = tuple(float(v) for v in record["values"])
            moments = np.array(record["moments"], dtype=np.float64).reshape(-1, targets)
        except (ValueError, KeyError, TypeError):
            continue
        kept.append(line)
        means = moments.mean(axis=0)
        cache[log_key(values)] = Evaluation(values, moments, means, problem.loss(means))
    if "".join(kept) != text:
        atomic_write_text(path, "".join(kept))
    return cache


# --- the search ---------------------------------------------------------------------------


@dataclass
class StartResult:
    """One start: its design seed, every evaluation it asked for, in order, and the best."""

    start: int
    design_seed: int
    trace: list[tuple[str, Evaluation]] = field(default_factory=list)

    @property
    def best(self) -> Evaluation:
        return min((e for _, e in self.trace), key=lambda e: e.loss)


def design_seed(seed: int, start: int) -> int:
    """The global design's seed of start `start`: independent designs from one seed."""
    return int(np.random.SeedSequence([seed, start]).generate_state(1)[0])


def global_design(problem: Problem, start: int) -> np.ndarray:
    """The start's global points in the unit cube (scipy.stats.qmc Sobol' or LHS)."""
    import warnings

    from scipy.stats import qmc

    stage = problem.parameters.search.global_stage
    d, seed = len(problem.keys), design_seed(problem.parameters.evaluation.seed, start)
    if stage.method == "lhs":
        return qmc.LatinHypercube(d, seed=seed).random(stage.points)
    with warnings.catch_warnings():  # the first `points` of the sequence, knowingly
        warnings.filterwarnings("ignore", "The balance properties", UserWarning)
        return qmc.Sobol(d, scramble=True, seed=seed).random(stage.points)


def local_search(problem: Problem, evaluator: Evaluator, result: StartResult) -> None:
    """Refine the start's best global point with a bounded derivative-free optimiser in
    unit coordinates (scipy.optimize.minimize), at most max_evaluations evaluations."""
    from scipy.optimize import minimize

    stage = problem.parameters.search.local_stage
    if stage.max_evaluations == 0:
        return
    x0 = np.array(
        [
            p.to_unit(v)
            for p, v in zip(problem.parameters.parameters, result.best.values, strict=True)
        ]
    )
    budget = {"left": stage.max_evaluations}

    class ExhaustedError(Exception):
        pass

    def loss(unit: np.ndarray) -> float:
        if budget["left"] == 0:
            raise ExhaustedError
        budget["left"] -= 1
        evaluation = evaluator.evaluate([problem.to_values(np.clip(unit, 0.0, 1.0))])[0]
        result.trace.append(("local", evaluation))
        return evaluation.loss

    bounds = [(0.0, 1.0)] * len(x0)
    options: dict[str, Any] = {"maxfev": stage.max_evaluations}
    if stage.method == "nelder-mead":
        step = np.where(
            x0 + INITIAL_SIMPLEX_STEP <= 1.0, INITIAL_SIMPLEX_STEP, -INITIAL_SIMPLEX_STEP
        )
        simplex = np.vstack([x0, x0 + np.diag(step)])
        options.update(initial_simplex=simplex, xatol=stage.tolerance, fatol=1e-6)
        method = "Nelder-Mead"
    else:
        options.update(xtol=stage.tolerance, ftol=1e-6)
        method = "Powell"
    try:
        minimize(loss, x0, method=method, bounds=bounds, options=options)
    except ExhaustedError:
        pass


def run_search(problem: Problem, evaluator: Evaluator) -> list[StartResult]:
    """Every start: the global designs (all starts' points in one parallel batch), then each
    start's local refinement from its best global point."""
    search = problem.parameters.search
    results = [
        StartResult(k, design_seed(problem.parameters.evaluation.seed, k))
        for k in range(search.starts)
    ]
    batch = [
        problem.to_values(unit) for k in range(search.starts) for unit in global_design(problem, k)
    ]
    evaluations = evaluator.evaluate(batch)
    points = search.global_stage.points
    for k, result in enumerate(results):
        result.trace.extend(("global", e) for e in evaluations[k * points : (k + 1) * points])
    for result in results:
        local_search(problem, evaluator, result)
    return results


def best_start(results: list[StartResult]) -> StartResult:
    """The start with the lowest loss (the first of equals)."""
    return min(results, key=lambda r: (r.best.loss, r.start))
