"""Small broken gateways: the real mock behind one middleware that breaks exactly one rule.

Each is what a live gateway might plausibly get wrong; the contract suite, pointed at it
black-box, must fail naming that rule (see test_sharpness).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from mock_gateway.app import create_app
from mock_gateway.settings import Settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]

KEY = "test-key"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
STATUS = "/v2/requests/status/"


def _body(response: web.StreamResponse) -> Any:
    if (
        isinstance(response, web.Response)
        and response.body
        and response.content_type.endswith("json")
    ):
        return json.loads(response.body)  # type: ignore[arg-type]
    return None


def _answer(response: web.StreamResponse, body: Any, status: int | None = None) -> web.Response:
    headers = {k: v for k, v in response.headers.items() if k.lower() == "retry-after"}
    return web.json_response(body, status=status or response.status, headers=headers)


def _is_submit(request: web.Request) -> bool:
    return request.method == "POST" and request.path.endswith("-request")


def _is_status(request: web.Request) -> bool:
    return request.path.startswith(STATUS)


def _shifted(stamp: str, seconds: float) -> str:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# -- one middleware per broken rule ------------------------------------------------------------


@web.middleware
async def renamed_status(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    body = _body(response)
    if _is_status(request) and isinstance(body, dict) and body.get("status") == "COMPLETED":
        return _answer(response, {**body, "status": "SUCCEEDED"})
    return response


@web.middleware
async def no_polling_url(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    body = _body(response)
    if _is_submit(request) and response.status == 202 and isinstance(body, dict):
        return _answer(response, {k: v for k, v in body.items() if k != "polling_url"})
    return response


@web.middleware
async def ok_instead_of_accepted(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if _is_submit(request) and response.status == 202:
        return _answer(response, _body(response), status=200)
    return response


@web.middleware
async def guidance_unchecked(request: web.Request, handler: Handler) -> web.StreamResponse:
    if _is_submit(request):
        try:
            body = json.loads(await request.read())
        except ValueError:
            body = None
        guidance = body.get("guidance_scale") if isinstance(body, dict) else None
        if isinstance(guidance, int | float) and not 5 <= guidance <= 10:
            # Swallow the bad value, as a gateway that does not validate it would.
            assert isinstance(body, dict)
            request._read_bytes = json.dumps({**body, "guidance_scale": 7.5}).encode()
    return await handler(request)


@web.middleware
async def media_url_string(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    body = _body(response)
    if _is_status(request) and isinstance(body, dict) and isinstance(body.get("output"), dict):
        output = {**body["output"], "media_url": body["output"]["media_url"][0]}
        return _answer(response, {**body, "output": output})
    return response


@web.middleware
async def no_auth_check(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.headers.get(KEY_HEADER) != KEY:
        headers = CIMultiDict(request.headers)
        headers[KEY_HEADER] = KEY
        request = request.clone(headers=headers)
    return await handler(request)


def terminal_changes() -> Middleware:
    seen: dict[str, int] = {}

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        body = _body(response)
        if not (_is_status(request) and isinstance(body, dict) and body.get("completed_at")):
            return response
        seen[body["request_id"]] = seen.get(body["request_id"], 0) + 1
        if seen[body["request_id"]] == 1:
            return response
        if body["status"] == "COMPLETED":  # a finished job turns into a platform error
            body = {**body, "status": "ERROR", "output": None, "error": "lost on re-poll"}
        else:
            body = {**body, "error": f"{body['error']} (re-poll)"}
        return _answer(response, body)

    return middleware


@web.middleware
async def completed_before_created(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    body = _body(response)
    if _is_status(request) and isinstance(body, dict) and body.get("completed_at"):
        early = _shifted(body["created_at"], -60)
        return _answer(response, {**body, "completed_at": early})
    return response


@web.middleware
async def unknown_id_ok(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    body = _body(response)
    if _is_status(request) and response.status == 404 and isinstance(body, dict):
        request_id = request.match_info.get("request_id", "x")
        now = datetime.now().strftime("%Y-%m-%dT%H:%M:%S.000Z")
        fake = {
            "request_id": request_id,
            "status": "QUEUED",
            "model_id": request_id.split("_")[0] or "unknown",
            "error": None,
            "output": None,
            "created_at": now,
            "updated_at": now,
            "completed_at": None,
        }
        return _answer(response, fake, status=200)
    return response


@web.middleware
async def html_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if 400 <= response.status < 500:
        page = f"<html><body><h1>{response.status} {response.reason}</h1></body></html>"
        return web.Response(status=response.status, text=page, content_type="text/html")
    return response


@web.middleware
async def rejects_and_echoes_the_key(request: web.Request, handler: Handler) -> web.StreamResponse:
    key = request.headers.get(KEY_HEADER)
    if key is None or request.path.startswith("/_mock/"):
        return await handler(request)
    # A live gateway that does not know our key, and says so verbatim: the suite must fail
    # without repeating the key anywhere.
    body = {"error": "Invalid or missing authentication", "message": f"unknown key '{key}'"}
    return web.json_response(body, status=401)


@dataclass(frozen=True, slots=True)
class Broken:
    """A gateway breaking one rule, and what the suite's report must then name."""

    name: str
    make: Callable[[], Middleware | None]
    rule: str  # the rule tag the report must show, e.g. "[submit-202]"
    words: str  # and a word of the message naming what broke
    # Breaks only an assumption (the pages allow it): a live run passes and reports the
    # assumption contradicted, naming what it observed (`words`).
    assumption: bool = False


VARIANTS = [
    Broken("renamed-status", lambda: renamed_status, "schema:gen2/status_response", "SUCCEEDED"),
    Broken("no-polling-url", lambda: no_polling_url, "schema:gen2/submit_response", "polling_url"),
    Broken("200-not-202", lambda: ok_instead_of_accepted, "submit-202", "answered 200"),
    Broken(
        "guidance-unchecked",
        lambda: guidance_unchecked,
        "assumed.validation.guidance-range",
        "HTTP 202",
        assumption=True,
    ),
    Broken("media-url-string", lambda: media_url_string, "schema:gen2/status_response", "output"),
    Broken("no-auth-check", lambda: no_auth_check, "auth-401", "answered 202"),
    Broken("terminal-changes", terminal_changes, "terminal-stable", "later poll changed"),
    Broken(
        "completed-before-created",
        lambda: completed_before_created,
        "timestamps-ordered",
        "completed_at",
    ),
    Broken("unknown-id-200", lambda: unknown_id_ok, "unknown-id-404", "answered 200"),
    Broken("html-error-body", lambda: html_errors, "error-json", "text/html"),
    Broken(
        "rejects-our-key",
        lambda: rejects_and_echoes_the_key,
        "model-not-found-400",
        "answered 401",
    ),
]


def app(middleware: Middleware | None) -> web.Application:
    """The real mock on a fast real clock, with `middleware` outermost."""
    built = create_app(Settings(time_scale=0.01, access_log=False))
    if middleware is not None:
        built.middlewares.insert(0, middleware)  # type: ignore[arg-type]
    return built
