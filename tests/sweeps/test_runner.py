"""Sweeps as a user runs them: the same bytes whoever runs the tasks, resumable after Ctrl-C
or a killed worker (no task run twice, none lost), and every mistake a message, exit code 2.

Sweeps here are tiny (250-300 households, 2-3 years) so the file stays well under a minute
on two cores; the tests that need a real process (Ctrl-C, a killed worker) run `run.py` as
a user does, the others call the command line in process.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from model.analysis.efficiency import without_interventions
from model.analysis.replicates import COUNTERFACTUAL_COLUMNS, headline, run_replicate
from model.simulation import Simulation
from model.sweeps import tasks as sweep_tasks
from model.sweeps.design import scenario_for_point
from model.sweeps.directory import task_path
from model.sweeps.runner import plan_sweep, run_sweep
from tests.support.cli import assert_user_error_exit as assert_user_error
from tests.support.cli import run_cli_in_process as run_cli
from tests.support.paths import REPO_ROOT

BASE_SCENARIO = REPO_ROOT / "scenarios" / "five_batches.yaml"

TINY_SWEEP = {
    "name": "tiny",
    "base": str(BASE_SCENARIO),
    "seed": 11,
    "replicates": 2,
    "households": 250,
    "years": 2,
    "design": {"method": "grid"},
    "factors": [
        {"key": "funds.civil_affairs.yearly_per_household", "kind": "lever", "values": [200, 500]},
        {"key": "dynamics.health.episode_base", "values": [0.03, 0.06]},
    ],
}
"""2 x 2 points x 2 replicates = 8 tasks of 250 households and 2 years."""

LONG_SWEEP = {
    **TINY_SWEEP,
    "name": "long",
    "households": 300,
    "years": 3,
    "design": {"method": "lhs", "points": 20},
    "factors": [{"key": "dynamics.health.episode_base", "range": [0.03, 0.08]}],
}
"""40 tasks: about 2 s on one worker, long enough to stop it after the first few."""
LONG_TASKS = 20 * 2

INTERRUPT_AFTER_TASKS = 3


def write_sweep(path: Path, sweep: dict, **changes) -> Path:
    """A sweep file holding `sweep` with `changes` to its top-level keys."""
    path.write_text(yaml.safe_dump({**sweep, **changes}, sort_keys=False), encoding="utf-8")
    return path


def file_states(directory: Path) -> dict[str, tuple[str, int, int]]:
    """Every file under `directory`: (content hash, inode, mtime in ns) by relative path; equal
    states mean nothing was rewritten (an atomic rewrite changes the inode)."""
    return {
        path.relative_to(directory).as_posix(): (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            path.stat().st_ino,
            path.stat().st_mtime_ns,
        )
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def finished_task_states(out_dir: Path) -> dict[str, tuple[str, int, int]]:
    """`file_states` of OUT/tasks' finished task files: a worker killed while writing one
    leaves its temp file (`.<name>.<random>.tmp`) behind, which the next run removes."""
    states = file_states(out_dir / "tasks")
    return {name: state for name, state in states.items() if name.endswith(".parquet")}


def task_files(out_dir: Path) -> set[str]:
    return {path.name for path in (out_dir / "tasks").glob("*.parquet")}


def logged_tasks(out_dir: Path, invocation: int) -> set[str]:
    """Task files the runner's log says invocation `invocation` wrote."""
    entries = [json.loads(line) for line in (out_dir / "log.jsonl").read_text().splitlines()]
    return {
        task_path(out_dir, (entry["point_id"], entry["replicate"])).name
        for entry in entries
        if entry["event"] == "task" and entry["invocation"] == invocation
    }


