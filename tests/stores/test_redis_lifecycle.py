"""The shared store's life in one process: what `start` connects with, what `stop` lets go
of and leaves behind, what hearing the shared clock costs, and what a process whose writes
wait for Redis says in its log.

Each test starts a RedisStore on the session's redis-server (tests/stores/conftest.py)
under a namespace of its own, with a small stand-in for the gateway; everything runs on
127.0.0.1.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import redis.asyncio
from redis.exceptions import ConnectionError as RedisConnectionError

import mock_gateway.stores.redis as redis_store  # when collected: see conftest.py
from mock_gateway.core.clock import ManualClock
from mock_gateway.core.errors import StoreUnavailable
from mock_gateway.settings import Settings
from mock_gateway.stores.redis import POOL_SIZE, RedisStore
from mock_gateway.stores.redis_atoms import Atomics
from tests.redis_server import RedisServer

LEASE_MS = 60_000
WAIT = 2.0  # seconds: the longest any of these tests waits for something to happen


class FakeGateway:
    """What a started store asks of the gateway: its clock, and the inputs it fetches."""

    def __init__(self, *fetching: str) -> None:
        self.clock = ManualClock(0.0)
        self._fetching = list(fetching)

    def fetches(self) -> list[str]:
        return list(self._fetching)


Started = Callable[..., Awaitable[RedisStore]]


@pytest.fixture
async def start_store(redis_server: RedisServer, namespace: str) -> AsyncIterator[Started]:
    """Start a store (a process of one gateway) on the test's namespace; each is stopped
    and closed at the end unless the test stopped it."""
    started: list[RedisStore] = []

    async def start(gateway: FakeGateway | None = None) -> RedisStore:
        store = RedisStore(Settings(store=redis_server.url, namespace=namespace, manual_clock=True))
        await store.start(gateway or FakeGateway())
        started.append(store)
        return store

    yield start
    for store in started:
        if store.follower is not None and not store.follower._stopping:  # not stopped yet
            await store.stop()
        store.close()


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"still not {what} after {WAIT} s"
        await asyncio.sleep(0.005)


def failing_pipelines(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Redis stops answering the asyncio client's pipelines (the queued writes' way to it)
    until `answering(monkeypatch)`: the times of the tries, as they come."""
    tries: list[float] = []

    async def execute(pipe: Any, raise_on_error: bool = True) -> Any:
        tries.append(time.monotonic())
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(redis.asyncio.client.Pipeline, "execute", execute)
    return tries


REAL_EXECUTE = redis.asyncio.client.Pipeline.execute


def answering(monkeypatch: pytest.MonkeyPatch) -> None:
    """Redis answers the pipelines again."""
    monkeypatch.setattr(redis.asyncio.client.Pipeline, "execute", REAL_EXECUTE)


# -- start -----------------------------------------------------------------------------------


async def test_the_asyncio_clients_pool_is_bounded_and_every_wait_on_redis_has_an_end(
    start_store: Started,
) -> None:
    """Catches a shared-store mock whose `start` opens the asyncio client's pool with other
    settings than the documented ones (module constants are asserted directly here: their
    effects take seconds, or hundreds of connections, to show):
    - no bound on connections (or redis-py's default, not POOL_SIZE = 32 per process): a
      burst of requests opens a connection each and runs the process, or Redis's
      maxclients, out of descriptors, instead of waiting for one of 32;
    - no timeout (or another than 5 s) on waiting for a free connection: a request stuck
      behind a pool that never frees one hangs instead of a 503;
    - no socket timeout (or another than 5 s): a Redis that stops answering mid-command
      (paused, partitioned) hangs the mock instead of a 503, the blocking client's value;
    - no connect timeout (or another than 2 s): a Redis host that drops packets hangs each
      reconnection for the kernel's minutes, the blocking client's value being 2 s."""
    store = await start_store()
    pool = store.atoms.client.connection_pool
    assert isinstance(pool, redis.asyncio.BlockingConnectionPool)
    assert (POOL_SIZE, pool.max_connections, pool.timeout) == (32, 32, 5)
    kwargs = pool.connection_kwargs
    assert (kwargs.get("socket_timeout"), kwargs.get("socket_connect_timeout")) == (5, 2)
    # The same as the blocking client's (control calls), so both give up alike.
    blocking = store.db.connection_pool.connection_kwargs
    assert (blocking["socket_timeout"], blocking["socket_connect_timeout"]) == (5, 2)


# -- stop ------------------------------------------------------------------------------------


async def test_a_stopping_process_lets_go_of_its_input_fetch_leases_and_no_others(
    start_store: Started,
) -> None:
    """Catches a shared-store mock whose `stop` keeps the leases on the inputs this process
    was fetching (another process then waits the whole lease, fetch timeouts plus 5 s,
    before it takes a fetch over and the job settles), lets go of leases under other names
    than `fetching:<request id>`, or sends the let-go without this process's owner token
    (Redis refuses it, and the leases stay). A lease another process took over meanwhile
    stays with it, and so does one on an input this process is not fetching."""
    gateway = FakeGateway("req-mine-1", "req-mine-2", "req-taken-over")
    store = await start_store(gateway)
    other = await start_store()
    mine = store.events.owner
    for rid in ("req-mine-1", "req-mine-2", "req-done"):
        other.db.set(store.key("fetching", rid), mine, px=LEASE_MS)
    other.db.set(store.key("fetching", "req-taken-over"), "9.someone", px=LEASE_MS)
    await store.stop()
    left = {
        rid: other.db.get(other.key("fetching", rid))
        for rid in ("req-mine-1", "req-mine-2", "req-taken-over", "req-done")
    }
    assert left == {
        "req-mine-1": None,
        "req-mine-2": None,
        "req-taken-over": b"9.someone",
        "req-done": mine.encode(),  # not among its fetches: not this stop's to let go
    }
    # ... so another process takes the fetch over at once, not when the lease runs out.
    name = other.key("fetching", "req-mine-1")
    assert await other.atoms.lease(name, other.events.owner, LEASE_MS) is True


