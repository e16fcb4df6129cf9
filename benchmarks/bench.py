"""Engine throughput and memory: households x years, synthesis included and not.

    .venv/bin/python benchmarks/bench.py                      # table, 10k and 100k x 20 years
    .venv/bin/python benchmarks/bench.py --repeat 3 --json    # one JSON object on stdout
    .venv/bin/python benchmarks/bench.py --sizes 10000 --years 5 --no-memory --no-mesa

What is measured, per size (best of `--repeat` fresh runs, same seed each time):
  synthesis_seconds   `Simulation(scenario, seed)`: synthesis + the identification year
  run_seconds         `sim.run()`: the policy years only
  run_cpu_seconds     CPU time of this process over the same run, every thread
                      (the drawing thread included): above run_seconds when the run
                      keeps more than one core busy
  household_years_per_second = households x years / run_seconds (the engine alone)
  total_seconds       synthesis + run of the same repeat (the best such sum)
  state_bytes_per_household  `sim.nbytes / households` after the run (persons, households
                      and villages arrays, spare person capacity included)
Memory growth is measured in separate child processes so that it does not perturb the
timings (and so that each starts from a clean peak):
  peak_rss_growth_bytes       peak resident set size after the run minus before
                              `Simulation(...)`, imports already done: VmHWM of
                              /proc/self/status (getrusage's ru_maxrss where /proc is absent;
                              on Linux ru_maxrss survives execve, so a child started by a
                              big parent would inherit the parent's peak and read 0)
  tracemalloc_peak_bytes      tracemalloc peak over synthesis + run (NumPy reports its
                              buffers to tracemalloc), i.e. state plus the largest set of
                              temporaries alive at once
  tracemalloc_retained_bytes  traced memory still held after the run
The Mesa wrapper (model.abm.model.PovertyModel), when present, is timed separately:
construction with and without agents, the difference being the agent-creation overhead.
Imports and a small warm-up run happen before any timing.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import inspect
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from model.config.scenario import Scenario, load_scenario, with_overrides  # noqa: E402
from model.errors import ScenarioError  # noqa: E402
from model.simulation import Simulation  # noqa: E402

DEFAULT_SCENARIO = ROOT / "scenarios" / "baseline.yaml"
TARGETS = {
    "seconds_100k_20y_max": 3.0,
    "household_years_per_second_min": 2_000_000,
    "bytes_per_household_max": 1536,  # 1.5 KB, persons included
    "five_batches_household_years_per_second_min": 4_000_000,  # the full package (issue 16)
    "five_batches_to_baseline_ratio_min": 0.8,
}
DEFAULT_CAMPAIGN = ROOT / "scenarios" / "five_batches.yaml"


# --- setup ------------------------------------------------------------------------------
def resolve_scenario(path: str | None) -> tuple[Scenario, str]:
    """The base scenario and a label for it: a file, baseline.yaml if present, or Scenario()."""
    if path:
        return load_scenario(path), str(path)
    if DEFAULT_SCENARIO.is_file():
        return load_scenario(DEFAULT_SCENARIO), str(DEFAULT_SCENARIO.relative_to(ROOT))
    return Scenario(), "Scenario() defaults (scenarios/baseline.yaml absent)"


def sized(base: Scenario, households: int, years: int) -> Scenario:
    return with_overrides(base, {"population.n_households": households, "years": years})


def git_commit() -> tuple[str | None, bool | None]:
    """Short HEAD commit and whether the work tree has uncommitted changes to tracked files."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return commit or None, bool(dirty)
    except (OSError, subprocess.CalledProcessError):
        return None, None


