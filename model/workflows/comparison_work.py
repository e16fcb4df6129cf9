"""Where a comparison's work runs: its replicates and its figures, on worker processes or in
this one.

Every replicate is a pure function of (scenario, seed, replicate) and every figure a pure
function of the table it is drawn from, so who computes them does not change a byte: the
results are collected in replicate order and each figure is written to its own file.

With one worker everything runs in this process as it is asked for (progress counts each
simulated year). With more, a pool of local processes (model.sweeps.tasks.local_executor:
forked where that is safe, so a worker starts with the model and matplotlib already
imported) takes every task, and this process only collects, analyses and writes the tables;
progress then counts a replicate's years when the replicate is collected.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import TYPE_CHECKING

from model.engine import background
from model.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from model.analysis.replicates import ReplicateResults
    from model.config.scenario import Scenario
    from model.report.figures import FigureJob


def default_workers(replicates: int) -> int:
    """One worker per CPU this process may use, but no more than there are replicates."""
    return max(1, min(background.available_cpus(), replicates))


def chosen_workers(workers: int | None, replicates: int) -> int:
    """`workers` as asked (None: default_workers); a UserError below 1."""
    if workers is None:
        return default_workers(replicates)
    if workers < 1:
        raise UserError(f"--workers {workers}: must be at least 1")
    return workers


class Deferred:
    """A task of this process run when its result is first asked for: with one worker the
    figures are drawn after every replicate is simulated, as they always were."""

    def __init__(self, task: Callable, *args):
        self.task, self.args, self.value, self.ran = task, args, None, False

    def result(self):
        if not self.ran:
            self.value, self.ran = self.task(*self.args), True
        return self.value


Progress = Callable[[int], None] | None
"""Called with a number of simulated years as they are done; may raise to cancel."""


class ComparisonWork:
    """Runs a comparison's tasks: in this process for one worker, else on a pool.

    `simulate` and `draw` return Futures; `simulated` is how a replicate's result is
    collected, so that its years are reported once whoever ran it.
    """

    def __init__(self, workers: int):
        self.workers = workers
        self.executor = None
        if workers > 1:
            import model.report.figures  # noqa: F401 -- forked workers inherit matplotlib
            from model.sweeps.tasks import local_executor

            self.executor = local_executor(workers)

    def start(self) -> None:
        """Start the worker processes now (a fork pool forks at its first task): before
        this process starts a thread (a progress bar's), so that they may be forked.

        Everything imported so far (the model, pandas, numba, matplotlib: a few hundred
        thousand objects) is frozen out of the garbage collector's full collections, here
        and in the forked workers, which inherit it: each full collection traversed them
        all, about a tenth of the time of drawing a figure. `stop` and `close` unfreeze
        this process (a long-lived web app collects them again); a worker ends frozen."""
        gc.freeze()
        if self.executor is not None:
            self.executor.pool.submit(int).result()

    def simulate(
        self, scenario: Scenario, seed: int, replicate: int, keep_panel: bool,
        progress: Progress = None,
    ) -> Future[ReplicateResults]:  # fmt: skip
        """Replicate `replicate` of `scenario` and `seed`, started (or done) now; in this
        process it reports each simulated year to `progress`."""
        from model.analysis.replicates import simulate_replicate

        if self.executor is None:
            results = simulate_replicate(scenario, seed, replicate, progress, keep_panel)
            return background.done(results)
        return self.executor.pool.submit(
            simulate_replicate, scenario, seed, replicate, None, keep_panel
        )

    def simulated(
        self, future: Future[ReplicateResults], years: int, progress: Progress = None
    ) -> ReplicateResults:
        """The replicate's result; a worker's replicate, which reported nothing while it
        ran, reports its `years` to `progress` now."""
        result = future.result()
        if self.executor is not None and progress is not None:
            progress(years)
        return result

    def draw(self, job: FigureJob) -> Future[Path] | Deferred:
        """Draw one figure: started now on a worker, or in this process when its result
        is asked for."""
        from model.report.figures import draw_figure

        if self.executor is None:
            return Deferred(draw_figure, job)
        return self.executor.pool.submit(draw_figure, job)

    def stop(self) -> None:
        """Drop what waits and end the workers now (on an error or a cancel)."""
        gc.unfreeze()
        if self.executor is not None:
            self.executor.stop()

    def close(self) -> None:
        """Wait for the workers to exit (every task was collected)."""
        gc.unfreeze()
        if self.executor is not None:
            self.executor.close()


@contextmanager
def comparison_work(workers: int) -> Iterator[ComparisonWork]:
    """A started ComparisonWork, stopped at once if the body raises (a cancel from a
    progress callback, Ctrl-C, a failed task) and closed when it finishes."""
    work = ComparisonWork(workers)
    try:
        work.start()
        yield work
    except BaseException:
        work.stop()
        raise
    work.close()
