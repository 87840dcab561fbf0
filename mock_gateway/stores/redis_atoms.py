"""What several mock processes must do as one, done inside Redis (issue 16's exactness).

Each operation is one Lua script, so Redis runs it whole while no other client's command
runs: two processes can never both spend the last dollar, both take the last request of a
rate-limit window, or both use a scenario rule's last `times`. Money is integer
micro-dollars in Redis (prices like $0.018 are exact, and INCRBY/DECRBY are integer ops).

Keys live under the gateway's namespace (`--namespace`), so independent gateways can share
one Redis; the namespace is a hash tag, `{<ns>}`, so that on a Redis Cluster all of a
gateway's keys sit in one slot (a script may only touch one slot). An account is named by
its key's digest, never by the key. Written `<ns>` below:

    <ns>:wallet:<account>      the balance, micro-dollars
    <ns>:job:<request_id>      a hash: the job's fields, plus `charged` and `refunded`
    <ns>:jobs                  the jobs' keys by created_at (written by an accept that asks)
    <ns>:hits:<account>        the rate-limit window: the last `requests` hit times, newest first
    <ns>:rule:<rule_id>:left   a counted rule's remaining uses
    <ns>:processes             how many processes have joined (each one's number seeds its ids)
    <ns>:due                   scheduled work: event id -> due time on the simulated clock
    <ns>:claimed               event id -> when its claim's lease ends (Redis's own clock, ms)
    <ns>:owners                event id -> the process holding its claim
    <ns>:now                   a shared manual clock's instant (seconds, as text)
    <ns>:version               bumped by every change of keys or rules: a process reloads
                               them when it moved (read with the clock in one round trip)
    <ns>:changes               a channel: "now <instant>" and "version <n>" as they move,
                               so processes learn of them without asking (`Follower`)
    <ns>:alive                 process number -> its last beat (Redis's clock, seconds)
    <ns>:seen                  process number -> the shared clock as it last heard it

The store that uses these (`--store redis://...`) is the next step of issue 16; the scripts
come first because every exactness promise rests on them (tests/stores/test_redis_atoms.py).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

from redis.exceptions import RedisError

from ..core.errors import StoreUnavailable
from ..settings import NAMESPACE

P = ParamSpec("P")
R = TypeVar("R")

MICRO = 1_000_000  # micro-dollars per dollar
RECONNECT_SECONDS = 0.2  # a Follower's pause before subscribing again after Redis went away
RESERVED_FIELDS = frozenset({"charged", "refunded"})  # the scripts' own fields of a job

# 1: refunded now; 0: never charged or refunded before. A job whose key is gone is marked
# refunded all the same: nothing back, now or if a key with that digest comes back.
_REFUND = """
local charged = redis.call('HGET', KEYS[2], 'charged')
if not charged then return 0 end
if redis.call('HSETNX', KEYS[2], 'refunded', charged) == 0 then return 0 end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('INCRBY', KEYS[1], charged)
return 1
"""

# core.accounts.SlidingWindow, shared: 0 admitted (and counted), else Retry-After seconds.
# The times travel as Python's repr of a float, which Lua reads back to the same double.
_WINDOW = """
local function admit(hits, limit, per, now)
  limit = tonumber(limit)
  if redis.call('LLEN', hits) >= limit then
    local frees_at = tonumber(redis.call('LINDEX', hits, limit - 1)) + tonumber(per)
    if frees_at > tonumber(now) then return math.max(1, math.ceil(frees_at - tonumber(now))) end
  end
  redis.call('LPUSH', hits, now)
  redis.call('LTRIM', hits, 0, limit - 1)
  return 0
