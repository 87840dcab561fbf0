"""The atomic operations behind a gateway shared by several processes, against a real Redis.

Each test runs its operations from two clients at once (two processes' connections, as far
as Redis can tell), many in flight together: an operation done as read-then-write from the
client side would lose updates here, so these fail for a non-atomic implementation.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest
import redis.asyncio as aioredis
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_gateway.core.accounts import RateLimit, SlidingWindow
from mock_gateway.core.clock import ManualClock
from mock_gateway.core.errors import RateLimited, StoreUnavailable
from mock_gateway.stores.redis_atoms import Atomics, Follower, from_micro, to_micro
from tests.redis_server import RedisServer

FIBO_PRICE = Decimal("0.04")


@pytest.fixture
async def pair(redis_server: RedisServer) -> AsyncIterator[tuple[Atomics, Atomics]]:
    """Two clients (A and B) on one fresh namespace of the test's own."""
    namespace = f"test-{uuid.uuid4().hex[:12]}"
    # 16 connections each, so many calls are in flight at once (a blocking pool: the rest wait).
    clients = [
        aioredis.Redis(
            connection_pool=aioredis.BlockingConnectionPool.from_url(
                redis_server.url, max_connections=16
            )
        )
        for _ in "AB"
    ]
    yield Atomics(clients[0], namespace), Atomics(clients[1], namespace)
    for client in clients:
        await client.aclose(close_connection_pool=True)


def split(n: int) -> list[int]:
    """Which client (0 or 1) makes call n: alternately, so the two interleave."""
    return [i % 2 for i in range(n)]


async def test_concurrent_submits_spend_exactly_the_balance(pair: tuple[Atomics, Atomics]) -> None:
    a, b = pair
    await a.set_balance("acct", FIBO_PRICE * 600)
    answers = await asyncio.gather(
        *(
            pair[who].accept("acct", FIBO_PRICE, f"job-{n}", {"model_id": "fibo"})
            for n, who in enumerate(split(1000))
        )
    )
    assert answers.count(1) == 600
    assert answers.count(0) == 400
    assert await b.balance("acct") == Decimal(0)
    accepted = [n for n, answer in enumerate(answers) if answer == 1]
    for n in (accepted[0], accepted[-1]):
        job = await a.client.hgetall(f"{a.ns}:job:job-{n}")
        assert job == {b"charged": b"40000", b"model_id": b"fibo"}
    refused = answers.index(0)
    assert not await a.client.exists(f"{a.ns}:job:job-{refused}"), "a refused job is not kept"


async def test_a_taken_request_id_is_refused_and_not_charged(pair: tuple[Atomics, Atomics]) -> None:
    a, b = pair
    await a.set_balance("acct", Decimal(1))
    assert await a.accept("acct", FIBO_PRICE, "same-id", {"model_id": "fibo"}) == 1
    assert await b.accept("acct", FIBO_PRICE, "same-id", {"model_id": "other"}) == -1
    assert await a.balance("acct") == Decimal("0.96")
    assert await a.client.hget(f"{a.ns}:job:same-id", "model_id") == b"fibo"


async def test_a_gone_key_is_neither_charged_nor_given_a_job(pair: tuple[Atomics, Atomics]) -> None:
    a, _ = pair
    assert await a.accept("nobody", FIBO_PRICE, "j", {"model_id": "fibo"}) == -2
    assert await a.balance("nobody") is None
    assert not await a.client.exists(f"{a.ns}:job:j")


async def test_a_refund_is_given_once_however_often_it_is_asked(
    pair: tuple[Atomics, Atomics],
) -> None:
    a, b = pair
    await a.set_balance("acct", Decimal("0.05"))
    assert await a.accept("acct", FIBO_PRICE, "j", {}) == 1
    refunds = await asyncio.gather(*(pair[who].refund("acct", "j") for who in split(20)))
    assert refunds.count(True) == 1
    assert await b.balance("acct") == Decimal("0.05")
    assert not await a.refund("acct", "never-charged")


