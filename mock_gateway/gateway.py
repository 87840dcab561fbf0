"""The gateway's steps: admit, submit, look up, settle and advance. No HTTP here.

The service (mock_gateway.service) calls these in the front door's order (route, key, rate
limit, model access, body, balance); anything rejected on the way is never charged. State
lives in the store (mock_gateway.core.store); time comes only from the clock; active work
(refunds, webhook callbacks and their retries) is pending events run by the one dispatcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
from collections.abc import Callable
from typing import Any, Protocol, cast

from .core.accounts import Account
from .core.catalog import Model
from .core.clock import Clock, ManualClock, SystemClock
from .core.errors import (
    Forbidden,
    InputRejected,
    InvalidParameters,
    ModelNotFound,
    RequestNotFound,
    Unauthorized,
)
from .core.events import REFUND, Dispatcher, Pending
from .core.ids import uuid7
from .core.jobs import NO_FLAGS, InputImage, Job, Status, forget_shared, iso, plain
from .core.scenarios import Effects
from .core.store import SharedStore, Store
from .core.urls import url_parts
from .core.validation import check
from .settings import KeyConfig, Settings
from .stores.memory import MemoryStore


def host_of(url: str) -> str | None:
    """The URL's host, or None when the URL cannot be parsed or has none."""
    try:
        return url_parts(url)[0] or None
    except ValueError:
        return None


FREEZE_EVERY = 10_000  # accepted jobs between two gc.freeze() calls


class InputResolver(Protocol):
    """Turns an RMBG `image_url` into pixels (implemented by the media layer)."""

    def resolve_now(self, url: str, base_url: str) -> InputImage | None:
        """The input at once when no I/O is needed (stand-ins, the mock's own samples)."""

    async def resolve(self, url: str) -> InputImage:
        """Fetch and decode; raise InputRejected with a clear message."""

    def forget(self, jobs: int = 0) -> None:
        """Drop stored input bytes (on reset: no job refers to them any more); `jobs` is how
        many jobs the reset dropped (much memory to give back, or little)."""


class CallbackPlanner(Protocol):
    """Schedules a job's webhook callbacks (implemented by mock_gateway.webhooks)."""

    def plan(self, job: Job) -> None: ...


