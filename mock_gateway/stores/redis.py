"""The shared store (`--store redis://HOST:PORT/DB`): one gateway across many processes.

Every process keeps the memory store's parts as a cache and Redis holds the truth, under
the namespace's keys (redis_atoms.py lists them; the rest are named below). What must be
exact across processes is one script in Redis (charging, refunding, rate-limit windows, a
counted rule's uses, claiming scheduled work); everything else is plain writes.

What a request costs, so that the hot path stays cheap (DESIGN.md, "Next shape"):
- a status poll of a settled job it has seen: no round trip (a job's plan never changes
  once its input is settled); of a job not seen yet or still unsettled: one HGETALL;
- a submit: the submit script (charge and write the job at once), then one pipeline with
  its scheduled work, before the answer;
- a rate-limited key: one more script per request; a counted scenario rule: one per use;
- journal and delivery-log lines: none, they leave in the next pipeline (within
  FLUSH_SECONDS), numbered by Redis so every process's lines share one sequence;
- keys, rules and the clock: none; processes hear of changes on the `changes` channel
  (`Follower`) and reload them then. The process that made a change sees it at once;
  another within a pub/sub hop (an unknown key asks Redis before answering 401).

Control calls (keys, rules, reset, the journal and the other listings) use a blocking
client: they are rare, and a blocking call keeps the service's control methods as they are.

More keys, all under `{<ns>}`:

    keys         hash: account digest -> its settings (JSON; never the key itself)
    gone         hash: digest -> label of deleted keys (their jobs still show it)
    rules        hash: rule id -> its body (a key in it as its digest)
    rule_number  the last rule number given
    jobs         sorted set: request id by created_at (the listing, newest first)
    event:<id>   a pending event (JSON); held callbacks in `held` (request id -> event id)
    event_ids    the last event id given (blocks of IDS_BLOCK per process)
    callbacks    the last callback number given (delivery ids; a reset starts it again)
    journal      list of JSON lines; `journal:n` numbers them
    deliveries   list of JSON entries; `deliveries:n` numbers them, `deliveries:dropped`
    blob:<hash>  an input picture's bytes
    epoch        bumped by a reset: every process drops its caches when it moves
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import redis
import redis.asyncio
from redis.exceptions import RedisError

from ..core.accounts import Account, RateLimit, redact
from ..core.clock import SystemClock
from ..core.errors import (
    InsufficientBalance,
    InvalidParameters,
    RateLimited,
    StoreUnavailable,
    Unauthorized,
)
from ..core.events import HELD, Pending
from ..core.jobs import Job
from ..core.journal import DeliveryLog, Journal
from ..core.scenarios import NO_EFFECTS, Effects, ScenarioBook, rule_from_json
from ..settings import ConfigError, Settings
from .memory import MemoryAccounts, MemoryBlobs, MemoryEvents, MemoryJobs
from .records import digest, job_fields, job_from_fields
from .redis_atoms import BUMP, Atomics, Follower, from_micro, to_micro

if TYPE_CHECKING:
    from ..core.catalog import Model

log = logging.getLogger("mock_gateway.state")
T = TypeVar("T")

FLUSH_SECONDS = 0.05  # the longest a queued write (a log line, a finished event) waits
POLL_SECONDS = 0.05  # how often a process looks for due work others scheduled
RETRY_SECONDS = 0.5  # between two tries of a write Redis did not take
POOL_SIZE = 32  # connections to Redis per process (the pub/sub one aside)
PAGE = 500  # jobs read from Redis at a time by a listing
IDS_BLOCK = 1000  # event ids and callback numbers a process takes from Redis at a time
BEAT_SECONDS = 1.0  # how often a process says it is alive
ALIVE_SECONDS = 3.0  # a process silent for longer is not waited for (it may have died)
SETTLE_WAIT_SECONDS = 30.0  # how long a poll on another process waits for a fetched input
# Redis gone, or refusing (e.g. OOM under maxmemory): a 503, and queued writes kept.
UNREACHABLE = (RedisError, OSError)

# Journal and delivery-log lines, numbered in Redis so all processes share one sequence.
# ARGV: the kept size (0: all), the epoch the lines belong to (lines of a gateway reset
# meanwhile are dropped: KEYS[4] moved), then lines without their number: a JSON array for
# the journal ("[" + n + "," + the rest), an object for the log ({"n": n, + the rest}).
_LOG = """
if (redis.call('GET', KEYS[4]) or '0') ~= ARGV[2] then return -1 end
local count = #ARGV - 2
local n = tonumber(redis.call('INCRBY', KEYS[2], count)) - count
for i = 3, #ARGV do
  local line = ARGV[i]
  local open = string.sub(line, 1, 1)
  local rest = string.sub(line, 2)
  local sep = (rest == ']' or rest == '}') and '' or ','
  if open == '[' then
    redis.call('RPUSH', KEYS[1], '[' .. (n + i - 2) .. sep .. rest)
  else
    redis.call('RPUSH', KEYS[1], '{"n":' .. (n + i - 2) .. sep .. rest)
  end
end
local size = tonumber(ARGV[1])
if size > 0 then
  local over = redis.call('LLEN', KEYS[1]) - size
  if over > 0 then
    redis.call('LTRIM', KEYS[1], over, -1)
    redis.call('INCRBY', KEYS[3], over)
  end
end
return n
"""

# Leases (KEYS) this process (ARGV[1]) holds, let go; another's are left alone.
_LET_GO = """
for _, name in ipairs(KEYS) do
  if redis.call('GET', name) == ARGV[1] then redis.call('DEL', name) end