async def test_a_deleted_key_gets_nothing_back(pair: tuple[Atomics, Atomics]) -> None:
    a, _ = pair
    await a.set_balance("acct", Decimal(1))
    assert await a.accept("acct", FIBO_PRICE, "j", {}) == 1
    await a.client.delete(f"{a.ns}:wallet:acct")
    assert not await a.refund("acct", "j")
    assert await a.balance("acct") is None
    await a.set_balance("acct", Decimal(0))  # a key with that digest comes back
    assert not await a.refund("acct", "j"), "nothing back later either"
    assert await a.balance("acct") == Decimal(0)


async def test_money_stays_exact_past_a_doubles_precision(pair: tuple[Atomics, Atomics]) -> None:
    # 2**53 micro-dollars and one more differ as integers, not as Lua doubles.
    a, _ = pair
    await a.set_balance("acct", Decimal(2**53) / 1_000_000)
    assert await a.accept("acct", Decimal(2**53 + 1) / 1_000_000, "j", {}) == 0
    assert await a.balance("acct") == Decimal(2**53) / 1_000_000
    await a.set_balance("acct", Decimal(2**54) / 1_000_000)
    assert await a.accept("acct", Decimal(2**53 + 1) / 1_000_000, "j", {}) == 1
    assert await a.balance("acct") == Decimal(2**54 - 2**53 - 1) / 1_000_000
    assert await a.client.hget(f"{a.ns}:job:j", "charged") == str(2**53 + 1).encode()


async def test_a_job_with_many_fields_is_written_whole(pair: tuple[Atomics, Atomics]) -> None:
    a, _ = pair
    await a.set_balance("acct", Decimal(1))
    fields = {f"f{n}": str(n) for n in range(4000)}
    assert await a.accept("acct", FIBO_PRICE, "j", fields) == 1
    assert await a.client.hlen(f"{a.ns}:job:j") == 4001
    assert await a.balance("acct") == Decimal("0.96")


async def test_the_scripts_own_fields_cannot_be_job_fields(pair: tuple[Atomics, Atomics]) -> None:
    a, _ = pair
    await a.set_balance("acct", Decimal(1))
    for name in ("charged", "refunded"):
        with pytest.raises(ValueError, match="the scripts' own"):
            await a.accept("acct", FIBO_PRICE, "j", {name: "0"})
    assert await a.balance("acct") == Decimal(1)


@pytest.mark.parametrize("namespace", ["", "a:b", "{x}", "x y", "é", "n" * 65])
def test_a_namespace_is_a_plain_word(namespace: str) -> None:
    with pytest.raises(ValueError, match="namespace"):
        Atomics(object(), namespace)


def test_every_key_carries_the_namespace_as_one_hash_tag(pair: tuple[Atomics, Atomics]) -> None:
    # One cluster slot for all of a gateway's keys: a script may touch only one.
    a, _ = pair
    keys = [a._key("wallet", "x"), a._key("job", "r"), *a._work, a._key("rule", "r", "left")]
    assert all(k.startswith("{" + a.namespace + "}:") for k in keys)


async def test_a_rate_limit_admits_exactly_its_requests_across_clients(
    pair: tuple[Atomics, Atomics],
) -> None:
    now = 1_800_000_000.25
    answers = await asyncio.gather(*(pair[who].admit("acct", 50, 10.0, now) for who in split(200)))
    assert answers.count(0) == 50
    assert set(answers) == {0, 10}  # the rest: Retry-After 10 s, the window's length
    assert await pair[0].admit("acct", 50, 10.0, now + 10) == 0  # the window moved on


@settings(max_examples=40, deadline=None)
@given(
    limit=st.integers(1, 5),
    per=st.sampled_from([0.5, 1.0, 2.5, 60.0]),
    steps=st.lists(
        st.one_of(st.sampled_from([0.0, 0.5, 1.0, 2.5]), st.floats(0, 3, allow_nan=False)),
        min_size=1,
        max_size=25,
    ),
    start=st.sampled_from([0.0, 1_800_000_000.0, 1e12 + 0.3]),
)
def test_the_shared_window_answers_as_the_in_process_one(
    redis_server: RedisServer, limit: int, per: float, steps: list[float], start: float
) -> None:
    # The same hits, one after another on a moving clock: the same admissions and the same
    # Retry-After as core.accounts.SlidingWindow, which the single-process mock uses.
    async def run() -> tuple[list[int], list[int]]:
        client = aioredis.Redis.from_url(redis_server.url)
        atoms = Atomics(client, f"test-{uuid.uuid4().hex[:12]}")
        window = SlidingWindow(RateLimit(limit, per))
        now, shared, local = start, [], []
        for step in steps:
            now += step
            shared.append(await atoms.admit("acct", limit, per, now))
            try:
                window.hit(now)
                local.append(0)
            except RateLimited as e:
                local.append(e.retry_after)
        await client.aclose()
        return shared, local

    shared, local = asyncio.run(run())
    assert shared == local


