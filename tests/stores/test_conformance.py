"""The three stores held to one contract, part by part, with no HTTP in between.

Every test takes `backend` and runs once per store: memory (the default), SQLite (`--state`:
"reopen" closes the file and opens it again) and Redis (`--store`: a namespace of the test's
own on the session's redis-server; "reopen" is the next process joining it). Each check is
there for a named bug: a method that answers wrong, drops a field, keeps what it should
forget or forgets what it should keep; the docstrings say which.

Where a backend answers differently by design (memory is not durable; Redis numbers ids in
blocks per process, keeps wallets apart and sends its writes in batches), the test asserts
that backend's own answer, through `per`. Where backends disagree and should not, the test
expects the protocol's answer and is a strict xfail for the backend that does not give it
yet; its reason says what is wrong.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis.asyncio as aioredis

from mock_gateway.core.accounts import Account, RateLimit, redact
from mock_gateway.core.catalog import RMBG
from mock_gateway.core.events import DELIVER, HELD, Pending
from mock_gateway.core.jobs import InputImage, Job, iso
from mock_gateway.core.scenarios import Effects
from mock_gateway.settings import Settings
from mock_gateway.stores.memory import MemoryStore
from mock_gateway.stores.records import digest, job_fields
from mock_gateway.stores.redis import RedisStore  # when collected: see tests/stores/conftest.py
from mock_gateway.stores.redis_atoms import Atomics
from mock_gateway.stores.sqlite import SqliteStore
from tests.redis_server import RedisServer

T = TypeVar("T")
Opened = MemoryStore | SqliteStore | RedisStore  # SqliteStore is a MemoryStore; named anyway

KEY = "sk-conformance-7c1e9a2b4d6f8e0a"
OTHER = "sk-conformance-other-5d3b1f9e7a"
LABEL = "sk-c…"  # redact(KEY), spelt out: a store that kept another label is caught
IMAGE = "https://images.example.com/cat.png"
JOURNAL = 100  # the journal and delivery-log size unless a test asks for another
LEASE_MS = 30_000  # a Redis claim's lease: longer than any test


class Backend:
    """One backend: its stores opened on the same state, and the gateway's ways with them
    (how a job is accepted, how due work is taken, how rules are applied)."""

    def __init__(self, name: str, path: Path, server: RedisServer | None, namespace: str) -> None:
        self.name = name
        self.path = str(path)
        self.server = server
        self.namespace = namespace
        self.opened: list[Opened] = []
        self.client: aioredis.Redis | None = None

    def open(self, journal_size: int = JOURNAL) -> Opened:
        store: Opened
        if self.name == "memory":
            store = MemoryStore(journal_size)
        elif self.name == "sqlite":
            store = SqliteStore(self.path, Settings(state=self.path, journal_size=journal_size))
        else:
            assert self.server is not None
            settings = Settings(
                store=self.server.url,
                namespace=self.namespace,
                manual_clock=True,
                journal_size=journal_size,
            )
            store = RedisStore(settings)
            if self.client is None:
                self.client = aioredis.Redis.from_url(self.server.url)
            # What `start` does for a serving process: the scripts on the asyncio client.
            store.atoms = Atomics(self.client, self.namespace)
        self.opened.append(store)
        return store

    def reopen(self, store: Opened, journal_size: int = JOURNAL) -> Opened:
        """Close the store and open another on the same state (memory: a fresh one)."""
        self.opened.remove(store)
        store.close()
        return self.open(journal_size)

    def send(self, store: Opened) -> None:
        """Write out what the store holds back: SQLite's commit, Redis's queued writes and
        log lines (a serving process sends them within FLUSH_SECONDS)."""
        store.commit()
        if isinstance(store, RedisStore):
            store.flush_now()

    async def keep(self, store: Opened, job: Job) -> None:
        """Keep an accepted job as the gateway does: on Redis the submit script charges its
        key and lists it first (SharedStore.submit), then the process keeps it."""
        if isinstance(store, RedisStore):
            fields = job_fields(job)
            code = await store.atoms.accept(
                job.key, RMBG.price_usd, job.request_id, fields, created_at=job.created_at
            )
            assert code == 1, "accepted"
        store.jobs.add(job)

    def find_job(self, store: Opened, request_id: str) -> Job | None:
        """A job as a control read finds it (Redis brings in what another process kept)."""
        if isinstance(store, RedisStore):
            store.load_job(request_id)
        return store.jobs.get(request_id)

    async def take_due(self, store: Opened, now: float) -> list[Pending]:
        """What the dispatcher starts at `now` (on Redis, what this process claims first)."""
        if isinstance(store, RedisStore):
            store.flush_now()
            await store.events.pull(now, LEASE_MS)
        return store.events.take_due(now)

    async def effects(self, store: Opened, key: str) -> Effects:
        """The rules' effects on a cut-out submit by `key` (kept form), counted uses taken."""
        if isinstance(store, RedisStore):
            return await store.effects(key, RMBG.model_id, IMAGE, "submit")
        return store.rules.effects_for(key, RMBG.model_id, IMAGE, "submit")

    def wallet(self, store: Opened, key: str) -> Decimal | None:
        """The key's balance as the store has it (Redis keeps wallets apart); None: no key."""
        kept = store.accounts.get(key)
        if kept is None:
            return None
        if isinstance(store, RedisStore):
            return store.balance(kept)
        balance: Decimal = kept.balance_usd
        return balance

    async def close(self) -> None:
        for store in self.opened:
            store.close()
        if self.client is not None:
            await self.client.aclose()


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, namespace: str
) -> AsyncIterator[Backend]:
    # Only the Redis runs ask for the session's redis-server (started at the first of them).
    server = request.getfixturevalue("redis_server") if request.param == "redis" else None
    made = Backend(request.param, tmp_path / "state.db", server, namespace)
    yield made
    await made.close()


def only(*names: str, **xfails: str) -> pytest.MarkDecorator:
    """Run a test on some backends; `xfails`: backend -> why it fails there (a known bug)."""
    params = [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=xfails[name]))
        if name in xfails
        else name
        for name in names
    ]
    return pytest.mark.parametrize("backend", params, indirect=True)


