"""Education instruments: stipends and fee waivers for students of poor households.

- education_aid: sources.md: "aid from pre-school to university; 795 students in one county all
  covered"; "stipends of 100/200/300 yuan per month for primary/secondary/university
  students in one plan"; "tuition waived for two years after the household exits";
  "Rain and Dew" vocational subsidies (33 students, 180,000 yuan, about 5,450 each).
  Each year a household with a student receives the stipend of every covered student
  (income) and a waiver of part of each student's schooling cost (relief of
  `schooling_cost`). The waiver after exit is the policy continuation: with the default
  target (policy_holders) an exited household keeps the aid for
  `policy.exit.policy_continuation_years` (2 by default, documented), not through a key here.
  An aided student who later leaves school and works earns a wage premium, paid to the
  household as education income for a number of years (the aid's lasting effect).

Stipends are nominal policy amounts (not scaled); the waiver relieves the engine's
schooling cost of the year (already price-indexed); the wage premium is a wage, so it is
given in identification-year yuan and scaled by `sim.money_index`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from model.engine.dynamics import school_cost_by_stage
from model.engine.state import (
    NEVER,
    SCHOOL_NONE,
    by_school_stage,
    grown,
)
from model.interventions import kernels
from model.interventions.base import (
    Intervention,
    InterventionConfig,
    register,
)

if TYPE_CHECKING:  # pragma: no cover
    from model.engine.context import YearContext


class EducationAidConfig(InterventionConfig):
    """Scenario keys of education aid (stipends, fee waivers, the graduates' wage premium)."""

    type: Literal["education_aid"]
    stipend_yuan_per_month_preschool: float = Field(
        0.0,
        ge=0,
        description="stipend per pre-school child per school month; assumption (the "
        "documented plan's rates start at primary school; pre-school aid comes through the "
        "fee waiver)",
    )
    stipend_yuan_per_month_compulsory: float = Field(
        100.0,
        ge=0,
        description="stipend per compulsory-school (age 6-15) student per school month; "
        "sources.md: 100 yuan/month for primary students (the engine has one compulsory stage)",
    )
    stipend_yuan_per_month_high_school: float = Field(
        200.0,
        ge=0,
        description="stipend per high-school student per school month; sources.md: 200 yuan/month "
        "for secondary students",
    )
    stipend_yuan_per_month_college: float = Field(
        300.0,
        ge=0,
        description="stipend per college student per school month; sources.md: 300 yuan/month for "
        "university students",
    )
    months_per_year: int = Field(
        10, ge=0, le=12, description="months of stipend per year; assumption (the school year)"
    )
    fee_waiver_share_preschool: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of a pre-school child's schooling cost waived; assumption (care "
        "fees waived, meals and sundries remain; sources.md: aid from pre-school on)",
    )
    fee_waiver_share_compulsory: float = Field(
        0.0,
        ge=0,
        le=1,
        description="share of a compulsory-school student's cost waived; assumption: 0, "
        "tuition is already free and the engine's cost is board and sundries",
    )
    fee_waiver_share_high_school: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of a high-school student's cost waived; assumption (sources.md: tuition "
        "waived; tuition and fees taken as half the cost, board remains)",
    )
    fee_waiver_share_college: float = Field(
        0.0,
        ge=0,
        le=1,
        description="share of a college student's cost waived; assumption: 0 (university "
        "tuition is met by student loans, not waived)",
    )
    wage_premium_yuan_per_year: float = Field(
        1000.0,
        ge=0,
        description="extra yearly wage of an aided student once out of school and working, "
        "in identification-year yuan (scaled by the money index), on top of the engine's "
        "skill gain from graduating; assumption (the documents give no figure)",
    )
    premium_duration_years: int = Field(
        20, ge=0, le=100, description="years the premium lasts from its first year; assumption"
    )


