"""The gateway's use cases: admit, submit, look up, settle and advance. No HTTP here.

Routes call these in the front door's order (route, key, rate limit, model access, body,
balance); anything rejected on the way is never charged. Time comes only from the clock;
active work (refunds, webhook callbacks and their retries) goes through the one scheduler.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
from collections.abc import Awaitable
from typing import Any, Protocol
from urllib.parse import urlsplit

from .core.accounts import Account
from .core.catalog import Kind, Model
from .core.clock import Clock, ManualClock, SystemClock
from .core.errors import (
    Forbidden,
    InputRejected,
    InvalidParameters,
    ModelNotFound,
    RequestNotFound,
    Unauthorized,
)
from .core.ids import uuid7
from .core.jobs import NO_FLAGS, InputImage, Job, Status
from .core.journal import Journal
from .core.scenarios import Effects, ScenarioBook
from .core.scheduler import Scheduler
from .core.validation import check
from .settings import KeyConfig, Settings


def host_of(url: str) -> str | None:
    """The URL's host, or None when the URL cannot be parsed or has none."""
    try:
        return urlsplit(url).hostname or None
    except ValueError:
        return None


FIBO_DEFAULTS = {"aspect_ratio": "1:1", "steps_num": 30, "guidance_scale": 7.5}
SCHEMA_OF = {Kind.RMBG: "gen2/rmbg_request", Kind.FIBO: "gen2/fibo_request"}
FREEZE_EVERY = 10_000  # accepted jobs between two gc.freeze() calls


class InputResolver(Protocol):
    """Turns an RMBG `image_url` into pixels (implemented by the media layer)."""

    def resolve_now(self, url: str, base_url: str) -> InputImage | None:
        """The input at once when no I/O is needed (stand-ins, the mock's own samples)."""

    async def resolve(self, url: str) -> InputImage:
        """Fetch and decode; raise InputRejected with a clear message."""

    def forget(self) -> None:
        """Drop stored input bytes (on reset: no job refers to them any more)."""


class CallbackPlanner(Protocol):
    """Schedules a job's webhook callbacks (implemented by mock_gateway.webhooks)."""

    def plan(self, job: Job) -> None: ...

    def reset(self) -> None: ...


