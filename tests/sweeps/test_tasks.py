"""Worker pools: whether their simulations keep a drawing thread depends on spare cores."""

from __future__ import annotations

import pytest

from model.engine import background
from model.sweeps.tasks import local_executor


def background_enabled() -> bool:
    """Run in a worker: does its simulations' background thread stay on?"""
    return background.ENABLED_BY_DEFAULT


@pytest.mark.parametrize("spare_core", [True, False])
def test_a_pool_filling_every_core_turns_the_drawing_thread_off(monkeypatch, spare_core):
    cpus, before = 2, background.ENABLED_BY_DEFAULT
    monkeypatch.setattr(background, "available_cpus", lambda: cpus)
    executor = local_executor(1 if spare_core else cpus)
    try:
        assert executor.pool.submit(background_enabled).result(timeout=60) is spare_core
    finally:
        executor.close()
    assert background.ENABLED_BY_DEFAULT is before  # the parent keeps its own
