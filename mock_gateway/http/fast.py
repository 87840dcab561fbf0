"""The fast lane: the gateway's hot routes answered straight off the socket.

aiohttp's web layer (a Request, the router, the middleware chain, a Response and its
headers) costs more per request than everything the mock itself does for a status poll or
a submit. The fast lane reads those requests itself and calls the same service, in the
same order the front door does (`front.front_door`), so the answer, the journal and the
access log are the same; only the layers between the socket and the service are gone.

It takes only what it can answer exactly like the ordinary path:

- HTTP/1.1; ASCII headers without duplicates, folding or control characters; a Host; no
  Connection, Transfer-Encoding, Expect, Upgrade or X-Mock-Scenario header; no query string
  and no percent sign in the path; a POST's body whole in hand once its headers are (a body
  still on its way is the ordinary path's: its deadline, a hang-up in the middle);
- generation 2's status poll, both generations' submit, generation 1's result;
- while no scenario rule could still apply to its endpoint (a rule or a header can fault
  the answer, which the ordinary path's fault machinery carries out), and without
  --trust-forwarded.

Anything else, from its first byte on, goes to aiohttp for the rest of the connection
(`Lane.parse` answers NOT_FAST): the fast lane never decides what the ordinary path would
refuse. tests/http/test_fast.py plays every request both ways and compares the bytes.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import formatdate
from functools import partial
from http import HTTPStatus
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from aiohttp.helpers import parse_content_type
from aiohttp.http import SERVER_SOFTWARE

from ..core.accounts import KEY_HEADER
from ..core.errors import GatewayError, InternalError
from ..service import Call, Service
from ..settings import Settings
from ..views import Body
from .front import (
    CLIENT_CLOSED,
    SCENARIO_HEADER,
    check_content_type,
    decode_json,
    error_body,
)

log = logging.getLogger("mock_gateway.access")

NEED_MORE = "need more"  # the buffer ends inside a request
NOT_FAST = "not fast"  # the ordinary path must answer this (and the rest of the connection)
MAX_HEAD = 8190  # aiohttp's own line limit: a longer head is the ordinary path's to refuse

_KEY = KEY_HEADER.lower()
# Headers whose meaning only the ordinary path carries out (or refuses).
_SPECIAL = frozenset(
    {"connection", "transfer-encoding", "expect", "upgrade", "te", SCENARIO_HEADER.lower()}
)
# Header lines, each `token: printable ASCII or tabs` and CRLF; one match checks them all.
_FIELDS = re.compile(rb"(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e]*\r\n)*")
_SEGMENT = rb"[A-Za-z0-9._~!$&'()*+,;=:@-]+"  # no '%': what aiohttp would decode stays out
# The POST routes (a status poll is _STATUS_LINE's): pattern of the path, route name.
_POST_ROUTES: tuple[tuple[re.Pattern[bytes], str], ...] = (
    (re.compile(rb"/(" + _SEGMENT + rb")/v1/(" + _SEGMENT + rb"-request)"), "submit"),
    (re.compile(rb"/(" + _SEGMENT + rb")/v1/(" + _SEGMENT + rb"-request-result)"), "result"),
)
_STARTS = (b"GET /v2/requests/status/", b"POST /")  # how a hot request line begins
_STATUS_LINE = re.compile(rb"GET /v2/requests/status/(" + _SEGMENT + rb") HTTP/1\.1")


def _no_default(value: object) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# What json.dumps(body) makes, byte for byte (the ordinary path's json_response calls it),
# without building an encoder per call as json.dumps does: the answer of every request.
# No circular-reference check (markers None): an answer body is a tree the views build.
# Where the C accelerator is missing (not CPython), the pure-Python encoder does the same.
_ENCODE: Callable[[Any, int], Iterable[str]] = (
    c_make_encoder(None, _no_default, encode_basestring_ascii, None, ": ", ", ", False, False, True)
    if c_make_encoder is not None
    else lambda body, _level: json.JSONEncoder(check_circular=False).iterencode(body)
)
_JSON = b"application/json; charset=utf-8"


@dataclass(slots=True)
class Exchange:
    """One request the fast lane takes."""

    method: str
    path: str
    route: str  # status, submit or result
    match: tuple[str, ...]  # the route's path parameters
    headers: dict[str, str]  # lower-case names
    body: bytes


class Lane:
    """One server's fast lane: parsing, and answering through the service."""

    def __init__(self, service: Service, settings: Settings, max_body: int) -> None:
        self.service = service
        self.settings = settings
        self.max_body = max_body
        self.answered = 0  # requests this lane answered (the tests' way to see it at work)
        # Whether an answer may start outside a task (http/server.py, `_step`): not on a
        # shared store, whose client (redis-py) needs a current task for its timeouts.
        self.stepped = not service.store.shared
        self._second = -1
        self._tail = b""  # Date and Server, and the blank line

    def open_for(self, route: str) -> bool:
        """Whether requests to `route` may take the fast lane now: no rule that could still
        apply to it could fault them (a used-up one, `times` at 0, stays listed but matches
        nothing; one for another endpoint never matches this one)."""
        if self.settings.trust_forwarded:
            return False
        rules = self.service.store.rules.rules
        return not rules or not any(
            rule.times != 0 and rule.match.on in (None, route) for rule in rules
        )

    def parse(self, buf: bytearray) -> tuple[Exchange | str, int]:
        """(the next request, bytes it took), or (NEED_MORE or NOT_FAST, 0)."""
        end = buf.find(b"\r\n\r\n", 0, MAX_HEAD + 4)
        if end < 0:  # a head still coming: hand it over as soon as it cannot be the lane's
            first = buf.find(b"\r\n")
            if first >= 0:
                hot = _request_line(bytes(buf[:first])) is not None
            else:
                hot = any(p.startswith(buf[:32]) or buf.startswith(p) for p in _STARTS)
            return (NEED_MORE if hot and len(buf) < MAX_HEAD + 4 else NOT_FAST), 0
        head = bytes(buf[:end])
        first = head.find(b"\r\n")
        matched = _request_line(head if first < 0 else head[:first])
        if matched is None or not self.open_for(matched[1]):
            return NOT_FAST, 0
        fields = head[first + 2 :] + b"\r\n" if first >= 0 else b""
        headers = _fields(fields)
        if headers is None:
            return NOT_FAST, 0
        if "host" not in headers:
            return NOT_FAST, 0
        length = headers.get("content-length", "0")
        if not length.isdigit() or len(length) > 12:
            return NOT_FAST, 0
        size = int(length)
        method, route, groups, target = matched
        if size > self.max_body or (method == "GET" and size):
            return NOT_FAST, 0
        start = end + 4
        if len(buf) < start + size:
            # A body still coming is the ordinary path's: its deadline (a 408), a hang-up
            # in the middle ("client closed" in the journal).
            return NOT_FAST, 0
        body = bytes(buf[start : start + size])
        exchange = Exchange(method, target, route, groups, headers, body)
        return exchange, start + size

    async def answer(self, exchange: Exchange, remote: str, closing: Callable[[], bool]) -> bytes:
        """The whole HTTP answer to `exchange`, journaled and logged as the front door does;
        b"" when the client is gone (`closing()`) by the time it is ready."""
        service, settings = self.service, self.settings
        self.answered += 1
        headers = exchange.headers
        call = Call(headers.get(_KEY), None)
        trace = call.trace
        started = time.perf_counter() if settings.access_log else 0.0
        service.catch_up()
        extra: dict[str, str] = {}
        try:
            body, status = await self._route(exchange, call)
        except GatewayError as e:
            generation = service.answering_generation(call)
            status, body, extra = e.status, *error_body(e, generation, settings.error_style)
        except Exception:
            log.exception("unexpected error on %s %s", exchange.method, exchange.path)
            bug = InternalError()
            generation = service.answering_generation(call)
            status, body, extra = bug.status, *error_body(bug, generation, settings.error_style)
        if trace.fault is not None:  # cannot happen while `open`: a bug, said loudly
            raise RuntimeError("a faulted answer reached the fast lane")
        gone = closing()
        if gone:
            trace.closed = CLIENT_CLOSED
        answered = None if gone else status
        service.record(exchange.method, exchange.path[:300], answered, trace)  # all journaled
        if settings.access_log:
            log.info(
                "%s %s %s -> %s key=%s %.1fms",
                remote,
                exchange.method,
                exchange.path[:300],
                trace.closed or status,
                trace.key or "-",
                (time.perf_counter() - started) * 1000,
            )
        return b"" if gone else self._render(status, body, extra)

    async def _route(self, exchange: Exchange, call: Call) -> tuple[Any, int]:
        service = self.service
        if exchange.route == "status":
            return await service.status(call, exchange.match[0]), 200
        read = partial(_read_json, exchange)
        if exchange.route == "submit":
            call.base_url = f"http://{exchange.headers['host']}"
            headers = exchange.headers
            model_id, action = exchange.match
            return await service.submit(
                call,
                model_id,
                action,
                read,
                headers.get("x-webhook-url"),
                headers.get("x-webhook-mode"),
            )
        model_id, action = exchange.match
        return await service.result(call, model_id, action, read), 200

    def _render(self, status: int, body: Any, extra: dict[str, str]) -> bytes:
        # The hot bodies write themselves (views.Body); json's encoder writes the rest.
        text = (body.text() if isinstance(body, Body) else "".join(_ENCODE(body, 0))).encode()
        now = int(time.time())
        if now != self._second:  # the Date header changes once a second
            self._second = now
            self._tail = b"\r\nDate: %s\r\nServer: %s\r\n\r\n" % (
                formatdate(now, usegmt=True).encode(),
                SERVER_SOFTWARE.encode(),
            )
        if extra:
            status_line = _status_line(status)
            lines = [f"{k}: {v}".encode("latin-1") for k, v in extra.items()]
            first = status_line + b"\r\n" + b"\r\n".join(lines) + b"\r\n"
        else:
            first = _status_line(status) + b"\r\n"
        return b"%sContent-Type: %s\r\nContent-Length: %d%s%s" % (
            first,
            _JSON,
            len(text),
            self._tail,
            text,
        )


