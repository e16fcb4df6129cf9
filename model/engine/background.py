"""The process's one background thread: draws made ahead (model/engine/rng.py) and
summaries of the persons computed while the main thread delivers assistance.

One thread is enough on the 2-core machines the project targets: the main thread keeps
the other core. NumPy's random fills and the numba kernels (nogil) run without the GIL,
so the two threads really work at once. What runs here must be a pure function of arrays
no other code changes until its result is taken.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor

_executor: ThreadPoolExecutor | None = None


def submit(function, *args) -> Future:
    """Run `function(*args)` on the background thread (created on first use), in the order
    submitted."""
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="background")
    return _executor.submit(function, *args)


def _forget_after_fork() -> None:
    """A forked worker (sweeps) inherits the executor object but not its thread."""
    global _executor
    _executor = None


os.register_at_fork(after_in_child=_forget_after_fork)

ENABLED_BY_DEFAULT = os.environ.get("POVERTY_SIM_DRAW_AHEAD", "1") != "0"
"""Whether simulations use the background thread (environment POVERTY_SIM_DRAW_AHEAD=0
turns it off, e.g. to compare: the numbers are the same either way)."""
