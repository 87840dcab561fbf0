"""Issue 13 (items 1, 2, 3): loopback inputs are read whole and on time, a tiny file that
decodes into a huge picture is refused from its header, and the outbound policy never asks
DNS about a name it allowed by spelling."""

from __future__ import annotations

import asyncio
import io
import random
import socket
import time
from typing import Any

import aiohttp
import aiohttp.resolver
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from PIL import Image

from mock_gateway.http.keys import SESSION, WEBHOOK_SESSION
from mock_gateway.media import pictures, samples
from tests.conftest import Gw, MakeClient


def noisy_png(size: tuple[int, int], seed: int = 1) -> bytes:
    """A real PNG that does not compress: its file is about 3 bytes per pixel."""
    w, h = size
    image = Image.frombytes("RGB", size, random.Random(seed).randbytes(w * h * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def output_size(gw: Gw, body: dict[str, Any]) -> tuple[int, int]:
    status, _, data = await gw.download(body["output"]["media_url"][0])
    assert status == 200
    return Image.open(io.BytesIO(data)).size


async def serve(aiohttp_server: Any, handler: Any, path: str = "/x.png") -> TestServer:
    app = web.Application()
    app.router.add_get(path, handler)
    server: TestServer = await aiohttp_server(app)
    return server


# --------------------------------------------------------------------------- 1: whole bodies


@pytest.mark.parametrize("size", [(330, 330), (300, 300)], ids=["326KB", "270KB"])
async def test_a_large_png_sent_in_one_write_is_read_whole(
    gw: Gw, aiohttp_server: Any, size: tuple[int, int]
) -> None:
    data = noisy_png(size)
    assert len(data) > 260_000

    async def photo(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "image/png"})
        response.content_length = len(data)
        await response.prepare(request)
        await response.write(data)  # one write: the client sees it in several reads
        await response.write_eof()
        return response

    server = await serve(aiohttp_server, photo)
    rid = (await gw.rmbg(str(server.make_url("/x.png"))))["request_id"]
    body = await gw.finish(rid)
    assert body["status"] == "COMPLETED", body["error"]
    assert await output_size(gw, body) == size


async def test_a_slow_but_steady_sender_is_waited_for(
    make_client: MakeClient, aiohttp_server: Any
) -> None:
    gw = Gw(await make_client(fetch_timeout_seconds=5))
    data = noisy_png((120, 100))
    pieces = 30  # ~50 ms apart: about 1.5 s in all

    async def dribble(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "image/png"})
        await response.prepare(request)  # chunked: no length announced
        step = -(-len(data) // pieces)
        for i in range(0, len(data), step):
            await response.write(data[i : i + step])
            await asyncio.sleep(0.05)
        await response.write_eof()
        return response

    server = await serve(aiohttp_server, dribble)
    started = time.monotonic()
    rid = (await gw.rmbg(str(server.make_url("/x.png"))))["request_id"]
    body = await gw.finish(rid)
    assert body["status"] == "COMPLETED", body["error"]
    assert time.monotonic() - started >= 1.2, "the whole body was waited for"


async def test_a_sender_that_stalls_fails_with_the_timeout_named(
    make_client: MakeClient, aiohttp_server: Any
) -> None:
    gw = Gw(await make_client(fetch_timeout_seconds=1))
    data = noisy_png((120, 100))
    release = asyncio.Event()

    async def stall(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "image/png"})
        response.content_length = len(data)
        await response.prepare(request)
        await response.write(data[:1000])
        await asyncio.wait_for(release.wait(), 30)  # never sends the rest while the test runs
        return response

    server = await serve(aiohttp_server, stall)
    try:
        started = time.monotonic()
        rid = (await gw.rmbg(str(server.make_url("/x.png"))))["request_id"]
        body = await gw.finish(rid)
        elapsed = time.monotonic() - started
    finally:
        release.set()
    assert body["status"] == "FAILED"
    assert body["error"] == (
        "image_url was not received within 1 s (fetch_timeout_seconds): "
        "the server stopped sending or is too slow"
    )
    assert 0.9 <= elapsed < 5


