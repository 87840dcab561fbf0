"""The service over a shared store (Redis): what one process answers about another's work,
what a key change keeps of the shared wallet, and what health says when the store is gone.

Each test's docstring names the broken mock it catches. Everything runs on the manual
clock, on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from PIL import Image

import mock_gateway.stores.redis  # noqa: F401  # see tests/stores/conftest.py
from mock_gateway import __version__
from mock_gateway.core.accounts import redact
from mock_gateway.http.keys import SERVICE
from mock_gateway.settings import KeyConfig
from tests.conftest import CAT, FIBO_SUBMIT, KEY, RMBG_SUBMIT, Gw, MakeClient
from tests.http.test_service_bodies import png_data_url
from tests.redis_server import RedisServer
from tests.test_state import small_png

OTHER = "other-key"  # a second generation-2 key
OLD = "old-key"  # a generation-1 key
OLD_OTHER = "old-other-key"  # a second generation-1 key
RMBG_RESULT = "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request-result"
FIBO_PRICE = Decimal("0.04")
FIBO_ID = "bria-fibo-bbq-preview"
PROMPT = "a lighthouse at dusk"
QUICK = 3.0  # seconds: an answer that does not wait on another process comes well within


def keys() -> tuple[KeyConfig, ...]:
    return (
        KeyConfig(KEY, Decimal(10)),
        KeyConfig(OTHER, Decimal(10)),
        KeyConfig(OLD, Decimal(10), api_generation=1),
        KeyConfig(OLD_OTHER, Decimal(10), api_generation=1),
    )


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.close()


@pytest.fixture
async def pair(make_client: MakeClient, redis_server: RedisServer) -> tuple[Gw, Gw]:
    """A and B: two mock processes on one Redis namespace of the test's own."""
    shared = {
        "store": redis_server.url,
        "namespace": f"t-{uuid.uuid4().hex[:12]}",
        "keys": keys(),
    }
    return Gw(await make_client(**shared)), Gw(await make_client(**shared))


async def answer(resp: aiohttp.ClientResponse) -> tuple[int, Any]:
    return resp.status, await resp.json()


async def status_of(gw: Gw, request_id: str, key: str) -> tuple[int, Any]:
    headers = {"Ocp-Apim-Subscription-Key": key}
    return await answer(await gw.client.get(f"/v2/requests/status/{request_id}", headers=headers))


async def result_of(gw: Gw, request_id: str, key: str) -> tuple[int, Any]:
    headers = {"Ocp-Apim-Subscription-Key": key}
    resp = await gw.client.post(RMBG_RESULT, json={"request_id": request_id}, headers=headers)
    return await answer(resp)


async def jobs_of(gw: Gw) -> Any:
    return await (await gw.client.get("/_mock/jobs")).json()


async def requested(calls: list[int], count: int) -> None:
    while calls[0] < count:
        await asyncio.sleep(0.01)


async def submit_while_fetched(a: Gw, url: str, calls: list[int]) -> str:
    """Submit a cut-out of `url` on A; its request id, once A is fetching the input."""
    code, submitted = await a.submit(RMBG_SUBMIT, {"image_url": url})
    assert code == 202, submitted
    await asyncio.wait_for(requested(calls, 1), QUICK)
    rid: str = submitted["request_id"]
    return rid


# -- another process's jobs --------------------------------------------------------------------


@pytest.fixture
async def stalled_input(
    aiohttp_server: Any,
) -> AsyncIterator[tuple[str, list[int], asyncio.Event]]:
    """A picture server whose answers wait until released (at the latest when the test
    ends): (its URL, requests so far, the release)."""
    release = asyncio.Event()
    calls = [0]

    async def picture(request: web.Request) -> web.StreamResponse:
        calls[0] += 1
        await release.wait()
        return web.Response(body=small_png(), content_type="image/png")

    app = web.Application()
    app.router.add_get("/in.png", picture)
    server: TestServer = await aiohttp_server(app)
    yield str(server.make_url("/in.png")), calls, release
    release.set()


async def test_another_keys_poll_of_a_job_whose_input_another_process_fetches_is_a_prompt_404(
    pair: tuple[Gw, Gw], stalled_input: tuple[str, list[int], asyncio.Event]
) -> None:
    """Catches a shared-store mock whose status and result lookups wait for the input of a
    job fetched on another process before checking whose job it is: another key's poll (a
    404 in the end) hangs for as long as the fetch takes, up to the settle timeout."""
    a, b = pair
    url, calls, _ = stalled_input
    code, new = await a.submit(RMBG_SUBMIT, {"image_url": url})
    assert code == 202, new
    code, old = await a.submit(RMBG_SUBMIT, {"image_url": url}, key=OLD)
    assert code == 200, old
    await asyncio.wait_for(requested(calls, 2), QUICK)  # A is fetching both inputs
    await b.advance(600)  # both jobs are due: only their inputs are missing
    rid, old_rid = new["request_id"], old["request_id"]
    assert await asyncio.wait_for(status_of(b, rid, OTHER), QUICK) == (
        404,
        {"error": "Request not found", "message": f"No request with id '{rid}'"},
    )
    not_found = (404, {"error": "Endpoint not found"})  # the older page's one 404 body
    assert await asyncio.wait_for(result_of(b, old_rid, OLD_OTHER), QUICK) == not_found


