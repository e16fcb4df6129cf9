"""Typed scenario parameters with their defaults and where each default comes from.

"sources.md:" or "documented" cites docs/sources.md, which gives each figure with its
source document; "assumption" marks a value the documents do not give, chosen to be
plausible for a poor rural county in 2013-2020 and exposed so that calibration can move it. Amounts are yuan
per year in prices of the identification year (2013) unless the name says otherwise;
money then grows at the stated nominal rates.

One module per part of a scenario:

- base: Strict (the base of every section: unknown keys are errors, numbers finite) and
  Schedule (year -> value, or one number for a constant) with its checks;
- population: the synthetic county (VillageParams, HouseholdParams) and where households
  come from (PopulationParams);
- dynamics: the household economy's yearly rules (DemographyParams, HealthParams,
  IncomeParams, ShockParams, SchoolingParams), gathered in DynamicsParams;
- policy: the office's cycle (IdentificationParams, DiagnosisParams, ExitParams,
  MonitoringParams, VillagePolicyParams), gathered in PolicyParams;
- funds: each fund source (FundParams) and how the money is divided (AllocationRule,
  AllocationParams).

Every public name is importable from this package as well as from its module.
"""

from model.engine.params.base import Schedule, Strict
from model.engine.params.base import _check_positive_schedule as _check_positive_schedule
from model.engine.params.base import _check_schedule as _check_schedule
from model.engine.params.dynamics import (
    DemographyParams,
    DynamicsParams,
    HealthParams,
    IncomeParams,
    SchoolingParams,
    ShockParams,
)
from model.engine.params.funds import AllocationParams, AllocationRule, FundParams
from model.engine.params.policy import (
    DiagnosisParams,
    ExitParams,
    IdentificationParams,
    MonitoringParams,
    PolicyParams,
    VillagePolicyParams,
)
from model.engine.params.population import HouseholdParams, PopulationParams, VillageParams

__all__ = [
    "AllocationParams",
    "AllocationRule",
    "DemographyParams",
    "DiagnosisParams",
    "DynamicsParams",
    "ExitParams",
    "FundParams",
    "HealthParams",
    "HouseholdParams",
    "IdentificationParams",
    "IncomeParams",
    "MonitoringParams",
    "PolicyParams",
    "PopulationParams",
    "Schedule",
    "SchoolingParams",
    "ShockParams",
    "Strict",
    "VillageParams",
    "VillagePolicyParams",
]
