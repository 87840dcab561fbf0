"""Two mock processes on one Redis answer as one gateway (issue 16's "Done when").

Each test builds two apps, A and B, on the session's redis-server under a namespace of its
own: two stores, two Redis clients, two dispatchers, exactly as two `serve` processes have
(tests/stores/test_redis_processes.py kills a real one). The broken gateways named in each
test are what it catches: a store that charged per process, counted windows per process,
let each process fire its own copy of the work, or kept the clock per process.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from decimal import Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

import mock_gateway.stores.redis  # noqa: F401  # see tests/stores/conftest.py
from mock_gateway.stores.records import digest
from tests.conftest import FIBO_SUBMIT, KEY, RMBG_SUBMIT, Gw
from tests.http.test_webhooks import Receiver
from tests.redis_server import RedisServer

FIBO_PRICE = Decimal("0.04")


async def submit(gw: Gw, headers: dict[str, str] | None = None, key: str = KEY) -> tuple[int, Any]:
    return await gw.submit(FIBO_SUBMIT, {"prompt": "a lighthouse"}, key=key, headers=headers)


async def wallet(gw: Gw, key: str) -> float:
    resp = await gw.client.get(f"/_mock/keys/{key}")
    assert resp.status == 200
    return float((await resp.json())["balance_usd"])


async def health(client: TestClient[Any, Any]) -> dict[str, Any]:
    return dict(await (await client.get("/_mock/health")).json())


async def test_both_say_they_share_one_store_and_which_process_they_are(
    pair: tuple[Gw, Gw], namespace: str
) -> None:
    a, b = pair
    seen_a, seen_b = await health(a.client), await health(b.client)
    for seen in (seen_a, seen_b):
        assert seen["store"] == "redis" and seen["status"] == "ok"
        assert seen["shared"]["namespace"] == namespace and seen["shared"]["answers"] is True
    assert (seen_a["shared"]["process"], seen_b["shared"]["process"]) == (1, 2)
    assert seen_a["now"] == seen_b["now"], "one clock: B took A's"


async def test_a_job_submitted_on_a_is_polled_and_downloaded_on_b(pair: tuple[Gw, Gw]) -> None:
    a, b = pair
    fibo = (await a.fibo())["request_id"]
    status, answer = await a.submit(RMBG_SUBMIT, {"image_url": "https://a.test/x.png"})
    assert status == 202, answer
    rmbg = answer["request_id"]
    for rid in (fibo, rmbg):
        assert (await b.status(rid))["status"] == "QUEUED"
    await a.advance(60)
    for rid in (fibo, rmbg):
        on_a, on_b = await a.status(rid), await b.status(rid)
        assert on_b["status"] == "COMPLETED" and on_b["output"] is not None
        assert on_a == on_b, "the same job, whichever process answers"
        path = "/" + on_b["output"]["media_url"][0].split("/", 3)[3]
        png_a = await (await a.client.get(path)).read()
        png_b = await (await b.client.get(path)).read()
        assert png_b.startswith(b"\x89PNG") and png_a == png_b, "the same pixels on both"


async def test_another_key_cannot_see_the_job_on_either_process(pair: tuple[Gw, Gw]) -> None:
    a, b = pair
    await a.put_key("other-key")
    rid = (await a.fibo())["request_id"]
    resp = await b.client.get(
        f"/v2/requests/status/{rid}", headers={"Ocp-Apim-Subscription-Key": "other-key"}
    )
    assert resp.status == 404, "a key made on A is known on B, and still not the owner"


async def test_1000_concurrent_submits_against_a_balance_for_600_accept_exactly_600(
    pair: tuple[Gw, Gw],
) -> None:
    """Broken gateway caught: each process charges its own copy of the wallet (1,000
    accepted), or a read-then-write race lets a few more through (a negative balance)."""
    a, b = pair
    await a.put_key("wallet-key", balance_usd=float(FIBO_PRICE * 600), rate_limit=None)
    sides = itertools.cycle((a, b))
    answers = await asyncio.gather(*(submit(next(sides), key="wallet-key") for _ in range(1000)))
    codes = [status for status, _ in answers]
    assert codes.count(202) == 600 and codes.count(402) == 400, sorted(set(codes))
    refused = [body for status, body in answers if status == 402]
    assert all(body["error"] == refused[0]["error"] for body in refused)
    accepted = {body["request_id"] for status, body in answers if status == 202}
    assert len(accepted) == 600, "every id unique across processes"
    assert await wallet(a, "wallet-key") == 0.0 and await wallet(b, "wallet-key") == 0.0
    listed = (await (await b.client.get("/_mock/jobs?limit=2000")).json())["total"]
    assert listed == 600


async def test_a_rate_limit_of_50_admits_exactly_50_across_both(pair: tuple[Gw, Gw]) -> None:
    """Broken gateway caught: a window per process (100 admitted)."""
    a, b = pair
    await a.put_key("limited", rate_limit={"requests": 50, "per_seconds": 3600})
    sides = itertools.cycle((a, b))

    async def poll(gw: Gw) -> int:
        resp = await gw.client.get(
            "/v2/requests/status/nope", headers={"Ocp-Apim-Subscription-Key": "limited"}
        )
        return resp.status

    codes = await asyncio.gather(*(poll(next(sides)) for _ in range(130)))
    assert codes.count(404) == 50 and codes.count(429) == 80, sorted(set(codes))
    await a.advance(3601)
    assert await poll(b) == 404, "the window moved on with the shared clock"


async def test_a_rule_with_times_3_fires_exactly_3_times(pair: tuple[Gw, Gw]) -> None:
    """Broken gateway caught: each process counts its own copy of the rule (6 fired)."""
    a, b = pair
    resp = await a.client.post(
        "/_mock/scenarios", json={"match": {"on": "submit"}, "http": 503, "times": 3}
    )
    assert resp.status == 201
    sides = itertools.cycle((a, b))
    answers = await asyncio.gather(*(submit(next(sides)) for _ in range(40)))
    codes = [status for status, _ in answers]
    assert codes.count(503) == 3 and codes.count(202) == 37, sorted(codes)
    listed = await (await b.client.get("/_mock/scenarios")).json()
    assert listed["scenarios"][0]["times"] == 0, "B shows the uses left as Redis has them"


async def test_advance_on_a_fires_the_due_work_b_scheduled(
    pair: tuple[Gw, Gw], receiver: tuple[Receiver, str]
) -> None:
    """Broken gateway caught: a clock per process (A's advance moves nothing on B), or an
    advance that answers before another process ran what fell due."""
    a, b = pair
    hook, url = receiver
    _, answer = await submit(b, headers={"X-Webhook-URL": url})
    rid = answer["request_id"]
    assert hook.bodies == []
    await a.advance(60)
    assert [(body["request_id"], body["status"]) for body in hook.bodies] == [(rid, "COMPLETED")]
    assert (await (await b.client.get("/_mock/clock")).json())["epoch"] == (
        await (await a.client.get("/_mock/clock")).json()
    )["epoch"]
    logged = (await (await a.client.get(f"/_mock/webhooks?request_id={rid}")).json())["deliveries"]
    assert [(e["outcome"], e["final"]) for e in logged] == [("delivered", True)]


async def test_each_terminal_callback_of_1000_jobs_is_delivered_exactly_once(
    pair: tuple[Gw, Gw], receiver: tuple[Receiver, str]
) -> None:
    """Broken gateway caught: both processes run every due callback (2,000 arrive), or a
    claim that loses some (fewer than 1,000)."""
    a, b = pair
    hook, url = receiver
    sides = itertools.cycle((a, b))
    answers = await asyncio.gather(
        *(submit(next(sides), headers={"X-Webhook-URL": url}) for _ in range(1000))
    )
    assert {status for status, _ in answers} == {202}
    submitted = {body["request_id"] for _, body in answers}
    await asyncio.gather(a.advance(60), b.advance(0))
    arrived = [body["request_id"] for body in hook.bodies]
    assert len(arrived) == 1000 and set(arrived) == submitted
    ids = [h["X-Webhook-Delivery-Id"] for h in hook.headers]
    assert len(set(ids)) == 1000, "one delivery id per callback, unique across processes"
    events = await (await b.client.get("/_mock/events")).json()
    assert events["total"] == 0


async def test_a_refund_of_a_platform_fault_is_paid_once(pair: tuple[Gw, Gw]) -> None:
    a, b = pair
    await a.put_key("refunds", balance_usd=1.0, rate_limit=None)
    status, _ = await submit(b, key="refunds", headers={"X-Mock-Scenario": "error"})
    assert status == 202
    assert await wallet(a, "refunds") == pytest.approx(0.96)
    await asyncio.gather(a.advance(60), b.advance(0))
    assert await wallet(a, "refunds") == 1.0 and await wallet(b, "refunds") == 1.0


async def test_a_reset_on_one_process_resets_the_gateway_for_both(pair: tuple[Gw, Gw]) -> None:
    a, b = pair
    rid = (await a.fibo())["request_id"]
    assert (await b.status(rid))["status"] == "QUEUED"
    assert (await b.client.post("/_mock/reset")).status == 200
    await asyncio.sleep(0.1)  # A hears of it on the channel
    resp = await a.client.get(
        f"/v2/requests/status/{rid}", headers={"Ocp-Apim-Subscription-Key": KEY}
    )
    assert resp.status == 404
    assert (await health(a.client))["jobs"] == 0
    assert await wallet(a, KEY) == 100.0


async def test_journals_of_both_processes_are_one_numbered_sequence(pair: tuple[Gw, Gw]) -> None:
    a, b = pair
    await a.fibo()
    await b.fibo()
    await asyncio.sleep(0.2)  # lines leave within FLUSH_SECONDS
    lines = (await (await a.client.get("/_mock/requests")).json())["requests"]
    assert [line["seq"] for line in lines] == [1, 2]
    assert [line["status"] for line in lines] == [202, 202]


async def test_namespaces_on_one_redis_are_separate_gateways(
    make_client: Any, redis_server: RedisServer
) -> None:
    one = Gw(await make_client(store=redis_server.url, namespace=f"n1-{uuid.uuid4().hex[:8]}"))
    two = Gw(await make_client(store=redis_server.url, namespace=f"n2-{uuid.uuid4().hex[:8]}"))
    rid = (await one.fibo())["request_id"]
    resp = await two.client.get(
        f"/v2/requests/status/{rid}", headers={"Ocp-Apim-Subscription-Key": KEY}
    )
    assert resp.status == 404
    assert (await health(two.client))["shared"]["process"] == 1


async def test_no_key_is_kept_in_redis(
    pair: tuple[Gw, Gw], redis_server: RedisServer, namespace: str
) -> None:
    import redis

    a, b = pair
    secret = "sk-live-0123456789abcdef"
    await a.put_key(secret)
    status, _ = await submit(b, key=secret)
    assert status == 202
    await asyncio.sleep(0.2)
    db = redis.Redis.from_url(redis_server.url)
    try:
        for name in db.scan_iter(count=1000):
            assert secret.encode() not in name
            kind = db.type(name)
            values: list[bytes] = []
            if kind == b"string":
                values = [db.get(name) or b""]
            elif kind == b"hash":
                values = [*db.hgetall(name).keys(), *db.hgetall(name).values()]
            elif kind == b"list":
                values = db.lrange(name, 0, -1)
            assert not any(secret.encode() in v for v in values), name
        assert db.hexists(f"{{{namespace}}}:keys", digest(secret))
    finally:
        db.close()


async def test_a_running_clock_is_redis_time_whatever_this_machine_says(
    make_client: Any, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Broken gateway caught: machines whose clocks disagree each run their own running
    clock (here this 'machine' is 1,000 s fast; the gateway's clock must not be)."""
    import time

    import redis

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 1000)
    gw = Gw(await make_client(store=redis_server.url, namespace=f"clock-{uuid.uuid4().hex[:8]}",
                              manual_clock=False))  # fmt: skip
    shown = (await (await gw.client.get("/_mock/clock")).json())["epoch"]
    db = redis.Redis.from_url(redis_server.url)
    try:
        seconds, micros = db.time()
    finally:
        db.close()
    assert abs(shown - (seconds + micros / 1e6)) < 1.0


async def test_a_namespace_keeps_its_kind_of_clock(
    make_client: Any, redis_server: RedisServer, namespace: str
) -> None:
    """Broken gateway caught: a running-clock process joining a manual-clock namespace reads
    the manual instant as a jump, and its time runs decades ahead."""
    from mock_gateway.settings import ConfigError

    await make_client(store=redis_server.url, namespace=namespace)  # a manual clock
    with pytest.raises(ConfigError, match="runs a manual clock: start with --manual-clock"):
        await make_client(store=redis_server.url, namespace=namespace, manual_clock=False)
