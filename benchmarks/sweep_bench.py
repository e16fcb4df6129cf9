"""Sweep throughput: N runs of a county through `run_sweep`, on 1 and 2 local worker
processes and on a Dask LocalCluster of 2 workers, with the results compared byte for byte.

    .venv/bin/python benchmarks/sweep_bench.py                       # 1,000 runs, 10k x 20 y
    .venv/bin/python benchmarks/sweep_bench.py --runs 40 --households 2000 --years 5

Issue 5's targets: 1,000 runs of a 10k-household county x 20 years end to end under 10
minutes on this 2-core machine, 2 local workers close to 2x one worker, and Dask's 2 workers
within 15% of 2 local processes. The sweep is a Latin hypercube over two policy levers of
the baseline scenario (runs = points x 2 replicates); every run does the whole task: the
scenario's validation, synthesis, the policy years and the Parquet file.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.sweeps.runner import run_sweep  # noqa: E402

SWEEP = """name: sweep_bench
base: {base}
seed: 1
replicates: 2
households: {households}
years: {years}
design:
  method: lhs
  points: {points}
factors:
  - {{key: policy.exit.income_margin, kind: lever, range: [0.0, 0.3]}}
  - {{key: policy.identification.recheck_detection, kind: lever, range: [0.3, 0.9]}}
"""


def timed_sweep(sweep: Path, out: Path, **executor) -> tuple[float, bytes]:
    """Seconds for the whole sweep (plan, tasks, results, manifest) and its results' bytes."""
    start = time.perf_counter()
    run_sweep(sweep, out, quiet=True, **executor)
    return time.perf_counter() - start, (out / "results.parquet").read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="tasks (even: 2 replicates)")
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sweep_bench_"))
    try:
        sweep = work / "sweep.yaml"
        sweep.write_text(
            SWEEP.format(
                base=ROOT / "scenarios" / "baseline.yaml",
                households=args.households,
                years=args.years,
                points=args.runs // 2,
            ),
            encoding="utf-8",
        )
        figures: dict[str, object] = {
            "runs": args.runs,
            "households": args.households,
            "years": args.years,
        }
        one, one_bytes = timed_sweep(sweep, work / "one", workers=1)
        two, two_bytes = timed_sweep(sweep, work / "two", workers=2)
        figures |= {
            "seconds_1_worker": round(one, 2),
            "seconds_2_workers": round(two, 2),
            "speedup_2_workers": round(one / two, 2),
            "identical_1_2": one_bytes == two_bytes,
        }
        if not args.no_dask:
            from distributed import LocalCluster

            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
                dask, dask_bytes = timed_sweep(
                    sweep, work / "dask", scheduler=cluster.scheduler_address
                )
            figures |= {
                "seconds_dask_2_workers": round(dask, 2),
                "dask_vs_local_2": round(dask / two, 3),
                "identical_dask": dask_bytes == one_bytes,
            }
        print(json.dumps(figures, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
