"""Compiled passes of the yearly indicators (model/simulation/metrics.py and
campaign_metrics.py), where one loop over the households replaces several whole-county
NumPy passes and their temporaries.

Only where it pays: a compiled pass that reads many arrays at each household (the
assistance per capita over every channel, the income by source) was measured slower
than NumPy's row-by-row passes, which vectorise. Counts are integers, exact in any
order; tests/simulation/test_indicator_kernels.py checks each kernel against its NumPy
formulation.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def spells_of_the_year(spell_years, poor_now, active, exact_years, least_years):  # fmt: skip
    """The spell counts and next spells of `campaign_metrics` in one pass: (households
    still active whose spell last year had exactly `exact_years` years, of them not poor
    now, the same for spells of `least_years` or more, a left-censored spell counting
    once that many years of it were observed), and each household's spell after this
    year (`next_spell_years`)."""
    exact = exact_out = at_least = at_least_out = 0
    next_spells = np.empty_like(spell_years)
    for h in range(spell_years.size):
        spell = spell_years[h]
        poor = poor_now[h]
        if active[h]:
            if spell == exact_years:
                exact += 1
                exact_out += not poor
            if spell >= least_years or spell <= -least_years:
                at_least += 1
                at_least_out += not poor
        if poor:
            next_spells[h] = spell - 1 if spell < 0 else spell + 1
        else:
            next_spells[h] = 0
    return (exact, exact_out), (at_least, at_least_out), next_spells
