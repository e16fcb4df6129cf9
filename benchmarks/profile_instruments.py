"""Where a scenario's year goes: milliseconds per year in the engine and in each instrument.

    .venv/bin/python benchmarks/profile_instruments.py                       # five_batches
    .venv/bin/python benchmarks/profile_instruments.py baseline --repeat 5  # a library scenario
    .venv/bin/python benchmarks/profile_instruments.py scenarios/jobs_first.yaml --households 20000

Wraps each instrument's begin_year, propose, deliver and end_year and the engine's
economy, registration and indicators with wall-clock timers. A rough guide (the host's
speed drifts) for where to optimise, not a benchmark figure; `--repeat N` runs N times and
keeps each step's fastest run, which steadies the figures on a busy host. Times are the
main thread's: a stage the background thread runs (schooling, when drawing ahead) shows
near 0, and the stage that waits for it (the economy) holds any wait.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.app.paths import library_scenarios  # noqa: E402
from model.config.scenario import load_scenario, with_overrides  # noqa: E402
from model.errors import ScenarioError  # noqa: E402
from model.simulation import Simulation  # noqa: E402
from model.simulation.year import YEAR_PLAN  # noqa: E402


def timed(seconds: dict, key: tuple[str, str], function):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        seconds[key] += time.perf_counter() - start
        return result

    return wrapper


def profile_once(scenario, seed: int) -> tuple[float, dict[tuple[str, str], float]]:
    """One timed run: its seconds in all, and the seconds of each (owner, step)."""
    sim = Simulation(scenario, seed=seed)
    seconds: dict[tuple[str, str], float] = defaultdict(float)
    for instrument in sim.interventions:
        for step in ("begin_year", "propose", "deliver", "end_year"):
            setattr(
                instrument,
                step,
                timed(seconds, (instrument.label, step), getattr(instrument, step)),
            )
    for stage in YEAR_PLAN:  # every stage of the year, as Simulation.step runs it
        if stage.name != "assistance":  # the instruments' own steps are timed above
            setattr(
                sim, stage.runs, timed(seconds, ("engine", stage.name), getattr(sim, stage.runs))
            )
    start = time.perf_counter()
    sim.run()
    return time.perf_counter() - start, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scenario",
        nargs="?",
        default=str(ROOT / "scenarios/five_batches.yaml"),
        help="a scenario file, or a library scenario's name (default five_batches)",
    )
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="runs; each step's fastest is kept")
    args = parser.parse_args()
    library = library_scenarios()  # a library scenario's name stands for its file
    if not Path(args.scenario).exists() and args.scenario in library:
        args.scenario = str(library[args.scenario].relative_to(ROOT))
    try:
        scenario = with_overrides(
            load_scenario(args.scenario),
            {"population.n_households": args.households, "years": args.years},
        )
    except ScenarioError as error:
        print(error, file=sys.stderr)
        return 2
    runs = [profile_once(scenario, args.seed) for _ in range(max(args.repeat, 1))]
    total = min(run[0] for run in runs)
    seconds = {key: min(run[1].get(key, 0.0) for run in runs) for key in runs[0][1]}
    best = "best of " + str(len(runs)) + " runs, " if len(runs) > 1 else ""
    print(f"{args.scenario}: {args.households:,} households x {args.years} years, "
          f"{best}{1000 * total / args.years:.1f} ms per year")  # fmt: skip
    by_owner: dict[str, float] = defaultdict(float)
    for (owner, _), value in seconds.items():
        by_owner[owner] += value
    for owner, value in sorted(by_owner.items(), key=lambda item: -item[1]):
        steps = {s: round(1000 * v / args.years, 2) for (o, s), v in seconds.items() if o == owner}
        print(f"  {owner:28s} {1000 * value / args.years:7.2f} ms/year  {steps}")
    instruments = sum(value for owner, value in by_owner.items() if owner != "engine")
    print(f"  {'all instruments':28s} {1000 * instruments / args.years:7.2f} ms/year")
    return 0


if __name__ == "__main__":
    sys.exit(main())
