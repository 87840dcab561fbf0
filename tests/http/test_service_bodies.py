"""The exact bodies of the service's answers: every message a 4xx carries, every dict a
control verb returns, and the few counters the inspector's change feed watches.

Other test files check that these answers exist and have the right status; here each check
pins the whole body (status, JSON, headers where they matter), so a mock whose message says
nothing, names the wrong thing, or answers another count is caught. Each test's docstring
names the broken mocks it catches. Everything runs on the manual clock, on 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import io
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import trustme
from PIL import Image

import mock_gateway.stores.redis  # noqa: F401  # see tests/stores/conftest.py
from mock_gateway import __version__
from mock_gateway.core.accounts import RateLimit, account_id
from mock_gateway.http.keys import SERVICE
from mock_gateway.service import Service
from mock_gateway.settings import KeyConfig
from tests.conftest import AUTH, CAT, FIBO_SUBMIT, KEY, RMBG_SUBMIT, Gw, MakeClient, _epoch
from tests.http.test_inspector_api import next_event
from tests.http.test_webhooks import Receiver, server_context
from tests.redis_server import RedisServer

OLD = "old-key"  # a generation-1 key: its jobs are answered on the fal-style URLs
OLD_AUTH = {"Ocp-Apim-Subscription-Key": OLD}
ME = account_id(KEY)  # the default key's id in /_mock/accounts

INVALID = "Invalid request parameters"
MEDIA_NOT_FOUND = "Media not found"
NO_INPUT = {"error": MEDIA_NOT_FOUND, "message": "the job has no input picture (yet)"}
NO_OUTPUT = {"error": MEDIA_NOT_FOUND, "message": "the job has no output (yet)"}
INPUT_GONE = {"error": MEDIA_NOT_FOUND, "message": "the job's input picture is no longer kept"}
CLOCK_KIND_KEPT = {
    "error": "Conflict",
    "message": (
        "the clock's kind is kept with the state (--state, --store): restart with or "
        "without --manual-clock instead"
    ),
}
STILL_RUNNING = {"detail": "Request is still in progress"}
FORCED = {"detail": "Forced by a mock scenario"}
DEFAULT_FAILED = "The model could not process this input"
DEFAULT_ERROR = "Internal processing error; the request was not charged"


# -- helpers -----------------------------------------------------------------------------------


async def answer(resp: aiohttp.ClientResponse) -> tuple[int, Any]:
    """(status, JSON body) of a response."""
    return resp.status, await resp.json()


async def get(gw: Gw, path: str, **headers: str) -> tuple[int, Any]:
    return await answer(await gw.client.get(path, headers=headers))


def service(gw: Gw) -> Service:
    """The mock's service behind the test client: its change counters are what the
    inspector's feed compares (the feed itself only says "look again")."""
    found: Service = gw.client.server.app[SERVICE]
    return found


async def clock(gw: Gw) -> dict[str, Any]:
    status, body = await get(gw, "/_mock/clock")
    assert status == 200, body
    return dict(body)


def png_data_url(size: tuple[int, int] = (40, 30)) -> str:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 90)).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def fal_path(submitted: dict[str, Any]) -> str:
    """The path of a generation-1 submit's `response_url` (on this very mock)."""
    return "/" + str(submitted["response_url"]).split("/", 3)[3]


async def submit_old(gw: Gw, **headers: str) -> dict[str, Any]:
    """An RMBG submit with the generation-1 key (200 IN_QUEUE, with a `response_url`)."""
    status, body = await gw.submit(RMBG_SUBMIT, {"image_url": CAT}, key=OLD, headers=headers)
    assert status == 200 and body["status"] == "IN_QUEUE", body
    return dict(body)


async def until_processing(gw: Gw, request_id: str) -> None:
    """Advance the clock just past the job's start of processing."""
    plan = await gw.job(request_id)
    now = (await clock(gw))["epoch"]
    await gw.advance(_epoch(plan["processing_at"]) - now + 0.01)


@pytest.fixture
async def old(gw: Gw) -> Gw:
    """The same mock, with a generation-1 key beside the default generation-2 key."""
    await gw.put_key(OLD, balance_usd=10, api_generation=1)
    return gw


# -- a job's pictures (inspector) and the CDN --------------------------------------------------


