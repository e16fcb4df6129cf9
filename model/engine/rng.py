"""One random stream per stochastic process, all derived from the run's seed.

A stream is keyed by (seed, replicate, process name): the name is hashed to a fixed
integer, so adding a process or an instrument never shifts the draws of another
(common random numbers across scenarios, as Starsim does it). Streams draw for
every slot (every person or household row) and the caller masks afterwards.

Drawing ahead. A year's draws are mostly large arrays whose sizes are known before the
stage that reads them (one per household or person row). `Stream.draw_ahead` makes such a
draw on one background thread while the main thread runs the year's other stages (NumPy
fills the array without the GIL); the stage then takes it with the usual call
(`stream.random(size, dtype)`). Each stream is still drawn in exactly the order its calls
are made, one call at a time, so the numbers are the same bytes with or without drawing
ahead (tests/engine/test_rng.py); a call that does not match the next draw made ahead is a
programming error and raises.

A draw nobody reads is skipped (`Stream.skip`): the generator is advanced past its numbers
(PCG64 jumps ahead in a few steps), so every later number is the one it would have been.

A draw whose size is not known yet, but is at least some count (one per person row
before this year's births), can be started ahead (`Stream.draw_ahead_start`): its first
numbers are drawn on the background thread and the call that takes it draws the rest. A
generator's consecutive draws continue one sequence, so these are the same numbers too.
"""

from __future__ import annotations

import zlib
from collections import deque
from concurrent.futures import Future

import numpy as np

from model.engine import background


def stream_key(name: str) -> int:
    """A stable 32-bit integer for a process name (CRC-32, identical on every platform)."""
    return zlib.crc32(name.encode("utf-8"))


def _shape(size) -> tuple[int, ...]:
    return (int(size),) if np.ndim(size) == 0 else tuple(int(s) for s in size)


REUSED_DRAW_BYTES = 1 << 22
"""A yearly stream's draws of 4 MiB or more are written into a buffer it keeps for each
kind of draw (method, dtype and every dimension but the last). Allocating them anew each
year costs more than drawing them where fresh pages are slow to map (2.5 ms per MB on
the project's virtual machines; benchmarks/RESULTS.md)."""


