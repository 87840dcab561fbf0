"""An aiohttp app served on 127.0.0.1 from its own thread and event loop.

The suite is synchronous; a receiver it needs (the HTTPS webhook sink) runs beside it on a
private loop, and `call` runs a coroutine there and hands back its result.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from aiohttp import web

__all__ = ["ServedApp"]

T = TypeVar("T")


class ServedApp:
    """Serve `app` (over TLS with `tls`) on a free loopback port until `stop`."""

    def __init__(self, app: web.Application, tls: ssl.SSLContext | None = None) -> None:
        self.app = app
        self.tls = tls
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    def __repr__(self) -> str:
        return f"ServedApp({self.url!r})"

    def start(self) -> ServedApp:
        self._thread.start()
        self.call(self._start())
        return self

    async def _start(self) -> None:
        # A short shutdown: a receiver that is mid-answer must not hold the stop back.
        self._runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.tls)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"{'https' if self.tls else 'http'}://{host}:{port}"

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run `coro` on the app's loop; its result or its error, here."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def stop(self) -> None:
        if self._runner is not None:
            self.call(self._runner.cleanup())
            self._runner = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> ServedApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
