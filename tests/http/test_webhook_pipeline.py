"""Webhook deliveries under load: a burst waits in the mock's own pool, never on the clock
the receiver is judged by (a receiver's timeout starts when its request is sent)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from mock_gateway.sink import WebhookSink, local_tls
from tests.conftest import FIBO_SUBMIT, Gw

BURST = 100
ANSWER_AFTER = 0.3  # seconds each callback waits for its answer; 8 at a time per receiver
TIMEOUT = 1.0  # far above one answer, far below the whole burst (~4 s through 8 connections)


async def test_a_burst_is_delivered_in_full_without_blaming_the_receiver(
    make_client: Any, aiohttp_server: Any, tmp_path: Path
) -> None:
    sink = WebhookSink(delay=ANSWER_AFTER)
    context, ca = local_tls(tmp_path / "ca")
    server = await aiohttp_server(sink.app, ssl=context)
    url = str(server.make_url("/hook"))
    gw = Gw(
        await make_client(
            webhook_ca=str(ca), webhook_timeout_seconds=TIMEOUT, webhook_max_attempts=1
        )
    )

    async def submit() -> str:
        headers = {"X-Webhook-URL": url, "X-Webhook-Mode": "sync"}
        status, answer = await gw.submit(FIBO_SUBMIT, {"prompt": "a burst"}, headers=headers)
        assert status == 202, answer
        return str(answer["request_id"])

    # A manual clock that does not move: every job's first sync callback (QUEUED) is due at
    # the same instant, right after its submit, so all of them are in flight at once.
    rids = await asyncio.gather(*(submit() for _ in range(BURST)))
    await gw.advance(0)  # answers once every delivery started is done

    log = (await (await gw.client.get("/_mock/webhooks")).json())["deliveries"]
    failed = [e for e in log if e["outcome"] != "delivered"]
    assert failed == [], f"{len(failed)} of {len(log)} not delivered, e.g. {failed[:1]}"
    assert sorted(e["request_id"] for e in log) == sorted(rids)
    assert {r.request_id for r in sink.accepted()} == set(rids)
    assert all(r.attempt == 1 for r in sink.received)
