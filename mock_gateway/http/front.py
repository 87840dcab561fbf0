"""The front door: the one middleware, and the steps every gateway route shares.

The middleware turns every GatewayError (and aiohttp's own 404/405/413) into the
documented JSON body, writes the journal and the access log, and runs due scheduled
events first so nothing a request reads is stale (a refund is visible the moment the
status shows ERROR). A bug becomes a JSON 500 with the traceback in the log, never a
dropped connection.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from typing import Any

from aiohttp import web

from ..core.accounts import Account, redact
from ..core.errors import (
    EndpointNotFound,
    ForcedError,
    GatewayError,
    InternalError,
    InvalidParameters,
    PayloadTooLarge,
)
from ..core.scenarios import Effects, parse_header
from .keys import GATEWAY, SETTINGS, TRACE, Trace

log = logging.getLogger("mock_gateway.access")
KEY_HEADER = "Ocp-Apim-Subscription-Key"
SCENARIO_HEADER = "X-Mock-Scenario"

# The front door's own shape for auth, routing and rate-limit failures (error_style = "apim").
_APIM_MESSAGES = {
    401: "Access denied due to missing or invalid subscription key. Make sure to include "
    "subscription key when making requests to an API.",
    404: "Resource not found",
    429: "Rate limit is exceeded. Try again later.",
}


def is_gateway_path(path: str) -> bool:
    """Gateway traffic is journaled; the mock's own control, CDN and docs paths are not."""
    return not path.startswith("/_mock/") and path != "/openapi.json"


@web.middleware
async def front_door(request: web.Request, handler: Any) -> web.StreamResponse:
    gateway = request.app[GATEWAY]
    settings = request.app[SETTINGS]
    trace = request[TRACE] = Trace()
    started = time.perf_counter() if settings.access_log else 0.0
    gateway.catch_up()
    try:
        response: web.StreamResponse = await handler(request)
    except GatewayError as e:
        response = error_response(e, answering_generation(request), settings.error_style)
    except web.HTTPException as e:
        error = _from_aiohttp(e)
        response = error_response(error, answering_generation(request), settings.error_style)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, loggable(request))
        error = InternalError()
        response = error_response(error, answering_generation(request), settings.error_style)
    if is_gateway_path(request.path):
        gateway.journal.record(
            gateway.now(),
            request.method,
            loggable(request),
            response.status,
            trace.key,
            trace.model_id,
            trace.request_id,
            trace.rules,
        )
    if settings.access_log:
        log.info(
            "%s %s %s -> %d key=%s %.1fms",
            request.remote,
            request.method,
            loggable(request),
            response.status,
            trace.key or "-",
            (time.perf_counter() - started) * 1000,
        )
    return response


def answering_generation(request: web.Request) -> int:
    """The generation whose shape an error to this request takes: that of the key as it is
    now, as for a success (a submit acts on the key as it is after a latency scenario, and a
    slow body or a latency may outlast a change of the key's generation); the generation
    seen at admission if the key has gone since; 2, the page's shape, for a request never
    admitted (no key, an unknown one, the mock's own paths)."""
    trace = request[TRACE]
    if trace.key is None:
        return trace.generation
    gateway = request.app[GATEWAY]
    account = gateway.accounts.get(request.headers.get(KEY_HEADER, ""))
    return trace.generation if account is None else gateway.generation_of(account)


_KEY_IN_PATH = re.compile(r"(?i)(/keys/+)([^/]+)")


def loggable(request: web.Request) -> str:
    """The path for logs and the journal: a key in it redacted, the query string left out
    (a client may put its key there, as the front door's `subscription-key` allows)."""
    path = _KEY_IN_PATH.sub(lambda m: m[1] + redact(m[2]), request.path)[:300]
    return path + ("?…" if request.query_string else "")


def _from_aiohttp(e: web.HTTPException) -> GatewayError:
    if e.status in (404, 405):
        # The live front door answers a wrong method on a known path like an unknown path.
        return EndpointNotFound()
    if e.status == 413:
        return PayloadTooLarge("the request body is over the size limit")
    error = GatewayError(e.reason)
    error.status = e.status if 400 <= e.status < 600 else 500
    return error


def error_response(e: GatewayError, generation: int, style: str) -> web.Response:
    body: dict[str, object]
    if style == "apim" and e.status in _APIM_MESSAGES and not isinstance(e, ForcedError):
        body = {"statusCode": e.status, "message": _APIM_MESSAGES[e.status]}
    else:
        body = e.body(generation)
    return web.json_response(body, status=e.status, headers=e.headers())


def base_url(request: web.Request) -> str:
    """Scheme and host as the client addressed this server: its Host header, or, with
    --trust-forwarded, the proxy's X-Forwarded-Proto and X-Forwarded-Host (first hop)."""
    if request.app[SETTINGS].trust_forwarded:
        headers = request.headers
        proto = headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        host = headers.get("X-Forwarded-Host", "").split(",")[0].strip()
        scheme = proto if proto in ("http", "https") else request.scheme
        if not _FORWARDED_HOST.fullmatch(host):
            host = request.host  # absent or not a host[:port]: never build a URL from it
        return f"{scheme}://{host}"
    return f"{request.scheme}://{request.host}"


# A DNS name, IPv4 or [IPv6] literal, optional port: nothing that could end the authority.
_FORWARDED_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def admit(request: web.Request) -> Account:
    """Key then rate limit, the first two checks of every gateway route."""
    gateway = request.app[GATEWAY]
    account = gateway.authenticate(request.headers.get(KEY_HEADER))
    trace = request[TRACE]
    trace.key = account.label
    trace.generation = gateway.generation_of(account)
    gateway.admit(account)
    return account


async def read_json(request: web.Request) -> Any:
    """The JSON body, or a 4xx naming what is wrong with it."""
    if request.content_type != "application/json":
        raise InvalidParameters(
            f"Content-Type must be application/json, not '{request.content_type[:80]}'",
            field="Content-Type",
        )
    raw = await request.read()  # aiohttp raises 413 past client_max_size
    if not raw.strip():
        raise InvalidParameters("the request body is empty; a JSON object is required")
    try:
        return _DECODER.decode(raw.decode("utf-8"))
    except (ValueError, RecursionError) as e:
        reason = e.msg if isinstance(e, json.JSONDecodeError) else str(e)
        raise InvalidParameters(f"the request body is not valid JSON: {reason[:120]}") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)  # built once, not per request


async def apply_scenarios(request: web.Request, rules: Effects) -> Effects:
    """The request's effects (its header first, then matching rules); adds latency and
    raises the forced status if one is asked for."""
    header = request.headers.get(SCENARIO_HEADER)
    if not header and not rules.rules:
        return rules  # the common case: nothing asked, nothing matched
    effects = parse_header(header) if header else Effects()
    effects.merge(rules)
    request[TRACE].rules = effects.rules
    if effects.latency_ms:
        await asyncio.sleep(effects.latency_ms / 1000)
    if effects.http is not None:
        raise ForcedError(effects.http)
    return effects
