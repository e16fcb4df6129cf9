"""`run.py discover` and `run.py robustness` on a tiny finished sweep, as a user runs them:
the files they write, that they read only the sweep directory (a Dask-run sweep gives the
same bytes), and every mistake a message with exit code 2."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from model import cli
from model.analysis.robustness import ROBUSTNESS_COLUMNS
from tests.support.paths import SCENARIOS

MIXES_SWEEP = {
    "name": "tiny_mixes",
    "base": str(SCENARIOS / "five_batches.yaml"),
    "seed": 3,
    "replicates": 1,
    "households": 200,
    "years": 4,
    "design": {"method": "levers_x_futures", "futures": 8},
    "factors": [
        {"key": "base", "kind": "lever",
         "values": [str(SCENARIOS / "five_batches.yaml"), str(SCENARIOS / "health_first.yaml")]},
        {"key": "dynamics.income.growth", "kind": "uncertainty", "range": [0.0, 0.12]},
        {"key": "dynamics.shocks.price_shock_probability", "kind": "uncertainty",
         "range": [0.0, 0.3]},
    ],
    "indicators": ["exits_households_total", "incidence_persons_final_year"],
}  # fmt: skip
"""2 mixes x 8 futures = 16 tasks of 200 households and 4 years (a few seconds)."""
INDICATOR = "incidence_persons_final_year"


def run(*args) -> int:
    return cli.main([str(a) for a in args])


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    root = tmp_path_factory.mktemp("mixes")
    sweep_file = root / "mixes.yaml"
    sweep_file.write_text(yaml.safe_dump(MIXES_SWEEP, sort_keys=False), encoding="utf-8")
    out = root / "out"
    assert run("sweep", sweep_file, "--out", out, "--workers", "2", "--quiet") == 0
    return sweep_file, out


def median_indicator(out) -> float:
    from model.sweeps.finished import read_finished_sweep

    return float(read_finished_sweep(out).point_indicators([INDICATOR])[INDICATOR].median())


def test_robustness_ranks_both_mixes_per_indicator(finished, capsys):
    _, out = finished
    assert run("robustness", out, "--satisfice", f"{INDICATOR}<0.5") == 0
    assert "2 mixes x 8 futures" in capsys.readouterr().out
    table = pd.read_csv(out / "robustness" / "robustness.csv")
    assert list(table.columns) == ROBUSTNESS_COLUMNS
    assert set(table["mix"]) == {"five_batches", "health_first"}
    assert list(dict.fromkeys(table["indicator"])) == MIXES_SWEEP["indicators"]
    assert set(table["regret_rank"]) == {1, 2} and (table["futures"] == 8).all()
    regrets = pd.read_csv(out / "robustness" / "regret_by_future.csv")
    best_per_future = regrets.groupby(["indicator", "future"])["regret"].min()
    assert (best_per_future == 0).all()
    assert (out / "robustness" / "plots" / "robustness.png").stat().st_size > 10_000
    assert (out / "robustness" / "manifest.json").is_file()


def test_discover_writes_the_box_the_tree_and_the_scores(finished, capsys):
    _, out = finished
    threshold = median_indicator(out)
    assert run("discover", out, "--indicator", INDICATOR, "--threshold", threshold) == 0
    written = out / f"discovery_{INDICATOR}"
    assert f"points have {INDICATOR} above" in capsys.readouterr().out
    trajectory = pd.read_csv(written / "discovery.csv")
    assert trajectory["chosen"].sum() == 1 and trajectory["coverage"].iloc[0] == 1
    boxes = pd.read_csv(written / "boxes.csv")
    assert set(boxes["method"]) == {"prim", "cart"}
    scores = pd.read_csv(written / "feature_scores.csv")
    assert set(scores["factor"]) == {f["key"] for f in MIXES_SWEEP["factors"]}
    cases = pd.read_csv(written / "cases.csv")
    assert cases["bad"].sum() == (cases[INDICATOR] > threshold).sum() > 0
    for name in ("tradeoff.png", "box_limits.png", "pairs.png"):
        assert (written / "plots" / name).stat().st_size > 10_000
    # the sweep directory still resumes: what discover and robustness add is allowed there
    sweep_file, _ = finished
    assert run("sweep", sweep_file, "--out", out, "--quiet") == 0


@pytest.mark.slow
def test_a_sweep_run_on_dask_gives_the_same_files(finished, tmp_path):
    import distributed

    sweep_file, out = finished
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        assert run("sweep", sweep_file, "--out", tmp_path / "dask",
                   "--scheduler", cluster.scheduler_address, "--quiet") == 0  # fmt: skip
    for directory in (out, tmp_path / "dask"):
        assert run("robustness", directory, "--out", directory / "r", "--quiet") == 0
        assert run("discover", directory, "--indicator", INDICATOR, "--threshold",
                   median_indicator(out), "--out", directory / "d", "--quiet") == 0  # fmt: skip
    for name in ("r/robustness.csv", "r/regret_by_future.csv", "d/boxes.csv",
                 "d/discovery.csv", "d/feature_scores.csv"):  # fmt: skip
        assert (out / name).read_bytes() == (tmp_path / "dask" / name).read_bytes(), name


def assert_exit_2(capsys, code: int, *fragments: str) -> None:
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert captured.err.startswith("error: ") and "Traceback" not in captured.err
    for fragment in fragments:
        assert fragment in captured.err, f"{fragment!r} not in {captured.err}"


def test_an_unknown_indicator_lists_the_allowed(finished, capsys):
    _, out = finished
    code = run("discover", out, "--indicator", "relapse_rate", "--threshold", "0.2")
    assert_exit_2(capsys, code, "--indicator relapse_rate", str(out), "allowed",
                  "relapse_within_3y_share_of_exits")  # fmt: skip
    code = run("robustness", out, "--indicator", "exits")
    assert_exit_2(capsys, code, "exits:more or exits:less")
    code = run("robustness", out, "--satisfice", "relapse_rate<0.2")
    assert_exit_2(capsys, code, "--satisfice relapse_rate", "allowed")


def test_a_threshold_leaving_every_point_on_one_side_is_refused(finished, capsys):
    _, out = finished
    code = run("discover", out, "--indicator", INDICATOR, "--threshold", "2")
    assert_exit_2(capsys, code, "--threshold 2: no point", "choose a threshold between")
    code = run("discover", out, "--indicator", INDICATOR, "--threshold", "2", "--below")
    assert_exit_2(capsys, code, "every point", "below")


@pytest.mark.parametrize("condition", ["relapse<", "incidence_persons_final_year=0.2", "0.2>x"])
def test_a_malformed_satisficing_condition_is_refused(finished, capsys, condition):
    _, out = finished
    code = run("robustness", out, "--satisfice", condition)
    assert_exit_2(capsys, code, "--satisfice", "allowed: NAME<VALUE")


def test_a_sweep_without_levers_has_no_mixes_to_rank(tmp_path, capsys):
    sweep = {**MIXES_SWEEP, "design": {"method": "grid"}, "years": 2, "households": 150,
             "factors": [{"key": "dynamics.income.growth", "kind": "uncertainty",
                          "values": [0.02, 0.1]}]}  # fmt: skip
    sweep_file = tmp_path / "no_levers.yaml"
    sweep_file.write_text(yaml.safe_dump(sweep, sort_keys=False), encoding="utf-8")
    assert run("sweep", sweep_file, "--out", tmp_path / "out", "--workers", "1", "--quiet") == 0
    code = run("robustness", tmp_path / "out")
    assert_exit_2(
        capsys, code, "no factor with kind: lever", "dynamics.income.growth (uncertainty)"
    )


def test_an_unfinished_or_missing_sweep_directory_is_refused(finished, tmp_path, capsys):
    _, out = finished
    unfinished = tmp_path / "unfinished"
    shutil.copytree(out, unfinished)
    (unfinished / "manifest.json").unlink()
    for command in (["robustness"], ["discover", "--indicator", INDICATOR, "--threshold", "0.1"]):
        code = run(command[0], unfinished, *command[1:])
        assert_exit_2(capsys, code, str(unfinished), "unfinished sweep", "manifest.json")
    code = run("robustness", tmp_path / "nowhere")
    assert_exit_2(capsys, code, "not a directory")
