"""Indicators of the campaign's national record (project issue 17): poverty against the
national line, how long households stay poor, the income of poor areas by source, and how
much of the year's money is left idle.

Pure functions over arrays, plus `CampaignRecord`, which keeps what they need across
years (the identification year's figures and each household's current poverty spell).

- National line: the National Bureau of Statistics (NBS) counts the rural poor by survey
  income against the national line (the "2010 standard", in current prices:
  `Scenario.national_poverty_line`), not by the registry and not against a provincial
  line. `poor_persons_national_share_of_identification` is the persons truly poor against
  it as a share of the identification year's.
- Duration dependence: a household's spell is the number of consecutive years it has been
  truly poor (national line); a spell already running in the identification year has no
  known start (left-censored): it never counts as a one-year spell, and counts among the
  spells of five years or more once five years of it have been observed. `poor_spell_1y_*`
  follow the spells of exactly one year into the next year, `poor_spell_5y_*` those of five
  years or more.
- Targeting against the national record: `missed_poor_share_national` (truly poor against
  the national line, survey income, not registered, over the truly poor) and
  `wrongly_exited_share_of_exits_national` (this year's exits truly poor against it);
  the registry's own `missed_poor_share` and `wrongly_exited_share_of_exits_year` judge
  net income against the office's line.
- Income by source, in the NBS classification of disposable income: wages (local work,
  jobs the campaign found, relocation), net business income (farming, household
  projects), property income (dividends on assets placed with firms), transfers
  (pensions, support from children elsewhere, migrants' remittances, the safety net,
  education stipends). NBS counts what members working away more than six months send
  home as transfer income, so migrants' remittances are transfers here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from model.engine.state import CHANNELS
from model.simulation.indicator_kernels import spells_of_the_year

if TYPE_CHECKING:  # pragma: no cover
    from model.engine.context import YearContext

SPELL_UNKNOWN = -1
"""Spell of a household already poor in the identification year (start unknown). Such a
spell is kept as minus the years observed (-1, -2, ...): its length is at least that."""
LONG_SPELL_YEARS = 5
"""`poor_spell_5y_*` follow spells of at least this many years."""
DURATION_PANEL_LAST_YEAR = 2018
"""Last year of the CFPS panel (2010-2018) the duration targets come from: exits by
duration are pooled over the years it observed, not the 2019-2020 deadline push."""

INCOME_SOURCES = ("wages", "business", "property", "transfers")
CHANNEL_SOURCE = {
    "industry": "business",
    "employment": "wages",
    "relocation": "wages",
    "safety_net": "transfers",
    "education": "transfers",
    "asset_income": "property",
    "health": "transfers",
}
"""NBS source each assistance channel's income counts to."""

CAMPAIGN_COLUMNS = [
    "national_poverty_line",
    "poor_persons_national_line",
    "poor_persons_national_share_of_identification",
    "poor_spell_1y_households",
    "poor_spell_1y_exits_households",
    "poor_spell_5y_households",
    "poor_spell_5y_exits_households",
    "disposable_income_per_capita",
    "disposable_income_index",
    *[f"income_share_{source}" for source in INCOME_SOURCES],
    "budget_total",
    "idle_share_of_budget",
    "missed_poor_share",
    "removed_households",
    "wrongly_exited_share_of_exits_year",
    "missed_poor_share_national",
    "wrongly_exited_share_of_exits_national",
]


def next_spell_years(spell_years: np.ndarray, poor_now: np.ndarray) -> np.ndarray:
    """Each household's poverty spell after this year: 0 when not poor; last year's spell
    plus one when poor (1 for a spell starting now); a left-censored spell (negative:
    minus the years observed) grows by one observed year while the household stays poor."""
    grown = np.where(spell_years < 0, spell_years - 1, spell_years + 1)
    return np.where(poor_now, grown, 0).astype(spell_years.dtype)


