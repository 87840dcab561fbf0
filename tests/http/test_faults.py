"""Network-level faults, seen from a raw socket: exactly what a client receives.

Each fault token is sent as `X-Mock-Scenario` (or made a rule) against a mock in a thread,
and the bytes (or the reset, or the silence) that come back are asserted.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from mock_gateway.running import RunningGateway, running

FIBO = "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request"
RST = b"<RST>"


@pytest.fixture(scope="module")
def gw() -> Iterator[RunningGateway]:
    with running() as server:
        yield server


@pytest.fixture(autouse=True)
def _clean(gw: RunningGateway) -> None:
    gw.reset()


def port_of(gw: RunningGateway) -> int:
    return int(gw.url.rsplit(":", 1)[1])


def raw(
    gw: RunningGateway,
    method: str,
    path: str,
    body: Any = None,
    scenario: str | None = None,
    timeout: float = 5.0,
) -> tuple[bytes, float]:
    """Send one request on a fresh socket; everything received until the server closes (RST
    appended when it was reset), and the seconds it took."""
    data = json.dumps(body).encode() if body is not None else b""
    headers = {
        "Host": "127.0.0.1",
        "Ocp-Apim-Subscription-Key": gw.api_key,
        "Content-Type": "application/json",
        "Content-Length": str(len(data)),
        "Connection": "close",  # a clean answer ends with a close too, like a faulted one
    }
    if scenario:
        headers["X-Mock-Scenario"] = scenario
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    received = b""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port_of(gw)), timeout=timeout) as s:
        s.sendall(head.encode() + b"\r\n" + data)
        try:
            while chunk := s.recv(65536):
                received += chunk
        except ConnectionResetError:
            received += RST
    return received, time.monotonic() - started


def split(answer: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    return status, dict(line.split(": ", 1) for line in lines), body


def submit(gw: RunningGateway, scenario: str | None = None) -> tuple[bytes, float]:
    return raw(gw, "POST", FIBO, {"prompt": "a lighthouse"}, scenario)


def balance(gw: RunningGateway) -> float:
    return float(gw.put_key(gw.api_key)["balance_usd"])


def test_fault_reset_resets_before_any_byte_and_charges_nothing(gw: RunningGateway) -> None:
    assert submit(gw, "fault-reset")[0] == RST
    assert gw.jobs == [] and balance(gw) == 100.0, "before acceptance: no job, not charged"
    (entry,) = gw.requests
    assert (entry["status"], entry["fault"]) == (202, "fault-reset")


def test_fault_empty_closes_with_no_answer(gw: RunningGateway) -> None:
    assert submit(gw, "fault-empty")[0] == b""
    assert gw.jobs == [] and balance(gw) == 100.0


def test_fault_truncated_sends_head_and_half_the_body(gw: RunningGateway) -> None:
    answer, _ = submit(gw, "fault-truncated")
    status, headers, body = split(answer)
    assert status == "HTTP/1.1 202 Accepted"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    length = int(headers["Content-Length"])
    assert len(body) < length // 2 and headers["Connection"] == "close"
    prefix = b'{"request_id": "bria-fibo-bbq-preview_'
    assert body.startswith(prefix) and len(body) == len(prefix) + 8, (
        "cut inside the id: the stand-in 202 names no job, and no whole id gets through"
    )
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    assert gw.jobs == [] and balance(gw) == 100.0


def test_fault_garbage_is_seeded_random_bytes_then_close(gw: RunningGateway) -> None:
    first, _ = submit(gw, "fault-garbage")
    assert len(first) == 256 and not first.startswith(b"HTTP/")
    gw.reset()  # the seeded generator starts again: the same bytes
    assert submit(gw, "fault-garbage")[0] == first


def test_fault_slow_dribbles_the_whole_answer_and_the_job_exists(gw: RunningGateway) -> None:
    answer, took = submit(gw, "fault-slow-600")
    status, headers, body = split(answer)
    assert status == "HTTP/1.1 202 Accepted" and len(body) == int(headers["Content-Length"])
    assert 0.5 <= took < 3.0, took
    job = json.loads(body)
    assert [j["request_id"] for j in gw.jobs] == [job["request_id"]]
    assert balance(gw) == pytest.approx(99.96), "the client got its 202: charged"


def test_fault_hang_sends_nothing_until_the_client_gives_up(gw: RunningGateway) -> None:
    with pytest.raises(TimeoutError):
        raw(gw, "POST", FIBO, {"prompt": "a lighthouse"}, "fault-hang", timeout=0.5)
    assert gw.jobs == []
    time.sleep(0.2)  # the mock notices the client left and lets the connection go
    (entry,) = gw.requests
    assert entry["fault"] == "fault-hang"


@pytest.mark.parametrize(
    ("token", "received"),
    [("fault-after-accept", RST), ("fault-empty,fault-after-accept", b"")],
)
def test_fault_after_accept_charges_a_job_the_client_never_hears_of(
    gw: RunningGateway, token: str, received: bytes
) -> None:
    assert submit(gw, token)[0] == received
    (job,) = gw.jobs
    assert job["status"] == "QUEUED" and balance(gw) == pytest.approx(99.96)
    (entry,) = gw.requests
    assert entry["request_id"] == job["request_id"], "the journal names the job to look for"
    assert entry["fault"] == (token if "," in token else "fault-reset,fault-after-accept")


def test_status_faults_carry_the_real_answer(gw: RunningGateway) -> None:
    answer, _ = submit(gw)
    request_id = json.loads(split(answer)[2])["request_id"]
    gw.advance(60)
    path = f"/v2/requests/status/{request_id}"
    clean = split(raw(gw, "GET", path)[0])[2]
    status, _, body = split(raw(gw, "GET", path, scenario="fault-truncated")[0])
    assert status == "HTTP/1.1 200 OK" and body == clean[: len(clean) // 2]
    assert raw(gw, "GET", path, scenario="fault-reset")[0] == RST


def test_cdn_downloads_fault_too(gw: RunningGateway) -> None:
    answer, _ = submit(gw)
    request_id = json.loads(split(answer)[2])["request_id"]
    gw.advance(60)
    path = f"/_mock/cdn/v1/{request_id}/output.png"
    status, headers, body = split(raw(gw, "GET", path, scenario="fault-truncated")[0])
    assert status == "HTTP/1.1 200 OK" and headers["Content-Type"] == "image/png"
    assert body.startswith(b"\x89PNG") and len(body) == int(headers["Content-Length"]) // 2
    gw.scenario(match={"on": "cdn"}, fault="fault-empty", times=1)
    assert raw(gw, "GET", path)[0] == b""
    assert split(raw(gw, "GET", path)[0])[0] == "HTTP/1.1 200 OK", "times: 1 is used up"


def test_a_rule_fails_twice_then_succeeds(gw: RunningGateway) -> None:
    rule = gw.scenario(match={"on": "submit"}, fault="fault-reset", times=2)
    assert (rule["fault"], rule["times"], rule["probability"]) == ("fault-reset", 2, None)
    assert submit(gw)[0] == RST
    assert submit(gw)[0] == RST
    assert split(submit(gw)[0])[0] == "HTTP/1.1 202 Accepted"
    assert len(gw.jobs) == 1 and balance(gw) == pytest.approx(99.96)


def test_a_rule_with_a_probability_hits_a_seeded_share(gw: RunningGateway) -> None:
    gw.scenario(match={"on": "submit"}, fault="fault-empty", probability=0.3)
    first = [submit(gw)[0] == b"" for _ in range(40)]
    assert 4 <= sum(first) <= 20, sum(first)
    gw.reset()
    gw.scenario(match={"on": "submit"}, fault="fault-empty", probability=0.3)
    assert [submit(gw)[0] == b"" for _ in range(40)] == first, "the same requests under a seed"


@pytest.mark.parametrize(
    "fault", ["fault-rest", "fault-slow-", "fault-slow-600001", "fault-reset,fault-empty", "x"]
)
def test_a_misspelt_fault_is_refused_where_the_rule_is_made(
    gw: RunningGateway, fault: str
) -> None:
    with pytest.raises(ValueError, match="fault"):
        gw.scenario(fault=fault)
    answer = split(raw(gw, "POST", "/_mock/scenarios", {"fault": fault})[0])
    assert answer[0] == "HTTP/1.1 400 Bad Request"
    assert json.loads(answer[2])["message"].startswith("fault: ")


def test_an_unknown_fault_token_in_the_header_is_a_400(gw: RunningGateway) -> None:
    status, _, body = split(submit(gw, "fault-rest")[0])
    assert status == "HTTP/1.1 400 Bad Request"
    message = json.loads(body)["message"]
    assert "unknown scenario 'fault-rest'" in message
    assert "fault-<reset|empty|truncated|garbage|hang|slow-ms|after-accept>" in message


def test_a_client_that_hangs_up_mid_request_is_journaled_as_closed_not_a_500(
    gw: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps({"prompt": "a lighthouse"}).encode()
    head = (
        f"POST {FIBO} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Ocp-Apim-Subscription-Key: {gw.api_key}\r\nContent-Length: {len(body) + 100}\r\n\r\n"
    )
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", port_of(gw)), timeout=2) as s:
            s.sendall(head.encode() + body)  # 100 bytes short: the mock waits for them
            time.sleep(0.05)
    deadline = time.monotonic() + 3
    while len(gw.requests) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    entries = gw.requests
    assert [(e["status"], e["fault"]) for e in entries] == [(None, "client closed")] * 5
    assert "unexpected error" not in caplog.text and gw.jobs == []
