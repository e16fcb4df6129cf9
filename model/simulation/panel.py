"""The household panel: each household's state in each year of a run, as compact arrays.

Row 0 is the identification year (`start_year - 1`), row k the k-th policy year. The
panel is what the relapse-risk curve, survival after exit, lasting exits and the
vulnerability score are computed from (model/analysis/relapse.py), and what `--panel` writes
to `households.parquet`. It costs 17 bytes per household-year (34 MB for 100,000
households over 20 years), so every run records it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model.engine.state import CAUSE_NONE, CAUSES, EXIT_CHANNEL_NONE, EXIT_CHANNELS

if TYPE_CHECKING:  # pragma: no cover
    from model.engine.context import YearContext

LASTING_EXIT_YEARS = 3
"""An exit is lasting when the household's true income stays at or above the line in each
of the 3 years after the exit year (docs/model.md: "still out of poverty after 3 years")."""


class HouseholdPanel:
    """Per-year arrays (years x households) filled by `record` at the end of each year."""

    def __init__(self, village: np.ndarray, n_years: int, first_year: int):
        shape = (n_years, village.size)
        self.village = village  # each household's village row (fixed)
        self.first_year = first_year
        self.recorded = 0  # rows filled so far
        self.income_to_line_ratio = np.zeros(shape, dtype=np.float32)
        """True per-capita net income / the year's poverty line."""
        self.active = np.zeros(shape, dtype=bool)
        self.size = np.zeros(shape, dtype=np.int16)  # persons
        self.registered = np.zeros(shape, dtype=bool)  # at year end
        self.exited = np.zeros(shape, dtype=bool)  # exited the registry this year
        self.relapsed = np.zeros(shape, dtype=bool)  # re-registered this year after an exit
        self.cause = np.full(shape, CAUSE_NONE, dtype=np.int8)  # recorded cause, if any
        self.exit_channel = np.full(shape, EXIT_CHANNEL_NONE, dtype=np.int8)  # of this year's exit
        self.assistance_yuan = np.zeros(shape, dtype=np.float32)  # booked to it this year

    @property
    def years(self) -> np.ndarray:
        """Calendar year of each recorded row."""
        return self.first_year + np.arange(self.recorded)

    @property
    def poor(self) -> np.ndarray:
        """(recorded years x households) true income below the line, active households only."""
        rows = slice(0, self.recorded)
        return self.active[rows] & (self.income_to_line_ratio[rows] < 1.0)

    def record(self, sim: YearContext, income_per_capita: np.ndarray) -> None:
        """Store the year `sim` has just completed; `income_per_capita` is the true per-capita
        net income (yuan/year) the indicators used."""
        row, h = self.recorded, sim.households
        self.income_to_line_ratio[row] = income_per_capita / sim.poverty_line
        self.active[row] = h.active
        self.size[row] = h.size
        self.registered[row] = h.registered
        none = np.zeros(0, dtype=np.intp)  # the identification year has no exits or relapses
        exited = sim.events.get("exited", none)
        self.exited[row, exited] = True
        self.exit_channel[row, exited] = h.exit_channel[exited]
        self.relapsed[row, sim.events.get("relapsed", none)] = True
        self.cause[row] = h.cause
        self.assistance_yuan[row] = sim.ledger.received_this_year
        self.recorded += 1

    def lasting_exits(self, exit_row: int) -> tuple[int, int]:
        """(exits followed for LASTING_EXIT_YEARS, lasting exits among them) of the exits in
        panel row `exit_row`, once the rows after it are recorded; (0, 0) before that.

        Followed: the household is still active LASTING_EXIT_YEARS years later (a household
        whose members all died is not followed). Lasting: no year below the line after exit.
        """
        last = exit_row + LASTING_EXIT_YEARS
        if last >= self.recorded:
            return 0, 0
        followed = self.exited[exit_row] & self.active[last]
        window = slice(exit_row + 1, last + 1)
        fell_back = (self.active[window] & (self.income_to_line_ratio[window] < 1.0)).any(axis=0)
        return int(np.count_nonzero(followed)), int(np.count_nonzero(followed & ~fell_back))

    def start_frame(self) -> pd.DataFrame:
        """Each household at identification (row 0): the start of vulnerability.csv."""
        cause_names = np.array([*CAUSES, ""])
        return pd.DataFrame(
            {
                "household_row": np.arange(self.village.size, dtype=np.int32),
                "village_row": self.village.astype(np.int32),
                "registered_at_start": self.registered[0],
                "cause_at_start": cause_names[self.cause[0]],
                "income_to_line_ratio_at_start": self.income_to_line_ratio[0],
            }
        )

    def to_frame(self, replicate: int) -> pd.DataFrame:
        """Long table, one row per active household and year (households.parquet)."""
        rows = slice(0, self.recorded)
        year_index, household = np.nonzero(self.active[rows])
        cause_names = np.array([*CAUSES, ""])  # CAUSE_NONE (-1) picks the last entry
        channel_names = np.array([*EXIT_CHANNELS, ""])
        return pd.DataFrame(
            {
                "replicate": np.full(household.size, replicate, dtype=np.int32),
                "year": (self.first_year + year_index).astype(np.int16),
                "household_row": household.astype(np.int32),
                "village_row": self.village[household].astype(np.int32),
                "size_persons": self.size[year_index, household],
                "income_to_line_ratio": self.income_to_line_ratio[year_index, household],
                "poor": self.income_to_line_ratio[year_index, household] < 1.0,
                "registered": self.registered[year_index, household],
                "exited": self.exited[year_index, household],
                "relapsed": self.relapsed[year_index, household],
                "recorded_cause": pd.Categorical(
                    cause_names[self.cause[year_index, household]], categories=[*CAUSES, ""]
                ),
                "exit_channel": pd.Categorical(
                    channel_names[self.exit_channel[year_index, household]],
                    categories=[*EXIT_CHANNELS, ""],
                ),
                "assistance_yuan": self.assistance_yuan[year_index, household],
            }
        )