async def test_a_stopped_process_does_not_go_on_retrying_writes_redis_did_not_take(
    start_store: Started, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Catches a shared-store mock whose `stop` leaves the pending flush running: with
    Redis away, the stopped process goes on trying its queued writes every RETRY_SECONDS
    for ever (a warning each time in the log of a process that has stopped, on a client it
    closed; the task is destroyed pending when the loop closes), and, once Redis is back,
    writes what a process that stopped long before had queued."""
    monkeypatch.setattr(redis_store, "FLUSH_SECONDS", 0.01)
    monkeypatch.setattr(redis_store, "RETRY_SECONDS", 0.01)
    store = await start_store()
    tries = failing_pipelines(monkeypatch)
    store.queue(lambda pipe: pipe.set(store.key("late-write"), "1"))
    flushing = store._flushing
    assert flushing is not None
    with caplog.at_level(logging.WARNING, logger="mock_gateway.state"):
        await until(lambda: len(tries) >= 2, "retried")  # the flush task is retrying
        await store.stop()
        at_stop = len(tries)
        await asyncio.sleep(0.1)  # ten RETRY_SECONDS
        try:
            assert flushing.cancelled()
            assert len(tries) == at_stop, "tries after the process stopped"
            assert store._flushing is None
        finally:
            flushing.cancel()  # a broken mock's: not left running into the next test
    answering(monkeypatch)
    await asyncio.sleep(0.05)  # five RETRY_SECONDS more, Redis back
    assert store.db.get(store.key("late-write")) is None


# -- hearing the shared clock -----------------------------------------------------------------


async def test_hearing_a_config_change_costs_no_round_trip_and_a_clock_move_one(
    start_store: Started, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches a shared-store mock that forgets which clock it took last, so that every
    message on the `changes` channel (a key or rule changed anywhere: no clock move) takes
    the clock again and tells Redis it saw it: a round trip per config change per process,
    where the module's docstring promises none for keys, rules and the clock."""
    saws: list[tuple[int, float]] = []
    real_saw = Atomics.saw

    async def saw(atoms: Atomics, process: int, now: float) -> None:
        saws.append((process, now))
        await real_saw(atoms, process, now)

    monkeypatch.setattr(Atomics, "saw", saw)
    other = await start_store()  # the first process: the shared clock is its
    other.save_clock(1000.0)
    gateway = FakeGateway()
    store = await start_store(gateway)

    def heard() -> list[float]:
        return [now for process, now in saws if process == store.number]

    await until(lambda: heard() == [1000.0], "said it saw the clock")
    assert gateway.clock.state() == 1000.0
    follower = store.follower
    assert follower is not None
    for _ in range(3):  # config changes: each one a `version` message
        other.rules.clear()
    await until(lambda: follower.version >= 3, "heard the config changes")
    await asyncio.sleep(0.02)  # a saw() the store would have sent meanwhile lands
    assert heard() == [1000.0]
    await other.atoms.advance(5.0, 1000.0)  # the clock moves: said once more
    await until(lambda: len(heard()) > 1, "said it saw the new clock")
    await asyncio.sleep(0.02)
    assert heard() == [1000.0, 1005.0]
    assert gateway.clock.state() == 1005.0
    assert other.db.hget(other.key("seen"), str(store.number)) == b"1005.0"


# -- writes waiting for Redis ---------------------------------------------------------------


async def test_writes_that_wait_for_redis_say_so_in_the_log_and_land_once_it_is_back(
    start_store: Started, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Catches a shared-store mock whose log, while Redis does not answer and queued
    writes wait for it, says something else than "the shared store does not answer:
    writes wait for it" (nothing readable, or other words than the documented ones
    an operator greps for), once per try."""
    monkeypatch.setattr(redis_store, "FLUSH_SECONDS", 0.01)
    monkeypatch.setattr(redis_store, "RETRY_SECONDS", 0.01)
    store = await start_store()
    tries = failing_pipelines(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="mock_gateway.state"):
        store.queue(lambda pipe: pipe.set(store.key("queued-write"), "landed"))
        await until(lambda: len(tries) >= 2, "tried twice")
        answering(monkeypatch)
        await until(lambda: store._flushing is None, "flushed")
    said = [r.getMessage() for r in caplog.records if r.name == "mock_gateway.state"]
    assert said == ["the shared store does not answer: writes wait for it"] * len(tries)
    assert store.db.get(store.key("queued-write")) == b"landed"


async def test_a_flush_redis_does_not_take_is_a_503_that_says_why_and_keeps_the_writes(
    start_store: Started, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A submit's writes go with a flush before its answer: Redis gone then is a 503 whose
    message says the shared store does not answer, and how. Broken: a 503 with no message,
    or one naming no error (`NoneType`); or the writes dropped."""
    store = await start_store()
    failing_pipelines(monkeypatch)
    store.queue(lambda pipe: pipe.set(store.key("queued-write"), "landed"))
    with pytest.raises(StoreUnavailable) as refused:
        await store.flush()
    assert refused.value.body() == {
        "error": "Service temporarily unavailable",
        "message": "the shared store does not answer (ConnectionError)",
    }
    answering(monkeypatch)
    await store.flush()
    assert store.db.get(store.key("queued-write")) == b"landed"
