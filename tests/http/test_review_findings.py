"""Regressions found by review: each was reproduced against the mock before it was fixed."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiohttp import web

from mock_gateway.core.jobs import iso, plain
from mock_gateway.settings import Settings
from tests.conftest import AUTH, FIBO_SUBMIT, RMBG_SUBMIT, Gw, _epoch

SECRET = "sk-live-SECRET1234567890"


async def test_an_unparseable_image_url_is_a_400_and_costs_nothing(gw: Gw) -> None:
    before = await gw.balance()
    status, body = await gw.submit(RMBG_SUBMIT, {"image_url": "http://[::1/x.png"})
    assert (status, body["field"]) == (400, "image_url")
    assert await gw.balance() == before
    assert (await (await gw.client.get("/_mock/jobs")).json())["total"] == 0


async def test_an_odd_host_header_never_makes_a_500(gw: Gw) -> None:
    url = str(gw.client.make_url("/_mock/samples/product.png"))
    resp = await gw.client.post(RMBG_SUBMIT, json={"image_url": url}, headers={**AUTH, "Host": "["})
    assert resp.status < 500


async def test_an_unparseable_webhook_url_is_a_400(gw: Gw) -> None:
    status, body = await gw.submit(
        FIBO_SUBMIT, {"prompt": "x"}, headers={"X-Webhook-URL": "https://[::1/hook"}
    )
    assert (status, body["field"]) == (400, "X-Webhook-URL")


@pytest.mark.parametrize(
    "token", ["http-100", "http-101", "http-200", "http-302", "latency-999999"]
)
async def test_only_error_statuses_and_bounded_latency_can_be_forced(gw: Gw, token: str) -> None:
    status, body = await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, headers={"X-Mock-Scenario": token})
    assert status == 400 and body["field"] == "X-Mock-Scenario"


async def test_a_reset_during_a_poll_waiting_for_an_input_answers_404(
    make_client: Any, aiohttp_server: Any
) -> None:
    stalled = asyncio.Event()

    async def never(request: web.Request) -> web.Response:
        await stalled.wait()
        return web.Response(status=500)

    app = web.Application()
    app.router.add_get("/slow.png", never)
    server = await aiohttp_server(app)
    gw = Gw(await make_client(manual_clock=False, time_scale=0.001))
    rid = (await gw.rmbg(str(server.make_url("/slow.png"))))["request_id"]
    await asyncio.sleep(0.05)  # the job's planned end (a few ms) has passed; its input has not
    poll = asyncio.ensure_future(gw.client.get(f"/v2/requests/status/{rid}", headers=AUTH))
    await asyncio.sleep(0.05)
    assert not poll.done(), "the poll waits for the input that decides the outcome"
    await gw.client.post("/_mock/reset")
    resp = await poll
    assert resp.status == 404 and (await resp.json())["error"] == "Request not found"
    stalled.set()


async def test_a_reset_during_a_delayed_submit_leaves_a_job_its_key_can_see(gw: Gw) -> None:
    submit = asyncio.ensure_future(
        gw.submit(FIBO_SUBMIT, {"prompt": "x"}, headers={"X-Mock-Scenario": "latency-300"})
    )
    await asyncio.sleep(0.1)
    await gw.client.post("/_mock/reset")
    status, answer = await submit
    assert status == 202
    assert (await gw.status(answer["request_id"]))["status"] == "QUEUED"
    assert await gw.balance() == 100.0 - 0.04, "charged to the key as it is after the reset"


async def test_a_whole_number_float_rate_limit_works(gw: Gw) -> None:
    view = await gw.put_key("k", balance_usd=1, rate_limit={"requests": 2.0, "per_seconds": 10})
    assert view["rate_limit"]["requests"] == 2
    codes = [(await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, key="k"))[0] for _ in range(3)]
    assert codes == [202, 202, 429]


async def test_no_key_reaches_the_log_through_odd_paths_or_query_strings(
    make_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    gw = Gw(await make_client(access_log=True))
    caplog.set_level(logging.INFO, logger="mock_gateway")
    for path in [
        f"////_mock/keys/{SECRET}",
        f"/_mock/Keys/{SECRET}",
        f"/_mock/%6beys/{SECRET}",
        f"/v2/requests/status/x?subscription-key={SECRET}",
        f"/_mock/keys/{SECRET}",
    ]:
        await gw.client.get(path, headers=AUTH)
    logged = caplog.text
    journal = await (await gw.client.get("/_mock/requests")).text()
    assert "GET" in logged and SECRET not in logged and SECRET[:8] not in logged
    assert SECRET not in journal


def test_settings_and_rules_never_show_a_key_in_their_repr() -> None:
    from mock_gateway.core.scenarios import Match
    from mock_gateway.settings import from_mapping

    settings = from_mapping(
        {
            "keys": {SECRET: {"balance_usd": 1}},
            "scenarios": [{"match": {"key": SECRET}, "http": 500}],
        }
    )
    assert SECRET not in repr(settings)
    assert SECRET not in repr(Match(key=SECRET))
    assert "test-key" not in repr(Settings())


def test_the_plain_timestamp_form_never_reads_before_the_precise_one() -> None:
    for t in (1774951200.001, 1774951200.5, 1774951200.999, 1774951201.0):
        assert _epoch(plain(t).replace(" ", "T") + "Z") >= _epoch(iso(t))


@pytest.mark.parametrize("query", ["limit=²", "since=²", "limit=" + "9" * 5000])
async def test_control_queries_take_plain_whole_numbers_only(gw: Gw, query: str) -> None:
    assert (await gw.client.get(f"/_mock/requests?{query}")).status == 400


async def test_limit_zero_means_none(gw: Gw) -> None:
    await gw.fibo()
    assert (await (await gw.client.get("/_mock/requests?limit=0")).json())["requests"] == []
    assert (await (await gw.client.get("/_mock/jobs?limit=0")).json())["jobs"] == []


async def test_a_huge_data_url_is_not_scanned_at_submit_and_a_bad_one_fails_the_job(gw: Gw) -> None:
    url = "data:image/png;base64," + "A" * 500_000 + "!"
    status, answer = await gw.submit(RMBG_SUBMIT, {"image_url": url})
    assert status == 202, "only the prefix is checked at submit"
    body = await gw.finish(answer["request_id"])
    assert (body["status"], body["error"]) == (
        "FAILED",
        "image_url is a data: URL whose base64 payload is invalid",
    )
