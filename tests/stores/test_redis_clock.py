"""The shared clock's details: the skew between Redis's clock and this machine's, and
what the Follower makes of what it hears on the `changes` channel."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Iterator
from typing import Any, cast

import pytest
import redis.asyncio as aioredis

from mock_gateway.stores.redis import RedisStore  # when collected: see conftest.py
from mock_gateway.stores.redis_atoms import Atomics, Follower
from tests.redis_server import RedisServer


class _FixedTimeDb:
    """A Redis client whose TIME is always (1000 s, 999999 µs)."""

    def time(self) -> tuple[int, int]:
        return 1000, 999_999


def test_skew_is_redis_time_minus_the_midpoint_of_the_round_trip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Broken: the microseconds of Redis's TIME are divided by 1000001 instead of 1e6
    (the skew off by up to a microsecond: 600.749998000002 here)."""
    walls: Iterator[float] = iter([400.0, 400.5])  # before and after the round trip
    monkeypatch.setattr(time, "time", lambda: next(walls))
    store = cast(Any, type("FakeStore", (), {"db": _FixedTimeDb()})())
    assert RedisStore._skew(store) == 1000.999999 - 400.25


def test_a_clock_message_that_does_not_move_it_forward_leaves_the_clock_as_it_was() -> None:
    """Broken: the follower takes a clock message equal to its clock (`now >= self.now`
    instead of `>`): "now -0" after "now 0" turns its clock into -0.0. Values only move
    forward; one that does not move it changes nothing."""
    client = aioredis.Redis(host="127.0.0.1", port=9)  # never used: nothing connects
    follower = Follower(Atomics(client, "t"))
    heard: list[float | None] = []
    follower.on_change = lambda: heard.append(follower.now)
    follower._read(b"now 0")
    follower._read(b"now -0")
    assert follower.now == 0.0
    assert follower.now is not None
    assert math.copysign(1.0, follower.now) == 1.0
    assert repr(follower.now) == "0.0"
    assert [repr(now) for now in heard] == ["0.0", "0.0"]


class _CountingClient:
    """A redis.asyncio client counting the pub/subs it made."""

    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client
        self.pubsubs = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def pubsub(self) -> Any:
        self.pubsubs += 1
        return self._client.pubsub()


async def test_the_follower_reads_on_past_its_subscribe_confirmation(
    redis_server: RedisServer, namespace: str
) -> None:
    """Broken: the follower stops listening at the first thing on the channel that is not
    a message (`break` for `continue`): its own subscribe confirmation. It then subscribes
    again and again, and never hears a clock message."""
    real = aioredis.Redis.from_url(redis_server.url)
    client = _CountingClient(real)
    atoms = Atomics(cast(Any, client), namespace)
    follower = Follower(atoms)
    try:
        await follower.start(timeout=1.0)
        await asyncio.sleep(0.1)  # listening
        assert client.pubsubs == 1
        await real.publish(atoms._key("changes"), b"now 5000.5")  # by hand: nothing stored
        deadline = asyncio.get_running_loop().time() + 1.0
        while follower.now != 5000.5 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
        assert follower.now == 5000.5
        assert client.pubsubs == 1  # never subscribed again
        assert follower.connected.is_set()
    finally:
        await follower.stop()
        await real.aclose()