class Stream:
    """One process's generator, with the draws already made ahead for it, in order.

    `random` and `standard_normal` (the calls the yearly rules make) return the next draw
    made ahead if there is one, else draw now; every other `numpy.random.Generator` method
    is passed through, and refuses while draws made ahead are waiting (they come first).

    A `yearly` stream makes each kind of draw once a year and its callers use it within
    that year: its large draws reuse a buffer per kind, so each is valid until the
    stream's next draw of that kind."""

    def __init__(self, name: str, generator: np.random.Generator, yearly: bool = False):
        self.name = name
        self.generator = generator
        self.yearly = yearly
        # (method, shape, dtype) of each draw made ahead, or (method, None, dtype) of one
        # started ahead, and its future
        self._ahead: deque[tuple[tuple, Future]] = deque()
        self._buffers: dict[tuple, np.ndarray] = {}

    def draw_ahead(self, method: str, size, dtype=np.float64) -> None:
        """Start `generator.<method>(size, dtype=dtype)` on the background thread; the next
        matching call takes it."""
        key = (method, _shape(size), np.dtype(dtype))
        future = background.submit(self._draw, *key)
        self._ahead.append((key, future))

    def draw_ahead_start(self, count: int, dtype=np.float64) -> None:
        """Start the next `random` draw when only a lower bound of its size is known: its
        first `count` numbers are drawn on the background thread, and the call that takes
        it (any shape of at least `count` numbers, this dtype) draws the rest, into the
        same buffer (room for a sixteenth more is kept)."""
        count, dtype = int(count), np.dtype(dtype)
        future = background.submit(self._draw_start, count, dtype)
        self._ahead.append((("random", None, dtype), future))

    def _draw_start(self, count: int, dtype: np.dtype) -> tuple[np.ndarray, int]:
        buffer = np.empty(count + count // 16, dtype=dtype)
        self.generator.random(count, dtype=dtype, out=buffer[:count])
        return buffer, count

    def _finish_started(self, started: tuple[np.ndarray, int], shape: tuple[int, ...]):
        """The draw of `shape` whose first numbers `started` holds: the rest drawn now."""
        buffer, drawn = started
        count = int(np.prod(shape))
        if buffer.size < count:  # more rows than the room kept
            grown = np.empty(count, dtype=buffer.dtype)
            grown[:drawn] = buffer[:drawn]
            buffer = grown
        self.generator.random(count - drawn, dtype=buffer.dtype, out=buffer[drawn:count])
        return buffer[:count].reshape(shape)

    def random(self, size=None, dtype=np.float64) -> np.ndarray:
        """Uniform draws in [0, 1), as `numpy.random.Generator.random`."""
        return self._take("random", size, dtype)

    def skip(self, size, dtype=np.float64) -> None:
        """Advance past `random(size, dtype)` without making it: the numbers after it are
        the same (drawn ahead, in order, when the draw was planned ahead)."""
        self._take("skip", size, dtype)

    def standard_normal(self, size=None, dtype=np.float64) -> np.ndarray:
        """Standard normal draws, as `numpy.random.Generator.standard_normal`."""
        return self._take("standard_normal", size, dtype)

    def _take(self, method: str, size, dtype):
        if size is None:
            self._refuse_if_waiting(method)
            return getattr(self.generator, method)(dtype=dtype)
        if not self._ahead:
            return self._draw(method, _shape(size), np.dtype(dtype))
        key, future = self._ahead.popleft()
        asked = (method, _shape(size), np.dtype(dtype))
        if key[1] is None and key == (method, None, asked[2]):  # started ahead
            started = future.result()
            if int(np.prod(asked[1])) >= started[1]:
                return self._finish_started(started, asked[1])
            key = (method, f"at least {started[1]} numbers", asked[2])
        if key != asked:
            raise RuntimeError(
                f"stream {self.name!r}: asked for {asked} but {key} was drawn ahead; the "
                "draws made ahead must be the next calls, in order"
            )
        return future.result()

    def _draw(self, method: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray | None:
        count = int(np.prod(shape))
        if method == "skip":
            return self._advance_past_uniforms(count, dtype)
        if not self.yearly or count * dtype.itemsize < REUSED_DRAW_BYTES:
            return getattr(self.generator, method)(shape, dtype=dtype)
        kind = (method, dtype, shape[:-1])  # one draw of each kind a year
        buffer = self._buffers.get(kind)
        if buffer is None or buffer.size < count:  # room to grow: person rows increase
            buffer = self._buffers[kind] = np.empty(count + count // 8, dtype=dtype)
        out = buffer[:count].reshape(shape)
        return getattr(self.generator, method)(shape, dtype=dtype, out=out)

    def _advance_past_uniforms(self, count: int, dtype: np.dtype) -> None:
        """The generator's state after `random(count, dtype)`. A float64 takes one 64-bit
        output; a float32 takes 32 bits, the half an output kept from the float32 before
        (`has_uint32`) first, and an odd last one keeps the other half of a new output.
        `advance` jumps the outputs in between and forgets the kept half, which is then
        put back as drawing would have left it."""
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"stream {self.name!r}: only float32 or float64 uniforms skip")
        bit_generator = self.generator.bit_generator
        state = bit_generator.state
        held, value = state["has_uint32"], state["uinteger"]
        outputs, odd = count, 0
        if dtype == np.float32:
            if held and count:
                count, held = count - 1, 0
            outputs, odd = divmod(count, 2)
        bit_generator.advance(outputs)
        if odd:
            held, value = 1, int(bit_generator.random_raw()) >> 32
        state = bit_generator.state
        state["has_uint32"], state["uinteger"] = held, value
        bit_generator.state = state

    def _refuse_if_waiting(self, method: str) -> None:
        if self._ahead:
            raise RuntimeError(
                f"stream {self.name!r}: {method} called while draws made ahead wait to be "
                "taken; they come first"
            )

    def __getattr__(self, method: str):
        self._refuse_if_waiting(method)
        return getattr(self.generator, method)


class Streams:
    """Factory of independent, named streams for one replicate of one run."""

    def __init__(self, seed: int, replicate: int = 0):
        self.seed = int(seed)
        self.replicate = int(replicate)
        self._streams: dict[str, Stream] = {}

    def generator(self, name: str, yearly: bool = False) -> Stream:
        """The stream for process `name` (created once, then shared); used like a
        `numpy.random.Generator`. `yearly`: its large draws reuse one buffer (Stream)."""
        stream = self._streams.get(name)
        if stream is None:
            sequence = np.random.SeedSequence(
                entropy=self.seed, spawn_key=(self.replicate, stream_key(name))
            )
            generator = np.random.Generator(np.random.PCG64(sequence))
            stream = self._streams[name] = Stream(name, generator, yearly)
        return stream
