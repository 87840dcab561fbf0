"""Generation-2 routes: submit either model, read the universal status endpoint."""

from __future__ import annotations

from aiohttp import web

from .. import views
from ..core.errors import EndpointNotFound
from ..core.jobs import Job
from .front import admit, apply_scenarios, base_url, read_json
from .keys import GATEWAY, SETTINGS, TRACE


def input_text(params: dict[str, object]) -> str | None:
    """What `match.input_contains` of a scenario rule is matched against."""
    text = params.get("image_url", params.get("prompt"))
    return text if isinstance(text, str) else None


async def submit(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    model_id, action = request.match_info["model_id"], request.match_info["action"]
    known = gateway.models.get(model_id)
    if known is not None and action != f"{known.name}-request":
        raise EndpointNotFound()  # a real model with a made-up endpoint: routing fails first
    account = admit(request)
    model = gateway.model_for(account, model_id)
    request[TRACE].model_id = model.model_id
    params = gateway.validate(model, await read_json(request))
    rules = gateway.effects(account, model.model_id, input_text(params), "submit")
    effects = await apply_scenarios(request, rules)
    job = gateway.submit(account, model, params, effects, base_url(request))
    request[TRACE].request_id = job.request_id
    return web.json_response(views.submitted(job, base_url(request)), status=202)


async def status(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    account = admit(request)
    job: Job = gateway.job_for(account, request.match_info["request_id"])
    trace = request[TRACE]
    trace.request_id, trace.model_id = job.request_id, job.model.model_id
    rules = gateway.effects(account, job.model.model_id, input_text(job.params), "status")
    await apply_scenarios(request, rules)
    await gateway.settle(job)
    body = views.status(job, gateway.now(), request.app[SETTINGS].media_type)
    return web.json_response(body)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/{model_id}/v1/{action:[^/]+-request}", submit)
    app.router.add_get("/v2/requests/status/{request_id}", status)
