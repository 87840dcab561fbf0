"""The webhook sink: in process through aiohttp's test client, over TLS, and as a CLI process.

The process tests spawn `sink.run` through a tiny `python -c` entry (the `mock-gateway sink`
subcommand is wired separately); every wait has a timeout and every process is killed in a
finally. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import queue
import re
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from mock_gateway import sink
from mock_gateway.sink import CLOSED, Received, WebhookSink, line, local_tls
from tests import processes
from tests.processes import TIMEOUT, child_env

RID = "bria-fibo-bbq-preview_0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
OTHER = "bria-rmbg-2-0-682_0193a1b2-c3d4-7e5f-8a9b-ffffffffffff"

MakeSink = Callable[..., Awaitable[tuple[WebhookSink, TestClient[Any, Any]]]]


def callback(request_id: str = RID, status: str = "COMPLETED") -> dict[str, Any]:
    """A status object as the gateway sends it."""
    done = status in ("COMPLETED", "FAILED", "ERROR")
    return {
        "request_id": request_id,
        "status": status,
        "model_id": request_id.split("_")[0],
        "error": "content refused" if status == "FAILED" else None,
        "output": {"media_url": ["https://x/o.png"], "media_type": "image/png"}
        if status == "COMPLETED"
        else None,
        "created_at": "2026-03-31T10:00:00.000Z",
        "updated_at": "2026-03-31T10:00:00.000Z",
        "completed_at": "2026-03-31T10:00:00.000Z" if done else None,
    }


def headers(delivery: str = "dlv_12ab", attempt: int = 1) -> dict[str, str]:
    return {"X-Webhook-Delivery-Id": delivery, "X-Webhook-Attempt": str(attempt)}


@pytest.fixture
def make_sink(aiohttp_client: Any) -> MakeSink:
    async def make(**knobs: Any) -> tuple[WebhookSink, TestClient[Any, Any]]:
        s = WebhookSink(**knobs)
        client: TestClient[Any, Any] = await aiohttp_client(s.app)
        return s, client

    return make


async def post(client: TestClient[Any, Any], body: Any = None, path: str = "/", **kw: Any) -> int:
    resp = await client.post(path, json=callback() if body is None else body, **kw)
    await resp.read()
    return resp.status


# --- in process ------------------------------------------------------------------------


async def test_a_post_is_recorded_with_its_parsed_fields(make_sink: MakeSink) -> None:
    s, client = await make_sink()
    before = time.time()
    assert await post(client, path="/hooks/a", headers=headers("dlv_12ab", 2)) == 200
    [r] = s.received
    assert r.body == callback()
    assert (r.request_id, r.status) == (RID, "COMPLETED")
    assert (r.delivery_id, r.attempt) == ("dlv_12ab", 2)
    assert (r.duplicate, r.answered, r.path) == (False, 200, "/hooks/a")
    assert before <= r.at <= time.time()
    assert s.accepted() == [r]


async def test_missing_headers_and_fields_are_none(make_sink: MakeSink) -> None:
    s, client = await make_sink()
    assert await post(client, {"hello": 1}, headers={"X-Webhook-Attempt": "two"}) == 200
    [r] = s.received
    assert (r.request_id, r.status, r.delivery_id, r.attempt) == (None, None, None, None)


async def test_same_request_and_status_is_a_duplicate_another_status_is_not(
    make_sink: MakeSink,
) -> None:
    s, client = await make_sink()
    for body in (
        callback(RID, "PROCESSING"),
        callback(RID, "COMPLETED"),
        callback(RID, "COMPLETED"),
        callback(OTHER, "COMPLETED"),
        callback(RID, "PROCESSING"),
    ):
        assert await post(client, body) == 200
    assert [r.duplicate for r in s.received] == [False, False, True, False, True]
    assert len(s.accepted()) == 5


async def test_fail_first_answers_500_then_the_status_and_failures_are_not_accepted(
    make_sink: MakeSink,
) -> None:
    s, client = await make_sink(fail_first=2)
    codes = [await post(client, headers=headers(attempt=n)) for n in (1, 2, 3)]
    assert codes == [500, 500, 200]
    assert [r.answered for r in s.received] == [500, 500, 200]
    assert [r.attempt for r in s.accepted()] == [3]
    # A failed answer is not "received successfully": the retry that succeeds is no duplicate.
    assert [r.duplicate for r in s.received] == [False, False, False]


async def test_status_sets_the_answer_and_non_2xx_is_not_accepted(make_sink: MakeSink) -> None:
    s, client = await make_sink(status=410)
    assert await post(client) == 410
    assert await post(client) == 410
    assert [r.answered for r in s.received] == [410, 410]
    assert s.accepted() == []
    assert [r.duplicate for r in s.received] == [False, False]


async def test_a_3xx_answer_points_back_at_the_sink_and_204_has_no_body(
    make_sink: MakeSink,
) -> None:
    s, client = await make_sink(status=302)
    resp = await client.post("/", json=callback(), allow_redirects=False)
    assert resp.status == 302
    assert resp.headers["Location"] == "/redirected"
    s.status = 204
    resp = await client.post("/", json=callback())
    assert resp.status == 204
    assert await resp.read() == b""
    assert [r.answered for r in s.received] == [302, 204]


async def test_knobs_change_after_construction(make_sink: MakeSink) -> None:
    s, client = await make_sink()
    assert await post(client) == 200
    s.status = 503
    assert await post(client) == 503
    s.status = 200
    s.fail_first = 3  # counts every POST so far: the 3rd fails, the 4th passes
    assert [await post(client), await post(client)] == [500, 200]


async def test_delay_answers_no_sooner(make_sink: MakeSink) -> None:
    _, client = await make_sink(delay=0.2)
    start = time.monotonic()
    assert await post(client) == 200
    # A lower bound only; the slack is the event loop's clock resolution.
    assert time.monotonic() - start >= 0.195


async def test_a_sender_that_hangs_up_during_the_delay_is_recorded_as_closed(
    make_sink: MakeSink,
) -> None:
    s, client = await make_sink(delay=2.0)
    with pytest.raises(asyncio.TimeoutError):
        await client.post("/", json=callback(), timeout=aiohttp.ClientTimeout(total=0.1))
    async with asyncio.timeout(TIMEOUT):
        while not s.received:
            await asyncio.sleep(0.01)
    [r] = s.received
    assert r.answered == CLOSED
    assert s.accepted() == []
    assert "(closed before the answer)" in line(r)


async def test_a_hang_up_is_recorded_as_closed_when_handlers_are_not_cancelled_too() -> None:
    # The CLI's runner does not cancel a handler when its client leaves (the test server does).
    s = WebhookSink(delay=0.5)
    runner = web.AppRunner(s.app, shutdown_timeout=0.1)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/"
        async with aiohttp.ClientSession() as session:
            with pytest.raises(asyncio.TimeoutError):
                await session.post(url, json=callback(), timeout=aiohttp.ClientTimeout(total=0.1))
        async with asyncio.timeout(TIMEOUT):
            while not s.received:
                await asyncio.sleep(0.01)
    finally:
        await runner.cleanup()
    assert [r.answered for r in s.received] == [CLOSED]


@pytest.mark.parametrize("raw", [b"not json", b"\xff\xfe", b"[1, 2]", b'"text"', b""])
async def test_a_body_that_is_not_a_json_object_gets_400_and_is_not_recorded(
    make_sink: MakeSink, raw: bytes
) -> None:
    s, client = await make_sink(fail_first=1)
    resp = await client.post("/", data=raw, headers={"Content-Type": "application/json"})
    assert resp.status == 400
    assert "error" in await resp.json()
    assert s.received == []
    assert await post(client) == 500  # the 400 did not use up fail_first


async def test_get_received_lists_only_the_accepted_callbacks(make_sink: MakeSink) -> None:
    s, client = await make_sink(fail_first=1)
    await post(client, headers=headers(attempt=1))
    await post(client, headers=headers(attempt=2))
    resp = await client.get("/received")
    assert resp.status == 200
    listed = (await resp.json())["received"]
    assert listed == [asdict(r) for r in s.accepted()]
    assert [(x["attempt"], x["answered"]) for x in listed] == [(2, 200)]
    assert listed[0]["body"] == callback()


async def test_get_refused_lists_the_attempts_answered_non_2xx_or_cut_off(
    make_sink: MakeSink,
) -> None:
    s, client = await make_sink(fail_first=1)
    await post(client, headers=headers(attempt=1))
    await post(client, headers=headers(attempt=2))
    s.status = 410
    await post(client, headers=headers(attempt=3))
    s.status, s.delay = 200, 2.0
    with pytest.raises(asyncio.TimeoutError):
        await client.post("/", json=callback(), timeout=aiohttp.ClientTimeout(total=0.1))
    async with asyncio.timeout(TIMEOUT):
        while len(s.received) < 4:
            await asyncio.sleep(0.01)
    resp = await client.get("/refused")
    assert resp.status == 200
    refused = (await resp.json())["refused"]
    assert refused == [asdict(r) for r in s.refused()]
    assert [(x["attempt"], x["answered"]) for x in refused] == [(1, 500), (3, 410), (None, CLOSED)]
    assert [r["attempt"] for r in (await (await client.get("/received")).json())["received"]] == [2]


async def test_with_status_410_nothing_is_received_and_everything_refused(
    make_sink: MakeSink,
) -> None:
    _, client = await make_sink(status=410)
    assert [await post(client), await post(client)] == [410, 410]
    assert (await (await client.get("/received")).json()) == {"received": []}
    refused = (await (await client.get("/refused")).json())["refused"]
    assert [x["answered"] for x in refused] == [410, 410]


async def test_delete_received_clears_records_and_counters(make_sink: MakeSink) -> None:
    s, client = await make_sink(fail_first=1)
    assert [await post(client), await post(client)] == [500, 200]
    resp = await client.delete("/received")
    assert resp.status == 200
    assert s.received == []
    assert (await (await client.get("/received")).json()) == {"received": []}
    assert (await (await client.get("/refused")).json()) == {"refused": []}
    # Counters restart: fail_first applies again, and nothing is a duplicate any more.
    assert [await post(client), await post(client)] == [500, 200]
    assert [r.duplicate for r in s.received] == [False, False]


async def test_clear_works_without_http(make_sink: MakeSink) -> None:
    s, client = await make_sink()
    await post(client)
    s.clear()
    await post(client)
    assert [r.duplicate for r in s.received] == [False]


async def test_on_receive_sees_each_record_after_it_is_stored(make_sink: MakeSink) -> None:
    seen: list[Received] = []
    s, client = await make_sink(on_receive=seen.append)
    await post(client)
    await post(client)
    assert seen == s.received
    assert [r.duplicate for r in seen] == [False, True]


async def test_wait_for_returns_once_enough_callbacks_are_accepted(make_sink: MakeSink) -> None:
    s, client = await make_sink(fail_first=1)

    async def deliver() -> None:
        for attempt in (1, 2, 3):
            await asyncio.sleep(0.02)
            await post(client, headers=headers(attempt=attempt))

    sender = asyncio.create_task(deliver())
    try:
        got = await s.wait_for(2, timeout=TIMEOUT)
    finally:
        await sender
    assert [(r.attempt, r.answered) for r in got] == [(2, 200), (3, 200)]
    assert len(s.received) == 3


async def test_wait_for_returns_at_once_when_already_there(make_sink: MakeSink) -> None:
    s, client = await make_sink()
    await post(client)
    await post(client)
    assert await s.wait_for(1, timeout=0.2) == s.received[:1]


async def test_wait_for_times_out_saying_how_many_arrived(make_sink: MakeSink) -> None:
    s, client = await make_sink(fail_first=1)
    await post(client)
    await post(client)
    with pytest.raises(TimeoutError) as caught:
        await s.wait_for(3, timeout=0.2)
    message = str(caught.value)
    assert "3 accepted callbacks" in message
    assert message == "waited 0.2 s for 3 accepted callbacks: 1 accepted, 1 refused"


def test_line_shows_time_ids_attempt_answer_and_duplicate() -> None:
    at = 1_780_000_000.125
    r = Received(callback(), RID, "COMPLETED", "dlv_12ab", 2, True, 200, at, "/")
    expected_time = time.strftime("%H:%M:%S", time.localtime(at)) + ".125"
    assert (
        line(r)
        == f"{expected_time}  {RID}  COMPLETED  attempt 2  delivery dlv_12ab  -> 200  DUPLICATE"
    )
    bare = Received({}, None, None, None, None, False, 500, at, "/hooks/a")
    text = line(bare)
    assert "attempt ?" in text
    assert "-> 500" in text
    assert "DUPLICATE" not in text
    assert text.endswith("on /hooks/a")


# --- TLS -------------------------------------------------------------------------------


async def test_local_tls_serves_https_that_only_a_client_trusting_the_ca_accepts(
    tmp_path: Path, aiohttp_server: Any
) -> None:
    server_context, ca = local_tls(tmp_path / "ca")
    assert ca == tmp_path / "ca" / "sink-ca.pem"
    assert ca.read_text("ascii").startswith("-----BEGIN CERTIFICATE-----")
    s = WebhookSink()
    server = await aiohttp_server(s.app, ssl=server_context)
    url = f"https://127.0.0.1:{server.port}/hook"

    trusting = ssl.create_default_context(cafile=str(ca))
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json=callback(), ssl=trusting) as resp:
            assert resp.status == 200
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await session.post(url, json=callback(), ssl=ssl.create_default_context())
    assert [r.path for r in s.received] == ["/hook"]


async def test_local_tls_reuses_the_ca_in_its_directory_so_old_trust_still_holds(
    tmp_path: Path, aiohttp_server: Any
) -> None:
    _, ca = local_tls(tmp_path / "ca")
    first = ca.read_bytes()
    key = tmp_path / "ca" / sink.CA_KEY_FILE
    assert key.read_text("ascii").startswith("-----BEGIN ") and "PRIVATE KEY" in key.read_text()
    assert key.stat().st_mode & 0o777 == 0o600, "the CA key is readable by its owner only"

    again, ca_again = local_tls(tmp_path / "ca")  # a restart on the same directory
    assert ca_again == ca and ca.read_bytes() == first, "the same CA, not a new one"
    assert key.stat().st_mode & 0o777 == 0o600
    s = WebhookSink()
    server = await aiohttp_server(s.app, ssl=again)
    trusting_the_first = ssl.create_default_context(cadata=first.decode("ascii"))
    async with aiohttp.ClientSession() as session:
        url = f"https://127.0.0.1:{server.port}/hook"
        async with session.post(url, json=callback(), ssl=trusting_the_first) as resp:
            assert resp.status == 200


def test_local_tls_makes_a_new_ca_when_the_directory_has_only_a_certificate(
    tmp_path: Path,
) -> None:
    """A CA file without its key (e.g. written by an older sink) cannot issue: replaced."""
    _, ca = local_tls(tmp_path / "ca")
    first = ca.read_bytes()
    (tmp_path / "ca" / sink.CA_KEY_FILE).unlink()
    local_tls(tmp_path / "ca")
    assert ca.read_bytes() != first
    assert (tmp_path / "ca" / sink.CA_KEY_FILE).is_file()


def test_local_tls_refuses_a_ca_it_cannot_read_rather_than_replace_it(tmp_path: Path) -> None:
    local_tls(tmp_path / "ca")
    key = tmp_path / "ca" / sink.CA_KEY_FILE
    key.write_text("not a key")
    with pytest.raises(ValueError, match=r"sink-ca\.pem.*cannot be used"):
        local_tls(tmp_path / "ca")
    assert key.read_text() == "not a key", "left for the user to look at"


# --- the CLI, end to end ---------------------------------------------------------------

BANNER = re.compile(r"mock-gateway sink listening on (https?)://127\.0\.0\.1:(\d+)/(.*)$")
HTTPS_NOTE = re.compile(
    r"^ ; CA: (\S+) \(start the mock with: mock-gateway serve --webhook-ca (\S+)\)$"
)


def command(*args: str) -> list[str]:
    """`mock-gateway sink <args>`: the real command line."""
    return processes.command("sink", *args)


class Lines:
    """One output stream of a child, read line by line on a thread."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.lines: list[str] = []
        self._new: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for text in self.stream:
            self.lines.append(text.rstrip("\n"))
            self._new.put(text.rstrip("\n"))
        self._new.put(None)

    def next(self) -> str:
        """The next line (fails after TIMEOUT or at the end of the stream)."""
        try:
            text = self._new.get(timeout=TIMEOUT)
        except queue.Empty:
            raise AssertionError(f"no new line after {self.lines}") from None
        if text is None:
            raise AssertionError(f"stream ended after {self.lines}")
        return text


