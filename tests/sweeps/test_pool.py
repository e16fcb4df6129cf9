"""The local worker pool whose results travel through files (model/sweeps/pool.py): results
and exceptions arrive as from a ProcessPoolExecutor, and a worker that dies while handing
over a large result breaks the pool instead of hanging it."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import CancelledError, wait
from concurrent.futures.process import BrokenProcessPool

import pytest

from model.errors import UserError
from model.sweeps.pool import (
    SPOOL_PREFIX,
    RemoteTraceback,
    SpooledProcessPool,
    remove_orphaned_spools,
)

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="forks its workers"
)


def pool(workers: int = 2) -> SpooledProcessPool:
    return SpooledProcessPool(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


def fails() -> None:
    raise ValueError("a task that fails")


def sleeps(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def dies_while_returning(megabytes: int, delay_seconds: float) -> bytes:
    """Return `megabytes` of result and SIGKILL this worker `delay_seconds` later, while the
    result is being handed over (64 MB take longer than that to pickle and send)."""

    def kill() -> None:
        time.sleep(delay_seconds)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=kill, daemon=True).start()
    return b"x" * (megabytes << 20)


def test_results_and_exceptions_arrive_as_from_a_process_pool_and_no_file_is_left():
    workers = pool()
    try:
        assert [f.result() for f in [workers.submit(pow, 2, k) for k in range(5)]] == [
            1, 2, 4, 8, 16,
        ]  # fmt: skip
        with pytest.raises(ValueError, match="a task that fails") as raised:
            workers.submit(fails).result()
        assert isinstance(raised.value.__cause__, RemoteTraceback)
        assert "in fails" in str(raised.value.__cause__)  # where the worker raised it
        assert os.listdir(workers.spool_dir) == []  # every result file read and deleted
    finally:
        workers.shutdown(wait=True)
    assert not os.path.exists(workers.spool_dir)


def test_a_cancelled_future_is_cancelled_and_the_others_still_arrive():
    workers = pool(workers=1)
    try:
        running = workers.submit(sleeps, 0.3)
        queued = [workers.submit(sleeps, 0.0) for _ in range(3)]
        assert queued[-1].cancel()
        with pytest.raises(CancelledError):
            queued[-1].result()
        assert running.result() == 0.3 and [f.result() for f in queued[:-1]] == [0.0, 0.0]
    finally:
        workers.shutdown(wait=True)


@pytest.mark.parametrize("delay_seconds", [0.05, 0.1])
def test_a_worker_killed_while_handing_over_its_result_never_hangs_the_pool(delay_seconds):
    """The worker dies while it hands its result over, or just after: the future ends, with
    the whole result or a broken pool, never half of one. With ProcessPoolExecutor itself it
    waits for ever (the pool reads half a message and waits for the rest): every time at
    both delays on the project's machines, where sending 64 MB down the pipe takes longer."""
    workers = pool()
    try:
        future = workers.submit(dies_while_returning, 64, delay_seconds)
        done, _ = wait([future], timeout=30)
        assert done, "the pool hung after its worker died"
        error = future.exception()
        assert error is None or isinstance(error, BrokenProcessPool), error
        assert error is not None or len(future.result()) == 64 << 20
    finally:
        workers.shutdown(wait=True)


def test_the_spool_of_a_client_that_was_killed_is_removed_by_the_next(tmp_path):
    """A client killed with SIGKILL cannot remove its spool directory; a later pool removes
    the directories whose process is gone, and no other."""
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    orphaned = tmp_path / f"{SPOOL_PREFIX}{int(ended.stdout)}-abc"
    living = tmp_path / f"{SPOOL_PREFIX}{os.getpid()}-def"
    other = tmp_path / "poverty-sim-other-1"
    for directory in (orphaned, living, other):
        directory.mkdir()
        (directory / "result.pickle").write_bytes(b"...")
    remove_orphaned_spools(str(tmp_path))
    assert not orphaned.exists() and living.exists() and other.exists()


def test_a_temporary_directory_that_cannot_be_used_is_a_message(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))  # as TMPDIR would set it
    with pytest.raises(UserError, match="set TMPDIR to a writable directory"):
        pool()
