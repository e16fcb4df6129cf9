"""The year's incomes as instruments read them, cached between payments.

Every instrument reads total, net and measured per-capita income for its eligibility and
priority, many times a year, while they change only when money moves: a payment or a
relief updates the rows it touched (`income_changed`), the economy of a year starts
afresh (`invalidate_income`). `Simulation` is a `YearIncomes`; this part needs its
`households`, `scenario` and the year's `_measurement_noise`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.engine.income_rows import refresh_income_rows

if TYPE_CHECKING:  # pragma: no cover
    from model.config.scenario import Scenario
    from model.engine.state import Households

CACHED_INCOMES = ("total", "net_per_capita", "measured_per_capita")
"""The incomes cached between payments (keys of the income cache)."""


class YearIncomes:
    """The income part of `Simulation`: the cache and the incomes read through it."""

    households: Households
    scenario: Scenario
    _measurement_noise: np.ndarray  # the office's error this year, per household

    def invalidate_income(self) -> None:
        """Forget the cached incomes: called whenever income or expense arrays change (the
        economy of a year, and every payment or relief an instrument makes)."""
        self._cache: dict[str, np.ndarray] = {}

    def income_changed(self, rows: np.ndarray) -> None:
        """Bring the cached incomes up to date for household `rows` after a payment or a
        relief: the same formulas as a full recomputation, applied to those rows only
        (an instrument pays a small share of the county, and many instruments pay a year)."""
        if not self._cache:
            return
        cached = [self._cache.get(key) for key in CACHED_INCOMES]
        for array in cached:
            if array is not None:
                array.flags.writeable = True
        self._refresh_incomes(np.asarray(rows, dtype=np.int64), cached)
        for array in cached:
            if array is not None:
                array.flags.writeable = False

    def _refresh_incomes(self, rows: np.ndarray, arrays: list[np.ndarray | None]) -> None:
        """Write the CACHED_INCOMES of household `rows` into `arrays` (None: not cached), in
        one compiled pass (model/engine/income_rows.py)."""
        h = self.households
        none = np.zeros(0)
        refresh_income_rows(
            rows,
            h.farm_income,
            h.wage_income,
            h.pension_income,
            h.assisted_total,
            h.medical_oop,
            h.schooling_cost,
            h.size,
            self._measurement_noise,
            self.scenario.policy.identification.income_concept == "income",
            *(none if array is None else array for array in arrays),
        )

    def _cached(self, key: str, compute) -> np.ndarray:
        """Incomes are read many times a year (every instrument's eligibility and priority)
        but change only when money moves; the cached copy is read-only so that no caller
        can change it by mistake."""
        value = self._cache.get(key)
        if value is None:
            value = compute()
            value.flags.writeable = False
            self._cache[key] = value
        return value

    def total_income(self) -> np.ndarray:
        """Household income from all sources this year (yuan/year), before expenses:
        own (farm, wages, pensions) plus what assistance added on every channel."""
        h = self.households
        return self._cached(
            "total",
            lambda: h.farm_income + h.wage_income + h.pension_income + h.assisted_total,
        )

    def assistance_counted(self) -> np.ndarray:
        """(channels x households) yuan/year of assistance the office's income concept
        counts: income added, plus expenses relieved when it judges income minus expenses."""
        h = self.households
        if self.scenario.policy.identification.income_concept == "income":
            return h.assisted_income
        return h.assisted_income + h.expense_relief

    def net_income_per_capita(self) -> np.ndarray:
        """True per-capita net income: income minus out-of-pocket medical and schooling costs."""
        h = self.households

        def compute() -> np.ndarray:
            net = self.total_income() - h.medical_oop - h.schooling_cost
            return np.divide(net, h.size, out=np.zeros(h.n), where=h.size > 0)

        return self._cached("net_per_capita", compute)

    def measured_income_per_capita(self) -> np.ndarray:
        """Per-capita income as the office measures it (its income concept, with error)."""
        if "measured_per_capita" not in self._cache:
            self._cache_all_incomes()
        return self._cache["measured_per_capita"]

    def _cache_all_incomes(self) -> None:
        """Total, net per-capita and measured per-capita income of every household, cached
        in one compiled pass (refresh_income_rows over all rows: the operations of
        `total_income`, `net_income_per_capita` and the measure, in their order, so the
        same bytes) instead of a NumPy pass per operation. The first instrument of each
        year asks for them after the economy changed every income."""
        n = self.households.n
        arrays = [np.empty(n) for _ in CACHED_INCOMES]
        self._refresh_incomes(np.arange(n), arrays)
        for key, array in zip(CACHED_INCOMES, arrays, strict=True):
            array.flags.writeable = False
            self._cache[key] = array
