"""`create_app(settings)`: builds the whole mock. Serving it is the CLI's (or a test's) job."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
import threading
from collections.abc import AsyncIterator
from concurrent.futures import Future
from typing import cast

import aiohttp
from aiohttp import web

from .core.clock import Clock
from .core.errors import StoreUnavailable
from .core.store import SharedStore
from .gateway import Gateway
from .http import control, gen1, gen2, inspector, media, openapi, submit
from .http.front import front_door
from .http.keys import SERVICE, SESSION, SETTINGS, WEBHOOK_SESSION
from .media.inputs import Inputs
from .media.outputs import Outputs
from .profile import calibrate
from .service import Service
from .settings import ConfigError, Settings
from .stores import open_store
from .webhooks import Webhooks

log = logging.getLogger("mock_gateway.profile")
shutdown_log = logging.getLogger("mock_gateway.shutdown")


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> web.Application:
    settings = settings or Settings()
    if settings.profile:
        settings = _calibrated(settings, settings.profile)
    app = web.Application(middlewares=[front_door], client_max_size=settings.max_body_bytes)
    tls = webhook_tls(settings)
    store = open_store(settings)
    inputs = Inputs(settings, lambda: app[SESSION], store.blobs)
    gateway = Gateway(settings, inputs, clock, store)
    webhooks = Webhooks(gateway, lambda: app[WEBHOOK_SESSION], tls)
    gateway.callbacks = webhooks
    app[SETTINGS] = settings
    app[SERVICE] = Service(gateway, Outputs(inputs))
    for module in (submit, gen2, gen1, control, media, openapi, inspector):
        module.add_routes(app)
    app.cleanup_ctx.append(_client_session)
    if store.shared:
        app.cleanup_ctx.append(_shared_runner)
    else:
        app.cleanup_ctx.append(_scheduler_runner)
    if store.durable and not store.shared:
        app.cleanup_ctx.append(_state_flusher)
    app.on_shutdown.append(_drain)
    return app


def _calibrated(settings: Settings, path: str) -> Settings:
    """`settings` with what the fidelity report at `path` observed live; says what it took."""
    found = calibrate(settings, path)
    for line in found.adopted:
        log.info("profile %s: adopted %s", path, line)
    for line in found.not_adopted:
        log.warning("profile %s: cannot adopt %s", path, line)
    return found.settings


def webhook_tls(settings: Settings) -> Future[ssl.SSLContext]:
    """Verify receivers against the system store plus `webhook_ca` (e.g. the sink's CA).

    A future: without `webhook_ca`, the system store's context is still loading in a thread
    while the mock starts (see `_system_store`). With it, the context is made here, so that a
    file that cannot be loaded stops the start with its path."""
    if not settings.webhook_ca:
        return _system_store()
    context = ssl.create_default_context()
    try:
        context.load_verify_locations(cafile=settings.webhook_ca)
    except (OSError, ssl.SSLError) as e:
        raise ConfigError(f"webhook_ca {settings.webhook_ca}: cannot load: {e}") from None
    made: Future[ssl.SSLContext] = Future()
    made.set_result(context)
    return made


@functools.cache
def _system_store() -> Future[ssl.SSLContext]:
    """The system store's context, made once per process, in a thread of its own. Loading
    the store takes 15-100 ms: paid by every gateway a test suite or the pytest plugin
    creates were it not shared, and by the mock's start-up were it made there (issue 14's
    start-up target). OpenSSL reads the files without holding the GIL, so the loop starts
    meanwhile; a delivery before it is done waits for it. Nothing changes a context once made
    (the webhook sessions only read it)."""
    loading: Future[ssl.SSLContext] = Future()

    def load() -> None:
        try:
            loading.set_result(ssl.create_default_context())
        except BaseException as e:  # handed to the delivery that waits for it
            loading.set_exception(e)

    threading.Thread(target=load, name="mock-gateway system trust store", daemon=True).start()
    return loading


async def _client_session(app: web.Application) -> AsyncIterator[None]:
    """The outbound sessions (input fetches; webhook deliveries), closed last.

    Each resolves names by the outbound policy only (media/resolver.py): localhost statically,
    address literals as themselves, other names through DNS only where the policy allows them.
    """
    from .media.resolver import allowed_names, policy_connector

    settings = app[SETTINGS]
    fetches = policy_connector(allowed_names(settings.allow_remote_fetch, settings.fetch_allowlist))
    # Few connections per receiver, kept alive: a burst of callbacks then reuses them instead
    # of paying a TLS handshake each (hundreds of handshakes at once is what makes bursts slow).
    deliveries = policy_connector(
        allowed_names(settings.allow_remote_webhooks, settings.webhook_allowlist),
        limit=256,
        limit_per_host=8,
    )
    async with (
        aiohttp.ClientSession(connector=fetches) as session,
        aiohttp.ClientSession(connector=deliveries) as webhook_session,
    ):
        app[SESSION] = session
        app[WEBHOOK_SESSION] = webhook_session
        yield
        await app[SERVICE].gateway.close()
        app[SERVICE].store.close()


async def _scheduler_runner(app: web.Application) -> AsyncIterator[None]:
    """On a running clock, fire scheduled events when they fall due.

    A manual clock needs no runner: `clock/advance` fires what is due, one simulated instant
    at a time (a runner firing everything due by the advanced clock would break that order).
    So while the clock is manual the runner only waits for it to be let run (the inspector),
    and nothing wakes it per scheduled event.
    """
    gateway = app[SERVICE].gateway
    gateway.resume()
    gateway.catch_up()  # what fell due while a --state mock was down goes now
    wake = asyncio.Event()

    def clock_changed() -> None:
        gateway.dispatcher.on_change = None if gateway.clock.manual else wake.set
        wake.set()

    gateway.on_clock_change = clock_changed
    clock_changed()

    async def run() -> None:
        while True:
            due = gateway.dispatcher.events.next_due
            manual = gateway.clock.manual
            delay = None if due is None or manual else max(0.0, due - gateway.now())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), delay)
            wake.clear()
            if not gateway.clock.manual:
                gateway.catch_up()

    task = asyncio.create_task(run())
    yield
    gateway.on_clock_change = None
    gateway.dispatcher.on_change = None
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _shared_runner(app: web.Application) -> AsyncIterator[None]:
    """On a shared store: follow the others, and run the work due now, whoever scheduled it
    (each piece is claimed by one process). Every POLL_SECONDS, on any clock: another
    process's `advance` or submit may have made work due here."""
    from .stores.redis import POLL_SECONDS

    service = app[SERVICE]
    gateway = service.gateway
    store = cast(SharedStore, service.store)
    await store.start(gateway)

    stopping = asyncio.Event()

    async def run() -> None:
        # A flag as well as the cancel: redis-py may turn a cancel that lands inside one of
        # its reads into a connection error (a 503 here), and the loop would go on.
        while not stopping.is_set():
            with contextlib.suppress(StoreUnavailable):  # Redis away: try again next time
                await store.run_due(gateway)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), POLL_SECONDS)

    task = asyncio.create_task(run())
    yield
    stopping.set()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await store.stop()


