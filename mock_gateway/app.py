"""`create_app(settings)`: builds the whole mock. Serving it is the CLI's (or a test's) job."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from .core.clock import Clock
from .gateway import Gateway
from .http import control, gen1, gen2, media, openapi, submit
from .http.front import front_door
from .http.keys import GATEWAY, OUTPUTS, SESSION, SETTINGS
from .media.inputs import Inputs
from .media.outputs import Outputs
from .settings import Settings


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> web.Application:
    settings = settings or Settings()
    app = web.Application(middlewares=[front_door], client_max_size=settings.max_body_bytes)
    inputs = Inputs(settings, lambda: app[SESSION])
    gateway = Gateway(settings, inputs, clock)
    app[SETTINGS] = settings
    app[GATEWAY] = gateway
    app[OUTPUTS] = Outputs(inputs)
    for module in (submit, gen2, gen1, control, media, openapi):
        module.add_routes(app)
    app.cleanup_ctx.append(_client_session)
    app.cleanup_ctx.append(_scheduler_runner)
    return app


async def _client_session(app: web.Application) -> AsyncIterator[None]:
    """One outbound session (input fetches, later webhooks), closed last."""
    async with aiohttp.ClientSession() as session:
        app[SESSION] = session
        yield
        await app[GATEWAY].close()


async def _scheduler_runner(app: web.Application) -> AsyncIterator[None]:
    """On a running clock, fire scheduled events when they fall due.

    A manual clock needs no runner: `clock/advance` fires what is due.
    """
    gateway = app[GATEWAY]
    if gateway.clock.manual:
        yield
        return
    wake = asyncio.Event()
    gateway.scheduler.on_change = wake.set
    running: set[asyncio.Future[None]] = set()

    async def run() -> None:
        while True:
            due = gateway.scheduler.next_due
            delay = None if due is None else max(0.0, due - gateway.now())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), delay)
            wake.clear()
            for pending in gateway.catch_up():
                future = asyncio.ensure_future(pending)
                running.add(future)
                future.add_done_callback(running.discard)

    task = asyncio.create_task(run())
    yield
    gateway.scheduler.on_change = None
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    for future in running:
        future.cancel()
