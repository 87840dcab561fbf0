"""The HTTP server around the app: limits a shared, hostile network needs.

aiohttp's own handler knows a keep-alive timeout and line and header size limits; it has no
deadline for a request's headers, no cap on open connections, and it answers its parser's
400s in plain text with a traceback in the log. `GuardedHandler` adds what is missing:

- a header deadline: from a connection's opening, or a request's first byte, to the end of
  its headers (`header_timeout_seconds`): slowloris and silent connections are closed;
- a connection cap (`max_connections`): past it, a new connection is closed at once;
- parser errors (an oversized header, too many headers, a bad Content-Length, TLS bytes on
  the HTTP port) answer a JSON 400 and close, logged as one line, never a traceback.

A request line without an HTTP version (HTTP/0.9) is closed unanswered by the front door,
or by the header deadline when its line never ends.

The body deadline (`body_timeout_seconds`) is the front door's (`front.read_json`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from ..settings import Settings

log = logging.getLogger("mock_gateway.access")
LINGER_SECONDS = 1.0


@dataclass
class Guard:
    """One server's limits, and the connections it has open."""

    header_timeout: float
    max_connections: int
    open: set[GuardedHandler] = field(default_factory=set)
    refused: int = 0  # connections closed for being over the cap
    too_slow: int = 0  # connections closed for missing the header deadline


class GuardedHandler(RequestHandler):
    _guard: Guard
    _deadline: asyncio.TimerHandle | None = None
    _seen = 0

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
        self._arm()  # a connection that never sends a whole request is closed too

    def connection_lost(self, exc: BaseException | None) -> None:
        self._guard.open.discard(self)
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and not self._request_in_progress and not self._messages:
            self._arm()  # the first byte of a new request: its headers have a deadline
        super().data_received(data)
        if self._request_count != self._seen:  # a whole request (or a parser error) is in
            self._disarm()

    def _arm(self) -> None:
        self._disarm()
        self._seen = self._request_count
        loop = asyncio.get_running_loop()
        self._deadline = loop.call_later(self._guard.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        transport = self.transport
        if self._request_count == self._seen and transport is not None:
            self._guard.too_slow += 1
            self.force_close()
            transport.close()

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


class GuardedServer(web.Server):
    guard: Guard

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
        self.guard = Guard(settings.header_timeout_seconds, settings.max_connections)

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = GuardedServer  # same object, the guarded handler factory
        server.guard = self.guard  # type: ignore[attr-defined]
        return server