def per(backend: Backend, *, memory: T, sqlite: T, redis: T) -> T:
    """The answer of this backend, where the three differ by design."""
    return {"memory": memory, "sqlite": sqlite, "redis": redis}[backend.name]


def owner(store: Opened, key: str = KEY, usd: str = "10") -> Account:
    """Keep a key (allowed the cut-out model, 5 requests a minute, API generation 1); the
    kept account, as the gateway gets it to change it (Redis replaces its account objects
    whenever it reloads keys, as the first write of a fresh process does)."""
    store.accounts.put(
        Account(key, Decimal(usd), frozenset({RMBG.model_id}), RateLimit(5, 60.0), 1)
    )
    kept = store.accounts.get(key)
    assert kept is not None
    return kept


def job(request_id: str, key: str, created_at: float, *, settled: bool = True) -> Job:
    """A cut-out job accepted at `created_at`, planned to end 5 s later."""
    return Job(
        request_id=request_id,
        model=RMBG,
        key=key,
        generation=2,
        params={"image_url": IMAGE},
        created_at=created_at,
        started_at=created_at + 1.0,
        ended_at=created_at + 5.0,
        base_url="http://127.0.0.1:8080",
        settled=settled,
    )


def seen(j: Job) -> tuple[Any, ...]:
    """Everything a reader of a kept job can tell apart."""
    return (
        j.request_id,
        j.model.model_id,
        j.key,
        j.generation,
        j.params,
        j.created_at,
        j.started_at,
        j.ended_at,
        j.base_url,
        j.settled,
        j.input,
        j.error,
    )


def schedule(store: Opened, due: float, request_id: str, at: float = 0.0) -> Pending:
    """One delivery attempt due at `due` (HELD: until its job's final callback)."""
    return store.events.add(Pending(store.events.new_id(), DELIVER, due, request_id, at))


def record(store: Opened, time: float, request_id: str | None) -> None:
    """One status poll in the journal, as the service records it (nine fields)."""
    store.journal.record(time, "GET", "/status", 200, LABEL, RMBG.model_id, request_id, [], None)


def attempt(request_id: str) -> dict[str, Any]:
    """One delivery-log entry, as the webhook sender logs it (fewer fields)."""
    return {"delivery_id": "dlv_000001_x", "request_id": request_id, "attempt": 1, "ok": True}


def seqs(store: Opened, **window: int) -> list[int]:
    return [e["seq"] for e in store.journal.entries(**window)]


# -- the store as a whole ----------------------------------------------------------------------


async def test_each_store_says_what_keeps_it_whether_it_lasts_and_whether_it_is_shared(
    backend: Backend,
) -> None:
    """Broken: a store that names itself wrong on /_mock/health, or claims to be durable or
    shared when it is not (the gateway reseeds and restores by these)."""
    store = backend.open()
    assert (store.kind, store.durable, store.shared) == per(
        backend,
        memory=("memory", False, False),
        sqlite=("sqlite", True, False),
        redis=("redis", True, True),
    )


async def test_the_saved_clock_reads_back_outlives_a_reset_and_in_durable_stores_a_reopen(
    backend: Backend,
) -> None:
    """Broken: clock_state answering a stale or default value; a reset forgetting the
    clock; a durable store that does not write it."""
    store = backend.open()
    assert store.clock_state() is None, "never saved"
    store.save_clock(5.0)
    assert store.clock_state() == 5.0
    store.save_clock(7.5)
    # Redis: the first process's clock becomes everyone's (kept only if none is kept yet).
    kept = per(backend, memory=7.5, sqlite=7.5, redis=5.0)
    assert store.clock_state() == kept
    backend.send(store)
    store.clear()
    assert store.clock_state() == kept, "a reset keeps the clock"
    backend.send(store)
    store = backend.reopen(store)
    assert store.clock_state() == per(backend, memory=None, sqlite=7.5, redis=5.0)


@only(
    "memory",
    "sqlite",
    "redis",
)
async def test_a_clock_saved_just_before_a_reset_outlives_a_reopen(backend: Backend) -> None:
    store = backend.open()
    store.save_clock(5.0)
    store.clear()  # "the clock and the incarnation stay" (Store.clear)
    backend.send(store)
    store = backend.reopen(store)
    assert store.clock_state() == per(backend, memory=None, sqlite=5.0, redis=5.0)


async def test_incarnation_counts_the_openings_before_and_a_reset_keeps_it(
    backend: Backend,
) -> None:
    """Broken: a reopened durable store that says it is fresh (the gateway would replay
    the same random draws), or a reset that starts the count again."""
    store = backend.open()
    assert store.incarnation == 0
    store.clear()
    assert store.incarnation == 0
    store = backend.reopen(store)
    assert store.incarnation == per(backend, memory=0, sqlite=1, redis=1)
    store.clear()
    backend.send(store)
    assert store.incarnation == per(backend, memory=0, sqlite=1, redis=1)
    store = backend.reopen(store)
    assert store.incarnation == per(backend, memory=0, sqlite=2, redis=2)


def contents(store: Opened) -> dict[str, Any]:
    """What each part holds, as its readers see it (blobs apart: see their own tests)."""
    return {
        "accounts": (len(store.accounts), list(store.accounts.values()), store.accounts.get(KEY)),
        "jobs": (
            len(store.jobs),
            [j.request_id for j in store.jobs.newest_first()],
            store.jobs.get("req-1"),
        ),
        "rules": [r.rule_id for r in store.rules.rules],
        "journal": (len(store.journal), store.journal.entries()),
        "deliveries": (len(store.deliveries), store.deliveries.entries()),
        "events": (len(store.events), store.events.pending()),
    }


EMPTY: dict[str, Any] = {
    "accounts": (0, [], None),
    "jobs": (0, [], None),
    "rules": [],
    "journal": (0, []),
    "deliveries": (0, []),
    "events": (0, []),
}


