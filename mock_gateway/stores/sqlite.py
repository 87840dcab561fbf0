"""The durable store (`--state PATH`): the memory store, written through to SQLite.

Reads never touch the database: everything is loaded at start into the memory store's
parts, and each part here also notes what changed. `commit()` writes those changes in one
transaction; the service calls it at the end of every use case that changes state, before
the answer goes out. The database is in WAL mode with `synchronous=NORMAL`: a committed
change survives the process being killed (SIGKILL included), though not a power cut.
Journal lines and delivery-log lines ride along with the next commit, and a flusher writes
them at least every `FLUSH_SECONDS` (a SIGKILL may lose that much of the logs, never state).

One process owns a state file at a time (SQLite's exclusive locking): a second mock on
the same PATH is refused with a clear message. Keys are never stored: an account is kept
under `sha256:` of its key, with its redacted label for views.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..core.accounts import Account, RateLimit, redact
from ..core.catalog import DEFAULT_MODELS
from ..core.events import HELD, Pending
from ..core.jobs import NO_FLAGS, InputImage, Job, Status
from ..core.journal import DeliveryLog, Journal
from ..core.scenarios import Effects, ScenarioBook, rule_from_json
from ..settings import ConfigError, Settings
from .memory import MemoryAccounts, MemoryBlobs, MemoryEvents, MemoryJobs, MemoryStore
from .records import digest

log = logging.getLogger("mock_gateway.state")

FLUSH_SECONDS = 0.25  # the longest a journal or delivery-log line waits for its commit
SCHEMA_VERSION = 1

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS accounts (
    digest TEXT PRIMARY KEY, label TEXT, balance_usd TEXT, models TEXT,
    rate_requests INTEGER, rate_per_seconds REAL, api_generation INTEGER);
CREATE TABLE IF NOT EXISTS jobs (
    request_id TEXT PRIMARY KEY, key TEXT, model_id TEXT, generation INTEGER, params TEXT,
    created_at REAL, started_at REAL, ended_at REAL, base_url TEXT, forced TEXT, error TEXT,
    input_source TEXT, input_ref TEXT, input_width INTEGER, input_height INTEGER,
    settled INTEGER, flags TEXT, webhook_url TEXT, webhook_mode TEXT);
CREATE TABLE IF NOT EXISTS rules (
    position INTEGER PRIMARY KEY, rule_id TEXT, body TEXT, times INTEGER);
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY, time REAL, method TEXT, path TEXT, status INTEGER, key TEXT,
    model_id TEXT, request_id TEXT, rules TEXT, fault TEXT);
CREATE TABLE IF NOT EXISTS deliveries (n INTEGER PRIMARY KEY, entry TEXT);
CREATE TABLE IF NOT EXISTS events (
    event_id INTEGER PRIMARY KEY, kind TEXT, due REAL, request_id TEXT, at REAL,
    delivery_id TEXT, payload BLOB, status TEXT, final INTEGER, attempt INTEGER);
CREATE TABLE IF NOT EXISTS blobs (digest TEXT PRIMARY KEY, data BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS labels (digest TEXT PRIMARY KEY, label TEXT) WITHOUT ROWID;
"""

