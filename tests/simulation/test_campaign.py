"""Mechanisms of project issue 17 (the campaign as it happened), one pure function at a
time, and the campaign targets on seeds the fit did not use (statistical)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.analysis.replicates import run_replicate
from model.analysis.spending import integrated_spending_shares
from model.calibration.inputs import CalibrationError
from model.calibration.targets import load_targets, replicate_moments
from model.config.scenario import load_scenario, set_by_path, validate_data
from model.engine.budget import Ledger
from model.engine.dynamics import earning_capacity
from model.engine.params import FundParams
from model.errors import ScenarioError
from model.interventions.streams import IncomeStreams, fading_loss_risk
from model.simulation import Simulation
from model.simulation.campaign_metrics import SPELL_UNKNOWN, next_spell_years, spell_exits
from tests.support.paths import REPO_ROOT

ROOT = REPO_ROOT


def test_spells_grow_while_poor_reset_when_not_and_count_observed_years_when_left_censored():
    spell = np.array([0, 1, 4, SPELL_UNKNOWN, SPELL_UNKNOWN, 2, -4], dtype=np.int16)
    poor = np.array([True, True, True, True, False, False, True])
    assert next_spell_years(spell, poor).tolist() == [1, 2, 5, -2, 0, 0, -5]


def test_spell_exits_count_the_spells_of_the_length_and_those_no_longer_poor():
    spell = np.array([1, 1, 1, 5, 6, SPELL_UNKNOWN, 1, -5, -4], dtype=np.int16)
    poor_now = np.array([True, False, False, True, False, False, False, False, False])
    active = np.array([True, True, True, True, True, True, False, True, True])  # 7th dissolved
    assert spell_exits(spell, poor_now, active, 1, at_least=False) == (3, 2)
    # five or more: 5 and 6 years, and the left-censored spell observed for five (not four)
    assert spell_exits(spell, poor_now, active, 5, at_least=True) == (3, 2)


def test_fading_loss_risk_combines_the_hazard_of_the_expected_life():
    assert fading_loss_risk(0.0, 4) == pytest.approx(0.25)
    assert fading_loss_risk(0.1, 2) == pytest.approx(1 - 0.9 * 0.5)
    assert fading_loss_risk(0.1, None) == 0.1


def test_a_fading_stream_has_no_fixed_end_and_a_cliff_stream_does():
    fading = IncomeStreams(3, 0, 3, 0.0, fading=True)
    cliff = IncomeStreams(3, 0, 3, 0.0, fading=False)
    for streams in (fading, cliff):
        streams.start(np.array([0, 1, 2]), 2014, 100.0, 0.0)
    assert fading.loss_risk.tolist() == pytest.approx([1 / 3] * 3)
    assert fading.paying(2030)[0].tolist() == [0, 1, 2]  # until lost, however long
    assert cliff.paying(2017)[0].size == 0 and cliff.paying(2016)[0].size == 3


def test_the_mean_life_of_fading_streams_is_their_duration():
    """Geometric life: a stream paying in its start year and then lost each year with
    chance 1/duration pays duration years on average. 20,000 streams: the sd of the mean
    life is sqrt(d(d-1)) / sqrt(n) = 0.024 for d = 4, so 0.1 is four sd."""
    rng = np.random.default_rng(5)
    n, duration = 20_000, 4
    streams = IncomeStreams(n, 0, duration, 0.0, fading=True)
    streams.start(np.arange(n), 0, 1.0, 0.0)
    years_paid = np.zeros(n)
    for year in range(200):
        if year:
            streams.lose(rng.random(n))
        rows, _ = streams.paying(year)
        years_paid[rows] += 1
    assert years_paid.mean() == pytest.approx(duration, abs=0.1)


def test_earning_capacity_multiplier_has_mean_one_and_the_given_log_sd():
    z = np.random.default_rng(1).standard_normal(200_000)
    capacity = earning_capacity(z, 0.5)
    # sd of exp(capacity) is sqrt(exp(0.25) - 1) = 0.53; its mean over 200,000: 0.0012
    assert np.exp(capacity).mean() == pytest.approx(1.0, abs=0.005)
    assert capacity.std() == pytest.approx(0.5, rel=0.01)
    assert np.array_equal(earning_capacity(z, 0.0), np.zeros_like(z))


def _ledger(**funds) -> Ledger:
    return Ledger({name: FundParams(**config) for name, config in funds.items()}, 100)


def test_a_fund_per_registry_person_follows_the_registry():
    ledger = _ledger(special={"yearly_per_registry_person": {2014: 1000, 2016: 1210}})
    assert ledger.allocation("special", 2015, registry_persons=50) == pytest.approx(55_000)
    ledger.open_year(2014, registry_persons=40)
    assert ledger.available["special"] == pytest.approx(40_000)
    assert ledger.budget_this_year == pytest.approx(40_000)


def test_integrated_funds_pay_from_the_own_fund_first_then_the_pool():
    ledger = _ledger(
        a={"yearly": 100, "integrated": True},
        b={"yearly": 50, "integrated": True},
        c={"yearly": 30},
    )
    ledger.open_year(2014)
    assert ledger.spendable("a") == 150 and ledger.spendable("c") == 30
    ledger.book("x", "a", 2014, np.array([0]), np.array([120.0]))
    assert ledger.available == {"a": 0.0, "b": 30.0, "c": 30.0}
    assert ledger.spent_by_fund_year[("a", 2014)] == 100
    assert ledger.spent_by_fund_year[("b", 2014)] == 20


def test_an_instrument_the_pool_does_not_pay_for_spends_its_own_fund_only():
    ledger = Ledger(
        {"a": FundParams(yearly=100, integrated=True), "b": FundParams(yearly=50, integrated=True)},
        100,
        own_fund_only={"medical"},
    )
    ledger.open_year(2014)
    assert ledger.spendable("a", "medical") == 100 and ledger.spendable("a", "project") == 150
    assert ledger.money_left("a", "medical", 2014, None) == 100
    assert ledger.money_left("a", "medical", 2014, 40.0) == 40
    ledger.book("medical", "a", 2014, np.array([0]), np.array([100.0]))
    assert ledger.available == {"a": 0.0, "b": 50.0}
    assert ledger.spendable("a", "medical") == 0 and ledger.spendable("a", "project") == 50
    ledger.book("project", "a", 2014, np.array([1]), np.array([30.0]))  # the pool pays
    assert ledger.available == {"a": 0.0, "b": 20.0}


DEVELOPMENT_AND_WORKS = [
    "production_subsidy", "cooperative_dividend", "microcredit", "relocation", "job_placement",
    "skills_training", "public_welfare_post", "housing_renovation", "village_safe_water",
    "village_road", "village_irrigation",
]  # fmt: skip
"""The uses of the integrated agriculture-related funds (State Council General Office 2016
No. 22): industry, employment, relocation, housing and infrastructure."""


def _health_first(households: int) -> dict:
    raw = load_scenario(ROOT / "scenarios" / "health_first.yaml").model_dump(mode="python")
    set_by_path(raw, "population.n_households", households)
    set_by_path(raw, "years", 5)
    return raw


def _spending(raw: dict) -> tuple[dict, dict]:
    """Yuan spent by (fund, year) and by (instrument, year) in one run of `raw`."""
    sim = Simulation(validate_data(raw), seed=5)
    sim.run()
    return sim.ledger.spent_by_fund_year, sim.ledger.spent_by_instrument_year


@pytest.mark.parametrize("rule", ["in_order", "cost_effectiveness"])
def test_uses_the_pool_does_not_pay_for_leave_the_development_money_alone(rule):
    """health_first's medical layers reach everyone at risk and cost more than the
    sectoral fund holds. When the pool pays for development and works only
    (`allocation.integrated_uses`), the sectoral fund pays all of them and education aid
    every year, and
    the development instruments spend more than when the pool pays for everything (which
    the test also runs: there the medical layers spend more than the sectoral fund)."""
    raw = _health_first(4_000)
    set_by_path(raw, "allocation.rule", rule)
    set_by_path(raw, "allocation.integrated_uses", DEVELOPMENT_AND_WORKS)
    by_fund, by_instrument = _spending(raw)
    sectoral_only = ("health_insurance", "chronic_disease_assistance", "education_aid")
    development = ("production_subsidy", "cooperative_dividend", "skills_training",
                   "public_welfare_post", "microcredit", "relocation")  # fmt: skip

    def total(names, spent, year):
        return sum(spent.get((name, year), 0.0) for name in names)

    years = sorted({year for _, year in by_instrument})
    for year in years:
        sectoral = by_fund.get(("sectoral", year), 0)
        assert total(sectoral_only, by_instrument, year) <= sectoral + 1e-6
    set_by_path(raw, "allocation.integrated_uses", None)  # the pool pays for everything
    pooled_by_fund, pooled_by_instrument = _spending(raw)
    assert any(
        total(sectoral_only, pooled_by_instrument, year)
        > pooled_by_fund.get(("sectoral", year), 0) + 1.0
        for year in years
    )
    assert sum(total(development, by_instrument, y) for y in years) > sum(
        total(development, pooled_by_instrument, y) for y in years
    )


def test_integrated_uses_name_instruments_and_cover_the_reallocation():
    raw = _health_first(100)
    set_by_path(raw, "allocation.integrated_uses", ["production_subsidy", "no_such_thing"])
    with pytest.raises(ScenarioError, match=r"allocation.integrated_uses.1: 'no_such_thing'"):
        validate_data(raw)
    set_by_path(raw, "allocation.integrated_uses", ["production_subsidy"])
    with pytest.raises(ScenarioError, match=r"allocation.reallocate_to.1: 'skills_training'"):
        validate_data(raw)
    set_by_path(raw, "allocation.integrated_uses", DEVELOPMENT_AND_WORKS)
    assert validate_data(raw).allocation.integrated_uses == DEVELOPMENT_AND_WORKS


def test_integration_reallocates_unspent_money_within_the_year():
    """five_batches without re-allocation leaves money idle; with it, under 5% of the
    year's budget stays idle (the targets' threshold)."""
    raw = load_scenario(ROOT / "scenarios" / "five_batches.yaml").model_dump(mode="python")
    set_by_path(raw, "population.n_households", 20_000)  # the county, 80 villages
    with_integration = run_replicate(validate_data(raw), 3, 0)
    set_by_path(raw, "allocation.reallocate_to", [])
    without = run_replicate(validate_data(raw), 3, 0)
    assert with_integration["idle_share_of_budget"].max() < 0.05
    assert without["idle_share_of_budget"].max() > 0.2


def test_a_target_in_an_unknown_run_is_refused(tmp_path):
    path = tmp_path / "targets.yaml"
    path.write_text(
        "name: t\nscenarios: {campaign: x.yaml}\ntargets:\n"
        "  - {indicator: exit_rate, year: first, value: 0.1, tolerance: 0.1, source: s,"
        " scenario: elsewhere}\n"
    )
    with pytest.raises(CalibrationError, match="elsewhere"):
        load_targets(path)


# --- the campaign targets on seeds not used in the fit -------------------------------------

UNMET_TARGETS = {
    "poor_share_2016": "with the development money spent from 2015 the count falls faster "
    "than the record: 0.46 of 2013 against 0.53 (docs/model.md section 8)",
    "exit_after_1y_poor": "one-year spells end about twice as often as CFPS finds (0.75 "
    "against 0.37): the campaign helps the newly poor within a year (docs/model.md)",
    "exit_after_5y_poor": "long spells end too often (0.34 against 0.09) for the same reason",
}
"""Targets the shipped fit does not meet, each with what the model shows; the test marks
them as expected failures, strictly, so a refit that meets one makes the test say so."""

CAMPAIGN_TARGETS_FILE = ROOT / "calibration" / "campaign_targets.yaml"
HOLDOUT_SEED, HOLDOUT_REPLICATES, HOLDOUT_HOUSEHOLDS = 77, 4, 20_000


@pytest.fixture(scope="module")
def holdout_runs() -> dict:
    """The yearly frames of 4 replicates of the baseline and the campaign (paired) on seed
    77 (the fit used 2014), 20,000 households as on the validation page (a smaller county
    has fewer villages to absorb 2014's money in village works, so more of it idle):
    {run name: [frame per replicate]}."""
    targets = load_targets(CAMPAIGN_TARGETS_FILE)
    runs = {}
    for name, path in (
        ("baseline", ROOT / "scenarios" / "baseline_calibrated.yaml"),
        ("campaign", targets.scenario_path("campaign")),
    ):
        raw = load_scenario(path).model_dump(mode="python")
        set_by_path(raw, "population.n_households", HOLDOUT_HOUSEHOLDS)
        scenario = validate_data(raw)
        runs[name] = [run_replicate(scenario, HOLDOUT_SEED, r) for r in range(HOLDOUT_REPLICATES)]
    return runs


@pytest.fixture(scope="module")
def holdout_moments(holdout_runs) -> dict:
    """Every target's per-replicate moments in the holdout runs."""
    targets = load_targets(CAMPAIGN_TARGETS_FILE)
    moments = {}
    for name, frames in holdout_runs.items():
        subset = targets.subset(name)
        rows = np.array([replicate_moments(subset, frame) for frame in frames])
        for k, target in enumerate(subset.targets):
            moments[target.label] = (target, rows[:, k])
    return moments


def campaign_target_labels() -> list:
    labels = [t.label for t in load_targets(CAMPAIGN_TARGETS_FILE).targets]
    return [
        pytest.param(label, marks=pytest.mark.xfail(strict=True, reason=UNMET_TARGETS[label]))
        if label in UNMET_TARGETS
        else label
        for label in labels
    ]


@pytest.mark.statistical
@pytest.mark.parametrize("label", campaign_target_labels())
def test_each_campaign_target_holds_on_a_seed_not_used_in_the_fit(label, holdout_moments):
    """Expectation: the mean over 4 replicates within the target's tolerance, plus the
    sampling error of that mean (2 x replicate sd / sqrt(4)); the known misses are
    strict expected failures."""
    target, values = holdout_moments[label]
    slack = 2 * values.std(ddof=1) / math.sqrt(len(values))
    assert abs(values.mean() - target.value) <= target.tolerance + slack, (
        label, values.mean(), target.value,
    )  # fmt: skip


@pytest.mark.statistical
def test_the_campaign_spends_most_of_its_poverty_funds_on_development(holdout_runs):
    """A pattern of the campaign no target lists: one county's fund rule put at least 60%
    of fiscal poverty funds into industry (docs/sources.md). Expectation: in each of
    2015-2017, the campaign's first years of help planned household by household, the
    development phase (industry, employment, relocation) spends at least half of what the
    integrated poverty funds spend, in every replicate. (Before `allocation.integrated_uses`,
    the medical layers spent the pool and development spent nothing in 2015-2016.)"""
    campaign = load_scenario(load_targets(CAMPAIGN_TARGETS_FILE).scenario_path("campaign"))
    for frame in holdout_runs["campaign"]:
        shares = integrated_spending_shares(frame, campaign)
        assert (shares.loc[[2015, 2016, 2017], "development"] >= 0.5).all(), shares
