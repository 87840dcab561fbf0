"""Follower's start and stop: giving up on a Redis that does not answer, and stopping for
good, even when redis-py turns the cancel into a connection error."""

from __future__ import annotations

import asyncio
import contextlib
import selectors
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError

from mock_gateway.stores.redis_atoms import Atomics, Follower
from tests.redis_server import RedisServer

SCALE = 10.0  # how much faster than the wall the fast loop's clock runs


@contextlib.asynccontextmanager
async def silent_redis() -> AsyncIterator[str]:
    """The URL of a server on 127.0.0.1 that accepts connections and never answers."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client hangs up
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.close()
        await server.wait_closed()


async def stop_for_good(follower: Follower) -> None:
    """Cleanup that works on a broken stop too: the task ends, whatever stop did."""
    follower._stopping = True
    task = follower._task
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


class _FastSelector(selectors.EpollSelector):
    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        return super().select(None if timeout is None else timeout / SCALE)


class _FastLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock runs SCALE times the wall's: its timeouts come sooner."""

    def __init__(self) -> None:
        super().__init__(_FastSelector())
        self._base = time.monotonic()

    def time(self) -> float:
        return self._base + (time.monotonic() - self._base) * SCALE


def test_start_gives_up_after_five_seconds_by_default() -> None:
    """Broken: start's default timeout is not 5 s (6 s: a gateway starting against a Redis
    that does not answer waits a second longer before its TimeoutError). Measured on a loop
    whose clock runs 10 times fast, so the 5 s take 0.5 s of wall time."""

    async def main() -> float:
        async with silent_redis() as url:
            client = aioredis.Redis.from_url(url)
            follower = Follower(Atomics(client, "silent"))
            loop = asyncio.get_running_loop()
            began = loop.time()
            try:
                with pytest.raises(TimeoutError):
                    await follower.start()
                return loop.time() - began
            finally:
                await stop_for_good(follower)
                await client.aclose()

    loop = _FastLoop()
    try:
        waited = loop.run_until_complete(main())
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()
    assert 5.0 <= waited < 5.8


async def test_start_gives_up_within_its_timeout_and_goes_on_trying() -> None:
    """Broken: start waits for the first connection for ever instead of raising TimeoutError
    once `timeout` is up (its follower keeps trying meanwhile: not cancelled)."""
    async with silent_redis() as url:
        client = aioredis.Redis.from_url(url)
        follower = Follower(Atomics(client, "silent"))
        loop = asyncio.get_running_loop()
        began = loop.time()
        starting = asyncio.create_task(follower.start(timeout=0.2))
        try:
            done, _ = await asyncio.wait({starting}, timeout=1.0)
            assert starting in done, "start did not give up within its timeout"
            waited = loop.time() - began
            assert isinstance(starting.exception(), TimeoutError)
            assert 0.2 <= waited < 0.6
            assert follower._task is not None
            assert not follower._task.done()  # still trying
            assert not follower.connected.is_set()
        finally:
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
            await stop_for_good(follower)
            await client.aclose()


class _CancelBecomesErrorPubSub:
    """A pub/sub whose `listen` turns the first cancel landing in it into a ConnectionError,
    as redis-py may."""

    def __init__(self, pubsub: Any, client: _CancelBecomesErrorClient) -> None:
        self._pubsub = pubsub
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pubsub, name)

    async def listen(self) -> AsyncIterator[Any]:
        try:
            async for message in self._pubsub.listen():
                yield message
        except asyncio.CancelledError:
            if self._client.swallowed:
                raise
            self._client.swallowed = True
            raise RedisConnectionError("Connection closed by server.") from None


class _CancelBecomesErrorClient:
    """A redis.asyncio client counting the pub/subs it made, each a _CancelBecomesErrorPubSub."""

    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client
        self.pubsubs = 0
        self.swallowed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def pubsub(self) -> _CancelBecomesErrorPubSub:
        self.pubsubs += 1
        return _CancelBecomesErrorPubSub(self._client.pubsub(), self)


async def test_stop_ends_the_follower_when_the_cancel_became_a_connection_error(
    redis_server: RedisServer, namespace: str
) -> None:
    """Broken: stop does not tell the follower it is stopping, so a cancel that redis-py
    turned into a connection error reads as Redis gone: it subscribes again and follows on,
    and stop never returns."""
    real = aioredis.Redis.from_url(redis_server.url)
    client = _CancelBecomesErrorClient(real)
    follower = Follower(Atomics(client, namespace))
    try:
        await follower.start(timeout=1.0)
        await asyncio.sleep(0.05)  # listening
        assert client.pubsubs == 1
        await asyncio.wait_for(follower.stop(), 1.0)
        assert client.swallowed  # the cancel did land in listen and became an error
        assert follower._task is not None
        assert follower._task.done()
        assert client.pubsubs == 1  # never subscribed again
        assert not follower.connected.is_set()
    finally:
        await stop_for_good(follower)
        await real.aclose()


async def test_stop_returns_once_the_follower_has_finished(
    redis_server: RedisServer, namespace: str
) -> None:
    """Broken: stop cancels the follower's task but returns before it has finished (its
    pub/sub connection still open, its loop still able to run)."""
    client = aioredis.Redis.from_url(redis_server.url)
    follower = Follower(Atomics(client, namespace))
    try:
        await follower.start(timeout=1.0)
        task = follower._task
        assert task is not None
        await follower.stop()
        assert task.done()
        assert task.cancelled()
    finally:
        await stop_for_good(follower)
        await client.aclose()
