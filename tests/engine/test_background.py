"""The background thread's bookkeeping of work still to do (model/engine/background.py)."""

from __future__ import annotations

import threading
import time

from model.engine import background


def wait_until_idle(seconds: float = 5.0) -> bool:
    """Whether the thread reports idle within `seconds` (a task's completion is counted by
    a callback that may run just after its result is handed over)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if background.idle():
            return True
        time.sleep(0.001)
    return False


def test_the_thread_is_busy_while_a_task_waits_or_runs_and_idle_after():
    assert wait_until_idle()
    release = threading.Event()
    running = background.submit(release.wait, 5.0)
    queued = background.submit(lambda: 42)
    assert not background.idle()
    release.set()
    assert running.result() is True and queued.result() == 42
    assert wait_until_idle()


def test_a_task_that_raises_still_counts_as_finished():
    failed = background.submit(lambda: 1 / 0)
    assert isinstance(failed.exception(), ZeroDivisionError)
    assert wait_until_idle()
