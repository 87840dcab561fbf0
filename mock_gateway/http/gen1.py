"""Generation 1: the result endpoint, and the fal-style queue its `response_url` points into."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from ..core.accounts import Account
from ..core.errors import (
    EndpointNotFound,
    GatewayError,
    InvalidParameters,
    RequestNotFound,
    Unauthorized,
)
from ..core.jobs import Job, Status
from ..core.validation import check
from ..views import fal, gen1
from .front import KEY_HEADER, admit, apply_scenarios, read_json
from .keys import GATEWAY, OUTPUTS, TRACE
from .submit import input_text


async def result(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    model_id, action = request.match_info["model_id"], request.match_info["action"]
    known = gateway.models.get(model_id)
    if known is not None and action != f"{known.name}-request-result":
        raise EndpointNotFound()
    account = admit(request)
    model = gateway.model_for(account, model_id)
    try:
        body = check("gen1/result_request", await read_json(request))
        job = gateway.job_for(account, body["request_id"].lower(), generation=1, model=model)
    except (InvalidParameters, RequestNotFound) as e:
        generation = gateway.generation_of(account)
        about_the_id = isinstance(e, RequestNotFound) or e.field == "request_id"
        if generation != 1 and about_the_id:
            # The likeliest cause: a generation-2 key asking the older page's endpoint.
            e.message = (
                f"{e.message}. This key uses API generation {generation}: poll "
                "GET /v2/requests/status/<request_id> (this result endpoint is generation 1's)"
            )
        raise
    await _trace_and_scenarios(request, account, job, "result")
    await gateway.settle(job)
    return web.json_response(gen1.result(job, gateway.now()))


class FalInProgress(GatewayError):
    status = 400
    error = "Request is still in progress"


class FalRunFailed(GatewayError):
    """A failed run's result GET; fal answers 422 for a rejected input, 500 for a fault."""

    def __init__(self, job: Job) -> None:
        super().__init__(job.error)
        self.status = 422 if job.outcome is Status.FAILED else 500


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


def _fal_admit(request: web.Request) -> Account:
    """The gateway key, in its own header or fal's `Authorization: Key <key>`."""
    auth = request.headers.get("Authorization", "")
    if KEY_HEADER not in request.headers and auth.startswith("Key "):
        gateway = request.app[GATEWAY]
        account = gateway.authenticate(auth[4:].strip())
        request[TRACE].key = account.label
        gateway.admit(account)
        return account
    if KEY_HEADER not in request.headers:
        raise Unauthorized(
            "Missing authorization: send Ocp-Apim-Subscription-Key or Authorization: Key <key>"
        )
    return admit(request)


async def _trace_and_scenarios(request: web.Request, account: Account, job: Job, on: str) -> None:
    trace = request[TRACE]
    trace.request_id, trace.model_id = job.request_id, job.model.model_id
    gateway = request.app[GATEWAY]
    await apply_scenarios(
        request, gateway.effects(account, job.model.model_id, input_text(job.params), on)
    )


async def _fal_job(request: web.Request) -> Job:
    """The caller's generation-1 job named in a fal-style URL, settled, scenarios applied."""
    gateway = request.app[GATEWAY]
    account = _fal_admit(request)
    job = gateway.job_for(account, request.match_info["request_id"], generation=1)
    await _trace_and_scenarios(request, account, job, "result")
    await gateway.settle(job)
    return job


@_fal_errors
async def fal_status(request: web.Request) -> web.Response:
    job = await _fal_job(request)
    return web.json_response(fal.status(job, request.app[GATEWAY].now()))


@_fal_errors
async def fal_result(request: web.Request) -> web.Response:
    job = await _fal_job(request)
    state = job.status_at(request.app[GATEWAY].now())
    if state in (Status.QUEUED, Status.PROCESSING):
        raise FalInProgress("Request is still in progress")
    if state is not Status.COMPLETED:
        raise FalRunFailed(job)
    png = await request.app[OUTPUTS].png(job)
    return web.json_response(fal.output(job, len(png)))


def add_routes(app: web.Application) -> None:
    app.router.add_post("/{model_id}/v1/{action:[^/]+-request-result}", result)
    app.router.add_get("/fal-ai/bria/requests/{request_id}", fal_result)
    app.router.add_get("/fal-ai/bria/requests/{request_id}/status", fal_status)
