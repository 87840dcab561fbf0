"""The client's small print: policy limits and numbers, how odd answers are read, what the
errors of a download or a poll say, and the defaults of `wait()`."""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from mock_gateway.running import RunningGateway
from pixazo_client import (
    AsyncPixazoClient,
    GatewayError,
    JobStatus,
    Model,
    PixazoClient,
    PollPolicy,
    RetryPolicy,
    State,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
    WaitTimeoutError,
)
from pixazo_client.models import status_from_gen1, status_from_gen2
from pixazo_client.transport import Transport

from .conftest import CAT, KEY, RMBG_RESULT, SimTime, client_options, journal

UUID = "01a20138-0fc8-7d82-b082-532b629f6fbe"
FIBO_RESULT = "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request-result"
GEN2_ID = f"bria-rmbg-2-0-682_{UUID}"


class EdgeRng(random.Random):
    """An rng whose `uniform` always gives one end of its range: the jitter's extremes."""

    def __init__(self, high: bool) -> None:
        super().__init__(0)
        self.high = high

    def uniform(self, a: float, b: float) -> float:
        return b if self.high else a


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
def unanswered_port() -> Iterator[int]:
    """A port whose connections never complete: a listener with its accept queue full, so
    the kernel drops further SYNs and a connect hangs (Linux)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port: int = listener.getsockname()[1]
    fillers: list[socket.socket] = []
    try:
        for _ in range(16):
            probe = socket.socket()
            probe.settimeout(0.5)  # a stall on a busy machine is not yet a full queue
            fillers.append(probe)
            try:
                probe.connect(("127.0.0.1", port))
            except TimeoutError:
                break
        else:
            pytest.skip("this system completes every connection: cannot make a connect hang")
        yield port
    finally:
        for s in fillers:
            s.close()
        listener.close()


async def serve(aiohttp_server: Any, routes: dict[str, Any]) -> str:
    """A stub gateway on 127.0.0.1: its base URL."""
    app = web.Application()
    for route, handler in routes.items():
        method, path = route.split(" ", 1)
        app.router.add_route(method, path, handler)
    server: TestServer = await aiohttp_server(app)
    return str(server.make_url("")).rstrip("/")


def stub_client(base: str, **options: Any) -> AsyncPixazoClient:
    return AsyncPixazoClient(KEY, base, **{"retry": RetryPolicy.none(), **options})


# -- policies -------------------------------------------------------------------------------


def test_retry_policy_refuses_a_negative_delay_but_allows_none_at_all() -> None:
    for bad in ({"base_delay": -0.1}, {"max_delay": -1.0}, {"attempts": 0}):
        with pytest.raises(ValueError) as caught:
            RetryPolicy(**bad)
        assert str(caught.value) == "attempts must be >= 1 and delays >= 0"
    immediate = RetryPolicy(base_delay=0.0, max_delay=0.0)
    assert immediate.delay(1, None, random.Random(0)) == 0.0
    assert immediate.delay(3, None, random.Random(0)) == 0.0


def test_retry_jitter_must_stay_below_one() -> None:
    for bad in (1.0, -0.01):
        with pytest.raises(ValueError) as caught:
            RetryPolicy(jitter=bad)
        assert str(caught.value) == "jitter must be in [0, 1)"
    assert RetryPolicy(jitter=0.99).jitter == 0.99


def test_a_fixed_poll_policy_is_a_flat_beat() -> None:
    assert PollPolicy.fixed(2.0) == PollPolicy(
        interval=2.0, max_interval=2.0, growth=1.0, jitter=0.0, min_interval=2.0
    )


def test_poll_jitter_stretches_or_shrinks_the_gap_by_its_fraction() -> None:
    policy = PollPolicy(jitter=0.2)  # the second gap is 7.5 s
    assert policy.delay(2, None, EdgeRng(high=True)) == pytest.approx(9.0)
    assert policy.delay(2, None, EdgeRng(high=False)) == pytest.approx(6.0)


def test_an_estimate_no_sooner_than_the_gap_leaves_the_gap_as_it_is() -> None:
    policy = PollPolicy(jitter=0.2)
    # An estimate of exactly the gap brings nothing forward: the usual jitter, both ways.
    assert policy.delay(2, 7.5, EdgeRng(high=False)) == pytest.approx(6.0)
    assert policy.delay(2, 7.5, EdgeRng(high=True)) == pytest.approx(9.0)
    # A sooner one is the floor: never before it, at most the jitter after.
    assert policy.delay(2, 7, EdgeRng(high=False)) == pytest.approx(7.0)
    assert policy.delay(2, 7, EdgeRng(high=True)) == pytest.approx(8.4)


# -- reading the gateway's answers ------------------------------------------------------------


def test_a_gen2_status_of_unknown_state_is_unexpected_with_its_body() -> None:
    body = {"request_id": GEN2_ID, "status": "DONE"}
    with pytest.raises(UnexpectedResponseError) as caught:
        status_from_gen2(body)
    e = caught.value
    assert str(e) == f"unexpected status answer: {body!r}"
    assert e.status_code == 200 and e.body == body
    with pytest.raises(UnexpectedResponseError) as no_id:
        status_from_gen2({"status": "QUEUED"})
    assert no_id.value.status_code == 200


def test_a_gen2_media_url_that_is_not_a_list_gives_no_urls() -> None:
    for odd in ("https://cdn.example/x.png", {"https://cdn.example/x.png": 1}):
        body = {
            "request_id": GEN2_ID,
            "status": "COMPLETED",
            "output": {"media_url": odd, "media_type": "image/png"},
        }
        status = status_from_gen2(body, 200)
        assert status.media_urls == () and status.media_type == "image/png"
        assert status.generation == 2


def test_a_gen1_result_of_unknown_state_is_unexpected_with_its_body() -> None:
    for body in ({"request_id": UUID, "status": "DONE"}, {"request_id": UUID}):
        with pytest.raises(UnexpectedResponseError) as caught:
            status_from_gen1(body, Model.RMBG)
        e = caught.value
        assert str(e) == f"unexpected result answer: {body!r}"
        assert e.status_code == 200 and e.body == body


def test_a_gen1_result_without_a_request_id_has_an_empty_one() -> None:
    status = status_from_gen1({"status": "IN_QUEUE"}, Model.RMBG)
    assert status.request_id == "" and status.status is State.QUEUED
    assert status.model_id == Model.RMBG.value and status.generation == 1


@pytest.mark.parametrize(("estimate", "seen"), [(4, 4), (2.5, None), ("3", None), (True, None)])
def test_a_gen1_estimate_counts_only_as_whole_seconds(estimate: object, seen: int | None) -> None:
    body = {"request_id": UUID, "status": "IN_PROGRESS"}
    body["estimated_completion_time_seconds"] = estimate  # type: ignore[assignment]
    assert status_from_gen1(body, Model.FIBO).estimated_seconds == seen


async def test_an_odd_gen1_result_keeps_its_http_status(aiohttp_server: Any) -> None:
    async def odd(request: web.Request) -> web.Response:
        return web.json_response({"request_id": UUID, "status": "DONE"}, status=203)

    base = await serve(aiohttp_server, {f"POST {RMBG_RESULT}": odd})
    async with stub_client(base) as pixazo:
        with pytest.raises(UnexpectedResponseError) as caught:
            await pixazo.status(UUID, model="rmbg")
    assert caught.value.status_code == 203
    assert str(caught.value).startswith("unexpected result answer: ")


async def test_a_gen1_poll_that_cannot_connect_names_its_post(closed_port: int) -> None:
    base = f"http://127.0.0.1:{closed_port}"
    async with stub_client(base) as pixazo:
        with pytest.raises(TransportError) as caught:
            await pixazo.status(UUID, model="rmbg")
    assert str(caught.value).startswith(f"POST {base}{RMBG_RESULT}: ")
    assert caught.value.kind == "connect"


async def test_a_read_given_up_after_two_tries_says_two_attempts(closed_port: int) -> None:
    clock = SimTime()  # the client's own time: the mock's stands still
    retry = RetryPolicy(attempts=2, base_delay=0.5, jitter=0.0)
    async with stub_client(f"http://127.0.0.1:{closed_port}", retry=retry, sleep=clock.sleep) as c:
        with pytest.raises(TransportError) as caught:
            await c.status(GEN2_ID)
    assert str(caught.value).endswith(" (2 attempts)") and caught.value.attempts == 2
    assert clock.sleeps == [0.5]


# -- wait(): its default timeout, and model= -------------------------------------------------


async def test_the_async_wait_gives_up_after_ten_minutes_by_default(
    gw: RunningGateway, sim: SimTime
) -> None:
    own = SimTime()  # the client's own time: the mock's stands still
    options = client_options(sim, sleep=own.sleep, clock=own.clock, poll=PollPolicy.fixed(100))
    async with AsyncPixazoClient(KEY, **options) as pixazo:
        job = await pixazo.remove_background(CAT)
        with pytest.raises(WaitTimeoutError) as caught:
            await pixazo.wait(job)
    assert caught.value.timeout == 600 and str(caught.value).endswith(" after 600 s")
    assert own.sleeps == [100.0] * 6 and own.now == 600.0


def test_the_sync_wait_gives_up_after_ten_minutes_by_default(
    make_sync: Callable[..., PixazoClient],
) -> None:
    own = SimTime()  # the client's own time: the mock's stands still
    pixazo = make_sync(sleep=own.sleep, clock=own.clock, poll=PollPolicy.fixed(100))
    job = pixazo.remove_background(CAT)
    with pytest.raises(WaitTimeoutError) as caught:
        pixazo.wait(job)
    assert caught.value.timeout == 600 and caught.value.request_id == job.request_id
    assert own.sleeps == [100.0] * 6 and own.now == 600.0


def test_the_sync_wait_asks_only_the_model_it_is_given(
    make_sync: Callable[..., PixazoClient], gw: RunningGateway
) -> None:
    gw.put_key("old-key", balance_usd=10, api_generation=1)
    job = make_sync("old-key").text_to_image("a lighthouse")
    gw.advance(60)
    stranger = make_sync("old-key")  # has not seen the id
    asked = len(gw.requests)
    done = stranger.wait(job.request_id, timeout=60, model="fibo")
    assert done.status is State.COMPLETED and done.model_id == Model.FIBO.value
    assert journal(gw)[asked:] == [("POST", FIBO_RESULT, 200)]


# -- download ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        JobStatus("r-1", State.COMPLETED, None),  # finished, but no picture
        JobStatus("r-1", State.PROCESSING, None, media_urls=("http://127.0.0.1:9/x.png",)),
    ],
)
def test_a_status_with_nothing_to_download_is_refused(status: JobStatus, tmp_path: Path) -> None:
    with (
        PixazoClient(KEY, "http://127.0.0.1:9") as pixazo,
        pytest.raises(ValidationError) as caught,
    ):
        pixazo.download(status, tmp_path / "x.png")
    e = caught.value
    assert str(e) == f"request r-1 is {status.status.value}: there is nothing to download"
    assert e.field == "status"
    assert list(tmp_path.iterdir()) == []


def test_a_url_that_is_not_http_is_refused_and_shown_cut_to_100_characters(
    tmp_path: Path,
) -> None:
    url = "ftp://example.com/" + "a" * 200
    with (
        PixazoClient(KEY, "http://127.0.0.1:9") as pixazo,
        pytest.raises(ValidationError) as caught,
    ):
        pixazo.download(url, tmp_path / "x.png")
    assert str(caught.value) == f"not an http(s) URL: {url[:100]!r}"
    assert caught.value.field == "url"


@pytest.mark.parametrize("scheme", ["https", "HTTPS", "Http"])
async def test_an_http_or_https_url_in_any_case_is_fetched(
    scheme: str, closed_port: int, tmp_path: Path
) -> None:
    url = f"{scheme}://127.0.0.1:{closed_port}/x.png"
    async with stub_client("http://127.0.0.1:9") as pixazo:
        with pytest.raises(TransportError) as caught:  # it was tried: nothing listens there
            await pixazo.download(url, tmp_path / "x.png")
    assert caught.value.kind == "connect"
    assert str(caught.value).startswith(f"GET {scheme.lower()}://127.0.0.1:{closed_port}/x.png: ")


async def test_a_download_that_cannot_connect_gives_up_after_the_connect_timeout(
    unanswered_port: int, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{unanswered_port}/x.png"
    async with stub_client("http://127.0.0.1:9", connect_timeout=0.2) as pixazo:
        with pytest.raises(TransportError) as caught:
            await asyncio.wait_for(pixazo.download(url, tmp_path / "x.png"), 3)
    assert caught.value.kind == "connect"
    assert str(caught.value) == f"GET {url}: cannot connect within 0.2 s (1 attempt)"


async def test_a_300_answer_to_a_download_is_an_error_not_a_file(
    aiohttp_server: Any, tmp_path: Path
) -> None:
    async def choices(request: web.Request) -> web.Response:
        return web.Response(status=300, text="pick one")

    base = await serve(aiohttp_server, {"GET /x.png": choices})
    async with stub_client(base) as pixazo:
        with pytest.raises(GatewayError) as caught:
            await pixazo.download(base + "/x.png", tmp_path / "x.png")
    assert caught.value.status_code == 300 and str(caught.value) == "HTTP 300: pick one"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("reason", "says"), [(None, "HTTP 404: Not Found"), ("", "HTTP 404: no details in the answer")]
)
async def test_a_bodyless_download_error_says_its_reason_phrase(
    aiohttp_server: Any, tmp_path: Path, reason: str | None, says: str
) -> None:
    async def gone(request: web.Request) -> web.Response:
        return web.Response(status=404, reason=reason)

    base = await serve(aiohttp_server, {"GET /x.png": gone})
    async with stub_client(base) as pixazo:
        with pytest.raises(GatewayError) as caught:
            await pixazo.download(base + "/x.png", tmp_path / "x.png")
    assert str(caught.value) == says


@pytest.fixture
async def transport() -> AsyncIterator[Transport]:
    made = Transport(
        timeout=5.0,
        connect_timeout=5.0,
        retry=RetryPolicy.none(),
        sleep=asyncio.sleep,
        rng=random.Random(0),
    )
    yield made
    await made.close()


async def test_a_transport_download_returns_every_byte_it_saved(
    aiohttp_server: Any, transport: Transport, tmp_path: Path
) -> None:
    data = bytes(range(256)) * 1200  # 300 KiB: several chunks

    async def big(request: web.Request) -> web.Response:
        return web.Response(body=data, content_type="application/octet-stream")

    base = await serve(aiohttp_server, {"GET /big.bin": big})
    size = await transport.download(base + "/big.bin", tmp_path / "big.bin")
    assert size == len(data) and (tmp_path / "big.bin").read_bytes() == data


# -- the sync client's repr --------------------------------------------------------------------


def test_the_sync_repr_renames_only_the_class_not_the_url() -> None:
    base = "http://127.0.0.1:9/AsyncPixazoClient/AsyncPixazoClient"
    with PixazoClient("sk-test-0123456789abcdef", base) as pixazo:
        assert repr(pixazo) == f"PixazoClient(base_url={base!r}, api_key='sk-t…')"
