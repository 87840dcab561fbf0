"""A webhook receiver for reproducing webhook edge cases locally: `mock-gateway sink`.

Point the mock's `X-Webhook-URL` at it and watch every callback: its attempt, its delivery
id, whether it repeats an earlier (request_id, status), and what the sink answered. Knobs
make the receiver misbehave on purpose: fail the first N callbacks, answer slowly, answer
a non-2xx code. `WebhookSink` holds all the logic and knows nothing of pytest or of the
CLI; it runs on whatever event loop serves its `app`.

Besides the callbacks (a POST to any path), the sink answers:

- `GET /received`: `{"received": [...]}`, the callbacks it accepted (answered 2xx), in
  answer order; what a receiver would have handled.
- `GET /refused`: `{"refused": [...]}`, the attempts it did not accept: answered non-2xx
  (`--fail-first`, `--status`) or cut off before the answer (`answered` 499, e.g. the
  sender gave up during `--delay`). A refused attempt is not received: the sender retries it.
- `DELETE /received`: forget both lists and restart the counters (`--fail-first` applies
  afresh).

Entries in both lists have the same fields (`Received`); `answered` is the code sent.
In process, `accepted()` and `refused()` are the two lists and `received` holds every
attempt in order.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import json
import math
import os
import signal
import ssl
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

__all__ = [
    "CA_FILE",
    "CA_KEY_FILE",
    "CLOSED",
    "Received",
    "WebhookSink",
    "add_parser",
    "line",
    "local_tls",
    "run",
]

CA_FILE = "sink-ca.pem"
CA_KEY_FILE = "sink-ca-key.pem"  # the CA's private key, kept beside it (0600) for restarts
# Recorded as `answered` when the connection closed before the answer could be sent (the
# sender timed out during `delay`, or the sink stopped): nginx's "client closed request".
CLOSED = 499


@dataclass(frozen=True, slots=True)
class Received:
    """One callback as the sink saw it."""

    body: dict[str, Any]  # parsed JSON body
    request_id: str | None
    status: str | None
    delivery_id: str | None  # X-Webhook-Delivery-Id
    attempt: int | None  # X-Webhook-Attempt
    duplicate: bool  # (request_id, status) was already answered 2xx before
    answered: int  # the HTTP status the sink answered (CLOSED: no answer could be sent)
    at: float  # wall time of arrival
    path: str
    content_type: str = ""  # as sent, e.g. "application/json"


class WebhookSink:
    """A receiver that records callbacks; `app` serves them. The knobs may change any time."""

    def __init__(
        self,
        *,
        fail_first: int = 0,
        delay: float = 0.0,
        status: int = 200,
        on_receive: Callable[[Received], None] | None = None,
    ) -> None:
        self.fail_first = fail_first  # the first N well-formed POSTs are answered 500
        self.delay = delay  # seconds to wait before each answer (a slow receiver)
        self.status = status  # the answer when fail_first does not apply
        self.on_receive = on_receive  # called after each answer was sent; must not raise
        # Recorded once answered, so in answer order: arrival order unless `delay` changes.
        self.received: list[Received] = []
        self._posts = 0
        self._accepted_keys: set[tuple[str, str | None]] = set()
        # One event per waiting task, made inside its own loop: the sink may outlive a loop.
        self._waiters: set[asyncio.Event] = set()
        self.app = web.Application()
        self.app.router.add_get("/received", self._list_accepted)
        self.app.router.add_get("/refused", self._list_refused)
        self.app.router.add_delete("/received", self._clear)
        self.app.router.add_post("/{path:.*}", self._callback)  # POST /received included

    def accepted(self) -> list[Received]:
        """The callbacks answered 2xx, in order."""
        return [r for r in self.received if _ok(r.answered)]

    def refused(self) -> list[Received]:
        """The attempts answered non-2xx or cut off before the answer (CLOSED), in order."""
        return [r for r in self.received if not _ok(r.answered)]

    async def wait_for(self, n: int, timeout: float = 5.0) -> list[Received]:
        """The first `n` accepted callbacks, once they arrived; TimeoutError after `timeout` s."""
        try:
            async with asyncio.timeout(timeout):
                while len(self.accepted()) < n:
                    changed = asyncio.Event()
                    self._waiters.add(changed)
                    try:
                        await changed.wait()
                    finally:
                        self._waiters.discard(changed)
        except TimeoutError:
            raise TimeoutError(
                f"waited {timeout:g} s for {n} accepted callbacks: {len(self.accepted())} "
                f"accepted, {len(self.refused())} refused"
            ) from None
        return self.accepted()[:n]

    def clear(self) -> None:
        """Forget every callback and restart the counters (fail_first applies afresh)."""
        self.received.clear()
        self._posts = 0
        self._accepted_keys.clear()

    async def _list_accepted(self, request: web.Request) -> web.Response:
        return web.json_response({"received": [asdict(r) for r in self.accepted()]})

    async def _list_refused(self, request: web.Request) -> web.Response:
        return web.json_response({"refused": [asdict(r) for r in self.refused()]})

    async def _clear(self, request: web.Request) -> web.Response:
        self.clear()
        return web.json_response({"received": [], "refused": []})

    async def _callback(self, request: web.Request) -> web.StreamResponse:
        at = time.time()  # wall time on purpose: the sink reports when a callback really came
        try:
            body = json.loads(await request.read())
        except ValueError:  # not UTF-8 or not JSON
            body = None
        if not isinstance(body, dict):
            # A sender bug, not a receiver behaviour to simulate: not recorded, not counted.
            return web.json_response({"error": "the body must be a JSON object"}, status=400)
        self._posts += 1
        code = 500 if self._posts <= self.fail_first else self.status
        response = _answer(code)
        answered = CLOSED
        try:
            if self.delay > 0:
                await asyncio.sleep(self.delay)
            # Send the answer before recording it, so whoever waits on the record knows the
            # sender has it. A sender that hung up during the delay gets none.
            await response.prepare(request)
            await response.write_eof()
            answered = code
        except ConnectionError:
            pass
        finally:  # a cancelled handler (sender gone, sink stopping) is recorded too
            self._record(request, body, answered, at)
        return response

    def _record(self, request: web.Request, body: dict[str, Any], answered: int, at: float) -> None:
        request_id, status = body.get("request_id"), body.get("status")
        request_id = request_id if isinstance(request_id, str) else None
        status = status if isinstance(status, str) else None
        attempt = request.headers.get("X-Webhook-Attempt", "")
        key = (request_id, status) if request_id is not None else None
        received = Received(
            body=body,
            request_id=request_id,
            status=status,
            delivery_id=request.headers.get("X-Webhook-Delivery-Id"),
            attempt=int(attempt) if attempt.isdecimal() else None,
            duplicate=key in self._accepted_keys,
            answered=answered,
            at=at,
            path=request.path,
            content_type=request.content_type,
        )
        if key is not None and _ok(answered):
            self._accepted_keys.add(key)
        self.received.append(received)
        for waiter in self._waiters:
            waiter.set()
        if self.on_receive is not None:
            self.on_receive(received)


def _ok(answered: int) -> bool:
    """Whether an answer accepts the callback (2xx, as the gateway counts a delivery)."""
    return 200 <= answered < 300


def _answer(code: int) -> web.StreamResponse:
    if code in (204, 304):  # these must not carry a body
        return web.StreamResponse(status=code)
    response = web.json_response(
        {"error": "failing on purpose"} if code >= 400 else {"received": True}, status=code
    )
    if 300 <= code < 400:
        # A redirect needs a target; pointing back at the sink makes a sender that wrongly
        # follows it visible (the gateway must treat any 3xx as a failure).
        response.headers["Location"] = "/redirected"
    return response


def local_tls(
    directory: Path, hosts: Sequence[str] = ("127.0.0.1", "localhost", "::1")
) -> tuple[ssl.SSLContext, Path]:
    """A local CA and a fresh server certificate for `hosts`, issued by it.

    The CA is kept in `directory`: its certificate `sink-ca.pem` (for the sender to trust)
    and its key `sink-ca-key.pem` (owner-only, 0600). A CA found there is reused, so a
    restarted sink is trusted by whoever trusted it before; one is made only when none is
    there (or its key is missing). A CA there that cannot be read is a ValueError, never
    silently replaced. Returns the server SSLContext and the CA certificate's path.
    """
    import trustme  # here, not at the top: `mock-gateway serve` loads this module, never a CA

    directory.mkdir(parents=True, exist_ok=True)
    path, key = directory / CA_FILE, directory / CA_KEY_FILE
    if path.is_file() and key.is_file():
        try:
            ca = trustme.CA.from_pem(path.read_bytes(), key.read_bytes())
        except ValueError as e:
            raise ValueError(
                f"{path} and {key} cannot be used as a CA ({e}); remove both to make a new one"
            ) from None
        os.chmod(key, 0o600)
    else:
        ca = trustme.CA()
        # The key first, created owner-only: it never exists readable by others.
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(ca.private_key_pem.bytes())
        os.chmod(key, 0o600)  # an existing file keeps its mode through O_CREAT
        ca.cert_pem.write_to_path(str(path))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*hosts).configure_cert(context)
    return context, path


def line(r: Received) -> str:
    """One readable line per callback: time, request id, status, attempt, delivery, answer."""
    clock = time.strftime("%H:%M:%S", time.localtime(r.at)) + f".{int(r.at % 1 * 1000):03d}"
    answer = f"-> {r.answered}" + (" (closed before the answer)" if r.answered == CLOSED else "")
    parts = [
        clock,
        r.request_id or "(no request_id)",
        r.status or "(no status)",
        f"attempt {r.attempt if r.attempt is not None else '?'}",
        f"delivery {r.delivery_id or '?'}",
        answer,
    ]
    if r.duplicate:
        parts.append("DUPLICATE")
    if r.path != "/":
        parts.append(f"on {r.path}")
    return "  ".join(parts)


def _bounded(kind: type[int] | type[float], low: float, high: float) -> Callable[[str], Any]:
    def parse(text: str) -> int | float:
        value = kind(text)  # a ValueError becomes argparse's "invalid int value: 'x'"
        if not (math.isfinite(value) and low <= value <= high):
            bounds = f"{low:g} or more" if high == math.inf else f"between {low:g} and {high:g}"
            raise argparse.ArgumentTypeError(f"must be {bounds}")
        return value

    parse.__name__ = kind.__name__
    return parse


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `sink` to the CLI's subcommands."""
    sink = commands.add_parser("sink", help="run a webhook receiver that prints every callback")
    sink.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    sink.add_argument(
        "--https", action="store_true", help="serve TLS from a local CA (kept in --ca-dir)"
    )
    for flag, kind, low, high, default, metavar, text in (
        ("--port", int, 0, 65535, 8443, "PORT", "default 8443; 0 picks a free one"),
        ("--fail-first", int, 0, math.inf, 0, "N", "answer the first N callbacks 500"),
        ("--delay", float, 0, math.inf, 0.0, "S", "wait S seconds before each answer"),
        ("--status", int, 200, 599, 200, "CODE", "the answer when not failing (default 200)"),
    ):
        bounded = _bounded(kind, low, high)
        sink.add_argument(flag, type=bounded, default=default, metavar=metavar, help=text)
    sink.add_argument(
        "--ca-dir",
        metavar="DIR",
        help=f"where --https keeps its CA, {CA_FILE} and its key, and reuses them at the next "
        "start (default: a temporary one)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the sink until Ctrl-C or SIGTERM; 0 on a clean stop, 1 if it cannot start."""
    if args.ca_dir and not args.https:
        return _fail("--ca-dir only makes sense with --https", 2)
    with contextlib.ExitStack() as cleanup:
        tls = None
        if args.https:
            # The temporary directory lives as long as the sink: the CA is only good till then.
            directory = Path(args.ca_dir or cleanup.enter_context(tempfile.TemporaryDirectory()))
            names = dict.fromkeys(("127.0.0.1", "localhost", "::1", args.host))
            try:
                tls = local_tls(directory, [n for n in names if n not in ("", "0.0.0.0", "::")])
            except OSError as e:
                return _fail(f"cannot write {directory / CA_FILE}: {e.strerror or e}", 1)
            except ValueError as e:
                return _fail(str(e), 1)
        try:
            asyncio.run(_serve(args, tls))
        except OSError as e:
            where = f"{args.host}:{args.port}"
            if e.errno == errno.EADDRINUSE:
                return _fail(f"{where} is already in use (try --port)", 1)
            return _fail(f"cannot listen on {where}: {e.strerror or e}", 1)
    print("mock-gateway sink stopped", file=sys.stderr)
    return 0


def _fail(message: str, code: int) -> int:
    print(f"mock-gateway sink: {message}", file=sys.stderr)
    return code


async def _serve(args: argparse.Namespace, tls: tuple[ssl.SSLContext, Path] | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # before the banner: a supervisor may act on it
        loop.add_signal_handler(sig, stop.set)
    sink = WebhookSink(
        fail_first=args.fail_first,
        delay=args.delay,
        status=args.status,
        on_receive=lambda r: print(line(r), flush=True),
    )
    # A short shutdown: a long --delay must not hold the stop back.
    runner = web.AppRunner(sink.app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
    await runner.setup()
    try:
        site = web.TCPSite(runner, args.host, args.port, ssl_context=tls and tls[0])
        await site.start()
        host, port = runner.addresses[0][:2]
        url = f"{'https' if tls else 'http'}://{f'[{host}]' if ':' in host else host}:{port}/"
        if tls:  # the space before ";" keeps the URL clean to copy
            ca = tls[1]
            note = f" ; CA: {ca} (start the mock with: mock-gateway serve --webhook-ca {ca})"
        else:
            note = " (plain http: the gateway only takes https webhook URLs; for plain tests only)"
        print(f"mock-gateway sink listening on {url}{note}", file=sys.stderr, flush=True)
        await stop.wait()
    finally:
        await runner.cleanup()
