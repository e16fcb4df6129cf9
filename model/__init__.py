"""Agent-based simulator of rural poverty alleviation (targeted poverty alleviation, 2014-2020).

    from model import PovertyModel
    model = PovertyModel(n_households=2_000, years=7, seed=1)
    while model.running:
        model.step()
    model.datacollector.get_model_vars_dataframe()

The Mesa classes are imported on first use: importing mesa costs about a second,
which the command line (validate, run) does not need.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Household": "model.abm.agents",
    "Village": "model.abm.agents",
    "PovertyModel": "model.abm.model",
    "Scenario": "model.config.scenario",
    "load_scenario": "model.config.scenario",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")
