"""The shared store's control writes (`RedisStore.write`, `RedisAccounts.put`) and when its
queued writes get a flusher of their own (`RedisStore._soon`), with no HTTP in between.

Each test opens RedisStores on the session's redis-server under a namespace of its own, as
tests/stores/test_redis_details.py does ("another process" is a second store on it).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
import redis

from mock_gateway.core.accounts import Account, RateLimit
from mock_gateway.core.clock import ManualClock
from mock_gateway.core.errors import InvalidParameters, RateLimited, StoreUnavailable
from mock_gateway.settings import Settings
from mock_gateway.stores.records import digest
from mock_gateway.stores.redis import RedisStore  # when collected: see conftest.py
from tests.redis_server import RedisServer
from tests.stores.test_redis_details import KEY, Opener, exec_calls

OTHER = "sk-writes-other-7c1e9a3b5d"


class FakeGateway:
    """What a started store asks of the gateway: its clock, and the inputs it fetches."""

    def __init__(self) -> None:
        self.clock = ManualClock(0.0)

    def fetches(self) -> list[str]:
        return []


@pytest.fixture
async def started(redis_server: RedisServer, namespace: str) -> AsyncIterator[RedisStore]:
    """A store started with a stand-in gateway (its queued writes flush by themselves)."""
    store = RedisStore(Settings(store=redis_server.url, namespace=namespace, manual_clock=True))
    await store.start(FakeGateway())
    yield store
    await store.stop()
    store.close()


def refusing_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Redis stops answering the blocking client's pipelines (the control writes' way)."""

    def execute(pipe: Any, raise_on_error: bool = True) -> Any:
        pipe.reset()
        raise redis.ConnectionError("Connection refused")

    monkeypatch.setattr(redis.client.Pipeline, "execute", execute)


# -- keys --------------------------------------------------------------------------------------


async def test_a_balance_finer_than_a_micro_dollar_is_refused_naming_the_field(
    open_store: Opener,
) -> None:
    """Redis keeps wallets in whole micro-dollars, so a balance with a 7th decimal place
    is a 400 naming `balance_usd` and saying why. Broken: the body without its message or
    its field (or another field name, or a bare 'Invalid request parameters'), so a client
    cannot tell which value of its PUT /_mock/keys was wrong."""
    store = open_store()
    with pytest.raises(InvalidParameters) as caught:
        store.accounts.put(Account(KEY, Decimal("10.0000005"), None, None, 1))
    assert caught.value.status == 400
    assert caught.value.body() == {
        "error": "Invalid request parameters",
        "message": (
            "balance_usd: 10.0000005 USD is finer than a micro-dollar (at most 6 decimal places)"
        ),
        "field": "balance_usd",
    }
    assert store.db.exists(store.key("wallet", digest(KEY))) == 0, "nothing written"


async def test_a_key_made_anew_here_without_a_limit_drops_the_old_window_in_redis(
    open_store: Opener,
) -> None:
    """A key this process has not seen yet is a new limit here, even with no limit: its
    window in Redis starts anew (as a SlidingWindow is made anew in one process). Broken:
    a first-seen key with no limit taken as 'limit unchanged' (None as the limit it had),
    so the hits counted under the old limit stay in Redis, and once the limit is set again
    (by a process that still had it) the first request is refused for a hit made under
    the old settings."""
    first, second = open_store(), open_store()
    first.stale()
    first.accounts.put(Account(KEY, Decimal(10), None, RateLimit(1, 60.0), 1))
    kept = first.accounts.get(KEY)
    assert kept is not None
    await first.admit(kept, 0.0)
    with pytest.raises(RateLimited):
        await first.admit(kept, 0.5)
    hits = first.key("hits", digest(KEY))
    assert first.db.exists(hits) == 1

    second.accounts.put(Account(KEY, Decimal(10), None, None, 1))  # the limit lifted
    assert second.db.exists(hits) == 0, "the old window is gone with the old limit"

    first.accounts.put(Account(KEY, Decimal(10), None, RateLimit(1, 60.0), 1))  # set again
    again = first.accounts.get(KEY)
    assert again is not None and again.rate_limit == RateLimit(1, 60.0)
    await first.admit(again, 1.0)  # a new window: the first request passes


