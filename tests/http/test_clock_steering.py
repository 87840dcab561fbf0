"""The clock's kind steered at run time (the inspector's freeze/unfreeze), and what must not
change with it: a manual clock's advance still fires callbacks one simulated instant at a
time, and a clock let run fires due work by itself, with no request to wake it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiohttp import web

from mock_gateway.http.keys import SERVICE
from tests.conftest import FIBO_SUBMIT, Gw, _epoch
from tests.http.test_webhooks import Receiver, server_context


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


class SlowForOne(Receiver):
    """Stalls the callbacks of one job only: a later job's callback could overtake them."""

    slow_for = ""

    async def hook(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body["request_id"] == self.slow_for:
            await asyncio.sleep(0.3)
        self.bodies.append(body)
        return web.Response(status=200)


async def test_a_long_advance_delivers_callbacks_in_the_order_their_jobs_end(
    make_client: Any, ca: trustme.CA, tmp_path: Path, aiohttp_server: Any
) -> None:
    """Broken mock: a runner that, while `advance` waits on one instant's callback, fires
    everything due by the advanced clock at once (the later job's callback overtakes the
    earlier one stalled at the receiver)."""
    hook = SlowForOne()
    server = await aiohttp_server(hook.app, ssl=server_context(ca))
    url = str(server.make_url("/hook"))
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    gw = Gw(await make_client(webhook_ca=str(ca_file)))
    ids = []
    for _ in range(2):
        status, body = await gw.submit(
            FIBO_SUBMIT, {"prompt": "a lighthouse"}, headers={"X-Webhook-URL": url}
        )
        assert status == 202, body
        ids.append(body["request_id"])
        await gw.advance(1)
    ends = {rid: _epoch((await gw.job(rid))["ends_at"]) for rid in ids}
    first, second = sorted(ids, key=ends.__getitem__)
    hook.slow_for = first  # still in flight when the second job's callback falls due
    await gw.advance(600)
    assert [b["request_id"] for b in hook.bodies] == [first, second]


async def test_a_manual_clock_let_run_fires_due_work_by_itself(make_client: Any) -> None:
    """Broken mock: a runner that never starts timing work after `unfreeze` (only requests,
    which run what is due first, would move anything)."""
    client = await make_client(time_scale=0.01)  # a FIBO job takes 0.1-0.2 s
    gw = Gw(client)
    before = await gw.balance()
    status, body = await gw.submit(
        FIBO_SUBMIT, {"prompt": "a lighthouse"}, headers={"X-Mock-Scenario": "ERROR"}
    )
    assert status == 202, body
    resp = await client.post("/_mock/clock/unfreeze")
    assert resp.status == 200 and (await resp.json())["manual"] is False
    service = client.server.app[SERVICE]
    await asyncio.sleep(0.6)  # no request meanwhile: only the runner can make the refund
    assert service.events() == {"events": [], "total": 0}
    assert await gw.balance() == before  # the ERROR job's price came back


async def test_a_reset_puts_back_the_kind_of_clock_the_mock_started_with(gw: Gw) -> None:
    """Broken mock: a reset that leaves the clock running after the inspector let it run
    (the next test of a suite expecting a manual clock would see time move)."""
    resp = await gw.client.post("/_mock/clock/unfreeze")
    assert (await resp.json())["manual"] is False
    await asyncio.sleep(0.05)
    resp = await gw.client.post("/_mock/reset")
    assert resp.status == 200
    clock = await (await gw.client.get("/_mock/clock")).json()
    assert clock["manual"] is True
    await asyncio.sleep(0.05)
    assert (await (await gw.client.get("/_mock/clock")).json())["epoch"] == clock["epoch"]
