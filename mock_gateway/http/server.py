"""The HTTP server around the app: limits a shared, hostile network needs.

aiohttp's own handler knows a keep-alive timeout and line and header size limits; it has no
deadline for a request's headers, no cap on open connections, and it answers its parser's
400s in plain text with a traceback in the log. `GuardedHandler` adds what is missing:

- a header deadline: from a connection's opening, or a request's first byte, to the end of
  its headers (`header_timeout_seconds`, checked by one sweeper task every quarter second or
  quarter deadline, not a timer per request): slowloris and silent connections are closed;
- a connection cap (`max_connections`): past it, a new connection is closed at once;
- parser errors (an oversized header, too many headers, a bad Content-Length, TLS bytes on
  the HTTP port) answer a JSON 400 and close, logged as one line, never a traceback.

A request line without an HTTP version (HTTP/0.9) is closed unanswered by the front door,
or by the header deadline when its line never ends.

Each connection starts in the fast lane (http/fast.py) when the app is the mock as built:
plain requests to the hot routes are answered without aiohttp's web layer, the rest of the
connection goes to aiohttp from the first request the lane does not take. The limits hold
in both: the header deadline, and (the lane's own) the keep-alive timeout.

The body deadline (`body_timeout_seconds`) is the front door's (`front.read_json`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Coroutine, Generator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from ..settings import Settings
from .fast import NEED_MORE, NOT_FAST, Exchange, Lane
from .front import front_door
from .keys import SERVICE

log = logging.getLogger("mock_gateway.access")
LINGER_SECONDS = 1.0
PAUSE_BYTES = 1 << 20  # the fast lane stops reading a connection that sent this much ahead
SWEEP_SECONDS = 0.25  # the longest a connection outlives its header deadline (idle loop)


@dataclass
class Guard:
    """One server's limits, and the connections it has open."""

    header_timeout: float
    max_connections: int
    keepalive_timeout: float  # the fast lane's own idle limit (aiohttp keeps its own)
    open: set[GuardedHandler] = field(default_factory=set)
    refused: int = 0  # connections closed for being over the cap
    too_slow: int = 0  # connections closed for missing the header deadline


