"""Evaluations of parameter vectors: one replicate's moments as a worker task, their
means and loss, and the append-only log that makes a calibration resumable.

An evaluation sets the free parameters on the scenario, runs replicates 0..R-1 of the
evaluation seed -- the same seed and replicates at every vector (common random numbers),
so two vectors differ only through the parameters and the loss surface is not re-drawn
at each evaluation -- and averages each target's moment over the replicates.

Why the results do not depend on the number of workers: one task is one (vector,
replicate) and is a pure function of them; the mean is taken in replicate order; and the
log is written in the order evaluations were requested, whichever finished first.

Resuming: every finished evaluation is appended to OUT/evaluations.jsonl (one line, keyed
by the exact parameter values). A rerun replays the same deterministic search; every
vector already in the log is read back instead of simulated.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from model.calibration.problem import Problem
from model.calibration.targets import TargetsFile, replicate_moments

if TYPE_CHECKING:  # pragma: no cover
    from model.sweeps.tasks import TaskExecutor

LOG_NAME = "evaluations.jsonl"


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
