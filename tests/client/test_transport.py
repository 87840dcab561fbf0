"""What goes on the wire, and how failures without a gateway answer are reported.

A small aiohttp app on 127.0.0.1 stands in for the gateway (or a proxy in front of it) where
the mock cannot misbehave the way a network does.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from pixazo_client import (
    AsyncPixazoClient,
    GatewayError,
    RetryPolicy,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)

from .conftest import CAT, FIBO_SUBMIT, PNG_MAGIC

KEY = "sk-test-0123456789abcdef"
ID = "bria-rmbg-2-0-682_01a20138-0fc8-7d82-b082-532b629f6fbe"


class Recorder:
    def __init__(self) -> None:
        self.hits: list[tuple[str, str, dict[str, str], bytes]] = []
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


async def start(aiohttp_server: Any, rec: Recorder, routes: dict[str, Any]) -> TestServer:
    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        rec.hits.append((request.method, request.path, dict(request.headers), await request.read()))
        response: web.StreamResponse = await handler(request)
        return response

    app = web.Application(middlewares=[record])
    for route, handler in routes.items():
        method, path = route.split(" ", 1)
        app.router.add_route(method, path, handler)
    server: TestServer = await aiohttp_server(app)
    return server


def url(server: TestServer) -> str:
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
async def closed_port() -> AsyncIterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    yield port


def client_for(base: str, rec: Recorder, **options: Any) -> AsyncPixazoClient:
    retry = RetryPolicy(attempts=3, base_delay=0.5, max_delay=4.0, jitter=0.0)
    return AsyncPixazoClient(KEY, base, sleep=rec.sleep, **{"retry": retry, **options})


async def accepted(request: web.Request) -> web.Response:
    return web.json_response(
        {"request_id": ID, "status": "QUEUED", "polling_url": f"http://x/v2/requests/status/{ID}"},
        status=202,
    )


async def test_a_submit_sends_the_key_json_and_only_the_parameters_given(
    aiohttp_server: Any, rec: Recorder
) -> None:
    server = await start(aiohttp_server, rec, {f"POST {FIBO_SUBMIT}": accepted})
    async with client_for(url(server), rec) as pixazo:
        await pixazo.text_to_image(
            "a lighthouse", seed=7, webhook_url="https://example.com/hook", webhook_mode="sync"
        )
    [(method, path, headers, body)] = rec.hits
    assert (method, path) == ("POST", FIBO_SUBMIT)
    assert json.loads(body) == {"prompt": "a lighthouse", "seed": 7}
    assert headers["Ocp-Apim-Subscription-Key"] == KEY
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Webhook-URL"] == "https://example.com/hook"
    assert headers["X-Webhook-Mode"] == "sync"
    assert headers["User-Agent"].startswith("pixazo-client/")


async def test_redirects_are_not_followed_so_the_key_stays_home(
    aiohttp_server: Any, rec: Recorder
) -> None:
    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/elsewhere")

    server = await start(
        aiohttp_server, rec, {f"GET /v2/requests/status/{ID}": moved, "GET /elsewhere": moved}
    )
    async with client_for(url(server), rec) as pixazo:
        with pytest.raises(GatewayError) as caught:
            await pixazo.status(ID)
    assert caught.value.status_code == 302
    assert [p for _, p, _, _ in rec.hits] == [f"/v2/requests/status/{ID}"]


async def test_a_download_sends_no_key_and_follows_redirects(
    aiohttp_server: Any, rec: Recorder, tmp_path: Path
) -> None:
    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/cdn/output.png")

    async def png(request: web.Request) -> web.Response:
        return web.Response(body=PNG_MAGIC + b"rest", content_type="image/png")

    server = await start(aiohttp_server, rec, {"GET /out.png": moved, "GET /cdn/output.png": png})
    async with client_for(url(server), rec) as pixazo:
        path = await pixazo.download(url(server) + "/out.png", tmp_path / "o.png")
    assert path.read_bytes() == PNG_MAGIC + b"rest"
    assert [p for _, p, _, _ in rec.hits] == ["/out.png", "/cdn/output.png"]
    assert all("Ocp-Apim-Subscription-Key" not in h for _, _, h, _ in rec.hits)


async def test_a_failed_download_leaves_no_file(
    aiohttp_server: Any, rec: Recorder, tmp_path: Path
) -> None:
    async def gone(request: web.Request) -> web.Response:
        return web.json_response({"error": "Media not found"}, status=404)

    server = await start(aiohttp_server, rec, {"GET /out.png": gone})
    async with client_for(url(server), rec) as pixazo:
        with pytest.raises(GatewayError, match="Media not found"):
            await pixazo.download(url(server) + "/out.png", tmp_path / "o.png")
    assert list(tmp_path.iterdir()) == []


async def test_an_html_502_from_a_proxy_is_a_server_error_with_its_text(
    aiohttp_server: Any, rec: Recorder
) -> None:
    async def proxy(request: web.Request) -> web.Response:
        html = "<html><body><h1>502 Bad Gateway</h1><p>upstream timed out</p></body></html>"
        return web.Response(text=html, status=502, content_type="text/html")

    server = await start(aiohttp_server, rec, {f"POST {FIBO_SUBMIT}": proxy})
    async with client_for(url(server), rec) as pixazo:
        with pytest.raises(ServerError) as caught:
            await pixazo.text_to_image("x")
    assert str(caught.value) == "HTTP 502: 502 Bad Gateway upstream timed out"
    assert len(rec.hits) == 1 and rec.sleeps == []


@pytest.mark.parametrize(
    "body", [b"<html>hello</html>", b'{"status": "DONE"}', b"[]", b'{"request_id": 3}']
)
async def test_a_success_answer_that_cannot_be_read_is_unexpected(
    aiohttp_server: Any, rec: Recorder, body: bytes
) -> None:
    async def odd(request: web.Request) -> web.Response:
        return web.Response(body=body, status=200, content_type="application/json")

    server = await start(
        aiohttp_server, rec, {f"POST {FIBO_SUBMIT}": odd, f"GET /v2/requests/status/{ID}": odd}
    )
    async with client_for(url(server), rec) as pixazo:
        with pytest.raises(UnexpectedResponseError) as submit:
            await pixazo.text_to_image("x")
        with pytest.raises(UnexpectedResponseError):
            await pixazo.status(ID)
    assert submit.value.status_code == 200


async def test_no_connection_on_a_read_is_retried_then_a_transport_error(
    rec: Recorder, closed_port: int
) -> None:
    async with client_for(f"http://127.0.0.1:{closed_port}", rec) as pixazo:
        with pytest.raises(TransportError) as caught:
            await pixazo.status(ID)
    assert not isinstance(caught.value, aiohttp.ClientError)
    assert str(caught.value).startswith(f"GET http://127.0.0.1:{closed_port}/v2/requests/status/")
    assert rec.sleeps == [0.5, 1.0], "3 attempts, backing off"


async def test_no_connection_on_a_submit_is_never_retried(rec: Recorder, closed_port: int) -> None:
    async with client_for(f"http://127.0.0.1:{closed_port}", rec) as pixazo:
        with pytest.raises(TransportError, match="POST"):
            await pixazo.remove_background(CAT)
    assert rec.sleeps == []


async def test_a_gateway_too_slow_to_answer_is_a_transport_error(
    aiohttp_server: Any, rec: Recorder
) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({})

    server = await start(aiohttp_server, rec, {f"GET /v2/requests/status/{ID}": slow})
    async with client_for(url(server), rec, timeout=0.1) as pixazo:
        with pytest.raises(TransportError, match=r"no answer within 0\.1 s"):
            await pixazo.status(ID)
    assert len(rec.hits) == 3 and len(rec.sleeps) == 2


async def test_a_dropped_connection_is_a_transport_error(
    aiohttp_server: Any, rec: Recorder
) -> None:
    async def drop(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.close()
        return web.Response()

    server = await start(aiohttp_server, rec, {f"POST {FIBO_SUBMIT}": drop})
    async with client_for(url(server), rec) as pixazo:
        with pytest.raises(TransportError, match="POST"):
            await pixazo.text_to_image("x")
    assert len(rec.hits) == 1