end
return 1
"""

# A held callback falls due: KEYS held, due; ARGV request id, instant, the events' key
# prefix. Its record (event_text: `[id, "kind", null, ...`) says so too, due at that instant.
_RELEASE = """
local id = redis.call('HGET', KEYS[1], ARGV[1])
if not id then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], id)
local name = ARGV[3] .. id
local head, tail = string.match(redis.call('GET', name) or '', '^(%[%d+, "[^"]*", )null(,.*)$')
if head then redis.call('SET', name, head .. ARGV[2] .. tail) end
return 1
"""


def _sync(call: Callable[[], T]) -> T:
    """A blocking call to Redis; Redis gone is a 503 StoreUnavailable, never a 500."""
    try:
        return call()
    except UNREACHABLE as e:
        raise StoreUnavailable(f"the shared store does not answer ({type(e).__name__})") from e


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def event_text(e: Pending) -> str:
    return json.dumps(
        [
            e.event_id,
            e.kind,
            None if e.due == HELD else e.due,
            e.request_id,
            e.at,
            e.delivery_id,
            base64.b64encode(e.payload).decode(),
            e.status,
            e.final,
            e.attempt,
        ]
    )


def event_from(text: str | bytes) -> Pending:
    i, kind, due, rid, at, delivery_id, payload, status, final, attempt = json.loads(text)
    due = HELD if due is None else due
    return Pending(
        i, kind, due, rid, at, delivery_id, base64.b64decode(payload), status, final, attempt
    )


class _Ids:
    """Numbers unique across processes, taken from a Redis counter IDS_BLOCK at a time."""

    def __init__(self, store: RedisStore, name: str) -> None:
        self._store, self._name = store, name
        self._next = self._end = 0

    def take(self) -> int:
        if self._next >= self._end:
            store = self._store
            end = _sync(lambda: store.db.incrby(store.key(self._name), IDS_BLOCK))
            self._next, self._end = int(end) - IDS_BLOCK + 1, int(end) + 1
        self._next += 1
        return self._next - 1

    def forget(self) -> None:
        self._next = self._end = 0


class RedisAccounts(MemoryAccounts):
    """The keys' settings by digest, as last loaded; balances live in Redis only."""

    def __init__(self, store: RedisStore) -> None:
        super().__init__()
        self._store = store
        self.gone: dict[str, str] = {}
        self._digest = digest
        self._limits: dict[str, RateLimit | None] = {}  # digest -> the limit as kept

    def get(self, key: str, default: Any = None, /) -> Any:
        found = dict.get(self, self._digest(key))
        if found is None and self._store.stale():  # a key made on another process just now
            found = dict.get(self, self._digest(key))
        return found if found is not None else default

    def put(self, account: Account, *, balance: bool = True) -> None:
        if dict.get(self, account.key) is not account:
            account.key = self._digest(account.key)
        account.window = None  # counted in Redis (RedisStore.admit)
        self[account.key] = account
        store = self._store
        settings = {
            "label": account.label,
            "models": sorted(account.models) if account.models is not None else None,
            "rate_limit": (
                [account.rate_limit.requests, account.rate_limit.per_seconds]
                if account.rate_limit
                else None
            ),
            "api_generation": account.api_generation,
        }
        try:
            micro = to_micro(account.balance_usd) if balance else None
        except ValueError as e:
            raise InvalidParameters(f"balance_usd: {e}", field="balance_usd") from None

        new_limit = self._limits.get(account.key, False) != account.rate_limit
        self._limits[account.key] = account.rate_limit

        def write(pipe: Any) -> None:
            pipe.hset(store.key("keys"), account.key, json.dumps(settings))
            pipe.hdel(store.key("gone"), account.key)
            if new_limit:  # a new limit starts a new window (as SlidingWindow is made anew)
                pipe.delete(store.key("hits", account.key))
            if micro is not None:
                pipe.set(store.key("wallet", account.key), micro)

        store.write(write)

    def delete(self, key: str) -> bool:
        kept = self._digest(key)
        store = self._store
        store.stale()
        account = self.pop(kept, None)
        if account is None:
            return False
        self.gone[kept] = account.label

        def write(pipe: Any) -> None:
            pipe.hdel(store.key("keys"), kept)
            pipe.delete(store.key("wallet", kept), store.key("hits", kept))
            pipe.hset(store.key("gone"), kept, account.label)

        store.write(write)
        return True

    def label(self, key: str) -> str:
        account = dict.get(self, key)
        if account is not None:
            return str(account.label)
        return self.gone.get(key) or redact(key)

    def balance(self, account: Account) -> Decimal:
        """The wallet as Redis has it now."""
        store = self._store
        micro = _sync(lambda: store.db.get(store.key("wallet", account.key)))
        return from_micro(int(micro)) if micro is not None else account.balance_usd

    def load(self, settings: dict[bytes, bytes], gone: dict[bytes, bytes]) -> None:
        self.clear()
        self._limits = {}
        for name, text in settings.items():
            v = json.loads(text)
            limit = RateLimit(*v["rate_limit"]) if v["rate_limit"] else None
            models = frozenset(v["models"]) if v["models"] is not None else None
            account = Account(name.decode(), Decimal(0), models, limit, v["api_generation"])
            account.window = None
            account.label = v["label"]
            self[account.key] = account
            self._limits[account.key] = limit
        self.gone = {k.decode(): v.decode() for k, v in gone.items()}


