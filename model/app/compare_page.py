"""The Compare page: pick up to five scenarios (library or upload), change their levers, set
the size, run `run.py compare`'s code in a worker thread, and read the results.

The page stays responsive while a comparison runs: the work happens in a thread
(solara.use_thread, without intrusive cancellation, which would slow the simulation);
the progress bar counts simulated years, and Cancel stops the run at its next year.
"""

from __future__ import annotations

import functools
from pathlib import Path

import solara

from model.app.compare_job import (
    MAX_SCENARIOS,
    ComparisonCancelledError,
    RunSize,
    compare,
    prepare_comparison,
    total_years,
)
from model.app.controls import BoundedInt, LeverControl, ScenarioUpload
from model.app.levers import apply_levers, field_bounds, scenario_levers
from model.app.paths import library_scenarios
from model.app.results_view import ComparisonResults, HeadlineDifferences
from model.app.uploads import load_upload
from model.config.scenario import Scenario, load_scenario
from model.engine.params.population import PopulationParams
from model.errors import UserError

DEFAULT_HOUSEHOLDS = 10_000
DEFAULT_REPLICATES = 5
MAX_REPLICATES = 100
"""Most replicates the page runs (the command line has no limit)."""
MAX_HOUSEHOLDS_ON_PAGE = 200_000
"""Most households the page runs; the schema allows more, the command line runs them."""


@functools.lru_cache(maxsize=64)
def library_scenario(path: Path) -> Scenario:
    """A library scenario, loaded once per app process."""
    return load_scenario(path)


def error_text(exc: UserError) -> str:
    """What the command line prints for this error (`error: ...`)."""
    return f"error: {exc}"


@solara.component
def ScenarioLevers(name: str, scenario: Scenario, values: solara.Reactive[dict]):
    """The levers of one scenario, grouped, shown when its switch is on."""
    levers = scenario_levers(scenario)
    mine = values.value.get(name, {})

    def setter(key: str):
        def set_value(new) -> None:
            values.set({**values.value, name: {**values.value.get(name, {}), key: new}})

        return set_value

    shown, set_shown = solara.use_state(False)
    solara.Switch(label=f"levers of {name}", value=shown, on_value=set_shown)
    if shown:
        group = None
        for lever in levers:
            if lever.group != group:
                group = lever.group
                solara.Markdown(f"**{group}**")
            LeverControl(lever, mine.get(lever.key, lever.value), setter(lever.key)).key(
                f"{name}-{lever.key}"
            )


