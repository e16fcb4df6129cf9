"""Scenario tests: find the scenario files with expectations or pins, run what they need on
common random numbers, and judge every expectation and pin.

Shared by `python run.py test` (model/cli/test.py) and the pytest plugin
(model/testing/pytest_plugin.py), so both say the same thing about the same files.

Runs are paired as in `compare`: a scenario and every scenario it is tested `against` run
replicates 0..R-1 of the tested scenario's seed, so replicate r of both starts from the
same households and meets the same shocks. Each distinct run (file, seed, replicates,
households, years) is simulated once, however many expectations or files use it, as
(run, replicate) tasks on a local process pool; a pin is checked on a run with the pin's
own settings (its seed, replicates and sizes), reusing the expectations' run when they
coincide.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from model.errors import ScenarioError, UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from model.analysis.expectations import Verdict
    from model.config.scenario import Scenario
    from model.report.pins import Pin, PinCheck

DEFAULT_REPLICATES = 5
DEFAULT_WORKERS = 2
EXPECT_BLOCK = re.compile(r"^expect\s*:", re.MULTILINE)
"""A top-level `expect:` key (found without parsing YAML, so collecting stays cheap)."""


@dataclass(frozen=True)
class Settings:
    """How the tests run: replicates per run, county size overrides, worker processes."""

    replicates: int = DEFAULT_REPLICATES
    households: int | None = None
    years: int | None = None
    workers: int = DEFAULT_WORKERS
    update: bool = False  # re-pin every pinned scenario from this run


@dataclass(frozen=True)
class RunKey:
    """One distinct simulation: a scenario file run on a seed, replicates and sizes."""

    file: Path  # resolved
    seed: int
    replicates: int
    households: int | None
    years: int | None


@dataclass
class ScenarioPlan:
    """What one scenario file needs: its expectations' run, the runs it is paired against,
    and its pin's run."""

    file: Path  # as given (for messages)
    scenario: Scenario  # as loaded, with its expectations
    run: RunKey | None = None
    against: dict[str, RunKey] = field(default_factory=dict)  # resolved path -> run
    pin_file: Path | None = None
    pin: Pin | None = None
    pin_run: RunKey | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class ScenarioResult:
    """One scenario file judged: each expectation's verdict and the pin check."""

    plan: ScenarioPlan
    verdicts: list[Verdict]
    pin_check: PinCheck | None = None
    repinned: bool = False

    @property
    def failed(self) -> bool:
        from model.analysis.expectations import FAILS

        pin_failed = self.pin_check is not None and not self.pin_check.holds and not self.repinned
        return pin_failed or any(v.outcome == FAILS for v in self.verdicts)


# --- finding the files ----------------------------------------------------------------------


