"""State as a struct of arrays at three levels: persons, households, villages.

One NumPy array per attribute; row i of every household array is household i.
Person rows are never reused: a newborn gets a new row at the end (capacity grows
geometrically), a death only clears `alive`. Money is float64 yuan per year.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

# Codes, kept as small integers in the arrays.
LABOUR_NONE, LABOUR_PARTIAL, LABOUR_FULL = 0, 1, 2
DISABILITY_NONE, DISABILITY_PARTIAL, DISABILITY_SEVERE = 0, 1, 2
SCHOOL_NONE, SCHOOL_PRESCHOOL, SCHOOL_COMPULSORY, SCHOOL_HIGH, SCHOOL_COLLEGE = 0, 1, 2, 3, 4
CAUSES = ("illness", "disability", "schooling", "lack_of_labour", "other")
CAUSE_NONE = -1
# Channels assistance reaches a household through (rows of `assisted_income` and
# `expense_relief`); an exit is attributed to one of them or to the household's own income.
CHANNELS = (
    "industry",
    "employment",
    "relocation",
    "safety_net",
    "education",
    "asset_income",
    "health",
)
EXIT_CHANNELS = (*CHANNELS, "own_growth")
OWN_GROWTH = len(CHANNELS)  # index of "own_growth" in EXIT_CHANNELS
EXIT_CHANNEL_NONE = -1
NEVER = np.iinfo(np.int16).min  # "no year" marker in year arrays


def by_school_stage(
    preschool: float, compulsory: float, high_school: float, college: float
) -> np.ndarray:
    """A value per school stage, indexed by the SCHOOL_* code (0 for SCHOOL_NONE): costs,
    stipends or shares read per student with `array[school_stage]`."""
    values = np.zeros(SCHOOL_COLLEGE + 1)
    values[[SCHOOL_PRESCHOOL, SCHOOL_COMPULSORY, SCHOOL_HIGH, SCHOOL_COLLEGE]] = (
        preschool, compulsory, high_school, college,
    )  # fmt: skip
    return values


def grown(array: np.ndarray, size: int, fill=0) -> np.ndarray:
    """`array` extended to `size` rows, the new rows `fill`; `array` itself if it has that
    many (per-person arrays grow as births add rows)."""
    if size <= array.size:
        return array
    # zeros come from fresh pages the kernel maps only when written: spare rows cost no memory
    extended = np.zeros(size, array.dtype) if fill == 0 else np.full(size, fill, array.dtype)
    extended[: array.size] = array
    return extended


@dataclass
class Persons:
    """Members of households. Only the first `n` rows are in use; rows beyond are spare."""

    household: np.ndarray  # int32 household row
    age: np.ndarray  # int16 years
    female: np.ndarray  # bool
    alive: np.ndarray  # bool
    chronic: np.ndarray  # bool: chronic illness
    episode: np.ndarray  # bool: major-illness (inpatient) episode this year
    disability: np.ndarray  # int8 DISABILITY_*
    school_stage: np.ndarray  # int8 SCHOOL_*
    skill: np.ndarray  # float32 wage multiplier (1 = average)
    migrant: np.ndarray  # bool: works away from the village
    labour: np.ndarray  # int8 LABOUR_*, derived each year from age, health, disability, school
    inpatient_cost: np.ndarray  # float32 yuan/year of this year's episode, before insurance
    chronic_cost: np.ndarray  # float32 yuan/year of chronic care, before insurance
    n: int = 0

    def __post_init__(self) -> None:
        self.household = self.household.astype(np.intp, copy=False)  # bincount's index type

    def ensure_capacity(self, needed: int) -> None:
        """Make room for `needed` rows, doubling so appends stay amortised O(1)."""
        capacity = self.household.size
        if needed <= capacity:
            return
        new_capacity = max(needed, int(capacity * 1.5) + 16)
        for f in fields(self):
            if f.name != "n":
                setattr(self, f.name, grown(getattr(self, f.name), new_capacity))

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self) if f.name != "n")


@dataclass
class Households:
    """Household rows: composition summaries, assets, income by source, policy status."""

    village: np.ndarray  # int32 village row
    land_mu: np.ndarray  # float64 mu of farmland
    housing_safe: np.ndarray  # bool
    insured: np.ndarray  # bool: basic medical insurance
    inpatient_reimbursement: np.ndarray  # float64 share of inpatient costs refunded
    outpatient_reimbursement: np.ndarray  # float64 share of chronic costs refunded
    income_shock_persistent: np.ndarray  # float64 AR(1) log shock
    earning_capacity: np.ndarray = field(default=None)  # float64 log fixed effect (permanent)
    safe_water: np.ndarray = field(default=None)  # bool; the village's water unless improved
    # derived from members each year
    size: np.ndarray = field(default=None)  # int32 persons alive
    full_labourers: np.ndarray = field(default=None)  # int32
    labour_units: np.ndarray = field(default=None)  # float64 full-labourer equivalents
    labour_units_by_age: np.ndarray = field(default=None)  # float64, were nobody ill or disabled
    out_of_school_child: np.ndarray = field(
        default=None
    )  # bool: compulsory-age child not in school
    # income and expenses, yuan/year
    farm_income: np.ndarray = field(default=None)
    wage_income: np.ndarray = field(default=None)
    pension_income: np.ndarray = field(default=None)
    remittance_income: np.ndarray = field(default=None)  # migrants' part of wage_income
    medical_oop: np.ndarray = field(default=None)
    schooling_cost: np.ndarray = field(default=None)
    illness_wage_loss: np.ndarray = field(default=None)
    disability_wage_loss: np.ndarray = field(default=None)
    inpatient_cost: np.ndarray = field(default=None)  # float64 yuan/year before reimbursement
    chronic_cost: np.ndarray = field(default=None)  # float64 yuan/year before reimbursement
    # assistance this year, (len(CHANNELS), n) float64 yuan/year by channel: income added
    # (counted in total income) and expenses relieved (already taken off medical_oop and
    # schooling_cost); assisted_total is the income summed over channels as it was paid
    # (what total income adds). All reset at the start of each year's economy.
    assisted_income: np.ndarray = field(default=None)
    expense_relief: np.ndarray = field(default=None)
    assisted_total: np.ndarray = field(default=None)  # float64 yuan/year, all channels
    # policy status
    registered: np.ndarray = field(default=None)  # bool
    registered_year: np.ndarray = field(default=None)  # int16, NEVER if not
    cause: np.ndarray = field(default=None)  # int8 index into CAUSES, CAUSE_NONE if never
    exit_year: np.ndarray = field(default=None)  # int16 last exit, NEVER if none
    exits: np.ndarray = field(default=None)  # int16 number of exits so far
    relapses: np.ndarray = field(default=None)  # int16 number of relapses so far
    monitored: np.ndarray = field(default=None)  # bool
    poor_last_year: np.ndarray = field(default=None)  # bool, true income poverty
    exit_channel: np.ndarray = field(default=None)  # int8 index into EXIT_CHANNELS, last exit

    def __post_init__(self) -> None:
        self.village = self.village.astype(np.intp, copy=False)  # bincount's index type
        n = self.village.size
        defaults = {
            "size": np.int32,
            "full_labourers": np.int32,
            "labour_units": np.float64,
            "labour_units_by_age": np.float64,
            "out_of_school_child": bool,
            "safe_water": bool,
            "farm_income": np.float64,
            "wage_income": np.float64,
            "pension_income": np.float64,
            "earning_capacity": np.float64,
            "remittance_income": np.float64,
            "medical_oop": np.float64,
            "schooling_cost": np.float64,
            "illness_wage_loss": np.float64,
            "disability_wage_loss": np.float64,
            "inpatient_cost": np.float64,
            "chronic_cost": np.float64,
            "assisted_total": np.float64,
            "registered": bool,
            "monitored": bool,
            "exits": np.int16,
            "relapses": np.int16,
            "poor_last_year": bool,
        }
        for name, dtype in defaults.items():
            if getattr(self, name) is None:
                setattr(self, name, np.zeros(n, dtype=dtype))
        for name in ("registered_year", "exit_year"):
            if getattr(self, name) is None:
                setattr(self, name, np.full(n, NEVER, dtype=np.int16))
        if self.cause is None:
            self.cause = np.full(n, CAUSE_NONE, dtype=np.int8)
        if self.exit_channel is None:
            self.exit_channel = np.full(n, EXIT_CHANNEL_NONE, dtype=np.int8)
        for name in ("assisted_income", "expense_relief"):
            if getattr(self, name) is None:
                setattr(self, name, np.zeros((len(CHANNELS), n), dtype=np.float64))

    @property
    def n(self) -> int:
        return self.village.size

    @property
    def active(self) -> np.ndarray:
        """Households with at least one living member."""
        return self.size > 0

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self))


@dataclass
class Villages:
    """Village rows: market access, infrastructure, land, collective economy, status."""

    remoteness: np.ndarray  # float64 0 (near market) .. 1 (most remote)
    road: np.ndarray  # bool
    safe_water: np.ndarray  # bool
    land_productivity: np.ndarray  # float64 multiplier (1 = average)
    collective_income: np.ndarray  # float64 yuan/year
    poor_village: np.ndarray = field(default=None)  # bool, set at identification
    exit_year: np.ndarray = field(default=None)  # int16, NEVER while poor or never poor
    disaster: np.ndarray = field(default=None)  # bool this year
    price_shock: np.ndarray = field(default=None)  # bool this year

    def __post_init__(self) -> None:
        n = self.remoteness.size
        for name in ("poor_village", "disaster", "price_shock"):
            if getattr(self, name) is None:
                setattr(self, name, np.zeros(n, dtype=bool))
        if self.exit_year is None:
            self.exit_year = np.full(n, NEVER, dtype=np.int16)

    @property
    def n(self) -> int:
        return self.remoteness.size

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self))
