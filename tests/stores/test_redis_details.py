"""The shared store's details, part by part, with no HTTP in between: what each part keeps
in Redis, what another process reading the same namespace finds there, and what the hot
path costs in round trips (the module's docstring promises those).

Each test opens RedisStores on the session's redis-server under a namespace of its own, as
tests/stores/test_conformance.py does ("another process" is a second store on it).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis

from mock_gateway.core.accounts import Account, redact
from mock_gateway.core.catalog import RMBG
from mock_gateway.core.events import DELIVER, HELD, Pending
from mock_gateway.core.jobs import Job
from mock_gateway.core.journal import DeliveryLog
from mock_gateway.settings import ConfigError, Settings
from mock_gateway.stores.records import job_fields
from mock_gateway.stores.redis import PAGE, RedisStore  # when collected: see conftest.py
from mock_gateway.stores.redis_atoms import Atomics
from tests.redis_server import RedisServer
from tests.stores.test_conformance import job  # a cut-out job ending 5 s after it began

KEY = "sk-details-3f9a1c7e5b2d4a6c"
IMAGE = "https://images.example.com/cat.png"
LEASE_MS = 30_000


class Opener:
    """Stores on one namespace of the session's Redis, each a process of one gateway."""

    def __init__(self, server: RedisServer, namespace: str) -> None:
        self.server, self.namespace = server, namespace
        self.opened: list[RedisStore] = []
        self.client = aioredis.Redis.from_url(server.url)

    def __call__(self, **settings: Any) -> RedisStore:
        store = RedisStore(
            Settings(store=self.server.url, namespace=self.namespace, manual_clock=True, **settings)
        )
        store.atoms = Atomics(self.client, self.namespace)  # what `start` does
        self.opened.append(store)
        return store

    async def close(self) -> None:
        for store in self.opened:
            store.close()
        await self.client.aclose()


@pytest.fixture
async def open_store(redis_server: RedisServer, namespace: str) -> AsyncIterator[Opener]:
    opener = Opener(redis_server, namespace)
    yield opener
    await opener.close()


class FakeGateway:
    """What take_fetch and a job's fetch ask of the gateway: which inputs it fetches, and
    a fetch to take over."""

    def __init__(self) -> None:
        self.refetched: list[Job] = []

    def fetching(self, request_id: str) -> bool:
        return False

    def refetch(self, job: Job) -> None:
        self.refetched.append(job)


def owner(store: RedisStore, usd: str = "10") -> Account:
    store.accounts.put(Account(KEY, Decimal(usd), frozenset({RMBG.model_id}), None, 1))
    kept: Account | None = store.accounts.get(KEY)
    assert kept is not None
    return kept


def keep_jobs(store: RedisStore, count: int) -> list[str]:
    """`count` jobs listed in Redis as the submit script lists them; their ids, newest first."""
    pipe = store.db.pipeline(transaction=False)
    for n in range(count):
        rid = f"req-{n:05d}"
        name = store.key("job", rid)
        pipe.hset(name, mapping=job_fields(job(rid, "digest", float(n))))
        pipe.zadd(store.key("jobs"), {name: float(n)})
    pipe.execute()
    return [f"req-{n:05d}" for n in reversed(range(count))]


# -- keys and the wallet ------------------------------------------------------------------------


async def test_stale_says_whether_another_process_changed_something_since_the_last_look(
    open_store: Opener,
) -> None:
    """Broken: stale() answering True while nothing changed (every unknown key would reload
    the whole config), or reading a namespace with no writes yet as changed each time."""
    first = open_store()
    assert first.stale() is True, "never loaded yet"
    assert first.stale() is False, "nothing changed since"
    owner(first)
    assert first.stale() is False, "its own change"
    second = open_store()
    second.accounts.put(Account("sk-other-key-1234", Decimal(1), None, None, 1))
    assert first.stale() is True
    assert first.accounts.get("sk-other-key-1234") is not None
    assert first.stale() is False


