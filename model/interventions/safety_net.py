"""Safety-net instruments: the dibao top-up, the wubao, temporary relief, asset dividends.

- dibao (minimum living guarantee) tops income up to a standard. sources.md: "Dibao for those who
  cannot exit through industry or jobs: all fully or partly unable to work are enrolled;
  the dibao line is raised toward the poverty line ('two lines merge')." The standard is a
  schedule of shares of the poverty line so that the two lines can converge over the years.
- wubao (five guarantees) pays a yearly stipend to each elderly member of a household with
  no member of working age (sources.md: "wubao stipend up by at least 600 yuan/year").
- temporary_relief pays a one-off sum in the year of a shock (sources.md: "temporary relief of 600
  yuan per dibao/wubao household and 360 yuan per near-dibao household").
- asset_dividend shares the income of village assets with households without labour (sources.md:
  photovoltaic stations, "a county put 11.5 million yuan into them in one year"; "asset-income
  dividends for those with neither labour nor dibao eligibility").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field, field_validator

from model.engine.kernels import MEMBERS_ELDERLY, MEMBERS_WORKING_AGE
from model.engine.params.base import Schedule, _check_schedule
from model.engine.schedule import value_in_year
from model.interventions import kernels
from model.interventions.base import (
    Intervention,
    InterventionConfig,
    Target,
    register,
)
from model.interventions.members import members

if TYPE_CHECKING:  # pragma: no cover
    from model.engine.context import YearContext


class DibaoConfig(InterventionConfig):
    """Scenario keys of the dibao top-up."""

    type: Literal["dibao"]
    fund: str = Field("civil_affairs", description="fund source that pays for it (civil affairs)")
    standard_share_of_line: Schedule = Field(
        {2014: 1.0},
        description="dibao standard as a share of the poverty line, by year (sources.md: "
        "lines merge)",
    )
    target: Target = Field(
        "all", description="means-tested over everyone by default (see InterventionConfig)"
    )
    no_labour_first: bool = Field(
        True, description="households without a full labourer are served first (docs/sources.md)"
    )
    only_without_labour: bool = Field(
        False,
        description="'two lines merged' (Ministry of Civil Affairs and State Council Leading "
        "Group Office 2016, guiding opinions on linking the rural dibao with poverty "
        "alleviation): the dibao is the safety net for households that cannot work their way "
        "out, those without a full labourer; those with labour are helped by development. "
        "false: every household below the standard",
    )
    registered_last_resort_from: int | None = Field(
        None,
        description="from this year, registered households below the standard are eligible "
        "whatever their labour ('social security as the last resort' of the campaign's final "
        "years: the Ministry of Civil Affairs' 2019-2020 notices on the safety net of the "
        "deadline put registered poor households still below the dibao standard on the "
        "dibao; docs/sources.md); none: `only_without_labour` holds every year",
    )
    register_recipients: bool = Field(
        False,
        description="'two lines merged': dibao recipients without a full labourer that fail "
        "the registration test are put on the poverty registry that year whether or not the "
        "re-check found them (the two lists are reconciled)",
    )

    _standard = field_validator("standard_share_of_line")(_check_schedule)


@register
class Dibao(Intervention):
    """Tops each eligible household's measured per-capita income up to the dibao standard."""

    config_class = DibaoConfig
    config: DibaoConfig
    channel = "safety_net"
    phase = "top_up"  # last: it tops up whatever income the other instruments left

    def standard_per_person(self, sim: YearContext) -> float:
        """Dibao standard this year, yuan per person per year."""
        return sim.poverty_line * value_in_year(self.config.standard_share_of_line, sim.year)

    def eligible_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        below = sim.measured_income_per_capita()[rows] < self.standard_per_person(sim)
        if self.config.only_without_labour:
            h = sim.households
            poor = np.flatnonzero(below)  # a small share: test the labour rule on those only
            qualifies = h.full_labourers[rows[poor]] == 0
            last_resort = self.config.registered_last_resort_from
            if last_resort is not None and sim.year >= last_resort:
                qualifies |= h.registered[rows[poor]]
            below[poor] = qualifies
        return below

    def candidates_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        """`eligible_among` as rows, in one compiled pass: the dibao is means-tested over
        the whole county by default, so the mask would be county-long."""
        last_resort = self.config.registered_last_resort_from
        h = sim.households
        return kernels.dibao_candidates(
            rows, sim.measured_income_per_capita(), float(self.standard_per_person(sim)),
            h.full_labourers, h.registered, self.config.only_without_labour,
            last_resort is not None and sim.year >= last_resort,
        )  # fmt: skip

    def end_year(self, sim: YearContext) -> None:
        """'Two lines merged': hand the year's recipients without a full labourer to the
        registry's re-check (RegistryStages._register in model/simulation/registry.py reads
        `sim.merged_with_registry`)."""
        if self.config.register_recipients:
            h = sim.households
            merged = np.zeros(h.n, dtype=bool)
            merged[self.recipients_this_year] = True
            sim.merged_with_registry = merged & (h.full_labourers == 0)

    def priority_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        shortfall = 1.0 - sim.measured_income_per_capita()[rows] / sim.poverty_line
        if self.config.no_labour_first:
            shortfall = shortfall + 10.0 * (sim.households.full_labourers[rows] == 0)
        return shortfall

    def yearly_cost(self, sim: YearContext, households: np.ndarray) -> np.ndarray:
        gap = self.standard_per_person(sim) - sim.measured_income_per_capita()[households]
        return np.maximum(gap, 0.0) * sim.households.size[households]


