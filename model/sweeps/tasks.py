"""One sweep task and the executors that run tasks: local processes or a Dask cluster.

A task is a pure function of (point scenario, sweep seed, replicate) and returns its yearly
table as Parquet bytes, so that a Dask worker on a machine that cannot see the output
directory can run it: the client (model/sweeps/runner.py) writes every file.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from model.engine import background
from model.errors import UserError
from model.report.files import parquet_bytes
from model.sweeps.pool import SpooledProcessPool

if TYPE_CHECKING:  # pragma: no cover
    pass


SCHEDULER_CONNECT_TIMEOUT_SECONDS = 10.0
"""How long to wait for a Dask scheduler to answer before saying it is unreachable."""

TASKS_IN_FLIGHT_PER_WORKER = 2
"""Tasks handed out per worker: one running, one queued so no worker waits for the client."""

DASK_TASKS_IN_FLIGHT_PER_THREAD = 4
"""More for Dask: each hand-out is a round trip through the scheduler, so a deeper queue
keeps its workers busy (measured: 2 left Dask about 15% behind local processes)."""

COUNTERFACTUALS_KEPT = 64
"""No-intervention runs a worker keeps (yearly rows only, a few kB each)."""
FORKSERVER_PRELOAD = ["model.analysis.replicates", "model.report.figures"]
"""Imported once by the fork server, so each worker it forks starts with the model loaded,
and with matplotlib for a comparison's figures (the web app's comparisons start their
workers from its server's thread, so through the fork server)."""


# --- one task (runs in a worker process, maybe on another machine) --------------------------


def task_table(point_values: dict[str, Any], yearly: pd.DataFrame) -> pd.DataFrame:
    """A replicate's yearly rows with `point_id` and the factor values as first columns."""
    leading = pd.DataFrame(
        {name: np.repeat(np.asarray([value]), len(yearly)) for name, value in point_values.items()}
    )
    return pd.concat([leading, yearly.reset_index(drop=True)], axis=1)


def run_task(
    scenario_data: dict[str, Any],
    point_values: dict[str, Any],
    seed: int,
    replicate: int,
    keep_panel: bool = False,
    efficiency: bool = False,
) -> tuple[bytes, bytes | None]:
    """Run replicate `replicate` of `seed` on the point's scenario; its yearly table as
    Parquet bytes, and with `keep_panel` its household panel as Parquet bytes (else None).
    With `efficiency`, the point's no-intervention run on the same seed and replicate is
    run too and its COUNTERFACTUAL_COLUMNS are added to the yearly table.

    Takes plain data (the point's resolved scenario as a JSON-mode `model_dump`, the
    point's id and factor values) so any worker process can run it, and returns bytes so
    the client, which owns the output directory, writes the files.
    """
    from model.analysis.efficiency import without_interventions
    from model.analysis.replicates import COUNTERFACTUAL_COLUMNS, yearly_frame
    from model.config.scenario import Scenario
    from model.simulation.simulation import Simulation

    scenario = Scenario.model_validate(scenario_data)
    simulation = Simulation(scenario, seed=seed, replicate=replicate)
    yearly = yearly_frame(scenario, simulation.run())
    if efficiency:
        counterfactual = without_interventions(scenario).model_dump_json()
        paired_yearly = counterfactual_yearly(counterfactual, seed, replicate)
        for column, source in COUNTERFACTUAL_COLUMNS.items():
            yearly[column] = paired_yearly[source].to_numpy()
    panel = None
    if keep_panel:
        panel = parquet_bytes(task_table(point_values, simulation.panel.to_frame(replicate)))
    return parquet_bytes(task_table(point_values, yearly)), panel


@functools.lru_cache(maxsize=COUNTERFACTUALS_KEPT)
def counterfactual_yearly(counterfactual_json: str, seed: int, replicate: int) -> pd.DataFrame:
    """Yearly rows of a no-intervention run, kept in the worker: points that differ only in
    instruments or funds (budget levers) share it, so it runs once per replicate and
    worker rather than once per task. A pure function of its arguments, so caching changes
    no result."""
    from model.analysis.replicates import yearly_frame
    from model.config.scenario import Scenario
    from model.simulation.simulation import Simulation

    counterfactual = Scenario.model_validate_json(counterfactual_json)
    records = Simulation(counterfactual, seed=seed, replicate=replicate).run()
    return yearly_frame(counterfactual, records)


PR_SET_PDEATHSIG = 1
"""prctl option (linux/prctl.h): the signal a process receives when its parent dies."""
PARENT_POLL_SECONDS = 0.5
"""How often the watchdog fallback checks that the worker's parent is still alive."""


