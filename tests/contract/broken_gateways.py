"""Small broken gateways: the real mock with exactly one thing wrong, named for that thing.

Two kinds, by the path the contract suite sees them on (test_sharpness runs both):

- `VARIANTS` (black-box): the real mock behind one aiohttp middleware that breaks one rule,
  served on 127.0.0.1 and checked with `python -m pixazo_contract --live`, as a live gateway
  would be. A fault that HTTP shows must be caught this way.
- `MOCK_VARIANTS` (mock-only): faults only the mock's control API can provoke or see (the
  wallet, webhook deliveries, generation 1, a key restricted to one model, an empty wallet,
  a rate limit). Each is a patch of the in-process mock, applied by the pytest plugin
  `tests.contract.broken_mock` (`--broken-mock NAME`) before the suite starts its target; the
  suite runs its `mock_only` tests against it.

Each variant says which check must catch it (`rule`) and a word of the message (`words`).
A variant with `assumption=True` breaks only one of the mock's choices (an assumed check):
a live run then passes and reports that assumption contradicted, with `words` among what it
observed.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from multidict import CIMultiDict

from mock_gateway.app import create_app
from mock_gateway.core import events
from mock_gateway.core.accounts import Account
from mock_gateway.core.catalog import Model
from mock_gateway.core.events import REFUND, Pending
from mock_gateway.core.jobs import Job, Status
from mock_gateway.core.scenarios import Effects
from mock_gateway.gateway import Gateway
from mock_gateway.settings import Settings
from mock_gateway.webhooks import Webhooks

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]
Patch = Callable[[pytest.MonkeyPatch], None]
Body = dict[str, Any]

KEY = "test-key"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
STATUS = "/v2/requests/status/"
CDN = "/_mock/cdn/"
TERMINAL = ("COMPLETED", "FAILED", "ERROR")


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


def _is_gateway(request: web.Request) -> bool:
    return not request.path.startswith("/_mock/") and request.path != "/openapi.json"


def _shifted(stamp: str, seconds: float) -> str:
    """`stamp` moved by `seconds`, in its own form (`...T10:00:00.000Z` or `... 13:19:23`)."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00").replace(" ", "T", 1))
    moment += timedelta(seconds=seconds)
    if "T" in stamp:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return moment.strftime("%Y-%m-%d %H:%M:%S")


async def _submitted_json(request: web.Request) -> Any:
    try:
        return json.loads(await request.read())
    except ValueError:
        return None


def _send_instead(request: web.Request, body: Any) -> None:
    """Make the handler read `body` as the request's JSON (what a rewriting proxy does)."""
    request._read_bytes = json.dumps(body).encode()


# -- building blocks: rewrite one kind of answer ------------------------------------------------


def status_rewrite(change: Callable[[Body], Body | None]) -> Middleware:
    """Status answers (200, on the status path and so the polling_url) passed through
    `change`; None keeps the answer as it is."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        body = _body(response)
        if _is_status(request) and response.status == 200 and isinstance(body, dict):
            changed = change(body)
            if changed is not None:
                return _answer(response, changed)
        return response

    return middleware


def submit_rewrite(change: Callable[[Body], Body]) -> Middleware:
    """Accepted (202) submit answers passed through `change`."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        body = _body(response)
        if _is_submit(request) and response.status == 202 and isinstance(body, dict):
            return _answer(response, change(body))
        return response

    return middleware


def error_rewrite(statuses: Callable[[int], bool], change: Callable[[Body], Body]) -> Middleware:
    """JSON error answers whose status `statuses` admits, passed through `change`."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        body = _body(response)
        if statuses(response.status) and isinstance(body, dict) and _is_gateway(request):
            return _answer(response, change(body))
        return response

    return middleware


def submit_body_rewrite(change: Callable[[Body], Body | None]) -> Middleware:
    """Submit bodies (JSON objects) rewritten before the mock reads them; None: as sent."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if _is_submit(request):
            body = await _submitted_json(request)
            changed = change(body) if isinstance(body, dict) else None
            if changed is not None:
                _send_instead(request, changed)
        return await handler(request)

    return middleware


