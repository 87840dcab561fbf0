"""The inspector: its page (/_mock/ui/, static files with no data in them, so open) and its
change feed (/_mock/changes, server-sent events, behind the admin token like all control).

The page reads everything through the control API; the feed only says "look again" (with
the clock and a few counters), so a client never misses a change it could not see.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from functools import cache
from importlib import resources

from aiohttp import web

from .keys import SERVICE

STOPPING = web.AppKey("inspector_stopping", asyncio.Event)  # set on shutdown: feeds end
LOOK_SECONDS = 0.2  # how often a feed compares the mock's state with what it last said
TICK_SECONDS = 1.0  # on a running clock, the feed says so at most this often
KEEPALIVE_SECONDS = 15.0  # a comment line, so proxies and browsers keep the stream open

_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
_FILES = ("index.html", "inspector.js", "inspector.css")


@cache
def _file(name: str) -> bytes:
    return resources.files("mock_gateway.ui").joinpath(name).read_bytes()


async def page(request: web.Request) -> web.Response:
    name = request.match_info.get("name") or "index.html"
    if name not in _FILES:
        raise web.HTTPNotFound()
    suffix = name[name.rindex(".") :]
    return web.Response(
        body=_file(name),
        content_type=_TYPES[suffix],
        charset="utf-8",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


async def to_page(request: web.Request) -> web.Response:
    # Returned, not raised: the front door answers a raised HTTP exception as an error.
    return web.Response(status=302, headers={"Location": "/_mock/ui/"})


async def changes(request: web.Request) -> web.StreamResponse:
    """`event: change` with {now, manual, jobs} whenever what the page shows may differ;
    on a running clock at most once a second (statuses move with time)."""
    service = request.app[SERVICE]
    stopping = request.app[STOPPING]
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
    )
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    said: tuple[object, ...] | None = None
    said_at = last_write = loop.time()
    try:
        while not stopping.is_set() and not _gone(request):
            service.catch_up()  # what fell due is part of the state the page will read
            seen = service.changes()
            now = loop.time()
            moved = said is None or seen[:-1] != said[:-1]
            ticked = said is not None and seen[-1] != said[-1] and now - said_at >= TICK_SECONDS
            if moved or ticked:
                clock = service.clock()
                data = {"now": clock["now"], "manual": clock["manual"], "jobs": seen[3]}
                await response.write(f"event: change\ndata: {json.dumps(data)}\n\n".encode())
                said, said_at = seen, now
                last_write = now
            elif now - last_write >= KEEPALIVE_SECONDS:
                await response.write(b": still here\n\n")
                last_write = now
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), LOOK_SECONDS)
    except (ConnectionError, RuntimeError):  # the page went away (RuntimeError: aiohttp's
        return response  # "Cannot write to closing transport")
    return response


def _gone(request: web.Request) -> bool:
    """The page closed the stream (otherwise noticed only at the next write)."""
    transport = request.transport
    return transport is None or transport.is_closing()


async def _stop_feeds(app: web.Application) -> None:
    app[STOPPING].set()


def add_routes(app: web.Application) -> None:
    app[STOPPING] = asyncio.Event()
    app.on_shutdown.insert(0, _stop_feeds)
    r = app.router
    r.add_get("/_mock/ui", to_page)
    r.add_get("/_mock/ui/", page)
    r.add_get("/_mock/ui/{name}", page)
    r.add_get("/_mock/changes", changes)