# --- wubao -------------------------------------------------------------------------------


def members_by_age(sim: YearContext) -> tuple[np.ndarray, np.ndarray]:
    """Living members of each household aged 16-59 and aged 60+ (counts per household)."""
    return members(sim, MEMBERS_WORKING_AGE), members(sim, MEMBERS_ELDERLY)


class WubaoConfig(InterventionConfig):
    """Scenario keys of the wubao stipend for the elderly without support."""

    type: Literal["wubao"]
    fund: str = Field("civil_affairs", description="fund source that pays for it (civil affairs)")
    stipend_share_of_line: Schedule = Field(
        {2014: 1.0},
        description="yearly stipend per elderly member as a share of the poverty line, by year; "
        "assumption (the documents only say the stipend rose by at least 600 yuan/year)",
    )
    stipend_yuan_per_person: Schedule | None = Field(
        None,
        description="yearly stipend per elderly member in yuan, by year; replaces the share of "
        "the line when set; assumption",
    )
    target: Target = Field(
        "all", description="everyone who meets the rule (see InterventionConfig)"
    )

    _share = field_validator("stipend_share_of_line")(_check_schedule)

    @field_validator("stipend_yuan_per_person")
    @classmethod
    def _amounts(cls, value: Schedule | None) -> Schedule | None:
        return None if value is None else _check_schedule(value)


@register
class Wubao(Intervention):
    """Pays each elderly member of a household with nobody of working age a yearly stipend."""

    config_class = WubaoConfig
    config: WubaoConfig
    channel = "safety_net"
    phase = "transfers"

    def stipend_per_person(self, sim: YearContext) -> float:
        """Stipend this year, yuan per elderly member per year."""
        c = self.config
        if c.stipend_yuan_per_person is not None:
            return value_in_year(c.stipend_yuan_per_person, sim.year)
        return sim.poverty_line * value_in_year(c.stipend_share_of_line, sim.year)

    def eligible_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        working, elderly = members_by_age(sim)
        eligible = sim.households.full_labourers[rows] == 0
        some = np.flatnonzero(eligible)  # a small share: test the members of those only
        eligible[some] = (working[rows[some]] == 0) & (elderly[rows[some]] > 0)
        return eligible

    def candidates_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        """`eligible_among` as rows, in one compiled pass (over the whole county by
        default, like the dibao)."""
        working, elderly = members_by_age(sim)
        return kernels.wubao_candidates(rows, sim.households.full_labourers, working, elderly)

    def yearly_cost(self, sim: YearContext, households: np.ndarray) -> np.ndarray:
        _, elderly = members_by_age(sim)
        return self.stipend_per_person(sim) * elderly[households]


# --- temporary relief --------------------------------------------------------------------


class TemporaryReliefConfig(InterventionConfig):
    """Scenario keys of one-off relief in the year of a shock."""

    type: Literal["temporary_relief"]
    fund: str = Field("civil_affairs", description="fund source that pays for it (civil affairs)")
    relief_yuan_poor: float = Field(
        600,
        ge=0,
        description="yuan to a household below the line (sources.md: 600 per dibao household)",
    )
    relief_yuan_near_poor: float = Field(
        360,
        ge=0,
        description="yuan to a household near the line (sources.md: 360 per near-dibao one)",
    )
    near_line_multiple: float = Field(
        1.5, ge=1, description="near the line: measured income below this many lines; assumption"
    )
    large_bill_share_of_income: float = Field(
        0.4,
        ge=0,
        description="a medical bill (out of pocket) of at least this share of the household's "
        "total income is a shock; assumption",
    )
    target: Target = Field(
        "all", description="everyone hit and near the line (see InterventionConfig)"
    )


