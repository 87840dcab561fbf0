"""Edges of a submit and of one gateway call: an unreadable submit answer keeps what came back,
the generation-1 webhook warning points at the caller, a 3xx is an error, a bodyless error
says its reason phrase, and a closed async client says so exactly.

A small aiohttp app on 127.0.0.1 stands in for the gateway.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from pixazo_client import (
    AsyncPixazoClient,
    GatewayError,
    NotFoundError,
    RetryPolicy,
    UnexpectedResponseError,
)

from .conftest import CAT, KEY, RMBG_SUBMIT

UUID = "01a20138-0fc8-7d82-b082-532b629f6fbe"
GEN2_ID = f"bria-rmbg-2-0-682_{UUID}"
STATUS_PATH = f"/v2/requests/status/{GEN2_ID}"
HOOK = "https://example.com/hook"


async def serve(aiohttp_server: Any, routes: dict[str, Any]) -> str:
    """A stub gateway on 127.0.0.1: its base URL."""
    app = web.Application()
    for route, handler in routes.items():
        method, path = route.split(" ", 1)
        app.router.add_route(method, path, handler)
    server: TestServer = await aiohttp_server(app, host="127.0.0.1")
    return str(server.make_url("")).rstrip("/")


def stub_client(base: str) -> AsyncPixazoClient:
    return AsyncPixazoClient(KEY, base, retry=RetryPolicy.none())


# -- an unreadable submit answer --------------------------------------------------------------


async def test_an_unreadable_submit_answer_keeps_its_text_and_headers(aiohttp_server: Any) -> None:
    """Catches: the submit's re-raised UnexpectedResponseError (the one adding "the job may
    exist and be charged") dropping the original's body or headers (None, or not passed):
    the caller then cannot see what the gateway actually answered."""

    async def garbled(request: web.Request) -> web.Response:
        return web.Response(status=202, text="<html>accepted?</html>", headers={"X-Trace": "t-42"})

    base = await serve(aiohttp_server, {f"POST {RMBG_SUBMIT}": garbled})
    async with stub_client(base) as pixazo:
        with pytest.raises(UnexpectedResponseError) as caught:
            await pixazo.remove_background(CAT)
    e = caught.value
    assert e.status_code == 202
    assert e.body == "<html>accepted?</html>"
    assert e.headers["X-Trace"] == "t-42"
    assert e.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert e.headers["Content-Length"] == "22"
    assert e.message == (
        "HTTP 202: the answer is not JSON: '<html>accepted?</html>'. The gateway accepted the "
        "submit, so the job may exist and be charged. Before submitting again, look for it: on "
        f"the mock, GET {base}/_mock/requests lists this request, with its request_id if the "
        "job was accepted; the live gateway documents no way to list jobs or to deduplicate a "
        "submit, so check the account's balance or usage for the charge first: a second submit "
        "is a second job, charged again."
    )


# -- the generation-1 webhook warning ---------------------------------------------------------


async def gen1_accepted(request: web.Request) -> web.Response:
    return web.json_response(
        {"request_id": UUID, "status": "IN_QUEUE", "response_url": f"http://x/requests/{UUID}"},
        status=200,
    )


async def test_the_generation1_webhook_warning_points_at_the_callers_line(
    aiohttp_server: Any,
) -> None:
    """Catches: the warning's stacklevel changed (left out: it names async_client.py; 4: a
    frame above the caller), so the warning does not show the line that passed the webhook."""
    if "MUTANT_UNDER_TEST" in os.environ:  # make mutation: its trampolines add frames
        pytest.skip("under mutmut every call passes through its trampoline's frames")
    base = await serve(aiohttp_server, {f"POST {RMBG_SUBMIT}": gen1_accepted})
    async with stub_client(base) as pixazo:
        with pytest.warns(UserWarning) as caught:
            line = sys._getframe().f_lineno + 1
            submission = await pixazo.remove_background(CAT, webhook_url=HOOK)
    assert submission.generation == 1 and submission.request_id == UUID
    [warning] = caught.list
    assert str(warning.message) == (
        "this key gets generation-1 answers, which send no webhooks: poll instead"
    )
    assert warning.filename == __file__
    assert warning.lineno == line


# -- error statuses ---------------------------------------------------------------------------


async def test_a_300_answer_to_a_call_is_an_error_with_its_text(aiohttp_server: Any) -> None:
    """Catches: only statuses above 300 (or from 301) counted as errors, so a 300 answer is
    read as a success (its body then "not JSON") instead of a GatewayError saying its text."""

    async def choices(request: web.Request) -> web.Response:
        return web.Response(status=300, text="pick one")

    base = await serve(aiohttp_server, {f"GET {STATUS_PATH}": choices})
    async with stub_client(base) as pixazo:
        with pytest.raises(GatewayError) as caught:
            await pixazo.status(GEN2_ID)
    assert type(caught.value) is GatewayError
    assert caught.value.status_code == 300
    assert str(caught.value) == "HTTP 300: pick one"
    assert caught.value.body == "pick one"


@pytest.mark.parametrize(
    ("reason", "says"),
    [("Gone Fishing", "HTTP 404: Gone Fishing"), ("", "HTTP 404: no details in the answer")],
)
async def test_a_bodyless_error_answer_says_its_reason_phrase(
    aiohttp_server: Any, reason: str, says: str
) -> None:
    """Catches: a gateway call's error not given the answer's reason phrase (then every
    bodyless error says "no details"), or an empty reason replaced by other words."""

    async def gone(request: web.Request) -> web.Response:
        return web.Response(status=404, reason=reason)

    base = await serve(aiohttp_server, {f"GET {STATUS_PATH}": gone})
    async with stub_client(base) as pixazo:
        with pytest.raises(NotFoundError) as caught:
            await pixazo.status(GEN2_ID)
    assert str(caught.value) == says
    assert caught.value.body is None


# -- a closed async client --------------------------------------------------------------------


async def test_a_closed_async_client_says_exactly_that_it_is_closed() -> None:
    """Catches: the transport's closed message changed ("XXthis client is closedXX"): the
    async client has no message of its own, the transport's is what its caller reads."""
    pixazo = stub_client("http://127.0.0.1:9")
    await pixazo.close()
    with pytest.raises(RuntimeError) as caught:
        await pixazo.status(GEN2_ID)
    assert type(caught.value) is RuntimeError
    assert str(caught.value) == "this client is closed"
