"""The shared store's due-work loop (`RedisStore.run_due`) while deliveries are running: it
lets them on (one turn of the event loop) and returns at once, never waiting for them."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

import mock_gateway.stores.redis as redis_store
from mock_gateway.stores.redis import RedisStore  # when collected: see conftest.py
from tests.stores.test_redis_details import Opener


class Dispatcher:
    """The gateway's dispatcher as run_due sees it: the deliveries running now."""

    def __init__(self) -> None:
        self.running: set[asyncio.Task[None]] = set()


class RunningGateway:
    """What run_due asks of the gateway: its clock, to catch up, and its dispatcher."""

    def __init__(self) -> None:
        self.dispatcher = Dispatcher()
        self.caught_up = 0

    def now(self) -> float:
        return 0.0

    def catch_up(self) -> None:
        self.caught_up += 1


class Sleeps:
    """`asyncio` as the store's module sees it, with every `sleep` recorded."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.seconds.append(seconds)
        await asyncio.sleep(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)


async def test_run_due_with_a_delivery_running_yields_once_and_returns_at_once(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches: run_due sleeping a whole second (`asyncio.sleep(1)`) rather than one turn of
    the loop while a delivery runs, so the due-work loop (and every clock advance waiting on
    it) stalls a second per pass for as long as any webhook is in flight."""
    store: RedisStore = open_store()
    await store.run_due(RunningGateway())  # the first pass: beat and renewal done
    sleeps = Sleeps()
    monkeypatch.setattr(redis_store, "asyncio", sleeps)
    gateway = RunningGateway()
    delivering = asyncio.Event()
    delivery = asyncio.get_running_loop().create_task(delivering.wait())
    gateway.dispatcher.running.add(delivery)
    try:
        started = time.monotonic()
        for _ in range(3):
            await store.run_due(gateway)
        took = time.monotonic() - started
    finally:
        delivering.set()
        await delivery
    assert took < 0.5, f"three passes took {took:.3f} s"
    assert sleeps.seconds == [0, 0, 0]
    assert gateway.caught_up == 3

    idle = RunningGateway()
    await store.run_due(idle)
    assert sleeps.seconds == [0, 0, 0], "no delivery running: no sleep at all"
    assert idle.caught_up == 1