# --- timing -----------------------------------------------------------------------------
def bench_package(
    base: Scenario, package: Scenario, households: int, years: int, seed: int, repeat: int
) -> dict:
    """The full package against the base scenario, back to back: each repeat runs the base
    then the package (so drift of the machine hits both alike); best run time of each.

    Also the CPU seconds of each best run (every thread), and from them the ratio's
    ceiling on this machine: the ratio the package would reach if its CPU work kept every
    core busy (base run seconds / (package CPU seconds / cores)). No scheduling of the
    same work can beat it; only less work can."""
    base_runs, package_runs = [], []
    for _ in range(repeat):
        base_runs.append(time_engine(sized(base, households, years), seed))
        package_runs.append(time_engine(sized(package, households, years), seed))
    base_best = min(base_runs, key=lambda run: run["run_seconds"])
    package_best = min(package_runs, key=lambda run: run["run_seconds"])
    base_rate = households * years / base_best["run_seconds"]
    package_rate = households * years / package_best["run_seconds"]
    cores = os.cpu_count() or 1
    return {
        "households": households,
        "years": years,
        "base_run_seconds": [run["run_seconds"] for run in base_runs],
        "package_run_seconds": [run["run_seconds"] for run in package_runs],
        "base_run_cpu_seconds": base_best["run_cpu_seconds"],
        "package_run_cpu_seconds": package_best["run_cpu_seconds"],
        "cores": cores,
        "base_household_years_per_second": base_rate,
        "package_household_years_per_second": package_rate,
        "package_to_base_ratio": package_rate / base_rate,
        "package_to_base_ratio_ceiling": base_best["run_seconds"]
        / (package_best["run_cpu_seconds"] / cores),
    }


def time_engine(scenario: Scenario, seed: int) -> dict:
    gc.collect()
    t0 = time.perf_counter()
    sim = Simulation(scenario, seed=seed)
    t1, cpu_before = time.perf_counter(), time.process_time()
    sim.run()
    t2, cpu_after = time.perf_counter(), time.process_time()
    return {
        "synthesis_seconds": t1 - t0,
        "run_seconds": t2 - t1,
        "run_cpu_seconds": cpu_after - cpu_before,
        "total_seconds": t2 - t0,
        "state_bytes": int(sim.nbytes),
        "persons": int(sim.persons.n),
        "person_capacity": int(sim.persons.household.size),
        "villages": int(sim.villages.n),
    }


def bench_engine(scenario: Scenario, households: int, years: int, seed: int, repeat: int) -> dict:
    runs = [time_engine(scenario, seed) for _ in range(repeat)]
    best_total = min(runs, key=lambda r: r["total_seconds"])
    synthesis = min(r["synthesis_seconds"] for r in runs)
    run = min(r["run_seconds"] for r in runs)
    return {
        "households": households,
        "years": years,
        "persons_final": best_total["persons"],
        "person_capacity_final": best_total["person_capacity"],
        "villages": best_total["villages"],
        "synthesis_seconds": synthesis,
        "run_seconds": run,
        "total_seconds": best_total["total_seconds"],
        "household_years_per_second": households * years / run,
        "state_bytes": best_total["state_bytes"],
        "state_bytes_per_household": best_total["state_bytes"] / households,
        "repeats": {
            "synthesis_seconds": [r["synthesis_seconds"] for r in runs],
            "run_seconds": [r["run_seconds"] for r in runs],
            "total_seconds": [r["total_seconds"] for r in runs],
        },
    }


def povertymodel_class():
    try:
        from model.abm.model import PovertyModel
    except ImportError:
        return None
    return PovertyModel


def make_mesa(cls, scenario: Scenario, households: int, years: int, seed: int, agents: bool):
    kwargs = dict(n_households=households, years=years, seed=seed, create_agents=agents)
    if "scenario" in inspect.signature(cls).parameters:
        kwargs["scenario"] = scenario
    return cls(**kwargs)


def run_mesa(model, years: int) -> None:
    for _ in range(years):
        model.step()
        if not getattr(model, "running", True):
            break