class RedisJobs(MemoryJobs):
    """The jobs this process has seen; `fetch` brings in the others' from Redis."""

    def __init__(self, store: RedisStore) -> None:
        super().__init__()
        self._store = store

    def add(self, job: Job) -> None:
        self[job.request_id] = job  # written and listed by the submit script

    def save(self, job: Job) -> None:
        fields = job_fields(job)
        store = self._store
        store.queue(lambda pipe: pipe.hset(store.key("job", job.request_id), mapping=fields))

    async def fetch(self, request_id: str, now: float, *, wait: bool = True) -> None:
        """Have the job current in this process's cache, if Redis has it. A settled job
        never changes again; a job whose input this process fetches is the one it keeps;
        any other unsettled one is read again and, once due (`wait`), waited for while the
        process that fetches its input holds that fetch's lease, or its fetch taken over
        here once the lease ran out (that process died)."""
        job = dict.get(self, request_id)
        store = self._store
        if job is not None and (job.settled or store.fetching(request_id)):
            return
        deadline = time.monotonic() + SETTLE_WAIT_SECONDS
        while True:
            fields = await store.atoms.fields(request_id)
            if store.fetching(request_id):  # taken over here meanwhile: keep that job
                return
            if not fields:
                self.pop(request_id, None)
                return
            job = job_from_fields(fields, store.models)
            self[request_id] = job
            if job.settled or now < job.ended_at or not wait or time.monotonic() > deadline:
                return
            if await store.take_fetch(job):
                return  # fetched here now: the caller's settle waits for it
            await asyncio.sleep(0.05)

    def newest_first(self) -> Iterator[Job]:
        """Read page by page as the caller goes (a listing of 1,000 of a million jobs reads
        two pages). Jobs accepted meanwhile push the older ones down a rank: those read
        again are skipped, none is missed."""
        store, start, seen = self._store, 0, set()
        while True:
            rank = functools.partial(store.db.zrevrange, store.key("jobs"), start, start + PAGE - 1)
            part = _sync(rank)
            if not part:
                return
            start += len(part)
            part = [name for name in part if name not in seen]
            seen.update(part)

            def read(pipe: Any, part: list[bytes] = part) -> None:
                for name in part:  # each a job's key, `{ns}:job:<request id>`
                    pipe.hgetall(name)

            for fields in store.read(read):
                if fields:
                    yield job_from_fields(fields, store.models)

    def __len__(self) -> int:
        store = self._store
        return int(_sync(lambda: store.db.zcard(store.key("jobs"))))


class RedisBlobs(MemoryBlobs):
    def __init__(self, store: RedisStore) -> None:
        super().__init__()
        self._store = store

    def get(self, name: str, default: Any = None, /) -> Any:
        found = dict.get(self, name)
        if found is None:
            store = self._store
            found = _sync(lambda: store.db.get(store.key("blob", name)))
            if found is not None:
                self[name] = found
        return found if found is not None else default

    def put(self, name: str, data: bytes) -> None:
        if name not in self:
            self[name] = data
            store = self._store
            store.queue(lambda pipe: pipe.set(store.key("blob", name), data, nx=True))


class RedisRules(ScenarioBook):
    """The rules as last loaded; a counted rule's uses are taken in Redis (`shared_effects`)."""

    def __init__(self, store: RedisStore) -> None:
        super().__init__()
        self._store = store

    def add(self, body: dict[str, Any]) -> Any:
        store = self._store
        match = body.get("match") or {}
        label = None
        if match.get("key"):  # rules match accounts by their kept key: the digest
            label = redact(match["key"])
            body = {**body, "match": {**match, "key": store.accounts._digest(match["key"])}}
        self.next_number = int(_sync(lambda: store.db.incr(store.key("rule_number"))))
        rule = super().add(body)
        rule.key_label = label
        kept = {**body, "key_label": label} if label else body

        def write(pipe: Any) -> None:
            pipe.hset(store.key("rules"), rule.rule_id, json.dumps(kept))
            if rule.times is not None:
                pipe.set(store.key("rule", rule.rule_id, "left"), rule.times)

        store.write(write)
        return rule

    def remove(self, rule_id: str) -> bool:
        store = self._store
        store.stale()  # a rule another process added may be the one asked for
        if not super().remove(rule_id):
            return False

        def write(pipe: Any) -> None:
            pipe.hdel(store.key("rules"), rule_id)
            pipe.delete(store.key("rule", rule_id, "left"))

        store.write(write)
        return True

    def clear(self) -> None:
        super().clear()
        store = self._store
        store.write(lambda pipe: pipe.delete(store.key("rules"), store.key("rule_number")))

    def load(self, bodies: dict[bytes, bytes], left: dict[str, int]) -> None:
        self.rules = []
        for rule_id in sorted((k.decode() for k in bodies), key=_rule_order):
            body = json.loads(bodies[rule_id.encode()])
            rule = rule_from_json(rule_id, body)
            rule.key_label = body.get("key_label")
            if rule.times is not None:
                rule.times = left.get(rule_id, 0)
            self.rules.append(rule)

    def refresh_counts(self) -> None:
        counted = [r for r in self.rules if r.times is not None]
        if counted:
            store = self._store
            lefts = _sync(
                lambda: store.db.mget([store.key("rule", r.rule_id, "left") for r in counted])
            )
            for rule, left in zip(counted, lefts, strict=True):
                rule.times = int(left or 0)

    async def shared_effects(
        self, key: str, model_id: str | None, text: str | None, endpoint: str
    ) -> Effects:
        """effects_for, with each counted rule's use taken in Redis: a rule with `times = 3`
        fires three times across all processes."""
        if not self.rules:
            return NO_EFFECTS
        out = Effects()
        for rule in list(self.matching(key, model_id, text, endpoint)):
            if rule.times is not None:
                if not await self._store.atoms.use(rule.rule_id):
                    rule.times = 0  # used up elsewhere: no round trip for it any more
                    continue
                rule.times = max(0, rule.times - 1)
            out.merge(rule.effects)
        return out