@register
class TemporaryRelief(Intervention):
    """Pays a one-off sum to households near or below the line hit this year by a village
    disaster, a price shock or a large medical bill; again in any later shock year."""

    config_class = TemporaryReliefConfig
    config: TemporaryReliefConfig
    channel = "safety_net"
    phase = "transfers"

    def hit_by_shock(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        """Whether each household of `rows` had a disaster or price shock in its village
        this year, or an out-of-pocket medical bill (after this year's health
        instruments) that is large."""
        h, v = sim.households, sim.villages
        village = h.village[rows]
        village_shock = v.disaster[village] | v.price_shock[village]
        share = self.config.large_bill_share_of_income
        bill = h.medical_oop[rows]
        large_bill = (bill > 0) & (bill >= share * np.maximum(sim.total_income()[rows], 1.0))
        return village_shock | large_bill

    def eligible_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        line = self.config.near_line_multiple * sim.poverty_line
        near = sim.measured_income_per_capita()[rows] < line
        some = np.flatnonzero(near)  # a share of the county: test the shocks of those only
        near[some] = self.hit_by_shock(sim, rows[some])
        return near

    def candidates_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        """`eligible_among` as rows, in one compiled pass (over the whole county by
        default, like the dibao)."""
        h, v = sim.households, sim.villages
        line = self.config.near_line_multiple * sim.poverty_line
        return kernels.relief_candidates(
            rows, sim.measured_income_per_capita(), float(line), h.village, v.disaster,
            v.price_shock, h.medical_oop, sim.total_income(),
            float(self.config.large_bill_share_of_income),
        )  # fmt: skip

    def yearly_cost(self, sim: YearContext, households: np.ndarray) -> np.ndarray:
        below = sim.measured_income_per_capita()[households] < sim.poverty_line
        return np.where(below, self.config.relief_yuan_poor, self.config.relief_yuan_near_poor)


# --- asset-income dividend ---------------------------------------------------------------


class AssetDividendConfig(InterventionConfig):
    """Scenario keys of the asset-income dividend (e.g. photovoltaic stations)."""

    type: Literal["asset_dividend"]
    dividend_yuan_per_year: float = Field(
        3000,
        ge=0,
        description="yuan per household per year, constant in nominal yuan; assumption (about "
        "what a 3 kW photovoltaic share earns; sources.md: a county put 11.5 million yuan into "
        "stations in one year, with no per-household figure)",
    )
    no_labour_below_units: float = Field(
        0.5, ge=0, description="no labour: no full labourer and fewer labour units; assumption"
    )
    exclude_dibao_eligible: bool = Field(
        False,
        description="true: only households at or above the dibao standard (sources.md: "
        "dividends 'for those with neither labour nor dibao eligibility'); false: every "
        "household without labour in the target group, the dibao then topping up less. At "
        "the default pension and family support almost every household without labour is "
        "below the standard, so the strict reading reaches almost nobody",
    )


@register
class AssetDividend(Intervention):
    """Pays households without labour a yearly share of the income of village assets
    (docs/sources.md); optionally only those not eligible for the dibao. Paid while the
    household qualifies."""

    config_class = AssetDividendConfig
    config: AssetDividendConfig
    channel = "asset_income"
    phase = "transfers"

    def dibao_standard(self, sim: YearContext) -> float:
        """Per-person income below which a household is dibao-eligible: the highest standard
        of the scenario's dibao instruments, or the poverty line if it has none."""
        standards = [i.standard_per_person(sim) for i in sim.interventions if isinstance(i, Dibao)]
        return max(standards) if standards else sim.poverty_line

    def eligible_among(self, sim: YearContext, rows: np.ndarray) -> np.ndarray:
        h = sim.households
        no_labour = (h.full_labourers[rows] == 0) & (
            h.labour_units[rows] < self.config.no_labour_below_units
        )
        if not self.config.exclude_dibao_eligible:
            return no_labour
        measured = sim.measured_income_per_capita()[rows]
        return no_labour & (measured >= self.dibao_standard(sim))

    def cost_per_household(self) -> float:
        return self.config.dividend_yuan_per_year