@solara.component
def ComparePage():
    """Compare mixes: what `run.py compare` does, with the levers a planner decides on."""
    library = library_scenarios()
    chosen = solara.use_reactive(["baseline_calibrated", "five_batches"])
    uploaded = solara.use_reactive({})  # name -> (file, Scenario)
    upload_message = solara.use_reactive("")
    lever_values = solara.use_reactive({})  # scenario name -> {lever key: value}
    households = solara.use_reactive(DEFAULT_HOUSEHOLDS)
    years = solara.use_reactive(7)
    replicates = solara.use_reactive(DEFAULT_REPLICATES)
    seed = solara.use_reactive(2014)
    request = solara.use_reactive(None)
    run_number = solara.use_reactive(0)
    done_years = solara.use_reactive(0)
    setup_error = solara.use_reactive("")
    early_table = solara.use_reactive(None)  # comparison.csv's table before the figures

    sources = {name: library[name] for name in library} | {
        name: file for name, (file, _) in uploaded.value.items()
    }

    def scenario_of(name: str) -> Scenario:
        if name in uploaded.value:
            return uploaded.value[name][1]
        return library_scenario(library[name])

    def on_upload(file_name: str, data: bytes) -> None:
        try:
            path, scenario = load_upload(file_name, data)
        except UserError as exc:
            upload_message.set(error_text(exc))
            return
        name = f"upload:{path.stem}"
        uploaded.set({**uploaded.value, name: (path, scenario)})
        if len(chosen.value) < MAX_SCENARIOS:
            chosen.set([*chosen.value, name])
        upload_message.set(f"loaded {file_name} as {name} ({scenario.name})")

    def toggle(name: str, on: bool) -> None:
        rest = [n for n in chosen.value if n != name]
        chosen.set([*rest, name] if on else rest)

    def start() -> None:
        setup_error.set("")
        try:
            edited = []
            for name in chosen.value:
                base = scenario_of(name)
                edited.append(
                    apply_levers(base, scenario_levers(base), lever_values.value.get(name, {}))
                )
            size = RunSize(households.value, years.value, replicates.value, seed.value)
            request.set(prepare_comparison(edited, size))
        except UserError as exc:
            setup_error.set(error_text(exc))
            return
        done_years.set(0)
        early_table.set(None)
        run_number.set(run_number.value + 1)

    current = request.value

    def job(cancel):
        if current is None:
            return None
        return compare(current, cancel, done_years.set, early_table.set)

    result = solara.use_thread(job, dependencies=[run_number.value], intrusive_cancel=False)
    running = result.state in (solara.ResultState.STARTING, solara.ResultState.RUNNING,
                               solara.ResultState.WAITING)  # fmt: skip

    solara.Title("Compare mixes")
    with solara.Columns([1, 2]):
        with solara.Column():
            with solara.Card("Scenarios (2 to 5; the first is the reference)"):
                for name in sources:
                    on = name in chosen.value
                    solara.Checkbox(
                        label=name, value=on, on_value=functools.partial(toggle, name),
                        disabled=running or (not on and len(chosen.value) >= MAX_SCENARIOS),
                    )  # fmt: skip
                ScenarioUpload(on_upload)
                if upload_message.value.startswith("error"):
                    with solara.Error(classes=["upload-error"]):
                        solara.Preformatted(upload_message.value)
                elif upload_message.value:
                    solara.Success(upload_message.value)
            with solara.Card("Size and seed"):
                low, high = field_bounds(PopulationParams, "n_households")
                BoundedInt("households", households, int(low), MAX_HOUSEHOLDS_ON_PAGE)
                low, high = field_bounds(Scenario, "years")
                BoundedInt("years", years, int(low), int(high))
                BoundedInt("replicates", replicates, 1, MAX_REPLICATES)
                low, _ = field_bounds(Scenario, "seed")
                BoundedInt("seed", seed, int(low), 2**32 - 1)
            with solara.Card("Levers"):
                for name in chosen.value:
                    ScenarioLevers(name, scenario_of(name), lever_values).key(f"levers-{name}")
        with solara.Column():
            with solara.Card("Run"):
                with solara.Row():
                    solara.Button(
                        "Run comparison", color="primary", on_click=start,
                        disabled=running or len(chosen.value) < 2,
                    )  # fmt: skip
                    solara.Button("Cancel", on_click=result.cancel, disabled=not running)
                if len(chosen.value) < 2:
                    solara.Info("Pick at least two scenarios.")
                if setup_error.value:
                    with solara.Error():
                        solara.Preformatted(setup_error.value)
                if running and current is not None and early_table.value is not None:
                    solara.ProgressLinear(True)
                    solara.Text("simulated; writing the run directories, figures and report")
                    HeadlineDifferences(early_table.value)
                elif running and current is not None:
                    total = max(total_years(current), 1)
                    solara.ProgressLinear(100 * done_years.value / total)
                    solara.Text(f"running: {done_years.value:,} of {total:,} simulated years")
                elif result.state == solara.ResultState.CANCELLED or isinstance(
                    result.error, ComparisonCancelledError
                ):
                    solara.Warning("Cancelled; nothing was reported.")
                elif result.state == solara.ResultState.ERROR and result.error is not None:
                    message = (
                        error_text(result.error)
                        if isinstance(result.error, UserError)
                        else f"the comparison failed: {result.error!r}"
                    )
                    with solara.Error():
                        solara.Preformatted(message)
            if result.state == solara.ResultState.FINISHED and result.value is not None:
                ComparisonResults(result.value, list(current.files))