async def test_a_counted_rule_is_used_exactly_its_times(pair: tuple[Atomics, Atomics]) -> None:
    a, _ = pair
    await a.set_uses("rule-1", 3)
    uses = await asyncio.gather(*(pair[who].use("rule-1") for who in split(100)))
    assert uses.count(True) == 3
    assert not await a.use("rule-unknown")


async def test_every_process_gets_its_own_number(pair: tuple[Atomics, Atomics]) -> None:
    numbers = await asyncio.gather(*(pair[who].join() for who in split(10)))
    assert sorted(numbers) == list(range(1, 11))


async def test_namespaces_do_not_share_a_wallet(
    pair: tuple[Atomics, Atomics], redis_server: RedisServer
) -> None:
    a, _ = pair
    other = Atomics(a.client, a.namespace + "-other")
    await a.set_balance("acct", Decimal(1))
    assert await other.balance("acct") is None
    assert await other.accept("acct", FIBO_PRICE, "j", {}) == -2


# -- a submit in one round trip -------------------------------------------------------------


async def test_one_round_trip_submits_spend_exactly_the_balance_and_the_window(
    pair: tuple[Atomics, Atomics],
) -> None:
    a, b = pair
    await a.set_balance("acct", FIBO_PRICE * 600)
    answers = await asyncio.gather(
        *(
            pair[who].submit("acct", None, T, FIBO_PRICE, f"job-{n}", {"model_id": "fibo"})
            for n, who in enumerate(split(1000))
        )
    )
    assert answers.count((1, 0)) == 600
    assert answers.count((0, 0)) == 400
    assert await b.balance("acct") == Decimal(0)

    await a.set_balance("rich", Decimal(1000))
    limited = await asyncio.gather(
        *(
            pair[who].submit("rich", (50, 10.0), T, FIBO_PRICE, f"r-{n}", {})
            for n, who in enumerate(split(200))
        )
    )
    assert limited.count((1, 0)) == 50
    assert limited.count((429, 10)) == 150
    assert await a.balance("rich") == Decimal(1000) - 50 * FIBO_PRICE


async def test_a_taken_id_or_a_gone_key_counts_nothing(pair: tuple[Atomics, Atomics]) -> None:
    a, _ = pair
    await a.set_balance("acct", Decimal(1))
    window = (2, 60.0)
    assert await a.submit("acct", window, T, FIBO_PRICE, "x", {}) == (1, 0)
    assert await a.submit("acct", window, T, FIBO_PRICE, "x", {}) == (-1, 0)  # draw again...
    assert await a.submit("acct", window, T, FIBO_PRICE, "y", {}) == (1, 0)  # ...counted once
    assert await a.submit("acct", window, T, FIBO_PRICE, "z", {}) == (429, 60)
    assert await a.submit("nobody", window, T, FIBO_PRICE, "w", {}) == (-2, 0)
    assert await a.client.llen(f"{a.ns}:hits:nobody") == 0
    assert await a.balance("acct") == Decimal(1) - 2 * FIBO_PRICE


async def test_a_submit_too_poor_is_counted_as_the_front_door_counts_it(
    pair: tuple[Atomics, Atomics],
) -> None:
    # The rate limit comes before the balance (402): a refused submit still used the window.
    a, _ = pair
    await a.set_balance("acct", Decimal("0.01"))
    assert await a.submit("acct", (1, 60.0), T, FIBO_PRICE, "x", {}) == (0, 0)
    assert await a.submit("acct", (1, 60.0), T, FIBO_PRICE, "y", {}) == (429, 60)
    assert not await a.client.exists(f"{a.ns}:job:x")


# -- scheduled work, done once -----------------------------------------------------------------

T = 1_800_000_000.0


