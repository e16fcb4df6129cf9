"""Household tables for tests: the small table, the example scenario, and a table written
and loaded as a run loads it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.config.scenario import Scenario, with_overrides
from model.engine.population_table import load_household_table
from tests.support.paths import SCENARIOS, TEST_DATA

SMALL = TEST_DATA / "households_small.csv"
EXAMPLE_SCENARIO = SCENARIOS / "from_household_table.yaml"
REQUIRED_ONLY = "household_id,village_id,age,sex\n"


def csv_scenario(path: Path, **overrides) -> Scenario:
    """The default scenario on the household table at `path`."""
    return with_overrides(
        Scenario(),
        {"population.source": "csv", "population.households_csv": str(path), **overrides},
    )


def load(path: Path, seed: int = 1, **overrides):
    scenario = csv_scenario(path, **overrides)
    rng = np.random.default_rng(seed)
    return load_household_table(scenario.population, scenario.dynamics, rng)


def write(tmp_path: Path, text: str, name: str = "households.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
