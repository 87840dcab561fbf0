"""The control routes the inspector reads (/_mock/jobs filters and paging, a job's story, its
pictures, accounts by id, freezing the clock, the rule vocabulary, the change feed) and its
page: each test says in its docstring which broken mock it catches."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shlex
import ssl
import struct
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import trustme
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import pixazo_schemas as schemas
from mock_gateway.app import create_app
from mock_gateway.core.catalog import DEFAULT_MODELS
from mock_gateway.core.scenarios import FLAGS
from mock_gateway.http.openapi import document
from mock_gateway.settings import Settings
from tests.conftest import AUTH, FIBO_SUBMIT, KEY, Gw, MakeClient, _epoch
from tests.http.test_openapi_document import answer_pointer, validator_for

TOKEN = "inspector-admin-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
FIBO_PRICE = 0.04


def errors(name: str, body: Any) -> list[str]:
    return [e.message for e in schemas.validator(name).iter_errors(body)]


async def get(client: TestClient[Any, Any], path: str, **headers: str) -> Any:
    resp = await client.get(path, headers=headers)
    assert resp.status == 200, (path, await resp.text())
    return await resp.json()


async def story(gw: Gw, request_id: str) -> dict[str, Any]:
    body: dict[str, Any] = await get(gw.client, f"/_mock/jobs/{request_id}/story")
    assert errors("control/job_story", body) == [], body
    return body


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# -- /_mock/jobs: filters, counts, paging ----------------------------------------------------


async def test_paging_by_offset_gives_the_fourth_to_sixth_newest_of_seven(gw: Gw) -> None:
    """Catches a mock that ignores `offset` (the first page again), counts `matched` on the
    page only, or pages oldest first."""
    ids = [(await gw.fibo(seed=n))["request_id"] for n in range(7)]
    newest_first = ids[::-1]
    page = await get(gw.client, "/_mock/jobs?limit=3&offset=3")
    assert errors("control/job_list", page) == []
    assert [j["request_id"] for j in page["jobs"]] == newest_first[3:6]
    assert (page["total"], page["matched"]) == (7, 7)
    last = await get(gw.client, "/_mock/jobs?limit=3&offset=6")
    assert [j["request_id"] for j in last["jobs"]] == newest_first[6:]
    beyond = await get(gw.client, "/_mock/jobs?limit=3&offset=7")
    assert (beyond["jobs"], beyond["total"], beyond["matched"]) == ([], 7, 7)
    filtered = await get(gw.client, "/_mock/jobs?model=bria-fibo-bbq-preview&limit=2&offset=1")
    assert [j["request_id"] for j in filtered["jobs"]] == newest_first[1:3]
    assert (filtered["total"], filtered["matched"]) == (7, 7), "a filter counts past the page"
    for bad in ("offset=-1", "offset=x", "generation=3", "generation=0", "limit=1.5"):
        resp = await gw.client.get(f"/_mock/jobs?{bad}")
        assert resp.status == 400 and (await resp.json())["field"], bad


async def test_jobs_filter_by_key_generation_status_and_model(gw: Gw) -> None:
    """Catches a mock whose `key`, `generation`, `status` or `model` filter is ignored or
    matches the wrong jobs, or whose `matched` counts all jobs instead of the fitting ones."""
    await gw.put_key("old-key", api_generation=1)
    await gw.put_key("other-key")
    mine = [(await gw.fibo())["request_id"] for _ in range(2)]
    cutout = (await gw.rmbg(**{"X-Mock-Scenario": "fail"}))["request_id"]
    status, old = await gw.submit(FIBO_SUBMIT, {"prompt": "a fox"}, key="old-key")
    assert status == 200, old  # generation 1: IN_QUEUE
    status, other = await gw.submit(FIBO_SUBMIT, {"prompt": "an owl"}, key="other-key")
    assert status == 202, other
    await gw.put_key("team-a-key")  # "te…" too, like KEY: a label cannot tell them apart
    status, alike = await gw.submit(FIBO_SUBMIT, {"prompt": "a hare"}, key="team-a-key")
    assert status == 202, alike
    listed = (await get(gw.client, "/_mock/jobs"))["jobs"]
    labels = {j["request_id"]: j["account_id"] for j in listed}
    assert len(set(labels.values())) == 4 and KEY not in str(listed)
    accounts = (await get(gw.client, "/_mock/accounts"))["accounts"]
    assert set(labels.values()) == {a["id"] for a in accounts}
    assert labels[alike["request_id"]] != labels[mine[0]]
    assert {j["key"] for j in listed if j["request_id"] in (alike["request_id"], mine[0])} == {
        "te…"
    }

    async def ids(query: str) -> tuple[list[str], int, int]:
        body = await get(gw.client, f"/_mock/jobs?{query}")
        assert errors("control/job_list", body) == []
        return [j["request_id"] for j in body["jobs"]], body["matched"], body["total"]

    key = labels[mine[0]]
    assert await ids(f"account={key}") == ([cutout, *mine[::-1]], 3, 6)
    assert await ids(f"account={labels[other['request_id']]}") == ([other["request_id"]], 1, 6)
    assert await ids(f"account={labels[alike['request_id']]}") == ([alike["request_id"]], 1, 6)
    assert await ids("generation=1") == ([old["request_id"]], 1, 6)
    gen2 = await ids("generation=2")
    assert set(gen2[0]) == {*mine, cutout, other["request_id"], alike["request_id"]}
    assert gen2[1:] == (5, 6)
    assert await ids("model=bria-rmbg-2-0-682") == ([cutout], 1, 6)
    assert await ids(f"account={key}&model=bria-fibo-bbq-preview&generation=2&limit=1") == (
        [mine[1]],
        2,
        6,
    )
    assert await ids("status=FAILED") == ([], 0, 6), "nothing has ended yet"
    await gw.advance(600)  # every job has ended: one FAILED, the others COMPLETED
    assert await ids("status=FAILED") == ([cutout], 1, 6)
    assert await ids(f"status=COMPLETED&account={key}") == (mine[::-1], 2, 6)
    assert await ids("account=nobody") == ([], 0, 6)


async def test_job_summaries_carry_the_status_pages_updated_and_completed_times(gw: Gw) -> None:
    """Catches a mock whose job summary lacks `updated_at`/`completed_at`, or whose times are
    not those of the job's status changes (the status page's, which writes them in its own
    form)."""
    rid = (await gw.fibo())["request_id"]
    queued = await gw.job(rid)
    assert queued["status"] == "QUEUED"
    assert (queued["updated_at"], queued["completed_at"]) == (queued["created_at"], None)
    now = (await get(gw.client, "/_mock/clock"))["epoch"]
    await gw.advance(_epoch(queued["processing_at"]) - now + 0.001)
    processing = await gw.job(rid)
    assert processing["status"] == "PROCESSING"
    assert (processing["updated_at"], processing["completed_at"]) == (
        queued["processing_at"],
        None,
    )
    page = await gw.finish(rid)
    done = await gw.job(rid)
    assert done["status"] == "COMPLETED"
    assert done["updated_at"] == done["completed_at"] == done["ends_at"]
    for field in ("updated_at", "completed_at"):
        assert 0 <= _epoch(page[field]) - _epoch(done[field]) < 1, "the same instant"


# -- a job's story ---------------------------------------------------------------------------


class RawReceiver:
    """A webhook endpoint keeping each callback's bytes and headers exactly as they came."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str]]] = []
        self.app = web.Application()
        self.app.router.add_post("/hook", self.hook)

    async def hook(self, request: web.Request) -> web.Response:
        self.received.append((await request.text(), dict(request.headers)))
        return web.Response(status=200)


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def raw_receiver(ca: trustme.CA, aiohttp_server: Any) -> tuple[RawReceiver, str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    hook = RawReceiver()
    server: TestServer = await aiohttp_server(hook.app, ssl=context)
    return hook, str(server.make_url("/hook"))


@pytest.fixture
async def hooked(make_client: MakeClient, ca: trustme.CA, tmp_path: Path) -> Gw:
    """A mock that trusts the receiver's CA."""
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return Gw(await make_client(webhook_ca=str(ca_file), webhook_timeout_seconds=2))


async def test_a_dropped_callbacks_story_shows_both_attempts_and_replays_them_exactly(
    hooked: Gw, raw_receiver: tuple[RawReceiver, str]
) -> None:
    """Catches a mock whose story leaves out callback attempts, gives the retry another
    delivery id, logs no body (or another body than the one sent), or writes curl lines
    without the delivery id and attempt headers, or with another URL or body."""
    hook, url = raw_receiver
    headers = {"X-Webhook-URL": url, "X-Mock-Scenario": "webhook-drop"}
    status, answer = await hooked.submit(FIBO_SUBMIT, {"prompt": "a lighthouse"}, headers=headers)
    assert status == 202, answer
    rid = answer["request_id"]
    await hooked.finish(rid)
    await hooked.advance(10)  # the retry after the lost first attempt
    assert len(hook.received) == 1, "the first attempt was dropped, the second delivered"
    sent, sent_headers = hook.received[0]

    told = await story(hooked, rid)
    assert told["job"]["request_id"] == rid and told["job"]["status"] == "COMPLETED"
    assert told["shaped_by"]["flags"] == ["webhook-drop"]
    first, second = told["deliveries"]
    assert (first["attempt"], first["outcome"]) == (1, "dropped")
    assert (second["attempt"], second["outcome"], second["http_status"]) == (2, "delivered", 200)
    delivery_id = first["delivery_id"]
    assert second["delivery_id"] == delivery_id == sent_headers["X-Webhook-Delivery-Id"]
    assert sent_headers["X-Webhook-Attempt"] == "2"
    assert first["body"] == second["body"] == sent, "the body as sent, the same on each attempt"
    assert json.loads(sent)["status"] == "COMPLETED"
    assert told["events"] == [], "nothing left to do"

    callbacks = told["curl"]["callbacks"]
    assert set(callbacks) == {f"{delivery_id}/1", f"{delivery_id}/2"}
    words = shlex.split(callbacks[f"{delivery_id}/2"])
    assert words[:5] == ["curl", "-sS", "-X", "POST", url]
    flagged = [words[i + 1] for i, word in enumerate(words) if word == "-H"]
    replayed = dict(h.split(": ", 1) for h in flagged)
    assert replayed["X-Webhook-Delivery-Id"] == delivery_id
    assert replayed["X-Webhook-Attempt"] == "2"
    assert replayed["Content-Type"] == sent_headers["Content-Type"]
    assert words[-2:] == ["--data-raw", sent], "the exact bytes the receiver got"
    assert "X-Webhook-Attempt: 1" in shlex.split(callbacks[f"{delivery_id}/1"])
    poll = shlex.split(told["curl"]["status"])
    assert poll[2].endswith(f"/v2/requests/status/{rid}")
    assert (
        "Ocp-Apim-Subscription-Key: $PIXAZO_API_KEY" in poll and KEY not in told["curl"]["status"]
    )
    journal = [(e["method"], e["status"], e["request_id"]) for e in told["journal"]]
    assert journal == [("POST", 202, rid), ("GET", 200, rid)], "the submit, then one poll"


async def test_an_error_jobs_refund_is_pending_until_its_end_then_refunded_to_the_wallet(
    gw: Gw,
) -> None:
    """Catches a mock whose story shows no refund for an ERROR job, calls it refunded before
    the end (or pending after), refunds a FAILED or COMPLETED job, or never gives the price
    back to the wallet."""
    status, job = await gw.submit(
        FIBO_SUBMIT, {"prompt": "a kite"}, headers={"X-Mock-Scenario": "error"}
    )
    assert status == 202, job
    rid = job["request_id"]
    assert await gw.balance() == pytest.approx(100 - FIBO_PRICE)
    before = await story(gw, rid)
    plan = before["job"]
    assert before["money"] == {
        "charged_usd": FIBO_PRICE,
        "charged_at": plan["created_at"],
        "refund": {"amount_usd": FIBO_PRICE, "at": plan["ends_at"], "state": "pending"},
    }
    assert [e["kind"] for e in before["events"]] == ["refund"]
    assert before["shaped_by"]["forced_outcome"] == "ERROR" and before["shaped_by"]["error"]
    await gw.finish(rid)
    after = await story(gw, rid)
    assert after["job"]["status"] == "ERROR"
    assert after["money"]["refund"] == {**before["money"]["refund"], "state": "refunded"}
    assert after["events"] == []
    assert await gw.balance() == pytest.approx(100.0), "the wallet got the price back"

    failed = (await gw.fibo(**{"prompt": "x"}))["request_id"]
    resp = await gw.client.post(
        FIBO_SUBMIT, json={"prompt": "y"}, headers={**AUTH, "X-Mock-Scenario": "fail"}
    )
    refused = (await resp.json())["request_id"]
    await gw.advance(600)
    for other in (failed, refused):
        money = (await story(gw, other))["money"]
        assert money["refund"] is None and money["charged_usd"] == FIBO_PRICE
    assert await gw.balance() == pytest.approx(100 - 2 * FIBO_PRICE)


async def test_a_rule_that_fails_a_job_is_named_in_its_story_with_its_view(gw: Gw) -> None:
    """Catches a mock whose story leaves out the rule that shaped a job (or its view), names
    a rule for a job it did not match, or shows no forced outcome and error."""
    resp = await gw.client.post(
        "/_mock/scenarios",
        json={"match": {"input_contains": "volcano"}, "outcome": "FAILED", "error": "Refused"},
    )
    rule = await resp.json()
    hit = (await gw.fibo(prompt="a volcano at dusk"))["request_id"]
    miss = (await gw.fibo(prompt="a quiet lake"))["request_id"]
    assert (await gw.finish(hit))["status"] == "FAILED"
    shaped = (await story(gw, hit))["shaped_by"]
    assert shaped == {
        "rules": [rule["id"]],
        "flags": [],
        "forced_outcome": "FAILED",
        "error": "Refused",
        "rule_views": [rule],
    }
    assert (await story(gw, miss))["shaped_by"] == {
        "rules": [],
        "flags": [],
        "forced_outcome": None,
        "error": None,
        "rule_views": [],
    }
    await gw.client.delete(f"/_mock/scenarios/{rule['id']}")
    gone = (await story(gw, hit))["shaped_by"]
    assert (gone["rules"], gone["rule_views"]) == ([rule["id"]], []), "a deleted rule: id only"
    resp = await gw.client.get("/_mock/jobs/nope/story")
    assert resp.status == 404 and (await resp.json())["error"] == "Request not found"


def test_the_storys_entries_are_described_as_the_logs_they_come_from() -> None:
    """Catches a story schema that drifts from the journal, webhook log and events schemas
    it copies (a schema file can only refer to a whole file, not to a list's items)."""
    story_schema = schemas.source("control/job_story")["properties"]
    copies = {
        "journal": schemas.source("control/journal")["properties"]["requests"],
        "deliveries": schemas.source("control/webhook_log")["properties"]["deliveries"],
        "events": schemas.source("control/events")["properties"]["events"],
    }
    # the story's journal lines say what each answer told the client besides
    journal = copies["journal"]["items"]
    copies["journal"] = {
        "items": journal
        | {
            "required": [*journal["required"], "job_status"],
            "properties": journal["properties"]
            | {"job_status": story_schema["journal"]["items"]["properties"]["job_status"]},
        }
    }
    for name, original in copies.items():
        assert story_schema[name]["items"] == original["items"], name


# -- pictures --------------------------------------------------------------------------------


async def test_an_rmbg_jobs_input_is_the_sample_and_its_output_comes_once_completed(
    gw: Gw,
) -> None:
    """Catches a mock that serves no input picture (or another one), an output before the
    job is COMPLETED, a non-JSON 404, or a wrong content type."""
    sample = (await get(gw.client, "/_mock/samples"))["samples"][0]
    rid = (await gw.rmbg(sample["url"]))["request_id"]
    told = await story(gw, rid)
    assert (told["input"], told["output"]) == ("sample", False)
    resp = await gw.client.get(f"/_mock/jobs/{rid}/input")
    assert (resp.status, resp.content_type) == (200, "image/png")
    data = await resp.read()
    assert data == (await gw.download(sample["url"]))[2], "the sample itself"
    resp = await gw.client.get(f"/_mock/jobs/{rid}/output")
    assert resp.status == 404 and (await resp.json())["error"] == "Media not found"
    await gw.finish(rid)
    assert (await story(gw, rid))["output"] is True
    resp = await gw.client.get(f"/_mock/jobs/{rid}/output")
    assert (resp.status, resp.content_type) == (200, "image/png")
    output = await resp.read()
    assert png_size(output) == (sample["width"], sample["height"])
    cdn = await gw.client.get(f"/_mock/cdn/v1/{rid}/output.png")
    assert output == await cdn.read(), "the CDN's picture"
    fibo = (await gw.fibo())["request_id"]
    assert (await story(gw, fibo))["input"] is None
    resp = await gw.client.get(f"/_mock/jobs/{fibo}/input")
    assert resp.status == 404 and (await resp.json())["error"] == "Media not found"
    resp = await gw.client.get("/_mock/jobs/nope/output")
    assert resp.status == 404 and (await resp.json())["error"] == "Request not found"


# -- accounts ----------------------------------------------------------------------------------


def account_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


async def accounts(gw: Gw) -> dict[str, dict[str, Any]]:
    body = await get(gw.client, "/_mock/accounts")
    assert errors("control/account_list", body) == []
    return {a["id"]: a for a in body["accounts"]}


async def test_accounts_list_each_key_redacted_by_id_with_its_window_usage(gw: Gw) -> None:
    """Catches a mock whose account list shows a full key, leaves a key out, names it by
    another id, or counts the rate-limit window wrong (or not on the simulated clock)."""
    await gw.put_key("limited-key", rate_limit={"requests": 5, "per_seconds": 60})
    await gw.put_key("free-key", rate_limit=None)
    for _ in range(3):
        await gw.submit(FIBO_SUBMIT, {"prompt": "a fox"}, key="limited-key")
    listed = await accounts(gw)
    assert set(listed) == {account_id(k) for k in (KEY, "limited-key", "free-key")}
    limited = listed[account_id("limited-key")]
    assert limited["window_used"] == 3
    assert limited["rate_limit"] == {"requests": 5, "per_seconds": 60.0}
    assert limited["balance_usd"] == pytest.approx(100 - 3 * FIBO_PRICE)
    assert listed[account_id("free-key")]["window_used"] is None, "no limit, no window"
    text = json.dumps(listed)
    assert "limited-key" not in text and "free-key" not in text and KEY not in text
    await gw.advance(61)
    assert (await accounts(gw))[account_id("limited-key")]["window_used"] == 0


async def test_patching_an_account_by_id_sets_its_balance_and_the_next_submit_follows(
    gw: Gw,
) -> None:
    """Catches a mock whose PATCH changes nothing (or another key), answers without the id,
    or leaves the wallet check on the old balance."""
    me = account_id(KEY)
    resp = await gw.client.patch(f"/_mock/accounts/{me}", json={"balance_usd": "0.01"})
    assert resp.status == 200
    view = await resp.json()
    assert errors("control/account_view", view) == []
    assert (view["id"], view["balance_usd"]) == (me, 0.01)
    assert await gw.balance() == 0.01
    status, body = await gw.submit(FIBO_SUBMIT, {"prompt": "a fox"})
    assert status == 402, body
    resp = await gw.client.patch(f"/_mock/accounts/{me}", json={"balance_usd": 1})
    assert (await resp.json())["balance_usd"] == 1.0
    status, body = await gw.submit(FIBO_SUBMIT, {"prompt": "a fox"})
    assert status == 202, body
    assert await gw.balance() == pytest.approx(1 - FIBO_PRICE)
    resp = await gw.client.patch(f"/_mock/accounts/{me}", json={"balance_usd": -1})
    assert resp.status == 400 and "balance_usd" in (await resp.json())["message"]
    assert await gw.balance() == pytest.approx(1 - FIBO_PRICE), "a bad body changes nothing"


async def test_patching_an_unknown_account_id_is_a_404_in_json(gw: Gw) -> None:
    """Catches a mock that creates a key for an unknown id, or answers a non-JSON 404."""
    resp = await gw.client.patch("/_mock/accounts/0123456789abcdef", json={"balance_usd": 5})
    assert resp.status == 404 and await resp.json() == {"error": "Key not found"}
    assert len(await accounts(gw)) == 1


# -- clock, vocabulary -------------------------------------------------------------------------


async def test_freezing_a_running_clock_stops_it_and_unfreezing_goes_on_from_there(
    make_client: MakeClient,
) -> None:
    """Catches a mock whose frozen clock still runs, or whose unfrozen clock jumps by the
    time it was frozen (or back to the wall clock) instead of going on from the same instant."""
    client = await make_client(manual_clock=False)
    frozen = await (await client.post("/_mock/clock/freeze")).json()
    assert errors("control/clock", frozen) == [] and frozen["manual"] is True
    await asyncio.sleep(0.3)
    still = await get(client, "/_mock/clock")
    assert (still["epoch"], still["manual"]) == (frozen["epoch"], True)
    assert (await get(client, "/_mock/health"))["manual_clock"] is True
    again = await (await client.post("/_mock/clock/freeze")).json()
    assert again["epoch"] == frozen["epoch"], "freezing a frozen clock changes nothing"
    running = await (await client.post("/_mock/clock/unfreeze")).json()
    assert running["manual"] is False
    assert 0 <= running["epoch"] - frozen["epoch"] < 0.1, "no jump over the frozen time"
    await asyncio.sleep(0.3)
    later = (await get(client, "/_mock/clock"))["epoch"]
    assert 0.25 <= later - frozen["epoch"] < 1.5, "it runs again, at wall-clock pace"


async def test_freezing_a_durable_stores_clock_is_a_409_in_json(
    make_client: MakeClient, tmp_path: Path
) -> None:
    """Catches a mock that swaps the clock of a --state store (whose kind is kept with it)."""
    client = await make_client(state=str(tmp_path / "state.db"))
    before = await get(client, "/_mock/clock")
    for verb in ("freeze", "unfreeze"):
        resp = await client.post(f"/_mock/clock/{verb}")
        assert resp.status == 409, verb
        body = await resp.json()
        assert body["error"] == "Conflict" and "--state" in body["message"]
    assert await get(client, "/_mock/clock") == before


async def test_the_vocabulary_lists_exactly_the_words_a_rule_may_use(gw: Gw) -> None:
    """Catches a vocabulary that misses a flag or offers one the rules refuse."""
    body = await get(gw.client, "/_mock/vocabulary")
    assert errors("control/vocabulary", body) == []
    assert body["flags"] == sorted(FLAGS)
    assert body["models"] == sorted(DEFAULT_MODELS)
    assert body["outcomes"] == ["FAILED", "ERROR"]
    assert body["on"] == ["submit", "status", "result", "cdn"]
    assert body["statuses"] == ["QUEUED", "PROCESSING", "COMPLETED", "FAILED", "ERROR"]
    for flag in body["flags"]:
        resp = await gw.client.post("/_mock/scenarios", json={"flags": [flag]})
        assert resp.status == 201, flag
    for fault in body["faults"]:
        word = fault.replace("<ms>", str(body["max_slow_ms"]))
        resp = await gw.client.post("/_mock/scenarios", json={"fault": word})
        assert resp.status == 201, word
    for outcome in body["outcomes"]:
        resp = await gw.client.post("/_mock/scenarios", json={"outcome": outcome})
        assert resp.status == 201, outcome


# -- the change feed -------------------------------------------------------------------------


async def next_event(resp: aiohttp.ClientResponse, within: float) -> dict[str, Any]:
    """The next `event: change`'s data, read within `within` seconds (comments skipped)."""
    async with asyncio.timeout(within):
        while True:
            block = (await resp.content.readuntil(b"\n\n")).decode()
            lines = block.strip().split("\n")
            if lines[0].startswith(":"):
                continue
            assert lines[0] == "event: change" and lines[1].startswith("data: "), block
            data: dict[str, Any] = json.loads(lines[1].removeprefix("data: "))
            return data


async def test_the_change_feed_speaks_at_once_then_within_a_second_of_a_submit(gw: Gw) -> None:
    """Catches a feed that stays silent after a change, or speaks every look on a manual
    clock when nothing changed."""
    async with gw.client.get("/_mock/changes") as resp:
        assert resp.status == 200 and resp.content_type == "text/event-stream"
        first = await next_event(resp, 1.0)
        clock = await get(gw.client, "/_mock/clock")
        assert first == {"now": clock["now"], "manual": True, "jobs": 0}
        with pytest.raises(TimeoutError):
            await next_event(resp, 0.5)  # nothing changed: nothing said
        started = time.monotonic()
        await gw.fibo()
        changed = await next_event(resp, 1.0)
        assert changed["jobs"] == 1 and time.monotonic() - started < 1.0
        await gw.advance(5)
        moved = await next_event(resp, 1.0)
        assert _epoch(moved["now"]) == pytest.approx(_epoch(first["now"]) + 5, abs=0.002)


async def test_the_change_feed_ends_when_the_mock_shuts_down() -> None:
    """Catches a feed that outlives the app: the server's cleanup would wait for it (aiohttp
    gives open handlers a minute) instead of ending it at once."""
    app = create_app(Settings(manual_clock=True, access_log=False))
    server = TestServer(app)
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        resp = await session.get(server.make_url("/_mock/changes"))
        await next_event(resp, 1.0)
        started = time.monotonic()
        await asyncio.wait_for(server.close(), 5.0)
        took = time.monotonic() - started
        assert took < 1.5, f"shutdown with an open feed took {took:.2f} s"
        async with asyncio.timeout(1.0):
            rest = await resp.content.read()  # the stream has ended, not hung
        assert rest == b"" and resp.content.at_eof()
        resp.release()


# -- the admin token and the page -------------------------------------------------------------


async def test_with_an_admin_token_the_inspectors_data_needs_it_and_its_page_does_not(
    make_client: MakeClient,
) -> None:
    """Catches a mock that opens the inspector's data routes (story, accounts, change feed,
    vocabulary, freeze) without the token, closes its page behind it, or puts data in the
    page."""
    client = await make_client(admin_token=TOKEN)
    resp = await client.post(FIBO_SUBMIT, json={"prompt": "a kite"}, headers=AUTH)
    rid = (await resp.json())["request_id"]
    for method, path in [
        ("GET", f"/_mock/jobs/{rid}/story"),
        ("GET", f"/_mock/jobs/{rid}/input"),
        ("GET", "/_mock/accounts"),
        ("PATCH", f"/_mock/accounts/{account_id(KEY)}"),
        ("GET", "/_mock/vocabulary"),
        ("POST", "/_mock/clock/freeze"),
        ("GET", "/_mock/changes"),
    ]:
        resp = await client.request(method, path, json={})
        assert resp.status == 401, path
        assert (await resp.json())["error"] == "Unauthorized"
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    for path in (f"/_mock/jobs/{rid}/story", "/_mock/accounts"):
        assert (await client.get(path, headers=BEARER)).status == 200, path
    async with client.get("/_mock/changes", headers=BEARER) as feed:
        assert feed.status == 200 and (await next_event(feed, 1.0))["jobs"] == 1
    label = (await get(client, f"/_mock/jobs/{rid}", **BEARER))["key"]
    for name in ("", "index.html", "inspector.js", "inspector.css"):
        resp = await client.get(f"/_mock/ui/{name}")
        assert resp.status == 200, name
        text = await resp.text()
        assert rid not in text and KEY not in text and label not in text and TOKEN not in text


async def test_the_page_is_at_mock_ui_slash_and_an_unknown_file_is_a_404_in_json(
    client: TestClient[Any, Any],
) -> None:
    """Catches a mock whose /_mock/ui answers an error instead of redirecting to the page,
    or whose unknown page files answer anything but the gateway's JSON 404."""
    resp = await client.get("/_mock/ui", allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "/_mock/ui/"
    resp = await client.get("/_mock/ui")
    assert resp.status == 200 and resp.content_type == "text/html"
    assert str(resp.url).endswith("/_mock/ui/")
    for name in ("nope.js", "..%2Fapp.py", "index.htm"):
        resp = await client.get(f"/_mock/ui/{name}")
        assert resp.status == 404, name
        assert await resp.json() == {"error": "Endpoint not found"}


# -- the document ------------------------------------------------------------------------------


async def test_the_new_routes_answers_fit_the_openapi_document(
    gw: Gw, make_client: MakeClient, tmp_path: Path
) -> None:
    """Catches a document that leaves out an inspector route or describes its answers
    otherwise than the mock gives them (feed events included)."""
    doc = await get(gw.client, "/openapi.json")
    ops = {
        op["operationId"]
        for item in doc["paths"].values()
        for method, op in item.items()
        if method in ("get", "post", "patch")
    }
    assert {
        "mock_job_story",
        "mock_job_input",
        "mock_job_output",
        "mock_accounts",
        "mock_update_account",
        "mock_freeze_clock",
        "mock_unfreeze_clock",
        "mock_vocabulary",
        "mock_changes",
        "mock_ui_redirect",
        "mock_ui",
        "mock_ui_file",
    } <= ops
    jobs_params = {p["name"] for p in doc["paths"]["/_mock/jobs"]["get"]["parameters"]}
    assert {"model", "status", "account", "generation", "offset", "limit"} <= jobs_params
    rid = (await gw.fibo())["request_id"]
    label = (await gw.job(rid))["account_id"]
    me = account_id(KEY)
    cases: list[tuple[str, str, int, Any]] = []
    for path, code, url in [
        ("/_mock/jobs", 200, f"/_mock/jobs?generation=2&offset=0&account={label}"),
        ("/_mock/jobs", 400, "/_mock/jobs?generation=3"),
        ("/_mock/jobs/{request_id}/story", 200, f"/_mock/jobs/{rid}/story"),
        ("/_mock/jobs/{request_id}/story", 404, "/_mock/jobs/nope/story"),
        ("/_mock/jobs/{request_id}/input", 404, f"/_mock/jobs/{rid}/input"),
        ("/_mock/jobs/{request_id}/output", 404, f"/_mock/jobs/{rid}/output"),
        ("/_mock/accounts", 200, "/_mock/accounts"),
        ("/_mock/vocabulary", 200, "/_mock/vocabulary"),
        ("/_mock/ui/{name}", 404, "/_mock/ui/nope"),
    ]:
        resp = await gw.client.get(url)
        assert resp.status == code, url
        cases.append((path, "get", code, await resp.json()))
    resp = await gw.client.patch(f"/_mock/accounts/{me}", json={"balance_usd": 3})
    cases.append(("/_mock/accounts/{account_id}", "patch", 200, await resp.json()))
    resp = await gw.client.patch("/_mock/accounts/nobody", json={})
    cases.append(("/_mock/accounts/{account_id}", "patch", 404, await resp.json()))
    resp = await gw.client.patch(f"/_mock/accounts/{me}", json={"colour": "red"})
    cases.append(("/_mock/accounts/{account_id}", "patch", 400, await resp.json()))
    for verb in ("unfreeze", "freeze"):
        resp = await gw.client.post(f"/_mock/clock/{verb}")
        cases.append((f"/_mock/clock/{verb}", "post", 200, await resp.json()))
    durable = await make_client(state=str(tmp_path / "state.db"))
    resp = await durable.post("/_mock/clock/freeze")
    cases.append(("/_mock/clock/freeze", "post", 409, await resp.json()))
    for path, method, code, body in cases:
        found = validator_for(doc, answer_pointer(path, method, code)).iter_errors(body)
        assert not [e.message for e in found], (path, method, code, body)

    feed = doc["paths"]["/_mock/changes"]["get"]["responses"]["200"]["content"]
    data_schema = feed["text/event-stream"]["schema"]["properties"]["data"]
    assert data_schema["contentMediaType"] == "application/json"
    pointer = (
        "/paths/~1_mock~1changes/get/responses/200/content/text~1event-stream/schema"
        "/properties/data/contentSchema"
    )
    async with gw.client.get("/_mock/changes") as resp:
        event = await next_event(resp, 1.0)
    assert not list(validator_for(doc, pointer).iter_errors(event))
    assert doc["paths"]["/_mock/changes"] == document()["paths"]["/_mock/changes"]