async def _state_flusher(app: web.Application) -> AsyncIterator[None]:
    """With --state: journal and delivery-log lines reach the file within FLUSH_SECONDS even
    when no state-changing call commits them (status polls only read)."""
    from .stores.sqlite import FLUSH_SECONDS

    store = app[SERVICE].store

    async def flush() -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            store.commit()

    task = asyncio.create_task(flush())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _drain(app: web.Application) -> None:
    """On SIGTERM, Ctrl-C or stop(): after the listener closed, give deliveries in flight
    `shutdown_grace_seconds`, then say what was not delivered: never a silent loss."""
    service = app[SERVICE]
    settings = app[SETTINGS]
    finished, abandoned = await service.gateway.drain(settings.shutdown_grace_seconds)
    try:
        left = service.gateway.dispatcher.undelivered()
    except StoreUnavailable:
        left = 0
    if not (finished or abandoned or left):
        return
    if settings.store:
        fate = "kept in the shared store: a running process delivers them (after the lease)"
    elif settings.state:
        fate = f"kept in {settings.state}, delivered after the next start on it"
    else:
        fate = "lost: without --state nothing outlives the process"
    shutdown_log.log(
        logging.WARNING if left else logging.INFO,
        "shutdown: %d webhook deliveries in flight finished, %d abandoned after %g s; "
        "%d callbacks not delivered (%s)",
        finished,
        abandoned,
        settings.shutdown_grace_seconds,
        left,
        fate if left else "none left",
    )
