"""Agent-based simulator of rural poverty alleviation (targeted poverty alleviation, 2014-2020).

from model import PovertyModel
model = PovertyModel(n_households=2_000, years=7, seed=1)
while model.running:
    model.step()
model.datacollector.get_model_vars_dataframe()
"""

from model.agents import Household, Village
from model.povertymodel import PovertyModel
from model.scenario import Scenario, load_scenario

__all__ = ["Household", "PovertyModel", "Scenario", "Village", "load_scenario"]
