"""Local worker processes whose results come back through files, so a worker that dies
while it hands its result over breaks the pool instead of hanging it.

Python 3.11's ProcessPoolExecutor sends each result down a pipe shared by the workers. A
result larger than the pipe's buffer goes in several writes; a worker killed in between
(the out-of-memory killer, or a user) leaves half a message in the pipe. The pool's reader
then waits for the rest, which never comes, and so never notices the worker died: every
future stays pending and the sweep, comparison or calibration waits for ever (a worker
killed 50 ms into returning 64 MB did it every time).

Here a worker writes its result, or its exception, to a file of a spool directory and sends
only the file's name. That message is a few hundred bytes: it goes down the pipe in one
write (at most PIPE_BUF, 4096 bytes on Linux, is written whole), so it arrives whole or not
at all, and a dead worker breaks the pool (BrokenProcessPool) as the callers expect. The
client reads the file, deletes it, and settles the future it handed out. Files of workers
that died are removed with the spool directory when the pool shuts down; the directory of
a client that was itself killed (SIGKILL leaves it no chance) is removed by the next pool,
which finds its process gone.
"""

from __future__ import annotations

import functools
import os
import pickle
import shutil
import tempfile
import traceback
import weakref
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError, ProcessPoolExecutor
from typing import Any

from model.errors import UserError

SPOOL_PREFIX = "poverty-sim-results-"
"""Spool directories are named SPOOL_PREFIX + the client's process id + a random part."""


def process_alive(pid: int) -> bool:
    """Whether a process `pid` exists (perhaps another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_orphaned_spools(directory: str | None = None) -> None:
    """Remove the spool directories (in `directory`, by default the temporary directory)
    whose client process is gone."""
    root = directory or tempfile.gettempdir()
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for entry in entries:
        pid = entry.name.removeprefix(SPOOL_PREFIX).split("-")[0]
        if entry.name.startswith(SPOOL_PREFIX) and pid.isdigit() and entry.is_dir():
            if not process_alive(int(pid)):
                shutil.rmtree(entry.path, ignore_errors=True)


class RemoteTraceback(Exception):  # noqa: N818 - named as concurrent.futures names it
    """Where a worker's exception was raised, as the worker formatted it (the `__cause__`
    of the exception the client re-raises, as ProcessPoolExecutor gives it)."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text


def spooled_call(spool_dir: str, function: Callable, args: tuple, kwargs: dict) -> str:
    """In the worker: `function(*args, **kwargs)`, its result or exception pickled to a new
    file of `spool_dir`; the file's path."""
    try:
        outcome: tuple[bool, Any, str | None] = (True, function(*args, **kwargs), None)
    except BaseException as exc:  # it travels to the client as a result would
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        outcome = (False, exc, text)
    descriptor, path = tempfile.mkstemp(dir=spool_dir, suffix=".pickle")
    try:
        with os.fdopen(descriptor, "wb") as file:
            pickle.dump(outcome, file, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        os.unlink(path)  # e.g. an exception that cannot be pickled: the pool sends this one
        raise
    return path


def read_spooled(path: str) -> tuple[bool, Any, str | None]:
    """The outcome a worker wrote to `path` (spooled_call), the file deleted."""
    try:
        with open(path, "rb") as file:
            return pickle.load(file)
    finally:
        os.unlink(path)


def settle(outer: Future, inner: Future) -> None:
    """Give `outer`, the future the caller holds, the outcome of `inner`, the pool's: the
    spooled result or exception, or the pool's own exception (a broken pool). Nothing if
    the caller cancelled `outer` meanwhile (its file is still read and deleted)."""
    if inner.cancelled():
        outer.cancel()
        return
    error, value = inner.exception(), None
    if error is None:
        try:
            ok, value, text = read_spooled(inner.result())
        except BaseException as exc:  # a file that cannot be read: the task failed
            ok, value, text = False, exc, None
        if not ok:
            error, value = value, None
            if text is not None:
                error.__cause__ = RemoteTraceback(text)
    try:
        if error is None:
            outer.set_result(value)
        else:
            outer.set_exception(error)
    except InvalidStateError:  # cancelled by the caller while the worker ran
        pass


class SpooledProcessPool(ProcessPoolExecutor):
    """A ProcessPoolExecutor whose results travel through files (see the module's
    docstring); `submit` returns a future the caller may wait on, cancel and read as
    usual."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        remove_orphaned_spools()
        try:
            self.spool_dir = tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-")
        except OSError as exc:
            raise UserError(
                f"worker processes hand their results over in {tempfile.gettempdir()}, where "
                f"no directory can be made ({exc.strerror}): set TMPDIR to a writable "
                "directory, or run with one worker"
            ) from None
        # also removed if the pool is dropped without a shutdown that waits
        self._remove_spool = weakref.finalize(self, shutil.rmtree, self.spool_dir, True)

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        inner = super().submit(spooled_call, self.spool_dir, fn, args, kwargs)
        outer: Future = Future()
        outer.add_done_callback(lambda done: inner.cancel() if done.cancelled() else None)
        inner.add_done_callback(functools.partial(settle, outer))
        return outer

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        if wait:  # no worker can write any more
            self._remove_spool()