async def test_a_reset_forgets_every_part_and_they_stay_forgotten_after_a_reopen(
    backend: Backend,
) -> None:
    """Broken: Store.clear leaving any one part (a key, a deleted key's label, a job, a
    rule, a log line, a pending event, a picture) in memory or in the file/Redis, or not
    keeping the clock and the incarnation."""
    store = backend.open()
    account = owner(store)
    gone = owner(store, OTHER).key
    assert store.accounts.delete(OTHER) is True
    await backend.keep(store, job("req-1", account.key, 10.0))
    store.rules.add({"http": 503})
    record(store, 10.0, "req-1")
    store.deliveries.append(attempt("req-1"))
    schedule(store, 20.0, "req-1")
    schedule(store, HELD, "req-1")
    store.blobs.put("sha256:aa", b"pixels")
    store.save_clock(42.0)
    backend.send(store)
    before = contents(store)
    assert [before["accounts"][0], before["jobs"][0], before["journal"][0]] == [1, 1, 1]
    assert before["rules"] == ["rule-1"]
    assert [before["deliveries"][0], before["events"][0]] == [1, 2]
    assert store.accounts.label(gone) == redact(OTHER)
    incarnation = store.incarnation

    store.clear()
    assert contents(store) == EMPTY
    assert store.events.release("req-1", 30.0) is None, "the held callback went too"
    assert store.clock_state() == 42.0 and store.incarnation == incarnation
    # Event ids: memory and SQLite number again from 1; Redis's never start again.
    assert store.events.new_id() == per(backend, memory=1, sqlite=1, redis=1001)
    # A deleted key's label goes too (memory keeps raw keys: their label is their own).
    forgotten = per(backend, memory=redact(OTHER), sqlite=redact(gone), redis=redact(gone))
    assert store.accounts.label(gone) == forgotten
    backend.send(store)
    assert store.blobs.get("sha256:aa") is None
    store = backend.reopen(store)
    assert contents(store) == EMPTY
    assert store.blobs.get("sha256:aa") is None
    assert store.accounts.label(gone) == forgotten


# -- accounts ------------------------------------------------------------------------------------


async def test_a_kept_key_is_found_by_its_raw_key_counted_listed_and_labelled(
    backend: Backend,
) -> None:
    """Broken: get answering for a key never kept; put keeping a second entry for a
    changed account (or hashing its kept key again); values/len/label off."""
    store = backend.open()
    assert store.accounts.get(KEY) is None and len(store.accounts) == 0
    account = owner(store)
    assert store.accounts.get(KEY) is account
    assert store.accounts.get(OTHER) is None
    # A durable store keeps the key's digest, never the key itself.
    assert account.key == per(backend, memory=KEY, sqlite=digest(KEY), redis=digest(KEY))
    assert len(store.accounts) == 1 and list(store.accounts.values()) == [account]
    assert store.accounts.label(account.key) == LABEL
    other = owner(store, OTHER)
    account.models = None  # a change to a kept account, handed back
    store.accounts.put(account)
    assert store.accounts.get(KEY) is account and store.accounts.get(OTHER) is other
    assert len(store.accounts) == 2
    assert sorted(a.label for a in store.accounts.values()) == sorted([LABEL, redact(OTHER)])
    unknown = digest("sk-never-kept-0000000000000000")
    assert store.accounts.label(unknown) == redact(unknown) == "sha2…"


async def test_a_deleted_key_is_gone_from_every_view_but_its_jobs_keep_its_label(
    backend: Backend,
) -> None:
    """Broken: delete answering True for a key it does not keep (or False for one it
    did); the key still found, counted or listed; its label lost for its jobs, at once or
    after a reopen."""
    store = backend.open()
    account = owner(store)
    other = owner(store, OTHER)
    kept = account.key
    assert store.accounts.delete(KEY) is True
    assert store.accounts.get(KEY) is None
    assert len(store.accounts) == 1 and list(store.accounts.values()) == [other]
    assert store.accounts.delete(KEY) is False, "already deleted"
    assert store.accounts.delete("sk-never-kept-0000000000000000") is False
    assert len(store.accounts) == 1 and store.accounts.get(OTHER) is other
    assert store.accounts.label(kept) == LABEL, "its jobs still say whose they were"
    backend.send(store)
    store = backend.reopen(store)
    assert store.accounts.get(KEY) is None
    assert [a.label for a in store.accounts.values()] == per(
        backend, memory=[], sqlite=[redact(OTHER)], redis=[redact(OTHER)]
    )
    assert store.accounts.label(kept) == LABEL


async def test_a_put_without_balance_leaves_a_kept_wallet_as_it_was(backend: Backend) -> None:
    """Broken: `balance=False` ignored on Redis (a settings change resets a wallet other
    processes spend from), or `balance=True` not writing it."""
    store = backend.open()
    owner(store, usd="10")
    assert backend.wallet(store, KEY) == Decimal("10")

    def change(usd: str, *, balance: bool) -> None:
        # As the gateway changes a key (Gateway.update_key): the kept account, got anew
        # (Redis replaces its account objects whenever it reloads keys).
        kept = store.accounts.get(KEY)
        assert kept is not None
        kept.balance_usd = Decimal(usd)
        store.accounts.put(kept, balance=balance)

    change("3", balance=False)
    # In one process the wallet is the account's own; Redis keeps it apart, untouched here.
    assert backend.wallet(store, KEY) == per(
        backend, memory=Decimal("3"), sqlite=Decimal("3"), redis=Decimal("10")
    )
    change("3", balance=True)
    assert backend.wallet(store, KEY) == Decimal("3")
    change("4", balance=False)
    backend.send(store)
    store = backend.reopen(store)
    assert backend.wallet(store, KEY) == per(
        backend, memory=None, sqlite=Decimal("4"), redis=Decimal("3")
    )


async def test_a_kept_key_comes_back_whole_after_a_reopen(backend: Backend) -> None:
    """Broken: a durable store dropping a key's label, models, rate limit, API generation
    or wallet on the way to disk and back."""
    store = backend.open()
    owner(store, usd="12.5")
    backend.send(store)
    store = backend.reopen(store)
    back = store.accounts.get(KEY)
    found = None
    if back is not None:
        found = (back.label, back.models, back.rate_limit, back.api_generation)
    whole = (LABEL, frozenset({RMBG.model_id}), RateLimit(5, 60.0), 1)
    assert found == per(backend, memory=None, sqlite=whole, redis=whole)
    assert backend.wallet(store, KEY) == per(
        backend, memory=None, sqlite=Decimal("12.5"), redis=Decimal("12.5")
    )
    assert len(store.accounts) == per(backend, memory=0, sqlite=1, redis=1)