def _rule_order(rule_id: str) -> tuple[int, str]:
    number = rule_id.rpartition("-")[2]
    return (int(number) if number.isdigit() else 0, rule_id)


class RedisJournal(Journal):
    def __init__(self, store: RedisStore, size: int) -> None:
        super().__init__(size)
        self._store = store

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
        fault: str | None = None,  # optional, as in Journal.record
    ) -> None:
        if self._size:
            line = json.dumps(
                [time, method, path, status, key, model_id, request_id, list(rules), fault]
            )
            self._store.log_line("journal", line)

    def entries(self, *, since: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        self._load()
        return super().entries(since=since, limit=limit)

    def of_request(self, request_id: str) -> tuple[list[dict[str, Any]], list[float]]:
        self._load()
        return super().of_request(request_id)

    def _load(self) -> None:
        """The log as all processes have written it (this process keeps none of it)."""
        self._entries.clear()
        for text in self._store.read_list("journal"):
            e = json.loads(text)
            self._entries.append((*e[:8], tuple(e[8]), e[9]))

    @property
    def next_number(self) -> int:
        """The seq of the next line: Redis numbers every process's lines (`journal:n`), so
        the change feed (service.changes) sees lines any process wrote."""
        store = self._store
        return int(_sync(lambda: store.db.get(store.key("journal", "n"))) or 0) + 1

    @next_number.setter
    def next_number(self, value: int) -> None:
        """Numbered in Redis: Journal's own numbering is not used."""

    def __len__(self) -> int:
        store = self._store
        return int(_sync(lambda: store.db.llen(store.key("journal"))))


class RedisDeliveries(DeliveryLog):
    def __init__(self, store: RedisStore, size: int) -> None:
        super().__init__(size)
        self._store = store
        self._size = size
        self._numbers = _Ids(store, "callbacks")
        self._paged_n: int | None = None  # the entries' own next number, while paging

    def new_delivery_id(self, request_id: str) -> str:
        return f"dlv_{self._numbers.take():06d}_{request_id[-12:]}"

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        self._store.log_line("deliveries", json.dumps(entry))
        return entry

    @property
    def next_n(self) -> int:
        """The n of the next entry: Redis numbers every process's entries (`deliveries:n`),
        so the change feed (service.changes) sees entries any process wrote. Within a page,
        the number read with its entries."""
        if self._paged_n is not None:
            return self._paged_n
        store = self._store
        return int(_sync(lambda: store.db.get(store.key("deliveries", "n"))) or 0) + 1

    @next_n.setter
    def next_n(self, value: int) -> None:
        """Numbered in Redis: DeliveryLog's own numbering is not used."""

    def page(
        self, request_id: str | None = None, since: int = 0, limit: int | None = None
    ) -> dict[str, Any]:
        store = self._store
        store.flush_now()

        def snapshot() -> list[Any]:  # one transaction: an entry logged meanwhile elsewhere
            pipe = store.db.pipeline(transaction=True)  # is in both the list and the number,
            pipe.lrange(store.key("deliveries"), 0, -1)  # or in neither (never skipped)
            pipe.get(store.key("deliveries", "dropped"))
            pipe.get(store.key("deliveries", "n"))
            found: list[Any] = pipe.execute()
            return found

        lines, dropped, number = _sync(snapshot)
        self._entries.clear()
        for text in lines:  # numbered in Redis, oldest first
            self._entries.append(json.loads(text))
        self.evicted = int(dropped or 0)
        self._paged_n = int(number or 0) + 1
        try:
            return super().page(request_id, since, limit)
        finally:
            self._paged_n = None

    def clear(self) -> None:
        super().clear()
        self._numbers.forget()

    def __len__(self) -> int:
        store = self._store
        return int(_sync(lambda: store.db.llen(store.key("deliveries"))))


class RedisEvents:
    """Scheduled work in Redis; this process runs what it claimed (`pull`), from a local
    heap the dispatcher reads as it reads the memory store's."""

    def __init__(self, store: RedisStore) -> None:
        self._store = store
        self.local = MemoryEvents()  # the events this process claimed and has not finished
        self._ids = _Ids(store, "event_ids")
        self.owner = ""  # set once the process has joined

    def new_id(self) -> int:
        return self._ids.take()

    def add(self, event: Pending) -> Pending:
        store, text = self._store, event_text(event)

        def write(pipe: Any) -> None:
            pipe.set(store.key("event", str(event.event_id)), text)
            pipe.sadd(store.key("events"), event.event_id)
            if event.due == HELD:
                pipe.hset(store.key("held"), event.request_id, event.event_id)
            else:
                pipe.zadd(store.key("due"), {str(event.event_id): event.due})

        store.queue(write)
        return event

    @property
    def next_due(self) -> float | None:
        return self.local.next_due

    def take_due(self, now: float) -> list[Pending]:
        return self.local.take_due(now)

    def _finisher(self, name: str) -> Callable[[Any], None]:
        """The write that lets go of this process's claim on an event."""
        store = self._store

        def write(pipe: Any) -> None:
            store.script(pipe, store.atoms._finish, store.atoms._work, [name, self.owner])

        return write

    def done(self, event: Pending) -> None:
        self.local.done(event)
        store, name = self._store, str(event.event_id)
        finish = self._finisher(name)

        def write(pipe: Any) -> None:
            finish(pipe)
            pipe.delete(store.key("event", name))
            pipe.srem(store.key("events"), name)

        store.queue(write)

    def release(self, request_id: str, at: float) -> Pending | None:
        store = self._store
        keys = [store.key("held"), store.key("due")]
        args = [request_id, repr(at), store.key("event", "")]
        store.queue(lambda pipe: store.script(pipe, store.release_script, keys, args))
        return None

    async def pull(self, now: float, lease_ms: int) -> int:
        """Claim what is due by `now` (and what a dead process left), with the jobs it is
        about; the number claimed."""
        store = self._store
        ids = await store.atoms.claim(now, self.owner, lease_ms)
        if not ids:
            return 0
        texts = await store.atoms.values([store.key("event", i) for i in ids])
        for event_id, text in zip(ids, texts, strict=True):
            if text is None:  # a reset removed it meanwhile: nothing to do but let go
                store.queue(self._finisher(event_id))
                continue
            event = event_from(text)
            event.due = min(event.due, now)  # a released held callback: due now
            await store.jobs.fetch(event.request_id, now, wait=False)  # never stall the runner
            self.local.add(event)
        return len(ids)

    def pending(self) -> list[Pending]:
        store = self._store
        store.flush_now()
        ids = _sync(lambda: store.db.smembers(store.key("events")))
        names = [store.key("event", i.decode()) for i in ids]
        texts = _sync(lambda: store.db.mget(names)) if names else []
        events = [event_from(t) for t in texts if t is not None]
        return sorted(events, key=lambda e: (e.due, e.event_id))

    def clear(self) -> None:
        self.local.clear()
        self._ids.forget()

    def __len__(self) -> int:
        store = self._store
        return int(_sync(lambda: store.db.scard(store.key("events"))))


class RedisStore:
    kind = "redis"
    durable = True  # the answer to a submit waits for its writes (`committed`)
    shared = True

    def __init__(self, settings: Settings) -> None:
        self.url = settings.store or ""
        self.settings = settings
        self.models: dict[str, Model] = dict(settings.models)
        try:
            self.db: Any = redis.Redis.from_url(
                self.url, socket_timeout=5, socket_connect_timeout=2
            )
            self.atoms = Atomics(self.db, settings.namespace)  # the asyncio one from `start`
        except ValueError as e:
            raise ConfigError(f"store {_shown(self.url)}: {e}") from None
        self.ns = self.atoms.ns
        self.release_script = self.db.register_script(_RELEASE)
        self._bump_script = self.db.register_script(BUMP)
        self._let_go = self.db.register_script(_LET_GO)
        self._log_script = self.db.register_script(_LOG)
        self._outbox: list[Callable[[Any], None]] = []
        self._lines: dict[str, list[str]] = {"journal": [], "deliveries": []}
        self._flushing: asyncio.Task[None] | None = None
        self._waiters: list[asyncio.Future[None]] = []
        self.accounts = RedisAccounts(self)
        self.jobs = RedisJobs(self)
        self.rules = RedisRules(self)
        self.journal = RedisJournal(self, settings.journal_size)
        self.deliveries = RedisDeliveries(self, settings.journal_size)
        self.events = RedisEvents(self)
        self.blobs = RedisBlobs(self)
        self.follower: Follower | None = None
        self.gateway: Any | None = None
        self._version = -1  # of keys and rules as loaded
        self._heard_now: float | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._beaten = 0.0  # monotonic time of the last beat
        self._renewed = 0.0  # ... and of the last renewal of this process's claims
        self._epoch: int | None = None
        # The shared clock's value means an instant on a manual clock and the jumps made on a
        # running one: a namespace keeps one kind, and a process of the other is refused.
        kind = "manual" if settings.manual_clock else "running"
        try:
            self.db.ping()
            self.db.set(self.key("clock_kind"), kind, nx=True)
            kept = _text(self.db.get(self.key("clock_kind"))) or ""
            if kept == kind:
                self.number = int(self.db.incr(self.key("processes")))
                self.skew = self._skew()
        except UNREACHABLE as e:
            raise ConfigError(
                f"store {_shown(self.url)}: Redis does not answer ({e}); start it first "
                "(e.g. `redis-server --port 6379`)"
            ) from None
        if kept != kind:
            flag = "with --manual-clock" if kept == "manual" else "without --manual-clock"
            raise ConfigError(
                f"namespace {settings.namespace!r} on {_shown(self.url)} runs a {kept} clock: "
                f"start {flag}, or use another --namespace"
            )
        self.incarnation = self.number - 1  # the first process sets the namespace up
        # The owner of this process's claims: its number (which starts again if Redis lost
        # its data) and a token of its own, so two live processes never share one.
        self.events.owner = f"{self.number}.{uuid.uuid4().hex[:8]}"
        if self.incarnation:
            self.reload()

    def key(self, *parts: str) -> str:
        return ":".join((self.ns, *parts))

    def _skew(self) -> float:
        """Redis's clock minus this machine's (halfway through the round trip): a running
        clock is then the same on every process, whatever machine it runs on."""
        before = time.time()
        seconds, micros = self.db.time()
        after = time.time()
        return float(seconds + micros / 1e6 - (before + after) / 2)

    # -- starting and stopping (needs the event loop) -------------------------------------

    async def start(self, gateway: Any) -> None:
        """Connect the asyncio client and follow the shared clock and config."""
        self.gateway = gateway
        if isinstance(gateway.clock, SystemClock):
            gateway.clock.skew = self.skew
        # A bounded pool: a burst of requests waits for a connection (as a burst waits for
        # the CPU anyway) instead of opening one each, which would run out of descriptors.
        pool = redis.asyncio.BlockingConnectionPool.from_url(
            self.url,
            max_connections=POOL_SIZE,
            timeout=5,
            socket_timeout=5,
            socket_connect_timeout=2,
        )
        client = redis.asyncio.Redis(connection_pool=pool)
        self.atoms = Atomics(client, self.settings.namespace)
        self.follower = Follower(self.atoms)
        self.follower.on_change = self._heard
        await self.follower.start()
        await self.atoms.beat(self.number)
        self._beaten = time.monotonic()

    def _heard(self) -> None:
        """The channel (or a re-read after reconnecting) moved the clock or the config:
        take the clock at once, and tell the others it was heard (an advance waits)."""
        follower, gateway = self.follower, self.gateway
        if follower is None or gateway is None or follower.now is None:
            return
        if follower.now != self._heard_now:
            self._heard_now = follower.now
            gateway.clock.restore(max(follower.now, gateway.clock.state()))
            task = asyncio.get_running_loop().create_task(self._saw(follower.now))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _saw(self, now: float) -> None:
        with contextlib.suppress(StoreUnavailable):  # said again after the next reconnect
            await self.atoms.saw(self.number, now)

    async def stop(self) -> None:
        if self.follower is not None:
            await self.follower.stop()
        if self.gateway is not None:  # inputs this process will not finish: others take over
            leases = [self.key("fetching", rid) for rid in self.gateway.fetches()]
            if leases:
                owner = self.events.owner
                self.queue(lambda pipe: self.script(pipe, self._let_go, leases, [owner]))
        with contextlib.suppress(StoreUnavailable):
            await self.atoms.leave(self.number)
        with contextlib.suppress(StoreUnavailable):
            await self.flush()
        for task in [*self._tasks, *([self._flushing] if self._flushing else [])]:
            task.cancel()
        with contextlib.suppress(*UNREACHABLE):
            await self.atoms.client.aclose(close_connection_pool=True)

    # -- reading what others changed --------------------------------------------------------

    def stale(self) -> bool:
        """Reload keys and rules if another process changed them; whether it did."""
        version = int(_sync(lambda: self.db.get(self.key("version"))) or 0)
        if version == self._version:
            return False
        self.reload()
        return True

    def follow(self) -> None:
        """Cheap, at every gateway call: reload when the channel said something changed."""
        follower = self.follower
        if follower is not None and follower.version != self._version:
            self.reload()

    def reload(self) -> None:
        def read(pipe: Any) -> None:
            pipe.get(self.key("version"))
            pipe.get(self.key("epoch"))
            pipe.hgetall(self.key("keys"))
            pipe.hgetall(self.key("gone"))
            pipe.hgetall(self.key("rules"))

        version, epoch, keys, gone, rules = self.read(read)
        ids = [k.decode() for k in rules]
        lefts = (
            _sync(lambda: self.db.mget([self.key("rule", i, "left") for i in ids])) if ids else []
        )
        self.accounts.load(keys, gone)
        self.rules.load(
            rules, {i: int(v) for i, v in zip(ids, lefts, strict=True) if v is not None}
        )
        self._version = int(version or 0)
        epoch = int(epoch or 0)
        if self._epoch is not None and epoch != self._epoch:  # another process reset it
            self._take()  # the old gateway's queued writes
            MemoryJobs.clear(self.jobs)
            self.events.clear()
            self.deliveries.clear()
            self.blobs.clear()
            if self.gateway is not None:
                self.gateway.forget()
        self._epoch = epoch

    def fetching(self, request_id: str) -> bool:
        """Whether this process is fetching the job's input (it settles it then)."""
        return self.gateway is not None and bool(self.gateway.fetching(request_id))

    def _fetch_lease(self) -> int:
        """How long a process may take to fetch an input (ms) before another takes over."""
        s = self.settings
        return int((s.fetch_timeout_seconds + s.fetch_connect_timeout_seconds + 5) * 1000)

    async def take_fetch(self, job: Job) -> bool:
        """Take over the fetch of an unsettled job's input whose lease ran out (the process
        fetching it died): whether this process fetches it now."""
        name = self.key("fetching", job.request_id)
        if not await self.atoms.lease(name, self.events.owner, self._fetch_lease()):
            return False
        log.warning("taking over the input fetch of %s (its process went away)", job.request_id)
        assert self.gateway is not None  # started: requests come in
        # The job fetched is the one kept: another poll may have cached its own copy while
        # the lease was being taken, and the fetch saves only the job the cache holds.
        self.jobs[job.request_id] = job
        self.gateway.refetch(job)
        return True

    # -- the gateway's shared steps ---------------------------------------------------------

    async def admit(self, account: Account, now: float) -> None:
        limit = account.rate_limit
        if limit is not None:
            wait = await self.atoms.admit(account.key, limit.requests, limit.per_seconds, now)
            if wait:
                raise RateLimited(wait)

    async def submit(
        self, gateway: Any, account: Account, model: Model, *plan: Any, **options: Any
    ) -> Job:
        """Charge and keep the job in one script (draw another id if it is taken)."""
        while True:
            job: Job = gateway.plan(account, model, *plan, **options)
            if model.input_field == "image_url" and job.forced is None:
                gateway.read_input_now(job)  # written with the job, not after it
            fields = job_fields(job)
            rid = job.request_id
            code = await self.atoms.accept(
                account.key, model.price_usd, rid, fields, created_at=job.created_at
            )
            if code == 1:
                break
            if code == 0:
                raise InsufficientBalance()
            if code == -2:
                raise Unauthorized()
        gateway.accepted(job)
        if not job.settled:  # its input is fetched here: others wait while this lease lasts
            name, owner, ms = self.key("fetching", rid), self.events.owner, self._fetch_lease()
            self.queue(lambda pipe: pipe.set(name, owner, px=ms))
        return job

    async def effects(
        self, key: str, model_id: str | None, text: str | None, endpoint: str
    ) -> Effects:
        return await self.rules.shared_effects(key, model_id, text, endpoint)

    async def fetch(self, request_id: str, now: float, *, wait: bool = True) -> None:
        await self.jobs.fetch(request_id, now, wait=wait)

    def refresh(self) -> None:
        self.stale()
        self.rules.refresh_counts()

    def load_job(self, request_id: str) -> None:
        fields = _sync(lambda: self.db.hgetall(self.key("job", request_id)))
        if fields:
            self.jobs[request_id] = job_from_fields(fields, self.models)

    def balance(self, account: Account) -> Decimal:
        return self.accounts.balance(account)

    def health(self) -> dict[str, Any]:
        """The store's URL (no password), namespace and process number; whether Redis
        answers now (health itself always answers)."""
        try:
            answers = bool(self.db.ping())
        except UNREACHABLE:
            answers = False
        return {
            "url": _shown(self.url),
            "namespace": self.settings.namespace,
            "process": self.number,
            "answers": answers,
        }

    async def refund(self, job: Job) -> None:
        """Pay a platform fault back, once. Redis away: try again until it is back (the
        script pays at most once, and this claim is renewed meanwhile), never drop it."""
        while True:
            try:
                await self.atoms.refund(job.key, job.request_id)
                return
            except StoreUnavailable:
                await asyncio.sleep(RETRY_SECONDS)

    async def advance(self, gateway: Any, seconds: float) -> float:
        """Move the shared clock; return once the work due by then is done, wherever."""
        new = await self.atoms.advance(seconds, gateway.clock.state())
        gateway.clock.restore(max(new, gateway.clock.state()))
        now: float = gateway.now()
        await self.atoms.saw(self.number, new)
        wait = max(ALIVE_SECONDS, self.settings.claim_lease_seconds) + SETTLE_WAIT_SECONDS
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:  # a running clock's work may never all be done
            await self.run_due(gateway)
            await self.flush()
            idle = not gateway.dispatcher.running and not gateway._inputs
            if idle and not await self.atoms.busy(now):
                break
            await asyncio.sleep(0.01)
        # Every live process has the new time before the answer: a poll of another one
        # right after it sees what this advance made due.
        while await self.atoms.lagging(new, ALIVE_SECONDS) and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        return now

    async def run_due(self, gateway: Any) -> None:
        self.follow()  # a reset elsewhere stops this process's work of the old gateway
        lease_ms = int(self.settings.claim_lease_seconds * 1000)
        if time.monotonic() - self._beaten > BEAT_SECONDS:
            await self.atoms.beat(self.number)
            self._beaten = time.monotonic()
        if time.monotonic() - self._renewed > self.settings.claim_lease_seconds / 3:
            held = [str(i) for i in self.events.local._by_id]  # claimed, not done yet
            await self.atoms.renew(held, self.events.owner, lease_ms)
            self._renewed = time.monotonic()
        await self.events.pull(gateway.now(), lease_ms)
        gateway.catch_up()
        if gateway.dispatcher.running:
            await asyncio.sleep(0)

    # -- writing ---------------------------------------------------------------------------

    def write(self, command: Callable[[Any], None]) -> None:
        """A control change, written before the call returns, with the version bumped and
        published in the same transaction. This process took its change in already; if
        the version moved by more than this change, others changed something meanwhile,
        so it reloads. A write that fails leaves this process to reload at its next call
        (its cache may hold a change Redis never got)."""
        pipe = self.db.pipeline(transaction=True)
        command(pipe)
        self.script(pipe, self._bump_script, [self.key("version"), self.key("changes")], [])
        try:
            version = int(_sync(pipe.execute)[-1])
        except StoreUnavailable:
            self._version = -1
            raise
        if version == self._version + 1:
            self._version = version
        else:
            self.reload()

    def read(self, command: Callable[[Any], None]) -> list[Any]:
        pipe = self.db.pipeline(transaction=False)
        command(pipe)
        return list(_sync(pipe.execute))

    def read_list(self, name: str) -> list[bytes]:
        self.flush_now()
        return list(_sync(lambda: self.db.lrange(self.key(name), 0, -1)))

    @staticmethod
    def script(pipe: Any, script: Any, keys: list[str], args: list[Any]) -> None:
        pipe.scripts.add(script)
        pipe.evalsha(script.sha, len(keys), *keys, *args)

    def queue(self, command: Callable[[Any], None]) -> None:
        """A write that leaves with the next flush (before a submit is answered)."""
        self._outbox.append(command)
        self._soon()

    def log_line(self, name: str, line: str) -> None:
        self._lines[name].append(line)
        self._soon()

    def _soon(self) -> None:
        if self._flushing is None and self.gateway is not None:
            with contextlib.suppress(RuntimeError):  # no loop: written by the next flush
                self._flushing = asyncio.get_running_loop().create_task(self._flush_later())

    async def _flush_later(self) -> None:
        """Send what is queued after FLUSH_SECONDS, and again until none is left: Redis
        away, every RETRY_SECONDS until it is back (an idle process too)."""
        try:
            await asyncio.sleep(FLUSH_SECONDS)
            while self._outbox or any(self._lines.values()):
                try:
                    await self.flush()
                except StoreUnavailable:
                    log.warning("the shared store does not answer: writes wait for it")
                    await asyncio.sleep(RETRY_SECONDS)
        finally:
            self._flushing = None

    def _take(self) -> tuple[list[Callable[[Any], None]], dict[str, list[str]]]:
        outbox, self._outbox = self._outbox, []
        lines, self._lines = self._lines, {"journal": [], "deliveries": []}
        return outbox, lines

    def _put_back(self, outbox: list[Callable[[Any], None]], lines: dict[str, list[str]]) -> None:
        self._outbox[:0] = outbox
        for name, kept in lines.items():
            self._lines[name][:0] = kept

    def _fill(
        self, pipe: Any, outbox: list[Callable[[Any], None]], lines: dict[str, list[str]]
    ) -> None:
        for command in outbox:
            command(pipe)
        size = self.settings.journal_size
        for name, kept in lines.items():
            if kept:
                keys = [
                    self.key(name),
                    self.key(name, "n"),
                    self.key(name, "dropped"),
                    self.key("epoch"),
                ]
                self.script(pipe, self._log_script, keys, [size, self._epoch or 0, *kept])

    async def flush(self) -> None:
        """Send every queued write in one pipeline; kept for the next try if Redis is gone.
        A reset another process made since drops them first (they were the old gateway's)."""
        self.follow()
        outbox, lines = self._take()
        if not outbox and not any(lines.values()):
            return
        try:
            async with self.atoms.client.pipeline(transaction=False) as pipe:
                self._fill(pipe, outbox, lines)
                await pipe.execute()
        except UNREACHABLE as e:
            self._put_back(outbox, lines)
            raise StoreUnavailable(f"the shared store does not answer ({type(e).__name__})") from e

    def flush_now(self) -> None:
        """The queued writes, sent with the blocking client (before a control read)."""
        outbox, lines = self._take()
        if not outbox and not any(lines.values()):
            return
        pipe = self.db.pipeline(transaction=False)
        self._fill(pipe, outbox, lines)
        try:
            pipe.execute()
        except UNREACHABLE as e:
            self._put_back(outbox, lines)
            raise StoreUnavailable(f"the shared store does not answer ({type(e).__name__})") from e

    # -- the Store protocol ------------------------------------------------------------------

    def clock_state(self) -> float | None:
        value = _sync(lambda: self.db.get(self.key("now")))
        return float(value) if value is not None else None

    def save_clock(self, value: float) -> None:
        # The first process's clock becomes everyone's; a reset leaves it as it is.
        _sync(lambda: self.db.set(self.key("now"), repr(value), nx=True))

    def commit(self) -> None:
        self._soon()

    async def committed(self) -> None:
        """The state a submit queued (its scheduled work, a blob), in Redis before its
        answer; nothing to send, no round trip (log lines wait for the timer)."""
        if self._outbox:
            await self.flush()

    def clear(self) -> None:
        """A reset: everything in the namespace but the clock, the process count and the
        numbers that never start again (journal, delivery log, events); every process
        drops its caches when it hears of the new epoch."""
        self._take()
        keep = {
            self.key(k)
            for k in (
                "now",
                "processes",
                "journal:n",
                "deliveries:n",
                "event_ids",
                "epoch",
                "version",
                "clock_kind",
            )
        }
        found = _sync(lambda: list(self.db.scan_iter(match=self.key("*"), count=1000)))
        names = [n for n in found if n.decode() not in keep]
        for chunk in range(0, len(names), 1000):
            part = names[chunk : chunk + 1000]
            _sync(functools.partial(self.db.unlink, *part))
        self.accounts.clear()
        self.accounts.gone.clear()
        self.accounts._limits.clear()
        MemoryJobs.clear(self.jobs)
        self.rules.rules = []
        self.events.clear()
        self.deliveries.clear()
        self.blobs.clear()
        self._epoch = int(_sync(lambda: self.db.incr(self.key("epoch"))))
        # Heard by every process (they reload on a version change): a reset of a gateway
        # with no configured keys or rules would otherwise bump nothing after it.
        bump = functools.partial(
            self._bump_script, keys=[self.key("version"), self.key("changes")], args=[]
        )
        self._version = int(_sync(bump))

    def close(self) -> None:
        with contextlib.suppress(StoreUnavailable):
            self.flush_now()
        self.db.close()


def _shown(url: str) -> str:
    """The URL without a password (redis://user:secret@host: the secret is never shown)."""
    head, at, tail = url.rpartition("@")
    return f"{head.split('//')[0]}//…@{tail}" if at else url
