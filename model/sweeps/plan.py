"""A sweep's plan: the sweep file loaded, its points drawn and every point's scenario
validated and fingerprinted, before anything is written (model.sweeps.runner runs it)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from model.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from model.config.scenario import Scenario
    from model.sweeps.spec import SweepSpec

Task = tuple[int, int]
"""(point_id, replicate)."""


def points_csv_text(points: pd.DataFrame) -> str:
    """points.csv: every value written so that reading it back gives the same float."""
    return points.to_csv(index=False, lineterminator="\n")


@dataclass(frozen=True)
class SweepPlan:
    """A loaded and validated sweep: its points, its tasks and its fingerprint."""

    sweep_file: Path
    spec: SweepSpec
    base: Scenario
    points: pd.DataFrame
    factor_columns: list[str]
    fingerprint: str
    point_scenarios_json: tuple[str, ...] = ()  # each point's validated scenario, as JSON

    @cached_property
    def tasks(self) -> list[Task]:
        """Every (point_id, replicate), point by point."""
        return [
            (int(point_id), replicate)
            for point_id in self.points["point_id"]
            for replicate in range(self.spec.replicates)
        ]

    def point_row(self, point_id: int) -> pd.Series:
        """The points-table row of `point_id` (row i holds point i)."""
        return self.points.iloc[point_id]

    def point_scenario(self, point_id: int) -> Scenario:
        """The base scenario as point `point_id` changes it (validated)."""
        from model.sweeps.design import scenario_for_point

        return scenario_for_point(self.base, self.spec, self.point_row(point_id))

    def point_scenario_data(self, point_id: int) -> dict[str, Any]:
        """Point `point_id`'s scenario as plain data for a task, from the validation the plan
        already made (validating once per point matters: a Saltelli sweep has thousands)."""
        return json.loads(self.point_scenarios_json[point_id])

    def point_seed(self, point_id: int) -> int:
        """The seed of the point's replicates (model.sweeps.design.point_seed)."""
        from model.sweeps.design import point_seed

        return point_seed(self.spec, point_id)

    def point_values(self, point_id: int) -> dict[str, Any]:
        """`point_id` and the point's factor values, as numpy scalars of their column dtype."""
        return {
            column: self.points[column].to_numpy()[point_id]
            for column in ["point_id", *self.factor_columns]
        }


def plan_sweep(sweep_file: Path, households: int | None = None) -> SweepPlan:
    """Load the sweep file, draw its points, validate every point's scenario, fingerprint it.

    Every problem of the input surfaces here, before the output directory is touched.
    """
    from model.sweeps.design import design_points, point_columns
    from model.sweeps.load import load_sweep

    sweep_file = Path(sweep_file)
    if not sweep_file.is_file():
        raise UserError(f"sweep file not found: {sweep_file}")
    spec, base = load_sweep(sweep_file, households)
    points = design_points(spec).reset_index(drop=True)
    if len(points) == 0:
        raise UserError(f"{sweep_file}: design: the design has no points; nothing to run")
    if not np.array_equal(points["point_id"].to_numpy(), np.arange(len(points))):
        raise AssertionError("design_points must number its rows 0..P-1 in order")
    factor_columns = point_columns(spec)  # factors, or a province's county columns
    plan = SweepPlan(sweep_file, spec, base, points, factor_columns, fingerprint="")
    digest = hashlib.sha256()
    digest.update(f"seed {spec.seed} replicates {spec.replicates}\n".encode())
    # what each task writes besides its yearly rows: a resumed sweep must not mix tasks
    digest.update(f"keep {spec.keep.model_dump_json()} efficiency {spec.efficiency}\n".encode())
    digest.update(points_csv_text(points).encode())
    scenarios_json = []
    for point_id in range(len(points)):  # one pass over points (not households): validation
        scenario_json = json.dumps(plan.point_scenario(point_id).model_dump(mode="json"))
        scenarios_json.append(scenario_json)
        digest.update(json.dumps(json.loads(scenario_json), sort_keys=True).encode())
    return SweepPlan(
        sweep_file, spec, base, points, factor_columns, digest.hexdigest(), tuple(scenarios_json)
    )