# -- jobs ----------------------------------------------------------------------------------------


async def test_kept_jobs_are_found_counted_and_listed_newest_first(backend: Backend) -> None:
    """Broken: get answering for an unknown id; len off by one; newest_first in the wrong
    order or dropping a job's field; a durable store losing jobs across a reopen."""
    store = backend.open()
    account = owner(store)
    assert len(store.jobs) == 0 and list(store.jobs.newest_first()) == []
    kept = [job(f"req-{n}", account.key, float(n)) for n in (1, 2, 3)]
    for each in kept:
        await backend.keep(store, each)
    assert len(store.jobs) == 3
    assert store.jobs.get("req-2") is kept[1]
    assert store.jobs.get("req-9") is None
    newest = [seen(j) for j in reversed(kept)]
    assert [seen(j) for j in store.jobs.newest_first()] == newest
    backend.send(store)
    store = backend.reopen(store)
    assert len(store.jobs) == per(backend, memory=0, sqlite=3, redis=3)
    listed = [seen(j) for j in store.jobs.newest_first()]
    assert listed == per(backend, memory=[], sqlite=newest, redis=newest)


async def test_a_saved_change_to_a_kept_job_is_what_a_reader_finds_next(
    backend: Backend,
) -> None:
    """Broken: JobStore.save a no-op in a durable store (a reopen, or another process,
    finds the job as accepted: input unknown, never settled)."""
    store = backend.open()
    account = owner(store)
    kept = job("req-1", account.key, 1.0, settled=False)
    await backend.keep(store, kept)
    backend.send(store)
    kept.input = InputImage("stand-in", IMAGE, 640, 480)
    kept.settled = True
    kept.error = "input unreadable"
    store.jobs.save(kept)
    assert store.jobs.get("req-1") is kept
    backend.send(store)
    store = backend.reopen(store)
    found = backend.find_job(store, "req-1")
    assert (None if found is None else seen(found)) == per(
        backend, memory=None, sqlite=seen(kept), redis=seen(kept)
    )
    assert found is None or (found.input, found.settled) == (kept.input, True)


# -- blobs ---------------------------------------------------------------------------------------


async def test_a_kept_picture_reads_back_byte_for_byte_and_the_first_one_stays(
    backend: Backend,
) -> None:
    """Broken: get answering for an unknown digest; a second put of a digest replacing the
    first; a durable store not writing pictures, or not reading them back."""
    store = backend.open()
    assert store.blobs.get("sha256:aa") is None
    store.blobs.put("sha256:aa", b"\x89PNG first")
    store.blobs.put("sha256:aa", b"\x89PNG second")
    store.blobs.put("sha256:bb", b"other")
    assert store.blobs.get("sha256:aa") == b"\x89PNG first"
    assert store.blobs.get("sha256:bb") == b"other"
    assert store.blobs.get("sha256:cc") is None
    backend.send(store)
    store = backend.reopen(store)
    kept = (b"\x89PNG first", b"other", None)
    found = tuple(store.blobs.get(d) for d in ("sha256:aa", "sha256:bb", "sha256:cc"))
    assert found == per(backend, memory=(None, None, None), sqlite=kept, redis=kept)


async def test_clearing_the_picture_part_drops_what_the_process_holds(backend: Backend) -> None:
    """Broken: BlobStore.clear leaving memory's pictures; a durable store that cannot read
    a picture back once its cache is gone (SQLite reads them on demand, Redis too)."""
    store = backend.open()
    store.blobs.put("sha256:aa", b"pixels")
    backend.send(store)
    store.blobs.clear()
    # The part's clear is the process's own; a reset (Store.clear) forgets kept ones too.
    assert store.blobs.get("sha256:aa") == per(
        backend, memory=None, sqlite=b"pixels", redis=b"pixels"
    )
    assert store.blobs.get("sha256:zz") is None


@only(
    "memory",
    "sqlite",
    "redis",
)
async def test_a_picture_forgotten_by_a_reset_is_not_served_before_the_reset_is_written(
    backend: Backend,
) -> None:
    store = backend.open()
    store.blobs.put("sha256:aa", b"pixels")
    backend.send(store)
    store.clear()
    assert store.blobs.get("sha256:aa") is None
    backend.send(store)
    assert store.blobs.get("sha256:aa") is None


# -- scenario rules ------------------------------------------------------------------------------


async def test_rules_are_numbered_in_order_and_a_removed_one_is_gone_for_good(
    backend: Backend,
) -> None:
    """Broken: remove answering True for an unknown id or False for a kept one; a removed
    rule still applying, or back after a reopen; numbering that gives a removed rule's id
    again after a reopen."""
    store = backend.open()
    account = owner(store)
    ids = [store.rules.add({"http": code}).rule_id for code in (500, 502, 503)]
    assert ids == ["rule-1", "rule-2", "rule-3"]
    backend.send(store)  # kept: the removal is a change of its own
    assert store.rules.remove("rule-2") is True
    assert [r.rule_id for r in store.rules.rules] == ["rule-1", "rule-3"]
    assert store.rules.remove("rule-2") is False, "already removed"
    assert store.rules.remove("rule-9") is False
    # matching(), not effects: applying rules writes them too, which would hide a removal
    # that is not written.
    fitting = store.rules.matching(account.key, RMBG.model_id, IMAGE, "submit")
    assert [r.rule_id for r in fitting] == ["rule-1", "rule-3"]
    backend.send(store)
    store = backend.reopen(store)
    kept = [(r.rule_id, r.effects.http) for r in store.rules.rules]
    assert kept == per(
        backend,
        memory=[],
        sqlite=[("rule-1", 500), ("rule-3", 503)],
        redis=[("rule-1", 500), ("rule-3", 503)],
    )
    assert store.rules.add({"http": 504}).rule_id == per(
        backend, memory="rule-1", sqlite="rule-4", redis="rule-4"
    )
    applied = await backend.effects(store, account.key)
    assert applied.rules == per(
        backend,
        memory=["rule-1"],
        sqlite=["rule-1", "rule-3", "rule-4"],
        redis=["rule-1", "rule-3", "rule-4"],
    )


