"""The process's one background thread: draws made ahead (model/engine/rng.py) and
summaries of the persons computed while the main thread delivers assistance.

One thread is enough on the 2-core machines the project targets: the main thread keeps
the other core. NumPy's random fills and the numba kernels (nogil) run without the GIL,
so the two threads really work at once. What runs here must be a pure function of arrays
no other code changes until its result is taken, and must not wait for another task of
this thread (with one thread it would wait for ever).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

_executor: ThreadPoolExecutor | None = None
_pending = 0  # tasks submitted and not yet finished
_pending_lock = threading.Lock()


def submit(function, *args) -> Future:
    """Run `function(*args)` on the background thread (created on first use), in the order
    submitted."""
    global _executor, _pending
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="background")
    future = _executor.submit(function, *args)
    with _pending_lock:
        _pending += 1
    future.add_done_callback(_finished)  # run at once if the task has finished already
    return future


def _finished(_: Future) -> None:
    global _pending
    with _pending_lock:
        _pending -= 1


def idle() -> bool:
    """Whether the background thread has nothing to do now: work that is not needed soon
    (the next year's draws) is best submitted then, so that it does not delay work the
    main thread will wait for."""
    return _pending == 0


def done(value) -> Future:
    """A Future that already holds `value` (what a caller gets when it runs a task now)."""
    future: Future = Future()
    future.set_result(value)
    return future


def available_cpus() -> int:
    """CPUs this process may run on (what pools of worker processes are sized by)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _forget_after_fork() -> None:
    """A forked worker (sweeps) inherits the executor object but not its thread."""
    global _executor, _pending, _pending_lock
    _executor = None
    _pending = 0
    _pending_lock = threading.Lock()  # another thread may have held it at the fork


os.register_at_fork(after_in_child=_forget_after_fork)

ENABLED_BY_DEFAULT = os.environ.get("POVERTY_SIM_DRAW_AHEAD", "1") != "0"
"""Whether simulations use the background thread (environment POVERTY_SIM_DRAW_AHEAD=0
turns it off, e.g. to compare: the numbers are the same either way)."""


def set_enabled(enabled: bool) -> None:
    """Whether simulations made from now on in this process use the background thread: a
    worker of a pool that already keeps every core busy turns it off (a second thread per
    worker would only compete; 7.0 against 6.85 s for a 2-worker compare)."""
    global ENABLED_BY_DEFAULT
    ENABLED_BY_DEFAULT = bool(enabled)
