"""Health instruments: medical costs relieved in the year they fall due (phase "expenses").

- health_insurance: documented "premiums of basic medical insurance fully paid for the registered
  poor; basic insurance + critical-illness insurance + medical assistance ('three layers'),
  one-stop settlement; personal share of in-catalogue inpatient costs held to about 10%
  (reimbursement about 90%); treat first, pay later." The fund pays the members' premiums
  and whatever the upper layers (and an optional yearly cap) take off the household's bill.
- chronic_disease_assistance: the documents name chronic-disease assistance; no amount is given, so
  the share relieved and its cap are assumptions.

Both act on this year's arrays: the dynamics computed the out-of-pocket bill from the gross
costs and the household's reimbursement rates; the instruments relieve part of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NamedTuple

import numpy as np
from pydantic import Field, field_validator

from model.engine.params.base import Schedule, _check_schedule
from model.engine.schedule import value_in_year
from model.interventions import kernels
from model.interventions.base import Intervention, InterventionConfig, register

if TYPE_CHECKING:  # pragma: no cover
    from model.engine.context import YearContext


class Tiers(NamedTuple):
    """The three layers applied to a gross in-catalogue inpatient cost, in order."""

    basic_reimbursement: float | np.ndarray  # share of the gross refunded by basic insurance
    critical_illness_deductible_yuan: float  # of what basic insurance leaves
    critical_illness_reimbursement: float  # share refunded of the remainder above it
    medical_assistance_share: float  # share of what is still left, paid by assistance


def personal_share_after_tiers(gross: np.ndarray, params: Tiers) -> np.ndarray:
    """Yuan the patient still pays of `gross` inpatient costs after the three layers.

    After basic insurance r1 = gross (1 - b); critical-illness insurance refunds
    c max(r1 - D, 0); medical assistance pays m of the rest. Above the deductible the
    personal share of each further yuan is (1 - b)(1 - c)(1 - m)."""
    after_basic = np.asarray(gross, dtype=np.float64) * (1.0 - params.basic_reimbursement)
    above = np.maximum(after_basic - params.critical_illness_deductible_yuan, 0.0)
    after_critical = after_basic - params.critical_illness_reimbursement * above
    return after_critical * (1.0 - params.medical_assistance_share)


class HealthInsuranceConfig(InterventionConfig):
    """Scenario keys of the subsidised three-layer medical insurance."""

    type: Literal["health_insurance"]
    premium_yuan_per_person: Schedule = Field(
        {2014: 180},
        description="individual premium paid by the fund per member and year, by year; "
        "assumption (sources.md: premiums fully paid for the registered poor, amount not given)",
    )
    basic_reimbursement: float | None = Field(
        None,
        ge=0,
        le=1,
        description="share of inpatient costs basic insurance refunds; none = the dynamics' "
        "health.inpatient_reimbursement (assumption)",
    )
    basic_outpatient_reimbursement: float | None = Field(
        None,
        ge=0,
        le=1,
        description="share of chronic (outpatient) costs basic insurance refunds; none = the "
        "dynamics' health.outpatient_reimbursement (assumption)",
    )
    critical_illness_deductible_yuan: float = Field(
        3000,
        ge=0,
        description="yuan per year of what basic insurance leaves before critical-illness "
        "insurance pays, constant in nominal yuan; assumption",
    )
    critical_illness_reimbursement: float = Field(
        0.6, ge=0, le=1, description="share refunded above the deductible; assumption"
    )
    medical_assistance_share: float = Field(
        0.7,
        ge=0,
        le=1,
        description="share of the rest paid by medical assistance; assumption (with the "
        "defaults the personal share of a 9,000-20,000 yuan stay is 9-13%; sources.md: about 10%)",
    )
    out_of_pocket_cap_yuan_per_year: float | None = Field(
        None,
        ge=0,
        description="most a household pays out of pocket for medical care in a year "
        "(inpatient and chronic); none = no cap; assumption",
    )

    _premium = field_validator("premium_yuan_per_person")(_check_schedule)


@register
class HealthInsurance(Intervention):
    """Enrols recipients in basic insurance with premiums paid, and each year brings their
    bill down to what the three layers (and the cap) leave them to pay."""

    config_class = HealthInsuranceConfig
    config: HealthInsuranceConfig
    channel = "health"
    phase = "expenses"

    def basic_rates(self, sim: YearContext) -> tuple[float, float]:
        """Basic insurance's inpatient and outpatient reimbursement shares."""
        c, health = self.config, sim.scenario.dynamics.health
        inpatient = health.inpatient_reimbursement
        outpatient = health.outpatient_reimbursement
        if c.basic_reimbursement is not None:
            inpatient = c.basic_reimbursement
        if c.basic_outpatient_reimbursement is not None:
            outpatient = c.basic_outpatient_reimbursement
        return inpatient, outpatient

    def premium_per_person(self, sim: YearContext) -> float:
        """Yuan of premium per member this year."""
        return value_in_year(self.config.premium_yuan_per_person, sim.year)

    def premiums(self, sim: YearContext, households: np.ndarray) -> np.ndarray:
        """Yuan of premiums for the members of `households` this year."""
        return self.premium_per_person(sim) * sim.households.size[households]

    def relief_rules(self, sim: YearContext) -> tuple:
        """The three layers' rules this year, as the compiled passes take them: the basic
        inpatient and outpatient rates, the critical-illness deductible and its
        reimbursement, medical assistance's share, the yearly cap and whether there is one."""
        c = self.config
        inpatient_rate, outpatient_rate = self.basic_rates(sim)
        cap = c.out_of_pocket_cap_yuan_per_year
        return (
            float(inpatient_rate), float(outpatient_rate),
            float(c.critical_illness_deductible_yuan), float(c.critical_illness_reimbursement),
            float(c.medical_assistance_share), 0.0 if cap is None else float(cap), cap is not None,
        )  # fmt: skip

    def relief_due(self, sim: YearContext, households: np.ndarray) -> np.ndarray:
        """Yuan to take off each household's current out-of-pocket medical bill: what is
        above the bill the three layers leave (the inpatient cost after `Tiers` at least at
        the basic rates, or the household's own if higher, plus the chronic cost after the
        outpatient rate, within the yearly cap). One compiled pass
        (kernels.three_layer_relief, tested against that NumPy formulation) instead of a
        temporary per step."""
        h = sim.households
        return kernels.three_layer_relief(
            np.asarray(households, dtype=np.int64), h.medical_oop, h.inpatient_cost,
            h.inpatient_reimbursement, h.chronic_cost, h.outpatient_reimbursement,
            self.relief_rules(sim),
        )  # fmt: skip

    def eligible_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        return sim.households.active[rows]

    def candidates_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        return kernels.rows_where(rows, sim.households.active)  # without a mask over rows

    def yearly_cost(self, sim: YearContext, households: np.ndarray) -> np.ndarray:
        return self.premiums(sim, households) + self.relief_due(sim, households)

    def expected_gain(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray
    ) -> np.ndarray:
        """The relief expected this year (premiums are not income the household sees)."""
        relief = amounts - self.premiums(sim, households)
        return relief * (1.0 - self.failure_probability(sim, households))

    def apply_effect(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray, succeeded: np.ndarray
    ) -> None:
        """Enrol the successes, raise their reimbursement rates to the basic rates and
        relieve their bills by what was paid beyond the premiums, but never more than the
        relief due now (under cost-effectiveness allocation another health instrument of
        the phase may have relieved part of the bill since the proposal). Enrolment and the
        rates stay after the year. One compiled pass (kernels.insure_and_relieve, tested
        against these steps in NumPy)."""
        worked = np.flatnonzero(succeeded)
        h = sim.households
        moved = kernels.insure_and_relieve(
            households[worked], amounts[worked],
            float(self.premium_per_person(sim)), h.size,
            h.medical_oop, h.inpatient_cost, h.inpatient_reimbursement, h.chronic_cost,
            h.outpatient_reimbursement, self.relief_rules(sim), h.insured,
            h.expense_relief[self.channel_row],
        )  # fmt: skip
        sim.income_changed(moved)  # only rows whose bill changed need their cache updated


