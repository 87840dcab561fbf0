"""Webhook deliveries: at-least-once POSTs of the status body, driven by the one scheduler.

Every callback (a sync-mode progress update, or the terminal one) is an event on the
scheduler at a simulated time; its payload is the status at that time. A failed attempt
(non-2xx, 3xx included; connection error; TLS failure; no answer within the timeout, which
is wall time) is retried with backoff on the simulated clock, fal-like, until the attempts
run out. Edge cases are scenario flags read here: `webhook-duplicate`, `webhook-delay`,
`webhook-out-of-order`, `webhook-drop`. A manual clock fires all of it on `advance`.
"""

from __future__ import annotations

import itertools
import json
import logging
import ssl
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from .core.errors import InvalidParameters
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
DELIVERY_HEADER = "X-Webhook-Delivery-Id"
ATTEMPT_HEADER = "X-Webhook-Attempt"


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


@dataclass(slots=True, eq=False)
class Callback:
    """One callback: the same payload and delivery id on every attempt and duplicate."""

    delivery_id: str
    job: Job
    payload: bytes
    status: str
    final: bool
    attempt: int = 0


class Webhooks:
    """Plans callbacks for accepted jobs and delivers them; keeps the delivery log."""

    def __init__(
        self,
        gateway: Gateway,
        session: Callable[[], aiohttp.ClientSession],
        ssl_context: ssl.SSLContext,
    ) -> None:
        self.gateway = gateway
        self.settings = gateway.settings
        self._session = session
        self._ssl = ssl_context
        self.log: deque[dict[str, Any]] = deque(maxlen=self.settings.journal_size or None)
        self._era = 0  # bumped by reset: work from before a reset neither logs nor retries
        self._ids = itertools.count(1)
        self._held: dict[str, Callback] = {}  # out-of-order: progress held until after the end

    def reset(self) -> None:
        self.log.clear()
        self._held.clear()
        self._era += 1
        self._ids = itertools.count(1)

    def may_deliver(self, host: str | None) -> bool:
        """The outbound policy: loopback always; other hosts only when allowed."""
        s = self.settings
        return (
            is_loopback(host)
            or s.allow_remote_webhooks
            or (host or "").lower() in s.webhook_allowlist
        )

    # -- planning ------------------------------------------------------------------------

    def plan(self, job: Job) -> None:
        """Schedule the job's callbacks: sync cycles from now, then the terminal one."""
        scheduler, era = self.gateway.scheduler, self._era
        if job.webhook_mode == "sync":
            at = job.created_at
            scheduler.at(at, lambda: self._progress(job, at, era))
            self.gateway.catch_up()  # due now: the first cycle goes right after the submit
        ends = job.ended_at
        if "webhook-delay" in job.flags:
            # "Well after" the status shows the end; drawn from the seeded generator.
            ends += self.gateway.rng.uniform(20, 40) * self.settings.time_scale
        scheduler.at(ends, lambda: self._terminal(job, ends, era))

    def _progress(self, job: Job, at: float, era: int) -> Any:
        """A sync-mode poll cycle at simulated time `at` (while queued or processing)."""
        if era != self._era:
            return None
        interval = self.settings.webhook_sync_interval_seconds * self.settings.time_scale
        following = at + interval
        if following < job.ended_at:
            self.gateway.scheduler.at(following, lambda: self._progress(job, following, era))
        callback = self._callback(job, at, final=False)
        if following >= job.ended_at and "webhook-out-of-order" in job.flags:
            self._held[job.request_id] = callback  # the last progress update arrives after the end
            return None
        return self._attempt(callback, at, era)

    async def _terminal(self, job: Job, at: float, era: int) -> None:
        await self.gateway.settle(job)  # an RMBG input still in flight decides the outcome
        if era == self._era:
            await self._attempt(self._callback(job, max(at, job.ended_at), final=True), at, era)

    def _callback(self, job: Job, at: float, *, final: bool) -> Callback:
        settings = self.settings
        body = gen2.status(job, at, settings.media_type, settings.timestamps == "mixed")
        return Callback(
            delivery_id=f"dlv_{next(self._ids):06d}_{job.request_id[-12:]}",
            job=job,
            payload=json.dumps(body).encode(),
            status=body["status"],
            final=final,
        )

    # -- delivery -------------------------------------------------------------------------

    async def _attempt(self, callback: Callback, at: float, era: int) -> None:
        if era != self._era:
            return
        callback.attempt += 1
        job = callback.job
        url = job.webhook_url
        assert url is not None
        if not self.may_deliver(urlsplit(url).hostname):
            self._record(
                callback,
                at,
                "blocked",
                error="not sent: outbound policy allows only "
                "loopback (--allow-remote-webhooks lifts it)",
            )
            return
        if callback.attempt == 1 and "webhook-drop" in job.flags:
            self._record(callback, at, "dropped", error="lost on the way (scenario webhook-drop)")
            self._retry(callback, at, era)
            return
        code, error = await self._post(callback)
        if era != self._era:
            return
        delivered = code is not None and 200 <= code < 300
        self._record(callback, at, "delivered" if delivered else "failed", code, error)
        if not delivered:
            self._retry(callback, at, era)
            return
        if callback.final and "webhook-duplicate" in job.flags:
            code, error = await self._post(callback)  # the very same callback, once more
            if era != self._era:
                return
            self._record(
                callback,
                at,
                "delivered" if code and code < 300 else "failed",
                code,
                error,
                duplicate=True,
            )
        if callback.final:
            await self._release_held(job, at, era)

    def _retry(self, callback: Callback, at: float, era: int) -> None:
        if callback.attempt >= self.settings.webhook_max_attempts:
            self._record(
                callback,
                at,
                "gave_up",
                error=f"no success in {callback.attempt} attempts; no more retries",
            )
            if callback.final:
                self.gateway.scheduler.at(at, lambda: self._release_held(callback.job, at, era))
            return
        gap = BACKOFF_SECONDS[min(callback.attempt, len(BACKOFF_SECONDS)) - 1]
        when = at + gap * self.settings.time_scale
        self.gateway.scheduler.at(when, lambda: self._attempt(callback, when, era))

    async def _release_held(self, job: Job, at: float, era: int) -> None:
        held = self._held.pop(job.request_id, None)
        if held is not None:
            await self._attempt(held, at, era)

    async def _post(self, callback: Callback) -> tuple[int | None, str | None]:
        """Send one attempt: (HTTP status, None) or (status or None, why it failed)."""
        job = callback.job
        assert job.webhook_url is not None
        timeout = self.settings.webhook_timeout_seconds
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "mock-gateway-webhooks",
            DELIVERY_HEADER: callback.delivery_id,
            ATTEMPT_HEADER: str(callback.attempt),
        }
        try:
            async with self._session().post(
                job.webhook_url,
                data=callback.payload,
                headers=headers,
                ssl=self._ssl,
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
        except aiohttp.ClientError as e:
            return None, f"connection error: {e}" if str(e) else type(e).__name__

    def _record(
        self,
        callback: Callback,
        at: float,
        outcome: str,
        code: int | None = None,
        error: str | None = None,
        *,
        duplicate: bool = False,
    ) -> None:
        job = callback.job
        if outcome in UNSEEN:
            self._tell(callback, outcome, error)
        self.log.append(
            {
                "delivery_id": callback.delivery_id,
                "request_id": job.request_id,
                "url": job.webhook_url,
                "mode": job.webhook_mode,
                "status": callback.status,
                "final": callback.final,
                "attempt": callback.attempt,
                "outcome": outcome,
                "http_status": code,
                "error": error,
                "duplicate": duplicate,
                "sim_time": iso(at),
                "wall_time": iso(time.time()),
            }
        )

    @staticmethod
    def _tell(callback: Callback, outcome: str, error: str | None) -> None:
        url = callback.job.webhook_url or ""
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
            callback.status,
            callback.job.request_id,
            UNSEEN[outcome],
            callback.attempt,
            receiver,
            why,
        )

    def deliveries(self, request_id: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.log if request_id is None or e["request_id"] == request_id]
