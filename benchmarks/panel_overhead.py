"""Cost of recording the household panel: the same run with and without
`HouseholdPanel.record`, interleaved so host drift hits both alike.

Usage: .venv/bin/python benchmarks/panel_overhead.py [--households N] [--years N] [--pairs N]
"""

from __future__ import annotations

import argparse
import time

from model.config.scenario import load_scenario, with_overrides
from model.simulation import Simulation
from model.simulation import panel as panel_module

RECORD = panel_module.HouseholdPanel.record


def run_seconds(scenario, record_panel: bool) -> float:
    """Seconds of `Simulation.run()` (synthesis excluded), recording the panel or not."""
    panel_module.HouseholdPanel.record = RECORD if record_panel else lambda *_: None
    try:
        simulation = Simulation(scenario, seed=1)
        started = time.perf_counter()
        simulation.run()
        return time.perf_counter() - started
    finally:
        panel_module.HouseholdPanel.record = RECORD


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--pairs", type=int, default=4)
    args = parser.parse_args()
    scenario = with_overrides(
        load_scenario("scenarios/baseline.yaml"),
        {"population.n_households": args.households, "years": args.years},
    )
    run_seconds(scenario, True)  # warm-up: numba compilation, page cache
    seconds: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(args.pairs):
        for record_panel in (True, False):
            seconds[record_panel].append(run_seconds(scenario, record_panel))
    for record_panel, label in ((True, "with the panel"), (False, "without")):
        times = ", ".join(f"{t:.3f}" for t in sorted(seconds[record_panel]))
        print(f"{label:<15} {times} s")


if __name__ == "__main__":
    main()
