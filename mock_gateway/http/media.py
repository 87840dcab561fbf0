"""The mock's own CDN (job outputs) and its sample input pictures. No key needed, as on R2."""

from __future__ import annotations

import asyncio

from aiohttp import web

from ..media.samples import SAMPLES, sample_size
from ..service import MediaNotFound
from .front import base_url
from .keys import CALL, SERVICE

_PNG_HEADERS = {"Cache-Control": "public, max-age=31536000, immutable"}


async def output(request: web.Request) -> web.Response:
    data = await request.app[SERVICE].output(request[CALL], request.match_info["request_id"])
    return web.Response(body=data, content_type="image/png", headers=_PNG_HEADERS)


async def samples(request: web.Request) -> web.Response:
    base = base_url(request)
    listed = []
    for name in SAMPLES:
        width, height = sample_size(name)
        url = f"{base}/_mock/samples/{name}.png"
        listed.append({"name": name, "url": url, "width": width, "height": height})
    return web.json_response({"samples": listed})


async def sample(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in SAMPLES:
        raise MediaNotFound(f"no sample called '{name[:60]}' (see /_mock/samples)")
    from ..media import pictures  # on the first picture, not at start-up (media/samples.py)

    data = await asyncio.to_thread(pictures.sample_picture, name)  # rendered once, then cached
    return web.Response(body=data, content_type="image/png", headers=_PNG_HEADERS)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/_mock/cdn/v1/{request_id}/output.png", output)
    app.router.add_get("/_mock/samples", samples)
    app.router.add_get("/_mock/samples/{name}.png", sample)