_JOB_COLUMNS = (
    "request_id, key, model_id, generation, params, created_at, started_at, ended_at, "
    "base_url, forced, error, input_source, input_ref, input_width, input_height, settled, "
    "flags, webhook_url, webhook_mode"
)
# A kept job changes only as its input resolves: its plan never does.
_JOB_UPSERT = (
    f"INSERT INTO jobs ({_JOB_COLUMNS}) VALUES ({', '.join('?' * 19)}) "
    "ON CONFLICT(request_id) DO UPDATE SET error=excluded.error, "
    "input_source=excluded.input_source, input_ref=excluded.input_ref, "
    "input_width=excluded.input_width, input_height=excluded.input_height, "
    "settled=excluded.settled"
)
_EVENT_UPSERT = (
    "INSERT OR REPLACE INTO events (event_id, kind, due, request_id, at, delivery_id, payload, "
    "status, final, attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_MAX_DUE = 1e300  # how a held event's infinite due time is written


class _Changes:
    """What changed since the last commit."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.cleared = False
        self.accounts: dict[str, Account] = {}
        self.deleted_accounts: dict[str, str] = {}  # digest -> label
        self.jobs: dict[str, Job] = {}
        self.rules = False
        self.journal: list[tuple[Any, ...]] = []
        self.deliveries: list[dict[str, Any]] = []
        self.events: dict[int, Pending] = {}
        self.done_events: set[int] = set()
        self.blobs: dict[str, bytes] = {}
        self.clock: float | None = None

    @property
    def any(self) -> bool:
        """Whether there is anything to write (derived: no part has to remember a flag)."""
        return bool(
            self.cleared
            or self.accounts
            or self.deleted_accounts
            or self.jobs
            or self.rules
            or self.journal
            or self.deliveries
            or self.events
            or self.done_events
            or self.blobs
            or self.clock is not None
        )


class SqliteAccounts(MemoryAccounts):
    """Accounts by the digest of their key; every kept Account's `key` is that digest."""

    def __init__(self, changes: _Changes) -> None:
        super().__init__()
        self._changes = changes
        self.gone: dict[str, str] = {}  # digest -> label of deleted keys, for their jobs
        self._digest = digest

    def get(self, key: str, default: Any = None, /) -> Any:
        return dict.get(self, self._digest(key), default)

    def put(self, account: Account, *, balance: bool = True) -> None:
        if dict.get(self, account.key) is not account:  # a new account: still its raw key
            account.key = self._digest(account.key)
        self[account.key] = account
        self._changes.accounts[account.key] = account

    def delete(self, key: str) -> bool:
        kept = self._digest(key)
        account = self.pop(kept, None)
        if account is None:
            return False
        self.gone[kept] = account.label
        self._changes.accounts.pop(kept, None)
        self._changes.deleted_accounts[kept] = account.label
        return True

    def label(self, key: str) -> str:
        account = dict.get(self, key)
        if account is not None:
            return account.label
        return self.gone.get(key) or redact(key)


class SqliteJobs(MemoryJobs):
    def __init__(self, changes: _Changes) -> None:
        super().__init__()
        self._changes = changes

    def add(self, job: Job) -> None:
        self[job.request_id] = job
        self._changes.jobs[job.request_id] = job

    def save(self, job: Job) -> None:
        self._changes.jobs[job.request_id] = job


class SqliteRules(ScenarioBook):
    def __init__(self, changes: _Changes, accounts: SqliteAccounts) -> None:
        super().__init__()
        self._changes = changes
        self._accounts = accounts
        self.bodies: dict[str, dict[str, Any]] = {}  # rule id -> body as kept (key hashed)

    def add(self, body: dict[str, Any]) -> Any:
        match = body.get("match") or {}
        label = None
        if match.get("key"):  # rules match accounts by their kept key: the digest
            label = redact(match["key"])
            body = {**body, "match": {**match, "key": self._accounts._digest(match["key"])}}
        rule = super().add(body)
        rule.key_label = label
        self.bodies[rule.rule_id] = {**body, "key_label": label} if label else body
        self._changed()
        return rule

    def remove(self, rule_id: str) -> bool:
        removed = super().remove(rule_id)
        if removed:
            self.bodies.pop(rule_id, None)
            self._changed()
        return removed

    def clear(self) -> None:
        super().clear()
        self.bodies.clear()
        self._changed()

    def effects_for(
        self, key: str, model_id: str | None, text: str | None, endpoint: str
    ) -> Effects:
        effects = super().effects_for(key, model_id, text, endpoint)
        if effects.rules:  # a counted rule may have been used up
            self._changed()
        return effects

    def _changed(self) -> None:
        self._changes.rules = True


class SqliteJournal(Journal):
    def __init__(self, size: int, changes: _Changes) -> None:
        super().__init__(size)
        self._changes = changes

    def record(
        self,
        time: float,
        method: str,
        path: str,
        status: int | None,
        key: str | None,
        model_id: str | None,
        request_id: str | None,
        rules: list[str],
        fault: str | None = None,
    ) -> None:
        super().record(time, method, path, status, key, model_id, request_id, rules, fault)
        if self._size:
            self._changes.journal.append(self._entries[-1])


class SqliteDeliveries(DeliveryLog):
    """The delivery log: memory keeps the newest `size` entries, the file every one (never
    trimmed), so older pages are read from it and nothing is dropped. Its numbers go on
    across restarts (meta `delivery_log_number`)."""

    def __init__(self, size: int, changes: _Changes) -> None:
        super().__init__(size)
        self._changes = changes
        self.db: sqlite3.Connection | None = None  # set once loaded
        self.lost = 0  # entries an older version of this store trimmed from the file

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        numbered = super().append(entry)
        self._changes.deliveries.append(numbered)
        return numbered

    @property
    def dropped(self) -> int:
        return self.lost

    def clear(self) -> None:
        super().clear()
        self.lost = 0

    def write(self, db: sqlite3.Connection, entries: list[dict[str, Any]]) -> None:
        """Add `entries` (inside the commit's transaction) and where numbering stands."""
        db.executemany(
            "INSERT OR REPLACE INTO deliveries (n, entry) VALUES (?, ?)",
            [(e["n"], json.dumps(e)) for e in entries],
        )
        self._write_counters(db)

    def _write_counters(self, db: sqlite3.Connection) -> None:
        db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [("delivery_log_number", self.next_n), ("delivery_log_dropped", self.lost)],
        )

    def _older(
        self, since: int, before: int, request_id: str | None, limit: int | None
    ) -> list[dict[str, Any]]:
        """From the file, then from what awaits the next commit (memory may have let those
        go already); none of the file's rows while a reset is not yet written."""
        found: list[dict[str, Any]] = []
        last = since
        if self.db is not None and not self._changes.cleared:
            rows = self.db.execute(
                "SELECT n, entry FROM deliveries WHERE n > ? AND n < ? ORDER BY n",
                (since, before),
            )
            while limit is None or len(found) < limit:
                batch = rows.fetchmany(500)
                if not batch:
                    break
                for n, text in batch:
                    last = n
                    entry = json.loads(text)
                    entry["n"] = n  # rows of an older version have it in the column only
                    if request_id is None or entry["request_id"] == request_id:
                        found.append(entry)
                        if limit is not None and len(found) >= limit:
                            break
            rows.close()
        for entry in self._changes.deliveries:
            if limit is not None and len(found) >= limit:
                break
            if last < entry["n"] < before and (
                request_id is None or entry["request_id"] == request_id
            ):
                found.append(entry)
        return found


