"""Tolerances derived from the sample size, for the tests' statistical checks."""

from __future__ import annotations

import numpy as np


def within_se(successes: int, trials: int, p: float, k: float = 4.0) -> bool:
    """Whether successes/trials is within k binomial standard errors of p."""
    return abs(successes / trials - p) <= k * np.sqrt(p * (1 - p) / trials)
