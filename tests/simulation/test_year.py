"""The year plan: declared once (model.simulation.year), run in that order, printed by
`run.py describe`."""

from __future__ import annotations

import pytest

from model.config.scenario import Scenario, load_scenario
from model.interventions import REGISTRY
from model.simulation import Simulation
from model.simulation.year import (
    IDENTIFICATION_YEAR,
    PHASE_ORDER,
    YEAR_PLAN,
    describe_year,
    phase_rank,
)
from tests.support.cli import assert_user_error, run_cli
from tests.support.paths import SCENARIOS


def test_every_stage_names_a_simulation_method():
    for stage in (*IDENTIFICATION_YEAR, *YEAR_PLAN):
        assert callable(getattr(Simulation, stage.runs, None)), stage
    names = [stage.name for stage in YEAR_PLAN]
    assert len(names) == len(set(names))


def test_every_instrument_type_runs_in_a_phase_of_the_plan():
    for type_name, cls in REGISTRY.items():
        assert cls.phase in PHASE_ORDER, f"{type_name} declares phase {cls.phase!r}"


def test_an_unknown_phase_is_refused_with_the_phases_of_the_year():
    with pytest.raises(ValueError, match="village_works, expenses"):
        phase_rank("lunch", "dibao")


def test_a_year_runs_its_stages_in_the_order_of_the_plan():
    sim = Simulation(Scenario.model_validate({"years": 1, "population": {"n_households": 50}}))
    ran: list[str] = []
    for stage in YEAR_PLAN:
        method = getattr(sim, stage.runs)

        def spy(method=method, name=stage.name):
            ran.append(name)
            return method()

        setattr(sim, stage.runs, spy)
    sim.step()
    assert ran == [stage.name for stage in YEAR_PLAN]


def test_describe_lists_stages_then_instruments_phase_by_phase():
    scenario = load_scenario(SCENARIOS / "five_batches.yaml")
    text = "\n".join(describe_year(scenario))
    year = text[text.index("each policy year") :]
    positions = [year.index(f" {stage.name} ") for stage in YEAR_PLAN]
    assert positions == sorted(positions)
    listed = [
        line.strip()[2:].split(",")[0]
        for line in year.splitlines()
        if line.strip().startswith("- ")
    ]
    assert sorted(listed) == sorted(spec.name or spec.type for spec in scenario.interventions)
    ranks = [PHASE_ORDER[REGISTRY[name].phase] for name in listed]  # library names = types
    assert ranks == sorted(ranks), listed
    assert listed[-1] == "dibao"  # the top-up runs last, wherever the file lists it


def test_describe_on_the_command_line():
    result = run_cli("describe", "scenarios/five_batches.yaml")
    assert result.returncode == 0, result.stderr
    assert "verification_and_exit" in result.stdout and "funds (yuan" in result.stdout
    assert_user_error(run_cli("describe", "scenarios/no_such.yaml"), "no_such.yaml")