class SqliteEvents(MemoryEvents):
    def __init__(self, changes: _Changes) -> None:
        super().__init__()
        self._changes = changes

    def add(self, event: Pending) -> Pending:
        super().add(event)
        self._changes.events[event.event_id] = event
        return event

    def done(self, event: Pending) -> None:
        super().done(event)
        if self._changes.events.pop(event.event_id, None) is None:
            self._changes.done_events.add(event.event_id)

    def release(self, request_id: str, at: float) -> Pending | None:
        event = super().release(request_id, at)
        if event is not None:
            self._changes.events[event.event_id] = event
        return event


class SqliteBlobs(MemoryBlobs):
    """Input pictures: written once, read back on demand (not loaded at start)."""

    def __init__(self, db: sqlite3.Connection, changes: _Changes) -> None:
        super().__init__()
        self._db = db
        self._changes = changes

    def get(self, digest: str, default: Any = None, /) -> Any:
        found = dict.get(self, digest)
        if found is None:
            if self._changes.cleared:  # a reset not yet written: the file's are forgotten
                return default
            row = self._db.execute("SELECT data FROM blobs WHERE digest = ?", (digest,)).fetchone()
            if row is None:
                return default
            found = self[digest] = bytes(row[0])
        return found

    def put(self, digest: str, data: bytes) -> None:
        if digest not in self:
            self[digest] = data
            self._changes.blobs[digest] = data


