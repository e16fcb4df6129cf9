"""The money: each fund source, and how each year's money is divided among instruments."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from model.engine.params.base import Schedule, Strict, _check_schedule
from model.engine.state import CAUSES


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
    integrated_uses: list[str] | None = Field(
        None,
        description="instrument names or types the integrated pool pays for: one of these, "
        "paid by an integrated fund, draws on the other integrated funds once its own is "
        "spent; any other instrument of an integrated fund pays from its own fund only. The "
        "integration pooled agriculture-related funds for production and infrastructure "
        "(State Council General Office 2016 No. 22), not the health and education budgets. "
        "Every instrument of `reallocate_to` must be one. "
        "None: the pool pays for every instrument of an integrated fund",
    )

    def pool_pays_for(self, label: str, type_name: str) -> bool:
        """Whether the integrated pool pays for the instrument named `label` of type
        `type_name` (`integrated_uses` lists it by either, or is not given)."""
        uses = self.integrated_uses
        return uses is None or label in uses or type_name in uses

    @field_validator("shares")
    @classmethod
    def _shares_in_range(cls, value: dict[str, float]) -> dict[str, float]:
        for name, share in value.items():
            if not 0 <= share <= 1:
                raise ValueError(f"share of {name!r} is {share}; a share is between 0 and 1")
        return value