# -- control writes -----------------------------------------------------------------------------


async def test_a_control_write_is_one_transaction_with_its_version_bump(
    open_store: Opener,
) -> None:
    """The change and the version bump go to Redis in one MULTI/EXEC. Broken: a plain
    pipeline (no transaction): another process can read the new version with the change
    half written (the key's settings but not its wallet), and load a key with no money."""
    store = open_store()
    store.stale()
    before = exec_calls(store)
    store.accounts.put(Account(KEY, Decimal(10), None, None, 1))
    assert exec_calls(store) == before + 1, "the write in one MULTI/EXEC"
    reader = open_store()
    kept = reader.accounts.get(KEY)
    assert kept is not None and reader.accounts.balance(kept) == Decimal(10)


async def test_a_control_write_that_fails_makes_the_process_reload_at_its_next_look(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write Redis never got leaves this process's cache with a change the others do
    not have: its next look reloads, whatever version Redis is at. Broken: the failure
    marking the cache as at version 1 (not 'never loaded'): with Redis at version 1, the
    process goes on answering for a key that exists nowhere else."""
    store = open_store()
    store.stale()
    store.accounts.put(Account(KEY, Decimal(10), None, None, 1))
    assert int(store.db.get(store.key("version"))) == 1
    refusing_writes(monkeypatch)
    with pytest.raises(StoreUnavailable):
        store.accounts.put(Account(OTHER, Decimal(5), None, None, 1))
    monkeypatch.undo()
    assert int(store.db.get(store.key("version"))) == 1, "the failed write bumped nothing"
    assert store.stale() is True, "reloaded after the failed write"
    assert store.accounts.get(OTHER) is None, "the key Redis never got is gone"
    assert store.accounts.get(KEY) is not None
    assert store.stale() is False


# -- queued writes -----------------------------------------------------------------------------


async def test_a_store_not_started_leaves_its_queued_writes_for_an_explicit_flush(
    open_store: Opener,
) -> None:
    """A store with no gateway (not started) starts no flusher of its own: its queued
    writes leave with the next flush asked for. Broken: a flush task started anyway (any
    store with no flush pending), running on a loop that is not the gateway's."""
    store = open_store()
    tasks = asyncio.all_tasks()
    store.journal.record(1.0, "GET", "/one", 200, None, None, None, [], None)
    store.blobs.put("sha256:aa", b"first")
    assert store._flushing is None
    assert asyncio.all_tasks() == tasks, "no flush task started"
    await store.flush()
    reader = open_store()
    assert [e["path"] for e in reader.journal.entries()] == ["/one"]
    assert reader.blobs.get("sha256:aa") == b"first"


async def test_writes_queued_while_a_flush_is_pending_wait_for_that_one_flush(
    started: RedisStore,
) -> None:
    """Writes queued while a flush is pending go with it: one flusher per process. Broken:
    each queued write starting a flusher of its own (and replacing the pending one), so
    a burst of writes makes a burst of flush tasks and round trips."""
    store = started
    tasks = asyncio.all_tasks()
    store.journal.record(1.0, "GET", "/one", 200, None, None, None, [], None)
    pending = store._flushing
    assert pending is not None
    assert asyncio.all_tasks() == tasks | {pending}
    store.journal.record(2.0, "GET", "/two", 200, None, None, None, [], None)
    store.blobs.put("sha256:bb", b"second")
    assert store._flushing is pending, "the same flush"
    assert asyncio.all_tasks() == tasks | {pending}, "no second flush task"
    await asyncio.wait_for(pending, 2.0)
    assert store._flushing is None
    assert [e["path"] for e in store.journal.entries()] == ["/one", "/two"]