async def test_a_job_picture_404_says_which_picture_is_missing_and_why(gw: Gw) -> None:
    """Catches a mock whose 404 for a job without an input picture (FIBO), or without an
    output yet (queued, or an RMBG run that failed), says nothing or says it otherwise, and
    one whose unknown job is anything but the control API's 404 naming the id."""
    fibo = (await gw.fibo())["request_id"]
    assert await get(gw, f"/_mock/jobs/{fibo}/input") == (404, NO_INPUT)
    assert await get(gw, f"/_mock/jobs/{fibo}/output") == (404, NO_OUTPUT)
    # A forced failure never reads its input and never has an output, even once ended.
    failed = (await gw.rmbg(**{"X-Mock-Scenario": "fail"}))["request_id"]
    await gw.advance(60)
    assert (await gw.job(failed))["status"] == "FAILED"
    assert await get(gw, f"/_mock/jobs/{failed}/input") == (404, NO_INPUT)
    assert await get(gw, f"/_mock/jobs/{failed}/output") == (404, NO_OUTPUT)
    # The FIBO job has completed meanwhile: its output is there now, its input still not.
    resp = await gw.client.get(f"/_mock/jobs/{fibo}/output")
    assert (resp.status, resp.content_type) == (200, "image/png")
    assert await get(gw, f"/_mock/jobs/{fibo}/input") == (404, NO_INPUT)
    for which in ("input", "output"):
        assert await get(gw, f"/_mock/jobs/nope/{which}") == (
            404,
            {"error": "Request not found", "message": "No request with id 'nope'"},
        )


async def test_an_input_picture_the_store_lost_is_a_404_saying_it_is_no_longer_kept(
    gw: Gw,
) -> None:
    """Catches a mock whose inspector answers a 500 (or a message-less 404) when the content
    store no longer has the bytes a job's input refers to (a store flushed or evicted
    under it): the job is still listed, only its picture is gone."""
    url = png_data_url((40, 30))
    rid = (await gw.rmbg(url))["request_id"]
    await gw.finish(rid)  # the input is read by then (a data: URL is read in a task)
    resp = await gw.client.get(f"/_mock/jobs/{rid}/input")
    assert (resp.status, resp.content_type) == (200, "image/png")
    assert await resp.read() == base64.b64decode(url.split(",", 1)[1]), "the bytes as sent"
    # Stands for the store losing the bytes; nothing the HTTP API offers drops one input.
    service(gw).store.blobs.clear()
    assert await get(gw, f"/_mock/jobs/{rid}/input") == (404, INPUT_GONE)
    assert (await gw.job(rid))["request_id"] == rid, "the job itself is still kept"


async def test_the_cdn_says_a_job_has_no_output_yet_and_knows_no_unknown_job(gw: Gw) -> None:
    """Catches a CDN whose 404 for a job still running says nothing (or talks of an unknown
    job), or whose 404 for an unknown job says more than that the media is not found."""
    rid = (await gw.fibo())["request_id"]
    assert await get(gw, f"/_mock/cdn/v1/{rid}/output.png") == (404, NO_OUTPUT)
    assert await get(gw, "/_mock/cdn/v1/nope/output.png") == (404, {"error": MEDIA_NOT_FOUND})
    await gw.finish(rid)
    resp = await gw.client.get(f"/_mock/cdn/v1/{rid}/output.png")
    assert (resp.status, resp.content_type) == (200, "image/png")


# -- generation 1: the fal-style URLs ----------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "code", "detail"),
    [("fail", 422, DEFAULT_FAILED), ("error", 500, DEFAULT_ERROR)],
    ids=["failed", "error"],
)
async def test_a_failed_runs_fal_result_carries_the_jobs_own_error(
    old: Gw, token: str, code: int, detail: str
) -> None:
    """Catches a mock whose fal result of a FAILED (422) or ERROR (500) run answers a
    generic text instead of the job's error, as the status page and the job list show it."""
    submitted = await submit_old(old, **{"X-Mock-Scenario": token})
    await old.advance(60)
    assert (await old.job(submitted["request_id"]))["error"] == detail
    assert await get(old, fal_path(submitted), **OLD_AUTH) == (code, {"detail": detail})