async def test_clearing_the_rules_empties_them_and_starts_the_numbering_again(
    backend: Backend,
) -> None:
    """Broken: clear leaving a rule, or the rule counter (the next rule would be rule-3);
    a durable store that keeps the cleared rules or the old counter."""
    store = backend.open()
    account = owner(store)
    store.rules.add({"http": 500})
    store.rules.add({"http": 502})
    backend.send(store)  # kept: the clear is a change of its own
    store.rules.clear()
    assert store.rules.rules == []
    applied = await backend.effects(store, account.key)
    assert (applied.http, applied.rules) == (None, [])
    backend.send(store)
    store = backend.reopen(store)
    assert store.rules.rules == [], "cleared in the file and in Redis too"
    assert store.rules.add({"http": 503}).rule_id == "rule-1"
    backend.send(store)
    store = backend.reopen(store)
    kept = [(r.rule_id, r.effects.http) for r in store.rules.rules]
    assert kept == per(backend, memory=[], sqlite=[("rule-1", 503)], redis=[("rule-1", 503)])
    assert store.rules.add({"http": 504}).rule_id == per(
        backend, memory="rule-1", sqlite="rule-2", redis="rule-2"
    )
    store.clear()  # a reset: the same for the rules
    assert store.rules.rules == []
    assert store.rules.add({"http": 505}).rule_id == "rule-1"


async def test_a_counted_rule_applies_its_times_and_then_no_more(backend: Backend) -> None:
    """Broken: a counted rule that never runs out, runs out one use early, or takes the
    rules after it out with it."""
    store = backend.open()
    account = owner(store)
    store.rules.add({"http": 429, "times": 2})
    store.rules.add({"latency_ms": 10})  # unlimited: it goes on applying alone
    uses = []
    for _ in range(4):
        applied = await backend.effects(store, account.key)
        uses.append((applied.http, applied.latency_ms, applied.rules))
    assert uses == [
        (429, 10, ["rule-1", "rule-2"]),
        (429, 10, ["rule-1", "rule-2"]),
        (None, 10, ["rule-2"]),
        (None, 10, ["rule-2"]),
    ]
    assert [r.times for r in store.rules.rules] == [0, None]


async def test_a_counted_rules_uses_left_outlive_a_reopen_in_durable_stores(
    backend: Backend,
) -> None:
    """Broken: a durable store that writes a counted rule only when added (a restart gives
    back its used uses) or loses its count."""
    store = backend.open()
    account = owner(store)
    store.rules.add({"http": 429, "times": 2})
    backend.send(store)  # kept with its two uses: each use is a change of its own
    assert (await backend.effects(store, account.key)).rules == ["rule-1"]
    backend.send(store)
    store = backend.reopen(store)
    left = [(r.rule_id, r.times) for r in store.rules.rules]
    assert left == per(backend, memory=[], sqlite=[("rule-1", 1)], redis=[("rule-1", 1)])
    uses = [(await backend.effects(store, account.key)).rules for _ in range(2)]
    assert uses == per(backend, memory=[[], []], sqlite=[["rule-1"], []], redis=[["rule-1"], []])


async def test_a_rule_for_one_key_fits_that_key_as_its_store_keeps_it(backend: Backend) -> None:
    """Broken: a durable store matching a rule's key against the raw key (never equal to
    the kept digest), showing the digest instead of the label, or losing either on a
    reopen."""
    store = backend.open()
    mine, theirs = owner(store), owner(store, OTHER)
    store.rules.add({"match": {"key": KEY}, "http": 403})
    assert [r.view()["match"]["key"] for r in store.rules.rules] == [LABEL]
    assert (await backend.effects(store, mine.key)).rules == ["rule-1"]
    assert (await backend.effects(store, theirs.key)).rules == []
    backend.send(store)
    store = backend.reopen(store)
    shown = [r.view()["match"]["key"] for r in store.rules.rules]
    assert shown == per(backend, memory=[], sqlite=[LABEL], redis=[LABEL])
    applied = (await backend.effects(store, mine.key)).rules
    assert applied == per(backend, memory=[], sqlite=["rule-1"], redis=["rule-1"])
    assert (await backend.effects(store, theirs.key)).rules == []


# -- scheduled events ----------------------------------------------------------------------------


async def test_due_events_come_out_in_time_order_and_stay_counted_until_done(
    backend: Backend,
) -> None:
    """Broken: take_due out of time order (or equal times out of the order added), taking
    an event not yet due, taking one twice, or handing back events at exactly `now` late;
    len dropping a taken event before it is done, or keeping a done one."""
    store = backend.open()
    late = schedule(store, 30.0, "req-late")
    first = schedule(store, 10.0, "req-a")
    mid = schedule(store, 20.0, "req-mid")
    second = schedule(store, 10.0, "req-b")
    assert [e.event_id for e in (late, first, mid, second)] == [1, 2, 3, 4]
    backend.send(store)
    assert len(store.events) == 4
    # Redis: this process's heap holds only what it claimed (the rest is polled for).
    assert store.events.next_due == per(backend, memory=10.0, sqlite=10.0, redis=None)
    taken = await backend.take_due(store, 25.0)
    assert [(e.event_id, e.request_id) for e in taken] == [
        (2, "req-a"),
        (4, "req-b"),
        (3, "req-mid"),
    ]
    assert await backend.take_due(store, 25.0) == [], "taken once"
    assert len(store.events) == 4, "taken, not done: a crash now finds them still pending"
    assert store.events.next_due == per(backend, memory=30.0, sqlite=30.0, redis=None)
    for event in taken:
        store.events.done(event)
    backend.send(store)
    assert len(store.events) == 1
    assert [(e.event_id, e.request_id, e.due) for e in store.events.pending()] == [
        (1, "req-late", 30.0)
    ]
    assert [e.request_id for e in await backend.take_due(store, 30.0)] == ["req-late"]
    assert store.events.next_due is None


