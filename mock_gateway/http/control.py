"""The control API under /_mock/: keys, clock, scenarios, journal, jobs, reset.

Stable: the docs, the pytest plugin and the contract suite rely on these shapes.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .. import __version__
from ..core.errors import GatewayError, InvalidParameters, RequestNotFound
from ..core.jobs import Status, iso
from ..core.scenarios import check_rule
from ..core.validation import check
from ..settings import ConfigError, key_config
from ..views.control import job_summary
from .front import read_json
from .keys import GATEWAY, WEBHOOKS


class KeyNotFound(GatewayError):
    status = 404
    error = "Key not found"


class RuleNotFound(GatewayError):
    status = 404
    error = "Scenario rule not found"


def _int_query(request: web.Request, name: str, default: int | None) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
        raise InvalidParameters(f"{name}: must be a whole number from 0", field=name)
    return int(raw)


async def health(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    return web.json_response(
        {
            "status": "ok",
            "version": __version__,
            "now": iso(gateway.now()),
            "manual_clock": gateway.clock.manual,
            "api_generation": gateway.settings.api_generation,
            "jobs": len(gateway.jobs),
        }
    )


async def reset(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    gateway.reset()
    return web.json_response({"status": "reset", "now": iso(gateway.now())})


async def put_key(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    key = request.match_info["key"]
    body = await read_json(request)
    try:
        config = key_config(key, body, source="body")
    except ConfigError as e:
        raise InvalidParameters(str(e).removeprefix("body: ")) from None
    created = key not in gateway.accounts
    account = gateway.put_key(config, set(body))
    view = account.view(gateway.settings.api_generation)
    return web.json_response(view, status=201 if created else 200)


async def get_key(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    account = gateway.accounts.get(request.match_info["key"])
    if account is None:
        raise KeyNotFound()
    return web.json_response(account.view(gateway.settings.api_generation))


async def delete_key(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    if gateway.accounts.pop(request.match_info["key"], None) is None:
        raise KeyNotFound()
    return web.json_response({"deleted": True})


async def clock(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    now = gateway.now()
    return web.json_response({"now": iso(now), "epoch": now, "manual": gateway.clock.manual})


async def advance(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    body = check("control/clock_advance", await read_json(request))
    now = await gateway.advance(float(body["seconds"]))
    return web.json_response({"now": iso(now), "epoch": now, "manual": gateway.clock.manual})


async def add_scenario(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    rule = gateway.scenarios.add(check_rule(await read_json(request)))
    return web.json_response(rule.view(), status=201)


async def list_scenarios(request: web.Request) -> web.Response:
    rules = request.app[GATEWAY].scenarios.rules
    return web.json_response({"scenarios": [r.view() for r in rules]})


async def clear_scenarios(request: web.Request) -> web.Response:
    book = request.app[GATEWAY].scenarios
    count = len(book.rules)
    book.clear()
    return web.json_response({"deleted": count})


async def delete_scenario(request: web.Request) -> web.Response:
    if not request.app[GATEWAY].scenarios.remove(request.match_info["rule_id"]):
        raise RuleNotFound()
    return web.json_response({"deleted": 1})


async def requests_journal(request: web.Request) -> web.Response:
    journal = request.app[GATEWAY].journal
    since = _int_query(request, "since", 0) or 0
    limit = _int_query(request, "limit", None)
    return web.json_response({"requests": journal.entries(since=since, limit=limit)})


async def jobs(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    now = gateway.now()
    model = request.query.get("model")
    wanted = request.query.get("status")
    if wanted is not None and wanted not in Status.__members__:
        raise InvalidParameters(
            f"status: must be one of {list(Status.__members__)}", field="status"
        )
    limit = _int_query(request, "limit", 1000)
    found: list[dict[str, Any]] = []
    for job in reversed(gateway.jobs.values()):  # newest first
        if limit is not None and len(found) >= limit:
            break
        if model and job.model.model_id != model:
            continue
        if wanted and job.status_at(now).value != wanted:
            continue
        found.append(job_summary(job, now))
    return web.json_response({"jobs": found, "total": len(gateway.jobs)})


async def job(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    found = gateway.jobs.get(request.match_info["request_id"])
    if found is None:
        raise RequestNotFound(request.match_info["request_id"])
    return web.json_response(job_summary(found, gateway.now()))


async def webhooks(request: web.Request) -> web.Response:
    """Every delivery attempt, oldest first; `?request_id=` narrows to one job."""
    log = request.app[WEBHOOKS].deliveries(request.query.get("request_id"))
    return web.json_response({"deliveries": log})


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/_mock/health", health)
    r.add_post("/_mock/reset", reset)
    r.add_put("/_mock/keys/{key}", put_key)
    r.add_get("/_mock/keys/{key}", get_key)
    r.add_delete("/_mock/keys/{key}", delete_key)
    r.add_get("/_mock/clock", clock)
    r.add_post("/_mock/clock/advance", advance)
    r.add_post("/_mock/scenarios", add_scenario)
    r.add_get("/_mock/scenarios", list_scenarios)
    r.add_delete("/_mock/scenarios", clear_scenarios)
    r.add_delete("/_mock/scenarios/{rule_id}", delete_scenario)
    r.add_get("/_mock/requests", requests_journal)
    r.add_get("/_mock/jobs", jobs)
    r.add_get("/_mock/jobs/{request_id}", job)
    r.add_get("/_mock/webhooks", webhooks)