def bench_mesa(scenario: Scenario, households: int, years: int, seed: int, repeat: int) -> dict:
    cls = povertymodel_class()
    out: dict = {"households": households, "years": years}
    for agents in (False, True):
        key = "with_agents" if agents else "without_agents"
        build, run = [], []
        for _ in range(repeat):
            gc.collect()
            t0 = time.perf_counter()
            model = make_mesa(cls, scenario, households, years, seed, agents)
            t1 = time.perf_counter()
            run_mesa(model, years)
            t2 = time.perf_counter()
            build.append(t1 - t0)
            run.append(t2 - t1)
            del model
        out[key] = {"construct_seconds": min(build), "run_seconds": min(run)}
    overhead = out["with_agents"]["construct_seconds"] - out["without_agents"]["construct_seconds"]
    out["agent_creation_seconds"] = overhead
    out["agent_creation_us_per_household"] = 1e6 * overhead / households
    return out


# --- memory (child processes) -----------------------------------------------------------
def peak_rss_bytes() -> int:
    """Peak resident set size of this process (bytes) since it started (exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def memory_probe(kind: str, scenario_arg: str | None, households: int, years: int, seed: int):
    """Runs in a child process; prints one JSON object."""
    base, _ = resolve_scenario(scenario_arg)
    scenario = sized(base, households, years)
    Simulation(sized(base, 500, 1), seed=seed).run()  # warm caches and lazy imports
    gc.collect()
    if kind == "rusage":
        before = peak_rss_bytes()
        sim = Simulation(scenario, seed=seed)
        sim.run()
        after = peak_rss_bytes()
        result = {"peak_rss_growth_bytes": after - before}
    elif kind == "tracemalloc":
        import tracemalloc

        tracemalloc.start()
        sim = Simulation(scenario, seed=seed)
        after_synthesis, synthesis_peak = tracemalloc.get_traced_memory()
        sim.run()
        retained, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result = {
            "tracemalloc_peak_bytes": peak,
            "tracemalloc_synthesis_peak_bytes": synthesis_peak,
            "tracemalloc_retained_bytes": retained,
        }
    elif kind == "mesa_agents":
        import tracemalloc

        cls = povertymodel_class()
        tracemalloc.start()
        model = make_mesa(cls, scenario, households, years, seed, False)
        without = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        del model
        gc.collect()
        tracemalloc.start()
        model = make_mesa(cls, scenario, households, years, seed, True)
        with_agents = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        result = {"agent_bytes_per_household": (with_agents - without) / households}
    else:
        raise ValueError(kind)
    print(json.dumps(result))


def measure_memory(kind: str, scenario_arg: str | None, households: int, years: int, seed: int):
    command = [
        sys.executable,
        __file__,
        "--_probe",
        kind,
        "--sizes",
        str(households),
        "--years",
        str(years),
        "--seed",
        str(seed),
    ]
    if scenario_arg:
        command += ["--scenario", scenario_arg]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- report -----------------------------------------------------------------------------
def fmt_bytes(value) -> str:
    return "-" if value is None else f"{value:,.0f}"


def print_table(report: dict) -> None:
    print(f"scenario: {report['scenario']}   seed {report['seed']}   best of {report['repeat']}")
    print(
        f"python {report['python']}  numpy {report['numpy']}  commit {report['git_commit']}"
        f"{' (uncommitted changes)' if report['git_dirty'] else ''}"
    )
    header = (
        f"{'households':>10} {'years':>5} {'synth s':>8} {'run s':>7} {'total s':>8} "
        f"{'hh-years/s':>12} {'state B/hh':>10} {'peakRSS B/hh':>12} {'tracemalloc pk B/hh':>19}"
    )
    print(header)
    print("-" * len(header))
    for row in report["sizes"]:
        n = row["households"]
        rss = row.get("peak_rss_growth_bytes")
        tm = row.get("tracemalloc_peak_bytes")
        print(
            f"{n:>10,} {row['years']:>5} {row['synthesis_seconds']:>8.3f} "
            f"{row['run_seconds']:>7.3f} {row['total_seconds']:>8.3f} "
            f"{row['household_years_per_second']:>12,.0f} "
            f"{row['state_bytes_per_household']:>10,.0f} "
            f"{fmt_bytes(None if rss is None else rss / n):>12} "
            f"{fmt_bytes(None if tm is None else tm / n):>19}"
        )
    if report["memory_method"]:
        print(f"memory: {report['memory_method']}")
    mesa = report.get("mesa")
    if mesa is None:
        print("mesa wrapper: skipped (model.abm.model.PovertyModel not importable or --no-mesa)")
    else:
        print("\nMesa wrapper (PovertyModel), construction = synthesis + identification [+ agents]")
        print(
            f"{'households':>10} {'years':>5} {'build s':>8} {'build+agents s':>14} "
            f"{'agents us/hh':>12} {'agents B/hh':>11} {'run s':>7} {'run+agents s':>12}"
        )
        for row in mesa:
            print(
                f"{row['households']:>10,} {row['years']:>5} "
                f"{row['without_agents']['construct_seconds']:>8.3f} "
                f"{row['with_agents']['construct_seconds']:>14.3f} "
                f"{row['agent_creation_us_per_household']:>12.2f} "
                f"{fmt_bytes(row.get('agent_bytes_per_household')):>11} "
                f"{row['without_agents']['run_seconds']:>7.3f} "
                f"{row['with_agents']['run_seconds']:>12.3f}"
            )
    print(
        "\nheadline (reference size "
        f"{report['reference']['households']:,} x {report['reference']['years']} years):"
    )
    t = report["targets"]
    print(
        f"  seconds incl. synthesis   {report['seconds_100k_20y']:.3f}   target < "
        f"{t['seconds_100k_20y_max']}  {'PASS' if t['seconds_ok'] else 'FAIL'}"
    )
    print(
        f"  household-years/s         {report['household_years_per_second']:,.0f}   target >= "
        f"{t['household_years_per_second_min']:,}  {'PASS' if t['throughput_ok'] else 'FAIL'}"
    )
    print(
        f"  state bytes/household     {report['bytes_per_household']:,.0f}   target < "
        f"{t['bytes_per_household_max']}  {'PASS' if t['memory_ok'] else 'FAIL'}"
    )
    if report["package"]:
        print(
            f"  five_batches hy/s         {report['five_batches_household_years_per_second']:,.0f}"
            f"   target >= {t['five_batches_household_years_per_second_min']:,}  "
            f"{'PASS' if t['five_batches_throughput_ok'] else 'FAIL'}"
        )
        print(
            f"  five_batches / baseline   {report['five_batches_to_baseline_ratio']:.2f}"
            f"   target >= {t['five_batches_to_baseline_ratio_min']}  "
            f"{'PASS' if t['five_batches_ratio_ok'] else 'FAIL'}"
        )
        package = report["package"]
        print(
            f"  five_batches CPU          {package['package_run_cpu_seconds']:.3f} s against "
            f"the baseline's {package['base_run_cpu_seconds']:.3f} s over {package['cores']} "
            f"cores: the ratio can reach at most "
            f"{report['five_batches_to_baseline_ratio_ceiling']:.2f} on this machine"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="10000,100000",
        help="comma-separated household counts (default 10000,100000)",
    )
    parser.add_argument("--years", type=int, default=20, help="policy years (default 20)")
    parser.add_argument(
        "--scenario",
        default=None,
        help="scenario file (default scenarios/baseline.yaml if present, "
        "else the default Scenario())",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="best of N fresh runs")
    parser.add_argument("--json", action="store_true", help="print one JSON object only")
    parser.add_argument(
        "--json-out", default=None, help="also write the JSON object to this file (with the table)"
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the child-process memory measurements"
    )
    parser.add_argument("--no-mesa", action="store_true", help="skip the Mesa wrapper")
    parser.add_argument(
        "--campaign",
        default=str(DEFAULT_CAMPAIGN),
        help="the full package, timed back to back with the bare engine (scenarios/"
        "baseline.yaml, whatever --scenario is) at the reference size (default "
        "scenarios/five_batches.yaml)",
    )
    parser.add_argument("--no-campaign", action="store_true", help="skip the full package")
    parser.add_argument("--_probe", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]

    if args._probe:
        memory_probe(args._probe, args.scenario, sizes[0], args.years, args.seed)
        return 0

    try:
        base, scenario_label = resolve_scenario(args.scenario)
    except ScenarioError as error:
        print(error, file=sys.stderr)
        return 2
    Simulation(sized(base, 500, 1), seed=args.seed).run()  # warm-up: first-call costs

    rows = []
    for n in sizes:
        rows.append(bench_engine(sized(base, n, args.years), n, args.years, args.seed, args.repeat))

    mesa_rows = None
    if not args.no_mesa and povertymodel_class() is not None:
        mesa_rows = []
        for n in sizes:
            mesa_rows.append(
                bench_mesa(sized(base, n, args.years), n, args.years, args.seed, args.repeat)
            )

    memory_method = None
    if not args.no_memory:
        memory_method = (
            "separate child process per size and method: peak RSS growth = "
            "/proc/self/status VmHWM after run - before Simulation() (imports done); "
            "tracemalloc peak over synthesis + run"
        )
        for row in rows:
            for kind in ("rusage", "tracemalloc"):
                row.update(
                    measure_memory(kind, args.scenario, row["households"], args.years, args.seed)
                )
        if mesa_rows:
            for row in mesa_rows:
                row.update(
                    measure_memory(
                        "mesa_agents", args.scenario, row["households"], args.years, args.seed
                    )
                )

    reference = next(
        (r for r in rows if r["households"] == 100_000), max(rows, key=lambda r: r["households"])
    )
    package = None
    if not args.no_campaign:
        bare_engine, _ = resolve_scenario(None)  # the ratio is to the bare engine
        package = bench_package(
            bare_engine, load_scenario(args.campaign), reference["households"], args.years,
            args.seed, args.repeat,
        )  # fmt: skip
    commit, dirty = git_commit()
    import mesa as _mesa  # only for the version

    report = {
        "household_years_per_second": reference["household_years_per_second"],
        "seconds_100k_20y": reference["total_seconds"],
        "bytes_per_household": reference["state_bytes_per_household"],
        "peak_rss_growth_bytes_per_household": (
            reference["peak_rss_growth_bytes"] / reference["households"]
            if "peak_rss_growth_bytes" in reference
            else None
        ),
        "five_batches_household_years_per_second": (
            package["package_household_years_per_second"] if package else None
        ),
        "five_batches_to_baseline_ratio": package["package_to_base_ratio"] if package else None,
        "five_batches_to_baseline_ratio_ceiling": (
            package["package_to_base_ratio_ceiling"] if package else None
        ),
        "package": {**package, "scenario": args.campaign} if package else None,
        "reference": {"households": reference["households"], "years": reference["years"]},
        "targets": {
            **TARGETS,
            "seconds_ok": reference["total_seconds"] < TARGETS["seconds_100k_20y_max"],
            "throughput_ok": reference["household_years_per_second"]
            >= TARGETS["household_years_per_second_min"],
            "memory_ok": reference["state_bytes_per_household"]
            < TARGETS["bytes_per_household_max"],
            "five_batches_throughput_ok": (
                package["package_household_years_per_second"]
                >= TARGETS["five_batches_household_years_per_second_min"]
                if package
                else None
            ),
            "five_batches_ratio_ok": (
                package["package_to_base_ratio"] >= TARGETS["five_batches_to_baseline_ratio_min"]
                if package
                else None
            ),
        },
        "sizes": rows,
        "mesa": mesa_rows,
        "memory_method": memory_method,
        "scenario": scenario_label,
        "seed": args.seed,
        "repeat": args.repeat,
        "date": datetime.date.today().isoformat(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa_version": _mesa.__version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
    }
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=1) + "\n")
    if args.json:
        print(json.dumps(report))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
