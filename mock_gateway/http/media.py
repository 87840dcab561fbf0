"""The mock's own CDN (job outputs) and its sample input pictures. No key needed, as on R2."""

from __future__ import annotations

import asyncio

from aiohttp import web

from ..core.errors import GatewayError
from ..core.jobs import Status
from ..media import pictures
from .front import base_url
from .keys import GATEWAY, OUTPUTS


class MediaNotFound(GatewayError):
    status = 404
    error = "Media not found"


_PNG_HEADERS = {"Cache-Control": "public, max-age=31536000, immutable"}


async def output(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    job = gateway.jobs.get(request.match_info["request_id"])
    if job is None:
        raise MediaNotFound()
    await gateway.settle(job)
    if job.status_at(gateway.now()) is not Status.COMPLETED:
        raise MediaNotFound("the job has no output (yet)")
    data = await request.app[OUTPUTS].png(job)
    return web.Response(body=data, content_type="image/png", headers=_PNG_HEADERS)


async def samples(request: web.Request) -> web.Response:
    base = base_url(request)
    listed = []
    for name in pictures.SAMPLES:
        width, height = pictures.sample_size(name)
        url = f"{base}/_mock/samples/{name}.png"
        listed.append({"name": name, "url": url, "width": width, "height": height})
    return web.json_response({"samples": listed})


async def sample(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in pictures.SAMPLES:
        raise MediaNotFound(f"no sample called '{name[:60]}' (see /_mock/samples)")
    data = await asyncio.to_thread(pictures.sample_picture, name)  # rendered once, then cached
    return web.Response(body=data, content_type="image/png", headers=_PNG_HEADERS)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/_mock/cdn/v1/{request_id}/output.png", output)
    app.router.add_get("/_mock/samples", samples)
    app.router.add_get("/_mock/samples/{name}.png", sample)
