"""Fixtures shared across the test folders (helpers that are plain functions live in
tests/support/)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from model.config.scenario import Scenario, load_scenario, with_overrides
from tests.support.paths import SCENARIOS


@pytest.fixture(scope="session")
def library_scenario() -> Callable[..., Scenario]:
    """`library_scenario(name, households, years=None, **keys)`: a scenario of the library
    (scenarios/NAME.yaml) at a test's size, with any further keys overridden by path."""

    def load(name: str, households: int, years: int | None = None, **keys) -> Scenario:
        overrides = {"population.n_households": households, **keys}
        if years is not None:
            overrides["years"] = years
        return with_overrides(load_scenario(SCENARIOS / f"{name}.yaml"), overrides)

    return load