@functools.lru_cache(maxsize=64)
def _status_line(status: int) -> bytes:
    return b"HTTP/1.1 %d %s" % (status, HTTPStatus(status).phrase.encode())


@functools.lru_cache(maxsize=256)
def _fields(fields: bytes) -> dict[str, str] | None:
    """The header lines (each with its CRLF) as {lower-case name: value}, or None when the
    lane must not take them: not ASCII, control characters, folding, a repeated name, or a
    name only the ordinary path carries out. Cached: a client sends the same ones each time
    (the answer must never be changed by a caller)."""
    if not _FIELDS.fullmatch(fields):
        return None
    headers: dict[str, str] = {}
    for line in fields.decode("ascii").split("\r\n")[:-1]:
        name, _, value = line.partition(":")
        key = name.lower()
        if key in headers or key in _SPECIAL:
            return None
        headers[key] = value.strip(" \t")
    return headers


def _request_line(line: bytes) -> tuple[str, str, tuple[str, ...], str] | None:
    """(method, route, its path parameters, the path) of a request line to a hot route."""
    status = _STATUS_LINE.fullmatch(line)
    if status is not None:  # the commonest, and each names another job: one match, no cache
        request_id = status[1].decode()
        return "GET", "status", (request_id,), "/v2/requests/status/" + request_id
    return _post_line(line) if line.startswith(b"POST /") else None


@functools.lru_cache(maxsize=256)  # a client's submits repeat a few lines (one per model)
def _post_line(line: bytes) -> tuple[str, str, tuple[str, ...], str] | None:
    parts = line.split(b" ")
    if len(parts) != 3 or parts[0] != b"POST" or parts[2] != b"HTTP/1.1":
        return None
    target = parts[1]
    for pattern, route in _POST_ROUTES:
        found = pattern.fullmatch(target)
        if found is not None:
            groups = tuple(g.decode() for g in found.groups())
            return "POST", route, groups, target.decode()
    return None


async def _read_json(exchange: Exchange) -> Any:
    """The body as front.read_json reads it (the same checks, in the same order)."""
    check_content_type(_content_type(exchange.headers.get("content-type")))
    return decode_json(exchange.body)


@functools.lru_cache(maxsize=64)  # a client sends one or two values, again and again
def _content_type(value: str | None) -> str:
    """The media type of a Content-Type value, exactly as aiohttp's `request.content_type`."""
    return "application/octet-stream" if value is None else parse_content_type(value)[0]
