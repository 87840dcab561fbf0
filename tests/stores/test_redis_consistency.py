"""The shared store stays one gateway when things happen in between: changes made on two
processes one after the other, slow receivers, Redis hiccups, a reset while work runs, a
process that goes away in the middle of an input fetch.

Each test names the broken gateway it catches; each was a defect found in review.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import redis
from aiohttp import web
from aiohttp.test_utils import TestServer

import mock_gateway.stores.redis  # noqa: F401  # see tests/stores/conftest.py
from mock_gateway.core.errors import StoreUnavailable
from mock_gateway.stores.redis_atoms import Atomics
from tests.conftest import FIBO_SUBMIT, KEY, RMBG_SUBMIT, Gw
from tests.http.test_webhooks import Receiver
from tests.redis_server import RedisServer
from tests.stores.conftest import MakePair
from tests.test_state import small_png

AUTH = {"Ocp-Apim-Subscription-Key": KEY}


async def fetching_process_gone(
    make_pair: MakePair, aiohttp_server: Any
) -> tuple[Gw, str, list[int]]:
    """A accepts an RMBG job whose input's first fetch never ends, and stops mid-fetch; B
    advances past the job's end. (B, the request id, the count of fetches so far.)"""
    calls = [0]

    async def picture(request: web.Request) -> web.StreamResponse:
        calls[0] += 1
        if calls[0] == 1:
            await asyncio.sleep(3600)  # the first fetch never ends: its process goes away
        return web.Response(body=small_png(), content_type="image/png")

    app = web.Application()
    app.router.add_get("/in.png", picture)
    server: TestServer = await aiohttp_server(app)
    a, b = await make_pair(fetch_timeout_seconds=1.0, fetch_connect_timeout_seconds=1.0)
    status, answer = await a.submit(RMBG_SUBMIT, {"image_url": str(server.make_url("/in.png"))})
    assert status == 202, answer
    await asyncio.sleep(0.2)
    await a.client.close()  # A stops mid-fetch; its lease goes with it
    await b.advance(60)
    return b, str(answer["request_id"]), calls


async def submit(gw: Gw, **headers: str) -> tuple[int, Any]:
    return await gw.submit(FIBO_SUBMIT, {"prompt": "a lighthouse"}, headers=headers)


async def test_a_change_made_elsewhere_is_not_skipped_by_a_later_change_made_here(
    pair: tuple[Gw, Gw],
) -> None:
    """Broken gateway caught: a process that marks the config version as seen after its own
    write, skipping the change another process made just before (B's rule never on A)."""
    a, b = pair
    resp = await b.client.post("/_mock/scenarios", json={"match": {"on": "submit"}, "http": 418})
    assert resp.status == 201
    await a.put_key(KEY, balance_usd=50)
    assert (await submit(a))[0] == 418
    assert (await submit(b))[0] == 418


async def test_a_rule_deleted_on_a_process_stops_firing_there_too(pair: tuple[Gw, Gw]) -> None:
    """Broken gateway caught: the process serving the DELETE keeps its own copy firing."""
    a, b = pair
    resp = await a.client.post("/_mock/scenarios", json={"match": {"on": "submit"}, "http": 418})
    rule = (await resp.json())["id"]
    assert (await submit(a))[0] == 418 and (await submit(b))[0] == 418
    assert (await a.client.delete(f"/_mock/scenarios/{rule}")).status == 200
    await asyncio.sleep(0.1)  # B hears of it on the channel
    assert (await submit(a))[0] == 202 and (await submit(b))[0] == 202
    assert (await (await a.client.get("/_mock/scenarios")).json())["scenarios"] == []


async def test_a_balance_change_keeps_the_rate_limit_window(pair: tuple[Gw, Gw]) -> None:
    """Broken gateway caught: any update of a key empties its window (4 of 4 admitted)."""
    a, b = pair
    await a.put_key("windowed", rate_limit={"requests": 2, "per_seconds": 60})
    codes = [(await a.submit(FIBO_SUBMIT, {"prompt": "x y z"}, key="windowed"))[0]]
    codes.append((await b.submit(FIBO_SUBMIT, {"prompt": "x y z"}, key="windowed"))[0])
    await a.put_key("windowed", balance_usd=99)
    codes.append((await a.submit(FIBO_SUBMIT, {"prompt": "x y z"}, key="windowed"))[0])
    codes.append((await b.submit(FIBO_SUBMIT, {"prompt": "x y z"}, key="windowed"))[0])
    assert codes == [202, 202, 429, 429]


