"""The sweep directory: its files, the fingerprint that makes it resumable, the log of
which run finished which task, and the results and manifest written at the end.

    OUT/sweep.yaml          the resolved sweep; its header records the sweep's fingerprint
    OUT/base_scenario.yaml  the resolved base scenario the points change
    OUT/points.csv          the design: one row per point (model.sweeps.design.design_points)
    OUT/tasks/point000012_rep0003.parquet
                            one file per finished task, written atomically as it completes
    OUT/households/point000012_rep0003.parquet
                            with keep.household_panel: the task's household panel, written
                            before its task file (read all with pd.read_parquet(OUT/households))
    OUT/log.jsonl           one line per invocation and per finished task
    OUT/results.parquet     every task's rows, sorted by point_id, replicate, year
    OUT/manifest.json       written last: a directory without it is unfinished
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import pandas as pd
import yaml

from model.errors import UserError
from model.report.files import (
    MANIFEST_NAME,
    RECORDED_PACKAGES,
    atomic_write_bytes,
    atomic_write_text,
    clear_result,
    code_version,
    json_text,
    package_versions,
    parquet_bytes,
    sha256_of,
)
from model.sweeps.plan import Task, points_csv_text

if TYPE_CHECKING:  # pragma: no cover
    from model.sweeps.plan import SweepPlan

TASKS_DIR = "tasks"
PANELS_DIR = "households"  # keep.household_panel: one panel file per task
RESULTS_NAME = "results.parquet"
PROVINCE_NAME = "province.parquet"  # design method counties: the counties combined
POINTS_NAME = "points.csv"
SWEEP_NAME = "sweep.yaml"
BASE_SCENARIO_NAME = "base_scenario.yaml"
LOG_NAME = "log.jsonl"
SWEEP_FILE_NAMES = frozenset(
    {
        SWEEP_NAME,
        BASE_SCENARIO_NAME,
        POINTS_NAME,
        TASKS_DIR,
        PANELS_DIR,
        LOG_NAME,
        RESULTS_NAME,
        PROVINCE_NAME,
        MANIFEST_NAME,
        "sensitivity.csv",  # written by `run.py sensitivity`
        "plots",
    }
)
"""Names a sweep directory may hold; anything else means OUT is not a sweep directory."""
DERIVED_PREFIXES = ("discovery", "robustness")
"""What `run.py discover` and `run.py robustness` write into a sweep directory by default
(discovery_<indicator>/, robustness/): a sweep directory may hold those too."""

TASK_FILE_PATTERN = re.compile(r"point(\d+)_rep(\d+)\.parquet")
FINGERPRINT_PATTERN = re.compile(r"^# sweep fingerprint: ([0-9a-f]{64})$", re.MULTILINE)
SORT_COLUMNS = ["point_id", "replicate", "year"]

EXTRA_PACKAGES = ("numba", "dask", "distributed")
"""Recorded in the manifest besides model.report.files.RECORDED_PACKAGES."""


# --- the sweep directory ------------------------------------------------------------------


def task_path(out_dir: Path, task: Task) -> Path:
    """OUT/tasks/point<6 digits>_rep<4 digits>.parquet."""
    point_id, replicate = task
    return out_dir / TASKS_DIR / f"point{point_id:06d}_rep{replicate:04d}.parquet"


def panel_path(out_dir: Path, task: Task) -> Path:
    """OUT/households/point<6 digits>_rep<4 digits>.parquet (keep.household_panel)."""
    return out_dir / PANELS_DIR / task_path(out_dir, task).name


def finished_tasks(out_dir: Path) -> set[Task]:
    """Tasks whose file exists (files are written atomically: existing means complete)."""
    tasks_dir = out_dir / TASKS_DIR
    if not tasks_dir.is_dir():
        return set()
    found = (TASK_FILE_PATTERN.fullmatch(path.name) for path in tasks_dir.iterdir())
    return {(int(match[1]), int(match[2])) for match in found if match}


def recorded_fingerprint(out_dir: Path) -> str | None:
    """The fingerprint in OUT/sweep.yaml's header, None if there is none."""
    try:
        match = FINGERPRINT_PATTERN.search((out_dir / SWEEP_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    return match[1] if match else None


def check_sweep_directory(out_dir: Path, plan: SweepPlan, force: bool = False) -> str:
    """What OUT holds for this sweep: "new", "resume" or "complete"; reads, never writes,
    except that `force` clears a different sweep's files (then "new").

    Refuses (UserError) a file, a directory holding anything but a sweep, and a directory
    holding a different sweep unless `force`.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--out {out_dir}: exists and is not a directory; choose another path")
    if not out_dir.exists():
        return "new"
    entries = sorted(entry.name for entry in out_dir.iterdir() if not entry.name.startswith("."))
    if not entries:
        return "new"
    foreign = [
        name
        for name in entries
        if name not in SWEEP_FILE_NAMES and not name.startswith(DERIVED_PREFIXES)
    ]
    if foreign or SWEEP_NAME not in entries:
        shown = foreign or entries
        listed = ", ".join(shown[:5]) + (", ..." if len(shown) > 5 else "")
        raise UserError(
            f"--out {out_dir}: directory exists and is not a sweep directory (it holds "
            f"{listed}); choose a new or empty directory, or the directory of this sweep"
        )
    if recorded_fingerprint(out_dir) != plan.fingerprint and force:
        try:
            clear_result(out_dir, lambda entry: entry.name in SWEEP_FILE_NAMES)
        except OSError as exc:
            raise UserError(f"--out {out_dir}: cannot clear the other sweep: {exc}") from None
        return "new"
    if recorded_fingerprint(out_dir) != plan.fingerprint:
        raise UserError(
            f"--out {out_dir}: holds a different sweep (its {SWEEP_NAME} does not match "
            f"{plan.sweep_file}: seed, replicates, points or scenarios differ); choose another "
            "--out, or add --force to replace it completely"
        )
    complete = (
        (out_dir / MANIFEST_NAME).is_file()
        and (out_dir / RESULTS_NAME).is_file()
        and set(plan.tasks) <= finished_tasks(out_dir)
    )
    return "complete" if complete else "resume"


def sweep_yaml_text(plan: SweepPlan) -> str:
    """OUT/sweep.yaml: the resolved sweep, its base being OUT/base_scenario.yaml."""
    data = plan.spec.model_dump(mode="json", exclude_none=True)
    if "base" in data:
        data["base"] = BASE_SCENARIO_NAME
    header = (
        f"# Resolved sweep: {plan.sweep_file.resolve()}\n"
        f"# sweep fingerprint: {plan.fingerprint}\n"
        "# (hash of seed, replicates, points and every point's scenario; a re-run resumes\n"
        "# this directory only when its sweep has the same fingerprint)\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def prepare_sweep_directory(out_dir: Path, plan: SweepPlan) -> None:
    """Create OUT and OUT/tasks, mark OUT unfinished, write the sweep and its points."""
    try:
        (out_dir / TASKS_DIR).mkdir(parents=True, exist_ok=True)
        if plan.spec.keep.household_panel:
            (out_dir / PANELS_DIR).mkdir(exist_ok=True)
            for leftover in (out_dir / PANELS_DIR).glob(".*.tmp"):
                leftover.unlink()
        (out_dir / MANIFEST_NAME).unlink(missing_ok=True)  # unfinished until written again
        for leftover in (out_dir / TASKS_DIR).glob(".*.tmp"):  # a killed client's temp files
            leftover.unlink()
        base_header = f"# Resolved base scenario of {plan.sweep_file.resolve()}\n"
        atomic_write_text(out_dir / BASE_SCENARIO_NAME, base_header + plan.base.to_yaml())
        atomic_write_text(out_dir / SWEEP_NAME, sweep_yaml_text(plan))
        atomic_write_text(out_dir / POINTS_NAME, points_csv_text(plan.points))
    except OSError as exc:
        raise UserError(f"--out {out_dir}: cannot write the sweep directory: {exc}") from None


class SweepLog:
    """OUT/log.jsonl: one JSON line per invocation start, finished task and stop.

    Appended and flushed line by line; a line cut short by a crash is skipped when read.
    """

    def __init__(self, out_dir: Path):
        self.path = out_dir / LOG_NAME
        previous = [entry for entry in read_log(out_dir) if entry.get("event") == "start"]
        self.invocation = len(previous) + 1
        self.handle: TextIO = self.path.open("a", encoding="utf-8")

    def write(self, event: str, **fields: Any) -> None:
        entry = {"event": event, "invocation": self.invocation, **fields}
        self.handle.write(json.dumps(entry, sort_keys=True) + "\n")
        self.handle.flush()

    def close(self) -> None:
        self.handle.close()


def read_log(out_dir: Path) -> list[dict]:
    """The entries of OUT/log.jsonl (none if absent), skipping unreadable lines."""
    path = out_dir / LOG_NAME
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return entries


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def write_results(out_dir: Path, plan: SweepPlan) -> Path:
    """OUT/results.parquet: every task file, sorted by point_id, replicate, year."""
    missing = set(plan.tasks) - finished_tasks(out_dir)
    if missing:
        raise UserError(
            f"--out {out_dir}: {len(missing)} task files disappeared while the sweep ran "
            f"(e.g. {task_path(out_dir, min(missing)).name}); run the command again"
        )
    frames = [pd.read_parquet(task_path(out_dir, task)) for task in sorted(plan.tasks)]
    results = pd.concat(frames, ignore_index=True).sort_values(
        SORT_COLUMNS, kind="stable", ignore_index=True
    )
    if plan.spec.design.method == "counties":  # a province: also the counties combined
        from model.analysis.province import combine_counties

        county_columns = ["point_id", *plan.factor_columns]
        province = combine_counties([results.drop(columns=county_columns)])
        atomic_write_bytes(out_dir / PROVINCE_NAME, parquet_bytes(province))
    return atomic_write_bytes(out_dir / RESULTS_NAME, parquet_bytes(results))


def recorded_versions() -> dict[str, str | None]:
    """package_versions() plus numba and Dask (a sweep's executor and kernels)."""
    return package_versions((*RECORDED_PACKAGES, *EXTRA_PACKAGES))


def write_manifest(
    out_dir: Path,
    plan: SweepPlan,
    executor: dict[str, Any],
    started_at: datetime,
    wall_clock_seconds: float,
    command_line: str | None,
) -> Path:
    """OUT/manifest.json, written last: how to reproduce the sweep and what it produced."""
    import platform

    log = read_log(out_dir)
    invocations = [
        {
            key: entry.get(key)
            for key in ("invocation", "started_at", "code_version", "executor", "tasks_to_run")
        }
        for entry in log
        if entry.get("event") == "start"
    ]
    for record in invocations:
        record["tasks_run"] = sum(
            1
            for entry in log
            if entry.get("event") == "task" and entry.get("invocation") == record["invocation"]
        )
    first_scenario = plan.point_scenario(0)
    files = [SWEEP_NAME, BASE_SCENARIO_NAME, POINTS_NAME, RESULTS_NAME]
    if (out_dir / PROVINCE_NAME).is_file():
        files.append(PROVINCE_NAME)
    contents = {
        "sweep_name": plan.spec.name,
        "sweep_file": str(plan.sweep_file.resolve()),
        "sweep_fingerprint": plan.fingerprint,
        "seed": plan.spec.seed,
        "replicates": plan.spec.replicates,
        "design": plan.spec.design.method,
        "factors": plan.factor_columns,
        "points": len(plan.points),
        "tasks": len(plan.tasks),
        "households": first_scenario.population.n_households,
        "years": first_scenario.years,
        "executor": executor,
        "invocations": invocations,
        "code_version": code_version(),
        "code_versions": sorted({str(record["code_version"]) for record in invocations}),
        "command_line": command_line,
        "python_version": platform.python_version(),
        "packages": recorded_versions(),
        "started_at": started_at.isoformat(timespec="seconds"),
        "wall_clock_seconds": round(wall_clock_seconds, 3),
        "files": {name: sha256_of(out_dir / name) for name in files},
    }
    return atomic_write_text(out_dir / MANIFEST_NAME, json_text(contents))


def add_files_to_manifest(out_dir: Path, names: list[str]) -> Path:
    """Record files derived from a finished sweep (e.g. sensitivity.csv) in its manifest:
    their hashes join "files" and the manifest is rewritten atomically."""
    path = out_dir / MANIFEST_NAME
    contents = json.loads(path.read_text(encoding="utf-8"))
    contents["files"].update({name: sha256_of(out_dir / name) for name in names})
    return atomic_write_text(path, json_text(contents))