def die_with_parent() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG);
    False where that is not available (another OS, no libc)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def watch_parent(
    parent_pid: int,
    on_orphaned: Callable[[], None] = lambda: os._exit(1),
    poll_seconds: float = PARENT_POLL_SECONDS,
) -> threading.Thread:
    """A daemon thread that calls `on_orphaned` once this process's parent is no longer
    `parent_pid` (it died and the process was re-parented): the fallback where the kernel
    cannot deliver a parent-death signal."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(poll_seconds)
        on_orphaned()

    thread = threading.Thread(target=watch, name="parent-watchdog", daemon=True)
    thread.start()
    return thread


def release_standard_streams() -> None:
    """Point this process's stdin, stdout and stderr at /dev/null, so that it holds no handle
    of its parent's terminal or pipes: a caller reading the parent's output sees EOF when
    the parent ends, even while a worker is still shutting down. (Task results and errors
    travel back through the pool, not through these streams.)"""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def start_worker(parent_pid: int | None, background_thread: bool = True) -> None:
    """Worker initializer: Ctrl-C reaches the whole process group but only the client acts
    on it; the worker ends when its parent dies (a SIGKILL of the main process alone must
    not leave workers of hundreds of MB running), and it lets go of the parent's output.

    `parent_pid` is the process that started the pool; None when a fork server starts the
    workers (their parent is the fork server, which itself ends with the main process).
    `background_thread`: whether the worker's simulations draw ahead on a second thread
    (model/engine/background.py); not when the pool's workers already fill every core."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    background.set_enabled(background_thread)
    parent_pid = os.getppid() if parent_pid is None else parent_pid
    if not die_with_parent():
        watch_parent(parent_pid)
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    release_standard_streams()


# --- executors ----------------------------------------------------------------------------


@dataclass
class TaskExecutor:
    """Where tasks run: a concurrent.futures executor and how to size, stop and close it."""

    pool: Executor
    description: dict[str, Any]
    slots: Callable[[], int]
    lost_worker_errors: tuple[type[BaseException], ...]
    stop: Callable[[], None]
    close: Callable[[], None]


def local_start_method() -> str:
    """How local worker processes start: "fork" where it is safe, else "forkserver"/"spawn".

    fork is the fastest (a worker inherits the imported model instead of importing it again,
    about 1.7 s each) and safe on Linux while this process has a single thread: the pool
    forks at its first submit, before the progress bar's thread exists, and numba starts no
    threads. With other threads (Jupyter, a Dask client in the same process) a fork could
    copy a lock another thread holds, so a fork server (with the model preloaded) or spawn
    starts the workers instead; both re-import the main script, which therefore has to guard
    its entry point with `if __name__ == "__main__":`.
    """
    if sys.platform == "linux" and threading.active_count() == 1:
        return "fork"
    if "forkserver" in multiprocessing.get_all_start_methods():
        return "forkserver"
    return "spawn"


def local_executor(workers: int) -> TaskExecutor:
    """`workers` local processes (a ProcessPoolExecutor whose results travel through files,
    model/sweeps/pool.py); a killed one breaks the pool."""
    start_method = local_start_method()
    context = multiprocessing.get_context(start_method)
    if start_method == "forkserver":
        context.set_forkserver_preload(FORKSERVER_PRELOAD)
    pool = SpooledProcessPool(  # results through files: a worker dying mid-result breaks it
        max_workers=workers, mp_context=context, initializer=start_worker,
        initargs=(
            None if start_method == "forkserver" else os.getpid(),
            workers < background.available_cpus(),  # a core left for each drawing thread
        ),
    )  # fmt: skip

    def stop() -> None:
        """Cancel what waits and end running tasks now rather than after they finish."""
        pool.shutdown(wait=False, cancel_futures=True)
        terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
        if terminate is not None:
            terminate()
            return
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()

    return TaskExecutor(
        pool=pool,
        description={"kind": "processes", "workers": workers, "start_method": start_method},
        slots=lambda: TASKS_IN_FLIGHT_PER_WORKER * workers,
        lost_worker_errors=(BrokenProcessPool,),
        stop=stop,
        close=lambda: pool.shutdown(wait=True),
    )


def dask_executor(address: str) -> TaskExecutor:
    """A running Dask scheduler at `address`; a UserError naming it if it does not answer."""
    from distributed import Client, KilledWorker  # about 0.7 s: only when a cluster is used
    from distributed.client import FutureCancelledError
    from distributed.comm import CommClosedError, get_address_host_port

    try:
        get_address_host_port(address)  # a malformed address fails here, without a client
    except ValueError as exc:
        raise UserError(
            f"--scheduler {address}: not a scheduler address ({exc}); expected e.g. tcp://HOST:8786"
        ) from None
    try:
        client = Client(address, timeout=SCHEDULER_CONNECT_TIMEOUT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise UserError(
            f"--scheduler {address}: no Dask scheduler answered within "
            f"{SCHEDULER_CONNECT_TIMEOUT_SECONDS:g} s ({exc}); start one (`dask scheduler`, "
            "then `dask worker ADDRESS` on each machine) or check the address"
        ) from None

    def threads() -> int:
        return sum(client.nthreads().values())

    pool = client.get_executor(pure=False)
    workers = len(client.nthreads())
    # A cluster's threads are sized to its cores: no second, drawing thread per task.
    client.run(background.set_enabled, False)

    def stop() -> None:
        """Nothing more starts; run_tasks cancelled the waiting futures (which cancels the
        Dask futures behind them)."""
        pool.shutdown(wait=False)

    return TaskExecutor(
        pool=pool,
        description={
            "kind": "dask",
            "scheduler": address,
            "workers": workers,
            "threads": threads(),
        },
        slots=lambda: DASK_TASKS_IN_FLIGHT_PER_THREAD * max(1, threads()),
        lost_worker_errors=(KilledWorker, FutureCancelledError, CommClosedError),
        stop=stop,
        close=client.close,
    )
