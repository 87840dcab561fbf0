"""Webhook helpers: parse_callback reads what the gateway POSTs; CallbackDeduplicator tells
a repeat (or a stale, out-of-order update) from news."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from mock_gateway.running import running
from mock_gateway.sink import local_tls
from pixazo_client import (
    AsyncPixazoClient,
    CallbackDeduplicator,
    JobStatus,
    State,
    ValidationError,
    parse_callback,
)

from .conftest import CAT

RID = "bria-fibo-bbq-preview_019d0000-0000-7000-8000-000000000000"
# The page's terminal callback example, timestamps in its two forms.
COMPLETED = {
    "request_id": RID,
    "status": "COMPLETED",
    "model_id": "bria-fibo-bbq-preview",
    "error": None,
    "output": {
        "media_url": [f"https://pub-582b.r2.dev/v1/{RID}/output.png"],
        "media_type": "image/png",
    },
    "created_at": "2026-05-22T13:17:32.110Z",
    "updated_at": "2026-05-22 13:19:23",
    "completed_at": "2026-05-22 13:19:23",
}
FAILED = {**COMPLETED, "status": "ERROR", "error": "Description of the error", "output": None}


def status(state: str, rid: str = RID) -> JobStatus:
    return JobStatus(request_id=rid, status=State(state), model_id="bria-fibo-bbq-preview")


@pytest.mark.parametrize("form", [json.dumps, lambda d: json.dumps(d).encode(), dict])
def test_parse_callback_reads_bytes_text_or_a_mapping(form: Any) -> None:
    parsed = parse_callback(form(COMPLETED))
    assert parsed.request_id == RID and parsed.status is State.COMPLETED
    assert parsed.media_urls == (f"https://pub-582b.r2.dev/v1/{RID}/output.png",)
    assert parsed.raw["updated_at"] == "2026-05-22 13:19:23"


def test_parse_callback_reads_the_failure_shape() -> None:
    parsed = parse_callback(FAILED)
    assert parsed.status is State.ERROR and parsed.terminal
    assert parsed.error == "Description of the error" and parsed.media_urls == ()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[1, 2]", "request_id"),
        (json.dumps({"status": "COMPLETED"}), "request_id"),
        (json.dumps({**COMPLETED, "status": "DONE"}), "status"),
        (json.dumps({**COMPLETED, "status": None}), "status"),
    ],
)
def test_parse_callback_refuses_what_is_not_a_status(body: bytes | str, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_callback(body)
    assert caught.value.field == field


def test_the_deduplicator_answers_seen_for_a_repeat_only() -> None:
    dedup = CallbackDeduplicator()
    assert dedup.seen(status("PROCESSING")) is False
    assert dedup.seen(status("PROCESSING")) is True, "sync mode repeats a state"
    assert dedup.seen(status("COMPLETED")) is False
    assert dedup.seen(parse_callback(COMPLETED)) is True, "network retries repeat a callback"
    assert dedup.seen(status("COMPLETED", rid="other")) is False, "per request id"
    assert len(dedup) == 2


PROCESSING = {**COMPLETED, "status": "PROCESSING", "output": None, "completed_at": None}
# In arrival order: news, news, a network repeat, and a stale update after the end.
ARRIVALS = [PROCESSING, COMPLETED, COMPLETED, PROCESSING]


@pytest.mark.parametrize(
    "form",
    [dict, json.dumps, lambda d: json.dumps(d).encode()],
    ids=["dict", "text", "bytes"],
)
def test_seen_takes_a_body_and_answers_as_for_its_parsed_status(form: Any) -> None:
    by_body, by_status = CallbackDeduplicator(), CallbackDeduplicator()
    from_bodies = [by_body.seen(form(body)) for body in ARRIVALS]
    from_statuses = [by_status.seen(parse_callback(body)) for body in ARRIVALS]
    assert from_bodies == from_statuses == [False, False, True, True]
    assert len(by_body) == len(by_status) == 1


def test_a_body_and_its_parsed_status_are_the_same_callback() -> None:
    dedup = CallbackDeduplicator()
    assert dedup.seen(dict(COMPLETED)) is False
    assert dedup.seen(parse_callback(COMPLETED)) is True
    dedup.forget(dict(COMPLETED))
    assert dedup.seen(parse_callback(COMPLETED)) is False, "forget takes a body too"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"status": "COMPLETED"}, "request_id"), ({**COMPLETED, "status": "DONE"}, "status")],
)
def test_seen_refuses_a_body_that_is_not_a_status_and_records_nothing(
    body: dict[str, Any], field: str
) -> None:
    dedup = CallbackDeduplicator()
    with pytest.raises(ValidationError) as caught:
        dedup.seen(body)
    assert caught.value.field == field
    assert len(dedup) == 0


def test_an_older_state_after_a_later_one_counts_as_seen() -> None:
    dedup = CallbackDeduplicator()
    assert dedup.seen(status("COMPLETED")) is False
    assert dedup.seen(status("PROCESSING")) is True, "stale: arrived out of order"
    assert dedup.seen(status("QUEUED")) is True


def test_forget_lets_a_redelivery_through_after_a_failed_handling() -> None:
    dedup = CallbackDeduplicator()
    assert dedup.seen(status("COMPLETED")) is False
    dedup.forget(status("COMPLETED"))
    assert dedup.seen(status("COMPLETED")) is False
    dedup.forget(status("QUEUED", rid="never-seen"))  # harmless


def test_memory_is_bounded_to_the_most_recent_requests() -> None:
    dedup = CallbackDeduplicator(max_requests=2)
    for rid in ("a", "b", "c"):
        dedup.seen(status("COMPLETED", rid=rid))
    assert len(dedup) == 2
    assert dedup.seen(status("COMPLETED", rid="c")) is True
    assert dedup.seen(status("COMPLETED", rid="a")) is False, "the oldest was forgotten"
    with pytest.raises(ValueError):
        CallbackDeduplicator(max_requests=0)


def test_concurrent_receivers_handle_each_callback_once() -> None:
    dedup = CallbackDeduplicator()
    handled: list[str] = []
    barrier = threading.Barrier(8)

    def receive() -> None:
        barrier.wait()
        for i in range(200):
            if not dedup.seen(status("COMPLETED", rid=f"r{i}")):
                handled.append(f"r{i}")

    threads = [threading.Thread(target=receive) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(handled) == sorted(f"r{i}" for i in range(200))


class Receiver:
    """An HTTPS webhook receiver built the way the module docstring shows."""

    def __init__(self) -> None:
        self.dedup = CallbackDeduplicator()
        self.handled: list[JobStatus] = []
        self.repeats = 0

    async def receive(self, request: web.Request) -> web.Response:
        callback = parse_callback(await request.read())
        if self.dedup.seen(callback):
            self.repeats += 1
        else:
            self.handled.append(callback)
        return web.Response(status=200)


@pytest.fixture
async def receiver(tmp_path: Path) -> AsyncIterator[tuple[Receiver, str, Path]]:
    context, ca_file = local_tls(tmp_path)
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield hook, f"https://127.0.0.1:{port}/hook", ca_file
    finally:
        await runner.cleanup()


async def test_end_to_end_a_duplicated_callback_is_handled_once(
    receiver: tuple[Receiver, str, Path],
) -> None:
    hook, hook_url, ca_file = receiver
    with running(manual_clock=True, webhook_ca=str(ca_file)) as gw:
        gw.scenario(flags=["webhook-duplicate"])

        async def sleep(seconds: float) -> None:  # the receiver shares this loop: keep it free
            await asyncio.to_thread(gw.advance, seconds)

        async with AsyncPixazoClient("test-key", gw.url, sleep=sleep) as pixazo:
            job = await pixazo.remove_background(CAT, webhook_url=hook_url)
            done = await pixazo.wait(job, timeout=60)
        deliveries = [(d["status"], d["outcome"], d["duplicate"]) for d in gw.webhooks]
    assert deliveries == [("COMPLETED", "delivered", False), ("COMPLETED", "delivered", True)]
    assert hook.handled == [done], "the callback reads exactly as the status endpoint"
    assert hook.repeats == 1


def test_what_parse_callback_refuses_is_said_in_words() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_callback(b"{not json")
    assert (caught.value.message, caught.value.field) == ("the callback body is not JSON", "body")
    with pytest.raises(ValidationError) as caught:
        parse_callback({"status": "COMPLETED"})
    assert caught.value.message == "request_id: missing or not valid in the callback body"
    with pytest.raises(ValidationError) as caught:
        parse_callback({"request_id": RID, "status": "DONE"})
    assert (caught.value.message, caught.value.field) == (
        "status: missing or not valid in the callback body",
        "status",
    )


def test_the_deduplicator_keeps_at_least_one_request() -> None:
    assert CallbackDeduplicator().max_requests == 100_000
    with pytest.raises(ValueError) as caught:
        CallbackDeduplicator(0)
    assert str(caught.value) == "max_requests must be at least 1"
    one = CallbackDeduplicator(1)
    assert one.seen(status("QUEUED")) is False
    assert one.seen(status("QUEUED")) is True


def test_each_later_state_is_news_and_terminal_states_do_not_hide_each_other() -> None:
    dedup = CallbackDeduplicator()
    assert [dedup.seen(status(s)) for s in ("QUEUED", "PROCESSING", "COMPLETED")] == [
        False,
        False,
        False,
    ]
    assert dedup.seen(status("FAILED")) is False  # as late as COMPLETED: not stale
    assert dedup.seen(status("QUEUED")) is True


def test_forgetting_a_requests_only_state_forgets_the_request() -> None:
    dedup = CallbackDeduplicator()
    dedup.seen(status("QUEUED"))
    dedup.seen(status("QUEUED", rid="other"))
    dedup.forget(status("QUEUED"))
    assert len(dedup) == 1
    dedup.forget(status("COMPLETED", rid="never-seen"))  # nothing to forget: no error
    assert len(dedup) == 1
