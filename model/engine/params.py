"""Typed scenario parameters with their defaults and where each default comes from.

"sources.md:" or "documented" cites docs/sources.md, which gives each figure with its
source document; "assumption" marks a value the documents do not give, chosen to be
plausible for a poor rural county in 2013-2020 and exposed so that calibration can move it. Amounts are yuan
per year in prices of the identification year (2013) unless the name says otherwise;
money then grows at the stated nominal rates.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, ConfigDict, Field, field_validator

from model.engine.finite import FiniteModel
from model.engine.state import CAUSES


def _constant_as_schedule(value: object) -> object:
    """A plain number is a constant schedule: anchored at 1900, so it holds in every year."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {1900: value}
    return value


Schedule = Annotated[dict[int, float], BeforeValidator(_constant_as_schedule)]
"""Year -> value, or one number for a constant; see model.engine.schedule for interpolation."""


class Strict(FiniteModel):
    """Base for every scenario section: unknown keys are errors, not silently ignored;
    numbers are finite and of bounded magnitude (model.engine.finite)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _check_schedule(value: Schedule) -> Schedule:
    """A schedule has a year 1900-2200 for each of its non-negative values; sorted by year."""
    if not value:
        raise ValueError("a schedule needs at least one year: value pair")
    for year, amount in value.items():
        if not 1900 <= year <= 2200:
            raise ValueError(f"year {year} is outside 1900-2200")
        if amount < 0:
            raise ValueError(f"value for {year} is negative ({amount})")
    return dict(sorted(value.items()))


def _check_positive_schedule(value: Schedule) -> Schedule:
    """A schedule every value of which is above zero (a poverty line: incomes are divided
    by it, so a zero line is no line)."""
    value = _check_schedule(value)
    for year, amount in value.items():
        if amount <= 0:
            raise ValueError(f"value for {year} is {amount:g}; allowed: a number above 0")
    return value


class VillageParams(Strict):
    """Synthetic villages."""

    households_per_village: int = Field(
        250,
        ge=1,
        le=100_000,
        description="assumption; documented townships hold 270-1100 registered households over several villages",
    )
    road_share: float = Field(
        0.7, ge=0, le=1, description="villages with an all-weather road; assumption"
    )
    safe_water_share: float = Field(
        0.85,
        ge=0,
        le=1,
        description="villages with safe drinking water; assumption (sources.md: water projects reached 8 villages)",
    )
    land_productivity_sd: float = Field(
        0.5, ge=0, le=3, description="log-sd of village land productivity; assumption"
    )
    collective_income_share: float = Field(
        0.5, ge=0, le=1, description="villages with any collective-economy income; assumption"
    )
    collective_income_median: float = Field(
        30_000, ge=0, description="yuan/year where present; documented targets 10,000-50,000"
    )


class HouseholdParams(Strict):
    """Synthetic households and their members."""

    size_mean: float = Field(
        3.5,
        ge=1,
        le=10,
        description="persons per household; documented registered averages 3.0-4.2 (e.g. 19,423/5,516 = 3.5)",
    )
    size_max: int = Field(9, ge=1, le=20)
    elderly_parent_share: float = Field(
        0.25, ge=0, le=1, description="households of 3+ with a co-resident parent; assumption"
    )
    head_age_mean: float = Field(50, ge=18, le=90)
    head_age_sd: float = Field(13, ge=0, le=40)
    chronic_prevalence_base: float = Field(
        0.03, ge=0, le=1, description="chronic illness at age 30; assumption"
    )
    chronic_prevalence_age_slope: float = Field(
        0.009, ge=0, le=0.1, description="added per year of age above 30; assumption"
    )
    disability_prevalence: float = Field(
        0.065,
        ge=0,
        le=1,
        description="persons with a disability; assumption (national survey about 6.3%)",
    )
    disability_severe_share: float = Field(
        0.4, ge=0, le=1, description="of the disabled, unable to work; assumption"
    )
    skill_sd: float = Field(
        0.3, ge=0, le=3, description="log-sd of the wage multiplier; assumption"
    )
    migrant_share: float = Field(
        0.35, ge=0, le=1, description="full labourers working away at the start; assumption"
    )
    land_mu_per_person_mean: float = Field(
        1.4, ge=0, le=100, description="mu of farmland per person; assumption"
    )
    land_sd: float = Field(0.6, ge=0, le=3, description="log-sd of land per person; assumption")
    unsafe_housing_share: float = Field(
        0.08,
        ge=0,
        le=1,
        description="households in a dangerous house; assumption (sources.md: 72 renovations planned in one township)",
    )
    insurance_enrolment: float = Field(
        0.9, ge=0, le=1, description="basic medical insurance before the campaign; assumption"
    )


class PopulationParams(Strict):
    """Where the households come from: synthesis, or a household table (CSV)."""

    source: Literal["synthetic", "csv"] = "synthetic"
    households_csv: str | None = Field(
        None, description="path to a household table; relative to the scenario file"
    )
    n_households: int = Field(10_000, ge=1, le=50_000_000)
    vary_by_replicate: bool = Field(
        True,
        description="draw new households in each replicate; false: every replicate starts "
        "from the same households (replicate 0's), so replicates differ only in what happens "
        "to them, and vulnerability.csv scores each household",
    )
    villages: VillageParams = VillageParams()
    households: HouseholdParams = HouseholdParams()


class DemographyParams(Strict):
    mortality_at_age_0: float = Field(0.00005, ge=0, le=1, description="Gompertz level; assumption")
    mortality_age_growth: float = Field(
        0.095, ge=0, le=1, description="Gompertz slope per year of age; assumption"
    )
    chronic_mortality_multiplier: float = Field(2.0, ge=1, le=20)
    birth_rate_women_20_39: float = Field(
        0.05, ge=0, le=1, description="births per woman-year; assumption"
    )


class HealthParams(Strict):
    chronic_onset_base: float = Field(
        0.004, ge=0, le=1, description="yearly onset at age 30; assumption"
    )
    chronic_onset_age_slope: float = Field(0.0009, ge=0, le=0.1)
    chronic_recovery: float = Field(0.05, ge=0, le=1)
    episode_base: float = Field(
        0.03,
        ge=0,
        le=1,
        description="yearly major-illness (inpatient) chance at age 30; assumption",
    )
    episode_age_slope: float = Field(0.0008, ge=0, le=0.1)
    episode_chronic_extra: float = Field(0.10, ge=0, le=1)
    episode_cost_median: float = Field(
        9_000, ge=0, description="yuan per episode, lognormal; assumption"
    )
    episode_cost_log_sd: float = Field(1.0, ge=0, le=4, description="heavy tail of episode costs")
    chronic_cost_median: float = Field(
        2_000, ge=0, description="yuan per chronic patient per year; assumption"
    )
    chronic_cost_log_sd: float = Field(0.7, ge=0, le=4)
    episode_leaves_chronic: float = Field(
        0.0,
        ge=0,
        le=1,
        description="share of major-illness episodes after which the patient stays chronically "
        "ill (partial labour and yearly chronic care until recovery), so that an illness "
        "can keep a household poor for years; sources.md: chronic illness slows exit from "
        "poverty (CFPS-2020) and illness is the leading documented cause of poverty; 0 "
        "keeps an episode's work loss to its year (fitted in baseline_calibrated.yaml)",
    )
    episode_work_loss: float = Field(
        0.5, ge=0, le=1, description="share of the year's work lost to an episode"
    )
    disability_onset_base: float = Field(0.001, ge=0, le=1)
    disability_onset_age_slope: float = Field(0.0002, ge=0, le=0.1)
    disability_onset_severe_share: float = Field(
        0.4, ge=0, le=1, description="new disabilities that remove all labour"
    )
    inpatient_reimbursement: float = Field(
        0.45,
        ge=0,
        le=1,
        description="share refunded for the insured before the campaign; assumption (documented campaign target about 0.9)",
    )
    outpatient_reimbursement: float = Field(
        0.2, ge=0, le=1, description="share of chronic costs refunded for the insured; assumption"
    )
    cost_growth: float = Field(
        0.06, ge=-0.5, le=1, description="nominal growth of medical prices per year"
    )


class IncomeParams(Strict):
    local_wage_full: float = Field(
        17_000, ge=0, description="yuan/year for a full labourer working locally; assumption"
    )
    migrant_wage_full: float = Field(30_000, ge=0, description="yuan/year earned away; assumption")
    migrant_remit_share: float = Field(
        0.6, ge=0, le=1, description="share of migrant earnings counted in household income"
    )
    partial_labour_factor: float = Field(
        0.5, ge=0, le=1, description="output of a partial labourer relative to a full one"
    )
    remoteness_wage_penalty: float = Field(
        0.6, ge=0, le=1, description="local wage lost in the most remote village"
    )
    farm_net_per_mu: float = Field(
        900, ge=0, description="net farm income per mu at average productivity; assumption"
    )
    mu_per_labourer: float = Field(6.0, gt=0, description="land one full labourer can farm")
    elderly_support_per_person: float = Field(
        1_200,
        ge=0,
        description="yuan/year from children living elsewhere, per person aged 60+; assumption",
    )
    pension: Schedule = Field(
        {2013: 660},
        description="basic old-age pension yuan/year from age 60; assumption (55 yuan/month)",
    )
    growth: float = Field(
        0.07,
        ge=-0.5,
        le=1,
        description="nominal growth of wages and farm prices per year; assumption",
    )
    farm_growth: float | None = Field(
        None,
        ge=-0.5,
        le=1,
        description="nominal growth of net farm income per mu per year; none = `growth`. "
        "Farming incomes grew more slowly than wages in 2013-2020 (NBS: rural net business "
        "income per person about 6% a year, wages about 8-10%), and the poor depend more on "
        "farming, so their income lags the mean",
    )
    earning_capacity_sd: float = Field(
        0.0,
        ge=0,
        le=2,
        description="log-sd of each household's permanent earning capacity (a household fixed "
        "effect in log farm and wage income, drawn once); valid 0-2. Without it every income "
        "difference between households of equal members and land is transitory or AR(1), and "
        "long poverty spells end as fast as short ones; the CFPS 2010-2018 panel shows strong "
        "duration dependence (Chen, Hou and Fu 2020, Chinese Journal of Population Science "
        "2020(1): 37.2% of one-year poor exit the next year, 8.6% of five-year poor), which "
        "needs persistent differences (docs/model.md). 0 = no fixed effect; the calibrated "
        "county sets it (scenarios/baseline_calibrated.yaml)",
    )
    persistent_rho: float = Field(
        0.8, ge=0, le=1, description="AR(1) persistence of the log income shock"
    )
    persistent_sd: float = Field(0.15, ge=0, le=3, description="sd of the AR(1) innovation (log)")
    transitory_sd: float = Field(0.2, ge=0, le=3, description="sd of the transitory log shock")
    to_migrant: float = Field(
        0.08, ge=0, le=1, description="yearly chance a local full labourer under 50 leaves"
    )
    from_migrant: float = Field(0.1, ge=0, le=1, description="yearly chance a migrant returns")

    _pension = field_validator("pension")(_check_schedule)


class ShockParams(Strict):
    disaster_probability: float = Field(
        0.04, ge=0, le=1, description="per village and year; assumption"
    )
    disaster_farm_loss: float = Field(0.5, ge=0, le=1)
    price_shock_probability: float = Field(0.05, ge=0, le=1)
    price_shock_loss: float = Field(
        0.3, ge=0, le=1, description="share of farm and business income lost"
    )
    enabled: bool = Field(True, description="false switches off every income and village shock")


class SchoolingParams(Strict):
    cost_preschool: float = Field(
        800, ge=0, description="net yuan per student per year; assumption"
    )
    cost_compulsory: float = Field(
        700, ge=0, description="fees are free; board and sundries; assumption"
    )
    cost_high_school: float = Field(4_000, ge=0)
    cost_college: float = Field(12_000, ge=0)
    cost_growth: float = Field(0.05, ge=-0.5, le=1)
    high_school_entry: float = Field(0.5, ge=0, le=1)
    college_entry: float = Field(0.3, ge=0, le=1, description="of high-school graduates")
    dropout_if_poor: float = Field(
        0.03, ge=0, le=1, description="yearly dropout from compulsory school in a poor household"
    )
    graduate_skill_gain: float = Field(
        0.2, ge=0, le=5, description="wage multiplier gain per stage completed above compulsory"
    )


class DynamicsParams(Strict):
    demography: DemographyParams = DemographyParams()
    health: HealthParams = HealthParams()
    income: IncomeParams = IncomeParams()
    shocks: ShockParams = ShockParams()
    schooling: SchoolingParams = SchoolingParams()


class IdentificationParams(Strict):
    income_concept: Literal["income", "income_minus_expenses"] = Field(
        "income",
        description="what the office tests: income (documented exit test) or income minus medical and schooling spending (sources.md: judge by expenditure)",
    )
    measurement_error_sd: float = Field(
        0.15, ge=0, le=3, description="log-sd of the office's income measurement; assumption"
    )
    assurance_registration_multiple: float = Field(
        1.2,
        ge=1,
        le=10,
        description="households failing an assurance are registered below this many lines",
    )
    recheck_detection: float = Field(
        0.5,
        ge=0,
        le=1,
        description="chance the yearly re-check finds a household newly failing the test; assumption (sources.md: re-checks add missed households)",
    )
    monitored_detection: float = Field(
        1.0,
        ge=0,
        le=1,
        description="the same for monitored households (near-line, recently exited, large medical bill)",
    )
    recheck_campaign_detection: dict[int, float] = Field(
        default_factory=dict,
        description="year -> chance the re-check finds a household newly failing the test in "
        "the years of a re-check campaign, replacing recheck_detection: the yearly 'look back' "
        "visits and the 2015-2016 registry rebuild (State Council Leading Group Office, 2015 "
        "registry re-check: 8.07 million people added to the 89.62 million registered in 2014); "
        "valid 0-1 per year; empty: recheck_detection every year",
    )
    rebuild_removal_share: dict[int, float] = Field(
        default_factory=dict,
        description="year -> chance that a registered household (registered before that year, "
        "not exiting) whose measured income is at least rebuild_removal_income_multiple lines "
        "is removed from the registry as wrongly included (not an exit); the 2015-2016 "
        "rebuild removed 9.29 million of the 89.62 million registered in 2014 (State Council "
        "Leading Group Office); valid 0-1 per year; empty: nobody is removed",
    )
    rebuild_removal_income_multiple: float = Field(
        1.0,
        ge=0,
        le=10,
        description="measured income, in lines, at or above which a re-check campaign removes "
        "a registered household; valid 0-10",
    )
    quota_share: float | None = Field(
        None,
        gt=0,
        le=1,
        description="most households registered, as a share of all (sources.md: quota handed down)",
    )


    @field_validator("recheck_campaign_detection", "rebuild_removal_share")
    @classmethod
    def _yearly_chances(cls, value: dict[int, float]) -> dict[int, float]:
        for year, chance in value.items():
            if not 0 <= chance <= 1:
                raise ValueError(f"chance for {year} is {chance}; a chance is between 0 and 1")
        return dict(sorted(value.items()))


class DiagnosisParams(Strict):
    """The registry records one main cause, checked in the order of CAUSES; each share is of
    the household's poverty-line budget (line x size). Defaults were fitted (Nelder-Mead on
    20,000 households, seeds 1-4) so that the causes recorded at identification match the
    county shares of the local documents (docs/sources.md: illness 58.9%, disability 8.9%, schooling 9.0%, lack of labour 8.0%,
    other 15.2%); tests/test_behaviour.py checks them on other seeds."""

    illness_min_loss_share: float = Field(
        0.119, ge=0, le=10, description="out-of-pocket medical plus wages lost to illness"
    )
    disability_min_loss_share: float = Field(
        0.431, ge=0, le=10, description="wages lost to disability"
    )
    schooling_min_cost_share: float = Field(0.138, ge=0, le=10, description="net schooling costs")
    dependency_units_per_person: float = Field(
        0.339,
        ge=0,
        le=5,
        description="'lack of labour' below this many full-labourer units per person, counted as if healthy",
    )


class ExitParams(Strict):
    income_margin: float = Field(
        0.0, ge=0, le=5, description="exit needs measured income above (1 + margin) lines"
    )
    planned_share: Schedule | None = Field(
        None,
        description="the exit plan: at most this share of the households registered at the "
        "start of a year exit in it, those with the highest measured income first (sources.md: exits "
        "are pre-marked on a plan; 1,091 of 5,982 registered persons, about 18%, exited in "
        "one town-year and 16% were planned the next); 1 in a deadline year lets every "
        "household that passes the test exit; none: no plan, every pass exits",
    )
    require_assurances: bool = True
    inspection_error_sd: float | None = Field(
        None,
        ge=0,
        le=3,
        description="county exit inspections: a household passing the exit test is re-measured "
        "(net per-capita income, as the 'two no worries, three guarantees' check covers medical "
        "and school costs) with this log-sd of error and exits only if it passes again "
        "(inspection standard: under 2% wrongly exited, under 1% missed; national "
        "third-party exit evaluation); valid 0-3; none: no inspection",
    )
    policy_continuation_years: int = Field(
        2,
        ge=0,
        le=50,
        description="years policies continue after exit (sources.md: tuition waived two years)",
    )


    @field_validator("planned_share")
    @classmethod
    def _share_schedule(cls, value: Schedule | None) -> Schedule | None:
        if value is None:
            return None
        value = _check_schedule(value)
        for year, share in value.items():
            if share > 1:
                raise ValueError(f"share for {year} is {share}; a share is between 0 and 1")
        return value


class MonitoringParams(Strict):
    near_line_multiple: float = Field(
        1.5, ge=1, le=10, description="non-registered households below this many lines are watched"
    )
    exited_years: int = Field(3, ge=0, le=50, description="exited households are watched this long")
    large_medical_bill_share: float = Field(
        0.5,
        ge=0,
        le=100,
        description="out-of-pocket medical above this share of income triggers a watch",
    )


class VillagePolicyParams(Strict):
    exit_incidence_threshold: float = Field(
        0.03,
        ge=0,
        le=1,
        description="registered incidence (persons) below which a poor village exits; documented county exit 3%",
    )
    provincial_incidence: float | None = Field(
        0.12,
        ge=0,
        le=1,
        description="registered incidence of the province, the poor-village reference; assumption (none = this county's)",
    )
    poor_village_incidence_multiple: float = Field(
        2.0, ge=0, description="sources.md: incidence at least twice the average"
    )
    poor_village_income_share: float = Field(
        0.6, ge=0, le=10, description="sources.md: per-capita income below 60% of the average"
    )


class PolicyParams(Strict):
    identification: IdentificationParams = IdentificationParams()
    diagnosis: DiagnosisParams = DiagnosisParams()
    exit: ExitParams = ExitParams()
    monitoring: MonitoringParams = MonitoringParams()
    villages: VillagePolicyParams = VillagePolicyParams()


class FundParams(Strict):
    """One fund source. With neither amount set the fund has no limit."""

    yearly: Schedule | None = Field(None, description="yuan per year")
    yearly_per_household: Schedule | None = Field(
        None,
        description="yuan per household in the county per year, so budgets scale with --households",
    )
    yearly_per_registry_person: Schedule | None = Field(
        None,
        description="yuan per person on the registry file at the start of the year (households "
        "registered now or exited and kept on file, as the national registry keeps exited "
        "households marked as exited), so the budget follows the registry; added to the other "
        "amounts. National scale: about 1.6 trillion yuan of fiscal poverty funds 2013-2020 "
        "(State Council Information Office white paper 'Poverty Alleviation: China's "
        "Experience and Contribution', April 2021) for 98.99 million poor at the end of 2012, "
        "about 2,000 yuan per person a year, rising (central special funds +14.5% a year "
        "2011-2015); valid: any non-negative schedule",
    )
    integrated: bool = Field(
        False,
        description="the fund is part of the county's integrated pool (State Council General "
        "Office 2016 No. 22, integration of agriculture-related funds in poor counties): an "
        "instrument paid by an integrated fund may draw on every integrated fund once its own "
        "is spent, and the year's unspent pool is re-allocated (allocation.reallocate_to)",
    )
    carry_over: bool = Field(True, description="unspent money stays for next year (sources.md: idle funds)")
    pays_for: list[str] | None = Field(
        None,
        description="instrument types or names this fund may pay for; none = any "
        "(sources.md: integrated sectoral funds, pairing donations and special funds each have uses)",
    )

    @field_validator("yearly", "yearly_per_household", "yearly_per_registry_person")
    @classmethod
    def _schedules(cls, value: Schedule | None) -> Schedule | None:
        return None if value is None else _check_schedule(value)


AllocationRule = Literal["in_order", "fixed_shares", "cause_matched", "cost_effectiveness"]


class AllocationParams(Strict):
    """How each year's money is divided among instruments (model/simulation/allocation.py).

    - in_order: instruments apply in their phase, then scenario order, each taking what
      its fund still holds;
    - fixed_shares: as in_order, but an instrument named in `shares` may spend at most
      its share of its fund's money at the start of the year;
    - cause_matched: "one household, one plan" (docs/sources.md): an instrument listed in `cause_map`
      only serves registered households whose recorded cause it is listed under;
    - cost_effectiveness: within a phase, every (instrument, household) offer is ranked
      by expected income gain per yuan and funded greedily.
    """

    rule: AllocationRule = "in_order"
    shares: dict[str, float] = Field(
        default_factory=dict,
        description="instrument name -> share (0-1) of its fund's yearly money (fixed_shares); "
        "the shares of one fund may not sum above 1",
    )
    cause_map: (
        dict[Literal[CAUSES], list[str]]
        | None
    ) = Field(
        None,
        description="recorded cause -> instrument types or names matched to it "
        "(cause_matched); none = the default map in model/simulation/allocation.py",
    )

    reallocate_to: list[str] = Field(
        default_factory=list,
        description="instrument names or types offered, in this order, the money of the "
        "integrated funds still unspent after the year's phases, without their yearly "
        "capacity (their eligibility, village capacity and once-per-household rules still "
        "apply): integration re-allocates within the year instead of letting money lie idle "
        "(State Council General Office 2016 No. 22); empty: no re-allocation",
    )

    @field_validator("shares")
    @classmethod
    def _shares_in_range(cls, value: dict[str, float]) -> dict[str, float]:
        for name, share in value.items():
            if not 0 <= share <= 1:
                raise ValueError(f"share of {name!r} is {share}; a share is between 0 and 1")
        return value