async def test_due_work_is_claimed_by_exactly_one_process(pair: tuple[Atomics, Atomics]) -> None:
    a, b = pair
    for n in range(1000):
        await a.schedule(f"ev-{n}", T + n % 3)
    await a.schedule("later", T + 60)

    async def drain(atoms: Atomics, owner: str) -> list[str]:
        done: list[str] = []
        while batch := await atoms.claim(T + 5, owner, lease_ms=30_000, limit=7):
            for event in batch:
                assert await atoms.finish(event, owner)
            done += batch
        return done

    by_a, by_b = await asyncio.gather(drain(a, "A"), drain(b, "B"))
    assert not set(by_a) & set(by_b), "no event run by both"
    assert sorted(by_a + by_b) == sorted(f"ev-{n}" for n in range(1000))
    assert by_a and by_b, "both processes took a share"
    assert await a.claim(T + 5, "A", lease_ms=30_000) == []  # "later" is not due yet
    assert await b.claim(T + 60, "B", lease_ms=30_000) == ["later"]


async def test_work_a_dead_process_held_is_taken_over_after_its_lease(
    pair: tuple[Atomics, Atomics],
) -> None:
    a, b = pair
    for n in range(10):
        await a.schedule(f"cb-{n}", T)
    held = await a.claim(T, "A", lease_ms=300)  # then A dies, finishing nothing
    assert sorted(held) == sorted(f"cb-{n}" for n in range(10))
    assert await b.claim(T, "B", lease_ms=30_000) == [], "not while A's lease lasts"
    await asyncio.sleep(0.4)
    taken = await b.claim(T, "B", lease_ms=30_000)
    assert sorted(taken) == sorted(held), "the same events, so the same delivery ids"
    assert not await a.finish(held[0], "A"), "A, back late, finds it taken over"
    assert all([await b.finish(event, "B") for event in taken])
    await asyncio.sleep(0.4)
    assert await a.claim(T, "A", lease_ms=300) == [], "finished work never comes back"


async def test_work_scheduled_again_while_claimed_waits_for_its_claim(
    pair: tuple[Atomics, Atomics],
) -> None:
    a, b = pair
    await a.schedule("ev", T)
    assert await a.claim(T, "A", lease_ms=300) == ["ev"]
    await a.schedule("ev", T)  # due again while A holds it
    assert await b.claim(T, "B", lease_ms=30_000) == [], "one owner at a time"
    await asyncio.sleep(0.4)
    assert await b.claim(T, "B", lease_ms=30_000) == ["ev"], "taken over once, not twice"
    assert await b.finish("ev", "B")
    assert await b.claim(T, "B", lease_ms=30_000) == ["ev"], "then its second run"


# -- one clock, one version -------------------------------------------------------------------


async def test_advances_from_both_processes_all_count(pair: tuple[Atomics, Atomics]) -> None:
    a, b = pair
    assert await a.state() == (None, 0)
    await asyncio.gather(*(pair[who].advance(0.5, T) for who in split(100)))
    assert await b.state() == (T + 50, 0)


@settings(max_examples=30, deadline=None)
@given(steps=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=12))
def test_the_shared_clock_adds_as_the_manual_clock_does(
    redis_server: RedisServer, steps: list[float]
) -> None:
    # The same instants, bit for bit, as core.clock.ManualClock in one process.
    async def run() -> list[float]:
        client = aioredis.Redis.from_url(redis_server.url)
        atoms = Atomics(client, f"test-{uuid.uuid4().hex[:12]}")
        seen = [await atoms.advance(step, T + 0.1) for step in steps]
        await client.aclose()
        return seen

    clock = ManualClock(T + 0.1)
    assert asyncio.run(run()) == [clock.advance(step) for step in steps]


async def test_every_change_moves_the_version_all_processes_read(
    pair: tuple[Atomics, Atomics],
) -> None:
    a, b = pair
    await asyncio.gather(*(pair[who].bump() for who in split(10)))
    assert (await a.state())[1] == (await b.state())[1] == 10


# -- learning of changes without asking -------------------------------------------------------


