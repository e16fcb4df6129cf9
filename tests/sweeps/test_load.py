"""Loading sweep files: a bad file is refused with every problem at once, each naming the
file, the key path and what is allowed (model/sweeps/load.py, with the rules of
model/sweeps/spec.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.errors import ScenarioError
from model.sweeps.load import load_sweep
from tests.support.sweep_files import BASE_YAML, sweep, write_sweep


def problems_of(tmp_path: Path, mapping: dict, base: str = BASE_YAML) -> str:
    """The message load_sweep raises for a sweep file (it must raise)."""
    path = write_sweep(tmp_path, mapping, base)
    with pytest.raises(ScenarioError) as caught:
        load_sweep(path)
    message = str(caught.value)
    assert str(path.resolve()) in message or "base.yaml" in message
    return message


# --- bad input: each names the file and the key path ---------------------------------------


def test_a_key_path_that_does_not_exist(tmp_path):
    factors = [
        {"key": "dynamics.helth.episode_base", "range": [0, 1]},
        {"key": "interventions.nosuch.budget_yearly", "range": [0, 1]},
        {"key": "dynamics.health", "range": [0, 1]},
    ]
    message = problems_of(tmp_path, sweep(factors=factors))
    assert "factors.0.key: dynamics.helth.episode_base: dynamics has no key 'helth'; " in message
    assert "allowed keys there: demography, health, income" in message
    assert "factors.1.key: interventions.nosuch.budget_yearly" in message
    assert "a name: production_subsidy, topup" in message
    assert "factors.2.key: dynamics.health: dynamics.health is a section" in message


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        (sweep(factors=[{"key": "a.b", "range": [5, 1]}]), "factors.0.range: low > high"),
        (sweep(points=0), "design.points: a design with zero points"),
        (sweep(points=None), "design.points: a design with zero points (got None)"),
        (
            sweep("grid", 4, [{"key": "a.b", "values": [1]}]),
            "design.points: not allowed for a grid",
        ),
        (sweep("grid", None), "factors.0: a grid needs `values`"),
        (
            sweep("saltelli", 12),
            "design.points: saltelli needs a power of 2 (got 12; e.g. 8 or 16)",
        ),
        (
            sweep(factors=[{"key": "a.b", "distribution": {"name": "beta"}}]),
            "factors.0.distribution.name: unknown distribution 'beta'; allowed: uniform, normal",
        ),
        (
            sweep(factors=[{"key": "a.b", "distribution": {"name": "normal", "mean": 0, "sd": 0}}]),
            "factors.0.distribution.sd: Input should be greater than 0 (got 0)",
        ),
        (
            sweep(factors=[{"key": "a.b", "values": [1], "range": [0, 1]}]),
            "factors.0: give exactly one of values, range or distribution (given: values, range)",
        ),
        (sweep(design_extra=1), "design_extra: unknown key; allowed here: name, description, base"),
        (
            sweep(factors=[{"key": "a.b", "range": [0, 1], "kind": "choice"}]),
            "factors.0.kind: Input should be 'lever' or 'uncertainty'",
        ),
        (
            sweep(factors=[{"key": "a.b", "range": [0, float("inf")]}]),
            "factors.0.range.1: Input should be a finite number (got inf)",
        ),
        (
            sweep(households=1000, factors=[{"key": "population.n_households", "range": [1, 9]}]),
            "factors.0.key: population.n_households is also set by `households`",
        ),
    ],
)
def test_bad_sweep_files(tmp_path, mapping, expected):
    assert expected in problems_of(tmp_path, mapping)


def test_every_problem_is_reported_at_once(tmp_path):
    factors = [{"key": "a.b", "range": [5, 1]}, {"key": "c.d", "values": [1], "range": [0, 1]}]
    path = write_sweep(tmp_path, sweep(factors=factors, replicates=0, seed=-1))
    with pytest.raises(ScenarioError) as caught:
        load_sweep(path)
    assert len(caught.value.problems) == 4
    assert all(p.startswith(str(path.resolve())) for p in caught.value.problems)


def test_an_unknown_indicator_lists_the_headline_names(tmp_path):
    message = problems_of(tmp_path, sweep(indicators=["exit_rate_mean", "exit_rate_median"]))
    assert "indicators.1: unknown indicator 'exit_rate_median'; allowed" in message
    assert "relapse_share_of_exits" in message and "spending_topup_total" in message


def test_a_missing_base_file(tmp_path):
    mapping = sweep() | {"base": "missing.yaml"}
    message = problems_of(tmp_path, mapping)
    assert f"base: file not found: {tmp_path.resolve() / 'missing.yaml'}" in message


def test_errors_in_the_base_scenario_name_the_base_file(tmp_path):
    message = problems_of(tmp_path, sweep(), base=BASE_YAML + "yeers: 3\n")
    assert f"{(tmp_path / 'base.yaml').resolve()}: yeers: unknown key" in message


def test_a_settings_override_the_scenario_refuses_names_the_sweep_key(tmp_path):
    message = problems_of(tmp_path, sweep(years=500))
    assert f"{(tmp_path / 'sweep.yaml').resolve()}: years: Input should be less than" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "file not found"),
        ("name: [unclosed\n", "malformed YAML"),
        ("- a\n- b\n", "the top level must be a mapping"),
    ],
)
def test_unreadable_sweep_files(tmp_path, text, expected):
    path = tmp_path / "sweep.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=expected) as caught:
        load_sweep(path)
    assert str(path.resolve()) in str(caught.value)