def spell_exits(
    spell_years: np.ndarray, poor_now: np.ndarray, active: np.ndarray, length: int, at_least: bool
) -> tuple[int, int]:
    """(households whose spell last year had `length` years -- or more when `at_least` --
    and are still active, of them not poor this year). A left-censored spell has an
    unknown length, at least the years observed: it never counts as exactly `length`,
    and counts as `length` or more once that many years of it have been observed."""
    if at_least:
        at_risk = active & ((spell_years >= length) | (spell_years <= -length))
    else:
        at_risk = active & (spell_years == length)
    return int(np.count_nonzero(at_risk)), int(np.count_nonzero(at_risk & ~poor_now))


def income_by_source(sim: YearContext) -> dict[str, np.ndarray]:
    """Household income this year by NBS source (yuan/year each), before expenses."""
    h = sim.households
    remittances = h.remittance_income
    sources = {
        "wages": h.wage_income - remittances,
        "business": h.farm_income.copy(),
        "property": np.zeros(h.n),
        "transfers": h.pension_income + remittances,
    }
    for row, channel in enumerate(CHANNELS):
        sources[CHANNEL_SOURCE[channel]] += h.assisted_income[row]
    return sources


def disposable_income_per_capita(sim: YearContext) -> float:
    """Person-weighted mean of per-capita income from all sources (yuan/year), the NBS
    concept (medical and school spending are not deducted)."""
    h = sim.households
    size = np.where(h.active, h.size, 0)
    return float(sim.total_income()[np.flatnonzero(h.active)].sum() / max(size.sum(), 1))


def survey_income_per_capita(sim: YearContext, net_income_pc: np.ndarray) -> np.ndarray:
    """Per-capita income as the national surveys count it (Scenario.national_income_concept):
    disposable income from all sources (NBS and CFPS do not deduct medical or school
    spending), or the model's net income (`net_income_pc`, the truth of the registry)."""
    if sim.scenario.national_income_concept == "net":
        return net_income_pc
    h = sim.households
    return np.divide(sim.total_income(), h.size, out=np.zeros(h.n), where=h.size > 0)


class NationalIncomeColumns(NamedTuple):
    """`CampaignRecord.income_columns`: the campaign's columns that read only incomes, and
    which households are poor against the national line (the registry's columns read it)."""

    columns: dict
    poor: np.ndarray