async def eventually(check: Callable[[], bool], seconds: float = 2.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "not within the deadline"
        await asyncio.sleep(0.01)


async def test_a_follower_learns_of_every_advance_and_change(pair: tuple[Atomics, Atomics]) -> None:
    a, b = pair
    await b.advance(1.0, T)  # before A follows: read at its start
    await b.bump()
    follower = Follower(a)
    await follower.start()
    try:
        assert (follower.now, follower.version) == (T + 1, 1)
        for _ in range(3):
            await b.advance(0.5, T)
        await b.bump()
        await eventually(lambda: (follower.now, follower.version) == (T + 2.5, 2))
        # Stray messages on the channel (a PUBLISH by hand) change nothing and stop nothing.
        for stray in (b"now soon", b"version x", b"\xff", b"hello"):
            await b.client.publish(f"{b.ns}:changes", stray)
        await b.advance(1.0, T)
        await eventually(lambda: follower.now == T + 3.5)
        assert follower.version == 2
    finally:
        await follower.stop()


async def test_a_follower_catches_up_after_redis_comes_back() -> None:
    server = RedisServer().start()
    clients = [aioredis.Redis.from_url(server.url, socket_connect_timeout=1) for _ in "AB"]
    a, b = (Atomics(c, "follow") for c in clients)
    follower = Follower(a)
    await follower.start()
    try:
        await b.advance(10.0, T)
        await eventually(lambda: follower.now == T + 10)
        server.stop()
        await eventually(lambda: not follower.connected.is_set())
        server.start()  # empty: this Redis keeps nothing across a restart
        await asyncio.wait_for(follower.connected.wait(), 5)
        # B's pooled connection died with the server: its next call may be one 503 (a dead
        # socket, nothing sent), the one after goes through. (The store will retry that.)
        try:
            await b.advance(20.0, T)  # starts again from T on the empty Redis
        except StoreUnavailable:
            await b.advance(20.0, T)
        await eventually(lambda: follower.now == T + 20)
    finally:
        await follower.stop()
        for client in clients:
            await client.aclose()
        server.close()


# -- Redis going away -------------------------------------------------------------------------


async def test_redis_gone_is_a_503_and_coming_back_is_recovery() -> None:
    server = RedisServer().start()  # its own: the module's server stays up for the others
    client = aioredis.Redis.from_url(server.url, socket_timeout=2, socket_connect_timeout=2)
    atoms = Atomics(client, "outage")
    try:
        await atoms.set_balance("acct", Decimal(1))
        server.stop()
        with pytest.raises(StoreUnavailable) as gone:
            await atoms.accept("acct", FIBO_PRICE, "j", {})
        assert gone.value.status == 503
        assert gone.value.body() == {
            "error": "Service temporarily unavailable",
            "message": gone.value.message,
        }
        assert "does not answer" in str(gone.value.message)
        assert gone.value.headers() == {"Retry-After": "1"}
        server.start()  # the same port; this test's Redis keeps nothing across the restart
        await atoms.set_balance("acct", Decimal(1))
        assert await atoms.accept("acct", FIBO_PRICE, "j", {}) == 1
    finally:
        await client.aclose()
        server.close()


@pytest.mark.parametrize(
    ("usd", "micro"), [(Decimal("0.018"), 18_000), (Decimal("100"), 100_000_000), (Decimal(0), 0)]
)
def test_money_is_exact_micro_dollars(usd: Decimal, micro: int) -> None:
    assert to_micro(usd) == micro
    assert from_micro(micro) == usd


def test_an_amount_finer_than_a_micro_dollar_is_refused() -> None:
    with pytest.raises(ValueError, match="finer than a micro-dollar"):
        to_micro(Decimal("0.0000001"))


def test_a_clock_message_moves_the_followers_clock_and_nothing_else() -> None:
    """What `changes` carries, read without Redis: `now <seconds>` moves the clock (a
    number with spaces before it, as float() reads it, too), `version <n>` the config
    version; a clock message leaves the version where it was."""
    client = aioredis.Redis(host="127.0.0.1", port=9)  # never used: nothing connects
    follower = Follower(Atomics(client, "t"))
    follower._read(b"now 12.5")
    assert (follower.now, follower.version) == (12.5, 0)
    follower._read(b"now  20")
    assert (follower.now, follower.version) == (20.0, 0)
    follower._read(b"version 3")
    follower._read(b"now 30")
    assert (follower.now, follower.version) == (30.0, 3)