class SqliteStore(MemoryStore):
    kind = "sqlite"
    durable = True
    shared = False

    # The memory store's parts, each noting its changes; loaded in place of its own.
    accounts: SqliteAccounts
    jobs: SqliteJobs
    rules: SqliteRules
    journal: SqliteJournal
    deliveries: SqliteDeliveries
    events: SqliteEvents
    blobs: SqliteBlobs

    def __init__(self, path: str, settings: Settings) -> None:
        self.path = path
        self._settings = settings
        self._db = _open(path)
        self._changes = changes = _Changes()
        size = settings.journal_size
        self.accounts = SqliteAccounts(changes)
        self.jobs = SqliteJobs(changes)
        self.rules = SqliteRules(changes, self.accounts)
        self.journal = SqliteJournal(size, changes)
        self.deliveries = SqliteDeliveries(size, changes)
        self.events = SqliteEvents(changes)
        self.blobs = SqliteBlobs(self._db, changes)
        self._clock: float | None = None
        self._meta: dict[str, float] = {}  # as last written
        self._waiter: asyncio.Future[None] | None = None  # the group commit being gathered
        self.incarnation = self._load()
        self._written_logs = 0

    # -- the Store protocol ------------------------------------------------------------------

    def clock_state(self) -> float | None:
        return self._clock

    def save_clock(self, value: float) -> None:
        self._clock = value
        self._changes.clock = value

    def clear(self) -> None:
        super().clear()
        self.accounts.gone.clear()
        clock = self._changes.clock  # a reset keeps the clock, also one not yet written
        self._changes.reset()
        self._changes.cleared = self._changes.rules = True
        self._changes.clock = clock

    def commit(self) -> None:
        """Write every change since the last commit, in one transaction."""
        c = self._changes
        if not c.any:
            return
        db = self._db
        db.execute("BEGIN")
        try:
            if c.cleared:
                for table in (
                    "accounts",
                    "jobs",
                    "rules",
                    "journal",
                    "deliveries",
                    "events",
                    "labels",
                ):
                    db.execute(f"DELETE FROM {table}")
                db.execute("DELETE FROM blobs")
            if c.deleted_accounts:
                db.executemany(
                    "DELETE FROM accounts WHERE digest = ?", [(d,) for d in c.deleted_accounts]
                )
                db.executemany(
                    "INSERT OR REPLACE INTO labels VALUES (?, ?)", c.deleted_accounts.items()
                )
            if c.accounts:
                db.executemany(
                    "INSERT OR REPLACE INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [_account_row(a) for a in c.accounts.values()],
                )
            if c.jobs:
                db.executemany(_JOB_UPSERT, [_job_row(j) for j in c.jobs.values()])
            if c.rules:
                self._write_rules()
            if c.journal:
                db.executemany(
                    "INSERT OR REPLACE INTO journal VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(*e[:8], json.dumps(list(e[8])), e[9]) for e in c.journal],
                )
            if c.deliveries or c.cleared:  # a reset keeps the numbering: write where it is
                self.deliveries.write(db, c.deliveries)
            if c.done_events:
                db.executemany(
                    "DELETE FROM events WHERE event_id = ?", [(i,) for i in c.done_events]
                )
            if c.events:
                db.executemany(_EVENT_UPSERT, [_event_row(e) for e in c.events.values()])
            if c.blobs:
                db.executemany("INSERT OR IGNORE INTO blobs VALUES (?, ?)", c.blobs.items())
            self._write_meta(c.clock)
            self._written_logs += len(c.journal) + len(c.deliveries)
            if self._written_logs > max(1000, self._settings.journal_size // 10):
                self._trim_logs()
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            self._meta.clear()  # not written after all
            raise
        c.reset()

    async def committed(self) -> None:
        """Return once everything changed so far is committed. Calls that arrive in the same
        turn of the event loop share one commit (a group commit): under load, tens of
        submits pay for one transaction, and each is still on disk before it is answered."""
        waiter = self._waiter
        if waiter is None:
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            loop.call_soon(self._group_commit)
        await asyncio.shield(waiter)

    def _group_commit(self) -> None:
        waiter, self._waiter = self._waiter, None
        assert waiter is not None
        try:
            self.commit()
        except Exception as e:  # every caller waiting on this commit hears of it
            waiter.set_exception(e)
        else:
            waiter.set_result(None)

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self._db.close()

    # -- writing -------------------------------------------------------------------------------

    def _write_rules(self) -> None:
        self._db.execute("DELETE FROM rules")
        self._db.executemany(
            "INSERT INTO rules VALUES (?, ?, ?, ?)",
            [
                (i, r.rule_id, json.dumps(self.rules.bodies[r.rule_id]), r.times)
                for i, r in enumerate(self.rules.rules)
            ],
        )

    def _write_meta(self, clock: float | None) -> None:
        """The counters and the clock, those that moved since the last commit only."""
        values: dict[str, float] = {
            "rule_number": self.rules.next_number,
            "delivery_number": self.deliveries.next_number,
            "event_number": self.events.peek_id(),
            "journal_number": self.journal.next_number,
        }
        if clock is not None:
            values["clock"] = clock
        moved = [(k, v) for k, v in values.items() if self._meta.get(k) != v]
        if moved:
            self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", moved)
            self._meta.update(moved)

    def _trim_logs(self) -> None:
        """Keep the newest `journal_size` journal lines, as memory does. The delivery log is
        kept whole: its older pages are read from here (see SqliteDeliveries)."""
        size = self._settings.journal_size
        if size:
            self._db.execute(
                "DELETE FROM journal WHERE seq <= (SELECT MAX(seq) FROM journal) - ?", (size,)
            )
        self._written_logs = 0

    # -- loading -------------------------------------------------------------------------------

    def _load(self) -> int:
        """Read everything back; the number of times the store was opened before."""
        db = self._db
        meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
        version = meta.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise ConfigError(
                f"state {self.path}: written by another version (schema {version}, this "
                f"mock reads {SCHEMA_VERSION}); use a new file"
            )
        opened = int(meta.get("opened", 0))
        db.execute("BEGIN")
        db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [("opened", opened + 1), ("schema_version", SCHEMA_VERSION)],
        )
        db.execute("COMMIT")
        if "clock" in meta:
            self._clock = float(meta["clock"])
        for row in db.execute("SELECT * FROM accounts"):
            account = _account_from(row)
            dict.__setitem__(self.accounts, account.key, account)
        models = {**DEFAULT_MODELS, **self._settings.models}
        skipped = 0
        for row in db.execute(f"SELECT {_JOB_COLUMNS} FROM jobs ORDER BY rowid"):
            model = models.get(row[2])
            if model is None:
                skipped += 1
                continue
            dict.__setitem__(self.jobs, row[0], _job_from(row, model))
        if skipped:
            log.warning("state %s: %d job(s) of unknown models left out", self.path, skipped)
        for rule_id, body, times in db.execute(
            "SELECT rule_id, body, times FROM rules ORDER BY position"
        ):
            parsed = json.loads(body)
            rule = rule_from_json(rule_id, parsed)
            rule.times, rule.key_label = times, parsed.get("key_label")
            self.rules.rules.append(rule)
            self.rules.bodies[rule_id] = parsed
        self.rules.next_number = int(meta.get("rule_number", 1))
        self.journal.next_number = int(meta.get("journal_number", 1))
        for row in db.execute("SELECT * FROM journal ORDER BY seq"):
            self.journal.load((*row[:8], tuple(json.loads(row[8])), row[9]))
        self.accounts.gone = dict(db.execute("SELECT digest, label FROM labels").fetchall())
        self._load_deliveries(meta)
        self.deliveries.next_number = int(meta.get("delivery_number", 1))
        for row in db.execute("SELECT * FROM events ORDER BY event_id"):
            MemoryEvents.add(self.events, _event_from(row))
        self.events.skip_ids(int(meta.get("event_number", 1)))
        return opened

    def _load_deliveries(self, meta: dict[str, Any]) -> None:
        """The newest `journal_size` log entries into memory (the file keeps all), and where
        numbering stands."""
        db, deliveries = self._db, self.deliveries
        deliveries.db = db
        size = self._settings.journal_size
        query = "SELECT n, entry FROM deliveries ORDER BY n DESC" + (" LIMIT ?" if size else "")
        rows = db.execute(query, (size,) if size else ()).fetchall()
        for n, text in reversed(rows):
            entry = json.loads(text)
            entry["n"] = n  # rows of an older version have it in the column only
            DeliveryLog.load(deliveries, entry)
        oldest = db.execute("SELECT MIN(n) FROM deliveries").fetchone()[0]
        if "delivery_log_number" in meta:
            deliveries.next_n = max(deliveries.next_n, int(meta["delivery_log_number"]))
            kept = oldest is not None  # an empty log (after a reset) has dropped nothing
            deliveries.lost = int(meta.get("delivery_log_dropped", 0)) if kept else 0
        else:  # written by an older version: numbered from 1 after each reset, trimmed
            deliveries.lost = oldest - 1 if oldest is not None else 0
            db.execute("BEGIN")
            deliveries._write_counters(db)
            db.execute("COMMIT")


