"""The submit route, shared by both generations: which one answers is the key's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from ..core.errors import EndpointNotFound
from ..core.jobs import Job
from ..views import gen1, gen2
from ..webhooks import check_headers
from .front import KEY_HEADER, admit, apply_scenarios, base_url, read_json
from .keys import GATEWAY, TRACE

# generation -> (body of the answer, HTTP status): 202 QUEUED, or the older 200 IN_QUEUE.
ANSWERS: dict[int, tuple[Callable[[Job, str], dict[str, Any]], int]] = {
    1: (gen1.submitted, 200),
    2: (gen2.submitted, 202),
}


def input_text(params: dict[str, Any]) -> str | None:
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
    webhook_url, webhook_mode = None, None
    if gateway.generation_of(account) == 2:  # the older API has no webhooks: headers ignored
        webhook_url, webhook_mode = check_headers(
            request.headers.get("X-Webhook-URL"), request.headers.get("X-Webhook-Mode")
        )
    rules = gateway.effects(account, model.model_id, input_text(params), "submit")
    effects = await apply_scenarios(request, rules)
    # A latency scenario may have slept through a reset: act on the key as it is now.
    account = gateway.authenticate(request.headers.get(KEY_HEADER))
    base = base_url(request)
    job = gateway.submit(
        account,
        model,
        params,
        effects,
        base,
        webhook_url=webhook_url,
        webhook_mode=webhook_mode,
    )
    request[TRACE].request_id = job.request_id
    render, status = ANSWERS[job.generation]
    return web.json_response(render(job, base), status=status)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/{model_id}/v1/{action:[^/]+-request}", submit)