# -- black-box: one middleware per broken rule ------------------------------------------------


def _renamed_status(body: Body) -> Body | None:
    return {**body, "status": "SUCCEEDED"} if body.get("status") == "COMPLETED" else None


def _media_url_string(body: Body) -> Body | None:
    output = body.get("output")
    if not isinstance(output, dict):
        return None
    return {**body, "output": {**output, "media_url": output["media_url"][0]}}


def _ok_instead_of_accepted() -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if _is_submit(request) and response.status == 202:
            return _answer(response, _body(response), status=200)
        return response

    return middleware


def _guidance_swallowed(body: Body) -> Body | None:
    # A gateway that does not validate guidance_scale clamps it silently.
    guidance = body.get("guidance_scale")
    # (bool is an int to Python, but a wrong type to the gateway: that 400 stays.)
    number = isinstance(guidance, int | float) and not isinstance(guidance, bool)
    if number and not 5 <= guidance <= 10:
        return {**body, "guidance_scale": 7.5}
    return None


@web.middleware
async def no_auth_check(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.headers.get(KEY_HEADER) != KEY:
        headers = CIMultiDict(request.headers)
        headers[KEY_HEADER] = KEY
        request = request.clone(headers=headers)
    return await handler(request)


def terminal_changes() -> Middleware:
    seen: dict[str, int] = {}

    def change(body: Body) -> Body | None:
        if not body.get("completed_at"):
            return None
        seen[body["request_id"]] = seen.get(body["request_id"], 0) + 1
        if seen[body["request_id"]] == 1:
            return None
        if body["status"] == "COMPLETED":  # a finished job turns into a platform error
            return {**body, "status": "ERROR", "output": None, "error": "lost on re-poll"}
        return {**body, "error": f"{body['error']} (re-poll)"}

    return status_rewrite(change)


def _completed_before_created(body: Body) -> Body | None:
    if not body.get("completed_at"):
        return None
    return {**body, "completed_at": _shifted(body["created_at"], -60)}


def _updated_before_created(body: Body) -> Body | None:
    # A clock skew between two services: updated_at is written a minute before created_at.
    return {**body, "updated_at": _shifted(body["created_at"], -60)}


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


@web.middleware
async def json_as_text(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every 2xx JSON answer of the gateway served as text/plain (the body unchanged)."""
    response = await handler(request)
    if (
        200 <= response.status < 300
        and _is_gateway(request)
        and isinstance(response, web.Response)
        and response.content_type == "application/json"
    ):
        return web.Response(status=response.status, body=response.body, content_type="text/plain")
    return response


def _without(
    name: str, when: Callable[[Body], bool] = lambda body: True
) -> Callable[[Body], Body | None]:
    def change(body: Body) -> Body | None:
        if name in body and when(body):
            return {k: v for k, v in body.items() if k != name}
        return None

    return change


def _media_type_null(body: Body) -> Body | None:
    output = body.get("output")
    if not isinstance(output, dict):
        return None
    return {**body, "output": {**output, "media_type": None}}


def _media_type_octet_stream(body: Body) -> Body | None:
    output = body.get("output")
    if not isinstance(output, dict):
        return None
    return {**body, "output": {**output, "media_type": "application/octet-stream"}}


def _polling_url_null(body: Body) -> Body | None:
    return {**body, "polling_url": None}


def _model_id_unversioned(body: Body) -> Body | None:
    # "bria-fibo-bbq-preview" -> "bria-fibo-bbq": the model's family, not the model.
    return {**body, "model_id": body["model_id"].rsplit("-", 1)[0]}


def _polling_url_elsewhere(body: Body) -> Body:
    path = body["polling_url"].split("/v2/", 1)[1]
    return {**body, "polling_url": f"https://status.pixazo.invalid/v2/{path}"}


def _request_id_unprefixed(body: Body) -> Body:
    return {**body, "request_id": body["request_id"].split("_", 1)[1]}


def created_at_moves() -> Middleware:
    """While a job runs, every poll answers an earlier created_at (a second per poll); the
    terminal answer has the real one. (Served with slow jobs: a job's first poll, right after
    its submit, is never terminal, so its second one always differs.)"""
    polls: dict[str, int] = {}

    def change(body: Body) -> Body | None:
        if body["status"] in TERMINAL:
            return None
        polls[body["request_id"]] = count = polls.get(body["request_id"], 0) + 1
        return {**body, "created_at": _shifted(body["created_at"], -count)}

    return status_rewrite(change)


def status_goes_back() -> Middleware:
    """A job's first three polls say QUEUED, PROCESSING, then QUEUED again; later ones tell
    the truth. (Served with jobs that end at once: which poll goes back never depends on
    timing, only on how often the suite polled.)"""
    polls: dict[str, int] = {}
    story = ("QUEUED", "PROCESSING", "QUEUED")

    def change(body: Body) -> Body | None:
        polls[body["request_id"]] = count = polls.get(body["request_id"], 0) + 1
        if count > len(story):
            return None
        status = story[count - 1]
        return {**body, "status": status, "error": None, "output": None, "completed_at": None}

    return status_rewrite(change)


@web.middleware
async def output_not_png(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The CDN serves a JPEG where the contract says output.png."""
    response = await handler(request)
    if request.path.startswith(CDN) and response.status == 200:
        jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(64)
        return web.Response(body=jpeg + b"\xff\xd9", content_type="image/jpeg")
    return response


def _seed_dropped(body: Body) -> Body | None:
    # A valid seed is dropped on the way to the model, which then draws its own.
    seed = body.get("seed")
    if isinstance(seed, int) and not isinstance(seed, bool):
        return {k: v for k, v in body.items() if k != "seed"}
    return None


def _prompt_defaulted(body: Body) -> Body | None:
    # A FIBO body without a prompt gets a default one instead of a 400.
    if "prompt" in body or "image_url" in body:
        return None
    return {**body, "prompt": "an untitled picture"}


@web.middleware
async def http_webhook_accepted(request: web.Request, handler: Handler) -> web.StreamResponse:
    """An http:// X-Webhook-URL is accepted (and the webhook silently dropped)."""
    url = request.headers.get("X-Webhook-URL", "")
    if _is_submit(request) and url.strip().lower().startswith("http://"):
        headers = CIMultiDict(request.headers)
        del headers["X-Webhook-URL"]
        request = request.clone(headers=headers)
    return await handler(request)


@web.middleware
async def wrong_method_405(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A wrong method on a known path answers 405 (the mock, like the front door, says 404)."""
    if isinstance(request.match_info.http_exception, web.HTTPMethodNotAllowed):
        allowed = ", ".join(sorted(request.match_info.http_exception.allowed_methods))
        return web.json_response(
            {"error": "Method not allowed"}, status=405, headers={"Allow": allowed}
        )
    return await handler(request)


def retry_after_missing() -> Middleware:
    """The first status poll that carries a key answers 429 without Retry-After."""
    done: list[bool] = []

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not done and _is_status(request) and KEY_HEADER in request.headers:
            done.append(True)
            return web.json_response(
                {"error": "Rate limit exceeded, please retry later"}, status=429
            )
        return await handler(request)

    return middleware


APIM_401 = {
    "statusCode": 401,
    "message": "Access denied due to missing or invalid subscription key. Make sure to include "
    "subscription key when making requests to an API.",
}


# How fast the served mock's jobs run, when a variant needs it (default: test_sharpness's).
# The suite's lifecycle is a hypothesis state machine: a failure that a job's timing moves from
# one step to another makes hypothesis's replay differ ("FlakyStrategyDefinition") instead of
# naming the rule. So a fault that shows only once a job has ended is served with jobs that
# end the moment they are accepted (every poll sees the end), and one that needs a job's first
# poll to see it still queued with slow ones.
INSTANT = 1e-6
SLOW = 0.05


@dataclass(frozen=True, slots=True)
class Broken:
    """A gateway breaking one rule, and what the suite's report must then name."""

    name: str
    make: Callable[[], Middleware]
    rule: str  # the rule tag the report must show, e.g. "[submit-202]"
    words: str  # and a word of the message naming what broke
    # Breaks only an assumption (the pages allow it): a live run passes and reports the
    # assumption contradicted, naming what it observed (`words`).
    assumption: bool = False
    time_scale: float | None = None  # INSTANT or SLOW; None: the harness's default


def _just(middleware: Middleware) -> Callable[[], Middleware]:
    return lambda: middleware


# A missing status field (or one absent instead of null) fails the whole status schema: its
# branches (one per status) all fail, so the message says "(top level)", not the field.
TOP_LEVEL = "(top level)"

VARIANTS = [
    Broken(
        "renamed-status",
        lambda: status_rewrite(_renamed_status),
        "schema:gen2/status_response",
        "SUCCEEDED",
        time_scale=INSTANT,
    ),
    Broken(
        "no-polling-url",
        lambda: submit_rewrite(lambda b: {k: v for k, v in b.items() if k != "polling_url"}),
        "schema:gen2/submit_response",
        "polling_url",
    ),
    Broken("200-not-202", _ok_instead_of_accepted, "submit-202", "answered 200"),
    Broken(
        "guidance-unchecked",
        lambda: submit_body_rewrite(_guidance_swallowed),
        "assumed.validation.guidance-range",
        "HTTP 202",
        assumption=True,
    ),
    Broken(
        "media-url-string",
        lambda: status_rewrite(_media_url_string),
        "schema:gen2/status_response",
        "output",
        time_scale=INSTANT,
    ),
    Broken("no-auth-check", _just(no_auth_check), "auth-401", "answered 202"),
    Broken(
        "terminal-changes",
        terminal_changes,
        "terminal-stable",
        "later poll changed",
        time_scale=INSTANT,
    ),
    Broken(
        "completed-before-created",
        lambda: status_rewrite(_completed_before_created),
        "timestamps-ordered",
        "completed_at",
        time_scale=INSTANT,
    ),
    Broken(
        "updated-before-created",
        lambda: status_rewrite(_updated_before_created),
        "timestamps-ordered",
        "updated_at",
    ),
    Broken("unknown-id-200", _just(unknown_id_ok), "unknown-id-404", "answered 200"),
    Broken("html-error-body", _just(html_errors), "error-json", "text/html"),
    Broken(
        "rejects-our-key",
        _just(rejects_and_echoes_the_key),
        "model-not-found-400",
        "answered 401",
    ),
    Broken(
        "generic-error-bodies",
        lambda: error_rewrite(lambda s: s >= 400, lambda b: {"error": "Something went wrong"}),
        "model-not-found-400",
        "Something went wrong",
    ),
    Broken(
        "model-not-found-reworded",
        lambda: error_rewrite(
            lambda s: s == 400,
            lambda b: (
                {**b, "message": "No such model"} if b.get("error") == "Model not found" else b
            ),
        ),
        "model-not-found-400",
        "No such model",
    ),
    Broken("json-as-text-plain", _just(json_as_text), "json-content-type", "text/plain"),
    Broken(
        "no-completed-at",  # a missing field
        lambda: status_rewrite(_without("completed_at")),
        "schema:gen2/status_response",
        TOP_LEVEL,
    ),
    Broken(
        "error-absent-not-null",  # absent instead of null
        lambda: status_rewrite(_without("error", lambda b: b["error"] is None)),
        "schema:gen2/status_response",
        TOP_LEVEL,
    ),
    Broken(
        "media-type-null",  # null instead of a MIME type
        lambda: status_rewrite(_media_type_null),
        "schema:gen2/status_response",
        "output.media_type",
        time_scale=INSTANT,
    ),
    Broken(
        "polling-url-null-on-status",  # null instead of absent
        lambda: status_rewrite(_polling_url_null),
        "status-fields",
        "polling_url",
    ),
    Broken(
        "model-id-unversioned",
        lambda: status_rewrite(_model_id_unversioned),
        "job-identity",
        "of model 'bria-",
    ),
    Broken(
        "polling-url-on-another-host",
        lambda: submit_rewrite(_polling_url_elsewhere),
        "polling-url",
        "is not on the target",
    ),
    Broken(
        "request-id-without-model",
        lambda: submit_rewrite(_request_id_unprefixed),
        "request-id",
        "is not prefixed by the model",
    ),
    Broken(
        "created-at-moves",
        created_at_moves,
        "created-at-stable",
        "created_at changed",
        time_scale=SLOW,
    ),
    Broken(
        "status-goes-back",
        status_goes_back,
        "transition",
        "from PROCESSING to QUEUED",
        time_scale=INSTANT,
    ),
    Broken("output-not-png", _just(output_not_png), "png", "not a PNG", time_scale=INSTANT),
    Broken(
        "seed-ignored",
        lambda: submit_body_rewrite(_seed_dropped),
        "seed-reproducible",
        "different pictures",
    ),
    Broken(
        "prompt-not-required",
        lambda: submit_body_rewrite(_prompt_defaulted),
        "invalid-400",
        "answered 202",
    ),
    Broken(
        "http-webhook-accepted",
        _just(http_webhook_accepted),
        "webhook-https-400",
        "answered 202",
    ),
    # -- only a choice of the mock broken: the live run passes, the report says what it saw
    Broken(
        "405-for-a-wrong-method",
        _just(wrong_method_405),
        "assumed.error.wrong-method-404",
        "HTTP 405",
        assumption=True,
    ),
    Broken(
        "429-without-retry-after",
        retry_after_missing,
        "assumed.rate-limit.retry-after",
        "no Retry-After",
        assumption=True,
    ),
    Broken(
        "media-type-octet-stream",
        lambda: status_rewrite(_media_type_octet_stream),
        "assumed.output.media-type",
        "application/octet-stream",
        assumption=True,
    ),
    Broken(
        "apim-style-401",
        lambda: error_rewrite(lambda s: s == 401, lambda b: dict(APIM_401)),
        "assumed.error.apim-style",
        "apim",
        assumption=True,
    ),
]


def app(middleware: Middleware | None, time_scale: float = 0.01) -> web.Application:
    """The real mock on a fast real clock, with `middleware` outermost."""
    built = create_app(Settings(time_scale=time_scale, access_log=False))
    if middleware is not None:
        built.middlewares.insert(0, middleware)  # type: ignore[arg-type]
    return built


# -- mock-only: patches of the in-process mock (applied by tests.contract.broken_mock) ---------


def behind(make: Callable[[], Middleware]) -> Patch:
    """A patch putting the mock the suite starts behind the middleware `make()` gives."""

    def patch(monkeypatch: pytest.MonkeyPatch) -> None:
        import mock_gateway.running as running

        original = running.create_app

        def create(settings: Settings | None = None, **kwargs: Any) -> web.Application:
            built = original(settings, **kwargs)
            built.middlewares.insert(0, make())  # type: ignore[arg-type]
            return built

        monkeypatch.setattr(running, "create_app", create)

    return patch


def _error_charged(monkeypatch: pytest.MonkeyPatch) -> None:
    # The refund of an ERROR job never happens.
    monkeypatch.setattr(Account, "refund", lambda self, amount: None)


def _failed_refunded(monkeypatch: pytest.MonkeyPatch) -> None:
    original, original_refund = Gateway.submit, Gateway._refund

    def submit(
        self: Gateway,
        account: Account,
        model: Model,
        params: dict[str, Any],
        effects: Effects,
        base_url: str,
        **kwargs: Any,
    ) -> Job:
        job = original(self, account, model, params, effects, base_url, **kwargs)
        if job.forced is not Status.ERROR:  # a FAILED job is treated like an ERROR one
            self.dispatcher.schedule(REFUND, job.ended_at, job.request_id, job.ended_at)
        return job

    def refund(self: Gateway, event: Pending) -> None:
        job = self.jobs.get(event.request_id)
        if job is not None and job.outcome is not Status.COMPLETED:
            original_refund(self, event)

    monkeypatch.setattr(Gateway, "submit", submit)
    monkeypatch.setattr(Gateway, "_refund", refund)


def _double_charge(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Account.charge

    def charge(self: Account, price: Any) -> None:
        original(self, price)
        self.balance_usd -= price  # the same job billed again, unchecked

    monkeypatch.setattr(Account, "charge", charge)


def _two_terminal_callbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Webhooks.plan

    def plan(self: Webhooks, job: Job) -> None:
        original(self, job)
        if job.webhook_mode == "terminal":  # a second final callback, five minutes later
            again = job.ended_at + 300 * self.settings.time_scale
            self.gateway.dispatcher.schedule(events.TERMINAL, again, job.request_id, again)

    monkeypatch.setattr(Webhooks, "plan", plan)


def _no_progress_callbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Sync mode behaves as terminal mode: no callback on the poll cycles.
    monkeypatch.setattr(Webhooks, "_progress", lambda self, event: None)


def _rate_limit_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Account, "admit", lambda self, now: None)


@web.middleware
async def gen1_accepted_202(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Generation 1's submit answers 202 (generation 2's code) instead of its page's 200."""
    response = await handler(request)
    if _is_submit(request) and response.status == 200:
        return _answer(response, _body(response), status=202)
    return response


@web.middleware
async def forbidden_as_401(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A key not allowed the model is told its key is wrong."""
    response = await handler(request)
    if response.status == 403:
        return web.json_response({"error": "Invalid or missing authentication"}, status=401)
    return response


@dataclass(frozen=True, slots=True)
class BrokenMock:
    """A mock broken from inside, and what the suite's mock-only run must then name."""

    name: str
    patch: Patch
    rule: str
    words: str


MOCK_VARIANTS = [
    BrokenMock("error-charged", _error_charged, "error-refunded", "after ERROR"),
    BrokenMock(
        "failed-refunded",
        _failed_refunded,
        "assumed.outcome.failed-charged",
        "after FAILED",
    ),
    BrokenMock("double-charge", _double_charge, "price", "not charged exactly"),
    BrokenMock(
        "two-terminal-callbacks",
        _two_terminal_callbacks,
        "webhook-once",
        "delivered 2 callbacks",
    ),
    BrokenMock(
        "sync-without-progress",
        _no_progress_callbacks,
        "webhook-sync",
        "sync mode delivered ['COMPLETED']",
    ),
    BrokenMock("gen1-submit-202", behind(lambda: gen1_accepted_202), "gen1-submit-200", "202"),
    BrokenMock(
        "wrong-402-body",
        behind(lambda: error_rewrite(lambda s: s == 402, lambda b: {"error": "Payment Required"})),
        "balance-402",
        "Payment Required",
    ),
    BrokenMock("403-as-401", behind(lambda: forbidden_as_401), "forbidden-403", "answered 401"),
    BrokenMock("rate-limit-ignored", _rate_limit_ignored, "rate-limit-429", "answered 404"),
]


def mock_variant(name: str) -> BrokenMock:
    found = {v.name: v for v in MOCK_VARIANTS}.get(name)
    if found is None:
        raise KeyError(
            f"no broken mock {name!r} (known: {', '.join(v.name for v in MOCK_VARIANTS)})"
        )
    return found
