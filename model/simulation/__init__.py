"""One county simulated year by year: the year plan, the loop that runs it, the allocation
of funds to instruments, and the indicators and household panel each year records.

`year.YEAR_PLAN` lists the stages of a policy year in order, as data; `Simulation` runs
them, with the poverty office's registry stages in `registry.RegistryStages`, the
year's cached incomes in `incomes.YearIncomes`, and what it makes ahead on the background
thread, and when, in `ahead.WorkAhead`. Above the engine and the instruments,
below analysis and everything that writes files.
"""

from model.simulation.simulation import Simulation

__all__ = ["Simulation"]
