"""Webhook deliveries: at-least-once POSTs of the status body, driven by the one dispatcher.

Every callback (a sync-mode progress update, or the terminal one) is a pending event at a
simulated time; its payload is the status at that time, fixed when the callback is made.
A failed attempt (non-2xx, 3xx included; connection error; TLS failure; no answer within
the timeout, which is wall time counted from when the request is sent, never while it waits
for the mock's own connection pool) is retried with backoff on the simulated clock, fal-like,
until the attempts run out. Edge cases are scenario flags read here: `webhook-duplicate`,
`webhook-delay`, `webhook-out-of-order`, `webhook-drop`. A manual clock fires it all on
`advance`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import ssl
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from .core.errors import InvalidParameters
from .core.events import DELIVER, HELD, PROGRESS, TERMINAL, Pending
from .core.jobs import Job, iso
from .gateway import Gateway
from .media.inputs import is_loopback
from .views import gen2

MODES = ("terminal", "sync")
# Gaps between attempts, in simulated seconds (times the time scale): 10 attempts in ~70 min,
# within fal's "10 attempts in 2 hours".
BACKOFF_SECONDS = (5, 15, 30, 60, 120, 300, 600, 1200, 1800)
# One console line per attempt that did not arrive, so a forgotten --webhook-ca or a receiver
# that is down is seen where the mock runs, not only in GET /_mock/webhooks.
log = logging.getLogger("mock_gateway.webhooks")
UNSEEN = {"failed": "failed", "blocked": "blocked", "gave_up": "given up"}
UNTRUSTED_HINT = "; start the mock with --webhook-ca <the CA file the receiver printed>"
DEFAULT_PORTS = {"https": 443, "http": 80}
DELIVERY_HEADER = "X-Webhook-Delivery-Id"
ATTEMPT_HEADER = "X-Webhook-Attempt"


def callback_headers(delivery_id: str, attempt: int) -> dict[str, str]:
    """The headers of one delivery attempt (its body is the callback's payload); the
    inspector's curl lines replay the same."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "mock-gateway-webhooks",
        DELIVERY_HEADER: delivery_id,
        ATTEMPT_HEADER: str(attempt),
    }


def check_headers(url: str | None, mode: str | None) -> tuple[str | None, str | None]:
    """The submit's webhook URL and mode, validated (400 naming the header otherwise)."""
    if mode is not None and mode.strip().lower() not in MODES:
        raise InvalidParameters(
            f"X-Webhook-Mode: must be 'terminal' or 'sync', not '{mode[:40]}'",
            field="X-Webhook-Mode",
        )
    if url is None:
        return None, None
    try:
        parts = urlsplit(url.strip())
        usable = parts.scheme.lower() == "https" and bool(parts.hostname) and len(url) <= 2048
    except ValueError:  # e.g. "https://[::1/hook"
        usable = False
    if not usable:
        raise InvalidParameters(
            "X-Webhook-URL: must be an absolute https:// URL (plain http:// is rejected)",
            field="X-Webhook-URL",
        )
    return url.strip(), (mode or "terminal").strip().lower()


class _Gate:
    """One receiver's turns at the pool, dropped once nobody holds or waits for one."""

    __slots__ = ("slots", "users")

    def __init__(self, size: int) -> None:
        self.slots = asyncio.Semaphore(size)
        self.users = 0

    def leave(self, gates: dict[tuple[str, str, int], _Gate], key: tuple[str, str, int]) -> None:
        self.users -= 1
        if self.users == 0 and gates.get(key) is self:
            del gates[key]