async def test_a_body_over_the_limit_is_refused_while_it_is_read(
    make_client: MakeClient, aiohttp_server: Any
) -> None:
    gw = Gw(await make_client(max_input_bytes=64 * 1024))
    sent: list[int] = []

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "image/png"})
        await response.prepare(request)  # chunked, no length to refuse it by
        try:
            for _ in range(10_000):
                await response.write(b"\0" * 16_384)
                sent.append(16_384)
        except (ConnectionError, RuntimeError):
            pass
        return response

    server = await serve(aiohttp_server, endless)
    rid = (await gw.rmbg(str(server.make_url("/x.png"))))["request_id"]
    body = await gw.finish(rid)
    assert (body["status"], body["error"]) == (
        "FAILED",
        "image_url is too large (more than 65536 bytes, max_input_bytes 65536)",
    )
    assert sum(sent) < 10_000 * 16_384, "the fetch stopped reading past the limit"


async def test_a_declared_length_over_the_limit_is_refused_before_reading(
    make_client: MakeClient, aiohttp_server: Any
) -> None:
    gw = Gw(await make_client(max_input_bytes=64 * 1024))
    data = noisy_png((200, 200))

    async def big(request: web.Request) -> web.Response:
        return web.Response(body=data, content_type="image/png")

    server = await serve(aiohttp_server, big)
    rid = (await gw.rmbg(str(server.make_url("/x.png"))))["request_id"]
    body = await gw.finish(rid)
    assert (body["status"], body["error"]) == (
        "FAILED",
        f"image_url is too large ({len(data)} bytes, max_input_bytes {64 * 1024})",
    )


async def test_a_connect_that_hangs_fails_with_the_connect_timeout_named(
    make_client: MakeClient,
) -> None:
    gw = Gw(await make_client(fetch_connect_timeout_seconds=0.5, fetch_timeout_seconds=5))
    # A listener that never accepts, its queue filled: the kernel drops further SYNs, so a
    # connect neither succeeds nor fails (the client would retransmit for minutes).
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    try:
        started = time.monotonic()
        rid = (await gw.rmbg(f"http://127.0.0.1:{port}/x.png"))["request_id"]
        body = await gw.finish(rid)
        elapsed = time.monotonic() - started
    finally:
        for s in (*fillers, listener):
            s.close()
    assert (body["status"], body["error"]) == (
        "FAILED",
        "image_url could not be fetched: no connection within 0.5 s "
        "(fetch_connect_timeout_seconds)",
    )
    assert elapsed < 3


# --------------------------------------------------------------------------- 2: bombs


def flat_png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


async def test_a_small_png_of_a_huge_picture_fails_the_job_from_its_header(
    gw: Gw, aiohttp_server: Any
) -> None:
    data = flat_png((6300, 6300))
    assert len(data) < 200_000

    async def bomb(request: web.Request) -> web.Response:
        return web.Response(body=data, content_type="image/png")

    server = await serve(aiohttp_server, bomb)
    started = time.monotonic()
    rid = (await gw.rmbg(str(server.make_url("/x.png"))))["request_id"]
    body = await gw.finish(rid)
    assert time.monotonic() - started < 2
    assert body["status"] == "FAILED"
    assert body["error"] == (
        "image_url is not an image: image is too large: 6300x6300 pixels "
        f"(max {pictures.MAX_INPUT_PIXELS} pixels)"
    )


