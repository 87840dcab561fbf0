"""The submit route, shared by both generations: which one answers is the key's."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from .front import base_url, read_json
from .keys import CALL, SERVICE


async def submit(request: web.Request) -> web.Response:
    call = request[CALL]
    call.base_url = base_url(request)
    headers = request.headers
    body, status = await request.app[SERVICE].submit(
        call,
        request.match_info["model_id"],
        request.match_info["action"],
        partial(read_json, request),
        headers.get("X-Webhook-URL"),
        headers.get("X-Webhook-Mode"),
    )
    return web.json_response(body, status=status)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/{model_id}/v1/{action:[^/]+-request}", submit)
