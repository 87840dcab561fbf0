"""Generation 2's universal status endpoint."""

from __future__ import annotations

from aiohttp import web

from ..views import gen2
from .front import admit, apply_scenarios
from .keys import GATEWAY, SETTINGS, TRACE
from .submit import input_text


async def status(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    account = admit(request)
    job = gateway.job_for(account, request.match_info["request_id"], generation=2)
    trace = request[TRACE]
    trace.request_id, trace.model_id = job.request_id, job.model.model_id
    rules = gateway.effects(account, job.model.model_id, input_text(job.params), "status")
    await apply_scenarios(request, rules)
    await gateway.settle(job)
    settings = request.app[SETTINGS]
    body = gen2.status(job, gateway.now(), settings.media_type, settings.timestamps == "mixed")
    return web.json_response(body)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v2/requests/status/{request_id}", status)