async def test_a_callback_slower_than_the_claim_lease_is_delivered_once(
    make_pair: MakePair, receiver: tuple[Receiver, str]
) -> None:
    """Broken gateway caught: a claim that lapses while its delivery is still running, so
    another turn of some process's runner delivers it again (3 POSTs of one callback)."""
    a, b = await make_pair(claim_lease_seconds=1.0, webhook_timeout_seconds=10.0)
    hook, url = receiver
    hook.stall = 2.5  # well within the webhook timeout, well past the lease
    assert (await submit(a, **{"X-Webhook-URL": url}))[0] == 202
    await a.advance(120)
    await asyncio.sleep(1.5)  # time for a lapsed claim to be taken and run again
    assert len(hook.bodies) == 1
    log = (await (await b.client.get("/_mock/webhooks")).json())["deliveries"]
    assert [e["outcome"] for e in log] == ["delivered"]


async def test_a_refund_is_paid_even_when_redis_fails_as_it_runs(
    pair: tuple[Gw, Gw], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Broken gateway caught: a refund whose one try failed is marked done (money kept)."""
    a, _ = pair
    real = Atomics.refund
    failures = [1]

    async def flaky(self: Atomics, account: str, request_id: str) -> bool:
        if failures:
            failures.pop()
            raise StoreUnavailable("the shared store does not answer (ConnectionError)")
        return await real(self, account, request_id)

    monkeypatch.setattr(Atomics, "refund", flaky)
    assert (await submit(a, **{"X-Mock-Scenario": "error"}))[0] == 202
    await a.advance(60)
    assert failures == [] and await a.balance() == 100.0


async def test_the_delivery_log_is_bounded_and_counts_what_it_let_go(
    make_pair: MakePair, receiver: tuple[Receiver, str]
) -> None:
    """Broken gateway caught: the log in Redis grows for ever and says it dropped nothing."""
    a, b = await make_pair(journal_size=3)
    _, url = receiver
    for _ in range(5):
        assert (await submit(a, **{"X-Webhook-URL": url}))[0] == 202
    await a.advance(60)
    page = await (await b.client.get("/_mock/webhooks")).json()
    assert [e["n"] for e in page["deliveries"]] == [3, 4, 5]
    assert page["dropped"] == 2


async def test_a_reset_on_one_process_ends_the_deliveries_running_on_another(
    pair: tuple[Gw, Gw], receiver: tuple[Receiver, str]
) -> None:
    """Broken gateway caught: the other process goes on delivering and retrying the old
    gateway's callbacks into the new one's log."""
    a, b = pair
    hook, url = receiver
    hook.stall, hook.answer = 1.0, 500
    assert (await submit(a, **{"X-Webhook-URL": url}))[0] == 202
    advancing = asyncio.create_task(a.client.post("/_mock/clock/advance", json={"seconds": 120}))
    await asyncio.sleep(0.5)  # the first attempt is at the receiver (it answers after 1 s)
    assert (await b.client.post("/_mock/reset")).status == 200
    await advancing
    await asyncio.sleep(1.5)
    for gw in (a, b):
        assert (await (await gw.client.get("/_mock/webhooks")).json())["deliveries"] == []
        assert (await (await gw.client.get("/_mock/events")).json())["total"] == 0


async def test_an_input_fetch_is_taken_over_when_the_process_fetching_it_goes_away(
    make_pair: MakePair, aiohttp_server: Any
) -> None:
    """Broken gateway caught: a job whose fetching process died stays unsettled for good,
    and every poll of it anywhere waits out the settle timeout."""
    b, rid, calls = await fetching_process_gone(make_pair, aiohttp_server)
    started = time.monotonic()
    seen = await b.status(rid)
    assert seen["status"] == "COMPLETED" and calls[0] == 2, seen
    assert time.monotonic() - started < 10


async def test_writes_queued_while_redis_was_away_leave_by_themselves_when_it_is_back(
    make_client: Any,
) -> None:
    """Broken gateway caught: an idle process keeps its queued writes (finished events, a
    job's input) until some request happens to come, while the others wait on them."""
    server = RedisServer(persistent=True).start()
    try:
        gw = Gw(await make_client(store=server.url, namespace="writes"))
        assert (await submit(gw))[0] == 202
        server.stop()
        resp = await gw.client.get("/v2/requests/status/x", headers=AUTH)  # a journal line
        assert resp.status == 503
        await asyncio.sleep(0.5)  # its flush fails meanwhile; then nothing more comes in
        server.start()
        db = redis.Redis.from_url(server.url)
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and db.llen("{writes}:journal") < 2:
                await asyncio.sleep(0.1)
            assert db.llen("{writes}:journal") == 2, "the 503's journal line reached Redis"
        finally:
            db.close()
    finally:
        server.close()


async def test_stopping_a_process_closes_its_redis_connections(
    make_client: Any, redis_server: RedisServer, namespace: str
) -> None:
    """Broken gateway caught: each start and stop leaves ~20 connections open in Redis."""
    db = redis.Redis.from_url(redis_server.url)
    try:
        before = len(db.client_list())
        for _ in range(3):
            gw = Gw(await make_client(store=redis_server.url, namespace=namespace))
            await asyncio.gather(*(submit(gw) for _ in range(20)))
            await gw.client.close()
        assert len(db.client_list()) - before <= 1  # this test's own
    finally:
        db.close()


async def test_concurrent_polls_of_a_job_whose_fetch_is_taken_over_all_see_it_done(
    make_pair: MakePair, aiohttp_server: Any
) -> None:
    """Broken gateway caught: each waiting poll replaces the cached job, so the taken-over
    fetch is lost (404s) and the input fetched again and again."""
    b, rid, calls = await fetching_process_gone(make_pair, aiohttp_server)

    async def poll() -> tuple[int, Any]:
        resp = await b.client.get(f"/v2/requests/status/{rid}", headers=AUTH)
        return resp.status, await resp.json()

    polls = await asyncio.gather(*(poll() for _ in range(4)))
    assert [(code, body["status"]) for code, body in polls] == [(200, "COMPLETED")] * 4
    assert calls[0] == 2, "the input fetched once more, by one poll"


async def test_a_final_callback_waits_for_an_input_fetched_on_another_process(
    make_pair: MakePair, aiohttp_server: Any, receiver: tuple[Receiver, str]
) -> None:
    """Broken gateway caught: the process that runs the terminal callback is not the one
    fetching the input, builds the callback from the unsettled job and says PROCESSING."""

    async def picture(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(1.5)
        return web.Response(body=small_png(), content_type="image/png")

    app = web.Application()
    app.router.add_get("/in.png", picture)
    server: TestServer = await aiohttp_server(app)
    hook, url = receiver
    a, b = await make_pair()
    for _ in range(4):
        status, answer = await a.submit(
            RMBG_SUBMIT,
            {"image_url": str(server.make_url("/in.png"))},
            headers={"X-Webhook-URL": url},
        )
        assert status == 202, answer
    await b.advance(120)
    assert sorted(body["status"] for body in hook.bodies) == ["COMPLETED"] * 4


async def test_a_key_changed_on_one_process_is_not_undone_by_a_change_on_another(
    pair: tuple[Gw, Gw],
) -> None:
    """Broken gateway caught: A writes back its stale copy of the key's settings with its
    balance change, and B's new rate limit is lost."""
    a, b = pair
    await b.put_key(KEY, rate_limit={"requests": 2, "per_seconds": 60})
    await a.put_key(KEY, balance_usd=50)
    for gw in (a, b):
        seen = await (await gw.client.get(f"/_mock/keys/{KEY}")).json()
        assert seen["rate_limit"] == {"requests": 2, "per_seconds": 60}
        assert seen["balance_usd"] == 50.0


async def test_a_reset_is_heard_even_with_no_configured_keys_or_rules(
    make_pair: MakePair,
) -> None:
    """Broken gateway caught: a reset that bumps nothing leaves the other process serving
    the old gateway's keys and jobs."""
    a, b = await make_pair(keys=())
    await a.put_key("runtime-key")
    status, answer = await b.submit(FIBO_SUBMIT, {"prompt": "a lighthouse"}, key="runtime-key")
    assert status == 202
    assert (await a.client.post("/_mock/reset")).status == 200
    await asyncio.sleep(0.2)
    resp = await b.client.get(
        f"/v2/requests/status/{answer['request_id']}",
        headers={"Ocp-Apim-Subscription-Key": "runtime-key"},
    )
    assert resp.status == 401


async def test_a_redis_that_refuses_writes_gets_503s_not_500s(
    pair: tuple[Gw, Gw], redis_server: RedisServer
) -> None:
    """Broken gateway caught: an error other than a lost connection (here OOM under
    maxmemory) escapes as a 500 on a submit."""
    a, _ = pair
    db = redis.Redis.from_url(redis_server.url)
    try:
        db.config_set("maxmemory-policy", "noeviction")
        db.config_set("maxmemory", 1)
        status, body = await submit(a)
        assert status == 503 and body["error"] == "Service temporarily unavailable"
    finally:
        db.config_set("maxmemory", 0)
        db.close()
    assert (await submit(a))[0] == 202
