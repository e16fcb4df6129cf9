"""The calibration problem: what is fitted (targets, free parameters, the scenario each
evaluation changes) and the loss of the simulated moments.

The loss is sum over targets of weight x ((simulated mean - value) / scale)^2; the search
(search.py) minimises it over the free parameters in unit coordinates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from model.calibration.parameters import ParametersFile
from model.calibration.targets import FITTED_SCENARIO, TargetsFile

if TYPE_CHECKING:  # pragma: no cover
    from model.config.scenario import Scenario

FAILED_LOSS = 1e12
"""Loss of a vector whose moments are not finite (e.g. a ratio with nothing to divide by)."""


@dataclass(frozen=True)
class Problem:
    """What a calibration fits: targets, free parameters (keys resolved to indices) and the
    scenario every evaluation changes (evaluation households and years already set)."""

    targets: TargetsFile
    parameters: ParametersFile
    scenario: Scenario
    keys: tuple[str, ...]
    others: dict[str, tuple[Scenario, tuple[str, ...]]] = field(default_factory=dict)
    """The other runs targets are read in: name -> (scenario, keys resolved in it)."""

    def runs(self) -> list[tuple[str, dict[str, Any], tuple[str, ...], TargetsFile]]:
        """Each run an evaluation makes: (name, scenario data, resolved keys, its targets),
        the fitted scenario first."""
        runs = []
        for name in self.targets.scenario_names:
            scenario, keys = (
                (self.scenario, self.keys) if name == FITTED_SCENARIO else self.others[name]
            )
            subset = self.targets.subset(name)
            if subset.targets or name == FITTED_SCENARIO:
                runs.append((name, scenario.model_dump(mode="python"), keys, subset))
        return runs

    def target_order(self) -> list[int]:
        """Positions in the targets file of the moments as the runs return them."""

        order = []
        for name in self.targets.scenario_names:
            order += [i for i, t in enumerate(self.targets.targets) if t.scenario == name]
        return order if order else list(range(len(self.targets.targets)))

    @property
    def parameters_keys(self) -> list[str]:
        """The free parameters' keys as the parameters file writes them."""
        return [p.key for p in self.parameters.parameters]

    def base_tree(self) -> dict[str, Any]:
        """The evaluation scenario as plain data (a fresh copy)."""
        return self.scenario.model_dump(mode="python")

    @property
    def values(self) -> np.ndarray:
        return np.array([t.value for t in self.targets.targets])

    @property
    def scales(self) -> np.ndarray:
        return np.array([t.loss_scale for t in self.targets.targets])

    @property
    def weights(self) -> np.ndarray:
        return np.array([t.weight for t in self.targets.targets])

    def to_values(self, unit: np.ndarray) -> tuple[float, ...]:
        """Parameter values at unit-cube coordinates (plain floats: exact log keys)."""
        return tuple(
            float(p.from_unit(np.array(u))[()])
            for p, u in zip(self.parameters.parameters, unit, strict=True)
        )

    def contributions(self, means: np.ndarray) -> np.ndarray:
        """Each target's share of the loss: weight x ((mean - value) / scale)^2."""
        return self.weights * ((means - self.values) / self.scales) ** 2

    def loss(self, means: np.ndarray) -> float:
        total = float(self.contributions(means).sum())
        return total if math.isfinite(total) else FAILED_LOSS