def start_sweep(sweep: Path, out_dir: Path, *options: str) -> subprocess.Popen:
    """`python run.py sweep SWEEP --out OUT ...` as a user starts it."""
    return subprocess.Popen(
        [sys.executable, "run.py", "sweep", str(sweep), "--out", str(out_dir), *options],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_task_files(process: subprocess.Popen, out_dir: Path, count: int) -> None:
    """Poll OUT/tasks until `count` task files exist (fail if the run ends first)."""
    deadline = time.monotonic() + 60
    while not (out_dir / "tasks").is_dir() or len(task_files(out_dir)) < count:
        assert process.poll() is None, f"the sweep ended before {count} task files existed"
        assert time.monotonic() < deadline, "no task files after 60 s"
        time.sleep(0.005)


def command_lines(pids: list[int]) -> str:
    """Each process's command line (for a failing test's message: which child was which)."""
    lines = []
    for pid in pids:
        try:
            command = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            command = b"(gone)"
        lines.append(f"{pid}: {command.decode(errors='replace').strip()}")
    return "\n".join(lines)


def child_processes(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (Linux /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children




# --- one sweep, any number of workers ------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory) -> dict[str, Path]:
    """The tiny sweep run once on 1 and once on 2 local worker processes."""
    root = tmp_path_factory.mktemp("tiny")
    sweep = write_sweep(root / "tiny.yaml", TINY_SWEEP)
    runs = {"sweep": sweep}
    for workers in (1, 2):
        runs[f"workers{workers}"] = run_sweep(sweep, root / f"w{workers}", workers, quiet=True)
    return runs


def test_one_and_two_workers_write_identical_bytes(tiny_runs):
    one, two = tiny_runs["workers1"], tiny_runs["workers2"]
    assert (one / "results.parquet").read_bytes() == (two / "results.parquet").read_bytes()
    assert task_files(one) == task_files(two) and len(task_files(one)) == 8
    for name in task_files(one):
        assert (one / "tasks" / name).read_bytes() == (two / "tasks" / name).read_bytes()
    manifests = [json.loads((run / "manifest.json").read_text()) for run in (one, two)]
    assert [m["executor"]["workers"] for m in manifests] == [1, 2]


def test_results_are_each_task_as_run_replicate_with_its_point(tiny_runs):
    """Each (point, replicate) of results.parquet is run_replicate of the point's scenario,
    with point_id and the factor values first; rows sorted by point, replicate, year."""
    out_dir = tiny_runs["workers2"]
    results = pd.read_parquet(out_dir / "results.parquet")
    plan = plan_sweep(tiny_runs["sweep"])
    factors = [factor["key"] for factor in TINY_SWEEP["factors"]]
    assert list(results.columns[:3]) == ["point_id", *factors]
    assert len(results) == 4 * 2 * 2  # points x replicates x years
    order = results[["point_id", "replicate", "year"]]
    assert order.equals(order.sort_values(list(order.columns), ignore_index=True))
    points = pd.read_csv(out_dir / "points.csv")
    pd.testing.assert_frame_equal(points, plan.points)
    for point_id, replicate in [(0, 0), (3, 1)]:
        scenario = scenario_for_point(plan.base, plan.spec, plan.points.iloc[point_id])
        expected = run_replicate(scenario, TINY_SWEEP["seed"], replicate)
        rows = results[(results["point_id"] == point_id) & (results["replicate"] == replicate)]
        pd.testing.assert_frame_equal(
            rows.drop(columns=["point_id", *factors]).reset_index(drop=True), expected
        )
        for factor in factors:
            assert (rows[factor] == points.loc[point_id, factor]).all()
    assert scenario.population.n_households == 250 and scenario.years == 2


def test_the_household_panel_is_kept_per_task_and_matches_the_engine(tmp_path):
    """keep.household_panel: one panel file per task in OUT/households/, each the task's
    Simulation panel with the point's id and factor values first."""
    sweep = write_sweep(tmp_path / "s.yaml", TINY_SWEEP, keep={"household_panel": True})
    out_dir = run_sweep(sweep, tmp_path / "out", 1, quiet=True)
    panels = sorted((out_dir / "households").glob("*.parquet"))
    assert [p.name for p in panels] == sorted(task_files(out_dir))
    everything = pd.read_parquet(out_dir / "households")
    plan = plan_sweep(sweep)
    scenario = scenario_for_point(plan.base, plan.spec, plan.points.iloc[3])
    simulation = Simulation(scenario, seed=TINY_SWEEP["seed"], replicate=1)
    simulation.run()
    expected = simulation.panel.to_frame(1)
    rows = everything[(everything["point_id"] == 3) & (everything["replicate"] == 1)]
    factors = [factor["key"] for factor in TINY_SWEEP["factors"]]
    pd.testing.assert_frame_equal(
        rows.drop(columns=["point_id", *factors]).reset_index(drop=True), expected,
        check_categorical=False,
    )  # fmt: skip


def test_efficiency_pairs_each_task_with_its_no_intervention_run(tmp_path, tiny_runs, capsys):
    """efficiency: true adds the paired no-intervention run's exits, lasting exits and
    poverty gap to each task's rows (the same as running it on its own), and the headline
    figures set the package against them. The flag is part of the fingerprint, so a
    directory of the same sweep without it is refused rather than mixed."""
    sweep = write_sweep(
        tmp_path / "s.yaml", TINY_SWEEP, efficiency=True, years=4,
        indicators=["additional_lasting_exits_per_million_yuan",
                    "poverty_gap_reduction_per_10k_yuan"],
    )  # fmt: skip
    out_dir = run_sweep(sweep, tmp_path / "out", 1, quiet=True)
    results = pd.read_parquet(out_dir / "results.parquet")
    plan = plan_sweep(sweep)
    factors = [factor["key"] for factor in TINY_SWEEP["factors"]]
    scenario = scenario_for_point(plan.base, plan.spec, plan.points.iloc[2])
    rows = results[(results["point_id"] == 2) & (results["replicate"] == 1)].drop(
        columns=["point_id", *factors]
    ).reset_index(drop=True)
    paired = run_replicate(without_interventions(scenario), TINY_SWEEP["seed"], 1)
    for column, source in COUNTERFACTUAL_COLUMNS.items():
        np.testing.assert_array_equal(rows[column].to_numpy(), paired[source].to_numpy())
    figures = headline(rows)
    additional = rows["lasting_exits_households"].sum() - paired["lasting_exits_households"].sum()
    assert figures["additional_lasting_exits_households_total"] == additional
    followed_spending = rows.loc[rows["year"] <= rows["year"].max() - 3, "spending_total"].sum()
    assert figures["additional_lasting_exits_per_million_yuan"] == pytest.approx(
        1e6 * additional / followed_spending
    )
    gap = paired["poverty_gap_yuan"].sum() - rows["poverty_gap_yuan"].sum()
    assert figures["poverty_gap_reduction_per_10k_yuan"] == pytest.approx(
        1e4 * gap / rows["spending_total"].sum()
    )
    without = write_sweep(tmp_path / "s.yaml", TINY_SWEEP, years=4)
    code, _, stderr = run_cli(capsys, "sweep", without, "--out", out_dir)
    assert_user_error(code, stderr, "different sweep")


def test_manifest_is_written_last_and_hashes_the_files(tiny_runs):
    out_dir = tiny_runs["workers1"]
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert (manifest["points"], manifest["tasks"], manifest["replicates"]) == (4, 8, 2)
    assert manifest["seed"] == 11 and manifest["sweep_name"] == "tiny"
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out_dir / name).read_bytes()).hexdigest() == digest
    manifest_time = (out_dir / "manifest.json").stat().st_mtime_ns
    assert all(
        path.stat().st_mtime_ns <= manifest_time for path in out_dir.rglob("*") if path.is_file()
    )
    assert manifest["invocations"][0]["tasks_run"] == 8


def test_resuming_a_complete_directory_runs_and_rewrites_nothing(tiny_runs, tmp_path, capsys):
    out_dir = tmp_path / "out"
    shutil.copytree(tiny_runs["workers2"], out_dir)
    before = file_states(out_dir)
    code, stdout, stderr = run_cli(capsys, "sweep", tiny_runs["sweep"], "--out", out_dir)
    assert code == 0, stderr
    assert "already complete; nothing to run" in stdout
    assert file_states(out_dir) == before


def test_resolved_sweep_in_the_directory_is_the_same_sweep(tiny_runs, tmp_path, capsys):
    """OUT/sweep.yaml (with OUT/base_scenario.yaml) loads again as the same sweep, so it
    reproduces the directory even if the original files change."""
    out_dir = tmp_path / "out"
    shutil.copytree(tiny_runs["workers2"], out_dir)
    assert (
        plan_sweep(out_dir / "sweep.yaml").fingerprint == plan_sweep(tiny_runs["sweep"]).fingerprint
    )
    code, stdout, stderr = run_cli(capsys, "sweep", out_dir / "sweep.yaml", "--out", out_dir)
    assert code == 0 and "already complete" in stdout, stderr


def test_a_directory_without_manifest_is_finished_not_trusted(tiny_runs, tmp_path, capsys):
    out_dir = tmp_path / "out"
    shutil.copytree(tiny_runs["workers2"], out_dir)
    (out_dir / "manifest.json").unlink()
    (out_dir / "results.parquet").write_bytes(b"half a file")
    code, stdout, stderr = run_cli(capsys, "sweep", tiny_runs["sweep"], "--out", out_dir)
    assert code == 0, stderr
    assert "every task was done before; results rebuilt" in stdout
    expected = (tiny_runs["workers2"] / "results.parquet").read_bytes()
    assert (out_dir / "results.parquet").read_bytes() == expected
    assert (out_dir / "manifest.json").is_file()


def test_a_killed_writes_temp_file_is_removed_and_its_task_run_again(tiny_runs, tmp_path, capsys):
    """A worker killed while writing a task file leaves `.<name>.<random>.tmp` and no task
    file: the next run removes the leftover, runs that task and writes the same bytes."""
    out_dir = tmp_path / "out"
    shutil.copytree(tiny_runs["workers2"], out_dir)
    (out_dir / "manifest.json").unlink()
    lost = sorted((out_dir / "tasks").glob("*.parquet"))[0]
    leftover = lost.with_name(f".{lost.name}.k1ll3d.tmp")
    lost.rename(leftover)
    code, stdout, stderr = run_cli(capsys, "sweep", tiny_runs["sweep"], "--out", out_dir)
    assert code == 0, stderr
    assert not leftover.exists() and lost.is_file()
    expected = (tiny_runs["workers2"] / "results.parquet").read_bytes()
    assert (out_dir / "results.parquet").read_bytes() == expected


def test_a_different_sweep_in_the_same_directory_is_refused(tiny_runs, tmp_path, capsys):
    out_dir = tmp_path / "out"
    shutil.copytree(tiny_runs["workers2"], out_dir)
    before = file_states(out_dir)
    other = write_sweep(tmp_path / "other.yaml", TINY_SWEEP, seed=12)
    code, _, stderr = run_cli(capsys, "sweep", other, "--out", out_dir)
    assert_user_error(code, stderr, str(out_dir), "different sweep", "other.yaml")
    assert file_states(out_dir) == before


def test_force_replaces_a_different_sweep_completely(tiny_runs, tmp_path, capsys):
    out_dir = tmp_path / "out"
    shutil.copytree(tiny_runs["workers2"], out_dir)
    other = write_sweep(tmp_path / "other.yaml", TINY_SWEEP, seed=12)
    code, _, stderr = run_cli(
        capsys, "sweep", other, "--out", out_dir, "--workers", "1", "--force", "--quiet"
    )
    assert code == 0, stderr
    assert len(task_files(out_dir)) == 8  # none of the other sweep's tasks was kept
    assert "seed: 12" in (out_dir / "sweep.yaml").read_text()
    assert (out_dir / "manifest.json").is_file()


def test_a_directory_holding_something_else_is_refused(tmp_path, tiny_runs, capsys):
    out_dir = tmp_path / "work"
    out_dir.mkdir()
    (out_dir / "notes.txt").write_text("mine")
    code, _, stderr = run_cli(capsys, "sweep", tiny_runs["sweep"], "--out", out_dir)
    assert_user_error(code, stderr, str(out_dir), "not a sweep directory", "notes.txt")
    assert sorted(path.name for path in out_dir.iterdir()) == ["notes.txt"]


# --- stopped runs: Ctrl-C and a killed worker ---------------------------------------------


@pytest.fixture(scope="module")
def long_sweep(tmp_path_factory) -> dict[str, Path]:
    """The 40-task sweep and its results run at once on one worker (the stopped runs use
    two, and must still give the same bytes)."""
    root = tmp_path_factory.mktemp("long")
    sweep = write_sweep(root / "long.yaml", LONG_SWEEP)
    return {"sweep": sweep, "reference": run_sweep(sweep, root / "ref", 1, quiet=True)}


def test_ctrl_c_keeps_finished_tasks_and_rerunning_finishes_the_rest(long_sweep, tmp_path):
    sweep, out_dir = long_sweep["sweep"], tmp_path / "out"
    process = start_sweep(sweep, out_dir, "--workers", "1")
    wait_for_task_files(process, out_dir, INTERRUPT_AFTER_TASKS)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "run the same command again" in stderr
    assert "Traceback" not in stderr
    kept = finished_task_states(out_dir)
    assert INTERRUPT_AFTER_TASKS <= len(kept) < LONG_TASKS
    assert f"{len(kept)} of {LONG_TASKS} tasks are done" in stderr
    assert not (out_dir / "results.parquet").exists() and not (out_dir / "manifest.json").exists()
    assert logged_tasks(out_dir, 1) <= set(kept)

    rerun = start_sweep(sweep, out_dir, "--workers", "2")
    stdout, stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, stderr
    assert f"ran {LONG_TASKS - len(kept)} tasks, {len(kept)} done before" in stdout
    after = finished_task_states(out_dir)
    assert {name: after[name] for name in kept} == kept  # none of them run or written again
    second = logged_tasks(out_dir, 2)
    assert second.isdisjoint(kept) and second | set(kept) == set(after) and len(after) == LONG_TASKS
    reference = long_sweep["reference"] / "results.parquet"
    assert (out_dir / "results.parquet").read_bytes() == reference.read_bytes()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds workers in /proc")
def test_a_killed_worker_keeps_finished_tasks_and_rerunning_finishes(long_sweep, tmp_path):
    sweep, out_dir = long_sweep["sweep"], tmp_path / "out"
    process = start_sweep(sweep, out_dir, "--workers", "2")
    wait_for_task_files(process, out_dir, INTERRUPT_AFTER_TASKS)
    workers = child_processes(process.pid)
    assert len(workers) == 2, command_lines(workers)
    os.kill(workers[0], signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 1, f"{command_lines(workers)}\n{stdout}\n{stderr}"
    assert "worker process died" in stderr and "run the same command again" in stderr, stderr
    kept = finished_task_states(out_dir)
    assert INTERRUPT_AFTER_TASKS <= len(kept) < LONG_TASKS, sorted(kept)
    assert not (out_dir / "manifest.json").exists()
    run_sweep(sweep, out_dir, 1, quiet=True)
    after = finished_task_states(out_dir)
    assert {name: after[name] for name in kept} == kept and len(after) == LONG_TASKS
    assert not list((out_dir / "tasks").glob(".*.tmp"))  # a killed write's leftover is gone
    reference = long_sweep["reference"] / "results.parquet"
    assert (out_dir / "results.parquet").read_bytes() == reference.read_bytes()


# --- bad input: a message naming the file and key, exit 2, no directory ---------------------

BAD_SWEEPS = {
    # case: (changes to the tiny sweep, fragments the message must name)
    "key path that does not exist": (
        {"factors": [{"key": "dynamics.health.no_such_rate", "values": [0.1, 0.2]}]},
        ["factors.0.key", "no_such_rate", "allowed keys there", "episode_base"],
    ),
    "instrument that does not exist": (
        {"factors": [{"key": "interventions.teleporter.subsidy_yuan", "values": [1, 2]}]},
        ["factors.0.key", "teleporter", "allowed: an index"],
    ),
    "range low above high": (
        {
            "design": {"method": "lhs", "points": 4},
            "factors": [{"key": "dynamics.health.episode_base", "range": [0.08, 0.03]}],
        },
        ["factors.0.range", "low > high"],
    ),
    "zero points": (
        {
            "design": {"method": "lhs", "points": 0},
            "factors": [{"key": "dynamics.health.episode_base", "range": [0.03, 0.08]}],
        },
        ["design.points", "zero points"],
    ),
    "efficiency on a base without instruments": (
        {"base": str(REPO_ROOT / "scenarios" / "baseline.yaml"), "efficiency": True},
        ["efficiency", "no instruments"],
    ),
    "efficiency indicator without efficiency": (
        {"indicators": ["additional_lasting_exits_per_million_yuan"]},
        ["indicators.0", "additional_lasting_exits_per_million_yuan"],
    ),
    "value the scenario refuses at one point": (
        {"factors": [{"key": "dynamics.health.episode_base", "values": [0.05, -1]}]},
        ["factors.0.key", "episode_base", "-1", "point 1"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_SWEEPS))
def test_bad_sweep_is_refused_before_anything_is_written(case, tmp_path, capsys):
    changes, fragments = BAD_SWEEPS[case]
    sweep = write_sweep(tmp_path / "bad.yaml", TINY_SWEEP, **changes)
    out_dir = tmp_path / "out"
    code, stdout, stderr = run_cli(capsys, "sweep", sweep, "--out", out_dir)
    assert_user_error(code, stderr, "bad.yaml", *fragments)
    assert stdout == "" and not out_dir.exists()


def test_missing_sweep_file_and_bad_options_exit_2(tmp_path, tiny_runs, capsys):
    missing = tmp_path / "absent.yaml"
    code, _, stderr = run_cli(capsys, "sweep", missing, "--out", tmp_path / "out")
    assert_user_error(code, stderr, str(missing), "not found")
    code, _, stderr = run_cli(capsys, "sweep", tiny_runs["sweep"], "--workers", "0")
    assert_user_error(code, stderr, "--workers")
    code, _, stderr = run_cli(
        capsys, "sweep", tiny_runs["sweep"], "--workers", "2", "--scheduler", "tcp://h:1"
    )
    assert_user_error(code, stderr, "--scheduler", "--workers")
    code, _, stderr = run_cli(capsys, "sensitivity", tiny_runs["sweep"], "--out", tmp_path / "s")
    assert_user_error(code, stderr, "tiny.yaml", "design.method", "saltelli", "grid")
    assert not (tmp_path / "out").exists() and not (tmp_path / "s").exists()


def test_sensitivity_writes_sobol_indices_of_each_indicator(tmp_path, capsys):
    """A saltelli sweep of 2 factors, n = 4: 16 points; one row per indicator and factor."""
    sweep = write_sweep(
        tmp_path / "salt.yaml",
        TINY_SWEEP,
        replicates=1,
        design={"method": "saltelli", "points": 4},
        factors=[
            {"key": "dynamics.health.episode_base", "range": [0.03, 0.08]},
            {"key": "dynamics.income.transitory_sd", "range": [0.1, 0.35]},
        ],
    )
    out_dir = tmp_path / "out"
    code, stdout, stderr = run_cli(capsys, "sensitivity", sweep, "--out", out_dir, "--workers", "2")
    assert code == 0, stderr
    table = pd.read_csv(out_dir / "sensitivity.csv")
    indicators = ["exit_rate_mean", "relapse_within_3y_share_of_exits", "spending_per_exit"]
    assert list(table["output"].unique()) == indicators
    assert len(table) == 2 * len(indicators)
    assert table["first_order"].notna().any()
    assert (out_dir / "plots" / "sensitivity.png").stat().st_size > 0
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["points"] == 16
    for name in ("sensitivity.csv", "plots/sensitivity.png"):
        digest = hashlib.sha256((out_dir / name).read_bytes()).hexdigest()
        assert manifest["files"][name] == digest
    assert "Sobol' indices" in stdout


# --- a Dask cluster (last: its threads stay in this process) -------------------------------


def free_local_port() -> int:
    """A TCP port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_scheduler_exits_2_and_creates_nothing(
    tiny_runs, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(sweep_tasks, "SCHEDULER_CONNECT_TIMEOUT_SECONDS", 1.0)
    out_dir = tmp_path / "out"
    address = f"tcp://127.0.0.1:{free_local_port()}"
    code, _, stderr = run_cli(
        capsys, "sweep", tiny_runs["sweep"], "--out", out_dir, "--scheduler", address
    )
    assert_user_error(code, stderr, f"--scheduler {address}", "no Dask scheduler answered")
    code, _, stderr = run_cli(
        capsys, "sweep", tiny_runs["sweep"], "--out", out_dir, "--scheduler", "nonsense"
    )
    assert_user_error(code, stderr, "--scheduler nonsense", "not a scheduler address")
    assert not out_dir.exists()


def test_dask_local_cluster_writes_the_same_bytes_as_local_processes(tiny_runs, tmp_path):
    """Two worker processes of a Dask LocalCluster, started here, given by address."""
    distributed = pytest.importorskip("distributed")
    import logging

    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster:
        out_dir = run_sweep(
            tiny_runs["sweep"], tmp_path / "dask", scheduler=cluster.scheduler_address, quiet=True
        )
    expected = (tiny_runs["workers1"] / "results.parquet").read_bytes()
    assert (out_dir / "results.parquet").read_bytes() == expected
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["executor"]["kind"] == "dask" and manifest["executor"]["workers"] == 2


def test_households_on_the_command_line_replaces_the_sweep_files(tmp_path):
    from model.sweeps.runner import plan_sweep

    sweep = REPO_ROOT / "sweeps" / "example.yaml"
    plan = plan_sweep(sweep, households=123)
    assert plan.spec.households == 123
    assert all(plan.point_scenario(p).population.n_households == 123 for p in range(4))
    assert plan.fingerprint != plan_sweep(sweep).fingerprint  # a different sweep directory


# --- workers end with their parent (issue 12, finding 3) ----------------------------------


def is_running(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie (an ended, unreaped process)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_the_main_process_alone_ends_its_workers_and_the_callers_pipe(
    long_sweep, tmp_path
):
    """SIGKILL of the main process (not its group) used to leave both pool workers running
    for minutes, holding its stdout and stderr so that a caller reading them hung."""
    out_dir = tmp_path / "out"
    process = start_sweep(long_sweep["sweep"], out_dir, "--workers", "2")
    wait_for_task_files(process, out_dir, 1)
    workers = child_processes(process.pid)
    assert len(workers) >= 2, workers
    os.kill(process.pid, signal.SIGKILL)  # the main process alone
    started = time.monotonic()
    try:
        process.communicate(timeout=10)  # EOF on both pipes: no worker holds them
        while any(map(is_running, workers)) and time.monotonic() - started < 5:
            time.sleep(0.05)
        assert not [pid for pid in workers if is_running(pid)], "workers outlived their parent"
    finally:  # a failing check must not leave the workers behind
        for pid in filter(is_running, workers):
            os.kill(pid, signal.SIGKILL)


def test_the_watchdog_fallback_notices_a_lost_parent():
    """Where no parent-death signal exists, a thread polls the parent id; here the 'parent'
    is a process id that is not ours, so it reports at once instead of calling os._exit."""
    import threading

    orphaned = threading.Event()
    sweep_tasks.watch_parent(-1, on_orphaned=orphaned.set, poll_seconds=0.01)
    assert orphaned.wait(2)
