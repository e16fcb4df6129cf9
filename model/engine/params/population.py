"""The synthetic county: its villages, its households and their members, or a household
table to read instead."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from model.engine.params.base import Strict


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
