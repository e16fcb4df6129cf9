"""One comparison started from the Compare page: the edited scenarios written as files, then
model.workflows.compare.run_comparison (the code `run.py compare` runs), with progress and
cancellation for the page.

    outputs/app/compare-<time>-<random>/scenarios/<name>.yaml   each edited scenario, resolved
    outputs/app/compare-<time>-<random>/comparison/             the comparison directory

Each scenario file carries the run's households, years and seed, so
`python run.py compare <those files> --replicates R --out DIR` reproduces the page's numbers;
the manifest records that command.
"""

from __future__ import annotations

import shlex
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from model.app.paths import new_run_directory
from model.config.scenario import Scenario, with_overrides
from model.errors import UserError
from model.workflows.compare import (
    ComparisonOutcome,
    ComparisonRequest,
    comparison_years,
    run_comparison,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

MAX_SCENARIOS = 5
"""Most scenarios the page compares at once."""


class ComparisonCancelledError(Exception):
    """The planner pressed Cancel; the run stops at its next simulated year."""


@dataclass(frozen=True)
class RunSize:
    """How large a comparison is: households, years, replicates and the seed."""

    households: int
    years: int
    replicates: int
    seed: int


def sized(scenario: Scenario, size: RunSize) -> Scenario:
    """`scenario` at the page's size and seed (a household table keeps its own size)."""
    overrides: dict[str, object] = {"years": size.years, "seed": size.seed}
    if scenario.population.source != "csv":
        overrides["population.n_households"] = size.households
    return with_overrides(scenario, overrides)


def write_scenario_files(folder: Path, scenarios: list[Scenario]) -> list[Path]:
    """Each scenario, fully resolved, as folder/<name>.yaml (names made unique)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths, used = [], set()
    for scenario in scenarios:
        stem = scenario.name if scenario.name not in used else f"{scenario.name}_{len(used)}"
        used.add(stem)
        header = (
            f"# {scenario.name}, as edited on the web app's Compare page: every key resolved.\n"
            "# `python run.py validate` checks it; `python run.py compare` reruns it.\n"
        )
        path = folder / f"{stem}.yaml"
        path.write_text(header + scenario.to_yaml(), encoding="utf-8")
        paths.append(path)
    return paths


class Progress:
    """Counts simulated years for the page and stops the run once cancel is set."""

    def __init__(self, total: int, cancel: threading.Event, on_change: Callable[[int], None]):
        self.total, self.done, self.cancel, self.on_change = total, 0, cancel, on_change

    def __call__(self, years: int) -> None:
        if self.cancel.is_set():
            raise ComparisonCancelledError
        self.done += years
        self.on_change(self.done)


def prepare_comparison(scenarios: list[Scenario], size: RunSize) -> ComparisonRequest:
    """Write the sized scenarios to a new run directory and say how to compare them."""
    if not 2 <= len(scenarios) <= MAX_SCENARIOS:
        raise UserError(f"compare: pick from 2 to {MAX_SCENARIOS} scenarios")
    ready = [sized(scenario, size) for scenario in scenarios]
    run_dir = new_run_directory("compare")
    files = write_scenario_files(run_dir / "scenarios", ready)
    out_dir = run_dir / "comparison"
    command = shlex.join(
        ["python", "run.py", "compare", *map(str, files), "--replicates", str(size.replicates),
         "--out", str(out_dir)]
    )  # fmt: skip
    return ComparisonRequest(
        scenarios=ready, files=files, replicates=size.replicates, out_dir=out_dir,
        command_line=command, seed=size.seed,
    )  # fmt: skip


def total_years(request: ComparisonRequest) -> int:
    """Simulated years the progress bar counts to."""
    return comparison_years(request)


def compare(
    request: ComparisonRequest,
    cancel: threading.Event,
    on_progress: Callable[[int], None],
    on_comparison: Callable[[pd.DataFrame], None] | None = None,
) -> ComparisonOutcome:
    """Run the comparison (the command line's code path), reporting simulated years, and
    the comparison table as soon as the simulations are done (before the figures)."""
    return run_comparison(
        request, Progress(total_years(request), cancel, on_progress), on_comparison
    )
