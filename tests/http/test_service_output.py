"""The mock's CDN (a job's output download): the scenario rules it applies, and on a
shared store, that it answers without waiting for another process's input fetch. Each
test's docstring names the broken mock it catches."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import Gw
from tests.http.test_service_details import (  # noqa: F401  # fixtures
    pair,
    redis_server,
    stalled_input,
    submit_while_fetched,
)

FORCED_503 = (
    503,
    {"error": "Service temporarily unavailable", "message": "Forced by a mock scenario"},
)


async def get(gw: Gw, path: str) -> tuple[int, Any]:
    resp = await gw.client.get(path)
    return resp.status, await resp.json()


async def test_a_cdn_rule_matching_the_input_text_applies_to_that_jobs_download(gw: Gw) -> None:
    """Broken: the CDN matches `input_contains` rules against no input at all, so a rule
    for the downloads of jobs about a volcano never applies."""
    rule = {"match": {"on": "cdn", "input_contains": "volcano"}, "http": 503}
    resp = await gw.client.post("/_mock/scenarios", json=rule)
    assert resp.status == 201, await resp.text()
    volcano = (await gw.fibo(prompt="a volcano at night"))["request_id"]
    other = (await gw.fibo(prompt="a quiet lake"))["request_id"]
    for rid in (volcano, other):
        assert (await gw.finish(rid))["status"] == "COMPLETED"
    forced = await get(gw, f"/_mock/cdn/v1/{volcano}/output.png")
    assert forced == FORCED_503
    resp = await gw.client.get(f"/_mock/cdn/v1/{other}/output.png")
    assert (resp.status, resp.content_type) == (200, "image/png")


async def test_a_download_of_a_job_whose_input_another_process_fetches_does_not_wait(
    pair: tuple[Gw, Gw],  # noqa: F811
    stalled_input: tuple[str, list[int], asyncio.Event],  # noqa: F811
) -> None:
    """Broken: on a shared store, a CDN request for a due job whose input another process
    is still fetching waits for that fetch (up to the settle timeout) before its scenario
    rules answer."""
    a, b = pair
    url, calls, _ = stalled_input
    rid = await submit_while_fetched(a, url, calls)
    await b.advance(600)  # due: only its input is missing
    resp = await b.client.post("/_mock/scenarios", json={"match": {"on": "cdn"}, "http": 503})
    assert resp.status == 201, await resp.text()
    forced = await asyncio.wait_for(get(b, f"/_mock/cdn/v1/{rid}/output.png"), 1.0)
    assert forced == FORCED_503
