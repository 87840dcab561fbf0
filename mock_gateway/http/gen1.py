"""Generation 1: the result endpoint, and the fal-style queue its `response_url` points into."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from aiohttp import web

from ..core.accounts import KEY_HEADER
from ..core.errors import GatewayError, Unauthorized
from .front import read_json
from .keys import CALL, SERVICE


async def result(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    body = await service.result(
        request[CALL],
        request.match_info["model_id"],
        request.match_info["action"],
        partial(read_json, request),
    )
    return web.json_response(body)


Handler = Callable[[web.Request], Awaitable[web.Response]]


def _fal_errors(handler: Handler) -> Handler:
    """Errors on the fal-style URLs in fal's own shape: `{"detail": "..."}`."""

    async def wrapped(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except GatewayError as e:
            detail = e.message or e.error
            return web.json_response({"detail": detail}, status=e.status, headers=e.headers())

    return wrapped


def _fal_key(request: web.Request) -> None:
    """The gateway key, in its own header or fal's `Authorization: Key <key>`."""
    auth = request.headers.get("Authorization", "")
    if KEY_HEADER not in request.headers and auth.startswith("Key "):
        request[CALL].key = auth[4:].strip()
    elif KEY_HEADER not in request.headers:
        raise Unauthorized(
            "Missing authorization: send Ocp-Apim-Subscription-Key or Authorization: Key <key>"
        )


@_fal_errors
async def fal_status(request: web.Request) -> web.Response:
    _fal_key(request)
    service = request.app[SERVICE]
    return web.json_response(
        await service.fal_status(request[CALL], request.match_info["request_id"])
    )


@_fal_errors
async def fal_result(request: web.Request) -> web.Response:
    _fal_key(request)
    service = request.app[SERVICE]
    return web.json_response(
        await service.fal_result(request[CALL], request.match_info["request_id"])
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post("/{model_id}/v1/{action:[^/]+-request-result}", result)
    app.router.add_get("/fal-ai/bria/requests/{request_id}", fal_result)
    app.router.add_get("/fal-ai/bria/requests/{request_id}/status", fal_status)
