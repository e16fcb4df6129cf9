"""Simulated method of moments: the global-then-local search over the free parameters.

Each start evaluates a global design (Sobol' or Latin hypercube points in the unit cube)
and refines its best point with a bounded derivative-free optimiser. The loss is the
problem's (problem.py); the evaluations, cached in an append-only log and simulated on a
process pool, are evaluations.py's. The optimisers are deterministic given the loss
values, so a search gives the same result on any number of workers and, resumed, reads
back what it had evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from model.calibration.evaluations import Evaluation, Evaluator
from model.calibration.problem import Problem

INITIAL_SIMPLEX_STEP = 0.1
"""Nelder-Mead's first simplex: the start plus this step (in unit coordinates) per parameter,
wide enough that the differences it sees are not one household's worth of noise."""


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
