"""Wallets (exact money, 402, refunds on ERROR) and per-key rate limits on the simulated clock."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import AUTH, FIBO_SUBMIT, RMBG_SUBMIT, Gw

INSUFFICIENT = {
    "error": "Insufficient Balance",
    "message": "Your wallet does not have enough balance.",
}


async def test_accepting_a_job_charges_the_documented_price_exactly(gw: Gw) -> None:
    await gw.put_key("exact", balance_usd="1.00")
    for _ in range(3):
        assert (await gw.submit(RMBG_SUBMIT, {"image_url": "https://a.test/x.png"}, key="exact"))[
            0
        ] == 202
    assert (await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, key="exact"))[0] == 202
    view = await (await gw.client.get("/_mock/keys/exact")).json()
    assert view["balance_usd"] == float(Decimal("1.00") - 3 * Decimal("0.018") - Decimal("0.04"))
    assert view["balance_usd"] == 0.906


async def test_fifty_five_rmbg_jobs_spend_a_dollar_with_no_float_drift(gw: Gw) -> None:
    await gw.put_key("dollar", balance_usd="0.99")
    for _ in range(55):
        assert (await gw.submit(RMBG_SUBMIT, {"image_url": "https://a.test/x.png"}, key="dollar"))[
            0
        ] == 202
    assert await gw.balance("dollar") == 0.0  # 55 x 0.018 = 0.99 exactly
    status, body = await gw.submit(RMBG_SUBMIT, {"image_url": "https://a.test/x.png"}, key="dollar")
    assert (status, body) == (402, INSUFFICIENT)


async def test_too_little_balance_is_402_with_the_documented_body_and_no_job(gw: Gw) -> None:
    await gw.put_key("poor", balance_usd="0.039")
    status, body = await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, key="poor")
    assert (status, body) == (402, INSUFFICIENT)
    assert await gw.balance("poor") == 0.039
    assert (await (await gw.client.get("/_mock/jobs")).json())["total"] == 0
    assert (await gw.submit(RMBG_SUBMIT, {"image_url": "https://a.test/x.png"}, key="poor"))[
        0
    ] == 202


async def test_an_error_job_is_refunded_the_moment_its_status_shows_error(gw: Gw) -> None:
    rid = (await gw.fibo(**{}))["request_id"]  # a normal job first, to be sure only ERROR refunds
    before = await gw.balance()
    status, answer = await gw.submit(
        FIBO_SUBMIT, {"prompt": "x"}, headers={"X-Mock-Scenario": "error"}
    )
    assert status == 202
    err_id = answer["request_id"]
    assert await gw.balance() == round(before - 0.04, 6)
    plan = await gw.job(err_id)
    # Just before the end: still charged, still PROCESSING or QUEUED.
    from tests.conftest import _epoch

    now = (await (await gw.client.get("/_mock/clock")).json())["epoch"]
    await gw.advance(_epoch(plan["ends_at"]) - now - 0.01)
    assert (await gw.status(err_id))["status"] in ("QUEUED", "PROCESSING")
    assert await gw.balance() == round(before - 0.04, 6)
    await gw.advance(0.012)
    body = await gw.status(err_id)
    assert body["status"] == "ERROR" and body["error"] and body["output"] is None
    assert await gw.balance() == before, "ERROR is not charged"
    assert (await gw.status(rid))["request_id"] == rid


async def test_a_failed_job_is_charged(gw: Gw) -> None:
    before = await gw.balance()
    _, answer = await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, headers={"X-Mock-Scenario": "fail"})
    body = await gw.finish(answer["request_id"])
    assert body["status"] == "FAILED"
    assert await gw.balance() == round(before - 0.04, 6)


async def test_a_forced_http_status_is_not_charged(gw: Gw) -> None:
    before = await gw.balance()
    for code in (500, 503, 402, 429):
        status, body = await gw.submit(
            FIBO_SUBMIT, {"prompt": "x"}, headers={"X-Mock-Scenario": f"http-{code}"}
        )
        assert status == code and "error" in body
    assert await gw.balance() == before


async def test_rate_limit_is_429_with_whole_second_retry_after_and_counts_status_polls(
    gw: Gw,
) -> None:
    await gw.put_key("tight", balance_usd=10, rate_limit={"requests": 2, "per_seconds": 10})
    h = {"Ocp-Apim-Subscription-Key": "tight"}
    status, answer = await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, key="tight")
    assert status == 202
    resp = await gw.client.get(f"/v2/requests/status/{answer['request_id']}", headers=h)
    assert resp.status == 200  # the poll used the second slot
    resp = await gw.client.get(f"/v2/requests/status/{answer['request_id']}", headers=h)
    assert resp.status == 429
    assert resp.headers["Retry-After"] == "10"
    assert await resp.json() == {"error": "Rate limit exceeded, please retry later"}
    await gw.advance(4)
    resp = await gw.client.post(FIBO_SUBMIT, json={"prompt": "x"}, headers=h)
    assert resp.status == 429 and resp.headers["Retry-After"] == "6"
    balance = await gw.balance("tight")
    assert balance == 10 - 0.04, "a rate-limited submit is not charged"
    await gw.advance(6)
    resp = await gw.client.post(FIBO_SUBMIT, json={"prompt": "x"}, headers=h)
    assert resp.status == 202


async def test_the_default_key_lets_a_fast_poller_through(gw: Gw) -> None:
    rid = (await gw.fibo())["request_id"]
    for _ in range(100):  # a poll every 100 ms for 10 s
        resp = await gw.client.get(f"/v2/requests/status/{rid}", headers=AUTH)
        assert resp.status == 200
        await gw.advance(0.1)


async def test_a_key_without_rate_limit_is_unlimited(gw: Gw) -> None:
    await gw.put_key("free", balance_usd=100, rate_limit=None)
    for _ in range(1200):  # more than the default key's 1000 a second, at one instant
        resp = await gw.client.get(
            "/v2/requests/status/x", headers={"Ocp-Apim-Subscription-Key": "free"}
        )
        assert resp.status == 404


async def test_many_keys_have_separate_wallets(gw: Gw) -> None:
    await gw.put_key("a", balance_usd=1)
    await gw.put_key("b", balance_usd=1)
    await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, key="a")
    assert (await gw.balance("a"), await gw.balance("b")) == (0.96, 1.0)