async def test_a_rules_own_error_is_what_the_fal_result_says(old: Gw) -> None:
    """Catches a mock whose fal result of a run failed by a rule loses the rule's `error`."""
    resp = await old.client.post(
        "/_mock/scenarios", json={"outcome": "FAILED", "error": "Content refused"}
    )
    assert resp.status == 201
    submitted = await submit_old(old)
    await old.advance(60)
    assert await get(old, fal_path(submitted), **OLD_AUTH) == (422, {"detail": "Content refused"})


async def test_a_fal_result_is_in_progress_while_queued_and_while_processing(old: Gw) -> None:
    """Catches a mock whose fal result answers anything but fal's 400 in-progress body while
    the run is queued or processing (a half-made output, or another text)."""
    submitted = await submit_old(old)
    path = fal_path(submitted)
    assert await get(old, path, **OLD_AUTH) == (400, STILL_RUNNING)
    await until_processing(old, submitted["request_id"])
    assert (await get(old, f"{path}/status", **OLD_AUTH))[1]["status"] == "IN_PROGRESS"
    assert await get(old, path, Authorization=f"Key {OLD}") == (400, STILL_RUNNING)


async def test_rules_on_result_match_the_fal_style_urls_and_rules_on_status_do_not(
    old: Gw,
) -> None:
    """Catches a mock whose fal-style URLs match scenario rules under another endpoint
    name than `result` (README: `on: result` is the generation-1 result endpoint and the
    fal-style URLs), so a rule written for them never fires, or one for `status` does."""
    submitted = await submit_old(old)
    rid, path = submitted["request_id"], fal_path(submitted)
    queued = {
        "status": "IN_QUEUE",
        "request_id": rid,
        "response_url": submitted["response_url"],
        "status_url": submitted["response_url"] + "/status",
        "queue_position": 0,
    }
    resp = await old.client.post("/_mock/scenarios", json={"match": {"on": "status"}, "http": 503})
    status_rule = (await resp.json())["id"]
    assert await get(old, f"{path}/status", **OLD_AUTH) == (200, queued)
    assert await get(old, path, **OLD_AUTH) == (400, STILL_RUNNING)
    assert await answer(await old.client.delete(f"/_mock/scenarios/{status_rule}")) == (
        200,
        {"deleted": 1},
    )
    resp = await old.client.post(
        "/_mock/scenarios", json={"match": {"on": "result"}, "http": 503, "times": 2}
    )
    assert resp.status == 201
    for url in (f"{path}/status", path):
        resp = await old.client.get(url, headers=OLD_AUTH)
        assert await answer(resp) == (503, FORCED), url
        assert resp.headers["Retry-After"] == "1", url
    assert await get(old, f"{path}/status", **OLD_AUTH) == (200, queued), "used up: 2 times"
    rules = (await get(old, "/_mock/scenarios"))[1]["scenarios"]
    assert [(r["match"]["on"], r["times"]) for r in rules] == [("result", 0)]


# -- generation 1 on a shared store ------------------------------------------------------------


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.close()


async def test_a_job_one_process_accepted_is_answered_on_the_fal_urls_by_another(
    make_client: MakeClient, redis_server: RedisServer
) -> None:
    """Catches a shared-store mock whose fal-style URLs look the job up in the process's own
    memory only (another process's job is a 404 there), or do not count the lookup in the
    key's window shared by all processes (B's polls come on top of A's submit)."""
    shared = {
        "store": redis_server.url,
        "namespace": f"t-{uuid.uuid4().hex[:12]}",
        "api_generation": 1,
        "keys": (KeyConfig(KEY, Decimal(10), rate_limit=RateLimit(4, 3600)),),
    }
    a = Gw(await make_client(**shared))
    b = Gw(await make_client(**shared))
    status, submitted = await a.submit(RMBG_SUBMIT, {"image_url": CAT})  # 1 in the window
    assert status == 200 and submitted["status"] == "IN_QUEUE", submitted
    rid, path = submitted["request_id"], fal_path(submitted)
    url = submitted["response_url"]
    assert await get(b, f"{path}/status", **AUTH) == (  # 2
        200,
        {
            "status": "IN_QUEUE",
            "request_id": rid,
            "response_url": url,
            "status_url": f"{url}/status",
            "queue_position": 0,
        },
    )
    assert await get(b, path, **AUTH) == (400, STILL_RUNNING)  # 3
    await a.advance(60)  # the control API counts in no key's window
    status, result = await get(b, path, **AUTH)  # 4
    assert status == 200, result
    cdn = url.split("/fal-ai/", 1)[0] + f"/_mock/cdn/v1/{rid}/output.png"
    status, content_type, png = await b.download(cdn)  # the CDN takes no key: no window
    assert (status, content_type) == (200, "image/png")
    width, height = Image.open(io.BytesIO(png)).size
    assert result == {
        "image": {
            "url": cdn,
            "content_type": "image/png",
            "file_name": "output.png",
            "file_size": len(png),
            "width": width,
            "height": height,
        }
    }
    resp = await b.client.get(f"{path}/status", headers=AUTH)  # 5: over the limit of 4
    assert await answer(resp) == (429, {"detail": "Rate limit exceeded, please retry later"})
    assert resp.headers["Retry-After"] == "3540", "the window of A's submit, 60 s ago"