async def test_looking_up_an_unknown_key_answers_the_default_asked_for(open_store: Opener) -> None:
    """The accounts are a mapping (`get(key, default)`), here as in memory. Broken: an
    unknown key answering None whatever default the caller gave."""
    store = open_store()
    owner(store)
    assert store.accounts.get("never-a-key", "no such key") == "no such key"
    assert store.accounts.get("never-a-key") is None
    kept = store.accounts.get(KEY, "no such key")
    assert isinstance(kept, Account) and kept.label == redact(KEY)


async def test_a_key_deleted_elsewhere_reads_as_an_empty_wallet_not_an_error(
    open_store: Opener,
) -> None:
    """Broken: balance() reading the wallet Redis no longer holds as a number (a TypeError:
    a 500 on the process that has not heard of the deletion yet)."""
    first = open_store()
    owner(first)
    second = open_store()
    kept = second.accounts.get(KEY)
    assert kept is not None and second.balance(kept) == Decimal("10")
    assert first.accounts.delete(KEY) is True
    assert second.db.exists(second.key("wallet", kept.key)) == 0
    assert second.balance(kept) == Decimal(0)


# -- jobs ------------------------------------------------------------------------------------------


async def test_a_listing_of_more_than_a_page_of_jobs_is_newest_first_with_none_missed(
    open_store: Opener,
) -> None:
    """Broken: a listing that pages backwards (the second page from the oldest end), which
    lists every job but not newest first."""
    store = open_store()
    ids = keep_jobs(store, 2 * PAGE + 1)
    assert [j.request_id for j in store.jobs.newest_first()] == ids


