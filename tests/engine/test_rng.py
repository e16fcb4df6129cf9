"""Streams: named, independent, and the same numbers whether or not they are drawn ahead."""

from __future__ import annotations

import os

import numpy as np
import pytest

from model.engine.rng import Streams, stream_key


def draws(ahead: bool) -> list[bytes]:
    """A year-like sequence of calls on three streams, some drawn ahead."""
    streams = Streams(11, replicate=2)
    health, shocks, births = (streams.generator(n) for n in ("health", "shocks", "births"))
    if ahead:
        health.draw_ahead("random", (5, 1001), np.float32)
        shocks.draw_ahead("random", 7)
        shocks.draw_ahead("standard_normal", (2, 333))
        health.draw_ahead("random", 9, np.float32)
    out = [births.random(5)]  # a stream not drawn ahead draws at once
    out.append(health.random((5, 1001), dtype=np.float32))
    out.append(shocks.random(7))
    out.append(shocks.standard_normal((2, 333)))
    out.append(health.random(9, dtype=np.float32))
    out.append(health.random(3, dtype=np.float32))  # nothing waits: drawn now
    out.append(shocks.integers(0, 10, 4))  # passed through to the generator
    return [array.tobytes() for array in out]


def test_drawing_ahead_gives_the_same_bytes():
    assert draws(ahead=True) == draws(ahead=False)


@pytest.mark.parametrize("rows", [1000, 1001, 1062, 1063, 1500])  # room kept: 1062 rows
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_draw_started_ahead_gives_the_numbers_of_one_call(rows, dtype):
    """A draw started ahead for 1,000 person rows and taken for more (births since), within
    the room kept or beyond it: the numbers of one call, and the stream goes on the same."""
    started, whole = Streams(4).generator("health"), Streams(4).generator("health")
    started.draw_ahead_start(2 * 1000, dtype)
    taken = started.random((2, rows), dtype=dtype)
    assert taken.shape == (2, rows)
    assert taken.tobytes() == whole.random((2, rows), dtype=dtype).tobytes()
    assert started.random(5, dtype=dtype).tobytes() == whole.random(5, dtype=dtype).tobytes()


def test_a_draw_started_ahead_refuses_a_call_it_cannot_begin():
    stream = Streams(1).generator("health")
    stream.draw_ahead_start(20, np.float32)
    with pytest.raises(RuntimeError, match="at least 20 numbers"):
        stream.random((2, 9), dtype=np.float32)  # fewer numbers than were drawn
    stream = Streams(1).generator("health")
    stream.draw_ahead_start(20, np.float32)
    with pytest.raises(RuntimeError, match="drawn ahead"):
        stream.random((2, 10))  # float64, not the float32 started


@pytest.mark.parametrize("seed", range(8))
def test_a_skipped_draw_leaves_every_later_number_as_drawing_it_would(seed):
    """Uniform draws of float32 and float64 of any size (odd ones leave half a 64-bit
    output kept for the next float32), some skipped, some drawn ahead: the draws not
    skipped are the numbers of a stream that drew everything."""
    rng = np.random.default_rng(seed)
    plan = [
        (rng.choice([np.float32, np.float64]), int(rng.integers(0, 9)), rng.random() < 0.5)
        for _ in range(12)
    ]
    whole, skipping = Streams(seed).generator("x"), Streams(seed).generator("x")
    ahead = Streams(seed).generator("x")
    for dtype, size, skip in plan:
        ahead.draw_ahead("skip" if skip else "random", size, dtype)
    for dtype, size, skip in plan:
        expected = whole.random(size, dtype=dtype).tobytes()
        for stream in (skipping, ahead):
            if skip:
                assert stream.skip(size, dtype) is None
            else:
                assert stream.random(size, dtype=dtype).tobytes() == expected
    after = whole.random(7, dtype=np.float32).tobytes()
    assert skipping.random(7, dtype=np.float32).tobytes() == after


def test_streams_are_keyed_by_name_seed_and_replicate():
    one = Streams(3).generator("health").random(4)
    assert np.array_equal(one, Streams(3).generator("health").random(4))
    assert not np.array_equal(one, Streams(3).generator("schooling").random(4))
    assert not np.array_equal(one, Streams(3, replicate=1).generator("health").random(4))
    assert stream_key("health") == stream_key("health") != stream_key("schooling")


def test_a_call_that_is_not_the_next_draw_made_ahead_is_refused():
    stream = Streams(1).generator("health")
    stream.draw_ahead("random", (2, 10), np.float32)
    with pytest.raises(RuntimeError, match="drawn ahead"):
        stream.random((2, 10))  # float64, not the float32 drawn ahead
    stream = Streams(1).generator("health")
    stream.draw_ahead("random", 10)
    with pytest.raises(RuntimeError, match="wait to be taken"):
        stream.integers(0, 3, 10)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")
def test_a_forked_child_draws_ahead_on_its_own_thread():
    Streams(1).generator("warm").draw_ahead("random", 3)  # the parent's thread exists
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        stream = Streams(5).generator("x")
        stream.draw_ahead("random", 4)
        os.write(write, stream.random(4).tobytes())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64)
    os.waitpid(pid, 0)
    assert child == Streams(5).generator("x").random(4).tobytes()


def test_a_yearly_stream_reuses_one_buffer_per_kind_of_draw(monkeypatch):
    from model.engine import rng

    monkeypatch.setattr(rng, "REUSED_DRAW_BYTES", 0)  # every draw counts as large
    yearly, plain = Streams(9).generator("x", yearly=True), Streams(9).generator("x")
    first = yearly.random((2, 50), dtype=np.float32)
    expected = plain.random((2, 50), dtype=np.float32)
    assert first.tobytes() == expected.tobytes()
    other_kind = yearly.standard_normal(50)  # another kind: its own buffer
    assert not np.shares_memory(first, other_kind)
    assert other_kind.tobytes() == plain.standard_normal(50).tobytes()
    second = yearly.random((2, 60), dtype=np.float32)  # the next year, more rows
    assert second.tobytes() == plain.random((2, 60), dtype=np.float32).tobytes()
    third = yearly.random((2, 55), dtype=np.float32)  # fits: the same buffer again
    assert np.shares_memory(second, third)
    assert third.tobytes() == plain.random((2, 55), dtype=np.float32).tobytes()
