"""Reproducibility, common random numbers and invariants of the engine."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from model.analysis.replicates import YEARLY_COLUMNS, run_replicate, run_replicates
from model.config.scenario import Scenario, with_overrides
from model.engine.state import CAUSE_NONE, NEVER
from model.simulation import Simulation
from model.simulation.metrics import income_columns
from model.simulation.year import YEAR_PLAN

DIBAO = {
    "type": "dibao",
    "fund": "civil_affairs",
    "standard_share_of_line": {2014: 0.9, 2020: 1.0},
}


def small(households: int = 600, years: int = 5, **overrides) -> Scenario:
    """A small county for fast tests, with overrides by key path."""
    return with_overrides(
        Scenario(), {"population.n_households": households, "years": years, **overrides}
    )


def with_dibao(scenario: Scenario, budget_per_household: float | None = 300.0, **keys) -> Scenario:
    funds = {"civil_affairs": {"yearly_per_household": {2014: budget_per_household}}}
    if budget_per_household is None:
        funds = {"civil_affairs": {}}
    return with_overrides(scenario, {"funds": funds, "interventions": [{**DIBAO, **keys}]})


def yearly_bytes(scenario: Scenario, seed: int, replicates: int = 1) -> bytes:
    """The yearly indicators every scenario has (not its per-instrument columns), as CSV."""
    frame = run_replicates(scenario, seed, replicates)[YEARLY_COLUMNS]
    return frame.to_csv(index=False, lineterminator="\n").encode()


def test_same_seed_gives_identical_bytes_and_different_seeds_differ():
    scenario = with_dibao(small())
    first = yearly_bytes(scenario, seed=11, replicates=2)
    assert first == yearly_bytes(scenario, seed=11, replicates=2)
    assert first != yearly_bytes(scenario, seed=12, replicates=2)


def test_replicates_use_distinct_streams_and_each_can_be_rerun_alone():
    scenario = small(years=3)
    stacked = run_replicates(scenario, seed=5, replicates=2)
    alone = run_replicate(scenario, seed=5, replicate=1)
    second = stacked[stacked["replicate"] == 1].reset_index(drop=True)
    assert second.equals(alone)
    first = stacked[stacked["replicate"] == 0].reset_index(drop=True)
    assert not first.drop(columns="replicate").equals(second.drop(columns="replicate"))


def shock_history(scenario: Scenario, seed: int) -> dict[str, list[np.ndarray]]:
    """Per-year copies of what chance decided: episodes, their costs, income shocks, disasters."""
    sim = Simulation(scenario, seed=seed)
    history: dict[str, list[np.ndarray]] = {"episode": [], "cost": [], "shock": [], "disaster": []}
    for _ in range(scenario.years):
        sim.step()
        n = sim.persons.n
        history["episode"].append(sim.persons.episode[:n].copy())
        history["cost"].append(sim.persons.inpatient_cost[:n] + sim.persons.chronic_cost[:n])
        history["shock"].append(sim.households.income_shock_persistent.copy())
        history["disaster"].append(sim.villages.disaster.copy())
    return history


def test_adding_the_dibao_leaves_the_shocks_identical():
    """Common random numbers: the dibao changes incomes, never who falls ill or is hit."""
    base = small(households=800, years=5)
    baseline = shock_history(base, seed=3)
    dibao = shock_history(with_dibao(base, budget_per_household=None), seed=3)
    for key in baseline:
        for year, (a, b) in enumerate(zip(baseline[key], dibao[key], strict=True)):
            assert np.array_equal(a, b), f"{key} differs in policy year {year + 1}"
    # ...while the dibao did change outcomes (otherwise the check above proves nothing).
    assert yearly_bytes(base, 3) != yearly_bytes(with_dibao(base, None), 3)


def test_a_dibao_with_zero_budget_changes_no_output_byte():
    base = small(households=500, years=4)
    assert yearly_bytes(base, 8) == yearly_bytes(with_dibao(base, budget_per_household=0.0), 8)


@pytest.mark.parametrize("seed", range(6))
def test_invariants_hold_every_year(seed):
    scenario = with_dibao(small(households=400, years=6), budget_per_household=150.0)
    sim = Simulation(scenario, seed=seed)
    h, p = sim.households, sim.persons
    for _ in range(scenario.years):
        record = sim.step()
        n = p.n
        for key, value in record.items():
            assert value >= 0, f"{key} is negative: {value}"
        assert np.array_equal(np.bincount(p.household[:n][p.alive[:n]], minlength=h.n), h.size), (
            "persons do not sum to household sizes"
        )
        assert (h.farm_income >= 0).all() and (h.wage_income >= 0).all()
        assert (h.pension_income >= 0).all() and (h.expense_relief >= 0).all()
        assert (h.medical_oop >= 0).all() and (h.schooling_cost >= 0).all()
        assert (h.cause[h.registered] != CAUSE_NONE).all(), "a registered household has no cause"
        assert record["exits_households"] <= int(sim.events["registered_at_start"].sum())
        for fund, balance in sim.ledger.available.items():
            assert balance >= -1e-6, f"fund {fund} overspent: {balance}"
        spent = sim.ledger.spent_by_instrument_year[("dibao", sim.year)]
        allowed = sum(
            sim.ledger.allocation("civil_affairs", year)
            for year in range(scenario.start_year, sim.year + 1)
        )
        assert spent <= allowed + 1e-6


def test_ages_advance_and_newborns_get_new_rows():
    sim = Simulation(small(households=500, years=3), seed=2)
    n0 = sim.persons.n
    ages0 = sim.persons.age[:n0].copy()
    alive0 = sim.persons.alive[:n0].copy()
    sim.step()
    survivors = alive0 & sim.persons.alive[:n0]
    assert (sim.persons.age[:n0][survivors] == ages0[survivors] + 1).all()
    assert sim.persons.n > n0, "no births among 500 households in a year"
    assert (sim.persons.age[n0 : sim.persons.n] == 0).all()


def test_policy_holders_dibao_reaches_exited_households_during_continuation_only():
    scenario = with_dibao(
        small(households=1500, years=6, **{"policy.exit.policy_continuation_years": 1}),
        budget_per_household=None,
        target="policy_holders",
    )
    sim = Simulation(scenario, seed=6)
    h = sim.households
    continuing_paid = 0
    for _ in range(scenario.years):
        registered_before = h.registered.copy()
        exit_year_before = h.exit_year.copy()
        sim.step()
        paid = sim.interventions[0].recipients_this_year
        was_holder = registered_before[paid] | (
            (exit_year_before[paid] != NEVER) & (sim.year - exit_year_before[paid].astype(int) <= 1)
        )
        assert was_holder.all(), "paid a household that neither was registered nor continuing"
        continuing_paid += int((~registered_before[paid]).sum())
    assert continuing_paid > 0, "no exited household received its continued dibao"


def test_drawing_ahead_and_reusing_draw_buffers_change_no_byte(monkeypatch, library_scenario):
    """The year's large draws made on the background thread (model/engine/rng.py), and
    written into buffers the streams keep (here every draw of a yearly stream, not only
    those of 4 MiB or more), are the numbers the stages would have drawn themselves,
    wherever the year places its flexible work (`background.idle` forced either way): the
    record's columns of incomes after the assistance and next year's health draw at the
    next assistance's start, or both with the record."""
    from model.engine import background, rng
    from model.simulation import ahead as work_ahead

    monkeypatch.setattr(work_ahead, "HOUSEHOLDS_FOR_THE_THREAD", 0)  # a small county uses it
    scenario = library_scenario("five_batches", households=3000, years=6)
    runs = {}
    idle = background.idle
    cases = [(False, False, None), (True, False, None), (True, True, None), (False, True, None)]
    cases += [(True, True, True), (True, True, False)]
    for ahead, reuse_every_draw, forced_idle in cases:
        monkeypatch.setattr(background, "ENABLED_BY_DEFAULT", ahead)
        forced = idle if forced_idle is None else (lambda answer=forced_idle: answer)
        monkeypatch.setattr(background, "idle", forced)
        if reuse_every_draw:
            monkeypatch.setattr(rng, "REUSED_DRAW_BYTES", 0)
        sim = Simulation(scenario, seed=4, replicate=1)
        assert sim.draw_ahead is ahead
        sim.run()
        records = json.dumps(sim.records, sort_keys=True)  # NaN-safe, to the last digit
        state = [sim.households.farm_income.tobytes(), sim.persons.school_stage.tobytes()]
        state.append(sim.panel.to_frame(1).to_csv())  # written on the background thread
        runs[ahead, reuse_every_draw, forced_idle] = (records, state, sim.persons.n)
    assert all(run == runs[False, False, None] for run in runs.values())


