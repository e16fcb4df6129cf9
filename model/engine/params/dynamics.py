"""The household economy's yearly rules: demography, health, income, shocks and schooling."""

from __future__ import annotations

from pydantic import Field, field_validator

from model.engine.params.base import Schedule, Strict, _check_schedule


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