async def test_a_held_callback_waits_until_released_and_is_released_once(
    backend: Backend,
) -> None:
    """Broken: a held callback taken as due; release not moving it, moving it to another
    time, or releasing it twice (two deliveries); release answering for a job with
    nothing held."""
    store = backend.open()
    held = schedule(store, HELD, "req-1", at=5.0)
    schedule(store, 40.0, "req-2")
    backend.send(store)
    assert held.held
    assert store.events.next_due == per(backend, memory=40.0, sqlite=40.0, redis=None)
    assert [e.request_id for e in await backend.take_due(store, 100.0)] == ["req-2"]
    released = store.events.release("req-1", 50.0)
    # In one process the held callback itself comes back, due at 50; Redis queues the
    # release (knowing the event would cost a round trip) and answers None.
    assert (None if released is None else (released.event_id, released.due)) == per(
        backend, memory=(1, 50.0), sqlite=(1, 50.0), redis=None
    )
    assert store.events.release("req-1", 60.0) is None, "released once: nothing held now"
    assert store.events.release("req-404", 60.0) is None
    assert await backend.take_due(store, 49.0) == [], "not before its release time"
    taken = await backend.take_due(store, 50.0)
    assert [(e.event_id, e.request_id, e.at) for e in taken] == [(1, "req-1", 5.0)]
    assert await backend.take_due(store, 1000.0) == [], "due once, not again at 60"
    assert len(store.events) == 2, "neither is done"


@only(
    "memory",
    "sqlite",
    "redis",
)
async def test_a_released_callback_is_listed_as_due_at_its_release_time(
    backend: Backend,
) -> None:
    store = backend.open()
    schedule(store, HELD, "req-1", at=5.0)
    backend.send(store)
    assert [(e.request_id, e.held) for e in store.events.pending()] == [("req-1", True)]
    store.events.release("req-1", 50.0)
    backend.send(store)
    listed = [(e.request_id, e.due, e.held) for e in store.events.pending()]
    assert listed == [("req-1", 50.0, False)]


async def test_pending_events_and_their_numbering_outlive_a_reopen_in_durable_stores(
    backend: Backend,
) -> None:
    """Broken: a durable store that loses a pending or held event, brings back a done one
    (written before, or never written), turns a held callback due, or numbers new events
    from an id already used."""
    store = backend.open()
    schedule(store, HELD, "req-1", at=5.0)
    schedule(store, 40.0, "req-2", at=40.0)
    schedule(store, 30.0, "req-3")
    backend.send(store)
    schedule(store, 30.0, "req-4")  # done before it was ever written
    taken = await backend.take_due(store, 30.0)
    assert [e.request_id for e in taken] == ["req-3", "req-4"]
    for event in taken:
        store.events.done(event)
    backend.send(store)
    store = backend.reopen(store)
    kept = [(2, "req-2", 40.0, 40.0, False), (1, "req-1", HELD, 5.0, True)]
    listed = [(e.event_id, e.request_id, e.due, e.at, e.held) for e in store.events.pending()]
    assert listed == per(backend, memory=[], sqlite=kept, redis=kept)
    assert len(store.events) == per(backend, memory=0, sqlite=2, redis=2)
    # Ids go on after the last given (Redis: the next process's block).
    assert store.events.new_id() == per(backend, memory=1, sqlite=5, redis=1001)
    released = store.events.release("req-1", 50.0)
    assert (None if released is None else released.event_id) == per(
        backend, memory=None, sqlite=1, redis=None
    )


async def test_a_released_callback_stays_released_after_a_reopen_in_durable_stores(
    backend: Backend,
) -> None:
    """Broken: a durable store that does not write a release: after a restart the callback
    is held again (its job's end has passed: it would never be delivered)."""
    store = backend.open()
    schedule(store, HELD, "req-1", at=5.0)
    backend.send(store)
    store.events.release("req-1", 45.0)
    backend.send(store)
    store = backend.reopen(store)
    assert store.events.release("req-1", 50.0) is None, "nothing held any more"
    taken = await backend.take_due(store, 45.0)
    assert [(e.event_id, e.request_id) for e in taken] == per(
        backend, memory=[], sqlite=[(1, "req-1")], redis=[(1, "req-1")]
    )


# -- the journal ---------------------------------------------------------------------------------


async def test_a_journal_line_reads_back_with_every_field(backend: Backend) -> None:
    """Broken: a store dropping or shifting a journal field (the status, the rules, the
    fault) on its way to disk or Redis and back."""
    store = backend.open()
    store.journal.record(
        12.5,
        "POST",
        "/v1/submit",
        202,
        LABEL,
        RMBG.model_id,
        "req-1",
        ["rule-1", "header"],
        "reset",
    )
    store.journal.record(13.0, "GET", "/v1/status", None, None, None, None, [], None)
    backend.send(store)
    lines = [
        {
            "seq": 1,
            "time": iso(12.5),
            "method": "POST",
            "path": "/v1/submit",
            "status": 202,
            "key": LABEL,
            "model_id": RMBG.model_id,
            "request_id": "req-1",
            "scenario_rules": ["rule-1", "header"],
            "fault": "reset",
        },
        {
            "seq": 2,
            "time": iso(13.0),
            "method": "GET",
            "path": "/v1/status",
            "status": None,
            "key": None,
            "model_id": None,
            "request_id": None,
            "scenario_rules": [],
            "fault": None,
        },
    ]
    assert store.journal.entries() == lines
    store = backend.reopen(store)
    assert store.journal.entries() == per(backend, memory=[], sqlite=lines, redis=lines)


async def test_a_jobs_story_holds_its_own_journal_lines_and_their_times(
    backend: Backend,
) -> None:
    """Broken: of_request with another job's lines, missing one of its own, or times that
    do not match its lines; entries ignoring `since` or `limit`."""
    store = backend.open()
    record(store, 10.0, "req-1")
    record(store, 20.0, "req-2")
    record(store, 30.0, "req-1")
    backend.send(store)
    assert len(store.journal) == 3
    lines, times = store.journal.of_request("req-1")
    assert [(e["seq"], e["request_id"], e["time"]) for e in lines] == [
        (1, "req-1", iso(10.0)),
        (3, "req-1", iso(30.0)),
    ]
    assert times == [10.0, 30.0]
    assert store.journal.of_request("req-404") == ([], [])
    assert seqs(store, since=1) == [2, 3]
    assert seqs(store, limit=2) == [2, 3], "the newest"
    assert seqs(store, limit=0) == []
    assert seqs(store, since=3) == []


