"""Batch sweeps: every (point, replicate) task of a sweep file, run on local processes or on
a Dask cluster, resumable, with results that do not depend on who ran them or in what order.

The sweep directory OUT:

    OUT/sweep.yaml          the resolved sweep; its header records the sweep's fingerprint
    OUT/base_scenario.yaml  the resolved base scenario the points change
    OUT/points.csv          the design: one row per point (model.sweeps.design.design_points)
    OUT/tasks/point000012_rep0003.parquet
                            one file per finished task, written atomically as it completes
    OUT/log.jsonl           one line per invocation and per finished task: which run did what,
                            with which code version
    OUT/results.parquet     every task's rows, sorted by point_id, replicate, year
    OUT/manifest.json       written last: a directory without it is unfinished

Why results cannot depend on the executor: a task is a pure function of (point scenario,
sweep seed, replicate) -- replicate r of seed s draws the same random numbers on whichever
process or machine it runs -- each task's file is named by the task, not by when it
finished, and results.parquet is built from the files sorted by (point_id, replicate, year).

Why a task returns Parquet bytes: a Dask worker may run on a machine that cannot see OUT, so
the client (this process) writes every file.

Resuming: the fingerprint hashes everything that decides what the tasks compute (seed,
replicates, what each task keeps, the efficiency option, the points table and every
point's resolved scenario). Re-running the same
command skips every task whose file exists; a directory holding a different sweep is refused.
Ctrl-C or a lost worker keeps every finished task file, and re-running finishes the sweep.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.errors import UserError
from model.report.files import (
    atomic_write_bytes,
    code_version,
)
from model.sweeps.directory import (
    TASKS_DIR,
    SweepLog,
    check_sweep_directory,
    finished_tasks,
    now_text,
    panel_path,
    prepare_sweep_directory,
    task_path,
    write_manifest,
    write_results,
)
from model.sweeps.plan import SweepPlan, Task, plan_sweep
from model.sweeps.tasks import TaskExecutor, dask_executor, local_executor, run_task

INTERRUPTED_EXIT_CODE = 130
INCOMPLETE_EXIT_CODE = 1

if TYPE_CHECKING:  # pragma: no cover
    pass


class SweepStoppedError(Exception):
    """The sweep stopped before every task finished (Ctrl-C or a lost worker process).

    Not a traceback-worthy bug: every finished task file is kept and re-running the same
    command completes the sweep; `exit_code` is what the command line returns.
    """

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


# --- running the tasks --------------------------------------------------------------------


def run_tasks(
    executor: TaskExecutor,
    plan: SweepPlan,
    todo: list[Task],
    on_done: Callable[[Task, tuple[bytes, bytes | None]], None],
    on_started: Callable[[], None],
) -> None:
    """Run `todo`, keeping executor.slots() tasks in flight; `on_done` as each finishes.

    On Ctrl-C or a lost worker: the tasks already finished are still handed to `on_done`,
    the rest are cancelled and SweepStoppedError-worthy exceptions propagate to the caller.
    """
    waiting: Iterator[Task] = iter(todo)
    in_flight: dict[Future, Task] = {}
    cached: tuple[int, dict] | None = None

    def submit_more() -> None:
        nonlocal cached
        slots = executor.slots()
        while len(in_flight) < slots:
            task = next(waiting, None)
            if task is None:
                return
            point_id, replicate = task
            if cached is None or cached[0] != point_id:  # tasks come point by point
                cached = (point_id, plan.point_scenario_data(point_id))
            future = executor.pool.submit(
                run_task,
                cached[1],
                plan.point_values(point_id),
                plan.point_seed(point_id),
                replicate,
                plan.spec.keep.household_panel,
                plan.spec.efficiency,
            )
            in_flight[future] = task

    try:
        submit_more()
        on_started()  # after the first submit: local processes fork before any other thread
        while in_flight:
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=in_flight.__getitem__):
                task = in_flight.pop(future)
                try:
                    data = future.result()
                except Exception as exc:  # shown under a traceback: which task failed
                    exc.add_note(f"in the sweep task point {task[0]}, replicate {task[1]}")
                    raise
                on_done(task, data)
            submit_more()
    except BaseException:
        for future, task in sorted(in_flight.items(), key=lambda item: item[1]):
            if future.done() and not future.cancelled() and future.exception() is None:
                on_done(task, future.result())  # finished: keep it
            else:
                future.cancel()
        raise


@dataclass(frozen=True)
class SweepOutcome:
    """What one invocation did, for the command line's summary."""

    out_dir: Path
    plan: SweepPlan
    already_complete: bool
    tasks_run: int
    tasks_done_before: int
    executor: dict[str, Any]
    wall_clock_seconds: float


