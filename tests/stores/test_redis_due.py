"""The shared store's due-work loop (`RedisStore.run_due`) and its listing of pending events,
with no HTTP in between: how often a process says it is alive, when it renews the claims it
holds, the lease it asks for, and what listing no events asks of Redis.

The loop reads `time.monotonic()`; these tests give the module a clock of their own (the
rest of `time` stays the real one), so each step lands on an exact instant.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

import mock_gateway.stores.redis as redis_store
from mock_gateway.core.events import DELIVER, Pending
from mock_gateway.stores.redis import BEAT_SECONDS, RedisStore  # when collected: see conftest.py
from tests.stores.test_redis_details import Opener

LEASE_SECONDS = 30.0  # Settings' default claim_lease_seconds
LEASE_MS = 30_000


class Monotonic:
    """`time` as the module sees it, with `monotonic()` set by the test."""

    def __init__(self, now: float) -> None:
        self.now = now

    def monotonic(self) -> float:
        return self.now

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


class Dispatcher:
    running = False


class DueGateway:
    """What run_due asks of the gateway: its clock, and to catch up with what came due."""

    def __init__(self, now: float) -> None:
        self.at = now
        self.dispatcher = Dispatcher()
        self.caught_up = 0

    def now(self) -> float:
        return self.at

    def catch_up(self) -> None:
        self.caught_up += 1


class Recorded:
    """The beats, renewals and claims a store's run_due makes: (monotonic time, arguments)."""

    def __init__(self, store: RedisStore, clock: Monotonic, monkeypatch: pytest.MonkeyPatch):
        self.beats: list[tuple[float, int]] = []
        self.renewals: list[tuple[float, list[str], str, int]] = []
        self.claims: list[tuple[float, int]] = []
        atoms = store.atoms
        beat, renew, claim = atoms.beat, atoms.renew, atoms.claim

        async def beating(process: int) -> None:
            self.beats.append((clock.now, process))
            await beat(process)

        async def renewing(event_ids: list[str], owner: str, lease_ms: int) -> int:
            self.renewals.append((clock.now, list(event_ids), owner, lease_ms))
            return await renew(event_ids, owner, lease_ms)

        async def claiming(now: float, owner: str, lease_ms: int, limit: int = 100) -> list[str]:
            self.claims.append((clock.now, lease_ms))
            return await claim(now, owner, lease_ms, limit)

        monkeypatch.setattr(atoms, "beat", beating)
        monkeypatch.setattr(atoms, "renew", renewing)
        monkeypatch.setattr(atoms, "claim", claiming)


def with_clock(monkeypatch: pytest.MonkeyPatch, now: float) -> Monotonic:
    clock = Monotonic(now)
    monkeypatch.setattr(redis_store, "time", clock)
    return clock


def redis_ms(store: RedisStore) -> int:
    seconds, micros = store.db.time()
    return int(seconds) * 1000 + int(micros) // 1000


async def test_a_process_beats_once_a_beat_interval_has_passed_not_at_it(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A heartbeat every BEAT_SECONDS: once more than BEAT_SECONDS passed since the last.
    Broken: a beat already at exactly BEAT_SECONDS (`>=`), an extra round trip per interval."""
    store = open_store()
    clock = with_clock(monkeypatch, 100.0)
    seen = Recorded(store, clock, monkeypatch)
    gateway = DueGateway(0.0)
    for at in (100.0, 100.5, 100.0 + BEAT_SECONDS, 101.25, 102.0, 102.25):
        clock.now = at
        await store.run_due(gateway)
    assert seen.beats == [(100.0, store.number), (101.25, store.number)]
    assert gateway.caught_up == 6
    assert await store.atoms.client.zscore(store.key("alive"), str(store.number)) is not None


async def test_held_claims_are_renewed_once_a_third_of_the_lease_has_passed_not_before(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Claims are renewed when more than a third of the lease passed since the last renewal.
    Broken: renewing at every call (the elapsed time computed with `+`), already at a quarter
    of the lease (`/ 4`), or already at exactly a third (`>=`)."""
    store = open_store()
    assert store.settings.claim_lease_seconds == LEASE_SECONDS
    third = LEASE_SECONDS / 3
    clock = with_clock(monkeypatch, 100.0)
    seen = Recorded(store, clock, monkeypatch)
    gateway = DueGateway(0.0)
    steps = (100.0, 101.0, 100.0 + LEASE_SECONDS / 4 + 0.5, 100.0 + third, 110.5, 115.0)
    for at in steps:
        clock.now = at
        await store.run_due(gateway)
    assert [at for at, *_ in seen.renewals] == [100.0, 110.5]
    assert store._renewed == 110.5


async def test_the_lease_claimed_and_renewed_is_claim_lease_seconds(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lease on claimed work is claim_lease_seconds, in ms, both when claimed and when
    renewed, and Redis keeps it so. Broken: a lease a little longer (`* 1001`: 30.03 s), so
    a dead process's work is taken over later than the setting says."""
    store = open_store()
    event = Pending(store.events.new_id(), DELIVER, 10.0, "req-1", 0.0)
    store.events.add(event)
    store.flush_now()
    clock = with_clock(monkeypatch, 100.0)
    seen = Recorded(store, clock, monkeypatch)
    gateway = DueGateway(10.0)
    claimed = store.key("claimed")
    name = str(event.event_id)

    before = redis_ms(store)
    await store.run_due(gateway)  # claims the event (nothing held to renew yet)
    after = redis_ms(store)
    assert seen.claims == [(100.0, LEASE_MS)]
    assert seen.renewals == [(100.0, [], store.events.owner, LEASE_MS)]
    assert [e.event_id for e in store.events.local.pending()] == [event.event_id]
    deadline = await store.atoms.client.zscore(claimed, name)
    assert deadline is not None
    assert before + LEASE_MS <= deadline <= after + LEASE_MS

    clock.now = 100.0 + LEASE_SECONDS / 3 + 1.0  # a third of the lease on: renewed
    before = redis_ms(store)
    await store.run_due(gateway)
    after = redis_ms(store)
    assert seen.renewals[1:] == [(clock.now, [name], store.events.owner, LEASE_MS)]
    assert seen.claims[1:] == [(clock.now, LEASE_MS)]
    deadline = await store.atoms.client.zscore(claimed, name)
    assert deadline is not None
    assert before + LEASE_MS <= deadline <= after + LEASE_MS


def mget_stats(store: RedisStore) -> tuple[int, int, int]:
    """MGETs Redis has run, failed and refused so far (INFO commandstats)."""
    stats: dict[str, Any] = store.db.info("commandstats").get("cmdstat_mget", {})
    return (
        int(stats.get("calls", 0)),
        int(stats.get("failed_calls", 0)),
        int(stats.get("rejected_calls", 0)),
    )


async def test_listing_no_pending_events_reads_no_event_records(open_store: Opener) -> None:
    """Listing the pending events (GET /_mock/events) when there are none is an empty list
    after one look at the set of events. Broken: an MGET of no keys sent anyway, which Redis
    refuses ("wrong number of arguments"; redis-py hides it as an empty answer): a wasted
    round trip and an error on the server for each listing."""
    store = open_store()
    before = mget_stats(store)
    assert store.events.pending() == []
    assert mget_stats(store) == before
    store.events.add(Pending(store.events.new_id(), DELIVER, 10.0, "req-1", 0.0))
    listed = store.events.pending()
    assert [(e.request_id, e.due) for e in listed] == [("req-1", 10.0)]
    calls, failed, rejected = mget_stats(store)
    assert (calls, failed, rejected) == (before[0] + 1, before[1], before[2])
