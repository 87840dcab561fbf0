"""The front door: the one middleware, and the steps every gateway route shares.

The middleware turns every GatewayError (and aiohttp's own 404/405/413) into the
documented JSON body, writes the journal and the access log, and runs due scheduled
events first so nothing a request reads is stale (a refund is visible the moment the
status shows ERROR). A bug becomes a JSON 500 with the traceback in the log, never a
dropped connection.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import time
from typing import Any

from aiohttp import HttpVersion, web

try:
    import orjson
except ImportError:  # not on PyPy: json alone reads the body there
    orjson = None  # type: ignore[assignment]

from ..core.accounts import KEY_HEADER, redact
from ..core.errors import (
    EndpointNotFound,
    ForcedError,
    GatewayError,
    InternalError,
    InvalidParameters,
    PayloadTooLarge,
)
from ..service import Call, Faulted
from .faults import Closed, FaultResponse
from .keys import CALL, SERVICE, SETTINGS

CLIENT_CLOSED = "client closed"
HTTP_1_0 = HttpVersion(1, 0)

log = logging.getLogger("mock_gateway.access")
SCENARIO_HEADER = "X-Mock-Scenario"

# The front door's own shape for auth, routing and rate-limit failures (error_style = "apim").
_APIM_MESSAGES = {
    401: "Access denied due to missing or invalid subscription key. Make sure to include "
    "subscription key when making requests to an API.",
    404: "Resource not found",
    429: "Rate limit is exceeded. Try again later.",
}


class BodyTimeout(GatewayError):
    """The body did not arrive within body_timeout_seconds (a stalled upload)."""

    status = 408
    error = "Request Timeout"

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the request body did not arrive within {seconds:g} s")


class AdminTokenRequired(GatewayError):
    status = 401
    error = "Unauthorized"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="mock-gateway control API"'}


# Without the admin token: what a gateway user needs (health, sample inputs, job outputs),
# and the inspector's page itself (no data in it: it asks for the token, then reads).
_OPEN_CONTROL = ("/_mock/health", "/_mock/samples", "/_mock/cdn/", "/_mock/ui")


def check_admin(request: web.Request, token: str) -> None:
    """`Authorization: Bearer <token>` on every /_mock/ operation but the open ones."""
    path = request.path
    if not path.startswith("/_mock/") or path.startswith(_OPEN_CONTROL):
        return
    sent = request.headers.get("Authorization", "")
    scheme, _, value = sent.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        value.strip().encode(), token.encode()
    ):
        raise AdminTokenRequired(
            "the control API needs Authorization: Bearer <the admin token> "
            "(--admin-token or MOCK_GATEWAY_ADMIN_TOKEN)"
        )


def is_gateway_path(path: str) -> bool:
    """Gateway traffic is journaled; the mock's own control, CDN and docs paths are not."""
    return not path.startswith("/_mock/") and path != "/openapi.json"


@web.middleware
async def front_door(request: web.Request, handler: Any) -> web.StreamResponse:
    service = request.app[SERVICE]
    settings = request.app[SETTINGS]
    headers = request.headers
    call = request[CALL] = Call(headers.get(KEY_HEADER), headers.get(SCENARIO_HEADER))
    trace = call.trace
    started = time.perf_counter() if settings.access_log else 0.0
    service.catch_up()
    stand_in = False  # the answer is a 202 naming no job (a submit faulted before acceptance)
    if request.version < HTTP_1_0:  # HTTP/0.9 has no status line to carry any answer
        return Closed()
    try:
        if settings.admin_token:
            check_admin(request, settings.admin_token)
        response: web.StreamResponse = await handler(request)
    except Faulted as e:  # a submit faulted before acceptance: a stand-in answer, faulted
        response = web.json_response(e.body, status=e.status)
        stand_in = True
    except ConnectionError:  # the client hung up mid-request (e.g. while sending its body)
        response = Closed()
    except GatewayError as e:
        response = error_response(e, answering_generation(request), settings.error_style)
        if isinstance(e, BodyTimeout):
            response.force_close()  # the rest of that body must not be read as a request
    except web.HTTPException as e:
        error = _from_aiohttp(e)
        response = error_response(error, answering_generation(request), settings.error_style)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, loggable(request))
        error = InternalError()
        response = error_response(error, answering_generation(request), settings.error_style)
    transport = request.transport
    if isinstance(response, Closed) or transport is None or transport.is_closing():
        trace.closed, trace.fault = CLIENT_CLOSED, None  # nobody is left to answer
        response = Closed()
    elif trace.fault is not None and isinstance(response, web.Response):
        response = FaultResponse(trace.fault, response, service.noise, stand_in=stand_in)
    status = None if trace.closed else response.status  # nobody received a closed one
    if is_gateway_path(request.path):
        service.record(request.method, loggable(request), status, trace)
    if settings.access_log:
        log.info(
            "%s %s %s -> %s key=%s %.1fms",
            request.remote,
            request.method,
            loggable(request),
            trace.closed or status,
            trace.key or "-",
            (time.perf_counter() - started) * 1000,
        )
    return response