@register
class EducationAid(Intervention):
    """Yearly stipends and fee waivers for each covered student of an eligible household;
    aided students who later work raise their household's income by a wage premium."""

    config_class = EducationAidConfig
    config: EducationAidConfig
    channel = "education"
    phase = "expenses"
    once_per_household = False  # recurs every year a household has a student

    def __init__(self, config: EducationAidConfig, sim: YearContext):
        super().__init__(config, sim)
        n = sim.persons.n
        self.aided = np.zeros(n, dtype=bool)  # per person: a covered student of an aided home
        self.premium_year = np.full(n, NEVER, dtype=np.int16)  # first premium year, per person
        self.stipend = np.zeros(sim.households.n)  # this year's yuan per household
        self.waiver = np.zeros(sim.households.n)
        self.covered_students = np.zeros(sim.households.n, dtype=np.int64)
        self.students = np.zeros(0, dtype=np.int64)  # this year's covered student rows
        self.aided_rows = np.zeros(0, dtype=np.int64)  # rows where `aided` holds, ascending
        self._students_known = False  # the year's students found (`_know_the_students`)

    # --- per-stage rates -----------------------------------------------------------------
    def stipend_by_stage(self) -> np.ndarray:
        """Yearly stipend per student, indexed by SCHOOL_* code (yuan)."""
        c = self.config
        monthly = by_school_stage(
            c.stipend_yuan_per_month_preschool,
            c.stipend_yuan_per_month_compulsory,
            c.stipend_yuan_per_month_high_school,
            c.stipend_yuan_per_month_college,
        )
        return monthly * c.months_per_year

    def waiver_share_by_stage(self) -> np.ndarray:
        """Share of the schooling cost waived, indexed by SCHOOL_* code."""
        c = self.config
        return by_school_stage(
            c.fee_waiver_share_preschool,
            c.fee_waiver_share_compulsory,
            c.fee_waiver_share_high_school,
            c.fee_waiver_share_college,
        )

    def waiver_by_stage(self, sim: YearContext) -> np.ndarray:
        """Yuan waived per student this year, indexed by SCHOOL_* code: the share of the
        engine's cost of the stage, grown at the schooling cost growth since identification."""
        s = sim.scenario.dynamics.schooling
        index = sim.growth_index(s.cost_growth)
        return self.waiver_share_by_stage() * school_cost_by_stage(s) * index

    def covered_stage(self) -> np.ndarray:
        """Stages (by SCHOOL_* code) the plan pays anything for; SCHOOL_NONE never."""
        covered = (self.stipend_by_stage() > 0) | (self.waiver_share_by_stage() > 0)
        covered[SCHOOL_NONE] = False
        return covered

    # --- the year ------------------------------------------------------------------------
    def begin_year(self, sim: YearContext) -> None:
        """Draws; this year's students are found at their first use (`_know_the_students`)."""
        super().begin_year(sim)
        self.aided = grown(self.aided, sim.persons.n, False)  # newborns get new rows
        self._students_known = False

    def _know_the_students(self, sim: YearContext) -> None:
        """This year's students, stipends and waivers per household (the attributes
        `students`, `covered_students`, `stipend`, `waiver`), at their first use in the
        year: made on the background thread from the second year on, they are asked for
        as late as possible, when the instrument proposes, so that the thread has had the
        year's first phases to make them."""
        if not self._students_known:
            self.students, self.covered_students, self.stipend, self.waiver = (
                sim.persons_summary(f"covered_students:{self.label}", self._students_of_the_year)
            )
            self._students_known = True

    def _students_of_the_year(self, sim: YearContext) -> tuple[np.ndarray, ...]:
        """Living students of a covered stage, and per household their count, stipends and
        waivers (np.flatnonzero and np.bincount), in one compiled pass over the persons.
        It reads persons and the year only, so from the second year on the simulation makes
        it on its background thread while the year's assistance starts (persons_summary)."""
        p, n = sim.persons, sim.persons.n
        return kernels.covered_students(
            p.household[:n], p.alive[:n], p.school_stage[:n], self.covered_stage(),
            self.stipend_by_stage(), self.waiver_by_stage(sim), sim.households.n,
        )  # fmt: skip

    def eligible_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        """Households with a living member in a school stage the plan covers."""
        self._know_the_students(sim)
        return self.covered_students[rows] > 0

    def candidates_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        self._know_the_students(sim)
        return kernels.rows_above(rows, self.covered_students, 0)  # without a mask over rows

    def yearly_cost(self, sim: YearContext, households: np.ndarray) -> np.ndarray:
        """Stipends plus waived fees of the household's students (yuan)."""
        self._know_the_students(sim)
        return self.stipend[households] + self.waiver[households]

    def apply_effect(
        self, sim: YearContext, households: np.ndarray, amounts: np.ndarray, succeeded: np.ndarray
    ) -> None:
        """Pay the stipends, waive the fees and mark the students as aided."""
        self._know_the_students(sim)
        served = households[np.flatnonzero(succeeded)]
        self.pay(sim, served, self.stipend[served])
        self.relieve(sim, served, self.waiver[served], "schooling_cost")
        aided_home = np.zeros(sim.households.n, dtype=bool)
        aided_home[served] = True
        # the students (persons do not change during the year's assistance) of the served
        # homes not aided before, now marked
        newly = kernels.mark_newly_aided(
            self.students, sim.persons.household, aided_home, self.aided
        )
        # kept ascending (both are), so end_year reads the person arrays in memory order
        self.aided_rows = np.insert(self.aided_rows, np.searchsorted(self.aided_rows, newly), newly)

    def end_year(self, sim: YearContext) -> None:
        """Pay every running premium of an aided person still working (`_premiums`)."""
        self._know_the_students(sim)  # the year's students are kept, delivered or not
        households, graduates = sim.persons_summary(f"premiums:{self.label}", self._premiums)
        if households.size == 0:
            return
        premium = self.config.wage_premium_yuan_per_year * sim.money_index
        self.pay(sim, households, premium * graduates)

    def _premiums(self, sim: YearContext) -> tuple[np.ndarray, np.ndarray]:
        """Start the premium of aided persons now out of school and working (once per
        person); the households with a running premium of a person still working, and how
        many such persons each has. It reads the persons, which the year does not change,
        and the aided persons of earlier years: this year's are students, never working,
        so its delivery changes nothing here. From the second year on the simulation makes
        it on its background thread while the year's assistance runs (persons_summary)."""
        p, n = sim.persons, sim.persons.n
        # grown here only: on the background thread from the second year on, so no other
        # thread replaces the array this pass writes
        self.premium_year = grown(self.premium_year, n, NEVER)
        return kernels.start_and_count_premiums(
            self.aided_rows, p.alive[:n], p.school_stage[:n], p.labour[:n], p.household[:n],
            self.premium_year[:n], sim.year, self.config.premium_duration_years,
            sim.households.n,
        )  # fmt: skip