# -- keys and accounts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"balance_usd": -1}, "balance_usd: -1 is less than the minimum of 0"),
        (
            {"rate_limit": {"requests": 0, "per_seconds": 1}},
            "rate_limit.requests: 0 is less than the minimum of 1",
        ),
        ({"colour": "red"}, "Additional properties are not allowed ('colour' was unexpected)"),
    ],
    ids=["balance", "rate-limit", "unknown-field"],
)
async def test_a_bad_field_in_a_key_put_or_account_patch_is_named_as_the_client_sent_it(
    gw: Gw, fields: dict[str, Any], message: str
) -> None:
    """Catches a mock whose key PUT or account PATCH 400 names the field under the config
    loader's prefix (`body: balance_usd: ...`, or the source mis-said) instead of as the
    client sent it, and one that applies anything of a refused body."""
    before = await gw.client.get(f"/_mock/keys/{KEY}")
    expected = (400, {"error": INVALID, "message": message})
    assert await answer(await gw.client.patch(f"/_mock/accounts/{ME}", json=fields)) == expected
    assert await answer(await gw.client.put(f"/_mock/keys/{KEY}", json=fields)) == expected
    assert await answer(await gw.client.put("/_mock/keys/new-key", json=fields)) == expected
    assert await answer(await gw.client.get(f"/_mock/keys/{KEY}")) == (200, await before.json())
    assert await get(gw, "/_mock/keys/new-key") == (404, {"error": "Key not found"})


async def test_an_account_patch_answers_the_whole_view_with_its_id(gw: Gw) -> None:
    """Catches a mock whose PATCH answer lacks a field of the key's view, shows the key, or
    changes a field the body left out."""
    fields = {"balance_usd": "3.5", "models": ["bria-rmbg-2-0-682"], "api_generation": 1}
    assert await answer(await gw.client.patch(f"/_mock/accounts/{ME}", json=fields)) == (
        200,
        {
            "key": "te…",
            "balance_usd": 3.5,
            "models": ["bria-rmbg-2-0-682"],
            "rate_limit": {"requests": 1000, "per_seconds": 1.0},
            "api_generation": 1,
            "id": ME,
        },
    )
    assert await get(gw, "/_mock/accounts") == (
        200,
        {
            "accounts": [
                {
                    "key": "te…",
                    "balance_usd": 3.5,
                    "models": ["bria-rmbg-2-0-682"],
                    "rate_limit": {"requests": 1000, "per_seconds": 1.0},
                    "api_generation": 1,
                    "id": ME,
                    "window_used": 0,
                }
            ]
        },
    )


async def test_deleting_a_key_answers_deleted_true_then_the_key_is_a_404(gw: Gw) -> None:
    """Catches a mock whose key DELETE answers another body, or whose second DELETE, GET or
    PATCH of the gone key is not the JSON 404 `Key not found`."""
    await gw.put_key("temp-key")
    gone_id = account_id("temp-key")
    assert await answer(await gw.client.delete("/_mock/keys/temp-key")) == (200, {"deleted": True})
    not_found = (404, {"error": "Key not found"})
    assert await answer(await gw.client.delete("/_mock/keys/temp-key")) == not_found
    assert await get(gw, "/_mock/keys/temp-key") == not_found
    patched = await gw.client.patch(f"/_mock/accounts/{gone_id}", json={"balance_usd": 1})
    assert await answer(patched) == not_found


