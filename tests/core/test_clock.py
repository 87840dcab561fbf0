"""The one source of time: a frozen manual clock, and wall time plus an offset."""

from __future__ import annotations

import time

import pytest

from mock_gateway.core.clock import ManualClock, SystemClock


def test_manual_clock_is_frozen_until_advanced() -> None:
    clock = ManualClock(start=1_000.0)
    assert clock.now() == 1_000.0
    assert clock.now() == 1_000.0  # reading never moves it
    assert clock.manual is True


def test_manual_clock_default_start_is_whole_seconds_of_wall_time() -> None:
    before = int(time.time())
    start = ManualClock().now()
    assert start == int(start)
    assert before <= start <= time.time()


def test_manual_advance_returns_the_new_time_and_keeps_it() -> None:
    clock = ManualClock(start=1_000.0)
    assert clock.advance(2.5) == 1_002.5
    assert clock.now() == 1_002.5
    assert clock.advance(0) == 1_002.5


def test_manual_advance_backwards_raises_and_leaves_time_alone() -> None:
    clock = ManualClock(start=1_000.0)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-0.001)
    assert clock.now() == 1_000.0


def test_system_clock_follows_wall_time() -> None:
    clock = SystemClock()
    before = time.time()
    now = clock.now()
    assert before <= now <= time.time()
    assert clock.manual is False


def test_system_clock_advance_adds_an_offset_to_wall_time() -> None:
    clock = SystemClock()
    hour = 3_600.0
    before = time.time()
    returned = clock.advance(hour)
    after = time.time()
    assert before + hour <= returned <= after + hour
    # The offset stays: later readings are still an hour ahead of the wall.
    now = clock.now()
    assert now - time.time() == pytest.approx(hour, abs=1.0)
    assert now >= returned


def test_system_clock_offsets_accumulate() -> None:
    clock = SystemClock()
    clock.advance(100)
    clock.advance(50)
    assert clock.now() - time.time() == pytest.approx(150, abs=1.0)


def test_system_advance_backwards_raises() -> None:
    clock = SystemClock()
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
    assert abs(clock.now() - time.time()) < 1.0


@pytest.mark.parametrize("clock", [ManualClock(0.0), SystemClock()], ids=["manual", "system"])
def test_advancing_by_nothing_or_a_fraction_is_allowed(clock: ManualClock | SystemClock) -> None:
    state = clock.state()
    clock.advance(0)
    assert clock.state() == state
    clock.advance(0.25)
    assert clock.state() == state + 0.25
    with pytest.raises(ValueError) as caught:
        clock.advance(-0.001)
    assert str(caught.value) == "time cannot go backwards"