async def test_the_journal_keeps_only_its_newest_lines(backend: Backend) -> None:
    """Broken: the journal's bound off by one, keeping the oldest lines, or not applied
    by a durable store when it reads its lines back."""
    store = backend.open(journal_size=2)
    for n, request_id in enumerate(("req-1", "req-2", "req-3"), 1):
        record(store, float(n), request_id)
    backend.send(store)
    assert len(store.journal) == 2
    assert seqs(store) == [2, 3]
    assert store.journal.of_request("req-1") == ([], [])
    store = backend.reopen(store, journal_size=2)
    assert seqs(store) == per(backend, memory=[], sqlite=[2, 3], redis=[2, 3])


async def test_a_log_size_of_zero_keeps_no_journal_and_every_delivery(backend: Backend) -> None:
    """Broken: journal_size 0 read as "keep all" by the journal, or as "keep none" by the
    delivery log (the two read it differently by design)."""
    store = backend.open(journal_size=0)
    record(store, 1.0, "req-1")
    for request_id in ("req-1", "req-2", "req-3"):
        store.deliveries.append(attempt(request_id))
    backend.send(store)
    assert len(store.journal) == 0 and store.journal.entries() == []
    assert store.journal.of_request("req-1") == ([], [])
    assert len(store.deliveries) == 3
    assert [e["n"] for e in store.deliveries.entries()] == [1, 2, 3]


async def test_journal_numbers_go_on_after_a_reset_and_in_durable_stores_after_a_reopen(
    backend: Backend,
) -> None:
    """Broken: a reset or a reopen numbering journal lines from 1 again (a client paging
    with `since` would miss them)."""
    store = backend.open()
    record(store, 1.0, "req-1")
    record(store, 2.0, "req-2")
    backend.send(store)
    store.clear()
    backend.send(store)
    assert len(store.journal) == 0 and store.journal.entries() == []
    # Reopened with no line left to number after: the kept counter alone knows.
    store = backend.reopen(store)
    record(store, 3.0, "req-3")
    backend.send(store)
    assert [(e["seq"], e["request_id"]) for e in store.journal.entries()] == per(
        backend, memory=[(1, "req-3")], sqlite=[(3, "req-3")], redis=[(3, "req-3")]
    )
    store.clear()
    record(store, 4.0, "req-4")
    backend.send(store)
    assert seqs(store) == per(backend, memory=[2], sqlite=[4], redis=[4])
    assert len(store.journal) == 1


@only(
    "memory",
    "sqlite",
    "redis",
)
async def test_the_journals_next_number_follows_the_lines_kept(backend: Backend) -> None:
    store = backend.open()
    for n in (1, 2, 3):
        record(store, float(n), f"req-{n}")
    backend.send(store)
    assert seqs(store) == [1, 2, 3]
    assert store.journal.next_number == 4


@only("memory", "sqlite", "redis")
async def test_a_journal_line_recorded_without_a_fault_keeps_none(backend: Backend) -> None:
    store = backend.open()
    store.journal.record(1.0, "GET", "/v1/status", 200, LABEL, None, "req-1", [])
    backend.send(store)
    assert [(e["request_id"], e["fault"]) for e in store.journal.entries()] == [("req-1", None)]


# -- the delivery log ----------------------------------------------------------------------------


async def test_delivery_attempts_are_numbered_and_read_back_by_job(backend: Backend) -> None:
    """Broken: entries of another job, numbers skipped or reused, a page's `next` wrong,
    fields dropped on the way to disk or Redis, numbering from 1 again after a reopen."""
    store = backend.open()
    returned = [store.deliveries.append(attempt(rid)) for rid in ("req-1", "req-2", "req-1")]
    # In one process the entry comes back numbered; Redis numbers it as it is written.
    assert [r.get("n") for r in returned] == per(
        backend, memory=[1, 2, 3], sqlite=[1, 2, 3], redis=[None, None, None]
    )
    backend.send(store)
    assert len(store.deliveries) == 3
    logged = [
        {"n": 1, **attempt("req-1")},
        {"n": 2, **attempt("req-2")},
        {"n": 3, **attempt("req-1")},
    ]
    assert store.deliveries.entries() == logged
    assert [e["n"] for e in store.deliveries.entries("req-1")] == [1, 3]
    assert store.deliveries.entries("req-404") == []
    page = store.deliveries.page(since=1, limit=1)
    assert ([e["n"] for e in page["deliveries"]], page["next"], page["dropped"]) == ([2], 2, 0)
    page = store.deliveries.page(since=2)
    assert ([e["n"] for e in page["deliveries"]], page["next"]) == ([3], 3)
    store = backend.reopen(store)
    assert store.deliveries.entries() == per(backend, memory=[], sqlite=logged, redis=logged)
    store.deliveries.append(attempt("req-4"))
    backend.send(store)
    assert [e["n"] for e in store.deliveries.entries("req-4")] == per(
        backend, memory=[1], sqlite=[4], redis=[4]
    )


async def test_callback_ids_count_from_one_again_after_a_reset_and_entry_numbers_go_on(
    backend: Backend,
) -> None:
    """Broken: callback ids that do not restart at a reset (or restart after a reopen of a
    durable store), entry numbers that do, or an id that is not `dlv_<6 digits>_<the
    request id's last 12>`."""
    store = backend.open()
    rid = "req-0123456789abcdef"
    given = [store.deliveries.new_delivery_id(rid) for _ in range(2)]
    assert given == ["dlv_000001_456789abcdef", "dlv_000002_456789abcdef"]
    store.deliveries.append(attempt(rid))
    backend.send(store)
    store.clear()
    assert store.deliveries.new_delivery_id(rid) == "dlv_000001_456789abcdef"
    store.deliveries.append(attempt(rid))
    backend.send(store)
    assert [e["n"] for e in store.deliveries.entries()] == [2]
    store = backend.reopen(store)
    assert store.deliveries.new_delivery_id(rid) == per(
        backend,
        memory="dlv_000001_456789abcdef",
        sqlite="dlv_000002_456789abcdef",
        redis="dlv_001001_456789abcdef",  # the next process's block of numbers
    )