# -- the clock ---------------------------------------------------------------------------------


async def test_freezing_a_durable_stores_clock_says_exactly_why_and_what_to_do(
    make_client: MakeClient, tmp_path: Path
) -> None:
    """Catches a mock whose 409 for freezing (or letting run) the clock of a --state store
    does not say that the kind is kept with the state and how to change it."""
    gw = Gw(await make_client(state=str(tmp_path / "state.db")))
    for verb in ("freeze", "unfreeze"):
        assert await answer(await gw.client.post(f"/_mock/clock/{verb}")) == (
            409,
            CLOCK_KIND_KEPT,
        ), verb


async def test_the_clock_and_an_advance_answer_now_epoch_and_manual(gw: Gw) -> None:
    """Catches a mock whose clock or advance answer leaves out a field, or whose advance
    answers the time before it moved."""
    before = await clock(gw)
    assert set(before) == {"now", "epoch", "manual"} and before["manual"] is True
    after = await gw.advance(90)
    assert after == {"now": after["now"], "epoch": before["epoch"] + 90, "manual": True}
    assert _epoch(after["now"]) == pytest.approx(before["epoch"] + 90)
    assert await clock(gw) == after


async def test_freezing_or_letting_the_clock_run_is_one_change_each(gw: Gw) -> None:
    """Catches a mock whose freeze or unfreeze does not count as one change of the state the
    inspector shows (the change counter set, lowered or moved by two instead of one more:
    a page would miss that the clock's kind changed, or a later edit)."""
    svc = service(gw)
    await gw.put_key("other-key")  # an edit first: the counter is not where it started
    before = svc.changes()
    assert before[0] == 1
    frozen = await answer(await gw.client.post("/_mock/clock/freeze"))
    assert frozen == (200, {"now": frozen[1]["now"], "epoch": before[-1], "manual": True})
    assert svc.changes() == (before[0] + 1, *before[1:]), "only the edit count moved"
    running = await answer(await gw.client.post("/_mock/clock/unfreeze"))
    assert running[0] == 200 and running[1]["manual"] is False
    after = svc.changes()
    assert after[:-1] == (before[0] + 2, *before[1:-1])


async def test_the_change_feed_speaks_when_the_clock_is_frozen_after_another_edit(
    gw: Gw,
) -> None:
    """Catches a mock whose freeze leaves the change counter where an earlier edit put it:
    the inspector's feed stays silent, and its page keeps showing a running clock."""
    await gw.put_key("other-key")
    async with gw.client.get("/_mock/changes") as resp:
        first = await next_event(resp, 1.0)
        assert first == {"now": (await clock(gw))["now"], "manual": True, "jobs": 0}
        assert (await gw.client.post("/_mock/clock/freeze")).status == 200
        assert await next_event(resp, 1.0) == first, "said again: look again"


async def test_every_control_write_is_exactly_one_change(gw: Gw) -> None:
    """Catches a control write that the change counter misses (or counts twice): the
    inspector's feed, which compares it, would not tell the page to look again."""
    svc = service(gw)
    rule = (await (await gw.client.post("/_mock/scenarios", json={"latency_ms": 1})).json())["id"]
    writes = [
        ("PUT", "/_mock/keys/other-key", {"balance_usd": 1}),
        ("PATCH", f"/_mock/accounts/{ME}", {"balance_usd": 2}),
        ("DELETE", "/_mock/keys/other-key", None),
        ("POST", "/_mock/scenarios", {"latency_ms": 2}),
        ("DELETE", f"/_mock/scenarios/{rule}", None),
        ("DELETE", "/_mock/scenarios", None),
        ("POST", "/_mock/clock/advance", {"seconds": 1}),
        ("POST", "/_mock/clock/freeze", None),
        ("POST", "/_mock/reset", None),
    ]
    for method, path, body in writes:
        before = svc.changes()[0]
        resp = await gw.client.request(method, path, json=body)
        assert resp.status in (200, 201), (method, path, await resp.text())
        assert svc.changes()[0] == before + 1, (method, path)


