"""A finished sweep directory, read back for analyses that come after the sweep (`discover`,
`robustness`): its sweep, points and results, each point's indicators, and its mixes and
futures.

Reads only the directory (sweep.yaml, points.csv, results.parquet, manifest.json), so it
works the same whoever ran the tasks (local processes or a Dask cluster) and on another
machine than the one that ran them. A directory without manifest.json is unfinished and is
refused: its results would be partial or missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
import yaml
from pydantic import ValidationError

from model.errors import UserError
from model.report.files import MANIFEST_NAME
from model.sweeps.design import point_columns
from model.sweeps.directory import POINTS_NAME, RESULTS_NAME, SWEEP_NAME
from model.sweeps.spec import BASE_FACTOR, SweepSpec

FINISH_HINT = "run the `run.py sweep` command that made it again: it resumes and finishes it"


@dataclass
class FinishedSweep:
    """A sweep directory whose manifest.json says every task finished."""

    directory: Path
    spec: SweepSpec
    points: pd.DataFrame
    results: pd.DataFrame
    manifest: dict = field(repr=False)

    @property
    def factor_columns(self) -> list[str]:
        return point_columns(self.spec)

    @property
    def lever_columns(self) -> list[str]:
        return [f.key for f in self.spec.factors if f.kind == "lever"]

    @property
    def uncertainty_columns(self) -> list[str]:
        return [f.key for f in self.spec.factors if f.kind == "uncertainty"]

    @cached_property
    def indicator_names(self) -> list[str]:
        """Every headline figure of a replicate of this sweep (what --indicator may name)."""
        from model.analysis.replicates import headline

        first = self.results[
            (self.results["point_id"] == self.results["point_id"].iloc[0])
            & (self.results["replicate"] == self.results["replicate"].iloc[0])
        ]
        return list(headline(first))

    def check_indicator(self, name: str, option: str = "--indicator") -> None:
        """A UserError naming the directory and the allowed names for an unknown indicator."""
        if name not in self.indicator_names:
            hint = (
                "" if self.spec.efficiency or "per_million" not in name
                else " (efficiency figures need `efficiency: true` in the sweep file)"
            )
            raise UserError(
                f"{option} {name}: not an indicator of the sweep in {self.directory}{hint}; "
                f"allowed (model.analysis.replicates.headline): {', '.join(self.indicator_names)}"
            )

    def point_indicators(self, names: list[str]) -> pd.DataFrame:
        """Each point's indicators, the mean over its replicates; one row per point_id (the
        points table's order), one column per name."""
        from model.sweeps.sensitivity import indicator_means

        return indicator_means(self.results, names).reindex(self.points["point_id"])

    def mix_labels(self) -> pd.Series:
        """Each point's mix, as text: the lever values joined ("health_first" for a `base`
        file, key=value otherwise), by point_id."""
        labels = []
        for _, row in self.points.iterrows():
            parts = [
                Path(str(row[key])).stem if key == BASE_FACTOR else f"{key}={row[key]}"
                for key in self.lever_columns
            ]
            labels.append(", ".join(parts))
        return pd.Series(labels, index=self.points["point_id"].to_numpy(), name="mix")

    def future_numbers(self) -> pd.Series:
        """Each point's future: `future_id` of a levers_x_futures design, else the number of
        its combination of uncertainty values (a grid), by point_id."""
        if "future_id" in self.points:
            numbers = self.points["future_id"].to_numpy()
        else:
            keys = self.points[self.uncertainty_columns].astype(str)
            numbers = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy()
        return pd.Series(numbers, index=self.points["point_id"].to_numpy(), name="future")


def read_finished_sweep(directory: Path) -> FinishedSweep:
    """The sweep in `directory`; a UserError saying what is wrong when it is not a finished
    sweep directory (missing, unfinished, or holding something else)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise UserError(
            f"SWEEP_DIR {directory}: not a directory; give the --out directory of `run.py sweep`"
        )
    if not (directory / SWEEP_NAME).is_file():
        raise UserError(
            f"SWEEP_DIR {directory}: not a sweep directory (it has no {SWEEP_NAME}); give the "
            "--out directory of `run.py sweep`"
        )
    if not (directory / MANIFEST_NAME).is_file():
        raise UserError(
            f"SWEEP_DIR {directory}: unfinished sweep ({MANIFEST_NAME}, written when the last "
            f"task is done, is missing); {FINISH_HINT}"
        )
    missing = [name for name in (POINTS_NAME, RESULTS_NAME) if not (directory / name).is_file()]
    if missing:
        raise UserError(f"SWEEP_DIR {directory}: {', '.join(missing)} missing; {FINISH_HINT}")
    try:
        data = yaml.safe_load((directory / SWEEP_NAME).read_text(encoding="utf-8"))
        spec = SweepSpec.model_validate(data)
        manifest = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (yaml.YAMLError, ValidationError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(
            f"SWEEP_DIR {directory}: its {SWEEP_NAME} or {MANIFEST_NAME} cannot be read "
            f"({type(exc).__name__}); run the sweep again into a new directory"
        ) from None
    spec._file = str(directory / SWEEP_NAME)
    points = pd.read_csv(directory / POINTS_NAME)
    results = pd.read_parquet(directory / RESULTS_NAME)
    return FinishedSweep(directory, spec, points, results, manifest)
