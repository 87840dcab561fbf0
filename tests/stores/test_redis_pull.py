"""The shared store's claim of due work (`RedisEvents.pull`), with no HTTP in between: what
it answers, what it takes into this process's local events, what it lets go, and that it
never waits on another process's input fetch.

Stores are opened as in test_redis_details.py ("another process" is a second store on the
same namespace).
"""

from __future__ import annotations

import asyncio
import time

from mock_gateway.core.events import DELIVER, Pending
from mock_gateway.stores.records import job_fields
from mock_gateway.stores.redis import RedisStore  # when collected: see conftest.py
from tests.stores.test_conformance import job  # a cut-out job ending 5 s after it began
from tests.stores.test_redis_details import FakeGateway, Opener

LEASE_MS = 30_000


def schedule(store: RedisStore, request_id: str, due: float) -> Pending:
    """A callback for `request_id` due at `due`, written to Redis."""
    event = store.events.add(Pending(store.events.new_id(), DELIVER, due, request_id, 0.0))
    store.flush_now()
    return event


def claimed(store: RedisStore) -> dict[str, str]:
    """The claims Redis holds: event id -> owner."""
    owners = store.db.hgetall(store.key("owners"))
    return {k.decode(): v.decode() for k, v in owners.items()}


async def test_a_pull_with_nothing_due_claims_nothing_and_says_so(open_store: Opener) -> None:
    """pull answers the number of events it claimed. Broken: a pull that found nothing due
    answering 1 (one claimed), where the store holds no claim and no local event."""
    store = open_store()
    schedule(store, "req-1", 50.0)  # not due by 10.0
    assert await store.events.pull(10.0, LEASE_MS) == 0
    assert store.events.local.pending() == [] and claimed(store) == {}
    assert await store.events.pull(50.0, LEASE_MS) == 1
    assert [e.request_id for e in store.events.local.pending()] == ["req-1"]


async def test_a_claimed_event_a_reset_removed_is_let_go_and_the_ones_after_it_are_taken(
    open_store: Opener,
) -> None:
    """An event whose record is gone (a reset elsewhere removed it between the claim and the
    read) is let go, and the pull goes on. Broken: such an event ending the pull (`break`),
    so the events claimed after it are neither taken into this process's local events nor
    let go: they run only once their claim's lease runs out."""
    store = open_store()
    first = schedule(store, "req-1", 5.0)
    second = schedule(store, "req-2", 6.0)
    third = schedule(store, "req-3", 7.0)
    store.db.delete(store.key("event", str(first.event_id)))  # as a reset elsewhere would
    assert await store.events.pull(10.0, LEASE_MS) == 3, "all three claimed"
    taken = store.events.local.pending()
    assert [(e.event_id, e.request_id) for e in taken] == [
        (second.event_id, "req-2"),
        (third.event_id, "req-3"),
    ]
    store.flush_now()  # the let-go of the first
    assert claimed(store) == {
        str(second.event_id): store.events.owner,
        str(third.event_id): store.events.owner,
    }
    assert [e.request_id for e in store.events.take_due(10.0)] == ["req-2", "req-3"]


async def test_a_pull_never_waits_for_an_input_another_process_is_fetching(
    open_store: Opener,
) -> None:
    """The runner's pull reads the job an event is about without waiting (`wait=False`).
    Broken: a pull that waits for a due job whose input another process holds the fetch
    lease of (polling until it settles, up to SETTLE_WAIT_SECONDS): the whole runner of
    this process stalls meanwhile."""
    fetcher, store = open_store(), open_store()
    store.gateway = gateway = FakeGateway()
    unsettled = job("req-1", "digest", 1.0, settled=False)  # due at 6.0
    store.db.hset(store.key("job", "req-1"), mapping=job_fields(unsettled))
    lease = store.key("fetching", "req-1")
    store.db.set(lease, fetcher.events.owner, px=LEASE_MS)  # the other process fetches it
    event = schedule(store, "req-1", 8.0)
    began = time.monotonic()
    assert await asyncio.wait_for(store.events.pull(10.0, LEASE_MS), 1.0) == 1
    assert time.monotonic() - began < 0.5
    assert [e.event_id for e in store.events.local.pending()] == [event.event_id]
    kept = store.jobs.get("req-1")
    assert kept is not None and kept.settled is False, "the job read, as it is"
    assert gateway.refetched == []
    assert store.db.get(lease) == fetcher.events.owner.encode()


async def test_a_pull_never_takes_over_an_input_fetch(open_store: Opener) -> None:
    """Only a poll takes over the input fetch of a due job no process holds (its process
    died). Broken: a pull that waits (`wait=True`) and so takes the fetch over: this
    process's runner fetches an input no client is polling for."""
    store = open_store()
    store.gateway = gateway = FakeGateway()
    unsettled = job("req-1", "digest", 1.0, settled=False)  # due at 6.0, no fetch lease
    store.db.hset(store.key("job", "req-1"), mapping=job_fields(unsettled))
    schedule(store, "req-1", 8.0)
    assert await store.events.pull(10.0, LEASE_MS) == 1
    assert gateway.refetched == []
    assert store.db.exists(store.key("fetching", "req-1")) == 0
    kept = store.jobs.get("req-1")
    assert kept is not None and kept.settled is False