def test_a_county_below_the_thread_size_runs_without_the_thread(monkeypatch, library_scenario):
    from model.engine import background
    from model.simulation import ahead as work_ahead

    monkeypatch.setattr(background, "ENABLED_BY_DEFAULT", True)
    small = library_scenario("baseline", households=500, years=1)
    monkeypatch.setattr(work_ahead, "HOUSEHOLDS_FOR_THE_THREAD", 501)
    assert Simulation(small, seed=1).draw_ahead is False
    monkeypatch.setattr(work_ahead, "HOUSEHOLDS_FOR_THE_THREAD", 500)
    assert Simulation(small, seed=1).draw_ahead is True


def test_the_record_columns_of_incomes_are_the_same_after_the_assistance_as_at_the_record(
    monkeypatch, library_scenario
):
    """What lets them be worked out while the registry stages run: no stage after the
    assistance changes an income, a household's size or what the ledger paid. (Without
    the background thread, so that the record works them out itself.)"""
    from model.engine import background

    monkeypatch.setattr(background, "ENABLED_BY_DEFAULT", False)
    sim = Simulation(library_scenario("five_batches", households=3000, years=4), seed=2)
    for _ in range(4):
        sim.year += 1
        columns = {}
        for stage in YEAR_PLAN:
            if stage.name == "indicators":
                columns["record"] = _income_columns_now(sim)
            getattr(sim, stage.runs)()
            if stage.name == "assistance":
                columns["assistance"] = _income_columns_now(sim)
        assert columns["assistance"] == columns["record"]
        assert columns["record"][0]["poor_households"] > 0  # the year had poor to count


def _income_columns_now(sim: Simulation) -> tuple:
    """The record's columns of incomes as `sim` stands, without advancing its spells."""
    income_pc = sim.net_income_per_capita()
    yearly = income_columns(sim, income_pc)
    campaign, national_poor = copy.deepcopy(sim.campaign).income_columns(sim, income_pc)
    arrays = (yearly.size, yearly.poor, national_poor)
    return yearly.columns, campaign, tuple(array.tobytes() for array in arrays)