class Sink:
    """A running sink process; its banner parsed."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.proc = subprocess.Popen(
            command("--port", "0", *args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=cwd,
            env=child_env(),
        )
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        self.out = Lines(self.proc.stdout)
        self.err = Lines(self.proc.stderr)
        banner = self.err.next()
        match = BANNER.search(banner)
        assert match is not None, banner
        self.scheme, self.port, self.note = match.group(1), int(match.group(2)), match.group(3)
        self.url = f"{self.scheme}://127.0.0.1:{self.port}/"

    def stop(self) -> int:
        """SIGTERM, then the exit code once both streams are fully read."""
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=TIMEOUT)
        self.out.reader.join(timeout=TIMEOUT)
        self.err.reader.join(timeout=TIMEOUT)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
        for lines in (self.out, self.err):
            lines.reader.join(timeout=TIMEOUT)
            lines.stream.close()


@pytest.fixture
def started() -> Iterator[list[Sink]]:
    """Sinks a test starts; killed at the end whatever happens."""
    sinks: list[Sink] = []
    try:
        yield sinks
    finally:
        for s in sinks:
            s.kill()


def deliver(url: str, ca: Path | None, attempt: int, status: str = "COMPLETED") -> int:
    """POST one callback with urllib (no proxy ever); the HTTP status."""
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
    if ca is not None:
        context = ssl.create_default_context(cafile=str(ca))
        handlers.append(urllib.request.HTTPSHandler(context=context))
    request = urllib.request.Request(
        url + "hook",
        data=json.dumps(callback(RID, status)).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **headers("dlv_12ab", attempt)},
    )
    try:
        with urllib.request.build_opener(*handlers).open(request, timeout=TIMEOUT) as response:
            return int(response.status)
    except urllib.error.HTTPError as e:
        with e:
            return e.code


def test_cli_https_prints_the_ca_a_line_per_callback_and_stops_on_sigterm(
    tmp_path: Path, started: list[Sink]
) -> None:
    ca_dir = tmp_path / "ca"
    s = Sink("--https", "--ca-dir", str(ca_dir), cwd=tmp_path)
    started.append(s)
    assert s.scheme == "https"
    note = HTTPS_NOTE.match(s.note)
    assert note is not None, s.note
    assert note.group(1) == note.group(2) == str(ca_dir / "sink-ca.pem")
    ca = Path(note.group(1))
    assert ca.is_file()

    assert deliver(s.url, ca, attempt=1) == 200
    first = s.out.next()
    assert RID in first
    assert "COMPLETED" in first
    assert "attempt 1" in first
    assert "delivery dlv_12ab" in first
    assert "-> 200" in first
    assert "DUPLICATE" not in first

    assert deliver(s.url, ca, attempt=2) == 200
    second = s.out.next()
    assert "attempt 2" in second
    assert second.endswith("DUPLICATE  on /hook")

    assert s.stop() == 0
    assert s.err.lines[-1] == "mock-gateway sink stopped"
    assert len(s.err.lines) == 2, s.err.lines  # the banner and the goodbye, no traceback
    assert ca.is_file()  # a --ca-dir is the user's: left in place


def test_cli_a_restarted_sink_on_the_same_ca_dir_is_still_trusted(
    tmp_path: Path, started: list[Sink]
) -> None:
    ca_dir = tmp_path / "ca"
    first = Sink("--https", "--ca-dir", str(ca_dir), cwd=tmp_path)
    started.append(first)
    trusted = tmp_path / "trusted-ca.pem"  # what the mock was started with (--webhook-ca)
    trusted.write_bytes((ca_dir / "sink-ca.pem").read_bytes())
    assert deliver(first.url, trusted, attempt=1) == 200
    assert first.stop() == 0

    second = Sink("--https", "--ca-dir", str(ca_dir), cwd=tmp_path)
    started.append(second)
    assert deliver(second.url, trusted, attempt=2) == 200, "the first CA still verifies it"
    assert "attempt 2" in second.out.next()
    assert second.stop() == 0
    assert len(second.err.lines) == 2, second.err.lines


def test_cli_without_ca_dir_uses_a_temporary_ca_gone_after_stop_and_fail_first_shows(
    tmp_path: Path, started: list[Sink]
) -> None:
    s = Sink("--https", "--fail-first", "1", cwd=tmp_path)
    started.append(s)
    note = HTTPS_NOTE.match(s.note)
    assert note is not None, s.note
    ca = Path(note.group(1))
    assert ca.is_file()
    assert deliver(s.url, ca, attempt=1) == 500
    assert "-> 500" in s.out.next()
    assert deliver(s.url, ca, attempt=2) == 200
    assert "-> 200" in s.out.next()
    assert s.stop() == 0
    assert not ca.exists()


def test_cli_plain_http_says_it_is_for_plain_tests_only(
    tmp_path: Path, started: list[Sink]
) -> None:
    s = Sink("--status", "410", cwd=tmp_path)
    started.append(s)
    assert s.scheme == "http"
    assert "only takes https webhook URLs" in s.note
    assert deliver(s.url, None, attempt=1) == 410
    assert "-> 410" in s.out.next()
    assert s.stop() == 0


def test_cli_a_port_in_use_exits_1_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = processes.run(tmp_path, "sink", "--port", str(port))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"mock-gateway sink: 127.0.0.1:{port} is already in use (try --port)"
    ]
    assert done.stdout == ""


def parse(*argv: str) -> argparse.Namespace:
    top = argparse.ArgumentParser(prog="mock-gateway")
    sink.add_parser(top.add_subparsers(dest="command"))
    return top.parse_args(["sink", *argv])


def test_the_parser_defaults() -> None:
    args = parse()
    assert (args.host, args.port, args.https, args.ca_dir) == ("127.0.0.1", 8443, False, None)
    assert (args.fail_first, args.delay, args.status) == (0, 0.0, 200)


@pytest.mark.parametrize(
    "argv",
    [
        ("--fail-first", "-1"),
        ("--delay", "-0.5"),
        ("--delay", "nan"),
        ("--status", "99"),
        ("--status", "600"),
        ("--status", "abc"),
        ("--port", "70000"),
    ],
)
def test_the_parser_rejects_out_of_range_values(
    argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        parse(*argv)
    assert caught.value.code == 2
    assert argv[0] in capsys.readouterr().err


def test_ca_dir_without_https_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert sink.run(parse("--ca-dir", "/nowhere")) == 2
    assert capsys.readouterr().err == "mock-gateway sink: --ca-dir only makes sense with --https\n"