def _open(path: str) -> sqlite3.Connection:
    where = Path(path)
    if where.parent and not where.parent.is_dir():
        raise ConfigError(f"state {path}: folder {where.parent} does not exist")
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0.2)
        db.execute("PRAGMA locking_mode=EXCLUSIVE")  # one mock per state file
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # survives a killed process; fsync at checkpoints
        db.executescript(_TABLES)  # a write: from here on the lock is this process's
    except sqlite3.OperationalError as e:
        if "locked" in str(e):
            raise ConfigError(
                f"state {path}: in use by another running mock-gateway (one process per state file)"
            ) from None
        raise ConfigError(f"state {path}: cannot open: {e}") from None
    except sqlite3.DatabaseError as e:
        raise ConfigError(f"state {path}: not a mock-gateway state file ({e})") from None
    return db


def _account_row(a: Account) -> tuple[Any, ...]:
    limit = a.rate_limit
    return (
        a.key,
        a.label,
        str(a.balance_usd),
        json.dumps(sorted(a.models)) if a.models is not None else None,
        limit.requests if limit else None,
        limit.per_seconds if limit else None,
        a.api_generation,
    )


def _account_from(row: Iterable[Any]) -> Account:
    key, label, balance, models, requests, per_seconds, generation = row
    account = Account(
        key,
        Decimal(balance),
        frozenset(json.loads(models)) if models is not None else None,
        RateLimit(requests, per_seconds) if requests is not None else None,
        generation,
    )
    account.label = label
    return account


