"""pytest plugin: `pytest scenarios/` collects the scenario tests as test items.

Registered as the `poverty_scenarios` entry point (pyproject.toml, pytest11), so any pytest
in an environment with this package collects, from the folders and files it is given:

- each `*.yaml` with a top-level `expect:` block: one item per expectation, plus one for
  its pin when a `.pinned.json` is beside it;
- each `*.pinned.json` whose scenario has no `expect:` block: one item for the pin.

An expectation that holds passes, one that fails fails (with the figure and its
interval), an undecided one is skipped with the reason, as `run.py test` says them
(model/testing/suite.py): the same plan, runs and verdicts. A file's runs are simulated
once, when its first item runs. Options: --scenario-replicates, --scenario-households,
--scenario-years, --scenario-workers.

Cheap for suites that have no scenario files: this module imports only pytest and the
standard library, a file is looked at only when its name ends in .yaml or .pinned.json,
and a YAML file's text is searched for `expect:` without parsing. The project's own
tests (testpaths = tests) hold no such files, so `make test` collects nothing from here.
Disable it with `-p no:poverty_scenarios`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PIN_SUFFIX = ".pinned.json"  # model.report.pins.PIN_SUFFIX, not imported: keep this module light


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("poverty_scenarios", "scenario tests (expect: blocks and pins)")
    group.addoption("--scenario-replicates", type=int, default=None, metavar="R",
                    help="paired replicates per run (default 5, at least 2)")  # fmt: skip
    group.addoption("--scenario-households", type=int, default=None, metavar="N",
                    help="override population.n_households of the tested runs")  # fmt: skip
    group.addoption("--scenario-years", type=int, default=None, metavar="N",
                    help="override years of the tested runs")  # fmt: skip
    group.addoption("--scenario-workers", type=int, default=None, metavar="N",
                    help="local worker processes (default 2)")  # fmt: skip


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    name = file_path.name
    if name.endswith(".yaml"):
        from model.testing.suite import has_expect_block

        if has_expect_block(file_path):
            return ScenarioFile.from_parent(parent, path=file_path)
    elif name.endswith(PIN_SUFFIX):
        from model.testing.suite import has_expect_block

        scenario_file = file_path.with_name(name.removesuffix(PIN_SUFFIX) + ".yaml")
        if not has_expect_block(scenario_file):  # else the YAML file collects the pin
            return ScenarioFile.from_parent(parent, path=file_path, scenario_file=scenario_file)
    return None


def _settings(config: pytest.Config):
    from model.testing.suite import DEFAULT_REPLICATES, DEFAULT_WORKERS, Settings

    replicates = config.getoption("scenario_replicates") or DEFAULT_REPLICATES
    if replicates < 2:
        raise pytest.UsageError("--scenario-replicates: at least 2 (an interval needs two)")
    return Settings(
        replicates=replicates,
        households=config.getoption("scenario_households"),
        years=config.getoption("scenario_years"),
        workers=config.getoption("scenario_workers") or DEFAULT_WORKERS,
    )


class ScenarioFile(pytest.File):
    """A scenario file's expectations and pin; its runs are simulated once, on first use."""

    def __init__(self, *, scenario_file: Path | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.scenario_file = scenario_file or self.path
        self._result = None

    def collect(self):
        from model.errors import UserError
        from model.testing.suite import plan_scenarios

        try:
            (self.plan,) = plan_scenarios([self.scenario_file], _settings(self.config))
        except UserError as exc:
            raise ScenarioInputError(str(exc)) from None
        for i, expectation in enumerate(self.plan.scenario.expect):
            yield ExpectationItem.from_parent(
                self, name=f"expect.{i} {expectation.label}", index=i
            )
        if self.plan.pin is not None:
            yield PinItem.from_parent(self, name="pinned figures")

    def result(self):
        """The file judged (simulated on the first call, then kept)."""
        if self._result is None:
            from model.testing.suite import judge_plans, needed_runs, simulate_runs

            settings = _settings(self.config)
            yearly = simulate_runs(needed_runs([self.plan]), settings.workers)
            (self._result,) = judge_plans([self.plan], yearly)
        return self._result

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ScenarioInputError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class ScenarioInputError(Exception):
    """A scenario file, its `against` files or its pin cannot be read (exit code 2 in the CLI)."""


class ScenarioTestFailure(Exception):  # noqa: N818 (a test outcome, not an error)
    """An expectation failed or a pin moved: the message is the report's line."""


class ExpectationItem(pytest.Item):
    def __init__(self, *, index: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.index = index

    def runtest(self) -> None:
        from model.analysis.expectations import FAILS, UNDECIDED
        from model.testing.suite import verdict_line

        verdict = self.parent.result().verdicts[self.index]
        if verdict.outcome == FAILS:
            raise ScenarioTestFailure(verdict_line(verdict))
        if verdict.outcome == UNDECIDED:
            pytest.skip(f"undecided: {verdict_line(verdict)}")

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ScenarioTestFailure):
            return f"{self.parent.scenario_file}: fails: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.parent.scenario_file.name}: {self.name}"


class PinItem(pytest.Item):
    def runtest(self) -> None:
        from model.testing.suite import pin_line

        result = self.parent.result()
        if not result.pin_check.holds:
            raise ScenarioTestFailure(pin_line(result))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ScenarioTestFailure):
            return f"{self.parent.plan.pin_file}: pin fails: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.parent.scenario_file.name}: pinned figures"
