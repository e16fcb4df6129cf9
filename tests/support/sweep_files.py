"""A small base scenario and sweep files on it, for the tests of model/sweeps/."""

from __future__ import annotations

from pathlib import Path

import yaml

BASE_YAML = """\
name: tiny
years: 3
population: {n_households: 300}
funds:
  civil_affairs: {yearly_per_household: 350}
interventions:
  - type: production_subsidy
    fund: general
    capacity_households_per_year: 20
  - type: dibao
    name: topup
    fund: civil_affairs
    budget_yearly: 10000
"""


def write_sweep(tmp_path: Path, sweep: dict, base: str = BASE_YAML) -> Path:
    """A base scenario and a sweep file next to it; returns the sweep file's path."""
    (tmp_path / "base.yaml").write_text(base, encoding="utf-8")
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(sweep, sort_keys=False), encoding="utf-8")
    return path


def sweep(method: str = "lhs", points: int | None = 16, factors=None, **extra) -> dict:
    """A sweep mapping on base.yaml; `factors` default: two range factors."""
    design = {"method": method} | ({"points": points} if points is not None else {})
    factors = factors or [
        {"key": "dynamics.health.episode_base", "range": [0.02, 0.08]},
        {"key": "policy.exit.income_margin", "range": [0.0, 0.3], "kind": "lever"},
    ]
    return {
        "name": "t",
        "base": "base.yaml",
        "seed": 7,
        "design": design,
        "factors": factors,
        **extra,
    }