class CampaignRecord:
    """What the campaign indicators carry from year to year for one run."""

    def __init__(self, sim: YearContext, income_pc: np.ndarray):
        income_pc = survey_income_per_capita(sim, income_pc)
        line = sim.national_poverty_line
        poor = sim.households.active & (income_pc < line)
        self.identification_poor_persons = float(sim.households.size[np.flatnonzero(poor)].sum())
        self.identification_income = disposable_income_per_capita(sim)
        self.spell_years = np.where(poor, SPELL_UNKNOWN, 0).astype(np.int16)

    def indicators(self, sim: YearContext, income_pc: np.ndarray) -> dict:
        """This year's campaign columns but those `shares_of_the_record` adds; advances the
        spells. Reads the year's arrays only, so it may run beside `yearly_indicators`."""
        return self.registry_columns(sim, self.income_columns(sim, income_pc))

    def income_columns(self, sim: YearContext, income_pc: np.ndarray) -> NationalIncomeColumns:
        """The columns of `indicators` that read only incomes, sizes and the year's budget,
        and the mask of households poor against the national line; advances the spells.
        Nothing they read changes after the assistance, so this may run while the registry
        stages do (`Simulation._after_assistance`)."""
        income_pc = survey_income_per_capita(sim, income_pc)
        h = sim.households
        line = sim.national_poverty_line
        active = h.active
        poor = active & (income_pc < line)
        # Masks select through their rows, as in yearly_indicators (metrics.py): the same
        # elements in the same order, several times faster than boolean indexing or where=.
        poor_persons = float(h.size[np.flatnonzero(poor)].sum())
        active_rows = np.flatnonzero(active)
        # spell_exits of one-year and long spells, and next_spell_years, in one pass
        one, long, self.spell_years = spells_of_the_year(
            self.spell_years, poor, active, 1, LONG_SPELL_YEARS
        )
        income = disposable_income_per_capita(sim)
        by_source = {
            source: float(values[active_rows].sum())
            for source, values in income_by_source(sim).items()
        }
        total = sum(by_source.values())
        row = {
            "national_poverty_line": line,
            "poor_persons_national_line": poor_persons,
            "poor_persons_national_share_of_identification": ratio(
                poor_persons, self.identification_poor_persons
            ),
            "poor_spell_1y_households": one[0],
            "poor_spell_1y_exits_households": one[1],
            "poor_spell_5y_households": long[0],
            "poor_spell_5y_exits_households": long[1],
            "disposable_income_per_capita": income,
            "disposable_income_index": ratio(income, self.identification_income),
            "budget_total": sim.ledger.budget_this_year,
        }
        for source, yuan in by_source.items():
            row[f"income_share_{source}"] = ratio(yuan, total)
        return NationalIncomeColumns(row, poor)

    @staticmethod
    def registry_columns(sim: YearContext, incomes: NationalIncomeColumns) -> dict:
        """Every column of `indicators`: the `income_columns` and those that read the
        registry as the year leaves it."""
        columns, poor = incomes
        h = sim.households
        exited = sim.events["exited"]
        registry = {
            "removed_households": int(sim.events.get("removed", np.zeros(0)).size),
            "missed_poor_share_national": ratio(
                np.count_nonzero(poor & ~h.registered), np.count_nonzero(poor)
            ),
            "wrongly_exited_share_of_exits_national": ratio(
                np.count_nonzero(poor[exited]), exited.size
            ),
        }
        return {**columns, **registry}


def shares_of_the_record(record: dict) -> dict:
    """The campaign columns computed from the year's other indicators (`record`, which
    already holds `CampaignRecord.indicators`' columns): idle funds, missed poor and
    wrongly exited households as shares."""
    return {
        "idle_share_of_budget": ratio(record["idle_funds"], record["budget_total"]),
        "missed_poor_share": ratio(record["missed_poor_households"], record["poor_households"]),
        "wrongly_exited_share_of_exits_year": ratio(
            record["wrongly_exited_households"], record["exits_households"]
        ),
    }


def ratio(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else 0.0


def campaign_headline(y) -> dict[str, float]:
    """Whole-run campaign figures of one replicate's yearly rows (sorted by year):
    exit shares of one-year and five-year spells (pooled over the years the CFPS panel
    observed, up to DURATION_PANEL_LAST_YEAR), the yearly growth of disposable income per
    capita from the identification year to the final year, and the largest idle share of a
    year's budget."""
    years = len(y)
    index = float(y["disposable_income_index"].iloc[-1])
    panel = y[y["year"] <= DURATION_PANEL_LAST_YEAR]
    return {
        "exit_share_after_1y_poor": ratio(
            panel["poor_spell_1y_exits_households"].sum(),
            panel["poor_spell_1y_households"].sum(),
        ),
        "exit_share_after_5y_poor": ratio(
            panel["poor_spell_5y_exits_households"].sum(),
            panel["poor_spell_5y_households"].sum(),
        ),
        "disposable_income_growth_per_year": index ** (1.0 / years) - 1.0 if index > 0 else 0.0,
        "idle_share_of_budget_max": float(y["idle_share_of_budget"].max()),
        "missed_poor_share_max_from_2017": float(
            y.loc[y["year"] >= 2017, "missed_poor_share_national"].max()
        )
        if (y["year"] >= 2017).any()
        else 0.0,
        "wrongly_exited_share_of_exits_max": float(
            y["wrongly_exited_share_of_exits_national"].max()
        ),
    }