end
"""
_ADMIT = _WINDOW + "return admit(KEYS[1], ARGV[1], ARGV[2], ARGV[3])"

# A submit in one round trip (a round trip costs more than the rest of a poll: DESIGN.md).
# ARGV: requests (0: no limit), per_seconds, now, price in micro-dollars, the job's fields.
# {-1, 0}: the request id is taken (draw another); {-2, 0}: the key is gone; both answered
# before anything is counted, so asking again never counts one request twice. {429, s}:
# the window is full, neither counted nor charged (as SlidingWindow). {0, 0}: not enough
# balance (the request was counted: the window comes before the balance). {1, 0}: charged
# and the job written with what it was charged (and, with KEYS[4], its key added to that
# sorted set, scored by ARGV[3], now: the listing of jobs). The charge is DECRBY on the
# amount as text (exact int64, never a Lua double), undone if it went below zero; the
# fields are written in chunks (unpack has a limit) after the charge, and cannot fail then.
_SUBMIT = (
    _WINDOW
    + """
if redis.call('EXISTS', KEYS[3]) == 1 then return {-1, 0} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {-2, 0} end
if tonumber(ARGV[1]) > 0 then
  local wait = admit(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
  if wait > 0 then return {429, wait} end
end
if redis.call('DECRBY', KEYS[2], ARGV[4]) < 0 then
  redis.call('INCRBY', KEYS[2], ARGV[4])
  return {0, 0}
end
redis.call('HSET', KEYS[3], 'charged', ARGV[4])
for i = 5, #ARGV, 100 do
  redis.call('HSET', KEYS[3], unpack(ARGV, i, math.min(i + 99, #ARGV)))
end
if KEYS[4] then redis.call('ZADD', KEYS[4], ARGV[3], KEYS[3]) end
return {1, 0}
"""
)

# 1: one use taken; 0: none left (another process may have taken the last).
_USE = """
local left = tonumber(redis.call('GET', KEYS[1]) or '0')
if left <= 0 then return 0 end
redis.call('DECR', KEYS[1])
return 1
"""


# Scheduled work, done once: take up to ARGV[3] events due by ARGV[1] (simulated time),
# and first those whose claim's lease ran out (their process died or stalled: taken over
# with the event unchanged, so a callback keeps its delivery id). Each taken event is
# leased to ARGV[4] until ARGV[2] ms from now on Redis's clock, the one clock all agree on.
_CLAIM = """
local t = redis.call('TIME')
local wall = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[3])
local taken = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', wall, 'LIMIT', 0, limit)
if #taken < limit then
  -- An id scheduled again while claimed stays due until its claim is finished: one owner
  -- at a time, and never twice in one answer.
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, limit - #taken)
  for _, id in ipairs(due) do
    if not redis.call('ZSCORE', KEYS[2], id) then
      redis.call('ZREM', KEYS[1], id)
      table.insert(taken, id)
    end
  end
end
for _, id in ipairs(taken) do
  redis.call('ZADD', KEYS[2], wall + tonumber(ARGV[2]), id)
  redis.call('HSET', KEYS[3], id, ARGV[4])
end
return taken
"""

# A process still working on events it claimed keeps them: each lease (ARGV[3..]) whose
# owner is ARGV[1] is extended to ARGV[2] ms from now on Redis's clock.
_RENEW = """
local t = redis.call('TIME')
local wall = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local renewed = 0
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then
    redis.call('ZADD', KEYS[1], 'XX', wall + tonumber(ARGV[2]), ARGV[i])
    renewed = renewed + 1
  end
end
return renewed
"""

# 1: the event was this process's to finish, and is done; 0: its lease ran out and another
# process took it over (that one finishes it).
_FINISH = """
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
"""


# The shared manual clock moves by ARGV[1] seconds, added as doubles and kept as text that
# reads back to the very double (%.17g), as ManualClock.advance adds in one process.
_ADVANCE = """
local now = tonumber(redis.call('GET', KEYS[1]) or ARGV[2]) + tonumber(ARGV[1])
local text = string.format('%.17g', now)
redis.call('SET', KEYS[1], text)
redis.call('PUBLISH', KEYS[2], 'now ' .. text)
return text
"""

# Which processes are alive (each beats every second or so, on Redis's clock) and which
# of them have not yet seen the shared clock at ARGV[1]: an advance waits for them.
_BEAT = """
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(t[1]), ARGV[1])
return 1
"""
_LAGGING = """
local t = tonumber(redis.call('TIME')[1])
local alive = redis.call('ZRANGEBYSCORE', KEYS[1], t - tonumber(ARGV[2]), '+inf')
local behind = 0
for _, p in ipairs(alive) do
  local seen = redis.call('HGET', KEYS[2], p)
  if not seen or tonumber(seen) < tonumber(ARGV[1]) then behind = behind + 1 end
end
return behind
"""

BUMP = """
local version = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', KEYS[2], 'version ' .. version)
return version
"""


def _answered(operation: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Redis gone (refused, reset, timed out) becomes a 503 StoreUnavailable, never a 500.
    A script runs whole or not at all; one whose answer was lost on the way may still have
    run, which the client cannot tell from not run, as with any gateway (a 503 invites a
    retry). The client reconnects by itself at the next call once Redis is back."""

    @functools.wraps(operation)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await operation(*args, **kwargs)
        except (RedisError, OSError) as e:  # gone, or refusing (e.g. OOM under maxmemory)
            raise StoreUnavailable(f"the shared store does not answer ({type(e).__name__})") from e

    return call


def _flat(fields: dict[str, str]) -> list[str]:
    """A job's fields as HSET's name, value, name, value..."""
    reserved = RESERVED_FIELDS & fields.keys()
    if reserved:
        raise ValueError(f"job fields {sorted(reserved)} are the scripts' own")
    return [item for pair in fields.items() for item in pair]


def to_micro(usd: Decimal) -> int:
    """Dollars as integer micro-dollars; ValueError for a finer amount (it would not be exact)."""
    micro = usd * MICRO
    if micro != micro.to_integral_value():
        raise ValueError(f"{usd} USD is finer than a micro-dollar (at most 6 decimal places)")
    return int(micro)


def from_micro(micro: int) -> Decimal:
    return Decimal(micro) / MICRO


class Atomics:
    """The scripts, bound to one Redis client (redis.asyncio) and one namespace."""

    def __init__(self, client: Any, namespace: str) -> None:
        if not NAMESPACE.fullmatch(namespace):
            raise ValueError(
                f"namespace {namespace!r}: 1 to 64 of letters, digits, '_', '.' and '-'"
            )
        self.client = client
        self.namespace = namespace
        self.ns = "{" + namespace + "}"
        self._refund = client.register_script(_REFUND)
        self._admit = client.register_script(_ADMIT)
        self._use = client.register_script(_USE)
        self._claim = client.register_script(_CLAIM)
        self._finish = client.register_script(_FINISH)
        self._renew = client.register_script(_RENEW)
        self._advance = client.register_script(_ADVANCE)
        self._submit = client.register_script(_SUBMIT)
        self._bump = client.register_script(BUMP)
        self._beat = client.register_script(_BEAT)
        self._lagging = client.register_script(_LAGGING)
        self._work = [self._key("due"), self._key("claimed"), self._key("owners")]

    def _key(self, *parts: str) -> str:
        return ":".join((self.ns, *parts))

    @_answered
    async def join(self) -> int:
        """This process's number among all that have joined the gateway (1, 2, ...)."""
        return int(await self.client.incr(self._key("processes")))

    @_answered
    async def set_balance(self, account: str, usd: Decimal) -> None:
        await self.client.set(self._key("wallet", account), to_micro(usd))

    @_answered
    async def balance(self, account: str) -> Decimal | None:
        micro = await self.client.get(self._key("wallet", account))
        return None if micro is None else from_micro(int(micro))

    @_answered
    async def accept(
        self,
        account: str,
        price_usd: Decimal,
        request_id: str,
        fields: dict[str, str],
        created_at: float | None = None,
    ) -> int:
        """Charge the price and write the job, or neither: 1 accepted, 0 balance too low,
        -1 request id taken, -2 key gone (a submit with no rate limit). With `created_at`,
        the job joins the `jobs` listing, scored by it, in the same step."""
        now = 0.0 if created_at is None else created_at
        found = await self.submit(
            account, None, now, price_usd, request_id, fields, listed=created_at is not None
        )
        return found[0]

    @_answered
    async def submit(
        self,
        account: str,
        limit: tuple[int, float] | None,
        now: float,
        price_usd: Decimal,
        request_id: str,
        fields: dict[str, str],
        *,
        listed: bool = False,
    ) -> tuple[int, int]:
        """admit + accept in one round trip: (429, Retry-After) when the window is full
        (neither counted nor charged, as in one process), else (accept's answer, 0).
        `listed`: add the job's key to the `jobs` sorted set, scored by `now`."""
        requests, per_seconds = limit if limit is not None else (0, 0.0)
        keys = [
            self._key("hits", account),
            self._key("wallet", account),
            self._key("job", request_id),
        ]
        if listed:
            keys.append(self._key("jobs"))
        args = [requests, repr(float(per_seconds)), repr(float(now)), to_micro(price_usd)]
        code, wait = await self._submit(keys=keys, args=[*args, *_flat(fields)])
        return int(code), int(wait)

    @_answered
    async def refund(self, account: str, request_id: str) -> bool:
        """Give back what the job was charged, once, whoever asks and however often."""
        keys = [self._key("wallet", account), self._key("job", request_id)]
        return bool(await self._refund(keys=keys, args=[]))

    @_answered
    async def admit(self, account: str, requests: int, per_seconds: float, now: float) -> int:
        """Count one request in the key's window: 0 admitted, else the Retry-After seconds."""
        args = [requests, repr(float(per_seconds)), repr(float(now))]
        return int(await self._admit(keys=[self._key("hits", account)], args=args))

    @_answered
    async def set_uses(self, rule_id: str, times: int) -> None:
        await self.client.set(self._key("rule", rule_id, "left"), times)

    @_answered
    async def use(self, rule_id: str) -> bool:
        """Take one of a counted rule's remaining uses."""
        return bool(await self._use(keys=[self._key("rule", rule_id, "left")], args=[]))

    @_answered
    async def schedule(self, event_id: str, due: float) -> None:
        """Work to do once the simulated clock reaches `due` (by whichever process claims it)."""
        await self.client.zadd(self._key("due"), {event_id: due})

    @_answered
    async def claim(self, now: float, owner: str, lease_ms: int, limit: int = 100) -> list[str]:
        """Up to `limit` events due by `now`, each now this owner's alone for `lease_ms`."""
        args = [repr(float(now)), lease_ms, limit, owner]
        return [i.decode() for i in await self._claim(keys=self._work, args=args)]

    @_answered
    async def lease(self, name: str, owner: str, ms: int) -> bool:
        """Take the lease `name` for `ms` if nobody holds it (a plain SET NX PX)."""
        return bool(await self.client.set(name, owner, nx=True, px=ms))

    @_answered
    async def renew(self, event_ids: list[str], owner: str, lease_ms: int) -> int:
        """Extend this owner's claims on `event_ids` (work still running): how many."""
        if not event_ids:
            return 0
        keys = [self._key("claimed"), self._key("owners")]
        return int(await self._renew(keys=keys, args=[owner, lease_ms, *event_ids]))

    @_answered
    async def finish(self, event_id: str, owner: str) -> bool:
        """Mark a claimed event done; False if the lease ran out and another owner has it."""
        return bool(await self._finish(keys=self._work, args=[event_id, owner]))

    @_answered
    async def fields(self, request_id: str) -> dict[bytes, bytes]:
        """A job's hash as kept (empty: no such job)."""
        found: dict[bytes, bytes] = await self.client.hgetall(self._key("job", request_id))
        return found

    @_answered
    async def values(self, keys: list[str]) -> list[bytes | None]:
        return list(await self.client.mget(keys))

    @_answered
    async def busy(self, now: float) -> bool:
        """Whether any work due by `now` is still waiting or held by a claim."""
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.zcount(self._key("due"), "-inf", repr(float(now)))
            pipe.zcard(self._key("claimed"))
            waiting, claimed = await pipe.execute()
        return bool(waiting or claimed)

    @_answered
    async def advance(self, seconds: float, start: float) -> float:
        """Move the shared manual clock (from `start` if it has none yet); the new instant."""
        args = [repr(float(seconds)), repr(float(start))]
        keys = [self._key("now"), self._key("changes")]
        return float(await self._advance(keys=keys, args=args))

    @_answered
    async def beat(self, process: int) -> None:
        """Say this process is alive (see `lagging`)."""
        await self._beat(keys=[self._key("alive")], args=[process])

    @_answered
    async def leave(self, process: int) -> None:
        """This process stops: no advance waits for it any more."""
        await self.client.zrem(self._key("alive"), str(process))

    @_answered
    async def saw(self, process: int, now: float) -> None:
        """Say this process's clock is at `now` (the shared clock's, as heard)."""
        await self.client.hset(self._key("seen"), str(process), repr(float(now)))

    @_answered
    async def lagging(self, now: float, alive_seconds: float) -> int:
        """How many processes that beat within `alive_seconds` have not seen `now` yet."""
        keys = [self._key("alive"), self._key("seen")]
        return int(await self._lagging(keys=keys, args=[repr(float(now)), alive_seconds]))

    @_answered
    async def bump(self) -> int:
        """Say that keys or rules changed: every process reloads them at its next request."""
        return int(await self._bump(keys=[self._key("version"), self._key("changes")], args=[]))

    @_answered
    async def state(self) -> tuple[float | None, int]:
        """(the shared clock's instant or None, the config version), in one round trip."""
        now, version = await self.client.mget(self._key("now"), self._key("version"))
        return (None if now is None else float(now)), int(version or 0)


class Follower:
    """One process's view of the shared clock and config version, kept current by the
    `changes` channel instead of a round trip per request (DESIGN.md: what a round trip
    costs). It reads the state once on start and again after every reconnection, so what
    was published while it was away is not missed; values only move forward."""

    def __init__(self, atoms: Atomics) -> None:
        self.atoms = atoms
        self.now: float | None = None
        self.version = 0
        self.connected = asyncio.Event()
        self.on_change: Callable[[], None] | None = None  # told after either moved
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    async def start(self, timeout: float = 5.0) -> None:
        """Follow from now on; returns once subscribed and caught up (TimeoutError if Redis
        does not answer within `timeout` s: the follower goes on trying meanwhile)."""
        self._task = asyncio.get_running_loop().create_task(self._run())
        await asyncio.wait_for(asyncio.shield(self.connected.wait()), timeout)

    async def stop(self) -> None:
        self._stopping = True  # a cancel redis-py turned into a connection error ends it too
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def _saw(self, now: float | None, version: int) -> None:
        if now is not None and (self.now is None or now > self.now):
            self.now = now
        self.version = max(self.version, version)
        if self.on_change is not None:
            self.on_change()

    def _read(self, data: bytes) -> None:
        """One message; anything else on the channel (someone's PUBLISH by hand) is ignored."""
        what, _, value = data.decode(errors="replace").partition(" ")
        try:
            if what == "now":
                self._saw(float(value), 0)
            elif what == "version":
                self._saw(None, int(value))
        except ValueError:
            pass

    async def _run(self) -> None:
        while not self._stopping:
            pubsub = self.atoms.client.pubsub()
            try:
                await pubsub.subscribe(self.atoms._key("changes"))
                now, version = await self.atoms.state()  # what came before the subscription
                self.version = version  # Redis's word is final here: it may have restarted empty
                self._saw(now, version)
                self.connected.set()
                async for message in pubsub.listen():
                    if message["type"] != "message":
                        continue
                    self._read(message["data"])
            except (RedisError, OSError, StoreUnavailable):
                self.connected.clear()
                await asyncio.sleep(RECONNECT_SECONDS)
            finally:
                await pubsub.aclose()