def execute_sweep(
    sweep_file: Path,
    out_dir: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
    command_line: str | None = None,
    plan: SweepPlan | None = None,
    households: int | None = None,
    force: bool = False,
) -> SweepOutcome:
    """run_sweep, returning what this invocation did (see run_sweep); `plan`: the sweep file
    already planned (plan_sweep) by a caller that needed to look at it first; `force`:
    replace a different sweep in OUT instead of refusing it."""
    started_at = datetime.now(UTC)
    clock = time.perf_counter()
    out_dir = Path(out_dir)
    if workers is not None and scheduler is not None:
        raise UserError(
            "--workers and --scheduler: give one; a Dask cluster's size is set where its "
            "workers are started"
        )
    if workers is not None and workers < 1:
        raise UserError(f"--workers {workers}: must be at least 1")
    plan = plan or plan_sweep(Path(sweep_file), households)
    state = check_sweep_directory(out_dir, plan, force)
    done_before = finished_tasks(out_dir) & set(plan.tasks)
    if state == "complete":
        return SweepOutcome(out_dir, plan, True, 0, len(done_before), {}, 0.0)
    todo = [task for task in plan.tasks if task not in done_before]
    executor: TaskExecutor | None = None
    if todo and scheduler is not None:
        executor = dask_executor(scheduler)  # before OUT is created: a bad address changes nothing
    elif todo:
        executor = local_executor(min(workers or os.cpu_count() or 1, len(todo)))
    description = executor.description if executor else {"kind": "none (every task was done)"}
    try:
        prepare_sweep_directory(out_dir, plan)
        ran = run_and_record(executor, plan, out_dir, todo, len(done_before), quiet) if todo else 0
    finally:
        if executor is not None:
            executor.close()
    write_results(out_dir, plan)
    seconds = time.perf_counter() - clock
    write_manifest(out_dir, plan, description, started_at, seconds, command_line)
    return SweepOutcome(out_dir, plan, False, ran, len(done_before), description, seconds)


def run_and_record(
    executor: TaskExecutor,
    plan: SweepPlan,
    out_dir: Path,
    todo: list[Task],
    done_before: int,
    quiet: bool,
) -> int:
    """Run `todo` behind a progress bar, writing and logging each task; returns how many ran.

    Turns Ctrl-C and a lost worker into SweepStoppedError once the finished tasks are written.
    """
    from tqdm import tqdm

    log = SweepLog(out_dir)
    log.write(
        "start",
        started_at=now_text(),
        code_version=code_version(),
        executor=executor.description,
        tasks_to_run=len(todo),
        tasks_done_before=done_before,
    )
    ran = 0
    bar: tqdm | None = None

    def start_bar() -> None:
        nonlocal bar
        bar = tqdm(
            total=len(plan.tasks),
            initial=done_before,
            unit="task",
            desc=plan.spec.name,
            file=sys.stderr,
            leave=False,
            disable=True if quiet else None,  # None: off when stderr is not a terminal
        )

    def write_task(task: Task, data: tuple[bytes, bytes | None]) -> None:
        nonlocal ran
        yearly, panel = data
        if panel is not None:  # first: an existing task file means the task is complete
            atomic_write_bytes(panel_path(out_dir, task), panel)
        atomic_write_bytes(task_path(out_dir, task), yearly)
        ran += 1
        log.write("task", point_id=task[0], replicate=task[1], finished_at=now_text())
        if bar is not None:
            bar.update(1)

    def stopped(reason: str, message: str, exit_code: int) -> SweepStoppedError:
        log.write("stop", reason=reason, tasks_run=ran, stopped_at=now_text())
        done = len(finished_tasks(out_dir) & set(plan.tasks))  # the files are what counts
        return SweepStoppedError(
            f"{message}; {done} of {len(plan.tasks)} tasks are done and kept in "
            f"{out_dir / TASKS_DIR}; run the same command again to finish the other "
            f"{len(plan.tasks) - done}",
            exit_code,
        )

    try:
        run_tasks(executor, plan, todo, write_task, start_bar)
    except KeyboardInterrupt:
        executor.stop()
        raise stopped("interrupted", "interrupted", INTERRUPTED_EXIT_CODE) from None
    except executor.lost_worker_errors as exc:
        executor.stop()
        raise stopped(
            "worker lost",
            f"a worker process died (killed, or out of memory?): {str(exc).rstrip('.')}",
            INCOMPLETE_EXIT_CODE,
        ) from exc
    except BaseException:
        executor.stop()
        log.write("stop", reason="failed", tasks_run=ran, stopped_at=now_text())
        raise
    else:
        log.write("stop", reason="complete", tasks_run=ran, stopped_at=now_text())
    finally:
        if bar is not None:
            bar.close()
        log.close()
    return ran


def run_sweep(
    sweep_file: Path,
    out_dir: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
    households: int | None = None,
) -> Path:
    """Run (or finish) the sweep of `sweep_file` into `out_dir`; returns `out_dir`.

    Tasks run on `workers` local processes (default: one per CPU) or, given `scheduler`
    (e.g. "tcp://HOST:8786"), on that Dask cluster. Tasks whose file exists in OUT/tasks
    are skipped, so re-running after Ctrl-C or a lost worker finishes the sweep. Raises
    UserError for bad input (before OUT is touched) and SweepStoppedError when stopped early.
    `households` replaces the sweep file's `households` (every point's county size).
    """
    return execute_sweep(
        sweep_file, out_dir, workers, scheduler, quiet, households=households
    ).out_dir
