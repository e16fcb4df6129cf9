"""The fixed-seed baseline summary that tests/test_regression.py diffs on every change.

Regenerate after an intended change of behaviour, and say why in the commit:
    .venv/bin/python -m tests.support.baseline_reference
"""

from __future__ import annotations

import json

from model.analysis.replicates import run_replicates, summarize
from model.config.scenario import load_scenario, with_overrides
from tests.support.paths import REPO_ROOT

ROOT = REPO_ROOT
REFERENCE = ROOT / "tests" / "data" / "baseline_summary.json"
SEED, REPLICATES, HOUSEHOLDS = 2014, 2, 2_000


def baseline_summary_means() -> dict[str, float | None]:
    """Mean over replicates of every headline figure of the baseline at the fixed seed."""
    scenario = with_overrides(
        load_scenario(ROOT / "scenarios" / "baseline.yaml"),
        {"population.n_households": HOUSEHOLDS},
    )
    summary = summarize(run_replicates(scenario, SEED, REPLICATES))
    return {name: figure["mean"] for name, figure in sorted(summary.items())}


if __name__ == "__main__":
    REFERENCE.write_text(json.dumps(baseline_summary_means(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {REFERENCE}")