class Gateway:
    def __init__(
        self,
        settings: Settings,
        resolver: InputResolver,
        clock: Clock | None = None,
        store: Store | None = None,
    ):
        self.settings = settings
        self.resolver = resolver
        self.store: Store = store or MemoryStore(settings.journal_size)
        self.clock: Clock = clock or (ManualClock() if settings.manual_clock else SystemClock())
        self._manual_from_start = self.clock.manual  # the kind a reset goes back to
        saved = self.store.clock_state()
        if saved is not None:
            self.clock.restore(saved)  # a restart on --state: simulated time goes on
        self.dispatcher = Dispatcher(self.store.events, self.store.commit)
        self.dispatcher.handlers[REFUND] = self._refund
        self.models = settings.models
        self.accounts = self.store.accounts
        self.jobs = self.store.jobs
        self.scenarios = self.store.rules
        self.journal = self.store.journal
        self._inputs: dict[str, asyncio.Task[None]] = {}  # request_id -> fetch in flight
        self._base_urls: dict[str, str] = {}  # interned, so a million jobs share a few strings
        self.callbacks: CallbackPlanner | None = None
        self.on_clock_change: Callable[[], None] | None = None  # the app's runner, if any
        self._accepted = 0  # jobs since the last reset
        # Determinism under a seed, per process: a store opened before gets its own stream,
        # so a restart on the same --state never draws the request ids it drew last time.
        incarnation = self.store.incarnation
        self._seed = self.settings.seed if not incarnation else f"{settings.seed}/{incarnation}"
        self.rng = random.Random(self._seed)
        self.scenarios.rng = self.rng  # a rule's probability draws from the seeded stream
        if not self.store.durable or not incarnation:
            self.reset()

    # -- state ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the configured start: keys, wallets, scenarios; no jobs, no events."""
        if self._accepted >= FREEZE_EVERY:
            gc.unfreeze()  # the old jobs become collectable again
        dropped, self._accepted = len(self.jobs), 0
        self.rng = self.scenarios.rng = random.Random(self._seed)
        self.dispatcher.cancel()
        for task in self._inputs.values():
            task.cancel()
        self._inputs = {}
        self.store.clear()
        for k in self.settings.keys:
            self.accounts.put(k.account())
        for rule in self.settings.scenarios:
            self.scenarios.add(rule)
        forget_shared()  # values the jobs that are gone shared (option sets, origins)
        iso.cache_clear()  # timestamps of jobs that are gone: up to tens of MB
        plain.cache_clear()
        self._base_urls = {}
        self.resolver.forget(dropped)  # inputs and outputs; then memory goes back if much
        if self.clock.manual != self._manual_from_start:  # frozen or let run (inspector)
            self.set_running(not self._manual_from_start)  # from now: time never goes back
        self.store.save_clock(self.clock.state())
        self.store.commit()

    def forget(self) -> None:
        """Another process reset the shared gateway: drop this process's work and caches
        of the old one (the store's parts are already empty or reloaded)."""
        self.dispatcher.cancel()
        for task in self._inputs.values():
            task.cancel()
        self._inputs = {}
        self.rng = self.scenarios.rng = random.Random(self._seed)

    def resume(self) -> None:
        """After a restart on a durable store: fetch again the inputs a kill interrupted."""
        for job in self.jobs.newest_first():
            if not job.settled:
                self.refetch(job)

    def refetch(self, job: Job) -> None:
        """Fetch a kept job's input again: its fetch was cut off (a restart; on a shared
        store, the death of the process that was fetching it)."""
        if job.request_id not in self._inputs:
            task = asyncio.get_running_loop().create_task(self._fetch_input(job, job.subject))
            self._inputs[job.request_id] = task

    def fetching(self, request_id: str) -> bool:
        """Whether this process is fetching the job's input now."""
        return request_id in self._inputs

    def fetches(self) -> list[str]:
        """The request ids whose inputs this process is fetching now."""
        return list(self._inputs)

    def put_key(self, config: KeyConfig, fields: set[str]) -> Account:
        """Create a key, or update the given fields of an existing one (its jobs stay)."""
        account = self.accounts.get(config.key)
        if account is None:
            account = config.account()
            self.accounts.put(account)
            return account
        return self.update_key(account, config, fields)

    def update_key(self, account: Account, config: KeyConfig, fields: set[str]) -> Account:
        """Change the given fields of a kept key (`config.key` is not looked at)."""
        if "balance_usd" in fields:
            account.balance_usd = config.balance_usd
        if "models" in fields:
            account.models = config.models
        if "rate_limit" in fields:
            account.set_rate_limit(config.rate_limit)
        if "api_generation" in fields:
            account.api_generation = config.api_generation
        self.accounts.put(account, balance="balance_usd" in fields)
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

    def effects(self, key: str, model_id: str | None, text: str | None, endpoint: str) -> Effects:
        """The effects of the rules matching a request (its account's kept key, or "" for the
        CDN, which takes no key)."""
        return self.scenarios.effects_for(key, model_id, text, endpoint)

    # -- use cases --------------------------------------------------------------------------

    def validate(self, model: Model, body: Any) -> dict[str, Any]:
        """The submit body checked against the model's schema (raises InvalidParameters)."""
        params = check(model.request_schema, body, self.settings.relaxed)
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
        job = self.plan(
            account,
            model,
            params,
            effects,
            base_url,
            webhook_url=webhook_url,
            webhook_mode=webhook_mode,
        )
        self.accounts.put(account)
        self.accepted(job)
        return job

    def plan(
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
        """A job with its whole timeline drawn now, not yet kept or charged. (A shared
        store charges and keeps it in one step of its own, then calls `accepted`.)"""
        rng, scale, now = self.rng, self.settings.time_scale, self.clock.now()
        generation = self.generation_of(account)
        while True:  # a store kept from another run may hold this id already: draw again
            uid = uuid7(now, rng)
            request_id = f"{model.model_id}_{uid}" if generation == 2 else uid
            if self.jobs.get(request_id) is None:
                break
        if model.input_field == "prompt" and "seed" not in params:
            # A generated picture: its seed is the job's. (The job fills in the defaults.)
            params = {**params, "seed": rng.randrange(2**31)}
        # Microsecond steps: a tiny time scale still keeps QUEUED < PROCESSING < end.
        queued = round(rng.uniform(*model.queue_seconds) * scale, 6)
        processing = round(rng.uniform(*model.processing_seconds) * scale, 6)
        return Job(
            request_id=request_id,
            model=model,
            key=account.key,
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

    def accepted(self, job: Job) -> None:
        """Keep a charged job, and schedule what its plan holds: a refund, its input's
        fetch, its callbacks."""
        self.jobs.add(job)
        self._accepted += 1
        if self._accepted % FREEZE_EVERY == 0:
            # Jobs live until reset, yet every full collection would walk all of them again:
            # tens of ms at 10^5 jobs, seconds at 10^6, a pause for every client. Freezing
            # moves what exists out of the collector's walk; reset gives it back.
            gc.freeze()
        if job.forced is Status.ERROR:
            # A platform fault is not charged: the money comes back the moment the job ends.
            self.dispatcher.schedule(REFUND, job.ended_at, job.request_id, job.ended_at)
        elif job.model.input_field == "image_url" and job.forced is None:
            self._start_input(job)
        if job.webhook_url is not None and self.callbacks is not None:
            self.callbacks.plan(job)

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
            or not job.belongs_to(account.key, generation)
            or (model is not None and job.model.model_id != model.model_id)
        ):
            raise RequestNotFound(request_id)
        return job

    async def settle(self, job: Job) -> Job:
        """Wait for the job's input if its outcome is due and still depends on it; the job
        as settled (on a shared store, another process may have fetched its input: the
        job is read again, and its fetch taken over if that process went away)."""
        rid, now = job.request_id, self.clock.now()
        shared = self.store.shared
        if shared and not job.settled and now >= job.ended_at and rid not in self._inputs:
            await cast(SharedStore, self.store).fetch(rid, now)
            job = self.jobs.get(rid) or job
        task = self._inputs.get(rid)
        if task is not None and now >= job.ended_at:
            await asyncio.wait({task})  # never raises: a reset may cancel the fetch meanwhile
            if self.jobs.get(rid) is not job:
                raise RequestNotFound(rid)
        return job

    def catch_up(self) -> None:
        """Run every scheduled event due by now (cheap when none is); I/O goes on in tasks."""
        due = self.dispatcher.events.next_due
        if due is not None and due <= self.clock.now():
            self.dispatcher.run_due(self.clock.now())

    def _refund(self, event: Pending) -> Any:
        job = self.jobs.get(event.request_id)
        if self.store.shared and job is not None:
            return cast(SharedStore, self.store).refund(job)  # once, in the shared wallet
        account = self.accounts.get(job.key) if job is not None else None
        if job is not None and account is not None:  # a deleted key gets nothing back
            account.refund(job.model.price_usd)
            self.accounts.put(account)

    def set_running(self, running: bool) -> None:
        """Freeze simulated time where it is (`running` False) or let it run on from there:
        the clock is swapped for the other kind, starting at this very instant, so the hot
        path's `now()` stays one plain call. Already of that kind: nothing changes."""
        if running != self.clock.manual:
            return
        now = self.clock.now()
        self.clock = SystemClock.starting_at(now) if running else ManualClock(now)
        self.store.save_clock(self.clock.state())
        self.store.commit()
        if self.on_clock_change is not None:
            self.on_clock_change()  # the runner times scheduled work by the new clock

    async def advance(self, seconds: float) -> float:
        """Move the clock, then return once everything due by the new time has happened:
        inputs fetched, events fired, and the I/O they started (deliveries, retries) done."""
        now = self.clock.advance(seconds)
        self.store.save_clock(self.clock.state())
        self.store.commit()
        if self._inputs:
            await asyncio.gather(*list(self._inputs.values()), return_exceptions=True)
        dispatcher = self.dispatcher
        while not dispatcher.closing:  # shutting down: what is due stays for the next start
            # One simulated instant at a time, its I/O finished before the next: callbacks of
            # a long jump arrive in the order they would have on a running clock.
            due = dispatcher.events.next_due
            if due is not None and due <= now:
                dispatcher.run_due(due)
            elif not dispatcher.running:
                return now
            if dispatcher.running:
                await asyncio.gather(*list(dispatcher.running), return_exceptions=True)
        return now

    # -- inputs ------------------------------------------------------------------------------

    def read_input_now(self, job: Job) -> None:
        """What can be known of an RMBG job's input without I/O (a stand-in, the mock's
        own samples, a data: URL), or that it is to be fetched (`settled` False). A shared
        store calls it before writing the job, so the job is written once, whole."""
        try:
            ready = self.resolver.resolve_now(job.subject, job.base_url)
        except ValueError as e:  # never a charged 500: the job fails, as a bad input does
            job.error = f"image_url could not be read: {e}"
            return
        if ready is not None:
            job.input = ready
        else:
            job.settled = False

    def _start_input(self, job: Job) -> None:
        if job.settled and job.input is None and job.error is None:  # not read yet
            self.read_input_now(job)
        if not job.settled:
            task = asyncio.get_running_loop().create_task(self._fetch_input(job, job.subject))
            self._inputs[job.request_id] = task

    async def _fetch_input(self, job: Job, url: str) -> None:
        try:
            try:
                job.input = await self.resolver.resolve(url)
            except InputRejected as e:
                job.error = str(e)
            except Exception as e:  # never let a fetch bug crash the server: fail the job
                job.error = f"Could not read image_url: {type(e).__name__}"
        finally:
            # After a reset a new job may reuse this id (same seed): only drop our own entry.
            if self._inputs.get(job.request_id) is asyncio.current_task():
                del self._inputs[job.request_id]
        # Not reached when cancelled (a reset, a shutdown): a kept job stays unsettled, and
        # the next start on the same --state fetches its input again.
        job.settled = True
        if self.jobs.get(job.request_id) is job:
            self.jobs.save(job)
            self.store.commit()

    async def drain(self, grace: float) -> tuple[int, int]:
        """Start no more scheduled work; give the work in flight `grace` seconds to finish,
        then abandon it. Returns (finished, abandoned); abandoned work stays pending."""
        self.dispatcher.closing = True
        running = set(self.dispatcher.running)
        if not running:
            return 0, 0
        done, left = await asyncio.wait(running, timeout=grace)
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)
        self.store.commit()
        return len(done), len(left)

    async def close(self) -> None:
        if self._accepted >= FREEZE_EVERY:
            # A process that ends with its jobs still frozen crashed on its way out (SIGSEGV
            # in about half of the exits on CPython 3.11.7): give them back to the collector.
            gc.unfreeze()
        tasks = [*self._inputs.values(), *self.dispatcher.running]
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)