# -- scenario rules ----------------------------------------------------------------------------


async def test_deleting_one_rule_answers_deleted_1_and_an_unknown_rule_is_a_404(gw: Gw) -> None:
    """Catches a mock whose one-rule DELETE answers another body (another key, another
    count), whose unknown rule is not the JSON 404 `Scenario rule not found`, or whose
    clear-all counts the rules wrong."""
    created = await answer(
        await gw.client.post(
            "/_mock/scenarios",
            json={"match": {"model": "bria-fibo-bbq-preview"}, "http": 503, "times": 2},
        )
    )
    assert created == (
        201,
        {
            "id": created[1]["id"],
            "match": {
                "key": None,
                "model": "bria-fibo-bbq-preview",
                "input_contains": None,
                "on": None,
            },
            "outcome": None,
            "error": None,
            "http": 503,
            "latency_ms": 0,
            "flags": [],
            "fault": None,
            "probability": None,
            "times": 2,
        },
    )
    rule = created[1]
    assert await get(gw, "/_mock/scenarios") == (200, {"scenarios": [rule]})
    deleted = await gw.client.delete(f"/_mock/scenarios/{rule['id']}")
    assert await answer(deleted) == (200, {"deleted": 1})
    again = await gw.client.delete(f"/_mock/scenarios/{rule['id']}")
    assert await answer(again) == (404, {"error": "Scenario rule not found"})
    assert await get(gw, "/_mock/scenarios") == (200, {"scenarios": []})
    for effect in ({"http": 500}, {"latency_ms": 1}):
        assert (await gw.client.post("/_mock/scenarios", json=effect)).status == 201
    assert await answer(await gw.client.delete("/_mock/scenarios")) == (200, {"deleted": 2})
    assert await answer(await gw.client.delete("/_mock/scenarios")) == (200, {"deleted": 0})


async def test_the_vocabulary_is_exactly_the_words_a_rule_may_use(gw: Gw) -> None:
    """Catches a vocabulary that drops a fault token, offers another slow-fault limit than
    the rules accept, or lists endpoints, outcomes or statuses out of order."""
    assert await get(gw, "/_mock/vocabulary") == (
        200,
        {
            "outcomes": ["FAILED", "ERROR"],
            "flags": [
                "timestamps-mixed",
                "webhook-delay",
                "webhook-drop",
                "webhook-duplicate",
                "webhook-out-of-order",
            ],
            "faults": [
                "fault-reset",
                "fault-empty",
                "fault-truncated",
                "fault-garbage",
                "fault-hang",
                "fault-slow-<ms>",
                "fault-after-accept",
            ],
            "max_slow_ms": 600000,
            "on": ["submit", "status", "result", "cdn"],
            "models": ["bria-fibo-bbq-preview", "bria-rmbg-2-0-682"],
            "statuses": ["QUEUED", "PROCESSING", "COMPLETED", "FAILED", "ERROR"],
        },
    )


# -- health, reset ----------------------------------------------------------------------------


async def test_health_and_reset_answer_their_documented_bodies(gw: Gw) -> None:
    """Catches a mock whose health leaves out a documented field or counts jobs wrong, or
    whose reset answers anything but `reset` and the clock's time."""
    await gw.fibo()
    now = (await clock(gw))["now"]
    assert await get(gw, "/_mock/health") == (
        200,
        {
            "status": "ok",
            "version": __version__,
            "now": now,
            "manual_clock": True,
            "api_generation": 2,
            "jobs": 1,
            "store": "memory",
        },
    )
    reset = await answer(await gw.client.post("/_mock/reset"))
    assert reset == (200, {"status": "reset", "now": (await clock(gw))["now"]})
    assert (await get(gw, "/_mock/health"))[1]["jobs"] == 0


# -- jobs and their story ----------------------------------------------------------------------


