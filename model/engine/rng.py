"""One random stream per stochastic process, all derived from the run's seed.

A stream is keyed by (seed, replicate, process name): the name is hashed to a fixed
integer, so adding a process or an instrument never shifts the draws of another
(common random numbers across scenarios, as Starsim does it). Streams draw for
every slot (every person or household row) and the caller masks afterwards.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream_key(name: str) -> int:
    """A stable 32-bit integer for a process name (CRC-32, identical on every platform)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Factory of independent, named generators for one replicate of one run."""

    def __init__(self, seed: int, replicate: int = 0):
        self.seed = int(seed)
        self.replicate = int(replicate)
        self._generators: dict[str, np.random.Generator] = {}

    def generator(self, name: str) -> np.random.Generator:
        """The generator for process `name` (created once, then shared)."""
        if name not in self._generators:
            sequence = np.random.SeedSequence(
                entropy=self.seed, spawn_key=(self.replicate, stream_key(name))
            )
            self._generators[name] = np.random.Generator(np.random.PCG64(sequence))
        return self._generators[name]