# --------------------------------------------------------------------------- 3: no DNS


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every name lookup fails, and is recorded."""
    asked: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in str(host) else socket.AF_INET, host)
        except (OSError, TypeError):
            asked.append(str(host))
            raise socket.gaierror(socket.EAI_NONAME, "no DNS in this test") from None
        return real(host, *args, **kwargs)

    async def resolve(self: Any, host: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(host)
        raise OSError("no DNS in this test")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(aiohttp.resolver.DefaultResolver, "resolve", resolve)
    return asked


@pytest.mark.parametrize("host", ["localhost.", "LocalHost", "localhost"])
async def test_localhost_names_reach_loopback_without_dns(
    gw: Gw, aiohttp_server: Any, no_dns: list[str], host: str
) -> None:
    data = noisy_png((64, 48))
    hits: list[str] = []

    async def photo(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(body=data, content_type="image/png")

    server = await serve(aiohttp_server, photo)
    rid = (await gw.rmbg(f"http://{host}:{server.port}/x.png"))["request_id"]
    body = await gw.finish(rid)
    assert body["status"] == "COMPLETED", body["error"]
    assert hits == ["/x.png"]
    assert no_dns == []


async def test_a_remote_name_is_never_resolved(gw: Gw, no_dns: list[str]) -> None:
    url = "http://example.invalid/x.png"
    rid = (await gw.rmbg(url))["request_id"]
    body = await gw.finish(rid)
    assert body["status"] == "COMPLETED"
    assert await output_size(gw, body) == samples.stand_in_size(url)
    assert no_dns == []
    # Even asked directly, the session's connector refuses the name without a lookup.
    session = gw.client.app[SESSION]
    with pytest.raises(aiohttp.ClientConnectorError, match="outbound policy"):
        async with session.get(url):
            pass
    assert no_dns == []


async def _resolved(session: aiohttp.ClientSession, host: str) -> list[str]:
    from mock_gateway.media.resolver import PolicyResolver

    resolver = session.connector._resolver  # type: ignore[union-attr]
    assert isinstance(resolver, PolicyResolver)
    return [r["host"] for r in await resolver.resolve(host, 80, socket.AF_UNSPEC)]


async def test_the_sessions_resolve_by_policy_only(
    make_client: MakeClient, no_dns: list[str]
) -> None:
    client = await make_client()
    for key in (SESSION, WEBHOOK_SESSION):
        session = client.app[key]
        assert await _resolved(session, "LOCALHOST.") == ["127.0.0.1", "::1"]
        assert await _resolved(session, "[::1]") == ["::1"]
        assert await _resolved(session, "127.0.0.1") == ["127.0.0.1"]
        with pytest.raises(OSError, match="outbound policy"):
            await _resolved(session, "example.com")
        with pytest.raises(OSError, match="outbound policy"):
            await _resolved(session, "localhost.example.com")
    assert no_dns == []


async def test_allowed_remote_names_use_the_ordinary_resolver(
    make_client: MakeClient, no_dns: list[str]
) -> None:
    client = await make_client(fetch_allowlist=("pics.example.com",), allow_remote_webhooks=True)
    inputs, webhooks = client.app[SESSION], client.app[WEBHOOK_SESSION]
    for session, host in ((inputs, "PICS.example.com"), (webhooks, "hooks.example.org")):
        with pytest.raises(OSError, match="no DNS in this test"):
            await _resolved(session, host)
    with pytest.raises(OSError, match="outbound policy"):
        await _resolved(inputs, "hooks.example.org")
    assert no_dns == ["PICS.example.com", "hooks.example.org"]


async def test_the_resolver_answers_the_family_asked_for() -> None:
    from mock_gateway.media.resolver import PolicyResolver

    resolver = PolicyResolver(lambda host: False)
    v4 = await resolver.resolve("localhost", 8080, socket.AF_INET)
    v6 = await resolver.resolve("localhost", 8080, socket.AF_INET6)
    assert [(r["host"], r["port"], r["family"]) for r in v4] == [
        ("127.0.0.1", 8080, socket.AF_INET)
    ]
    assert [(r["host"], r["family"]) for r in v6] == [("::1", socket.AF_INET6)]
    await resolver.close()
