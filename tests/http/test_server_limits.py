"""The server's own limits, seen from raw sockets: slow or silent connections are closed,
open connections are capped, a stalled body gets a 408, and malformed requests a JSON 400
without a traceback in the log."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator

import pytest

from mock_gateway.running import RunningGateway, running

FIBO = "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request"


@pytest.fixture(scope="module")
def gw() -> Iterator[RunningGateway]:
    with running(
        header_timeout_seconds=0.5, body_timeout_seconds=0.5, max_connections=40
    ) as server:
        yield server


def connect(gw: RunningGateway) -> socket.socket:
    port = int(gw.url.rsplit(":", 1)[1])
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def read_all(s: socket.socket) -> bytes:
    got = b""
    try:
        while chunk := s.recv(65536):
            got += chunk
    except ConnectionResetError:
        pass
    return got


def closed_within(s: socket.socket, seconds: float) -> float:
    """Seconds until the server closed `s` (fails past `seconds`)."""
    started = time.monotonic()
    s.settimeout(seconds)
    read_all(s)
    return time.monotonic() - started


def test_a_silent_connection_is_closed_after_the_header_timeout(gw: RunningGateway) -> None:
    with connect(gw) as s:
        took = closed_within(s, 3)
    assert 0.4 <= took < 2, took


def test_slowloris_headers_are_cut_off_at_the_header_timeout(gw: RunningGateway) -> None:
    sockets = [connect(gw) for _ in range(20)]
    started = time.monotonic()
    for s in sockets:
        s.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n")  # headers never end
    for _ in range(3):
        time.sleep(0.1)
        for s in sockets:
            with contextlib.suppress(OSError):  # already closed: fine
                s.sendall(b"X-Slow: 1\r\n")
    for s in sockets:
        closed_within(s, 3)
        s.close()
    assert time.monotonic() - started < 3


def test_past_the_connection_cap_a_new_connection_is_closed_at_once(gw: RunningGateway) -> None:
    held = [connect(gw) for _ in range(40)]
    time.sleep(0.1)
    try:
        with connect(gw) as extra:
            assert closed_within(extra, 2) < 0.3
    finally:
        for s in held:
            s.close()
    time.sleep(0.1)
    with connect(gw) as s:  # room again
        s.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert read_all(s).startswith(b"HTTP/1.1 200")


def test_a_stalled_body_gets_a_408_and_the_connection_closes(gw: RunningGateway) -> None:
    with connect(gw) as s:
        s.sendall(
            f"POST {FIBO} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Ocp-Apim-Subscription-Key: {gw.api_key}\r\nContent-Length: 100\r\n\r\n"
            '{"prompt": '.encode()
        )
        started = time.monotonic()
        answer = read_all(s)
    assert time.monotonic() - started < 2.5, "closed after the body timeout and a 1 s linger"
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert json.loads(body) == {
        "error": "Request Timeout",
        "message": "the request body did not arrive within 0.5 s",
    }
    assert gw.jobs == []


@pytest.mark.parametrize(
    ("name", "request_bytes"),
    [
        ("a 64 KB header", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n"),
        ("10,000 headers", b"GET / HTTP/1.1\r\n" + b"X-H: 1\r\n" * 10_000 + b"\r\n"),
        ("a negative Content-Length", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"),
        ("TLS bytes", bytes.fromhex("16030100a5010000a10303") + b"\x00" * 64),
    ],
)
def test_malformed_requests_answer_json_400_without_a_traceback(
    gw: RunningGateway, name: str, request_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with connect(gw) as s:
        with contextlib.suppress(OSError):  # the server may close before reading it all
            s.sendall(request_bytes)
        answer = read_all(s)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == b"400", (name, answer[:200])  # HTTP/1.0 when unparsed
    assert b"Content-Type: application/json" in head
    found = json.loads(body)
    assert found["error"] == "Bad Request" and found["message"].startswith("malformed HTTP")
    assert "Traceback" not in caplog.text and "Error handling request" not in caplog.text


def test_an_http_0_9_request_is_closed_not_left_hanging(gw: RunningGateway) -> None:
    with connect(gw) as s:
        s.sendall(b"GET /_mock/health\r\n\r\n")  # a whole HTTP/0.9 request
        started = time.monotonic()
        assert read_all(s) == b"", "no HTTP/1.x status line and headers to a 0.9 client"
    assert time.monotonic() - started < 0.3
    with connect(gw) as s:
        s.sendall(b"GET /_mock/health\r\n")  # its line, and nothing more: the deadline
        took = closed_within(s, 3)
    assert took < 1.5, took