async def test_a_generation_1_result_is_answered_by_a_process_that_did_not_accept_the_job(
    pair: tuple[Gw, Gw],
) -> None:
    """Catches a shared-store mock whose generation-1 result endpoint looks the job up in
    the process's own memory only, or under another id than the one asked for (a 404, or a
    500, for a job another process accepted)."""
    a, b = pair
    code, submitted = await a.submit(RMBG_SUBMIT, {"image_url": CAT}, key=OLD)
    assert code == 200, submitted
    rid = submitted["request_id"]
    queued = {"status": "IN_QUEUE", "request_id": rid}
    assert await result_of(b, rid, OLD) == (200, queued)
    assert await result_of(b, rid.upper(), OLD) == (200, queued), "ids are read lower-case"


async def test_an_input_fetched_on_one_process_is_seen_settled_at_once_on_another(
    pair: tuple[Gw, Gw],
) -> None:
    """Catches a mock that keeps a fetched input to itself (never writes the settled job
    back): every poll of the job on another process waits out the settle timeout."""
    a, b = pair
    rid = (await a.rmbg(png_data_url((40, 30))))["request_id"]
    assert (await a.finish(rid))["status"] == "COMPLETED"  # A has the input now
    code, seen = await asyncio.wait_for(status_of(b, rid, KEY), QUICK)
    assert (code, seen["status"]) == (200, "COMPLETED"), seen
    code, content_type, png = await b.download(seen["output"]["media_url"][0])
    assert (code, content_type) == (200, "image/png")
    assert Image.open(io.BytesIO(png)).size == (40, 30), "the output is the input's size"


async def test_looking_at_a_job_in_the_inspector_while_its_input_is_fetched_keeps_the_fetch(
    pair: tuple[Gw, Gw], stalled_input: tuple[str, list[int], asyncio.Event]
) -> None:
    """Catches a shared-store mock whose inspector read of a job replaces the job the
    process is fetching the input of with a copy from the store: the fetched input is then
    never kept, every poll waits out the fetch's lease, and the input is fetched again."""
    a, b = pair
    url, calls, release = stalled_input
    rid = await submit_while_fetched(a, url, calls)
    assert (await a.job(rid))["status"] == "QUEUED"
    release.set()
    await a.advance(600)  # answers once A's fetch is done
    for gw in (a, b):
        code, seen = await asyncio.wait_for(status_of(gw, rid, KEY), QUICK)
        assert (code, seen["status"]) == (200, "COMPLETED"), seen
    assert calls[0] == 1, "the input was fetched once"


async def test_the_process_fetching_an_input_holds_its_lease_so_no_other_fetches_it_again(
    pair: tuple[Gw, Gw], stalled_input: tuple[str, list[int], asyncio.Event]
) -> None:
    """Catches a shared-store mock that accepts a job whose input it fetches without taking
    the fetch's lease in Redis (or under another name, with no owner or no expiry): another
    process polling the job once it is due takes the fetch over and fetches the input
    again, and a process that died fetching would hold it for ever."""
    a, b = pair
    url, calls, release = stalled_input
    rid = await submit_while_fetched(a, url, calls)
    store = a.client.server.app[SERVICE].store
    store.flush_now()
    lease = store.key("fetching", rid)
    assert store.db.get(lease) == store.events.owner.encode()
    assert 0 < store.db.pttl(lease) <= store._fetch_lease()
    await b.advance(600)  # due: only its input is missing
    polled = asyncio.ensure_future(status_of(b, rid, KEY))  # waits for A's fetch
    await asyncio.sleep(0.2)
    release.set()
    code, seen = await asyncio.wait_for(polled, QUICK)
    assert (code, seen["status"]) == (200, "COMPLETED"), seen
    assert calls[0] == 1, "the input was fetched once, by A"
    code, fibo = await a.submit(FIBO_SUBMIT, {"prompt": PROMPT})
    assert code == 202, fibo
    store.flush_now()
    assert store.db.exists(store.key("fetching", fibo["request_id"])) == 0, "no input: no lease"


# -- keys and the shared wallet ----------------------------------------------------------------


async def test_changing_a_keys_settings_but_not_its_balance_keeps_what_was_spent(
    pair: tuple[Gw, Gw],
) -> None:
    """Catches a shared-store mock whose key update writes back the balance the process last
    heard of along with the settings changed (the money spent since is given back, or the
    wallet emptied)."""
    a, b = pair
    for gw in (a, b):  # each process spends once from the one wallet
        assert (await gw.submit(FIBO_SUBMIT, {"prompt": PROMPT}))[0] == 202
    left = float(Decimal(10) - 2 * FIBO_PRICE)
    put = await a.client.put(f"/_mock/keys/{KEY}", json={"rate_limit": None})
    code, view = await answer(put)
    assert (code, view["balance_usd"]) == (200, left), view
    listed = (await (await b.client.get("/_mock/accounts")).json())["accounts"]
    (mine,) = [view["id"] for view in listed if view["key"] == redact(KEY)]
    patch = await b.client.patch(f"/_mock/accounts/{mine}", json={"models": [FIBO_ID]})
    code, view = await answer(patch)
    assert (code, view["balance_usd"], view["models"]) == (
        200,
        left,
        [FIBO_ID],
    ), view
    assert await a.balance() == left and await b.balance() == left


