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
    fund_lines,
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


def test_describe_states_every_amount_a_fund_has():
    """A fund paid per registry person has a limit: describe says so, with the amount of
    the first policy year, and says no limit only for a fund without any amount."""
    scenario = Scenario.model_validate({
        "start_year": 2014,
        "population": {"n_households": 200},
        "funds": {
            "special": {"yearly_per_registry_person": {2014: 617, 2015: 656}, "integrated": True},
            "county": {"yearly": 1000, "yearly_per_registry_person": 35},
            "donations": {"yearly_per_household": 50, "carry_over": False},
        },
    })  # fmt: skip
    lines = {line.split(":")[0]: line for line in fund_lines(scenario)}
    assert lines["special"].startswith("special: 617 per person on the registry file;")
    assert "in the integrated pool" in lines["special"]
    assert lines["county"].startswith("county: 1,000 plus 35 per person on the registry file;")
    donations = "donations: 10,000 (50 per household); unspent money returned"
    assert lines["donations"].startswith(donations)
    assert lines["general"].startswith("general: no limit;")


def test_describe_marks_the_instruments_the_integrated_pool_does_not_pay_for():
    five_batches = load_scenario(SCENARIOS / "five_batches.yaml")
    lines = [line.strip() for line in describe_year(five_batches)]
    assert "- health_insurance, fund sectoral, its own fund only" in lines
    assert "- village_road, fund sectoral" in lines  # a listed use of the same fund
    assert "- microcredit, fund county" in lines
    assert "- dibao, fund civil_affairs" in lines  # not an integrated fund
    raw = five_batches.model_dump(mode="python")
    raw["allocation"]["integrated_uses"] = None  # the pool pays for every instrument
    plain = [line.strip() for line in describe_year(Scenario.model_validate(raw))]
    assert not any(line.endswith("its own fund only") for line in plain)