def answering_generation(request: web.Request) -> int:
    """The generation whose shape an error to this request takes (see the service's)."""
    return request.app[SERVICE].answering_generation(request[CALL])


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
    body, headers = error_body(e, generation, style)
    return web.json_response(body, status=e.status, headers=headers)


def error_body(
    e: GatewayError, generation: int, style: str
) -> tuple[dict[str, object], dict[str, str]]:
    """The body and extra headers of the answer to `e` (its status is `e.status`)."""
    body: dict[str, object]
    if style == "apim" and e.status in _APIM_MESSAGES and not isinstance(e, ForcedError):
        body = {"statusCode": e.status, "message": _APIM_MESSAGES[e.status]}
    else:
        body = e.body(generation)
    return body, e.headers()


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


async def read_json(request: web.Request) -> Any:
    """The JSON body, or a 4xx naming what is wrong with it."""
    check_content_type(request.content_type)
    if request.content.is_eof():  # the usual small body came with the headers: no timer
        raw = await request.read()  # aiohttp raises 413 past client_max_size
    else:
        limit = request.app[SETTINGS].body_timeout_seconds
        try:
            async with asyncio.timeout(limit):
                raw = await request.read()
        except TimeoutError:
            raise BodyTimeout(limit) from None
    return decode_json(raw)


def check_content_type(content_type: str) -> None:
    """A 400 unless the body is declared JSON (`content_type`: the media type alone)."""
    if content_type != "application/json":
        raise InvalidParameters(
            f"Content-Type must be application/json, not '{content_type[:80]}'",
            field="Content-Type",
        )


def decode_json(raw: bytes) -> Any:
    """The JSON value of a whole body, or a 400 naming what is wrong with it."""
    value = _read_json(raw)
    # Only a body with that many brackets in all can be nested that deep: the walk is rare.
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and _deeper_than(value, MAX_DEPTH):
        raise _too_deep()
    return value


def _read_json(raw: bytes) -> Any:
    if orjson is not None and (
        len(raw) - len(raw.translate(None, _DIGITS)) < 19 or _LONG_DIGITS.search(raw) is None
    ):
        try:
            return orjson.loads(raw)  # the usual body, several times faster than json
        except orjson.JSONDecodeError:
            pass  # json decides, and says why
    if not raw.strip():
        raise InvalidParameters("the request body is empty; a JSON object is required")
    try:
        return _DECODER.decode(raw.decode("utf-8"))
    except RecursionError:
        raise _too_deep() from None  # json's own limit, some 990 levels down
    except ValueError as e:
        reason = e.msg if isinstance(e, json.JSONDecodeError) else str(e)
        raise InvalidParameters(f"the request body is not valid JSON: {reason[:120]}") from None


# Arrays and objects within each other, at most: the pages' bodies are two levels deep.
# Deeper values (json itself gives up somewhere near 990, orjson at 1024) would reach the
# validator's messages, the journal and the stores, each recursive: a 400 at the door.
MAX_DEPTH = 64


def _too_deep() -> InvalidParameters:
    return InvalidParameters(f"the request body is nested more than {MAX_DEPTH} levels deep")


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels in `value` (level by level,
    no recursion: the value may be over a thousand levels deep)."""
    level = [value] if isinstance(value, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        inner = []
        for item in level:
            for child in item.values() if isinstance(item, dict) else item:
                if isinstance(child, dict | list):
                    inner.append(child)
        level = inner
    return False


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)  # built once, not per request
# orjson reads what json reads, to the same values, with one exception: an integer past 64
# bits becomes a float (json keeps it exact). A body with 19 digits in a row (any such
# integer has them) is json's. What orjson refuses, json reads as it always did (1e400 as
# inf, a lone surrogate) or refuses and says why (NaN, not UTF-8, nesting past its limit):
# tests/http/test_json_bodies.py.
# The search costs more than orjson itself: only a body with 19 digits in all needs it.
_DIGITS = b"0123456789"
_LONG_DIGITS = re.compile(rb"[0-9]{19}")
