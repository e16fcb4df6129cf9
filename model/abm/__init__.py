"""The Mesa view of the engine: `PovertyModel` (a `mesa.Model`, one step a policy year)
and its `Household` and `Village` agents, which read and write their rows of the arrays.
Laid out as Mesa's examples are: `model.py`, `agents.py`."""