async def test_the_job_list_names_its_bad_query_and_an_unknown_account_matches_nothing(
    gw: Gw,
) -> None:
    """Catches a mock whose bad `status` or `generation` filter is not a 400 naming the
    field and what it may be, or whose unknown account id lists jobs or miscounts."""
    await gw.fibo()
    assert await get(gw, "/_mock/jobs?status=DONE") == (
        400,
        {
            "error": INVALID,
            "message": (
                "status: must be one of ['QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'ERROR']"
            ),
            "field": "status",
        },
    )
    assert await get(gw, "/_mock/jobs?generation=3") == (
        400,
        {"error": INVALID, "message": "generation: must be 1 or 2", "field": "generation"},
    )
    assert await get(gw, "/_mock/jobs?account=0123456789abcdef") == (
        200,
        {"jobs": [], "total": 1, "matched": 0},
    )
    unknown = (404, {"error": "Request not found", "message": "No request with id 'nope'"})
    assert await get(gw, "/_mock/jobs/nope") == unknown
    assert await get(gw, "/_mock/jobs/nope/story") == unknown


async def test_a_jobs_story_names_its_key_by_the_label_the_job_list_uses(
    make_client: MakeClient, tmp_path: Path
) -> None:
    """Catches a story whose job is shown under another key label than the job list's: a
    durable store keeps only a digest of the key, and a label redacted from that digest
    (`sha2…`) matches no key the user knows, nor the story's own job list entry."""
    gw = Gw(await make_client(state=str(tmp_path / "state.db")))
    rid = (await gw.fibo())["request_id"]
    listed = await gw.job(rid)
    assert listed["key"] == "te…"
    status, told = await get(gw, f"/_mock/jobs/{rid}/story")
    assert status == 200, told
    assert told["job"] == listed
    assert (told["now"], told["input"], told["output"]) == ((await clock(gw))["now"], None, False)
    assert (told["deliveries"], told["events"], told["curl"]["callbacks"]) == ([], [], {})
    # The key deleted: its jobs keep the label it had.
    assert (await gw.client.delete(f"/_mock/keys/{KEY}")).status == 200
    assert (await get(gw, f"/_mock/jobs/{rid}/story"))[1]["job"]["key"] == "te…"


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


async def test_a_jobs_story_lists_its_own_callbacks_only(
    make_client: MakeClient, ca: trustme.CA, tmp_path: Path, aiohttp_server: Any
) -> None:
    """Catches a story that lists every job's callback attempts (and curl lines for them)
    instead of the attempts of the job it tells."""
    hook = Receiver()
    server = await aiohttp_server(hook.app, ssl=server_context(ca))
    url = str(server.make_url("/hook"))
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    gw = Gw(await make_client(webhook_ca=str(ca_file), webhook_timeout_seconds=2))
    ids = []
    for prompt in ("a lighthouse", "a harbour"):
        status, body = await gw.submit(
            FIBO_SUBMIT, {"prompt": prompt}, headers={"X-Webhook-URL": url}
        )
        assert status == 202, body
        ids.append(body["request_id"])
    await gw.advance(600)
    assert sorted(b["request_id"] for b in hook.bodies) == sorted(ids), "one callback each"
    for rid in ids:
        told = (await get(gw, f"/_mock/jobs/{rid}/story"))[1]
        logged = (await get(gw, f"/_mock/webhooks?request_id={rid}"))[1]["deliveries"]
        assert len(logged) == 1 and logged[0]["request_id"] == rid
        assert told["deliveries"] == logged
        (attempt,) = logged
        assert list(told["curl"]["callbacks"]) == [f"{attempt['delivery_id']}/1"]


# -- the gateway's own routing -----------------------------------------------------------------


async def test_a_real_models_made_up_endpoint_is_the_plain_404_and_charges_nothing(
    gw: Gw,
) -> None:
    """Catches a mock that answers a known model's unknown submit or result endpoint with
    anything but the gateway's plain 404 (routing fails before the key is looked at), or
    charges for it."""
    before = await gw.balance()
    for path in (
        "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-x-request",
        "/bria-rmbg-2-0-682/v1/bria-fibo-bbq-preview-request",
        "/bria-rmbg-2-0-682/v1/bria-fibo-bbq-preview-request-result",
    ):
        resp = await gw.client.post(path, json={"prompt": "a fox", "request_id": "x"})
        assert await answer(resp) == (404, {"error": "Endpoint not found"}), path
        resp = await gw.client.post(path, json={"prompt": "a fox"}, headers=AUTH)
        assert await answer(resp) == (404, {"error": "Endpoint not found"}), path
    assert await gw.balance() == before
