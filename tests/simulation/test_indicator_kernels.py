"""The indicators' compiled passes give exactly what their NumPy formulations give."""

from __future__ import annotations

import numpy as np

from model.simulation.campaign_metrics import SPELL_UNKNOWN, next_spell_years, spell_exits
from model.simulation.indicator_kernels import spells_of_the_year


def test_spells_of_the_year_as_spell_exits_and_next_spell_years():
    rng = np.random.default_rng(5)
    n = 2000
    spell = rng.integers(-8, 9, n).astype(np.int16)
    spell[rng.random(n) < 0.1] = SPELL_UNKNOWN
    poor, active = rng.random(n) < 0.4, rng.random(n) < 0.9
    one, long, next_spells = spells_of_the_year(spell, poor, active, 1, 5)
    assert one == spell_exits(spell, poor, active, 1, at_least=False)
    assert long == spell_exits(spell, poor, active, 5, at_least=True)
    expected = next_spell_years(spell, poor)
    assert next_spells.dtype == expected.dtype and next_spells.tobytes() == expected.tobytes()
    assert one[0] > 0 and long[0] > 0  # both kinds of spell occur