async def test_a_key_deleted_by_another_process_this_one_has_not_heard_of_yet_is_a_401(
    pair: tuple[Gw, Gw],
) -> None:
    """Catches a shared-store mock whose submit, told by Redis that the key is gone, draws
    another request id and tries again for ever (the request never answers) or charges
    nothing and accepts the job."""
    a, _ = pair
    store = a.client.server.app[SERVICE].store
    unknown = await a.submit(FIBO_SUBMIT, {"prompt": PROMPT}, key="never-a-key")
    assert unknown[0] == 401, unknown
    kept = store.accounts._digest(OTHER)
    store.db.hdel(store.key("keys"), kept)  # as another process's delete leaves Redis,
    store.db.delete(store.key("wallet", kept))  # before this one hears of it
    submitted = await asyncio.wait_for(a.submit(FIBO_SUBMIT, {"prompt": PROMPT}, key=OTHER), QUICK)
    assert submitted == unknown
    assert (await jobs_of(a))["total"] == 0


async def test_the_job_list_on_a_shared_store_shows_each_jobs_key_redacted_not_its_digest(
    pair: tuple[Gw, Gw],
) -> None:
    """Catches a shared-store mock whose job list shows the key a job keeps (its digest,
    redacted) where the key's own label belongs: no job can be told by its key."""
    a, b = pair
    assert (await a.submit(FIBO_SUBMIT, {"prompt": PROMPT}))[0] == 202
    for gw in (a, b):
        (listed,) = (await jobs_of(gw))["jobs"]
        assert listed["key"] == redact(KEY)
        assert (await gw.job(listed["request_id"]))["key"] == redact(KEY)


# -- health ------------------------------------------------------------------------------------


async def test_health_says_degraded_with_no_jobs_counted_when_the_shared_store_is_gone(
    make_client: MakeClient,
) -> None:
    """Catches a mock whose health says "ok" (or another word) while Redis does not answer,
    or makes up a count of jobs it cannot read."""
    server = RedisServer().start()
    try:
        gw = Gw(await make_client(store=server.url, namespace="health", keys=keys()))
        assert (await gw.submit(FIBO_SUBMIT, {"prompt": PROMPT}))[0] == 202
        code, up = await answer(await gw.client.get("/_mock/health"))
        assert (code, up["status"], up["jobs"], up["shared"]["answers"]) == (200, "ok", 1, True)
        server.stop()
        code, down = await answer(await gw.client.get("/_mock/health"))
        assert code == 200
        assert down == {
            "status": "degraded",
            "version": __version__,
            "now": down["now"],
            "manual_clock": True,
            "api_generation": 2,
            "jobs": 0,
            "store": "redis",
            "shared": {**up["shared"], "answers": False},
        }
        server.start()  # back, so the mock stops cleanly
    finally:
        server.close()


async def test_an_advance_answers_once_the_input_fetches_of_its_process_are_done(
    pair: tuple[Gw, Gw], stalled_input: tuple[str, list[int], asyncio.Event]
) -> None:
    """Catches a shared-store mock whose clock advance counts a process as idle while it
    still fetches an input (no webhook in flight, nothing due in the store): the advance
    answers before the job it made due is settled, and the inspector right after it shows
    the job unfinished."""
    a, _ = pair
    url, calls, release = stalled_input
    rid = await submit_while_fetched(a, url, calls)
    asyncio.get_running_loop().call_later(0.3, release.set)  # while the advance waits
    await a.advance(600)
    assert release.is_set()
    assert (await a.job(rid))["status"] == "COMPLETED"


async def test_a_poll_where_the_input_is_being_fetched_keeps_the_job_the_fetch_settles(
    pair: tuple[Gw, Gw], stalled_input: tuple[str, list[int], asyncio.Event]
) -> None:
    """Catches a shared-store mock that does not know which fetches are its own
    (`fetching(None)`): a poll on the process fetching the input reads the job from Redis
    again and replaces the one the fetch settles, so the fetched input is never written
    back (the other process sees the job unsettled until the fetch's lease runs out)."""
    a, b = pair
    url, calls, release = stalled_input
    rid = await submit_while_fetched(a, url, calls)
    store = a.client.server.app[SERVICE].store
    kept = store.jobs[rid]
    code, seen = await asyncio.wait_for(status_of(a, rid, KEY), QUICK)  # not due: no wait
    assert (code, seen["status"]) == (200, "QUEUED"), seen
    assert store.jobs[rid] is kept, "the job the fetch will settle"
    release.set()
    await b.advance(600)
    code, seen = await asyncio.wait_for(status_of(b, rid, KEY), QUICK)
    assert (code, seen["status"]) == (200, "COMPLETED"), seen
    assert calls[0] == 1, "the input was fetched once, by A"