class Gateway:
    def __init__(self, settings: Settings, resolver: InputResolver, clock: Clock | None = None):
        self.settings = settings
        self.resolver = resolver
        self.clock: Clock = clock or (ManualClock() if settings.manual_clock else SystemClock())
        self.scheduler = Scheduler()
        self.scenarios = ScenarioBook()
        self.journal = Journal(settings.journal_size)
        self.models = settings.models
        self.accounts: dict[str, Account] = {}
        self.jobs: dict[str, Job] = {}
        self._inputs: dict[str, asyncio.Task[None]] = {}  # request_id -> fetch in flight
        self._running: set[asyncio.Task[None]] = set()  # I/O started by scheduled events
        self._base_urls: dict[str, str] = {}  # interned, so a million jobs share a few strings
        self.callbacks: CallbackPlanner | None = None
        self._accepted = 0  # jobs since the last reset
        self.reset()

    # -- state ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the configured start: keys, wallets, scenarios; no jobs, no events."""
        if self._accepted >= FREEZE_EVERY:
            gc.unfreeze()  # the old jobs become collectable again
        self._accepted = 0
        self.rng = random.Random(self.settings.seed)
        self.accounts = {k.key: k.account() for k in self.settings.keys}
        self.jobs = {}
        for task in self._inputs.values():
            task.cancel()
        self._inputs = {}
        self.scheduler.clear()
        self.scenarios.clear()
        for rule in self.settings.scenarios:
            self.scenarios.add(rule)
        self.journal.clear()
        self.resolver.forget()
        if self.callbacks is not None:
            self.callbacks.reset()

    def put_key(self, config: KeyConfig, fields: set[str]) -> Account:
        """Create a key, or update the given fields of an existing one (its jobs stay)."""
        account = self.accounts.get(config.key)
        if account is None:
            account = self.accounts[config.key] = config.account()
            return account
        if "balance_usd" in fields:
            account.balance_usd = config.balance_usd
        if "models" in fields:
            account.models = config.models
        if "rate_limit" in fields:
            account.set_rate_limit(config.rate_limit)
        if "api_generation" in fields:
            account.api_generation = config.api_generation
        return account

    def now(self) -> float:
        return self.clock.now()

    def generation_of(self, account: Account) -> int:
        return account.api_generation or self.settings.api_generation

    # -- the front door, in its order ------------------------------------------------------

    def authenticate(self, key: str | None) -> Account:
        account = self.accounts.get(key) if key else None
        if account is None:
            raise Unauthorized()
        return account

    def admit(self, account: Account) -> None:
        account.admit(self.clock.now())

    def model_for(self, account: Account, model_id: str) -> Model:
        model = self.models.get(model_id)
        if model is None or not model.enabled:
            raise ModelNotFound(model_id)
        if not account.may_use(model_id):
            raise Forbidden()
        return model

    def effects(
        self, account: Account, model_id: str | None, text: str | None, endpoint: str
    ) -> Effects:
        return self.scenarios.effects_for(account.key, model_id, text, endpoint)

    # -- use cases --------------------------------------------------------------------------

    def validate(self, model: Model, body: Any) -> dict[str, Any]:
        """The submit body checked against the model's schema (raises InvalidParameters)."""
        params = check(SCHEMA_OF[model.kind], body, self.settings.relaxed)
        url = params.get("image_url")
        if isinstance(url, str) and not url.startswith("data:") and host_of(url) is None:
            # The pattern admits what no URL parser can read (e.g. "http://[::1/x.png").
            raise InvalidParameters(
                "image_url: must be an absolute http(s) URL or a data:image/...;base64 URL",
                field="image_url",
            )
        return params

    def submit(
        self,
        account: Account,
        model: Model,
        params: dict[str, Any],
        effects: Effects,
        base_url: str,
        *,
        webhook_url: str | None = None,
        webhook_mode: str | None = None,
    ) -> Job:
        """Charge the wallet and accept a job whose whole timeline is planned now."""
        account.charge(model.price_usd)
        rng, scale, now = self.rng, self.settings.time_scale, self.clock.now()
        generation = self.generation_of(account)
        uid = uuid7(now, rng)
        request_id = f"{model.model_id}_{uid}" if generation == 2 else uid
        if model.kind is Kind.FIBO:
            params = {**FIBO_DEFAULTS, **params}
            if "seed" not in params:
                params["seed"] = rng.randrange(2**31)
        # Microsecond steps: a tiny time scale still keeps QUEUED < PROCESSING < end.
        queued = round(rng.uniform(*model.queue_seconds) * scale, 6)
        processing = round(rng.uniform(*model.processing_seconds) * scale, 6)
        job = Job(
            request_id=request_id,
            model=model,
            account=account,
            generation=generation,
            params=params,
            created_at=now,
            started_at=now + queued,
            ended_at=now + queued + processing,
            base_url=self._base_urls.setdefault(base_url, base_url),
            forced=effects.outcome,
            error=effects.error,
            flags=frozenset(effects.flags) if effects.flags else NO_FLAGS,
            webhook_url=webhook_url,
            webhook_mode=webhook_mode,
        )
        self.jobs[request_id] = job
        self._accepted += 1
        if self._accepted % FREEZE_EVERY == 0:
            # Jobs live until reset, yet every full collection would walk all of them again:
            # tens of ms at 10^5 jobs, seconds at 10^6, a pause for every client. Freezing
            # moves what exists out of the collector's walk; reset gives it back.
            gc.freeze()
        if job.forced is Status.ERROR:
            # A platform fault is not charged: the money comes back the moment the job ends.
            self.scheduler.at(job.ended_at, lambda: account.refund(model.price_usd))
        elif model.kind is Kind.RMBG and job.forced is None:
            self._start_input(job, base_url)
        if webhook_url is not None and self.callbacks is not None:
            self.callbacks.plan(job)
        return job

    def job_for(
        self, account: Account, request_id: str, *, generation: int, model: Model | None = None
    ) -> Job:
        """The caller's own job, as seen from one generation's endpoints.

        Another key's job is as unknown as a made-up id. The generations keep separate id
        spaces, as live (generation-1 ids live at fal): each generation's endpoints know only
        the jobs submitted under it, and a result path only its own model's jobs.
        """
        job = self.jobs.get(request_id)
        if (
            job is None
            or job.account is not account
            or job.generation != generation
            or (model is not None and job.model is not model)
        ):
            raise RequestNotFound(request_id)
        return job

    async def settle(self, job: Job) -> None:
        """Wait for the job's input if its outcome is due and still depends on it."""
        task = self._inputs.get(job.request_id)
        if task is not None and self.clock.now() >= job.ended_at:
            await asyncio.wait({task})  # never raises: a reset may cancel the fetch meanwhile
            if self.jobs.get(job.request_id) is not job:
                raise RequestNotFound(job.request_id)

    def catch_up(self) -> None:
        """Run every scheduled event due by now (cheap when none is); I/O goes on in tasks."""
        due = self.scheduler.next_due
        if due is not None and due <= self.clock.now():
            self._start(self.scheduler.run_due(self.clock.now()))

    def _start(self, work: list[Awaitable[None]]) -> None:
        if not work:  # refunds finish at once; only I/O needs the loop
            return
        loop = asyncio.get_running_loop()
        for awaitable in work:
            task = loop.create_task(_complete(awaitable))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def advance(self, seconds: float) -> float:
        """Move the clock, then return once everything due by the new time has happened:
        inputs fetched, events fired, and the I/O they started (deliveries, retries) done."""
        now = self.clock.advance(seconds)
        if self._inputs:
            await asyncio.gather(*list(self._inputs.values()), return_exceptions=True)
        while True:
            # One simulated instant at a time, its I/O finished before the next: callbacks of
            # a long jump arrive in the order they would have on a running clock.
            due = self.scheduler.next_due
            if due is not None and due <= now:
                self._start(self.scheduler.run_due(due))
            elif not self._running:
                return now
            if self._running:
                await asyncio.gather(*list(self._running), return_exceptions=True)

    # -- inputs ------------------------------------------------------------------------------

    def _start_input(self, job: Job, base_url: str) -> None:
        url = job.params["image_url"]
        try:
            ready = self.resolver.resolve_now(url, base_url)
        except ValueError as e:  # never a charged 500: the job fails, as a bad input does
            job.error = f"image_url could not be read: {e}"
            return
        if ready is not None:
            job.input = ready
            return
        job.settled = False
        task = asyncio.get_running_loop().create_task(self._fetch_input(job, url))
        self._inputs[job.request_id] = task

    async def _fetch_input(self, job: Job, url: str) -> None:
        try:
            job.input = await self.resolver.resolve(url)
        except InputRejected as e:
            job.error = str(e)
        except Exception as e:  # never let a fetch bug crash the server: fail the job instead
            job.error = f"Could not read image_url: {type(e).__name__}"
        finally:
            job.settled = True
            # After a reset a new job may reuse this id (same seed): only drop our own entry.
            if self._inputs.get(job.request_id) is asyncio.current_task():
                del self._inputs[job.request_id]

    async def close(self) -> None:
        tasks = [*self._inputs.values(), *self._running]
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)


async def _complete(awaitable: Awaitable[None]) -> None:
    await awaitable