async def test_a_listing_of_the_newest_thousand_reads_two_pages(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The module's promise: a listing of 1,000 jobs of many reads two pages of ranks from
    Redis. Broken: pages a rank short (three round trips, and a page a row short each)."""
    store = open_store()
    ids = keep_jobs(store, 1200)
    pages: list[tuple[int, int]] = []
    real = store.db.zrevrange

    def zrevrange(name: str, start: int, end: int) -> Any:
        pages.append((start, end))
        return real(name, start, end)

    monkeypatch.setattr(store.db, "zrevrange", zrevrange)
    listing = store.jobs.newest_first()
    first = [next(listing).request_id for _ in range(1000)]
    assert first == ids[:1000]
    assert pages == [(0, PAGE - 1), (PAGE, 2 * PAGE - 1)]


async def test_a_poll_that_does_not_wait_never_takes_over_a_due_jobs_input_fetch(
    open_store: Opener,
) -> None:
    """Broken: fetch() dropping `wait=False` (the runner's own reads), so a process that
    only looks at a job takes over its input fetch, or stalls waiting for it."""
    store = open_store()
    gateway = FakeGateway()
    store.gateway = gateway
    accepted = job("req-1", "digest", 1.0, settled=False)
    store.db.hset(store.key("job", "req-1"), mapping=job_fields(accepted))
    await store.fetch("req-1", 100.0, wait=False)
    found = store.jobs.get("req-1")
    assert found is not None and found.settled is False
    assert gateway.refetched == []
    assert store.db.exists(store.key("fetching", "req-1")) == 0


async def test_an_input_fetch_whose_lease_another_process_holds_is_not_taken_over(
    open_store: Opener,
) -> None:
    """Broken: take_fetch leasing another key than the one a submit leases, so two processes
    fetch the same input."""
    first, second = open_store(), open_store()
    second.gateway = gateway = FakeGateway()
    name = first.key("fetching", "req-1")
    first.db.set(name, first.events.owner, px=LEASE_MS)
    assert await second.take_fetch(job("req-1", "digest", 1.0, settled=False)) is False
    assert gateway.refetched == []
    assert first.db.get(name) == first.events.owner.encode()


async def test_an_input_fetch_whose_lease_ran_out_is_taken_over_and_leased_anew(
    open_store: Opener, caplog: pytest.LogCaptureFixture
) -> None:
    """Broken: a take-over that says it did not take it (the poll waits on for nothing), a
    warning naming no job, or a lease other than the fetch's longest time plus 5 s."""
    store = open_store(fetch_timeout_seconds=10.0, fetch_connect_timeout_seconds=3.0)
    store.gateway = gateway = FakeGateway()
    unsettled = job("req-1", "digest", 1.0, settled=False)
    with caplog.at_level(logging.WARNING, logger="mock_gateway.state"):
        assert await store.take_fetch(unsettled) is True
    assert [r.getMessage() for r in caplog.records if r.name == "mock_gateway.state"] == [
        "taking over the input fetch of req-1 (its process went away)"
    ]
    assert gateway.refetched == [unsettled]
    assert store.jobs.get("req-1") is unsettled
    name = store.key("fetching", "req-1")
    assert store.db.get(name) == store.events.owner.encode()
    assert 17_000 < store.db.pttl(name) <= 18_000, "(10 + 3 + 5) s"


# -- blobs -----------------------------------------------------------------------------------------


async def test_a_blob_missing_everywhere_answers_the_default(open_store: Opener) -> None:
    store = open_store()
    assert store.blobs.get("sha256:zz", b"fallback") == b"fallback"
    assert store.blobs.get("sha256:zz") is None


async def test_the_first_process_to_keep_a_blob_keeps_it_for_every_process(
    open_store: Opener,
) -> None:
    """Broken: a blob written again by another process replacing the first (the memory and
    SQLite stores keep the first write: setdefault, INSERT OR IGNORE)."""
    first, second = open_store(), open_store()
    first.blobs.put("sha256:aa", b"\x89PNG first")
    first.flush_now()
    second.blobs.put("sha256:aa", b"\x89PNG second")
    second.flush_now()
    assert open_store().blobs.get("sha256:aa") == b"\x89PNG first"


# -- rules -----------------------------------------------------------------------------------------


async def test_a_removed_counted_rule_leaves_no_count_behind_in_redis(open_store: Opener) -> None:
    """Broken: a removed rule's count of uses left in Redis for ever."""
    store = open_store()
    rule = store.rules.add({"http": 429, "times": 2})
    left = store.key("rule", rule.rule_id, "left")
    assert store.db.get(left) == b"2"
    assert store.rules.remove(rule.rule_id) is True
    assert store.db.exists(left) == 0
    assert store.db.hlen(store.key("rules")) == 0


async def test_refresh_takes_in_the_uses_another_process_took(open_store: Opener) -> None:
    """Broken: refresh_counts reading another key than the rule's count (every counted
    rule shown used up), or a count missing from Redis (evicted) read as a use left,
    where the use script reads it as none."""
    first = open_store()
    account = owner(first)
    first.rules.add({"http": 429, "times": 3})
    second = open_store()
    assert (await first.effects(account.key, RMBG.model_id, IMAGE, "submit")).rules == ["rule-1"]
    second.refresh()
    assert [r.times for r in second.rules.rules] == [2]
    second.db.delete(second.key("rule", "rule-1", "left"))
    second.refresh()
    assert [r.times for r in second.rules.rules] == [0]
    assert (await second.effects(account.key, RMBG.model_id, IMAGE, "submit")).rules == []


async def test_shared_effects_match_rules_on_the_model_and_the_input(open_store: Opener) -> None:
    """Broken: the shared store's effects matching without the model or the input text
    (rules on either never fire)."""
    store = open_store()
    account = owner(store)
    store.rules.add({"match": {"model": RMBG.model_id}, "http": 418})
    store.rules.add({"match": {"input_contains": "cat.png"}, "flags": ["timestamps-mixed"]})
    both = await store.effects(account.key, RMBG.model_id, IMAGE, "submit")
    assert (both.rules, both.http, both.flags) == (["rule-1", "rule-2"], 418, {"timestamps-mixed"})
    other = await store.effects(account.key, "bria/other", "https://x.test/dog.png", "submit")
    assert other.rules == []


async def test_a_rule_used_up_elsewhere_lets_the_rules_after_it_apply(open_store: Opener) -> None:
    """Broken: the first used-up rule ending the walk (later matching rules ignored)."""
    first = open_store()
    account = owner(first)
    first.rules.add({"http": 503, "times": 1})
    first.rules.add({"latency_ms": 250})
    second = open_store()
    assert (await first.effects(account.key, RMBG.model_id, IMAGE, "submit")).rules == [
        "rule-1",
        "rule-2",
    ]
    effects = await second.effects(account.key, RMBG.model_id, IMAGE, "submit")
    assert (effects.rules, effects.http, effects.latency_ms) == (["rule-2"], None, 250)


def count_uses(store: RedisStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The rule ids each use script run asks for, from now on."""
    asked: list[str] = []
    real: Callable[[str], Any] = store.atoms.use

    async def use(rule_id: str) -> bool:
        asked.append(rule_id)
        return bool(await real(rule_id))

    monkeypatch.setattr(store.atoms, "use", use)
    return asked


async def test_a_used_up_counted_rule_costs_no_more_round_trips(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The module's promise: a counted rule costs one script per use. Broken: a rule whose
    last use was taken here, or that was used up elsewhere, asked about again at every
    request (and shown with uses left)."""
    first = open_store()
    account = owner(first)
    first.rules.add({"http": 503, "times": 1})
    first.rules.add({"http": 502, "times": 1})
    second = open_store()
    asked = count_uses(first, monkeypatch)
    assert (await first.effects(account.key, RMBG.model_id, IMAGE, "submit")).rules == [
        "rule-1",
        "rule-2",
    ]
    assert [r.times for r in first.rules.rules] == [0, 0]
    assert (await first.effects(account.key, RMBG.model_id, IMAGE, "submit")).rules == []
    assert asked == ["rule-1", "rule-2"], "none after the last use"
    asked = count_uses(second, monkeypatch)
    for _ in range(2):
        assert (await second.effects(account.key, RMBG.model_id, IMAGE, "submit")).rules == []
    assert asked == ["rule-1", "rule-2"], "once each, to learn they are used up"
    assert [r.times for r in second.rules.rules] == [0, 0]


async def test_a_counted_rule_whose_count_is_gone_from_redis_loads_used_up(
    open_store: Opener,
) -> None:
    """A counted rule another process removed between a reload's read of the rules and its
    read of their counts has no count in Redis. Broken: such a rule loaded as unlimited (it
    then fires at every request, without asking Redis) or with a use left."""
    first = open_store()
    account = owner(first)
    first.rules.add({"http": 503, "times": 2})
    first.db.delete(first.key("rule", "rule-1", "left"))  # the count gone, the rule not yet
    second = open_store()
    assert [r.times for r in second.rules.rules] == [0]
    assert (await second.effects(account.key, RMBG.model_id, IMAGE, "submit")).rules == []


async def test_a_reload_asks_redis_for_counts_only_when_there_are_rules(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Broken: every reload sends an MGET of no keys (Redis refuses it: an error where
    there are no rules) or skips the counts when there are rules (each shown used up)."""
    first = open_store()
    owner(first)
    mgets: list[list[str]] = []
    real = first.db.mget

    def mget(keys: list[str], *args: Any) -> Any:
        mgets.append(list(keys))
        return real(keys, *args)

    monkeypatch.setattr(first.db, "mget", mget)
    first.reload()
    assert mgets == []
    first.rules.add({"http": 503, "times": 2})
    first.reload()
    assert mgets == [[first.key("rule", "rule-1", "left")]]
    assert [r.times for r in first.rules.rules] == [2]


async def test_a_reload_for_another_processs_change_keeps_the_writes_queued_here(
    open_store: Opener,
) -> None:
    """Only a reset (a new epoch) drops this process's queued writes. Broken: any reload
    (another process changed a key, a rule) dropping them: a journal line, a job's
    change, lost before they reach Redis."""
    first, second = open_store(), open_store()
    first.journal.record(1.0, "GET", "/one", 200, None, None, None, [], None)  # queued
    owner(second)  # a key changed elsewhere: the version moves on
    assert first.stale() is True
    first.flush_now()
    assert len(open_store().journal) == 1


async def test_another_process_loads_rules_in_the_order_they_were_added(
    open_store: Opener,
) -> None:
    """Broken: rules loaded in the order of their ids as text (rule-10 before rule-2), so
    earlier rules no longer win."""
    first = open_store()
    for n in range(11):
        first.rules.add({"http": 400 + n})
    second = open_store()
    assert [r.rule_id for r in second.rules.rules] == [f"rule-{n}" for n in range(1, 12)]
    assert [r.effects.http for r in second.rules.rules] == [400 + n for n in range(11)]


# -- events and the delivery log ---------------------------------------------------------------


async def test_event_ids_come_a_block_of_1000_at_a_time_without_gaps(open_store: Opener) -> None:
    """Broken: a block a number short, so ids skip (and another process's block begins
    where this one's ended)."""
    store = open_store()
    assert [store.events.new_id() for _ in range(1001)] == list(range(1, 1002))
    assert open_store().events.new_id() == 2001


async def test_a_pending_event_reads_back_with_its_attempt_count(open_store: Opener) -> None:
    """Broken: an event read back from Redis with its attempts made forgotten (a retried
    callback would count its attempts from 0 again)."""
    store = open_store()
    event = Pending(
        store.events.new_id(), DELIVER, 40.0, "req-1", 5.0, "dlv_000001_x", b"{}", "OK", True, 3
    )
    store.events.add(event)
    held = Pending(store.events.new_id(), DELIVER, HELD, "req-2", 6.0, attempt=1)
    store.events.add(held)
    store.flush_now()
    read = open_store().events.pending()
    assert [dataclasses.astuple(e) for e in read] == [
        dataclasses.astuple(event),
        dataclasses.astuple(held),
    ]


async def test_a_finished_event_leaves_nothing_behind_in_redis(open_store: Opener) -> None:
    """Broken: done() leaving the event's record in Redis for ever."""
    store = open_store()
    store.events.add(Pending(store.events.new_id(), DELIVER, 10.0, "req-1", 0.0))
    store.flush_now()
    await store.events.pull(10.0, LEASE_MS)
    (taken,) = store.events.take_due(10.0)
    store.events.done(taken)
    store.flush_now()
    assert store.db.exists(store.key("event", str(taken.event_id))) == 0
    assert store.events.pending() == [] and len(store.events) == 0


async def test_a_delivery_log_never_written_pages_as_empty_from_the_start(
    open_store: Opener,
) -> None:
    """Broken: a namespace with no delivery yet answering next=1 (a client paging with it
    would skip the first delivery)."""
    store = open_store()
    assert store.deliveries.page() == {"deliveries": [], "dropped": 0, "next": 0}
    store.deliveries.append({"delivery_id": "dlv_000001_x", "request_id": "req-1"})
    store.flush_now()
    page = store.deliveries.page()
    assert ([e["n"] for e in page["deliveries"]], page["next"]) == ([1], 1)


async def test_the_delivery_logs_next_number_follows_the_entries_every_process_wrote(
    open_store: Opener,
) -> None:
    """Broken: a process whose next entry number moves only when it pages the log (the
    inspector's change feed on it misses entries another process wrote)."""
    first, second = open_store(), open_store()
    assert first.deliveries.next_n == 1, "no entry yet"
    for n in (1, 2):
        second.deliveries.append({"delivery_id": f"dlv_00000{n}_x", "request_id": "req-1"})
    second.flush_now()
    assert (first.deliveries.next_n, second.deliveries.next_n) == (3, 3)
    first.clear()
    assert first.deliveries.next_n == 3, "a reset does not start it again"
    assert first.deliveries.page()["next"] == 2


def exec_calls(store: RedisStore) -> int:
    """How many MULTI/EXEC transactions Redis has run so far (INFO commandstats)."""
    stats: dict[str, Any] = store.db.info("commandstats")
    return int(stats.get("cmdstat_exec", {}).get("calls", 0))


async def test_a_page_of_the_delivery_log_is_one_snapshot_of_entries_and_number(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's `next` is the number read with its entries, in one MULTI/EXEC. Broken: the
    number read on its own, after the entries (or the three reads outside a transaction):
    an entry another process logs in between is counted in `next` but not listed, and a
    change feed paging from `next` skips it for good."""
    first, second = open_store(), open_store()
    second.deliveries.append({"delivery_id": "dlv_000001_x", "request_id": "req-1"})
    second.flush_now()
    first.flush_now()
    paging = DeliveryLog.page

    def page_while_another_logs(log: DeliveryLog, *args: Any) -> dict[str, Any]:
        second.deliveries.append({"delivery_id": "dlv_000002_x", "request_id": "req-1"})
        second.flush_now()  # logged elsewhere after this page's read
        return paging(log, *args)

    monkeypatch.setattr(DeliveryLog, "page", page_while_another_logs)
    before = exec_calls(first)
    page = first.deliveries.page()
    assert exec_calls(first) == before + 1, "the page's reads in one transaction"
    assert [e["n"] for e in page["deliveries"]] == [1]
    assert page["next"] == 1, "the entry logged meanwhile comes with the next page"
    monkeypatch.undo()
    assert [e["n"] for e in first.deliveries.page(since=page["next"])["deliveries"]] == [2]


# -- the store as a whole ------------------------------------------------------------------------


async def test_a_reset_finds_and_deletes_the_namespaces_keys_a_thousand_per_round_trip(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reset of a namespace with many keys (a long run's jobs, blobs, events) costs a
    round trip per thousand keys, to find them and to delete them. Broken: SCAN at its
    default of ten keys a call, or UNLINK a key at a time (a reset of 100,000 jobs would
    take 100,000 round trips), or chunks that overlap or skip a key (one left behind)."""
    store = open_store()
    pipe = store.db.pipeline(transaction=False)
    for n in range(2500):
        pipe.set(store.key("blob", f"sha256:{n:04x}"), b"x")
    pipe.execute()
    scans: list[int | None] = []  # each SCAN's COUNT
    unlinked: list[int] = []
    scan, unlink = store.db.scan, store.db.unlink

    def counted_scan(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("match") == store.key("*"):  # the search for the namespace's keys
            scans.append(kwargs.get("count"))
        return scan(*args, **kwargs)

    def counted_unlink(*names: Any) -> Any:
        unlinked.append(len(names))
        return unlink(*names)

    monkeypatch.setattr(store.db, "scan", counted_scan)
    monkeypatch.setattr(store.db, "unlink", counted_unlink)
    store.clear()
    assert list(store.db.scan_iter(match=store.key("blob", "*"))) == [], "every key deleted"
    # how many SCANs depends on the size of Redis's table (other tests' keys, deleted ones):
    # what the reset asks for is the thousand buckets a call
    assert scans and all(count is not None and count >= 1000 for count in scans), scans
    assert sum(unlinked) >= 2500 and max(unlinked) <= 1000
    assert len(unlinked) == -(-sum(unlinked) // 1000), "a thousand keys per UNLINK"


async def test_health_says_redis_does_not_answer_when_its_ping_fails(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store()

    def ping() -> bool:
        raise redis.ConnectionError("connection refused")

    monkeypatch.setattr(store.db, "ping", ping)
    shown = store.health()
    assert shown["answers"] is False
    assert shown["process"] == store.number


async def test_writes_queued_while_a_flush_fails_are_all_sent_by_the_next(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Broken: a failed flush putting its writes back over the ones queued meanwhile (a
    journal line or a blob lost)."""
    from mock_gateway.core.errors import StoreUnavailable

    store = open_store()
    store.blobs.put("sha256:aa", b"first")
    store.journal.record(1.0, "GET", "/one", 200, None, None, None, [], None)
    real = redis.asyncio.client.Pipeline.execute

    async def failing(pipe: Any, raise_on_error: bool = True) -> Any:
        store.blobs.put("sha256:bb", b"second")  # queued while the flush is in flight
        store.journal.record(2.0, "GET", "/two", 200, None, None, None, [], None)
        await pipe.reset()
        raise redis.ConnectionError("gone")

    monkeypatch.setattr(redis.asyncio.client.Pipeline, "execute", failing)
    with pytest.raises(StoreUnavailable):
        await store.flush()
    monkeypatch.setattr(redis.asyncio.client.Pipeline, "execute", real)
    await store.flush()
    reader = open_store()
    assert (reader.blobs.get("sha256:aa"), reader.blobs.get("sha256:bb")) == (b"first", b"second")
    assert [e["path"] for e in reader.journal.entries()] == ["/one", "/two"]


async def test_a_store_url_is_shown_without_its_password_even_one_with_an_at_sign(
    namespace: str,
) -> None:
    """Broken: the URL's password shown in an error (split at the first '@', or not at
    all)."""
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"redis://admin:pa@ss@127.0.0.1:{port}/0"
    with pytest.raises(ConfigError) as raised:
        RedisStore(Settings(store=url, namespace=namespace, manual_clock=True))
    message = str(raised.value)
    assert message.startswith(f"store redis://…@127.0.0.1:{port}/0: Redis does not answer")
    assert "pa@ss" not in message and "admin" not in message


async def test_the_journals_next_number_follows_the_lines_every_process_wrote(
    open_store: Opener,
) -> None:
    """Broken: a process whose next journal number stays where its own lines left it (the
    inspector's change feed on it misses lines another process wrote)."""
    first, second = open_store(), open_store()
    assert first.journal.next_number == 1, "no line yet"
    second.journal.record(1.0, "GET", "/one", 200, None, None, None, [], None)
    second.journal.record(2.0, "GET", "/two", 200, None, None, None, [], None)
    second.flush_now()
    assert (first.journal.next_number, second.journal.next_number) == (3, 3)
    first.clear()
    assert first.journal.next_number == 3, "a reset does not start it again"


def count_reads(store: RedisStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The request ids whose job fields are read from Redis, from now on."""
    asked: list[str] = []
    real: Callable[[str], Any] = store.atoms.fields

    async def fields(request_id: str) -> Any:
        asked.append(request_id)
        return await real(request_id)

    monkeypatch.setattr(store.atoms, "fields", fields)
    return asked


async def test_a_settled_job_this_process_keeps_is_answered_without_reading_redis(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The module's promise: a settled job never changes again, so a poll of one this
    process keeps costs no round trip. Broken: every poll reads the job again, and one
    whose settled copy is still queued for the next flush reads as gone (Redis has none
    yet): a 404 for a job this process has just finished."""
    store = open_store()
    store.gateway = FakeGateway()
    settled = job("req-1", "digest", 1.0)
    store.jobs["req-1"] = settled  # settled here; its write not flushed yet
    reads = count_reads(store, monkeypatch)
    await store.fetch("req-1", 100.0)
    assert store.jobs.get("req-1") is settled
    assert reads == []


async def test_a_dead_processs_input_fetch_is_taken_over_once_the_job_is_due_not_before(
    open_store: Opener,
) -> None:
    """A job is due at its planned end exactly (the gateway settles it at now >= ended_at).
    Broken: a poll right at the end time answering from the unsettled copy without taking
    over the fetch no process holds (the job never settles); or a poll before the end
    taking over a fetch that is not due yet."""
    store = open_store()
    store.gateway = gateway = FakeGateway()
    unsettled = job("req-1", "digest", 1.0, settled=False)
    store.db.hset(store.key("job", "req-1"), mapping=job_fields(unsettled))
    name = store.key("fetching", "req-1")
    await store.fetch("req-1", unsettled.ended_at - 0.001)
    assert gateway.refetched == [] and store.db.exists(name) == 0, "not due yet"
    await store.fetch("req-1", unsettled.ended_at)
    assert [j.request_id for j in gateway.refetched] == ["req-1"]
    assert gateway.refetched[0].settled is False
    assert store.db.get(name) == store.events.owner.encode()