class GuardedHandler(RequestHandler):
    _guard: Guard
    _since: float | None = None  # when the awaited request's headers began (None: not waiting)
    _seen = 0  # requests parsed by then
    # The fast lane (http/fast.py): the bytes it holds, None once aiohttp has the connection.
    _pending: bytearray | None = None
    _lane: Lane
    # The fast answer under way: a Handle until it starts (`_step`), a Task if it waits.
    _answering: asyncio.Task[None] | asyncio.Handle | None = None
    # Whether that Handle has yet to run: a flag, as uvloop's Handle is no asyncio.Handle.
    _starting = False
    _idle_since: float | None = None  # when the fast lane last answered with nothing left
    _remote = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        manager = self._manager
        assert isinstance(manager, GuardedServer)
        guard = self._guard = manager.guard
        if len(guard.open) >= guard.max_connections:
            guard.refused += 1
            transport.close()
            return
        guard.open.add(self)
        self._since = self._loop.time()  # a connection that never sends a request is closed too
        if manager.lane is not None:
            self._lane, self._pending = manager.lane, bytearray()
            peer = transport.get_extra_info("peername")
            self._remote = str(peer[0]) if isinstance(peer, tuple | list) and peer else ""

    def connection_lost(self, exc: BaseException | None) -> None:
        self._guard.open.discard(self)
        if self._answering is not None:
            self._answering.cancel()
            self._starting = False
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        pending = self._pending
        if pending is None:
            self._ordinary(data)
            return
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        pending += data
        if self._answering is None:
            self._fast_next()
        elif len(pending) > PAUSE_BYTES:
            transport.pause_reading()  # a client far ahead of its answers waits, as in aiohttp

    def _ordinary(self, data: bytes) -> None:
        # No timer per request (the hot path): a mark, which the server's sweeper reads.
        if self._since is None and not self._request_in_progress and not self._messages:
            self._since, self._seen = self._loop.time(), self._request_count
        super().data_received(data)
        if self._since is not None and self._request_count != self._seen:
            self._since = None  # a whole request (or a parser error) is in

    def _fast_next(self) -> None:
        """Answer the next request in the fast lane's buffer, or hand the connection over."""
        pending = self._pending
        assert pending is not None
        exchange, used = self._lane.parse(pending)
        if exchange == NOT_FAST:
            self._hand_over()
        elif exchange == NEED_MORE:
            if pending and self._since is None:
                self._since, self._seen = self._loop.time(), self._request_count
            self._idle_since = None if pending else self._idle_since
        else:
            assert not isinstance(exchange, str)
            del pending[:used]
            self._since = self._idle_since = None
            if self._lane.stepped:
                self._starting = True
                self._answering = self._loop.call_soon(self._step, exchange)
            else:
                self._answering = self._loop.create_task(self._fast_answer(exchange))

    def _step(self, exchange: Exchange) -> None:
        """Start a fast answer in a turn of the loop, as a task would, but without one.

        Nearly every answer in memory awaits nothing: it is whole in one step, and a task of
        its own (its registration in asyncio's WeakSet of tasks, done in Python, and its
        removal) was a few percent of a request. One that does wait (a commit on --state, an
        input still being fetched) goes on in a task from where it stopped. Answers still
        start a turn after their requests were read, never inside data_received: writing there
        woke the client once per answer instead of once per turn (make bench: slower)."""
        self._starting = False
        answer = self._fast_answer(exchange)
        try:
            waiting = answer.send(None)
        except StopIteration:
            return
        task = self._answering = self._loop.create_task(_resumed(answer, waiting))
        # Cancelled before its first step (a hang-up), the task never enters `answer`: close
        # it now, not whenever it is collected (a no-op once it has finished).
        task.add_done_callback(lambda _: answer.close())

    async def _fast_answer(self, exchange: Exchange) -> None:
        transport = self.transport
        try:
            closing = transport.is_closing if transport is not None else _gone
            reply = await self._lane.answer(exchange, self._remote, closing)
        except Exception:
            # A bug in the mock (the lane answers every GatewayError itself): said loudly,
            # and the connection closed rather than left waiting for an answer forever.
            log.exception("the fast lane failed on %s %s", exchange.method, exchange.path[:300])
            if self.transport is not None:
                self.transport.abort()
            return
        finally:
            self._answering = None
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if reply:
            transport.write(reply)
        if self._pending is not None:
            if len(self._pending) <= PAUSE_BYTES:
                transport.resume_reading()
            if self._pending:
                self._fast_next()
            else:
                self._idle_since = self._loop.time()

    async def shutdown(self, timeout: float | None = 15.0) -> None:
        """On the server's stop: a fast answer under way (a submit waiting for its commit)
        is finished and sent first, as aiohttp does for its own requests."""
        self._pending = None  # nothing after it is taken: the connection closes
        while self._starting:  # an answer about to start starts first (a turn of the loop)
            await asyncio.sleep(0)
        answering = self._answering
        if isinstance(answering, asyncio.Task):
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(asyncio.shield(answering), timeout)
        await super().shutdown(timeout)

    def _hand_over(self) -> None:
        """The ordinary path has this connection from here on, starting with what is held."""
        data, self._pending = self._pending, None
        self._idle_since = None
        assert self.transport is not None
        self.transport.resume_reading()
        if data:
            self._ordinary(bytes(data))

    def too_slow(self, now: float) -> bool:
        """Close the connection if its headers are overdue, or (fast lane) it sat idle past
        the keep-alive timeout; whether it was."""
        idle = self._idle_since
        if idle is not None and now - idle >= self._guard.keepalive_timeout:
            return self._close_now(slow=False)
        since = self._since
        if since is None or now - since < self._guard.header_timeout:
            return False
        if self._request_count != self._seen or self.transport is None:
            return False
        return self._close_now(slow=True)

    def _close_now(self, *, slow: bool) -> bool:
        transport = self.transport
        if transport is None:
            return False
        if slow:
            self._guard.too_slow += 1
        self.force_close()
        transport.close()
        return True

    def handle_error(
        self,
        request: Any,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status >= 500:  # a bug in the mock: aiohttp's answer and its traceback in the log
            return super().handle_error(request, status, exc, message)
        reason = (message or str(exc) or "malformed HTTP request").splitlines()[0][:200]
        log.info("%s malformed request -> %d: %s", request.remote, status, reason)
        if request.writer.output_size > 0:
            raise ConnectionError("an answer was already under way")
        body = {"error": "Bad Request", "message": f"malformed HTTP request: {reason}"}
        response = web.Response(
            status=status, text=json.dumps(body), content_type="application/json"
        )
        response.force_close()
        return response


def _gone() -> bool:
    return True


async def _resumed(answer: Coroutine[Any, Any, None], waiting: Any) -> None:
    """Go on with `answer`, started by hand and stopped at `waiting` (the future it awaits)."""
    await _Started(answer, waiting)


class _Started:
    """Awaits a coroutine that was started by hand (`send(None)`) and stopped at `waiting`:
    what `await` on it would have done from there on, so that a task can take it over."""

    __slots__ = ("_coro", "_waiting")

    def __init__(self, coro: Coroutine[Any, Any, None], waiting: Any) -> None:
        self._coro, self._waiting = coro, waiting

    def __await__(self) -> Generator[Any, Any, None]:
        coro, waiting = self._coro, self._waiting
        while True:
            try:
                sent = yield waiting  # the task waits on it, then sends (or throws) back
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as thrown:  # a cancellation
                step = partial(coro.throw, thrown)
            else:
                step = partial(coro.send, sent)
            try:
                waiting = step()
            except StopIteration:
                return


class GuardedServer(web.Server):
    guard: Guard
    lane: Lane | None = None

    def __call__(self) -> RequestHandler:
        return GuardedHandler(self, loop=self._loop, **self._kwargs)


class GuardedRunner(web.AppRunner):
    """An AppRunner whose connections get a `GuardedHandler`."""

    def __init__(self, app: web.Application, settings: Settings, **kwargs: Any) -> None:
        super().__init__(
            app,
            keepalive_timeout=settings.keepalive_timeout_seconds,
            # After an early answer (a 408, a 413) the rest of a body is read for this long
            # before closing (aiohttp's default is 10 s: long enough to hold slow uploads).
            lingering_time=LINGER_SECONDS,
            handle_signals=False,
            **kwargs,
        )
        self.guard = Guard(
            settings.header_timeout_seconds,
            settings.max_connections,
            settings.keepalive_timeout_seconds,
        )
        # Only over the app as built: a middleware someone added (a test's instrumentation,
        # a broken variant of the mock) would be bypassed by the fast lane, so it stays off.
        plain = SERVICE in app and tuple(app.middlewares) == (front_door,)
        self.lane = (
            Lane(app[SERVICE], settings, app._client_max_size)
            if settings.fast_lane and plain
            else None
        )

    async def setup(self) -> None:
        await super().setup()
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    async def cleanup(self) -> None:
        self._sweeper.cancel()
        await super().cleanup()

    async def _sweep(self) -> None:
        """Close connections whose headers are overdue, checked a few times per deadline."""
        guard = self.guard
        every = min(SWEEP_SECONDS, guard.header_timeout / 4)
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(every)
            now = loop.time()
            for handler in list(guard.open):
                handler.too_slow(now)

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = GuardedServer  # same object, the guarded handler factory
        server.guard = self.guard  # type: ignore[attr-defined]
        server.lane = self.lane  # type: ignore[attr-defined]
        return server