async def test_the_delivery_log_bound_keeps_the_newest_and_counts_or_keeps_the_rest(
    backend: Backend,
) -> None:
    """Broken: the bound off by one; `dropped` not counting what memory or Redis let go;
    SQLite not serving older entries from its file (it keeps every one); a reset not
    setting `dropped` back to 0."""
    store = backend.open(journal_size=2)
    for request_id in ("req-1", "req-2", "req-3"):
        store.deliveries.append(attempt(request_id))
    bounded = per(backend, memory=([2, 3], 1), sqlite=([1, 2, 3], 0), redis=([2, 3], 1))
    page = store.deliveries.page()  # SQLite: the older ones from what awaits its commit
    assert ([e["n"] for e in page["deliveries"]], page["dropped"]) == bounded
    backend.send(store)
    assert len(store.deliveries) == 2
    page = store.deliveries.page()  # ... and from its file
    assert ([e["n"] for e in page["deliveries"]], page["dropped"]) == bounded
    store = backend.reopen(store, journal_size=2)
    page = store.deliveries.page()
    assert ([e["n"] for e in page["deliveries"]], page["dropped"]) == per(
        backend, memory=([], 0), sqlite=([1, 2, 3], 0), redis=([2, 3], 1)
    )
    store.clear()
    backend.send(store)
    page = store.deliveries.page()
    assert (page["deliveries"], page["dropped"], len(store.deliveries)) == ([], 0, 0)
    # Entry numbers go on after a reset: `next` stays at the last one given, also for a
    # process that opens the store now (nothing kept to number after).
    store = backend.reopen(store, journal_size=2)
    assert store.deliveries.page()["next"] == per(backend, memory=0, sqlite=3, redis=3)


# -- Redis: several processes on one namespace ---------------------------------------------------


@only("redis")
async def test_on_redis_processes_count_their_joining_and_see_each_others_keys(
    backend: Backend,
) -> None:
    """Broken: a second process that thinks it set the namespace up; a key made on one
    process unknown to another until a restart; health naming the wrong process."""
    first, second = backend.open(), backend.open()
    assert (first.incarnation, second.incarnation) == (0, 1)
    assert isinstance(second, RedisStore)
    assert second.health() == {
        "url": backend.server.url if backend.server else None,
        "namespace": backend.namespace,
        "process": 2,
        "answers": True,
    }
    owner(first)
    found = second.accounts.get(KEY)
    assert found is not None and found.label == LABEL
    assert backend.wallet(second, KEY) == Decimal("10")


@only("redis")
async def test_on_redis_a_deleted_key_takes_its_wallet_and_window_along(backend: Backend) -> None:
    """Broken: a deleted key's wallet or rate-limit window left in Redis (a key made again
    with that name would find them)."""
    store = backend.open()
    assert isinstance(store, RedisStore)
    account = owner(store)
    wallet, hits = store.key("wallet", account.key), store.key("hits", account.key)
    store.db.rpush(hits, "1.0")  # one request counted in its window
    assert store.db.exists(wallet, hits) == 2
    assert store.accounts.delete(KEY) is True
    assert store.db.exists(wallet, hits) == 0
    assert store.db.hget(store.key("keys"), account.key) is None
    assert store.db.hget(store.key("gone"), account.key) == LABEL.encode()
    owner(store)  # made again: no longer among the gone
    assert store.db.hget(store.key("gone"), account.key) is None
    assert store.db.exists(wallet) == 1


@only("redis")
async def test_on_redis_a_new_rate_limit_starts_a_new_window_and_the_same_one_keeps_it(
    backend: Backend,
) -> None:
    """Broken: every put emptying the window (a settings change lets a burst through), or
    a new limit counting the old limit's hits."""
    store = backend.open()
    assert isinstance(store, RedisStore)
    account = owner(store)
    hits = store.key("hits", account.key)
    store.db.rpush(hits, "1.0")
    store.accounts.put(account, balance=False)  # the same limit
    assert store.db.llen(hits) == 1
    account.set_rate_limit(RateLimit(9, 60.0))
    store.accounts.put(account, balance=False)
    assert store.db.exists(hits) == 0


@only("redis")
async def test_on_redis_load_job_brings_in_a_job_another_process_accepted_as_kept_now(
    backend: Backend,
) -> None:
    """Broken: load_job a no-op, keeping the first copy it read, or keeping an empty job
    for an unknown id; committed() returning before a saved job is in Redis."""
    first, second = backend.open(), backend.open()
    assert isinstance(first, RedisStore) and isinstance(second, RedisStore)
    account = owner(first)
    accepted = job("req-1", account.key, 1.0, settled=False)
    await backend.keep(first, accepted)
    assert second.jobs.get("req-1") is None
    assert len(second.jobs) == 1, "the listing is Redis's"
    second.load_job("req-1")
    found = second.jobs.get("req-1")
    assert found is not None and seen(found) == seen(accepted)
    accepted.input = InputImage("stand-in", IMAGE, 640, 480)
    accepted.settled = True
    first.jobs.save(accepted)
    await first.committed()
    second.load_job("req-1")
    found = second.jobs.get("req-1")
    assert found is not None and seen(found) == seen(accepted)
    second.load_job("req-404")
    assert second.jobs.get("req-404") is None


@only("redis")
async def test_on_redis_a_counted_rules_uses_are_shared_by_every_process(
    backend: Backend,
) -> None:
    """Broken: each process counting a rule's uses on its own (three uses of a rule of
    two), or refresh() not taking in the uses other processes took."""
    first = backend.open()
    account = owner(first)
    first.rules.add({"http": 429, "times": 2})
    second = backend.open()
    assert isinstance(second, RedisStore)
    assert [r.times for r in second.rules.rules] == [2]
    used = [(await backend.effects(store, account.key)).rules for store in (first, second, first)]
    assert used == [["rule-1"], ["rule-1"], []]
    second.refresh()
    assert [r.times for r in second.rules.rules] == [0]
    assert (await backend.effects(second, account.key)).rules == []