class Webhooks:
    """Plans callbacks for accepted jobs and delivers them; keeps the delivery log.

    Every step is a pending event in the store (mock_gateway.core.events), handled here by
    kind: PROGRESS and TERMINAL make a callback, DELIVER makes one attempt of it.
    """

    def __init__(
        self,
        gateway: Gateway,
        session: Callable[[], aiohttp.ClientSession],
        ssl_context: Future[ssl.SSLContext],
    ) -> None:
        self.gateway = gateway
        self.settings = gateway.settings
        self._session = session
        self._ssl = ssl_context
        self.log = gateway.store.deliveries
        self._dispatcher = gateway.dispatcher
        # Turns at the mock's own connection pool: per receiver, and in all (see `_turn`).
        self._gates: dict[tuple[str, str, int], _Gate] = {}
        self._all: asyncio.Semaphore | None = None
        gateway.dispatcher.handlers.update(
            {PROGRESS: self._progress, TERMINAL: self._terminal, DELIVER: self._attempt}
        )

    def may_deliver(self, host: str | None) -> bool:
        """The outbound policy: loopback always; other hosts only when allowed."""
        s = self.settings
        return (
            is_loopback(host)
            or s.allow_remote_webhooks
            or (host or "").lower() in {h.lower() for h in s.webhook_allowlist}
        )

    # -- planning ------------------------------------------------------------------------

    def plan(self, job: Job) -> None:
        """Schedule the job's callbacks: sync cycles from now, then the terminal one."""
        schedule, rid = self._dispatcher.schedule, job.request_id
        if job.webhook_mode == "sync":
            schedule(PROGRESS, job.created_at, rid, job.created_at)
            self.gateway.catch_up()  # due now: the first cycle goes right after the submit
        ends = job.ended_at
        if "webhook-delay" in job.flags:
            # "Well after" the status shows the end; drawn from the seeded generator.
            ends += self.gateway.rng.uniform(20, 40) * self.settings.time_scale
        schedule(TERMINAL, ends, rid, ends)

    def _progress(self, event: Pending) -> Any:
        """A sync-mode poll cycle at simulated time `at` (while queued or processing)."""
        job = self.gateway.jobs.get(event.request_id)
        if job is None:
            return None
        at = event.at
        interval = self.settings.webhook_sync_interval_seconds * self.settings.time_scale
        following = at + interval
        if following < job.ended_at:
            self._dispatcher.schedule(PROGRESS, following, job.request_id, following)
        # The last progress update arrives after the end when asked: held until released.
        hold = following >= job.ended_at and "webhook-out-of-order" in job.flags
        self._callback(job, at, final=False, due=HELD if hold else at)
        return None

    async def _terminal(self, event: Pending) -> None:
        job = self.gateway.jobs.get(event.request_id)
        if job is None:
            return
        job = await self.gateway.settle(job)  # an RMBG input in flight decides the outcome
        self._callback(job, max(event.at, job.ended_at), final=True, due=event.at)

    def _callback(self, job: Job, at: float, *, final: bool, due: float) -> None:
        """Make the callback (its payload fixed now, as the status at `at`) and its first
        attempt, due at `due`."""
        settings = self.settings
        body = gen2.status(job, at, settings.media_type, settings.timestamps == "mixed")
        self._dispatcher.schedule(
            DELIVER,
            due,
            job.request_id,
            due if due != HELD else at,
            delivery_id=self.log.new_delivery_id(job.request_id),
            payload=json.dumps(body).encode(),
            status=body["status"],
            final=final,
        )

    # -- delivery -------------------------------------------------------------------------

    async def _attempt(self, event: Pending) -> None:
        """One attempt of a callback; a failure schedules the next, with backoff."""
        job = self.gateway.jobs.get(event.request_id)
        if job is None:
            return
        attempt, at = event.attempt + 1, event.at
        url = job.webhook_url
        assert url is not None
        if not self.may_deliver(urlsplit(url).hostname):
            self._record(
                event,
                job,
                attempt,
                "blocked",
                error="not sent: outbound policy allows only "
                "loopback (--allow-remote-webhooks lifts it)",
            )
            return
        if attempt == 1 and "webhook-drop" in job.flags:
            self._record(
                event, job, attempt, "dropped", error="lost on the way (scenario webhook-drop)"
            )
            self._retry(event, job, attempt)
            return
        code, error = await self._post(event, job, attempt)
        delivered = code is not None and 200 <= code < 300
        self._record(event, job, attempt, "delivered" if delivered else "failed", code, error)
        if not delivered:
            self._retry(event, job, attempt)
            return
        if event.final and "webhook-duplicate" in job.flags:
            code, error = await self._post(event, job, attempt)  # the very same callback again
            outcome = "delivered" if code and code < 300 else "failed"
            self._record(event, job, attempt, outcome, code, error, duplicate=True)
        if event.final:
            self._dispatcher.release(job.request_id, at)

    def _retry(self, event: Pending, job: Job, attempt: int) -> None:
        at = event.at
        if attempt >= self.settings.webhook_max_attempts:
            self._record(
                event,
                job,
                attempt,
                "gave_up",
                error=f"no success in {attempt} attempts; no more retries",
            )
            if event.final:
                self._dispatcher.release(job.request_id, at)
            return
        gap = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1]
        when = at + gap * self.settings.time_scale
        self._dispatcher.schedule(
            DELIVER,
            when,
            job.request_id,
            when,
            delivery_id=event.delivery_id,
            payload=event.payload,
            status=event.status,
            final=event.final,
            attempt=attempt,
        )

    @contextlib.asynccontextmanager
    async def _turn(self, url: str) -> AsyncIterator[None]:
        """Wait, untimed, for a free connection of the mock's own pool to this receiver.

        The pool (the webhook session's connector) has `limit_per_host` connections per
        receiver and `limit` in all; an attempt that had to queue in it would spend its
        timeout there and be blamed on the receiver. Here it queues first, with no clock
        running, so the connector always has a connection for it at once.
        """
        connector = self._session().connector
        per_host = connector.limit_per_host if connector is not None else 0
        total = connector.limit if connector is not None else 0
        if total and self._all is None:
            self._all = asyncio.Semaphore(total)
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        try:
            port = parts.port or DEFAULT_PORTS.get(scheme, 0)
        except ValueError:  # e.g. :99999; the POST itself fails and says so
            port = -1
        key = (scheme, (parts.hostname or "").lower(), port)
        gate = self._gates.get(key)
        if gate is None and per_host:
            gate = self._gates[key] = _Gate(per_host)
        async with contextlib.AsyncExitStack() as held:
            if gate is not None:
                gate.users += 1
                held.callback(gate.leave, self._gates, key)
                await held.enter_async_context(gate.slots)
            if self._all is not None:
                await held.enter_async_context(self._all)
            yield

    async def _post(self, event: Pending, job: Job, attempt: int) -> tuple[int | None, str | None]:
        """Send one attempt: (HTTP status, None) or (status or None, why it failed).

        The timeout covers connect, send and answer only: it starts once the mock's pool has
        a connection for the attempt (`_turn`), so a burst never counts against a receiver.
        """
        assert job.webhook_url is not None
        async with self._turn(job.webhook_url):
            return await self._send(event, job, attempt)

    async def _send(self, event: Pending, job: Job, attempt: int) -> tuple[int | None, str | None]:
        assert job.webhook_url is not None
        timeout = self.settings.webhook_timeout_seconds
        tls = self._ssl
        context = tls.result() if tls.done() else await asyncio.wrap_future(tls)
        try:
            async with self._session().post(
                job.webhook_url,
                data=event.payload,
                headers=callback_headers(event.delivery_id, attempt),
                ssl=context,
                allow_redirects=False,  # a 3xx is a failure, never followed
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                await response.read()
                ok = 200 <= response.status < 300
                return response.status, None if ok else f"answered HTTP {response.status}"
        except aiohttp.ClientConnectorCertificateError as e:
            return None, f"TLS: certificate not trusted ({e.certificate_error})"
        except aiohttp.ClientSSLError as e:
            return None, f"TLS: {e}"
        except TimeoutError:
            return None, f"no answer within {timeout:g} s"
        except aiohttp.ClientConnectorError as e:  # never reached the receiver: say why
            errno = e.os_error.errno if e.os_error else None
            why = os.strerror(errno) if errno else "refused"
            return None, f"cannot connect to {e.host}:{e.port} ({why})"
        except aiohttp.ClientError as e:
            text = str(e).removeprefix("[Errno None] ")  # aiohttp's placeholder, not a cause
            return None, f"connection error: {text}" if text else type(e).__name__

    def _record(
        self,
        event: Pending,
        job: Job,
        attempt: int,
        outcome: str,
        code: int | None = None,
        error: str | None = None,
        *,
        duplicate: bool = False,
    ) -> None:
        if outcome in UNSEEN:
            self._tell(event, job, attempt, outcome, error)
        self.log.append(
            {
                "delivery_id": event.delivery_id,
                "request_id": job.request_id,
                "url": job.webhook_url,
                "mode": job.webhook_mode,
                "status": event.status,
                "final": event.final,
                "attempt": attempt,
                "outcome": outcome,
                "http_status": code,
                "error": error,
                "duplicate": duplicate,
                "sim_time": iso(event.at),
                "wall_time": iso(time.time()),
                "body": event.payload.decode(),  # as sent: the inspector replays it with curl
            }
        )

    @staticmethod
    def _tell(event: Pending, job: Job, attempt: int, outcome: str, error: str | None) -> None:
        url = job.webhook_url or ""
        parts = urlsplit(url)
        # Neither a query nor user:password@ may reach the console: either can hold a secret.
        try:
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            port = ""
        host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
        receiver = f"{parts.scheme}://{host}{port}{parts.path}"
        why = error or "no reason recorded"
        if why.startswith("TLS: certificate not trusted"):
            why += UNTRUSTED_HINT
        log.warning(
            "webhook %s for %s %s (attempt %d) to %s: %s",
            event.status,
            job.request_id,
            UNSEEN[outcome],
            attempt,
            receiver,
            why,
        )