def _job_row(j: Job) -> tuple[Any, ...]:
    image = j.input
    return (
        j.request_id,
        j.key,
        j.model.model_id,
        j.generation,
        json.dumps(j.params),
        j.created_at,
        j.started_at,
        j.ended_at,
        j.base_url,
        j.forced.value if j.forced else None,
        j.error,
        image.source if image else None,
        image.ref if image else None,
        image.width if image else None,
        image.height if image else None,
        int(j.settled),
        json.dumps(sorted(j.flags)) if j.flags else None,
        j.webhook_url,
        j.webhook_mode,
    )


def _job_from(row: tuple[Any, ...], model: Any) -> Job:
    (rid, key, _, generation, params, created, started, ended, base, forced, error) = row[:11]
    source, ref, width, height, settled, flags, webhook_url, webhook_mode = row[11:]
    return Job(
        request_id=rid,
        model=model,
        key=key,
        generation=generation,
        params=json.loads(params),
        created_at=created,
        started_at=started,
        ended_at=ended,
        base_url=base,
        forced=Status(forced) if forced else None,
        error=error,
        input=InputImage(source, ref, width, height) if source else None,
        settled=bool(settled),
        flags=frozenset(json.loads(flags)) if flags else NO_FLAGS,
        webhook_url=webhook_url,
        webhook_mode=webhook_mode,
    )


def _event_row(e: Pending) -> tuple[Any, ...]:
    due = _MAX_DUE if e.due == HELD else e.due
    return (
        e.event_id,
        e.kind,
        due,
        e.request_id,
        e.at,
        e.delivery_id,
        e.payload,
        e.status,
        int(e.final),
        e.attempt,
    )


def _event_from(row: tuple[Any, ...]) -> Pending:
    event_id, kind, due, request_id, at, delivery_id, payload, status, final, attempt = row
    return Pending(
        event_id,
        kind,
        HELD if due >= _MAX_DUE else due,
        request_id,
        at,
        delivery_id,
        bytes(payload),
        status,
        bool(final),
        attempt,
    )
