"""The engine's reason to exist, measured: the same core yearly rules as arrays and as
plain Mesa agents with a `step` method, on the same households, with the same draws.

    .venv/bin/python benchmarks/mesa_agents_reference.py [--households 20000] [--years 20]

The core rules of a policy year, as the engine applies them (model/engine/dynamics.py,
policy.py, interventions/safety_net.py), reduced to what every household does:

1. income with shocks: log income = log(base income) + persistent AR(1) shock +
   transitory shock (the engine's `draw_shocks`), base income growing at `growth`;
2. the dibao top-up: a household without a full labourer whose per-capita income is
   below the standard is paid the difference (the engine's `Dibao`, phase top_up);
3. the office's exit test: a registered household whose per-capita income (with the
   dibao) reaches the line leaves the registry; an unregistered one below it joins.

Households (size, labour, base income, registry) come from the engine's synthetic
population (`Simulation`), and both versions read the same pre-drawn normal shocks, so
their results must agree to the last bit: the script checks it before timing. It prints
the seconds of each and their ratio. Mesa 3.3: `mesa.Model`, `mesa.Agent`, and
`model.agents.shuffle_do("step")` would change the order of nothing here (every rule is
per household), so the reference uses `agents.do("step")` in creation order.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import mesa
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.config.scenario import Scenario  # noqa: E402
from model.simulation import Simulation  # noqa: E402

RHO, PERSISTENT_SD, TRANSITORY_SD, GROWTH = 0.8, 0.15, 0.2, 0.06
LINE_2013, LINE_GROWTH, DIBAO_SHARE = 2736.0, 0.03, 0.9


def starting_households(households: int, seed: int) -> dict[str, np.ndarray]:
    """Size, full labourers, base income (yuan/year) and registry of the engine's county."""
    sim = Simulation(Scenario.model_validate({"population": {"n_households": households}}), seed)
    h = sim.households
    active = h.active
    return {
        "size": h.size[active].astype(np.float64),
        "full_labourers": h.full_labourers[active].astype(np.int64),
        "base_income": sim.total_income()[active].astype(np.float64),
        "registered": h.registered[active].copy(),
    }


def shocks(households: int, years: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(persistent innovations, transitory shocks), years x households standard normals."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((years, households)), rng.standard_normal((years, households))


# --- the engine's way: arrays ------------------------------------------------------------


def run_arrays(start: dict, innovations: np.ndarray, transitory: np.ndarray) -> dict:
    size, labour = start["size"], start["full_labourers"]
    base, registered = start["base_income"].copy(), start["registered"].copy()
    persistent = np.zeros(size.size)
    exits = np.zeros(size.size, dtype=np.int64)
    paid = np.zeros(size.size)
    for year in range(innovations.shape[0]):
        line = LINE_2013 * (1 + LINE_GROWTH) ** (year + 1)
        base *= 1 + GROWTH
        persistent = RHO * persistent + PERSISTENT_SD * innovations[year]
        income = base * np.exp(persistent + TRANSITORY_SD * transitory[year])
        per_capita = income / size
        standard = DIBAO_SHARE * line
        top_up = np.where((labour == 0) & (per_capita < standard), standard - per_capita, 0.0)
        per_capita = per_capita + top_up
        paid += top_up * size
        leaving = registered & (per_capita >= line)
        exits += leaving
        registered = (registered & ~leaving) | (~registered & (per_capita < line))
    return {"registered": registered, "exits": exits, "paid": paid}


# --- the same rules as Mesa agents ---------------------------------------------------------


class HouseholdAgent(mesa.Agent):
    """One household with its own state and a `step` applying the year's rules."""

    def __init__(self, model: CountyModel, row: int, start: dict):
        super().__init__(model)
        self.row = row
        self.size = float(start["size"][row])
        self.full_labourers = int(start["full_labourers"][row])
        self.base = float(start["base_income"][row])
        self.registered = bool(start["registered"][row])
        self.persistent = 0.0
        self.exits = 0
        self.paid = 0.0

    def step(self) -> None:
        model = self.model
        self.base *= 1 + GROWTH
        self.persistent = (
            RHO * self.persistent + PERSISTENT_SD * model.innovations[model.year, self.row]
        )
        shock = self.persistent + TRANSITORY_SD * model.transitory[model.year, self.row]
        per_capita = self.base * np.exp(shock) / self.size
        standard = DIBAO_SHARE * model.line
        if self.full_labourers == 0 and per_capita < standard:
            top_up = standard - per_capita
        else:
            top_up = 0.0
        per_capita += top_up
        self.paid += top_up * self.size
        if self.registered and per_capita >= model.line:
            self.registered = False
            self.exits += 1
        elif not self.registered and per_capita < model.line:
            self.registered = True


class CountyModel(mesa.Model):
    """A county of HouseholdAgents; one `step` is one policy year."""

    def __init__(self, start: dict, innovations: np.ndarray, transitory: np.ndarray):
        super().__init__(seed=0)
        self.innovations, self.transitory = innovations, transitory
        self.year, self.line = -1, LINE_2013
        for row in range(start["size"].size):
            HouseholdAgent(self, row, start)

    def step(self) -> None:
        self.year += 1
        self.line = LINE_2013 * (1 + LINE_GROWTH) ** (self.year + 1)
        self.agents.do("step")


def run_agents(start: dict, innovations: np.ndarray, transitory: np.ndarray) -> dict:
    model = CountyModel(start, innovations, transitory)
    for _ in range(innovations.shape[0]):
        model.step()
    agents = sorted(model.agents, key=lambda agent: agent.row)
    return {
        "registered": np.array([a.registered for a in agents]),
        "exits": np.array([a.exits for a in agents], dtype=np.int64),
        "paid": np.array([a.paid for a in agents]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="best of N")
    args = parser.parse_args(argv)
    start = starting_households(args.households, args.seed)
    innovations, transitory = shocks(start["size"].size, args.years, args.seed)
    arrays, agents = (
        run_arrays(start, innovations, transitory),
        run_agents(start, innovations, transitory),
    )
    for key in arrays:  # same rules, same draws: the same numbers
        if not np.array_equal(arrays[key], agents[key]):
            raise SystemExit(f"the two versions disagree on {key}")
    timings = {}
    for name, run in (("arrays", run_arrays), ("mesa agents", run_agents)):
        best = float("inf")
        for _ in range(args.repeat):
            clock = time.perf_counter()
            run(start, innovations, transitory)
            best = min(best, time.perf_counter() - clock)
        timings[name] = best
    household_years = start["size"].size * args.years
    print(f"{start['size'].size:,} households x {args.years} years, best of {args.repeat}; "
          f"both versions give identical registries, exits and payments")  # fmt: skip
    for name, seconds in timings.items():
        rate = household_years / seconds / 1e6
        print(f"  {name:<12} {seconds:8.3f} s  {rate:8.2f} M household-years/s")
    print(f"  ratio (mesa agents / arrays): {timings['mesa agents'] / timings['arrays']:.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
