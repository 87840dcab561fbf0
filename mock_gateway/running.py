"""The mock in a background thread: for scripts, unittest suites and the pytest plugin.

    from mock_gateway.running import running

    with running(manual_clock=True) as gw:
        requests.post(f"{gw.url}/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request",
                      json={"prompt": "a lighthouse"},
                      headers={"Ocp-Apim-Subscription-Key": gw.api_key})
        gw.advance(30)

The server runs on its own event loop in a daemon thread, bound to 127.0.0.1 on a free
port. Control calls (`advance`, `reset`, `put_key`, ...) go straight to the gateway object on
that loop, not over HTTP, so they are cheap and their errors surface in the caller.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from aiohttp import web

from .app import create_app
from .core.scenarios import check_rule
from .gateway import Gateway
from .http.keys import GATEWAY, WEBHOOKS
from .settings import ConfigError, Settings, key_config
from .views.control import job_summary

T = TypeVar("T")

__all__ = ["RunningGateway", "running"]


class RunningGateway:
    """A started mock: its URL, a key that works, and the control verbs."""

    api_key = "test-key"

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = (settings or Settings(manual_clock=True)).with_overrides(port=0)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._guests: list[web.AppRunner] = []  # other apps served on the same loop
        self.url = ""

    # -- life ------------------------------------------------------------------------------

    def start(self) -> RunningGateway:
        self._thread.start()
        self._call(self._start())
        return self

    async def _start(self) -> None:
        self.app = create_app(self.settings)
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    def host(self, app: web.Application, ssl_context: ssl.SSLContext | None = None) -> str:
        """Serve another app (e.g. a webhook sink) on this loop, on a free port; its base URL."""

        async def serve() -> str:
            runner = web.AppRunner(app, access_log=None, handle_signals=False)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context).start()
            self._guests.append(runner)
            host, port = runner.addresses[0][:2]
            return f"{'https' if ssl_context else 'http'}://{host}:{port}"

        return self._call(serve())

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        """Run a coroutine on the server's loop (where the gateway and guests live)."""
        return self._call(coro, timeout)

    def stop(self) -> None:
        for guest in self._guests:
            self._call(guest.cleanup())
        self._guests.clear()
        if self._runner is not None:
            self._call(self._runner.cleanup())
            self._runner = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> RunningGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float | None = 60) -> T:
        """Run `coro` on the server's loop and return its result (or raise its error here)."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # -- control verbs -------------------------------------------------------------------------

    @property
    def gateway(self) -> Gateway:
        return self.app[GATEWAY]

    def advance(self, seconds: float) -> float:
        """Move simulated time; returns once everything due by then has happened."""
        # No timeout: slow receivers make deliveries take wall time, and advance waits for them.
        return self._call(self.gateway.advance(seconds), timeout=None)

    def reset(self) -> None:
        """Back to the configured keys and rules; no jobs, journal or deliveries."""

        async def reset() -> None:
            self.gateway.reset()

        self._call(reset())

    def put_key(self, key: str, **fields: Any) -> dict[str, Any]:
        """Create or update a key (`balance_usd`, `models`, `rate_limit`, `api_generation`)."""

        async def put() -> dict[str, Any]:
            try:
                config = key_config(key, fields, source="put_key")
            except ConfigError as e:
                raise ValueError(str(e)) from None
            account = self.gateway.put_key(config, set(fields))
            view: dict[str, Any] = account.view(self.settings.api_generation)
            return view

        return self._call(put())

    def scenario(self, **rule: Any) -> dict[str, Any]:
        """Add a scenario rule (the body of POST /_mock/scenarios); returns it with its id."""

        async def add() -> dict[str, Any]:
            view: dict[str, Any] = self.gateway.scenarios.add(check_rule(rule)).view()
            return view

        return self._call(add())

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The journal of gateway requests (keys redacted), oldest first."""

        async def entries() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = self.gateway.journal.entries()
            return found

        return self._call(entries())

    @property
    def webhooks(self) -> list[dict[str, Any]]:
        """Every webhook delivery attempt, oldest first."""

        async def log() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = self.app[WEBHOOKS].deliveries()
            return found

        return self._call(log())

    @property
    def jobs(self) -> list[dict[str, Any]]:
        """Every job with its planned timeline, oldest first."""

        async def jobs() -> list[dict[str, Any]]:
            now = self.gateway.now()
            return [job_summary(job, now) for job in self.gateway.jobs.values()]

        return self._call(jobs())


@contextmanager
def running(settings: Settings | None = None, **overrides: Any) -> Iterator[RunningGateway]:
    """Start the mock in a thread (manual clock unless told otherwise) and stop it after."""
    base = settings or Settings(manual_clock=True, access_log=False)
    gateway = RunningGateway(base.with_overrides(**overrides)).start()
    try:
        yield gateway
    finally:
        gateway.stop()
