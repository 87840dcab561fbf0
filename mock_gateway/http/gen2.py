"""Generation 2's universal status endpoint."""

from __future__ import annotations

from aiohttp import web

from .keys import CALL, SERVICE


async def status(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    body = await service.status(request[CALL], request.match_info["request_id"])
    return web.json_response(body)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v2/requests/status/{request_id}", status)