def has_expect_block(path: Path) -> bool:
    """Whether a YAML file has a top-level `expect:` key (a text check, no parsing)."""
    try:
        return bool(EXPECT_BLOCK.search(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        return False


def is_tested(path: Path) -> bool:
    """A scenario file with an `expect:` block or a pin beside it."""
    from model.report.pins import pin_path

    return has_expect_block(path) or pin_path(path).is_file()


def scenario_files(paths: Sequence[Path]) -> list[Path]:
    """The scenario files under `paths` that have tests: every `*.yaml` of a folder (and its
    subfolders) with an expect block or a pin; a named file always (it may have nothing
    to check, which is reported)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [p for p in sorted(path.rglob("*.yaml")) if is_tested(p)]
        elif path.is_file():
            found.append(path)
        else:
            raise UserError(f"{path}: no such file or folder; give scenario files or folders")
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


# --- planning -------------------------------------------------------------------------------


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario (what runs; the expectations are not part of it)."""
    return hashlib.sha256(scenario.to_yaml().encode("utf-8")).hexdigest()


def _run_key(file: Path, scenario: Scenario, seed: int, replicates: int, settings: Settings):
    """The run of `scenario` on `seed` at the settings' sizes; --households does not apply
    to a household table (its size is fixed), so it is dropped there."""
    households = None if scenario.population.source == "csv" else settings.households
    return RunKey(file.resolve(), seed, replicates, households, settings.years)


def plan_scenarios(files: Sequence[Path], settings: Settings) -> list[ScenarioPlan]:
    """Load and check every file, its `against` scenarios and its pin before anything runs;
    every problem at once as a ScenarioError (exit code 2)."""
    from model.analysis.expectations import expectation_problems
    from model.config.scenario import load_scenario
    from model.report.pins import pin_path, read_pin

    plans, problems = [], []
    for file in files:
        try:
            scenario = load_scenario(file)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        problems += expectation_problems(scenario, str(file))
        plan = ScenarioPlan(file=file, scenario=scenario)
        if scenario.expect:
            plan.run = _run_key(file, scenario, scenario.seed, settings.replicates, settings)
            if scenario.population.source == "csv" and settings.households is not None:
                plan.notes.append("runs its household table: --households does not apply")
        for i, expectation in enumerate(scenario.expect):
            if expectation.against is None or expectation.against in plan.against:
                continue
            other_file = Path(expectation.against)
            try:
                other = load_scenario(other_file)
            except ScenarioError as exc:
                problems += [f"{file}: expect.{i}.against: {p}" for p in exc.problems]
                continue
            plan.against[expectation.against] = _run_key(
                other_file, other, scenario.seed, settings.replicates, settings
            )
        pin_file = pin_path(file)
        if pin_file.is_file():
            try:
                plan.pin = read_pin(pin_file)
            except UserError as exc:
                problems.append(str(exc))
                continue
            plan.pin_file = pin_file
            plan.pin_run = RunKey(file.resolve(), *plan.pin.settings)
        if not scenario.expect and plan.pin is None:
            plan.notes.append("nothing to check: no expect: block and no pin")
        plans.append(plan)
    if problems:
        raise ScenarioError(problems)
    return plans


def needed_runs(plans: Iterable[ScenarioPlan]) -> dict[RunKey, Scenario]:
    """Each distinct run the plans need, with the scenario it simulates (sizes applied)."""
    from model.config.scenario import load_scenario, with_overrides

    loaded: dict[Path, Scenario] = {}
    runs: dict[RunKey, Scenario] = {}
    for plan in plans:
        loaded[plan.file.resolve()] = plan.scenario
        keys = [plan.run, *plan.against.values(), plan.pin_run]
        for key in keys:
            if key is None or key in runs:
                continue
            scenario = loaded.get(key.file) or load_scenario(key.file)
            loaded[key.file] = scenario
            overrides = {"population.n_households": key.households, "years": key.years}
            runs[key] = with_overrides(
                scenario, {k: v for k, v in overrides.items() if v is not None}
            )
    return runs


# --- running --------------------------------------------------------------------------------


def replicate_yearly(scenario_json: str, seed: int, replicate: int) -> pd.DataFrame:
    """One task (in a worker process): replicate `replicate` of `seed`, its yearly rows,
    the same numbers `compare` gets for that replicate (model.analysis.replicates)."""
    from model.analysis.replicates import run_replicate
    from model.config.scenario import Scenario

    scenario = Scenario.model_validate_json(scenario_json)
    return run_replicate(scenario, seed, replicate)


def simulate_runs(
    runs: dict[RunKey, Scenario],
    workers: int = DEFAULT_WORKERS,
    finished: Callable[[], None] | None = None,
) -> dict[RunKey, pd.DataFrame]:
    """Every run's replicates (stacked yearly rows, by replicate), as (run, replicate) tasks
    on `workers` local processes (in this process for one worker or one task). The result
    does not depend on the worker count: each task is a pure function of its arguments."""
    import pandas as pd

    tasks = [(key, r) for key in runs for r in range(key.replicates)]
    payload = {key: scenario.model_dump_json() for key, scenario in runs.items()}
    frames: dict[tuple[RunKey, int], pd.DataFrame] = {}
    if workers <= 1 or len(tasks) <= 1:
        for key, r in tasks:
            frames[key, r] = replicate_yearly(payload[key], key.seed, r)
            if finished:
                finished()
    else:
        from model.sweeps.tasks import local_executor

        executor = local_executor(min(workers, len(tasks)))
        try:
            futures = {
                executor.pool.submit(replicate_yearly, payload[key], key.seed, r): (key, r)
                for key, r in tasks
            }
            for future, task in futures.items():
                frames[task] = future.result()
                if finished:
                    finished()
        except BaseException:
            executor.stop()
            raise
        executor.close()
    return {
        key: pd.concat([frames[key, r] for r in range(key.replicates)], ignore_index=True)
        for key in runs
    }


def headline_means(yearly: pd.DataFrame) -> dict[str, float | None]:
    """Each headline figure's mean over replicates, as summary.json states it."""
    from model.analysis.replicates import summarize

    return {name: figure["mean"] for name, figure in summarize(yearly).items()}


# --- judging --------------------------------------------------------------------------------


def judge_plans(
    plans: Sequence[ScenarioPlan], yearly: dict[RunKey, pd.DataFrame], update: bool = False
) -> list[ScenarioResult]:
    """Every expectation's verdict and every pin's check; with `update`, pins are rewritten
    from this run (deliberately: the check before the update is still reported)."""
    from model.analysis.expectations import judge
    from model.report.pins import check_pin, new_pin, write_pin

    results = []
    for plan in plans:
        verdicts = [
            judge(
                expectation, i, yearly[plan.run],
                yearly[plan.against[expectation.against]] if expectation.against else None,
            )  # fmt: skip
            for i, expectation in enumerate(plan.scenario.expect)
        ]
        result = ScenarioResult(plan=plan, verdicts=verdicts)
        if plan.pin is not None:
            figures = headline_means(yearly[plan.pin_run])
            digest = scenario_hash(plan.scenario)
            result.pin_check = check_pin(plan.pin, figures, digest)
            if update:
                write_pin(plan.pin_file, new_pin(plan.file, plan.pin.settings, figures, digest))
                result.repinned = True
        results.append(result)
    return results


def run_suite(
    files: Sequence[Path], settings: Settings, finished: Callable[[], None] | None = None
) -> list[ScenarioResult]:
    """Plan, simulate and judge: the scenario tests of `files`."""
    plans = plan_scenarios(files, settings)
    runs = needed_runs(plans)
    yearly = simulate_runs(runs, settings.workers, finished)
    return judge_plans(plans, yearly, settings.update)


# --- text -------------------------------------------------------------------------------------


def verdict_line(verdict: Verdict) -> str:
    """`incidence_persons final below 0.05: 0.0412 (90% interval 0.0391 to 0.0433)`, and why
    it did not hold."""
    from model.analysis.expectations import figure_text

    expectation = verdict.expectation
    what = "difference" if expectation.against else "mean"
    text = (
        f"{expectation.label}: {what} {figure_text(verdict.estimate)} (90% interval "
        f"{figure_text(verdict.low)} to {figure_text(verdict.high)}, "
        f"{verdict.replicates} replicates)"
    )
    return text + (f"; {verdict.reason}" if verdict.reason else "")


def pin_line(result: ScenarioResult, details: int | None = None) -> str:
    """The pin check as a sentence, whether it was re-pinned, and the figures that moved
    (each on its own indented line; at most `details` of them, all when None)."""
    check = result.pin_check
    text = check.summary()
    if result.repinned:
        text += f"; re-pinned ({result.plan.pin_file.name} rewritten from this run)"
    moved = check.details()
    shown = moved if details is None else moved[:details]
    text += "".join(f"\n      {line}" for line in shown)
    if len(shown) < len(moved):
        text += f"\n      ... and {len(moved) - len(shown)} more (--junit lists all)"
    return text


def pin_outcome(result: ScenarioResult) -> str:
    """holds | fails | re-pinned, for the pin of a scenario result."""
    if result.repinned:
        return "re-pinned"
    return "holds" if result.pin_check.holds else "fails"


def tally(results: Sequence[ScenarioResult]) -> dict[str, int]:
    """Counts of holds, fails and undecided over expectations and pins."""
    counts = {"holds": 0, "fails": 0, "undecided": 0, "re-pinned": 0}
    for result in results:
        for verdict in result.verdicts:
            counts[verdict.outcome] += 1
        if result.pin_check is not None:
            counts[pin_outcome(result)] += 1
    return counts