class ChronicDiseaseAssistanceConfig(InterventionConfig):
    """Scenario keys of the chronic-disease assistance."""

    type: Literal["chronic_disease_assistance"]
    assistance_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of the out-of-pocket chronic costs relieved; assumption (the "
        "documents name chronic-disease assistance without an amount)",
    )
    cap_yuan_per_year: float | None = Field(
        2000,
        ge=0,
        description="most yuan relieved per household and year; none = no cap; assumption",
    )


@register
class ChronicDiseaseAssistance(Intervention):
    """Relieves a share of each chronically ill household's out-of-pocket chronic costs."""

    config_class = ChronicDiseaseAssistanceConfig
    config: ChronicDiseaseAssistanceConfig
    channel = "health"
    phase = "expenses"

    def eligible_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        return sim.households.chronic_cost[rows] > 0

    def candidates_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        return kernels.rows_above(rows, sim.households.chronic_cost, 0.0)  # without a mask

    def yearly_cost(self, sim: YearContext, households: np.ndarray) -> np.ndarray:
        """The share of the chronic out-of-pocket cost, capped, and never more than the
        household's remaining medical bill."""
        h = sim.households
        chronic_oop = h.chronic_cost[households] * (1.0 - h.outpatient_reimbursement[households])
        relief = self.config.assistance_share * chronic_oop
        if self.config.cap_yuan_per_year is not None:
            relief = np.minimum(relief, self.config.cap_yuan_per_year)
        return np.minimum(relief, h.medical_oop[households])

    def apply_effect(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray, succeeded: np.ndarray
    ) -> None:
        worked = np.flatnonzero(succeeded)
        self.relieve(sim, households[worked], amounts[worked], "medical_oop")
