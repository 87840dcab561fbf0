"""The mock in a background thread: for scripts, unittest suites and the pytest plugin.

    from mock_gateway.running import running

    with running(manual_clock=True) as gw:
        requests.post(f"{gw.url}/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request",
                      json={"prompt": "a lighthouse"},
                      headers={"Ocp-Apim-Subscription-Key": gw.api_key})
        gw.advance(30)

The server runs on its own event loop in a daemon thread, bound to 127.0.0.1 on a free
port. Control calls (`advance`, `reset`, `put_key`, ...) go straight to the service on that
loop, not over HTTP, so they are cheap and their errors surface in the caller.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from aiohttp import web

from .app import create_app
from .core.errors import GatewayError, InvalidParameters
from .http.keys import SERVICE
from .http.listen import GreedySite
from .http.server import GuardedRunner
from .service import Service
from .settings import Settings

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
        self._runner = GuardedRunner(self.app, self.settings, access_log=None)
        await self._runner.setup()
        site = GreedySite(self._runner, self.settings.host, 0)
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
    def service(self) -> Service:
        """The mock's use cases; call them on the server's loop (see `call`)."""
        return self.app[SERVICE]

    def _run(self, verb: Callable[[], T]) -> T:
        """Run a synchronous service call on the server's loop, where its state lives."""

        async def run() -> T:
            return verb()

        return self._call(run())

    def advance(self, seconds: float) -> float:
        """Move simulated time; returns once everything due by then has happened."""
        # No timeout: slow receivers make deliveries take wall time, and advance waits for them.
        found = self._call(self.service.advance({"seconds": seconds}), timeout=None)
        return float(found["epoch"])

    def reset(self) -> None:
        """Back to the configured keys and rules; no jobs, journal or deliveries."""
        self._run(self.service.reset)

    def put_key(self, key: str, **fields: Any) -> dict[str, Any]:
        """Create or update a key (`balance_usd`, `models`, `rate_limit`, `api_generation`)."""
        try:
            view, _ = self._run(lambda: self.service.put_key(key, fields, source="put_key"))
        except InvalidParameters as e:
            raise ValueError(f"put_key: {e.message}") from None
        return view

    def key(self, key: str) -> dict[str, Any]:
        """A key's view (balance, models, rate limit, generation; the key redacted)."""
        try:
            return self._run(lambda: self.service.get_key(key))
        except GatewayError as e:
            raise KeyError(key) from e

    @property
    def admin_headers(self) -> dict[str, str]:
        """What an HTTP call to the control API sends when the mock has an admin token."""
        token = self.settings.admin_token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def scenario(self, **rule: Any) -> dict[str, Any]:
        """Add a scenario rule (the body of POST /_mock/scenarios); returns it with its id."""
        try:
            return self._run(lambda: self.service.add_scenario(rule))
        except InvalidParameters as e:
            raise ValueError(f"scenario: {e.message}") from None

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The journal of gateway requests (keys redacted), oldest first."""
        found: list[dict[str, Any]] = self._run(self.service.journal)["requests"]
        return found

    @property
    def webhooks(self) -> list[dict[str, Any]]:
        """Every webhook delivery attempt kept, oldest first (each numbered `n`); see
        `GET /_mock/webhooks` for paging and how many older ones were dropped."""
        found: list[dict[str, Any]] = self._run(self.service.deliveries)["deliveries"]
        return found

    @property
    def jobs(self) -> list[dict[str, Any]]:
        """Every job with its planned timeline, oldest first."""
        found: list[dict[str, Any]] = self._run(lambda: self.service.jobs(limit=None))["jobs"]
        return found[::-1]

    @property
    def events(self) -> list[dict[str, Any]]:
        """Scheduled work still to happen (refunds, callbacks, retries), soonest first."""
        found: list[dict[str, Any]] = self._run(self.service.events)["events"]
        return found


@contextmanager
def running(settings: Settings | None = None, **overrides: Any) -> Iterator[RunningGateway]:
    """Start the mock in a thread (manual clock unless told otherwise) and stop it after."""
    base = settings or Settings(manual_clock=True, access_log=False)
    gateway = RunningGateway(base.with_overrides(**overrides)).start()
    try:
        yield gateway
    finally:
        gateway.stop()
