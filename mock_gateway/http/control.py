"""The control API under /_mock/: keys, clock, scenarios, journal, jobs, events, reset.

Stable: the docs, the pytest plugin and the contract suite rely on these shapes. Each route
reads its path, query and body and calls the one service method of the same name.
"""

from __future__ import annotations

from aiohttp import web

from ..core.errors import InvalidParameters
from .front import read_json
from .keys import SERVICE


def _int_query(request: web.Request, name: str, default: int | None) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
        raise InvalidParameters(f"{name}: must be a whole number from 0", field=name)
    return int(raw)


async def health(request: web.Request) -> web.Response:
    return web.json_response(request.app[SERVICE].health())


async def reset(request: web.Request) -> web.Response:
    return web.json_response(request.app[SERVICE].reset())


async def put_key(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    view, created = service.put_key(request.match_info["key"], await read_json(request))
    return web.json_response(view, status=201 if created else 200)


async def get_key(request: web.Request) -> web.Response:
    return web.json_response(request.app[SERVICE].get_key(request.match_info["key"]))


async def delete_key(request: web.Request) -> web.Response:
    return web.json_response(request.app[SERVICE].delete_key(request.match_info["key"]))


async def clock(request: web.Request) -> web.Response:
    return web.json_response(request.app[SERVICE].clock())


async def advance(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    return web.json_response(await service.advance(await read_json(request)))


async def add_scenario(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    return web.json_response(service.add_scenario(await read_json(request)), status=201)


async def list_scenarios(request: web.Request) -> web.Response:
    return web.json_response(request.app[SERVICE].scenarios())


async def clear_scenarios(request: web.Request) -> web.Response:
    return web.json_response(request.app[SERVICE].clear_scenarios())


async def delete_scenario(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    return web.json_response(service.delete_scenario(request.match_info["rule_id"]))


async def requests_journal(request: web.Request) -> web.Response:
    since = _int_query(request, "since", 0) or 0
    limit = _int_query(request, "limit", None)
    return web.json_response(request.app[SERVICE].journal(since, limit))


async def jobs(request: web.Request) -> web.Response:
    query = request.query
    found = request.app[SERVICE].jobs(
        query.get("model"),
        query.get("status"),
        _int_query(request, "limit", 1000),
        account=query.get("account"),
        generation=_int_query(request, "generation", None),
        offset=_int_query(request, "offset", 0) or 0,
    )
    return web.json_response(found)


async def job_story(request: web.Request) -> web.Response:
    return web.json_response(request.app[SERVICE].job_story(request.match_info["request_id"]))


async def job_picture(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    info = request.match_info
    data = await service.job_picture(info["request_id"], info["which"])
    return web.Response(body=data, content_type=picture_type(data))


def picture_type(data: bytes) -> str:
    """The media type of an encoded picture, by its first bytes (inputs come as sent)."""
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    return "application/octet-stream"


async def accounts(request: web.Request) -> web.Response:
    return web.json_response(request.app[SERVICE].accounts())


async def update_account(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    found = service.update_account(request.match_info["account_id"], await read_json(request))
    return web.json_response(found)


async def freeze(request: web.Request) -> web.Response:
    return web.json_response(request.app[SERVICE].set_clock_running(False))


async def unfreeze(request: web.Request) -> web.Response:
    return web.json_response(request.app[SERVICE].set_clock_running(True))


async def vocabulary(request: web.Request) -> web.Response:
    return web.json_response(request.app[SERVICE].vocabulary())


async def job(request: web.Request) -> web.Response:
    return web.json_response(request.app[SERVICE].job(request.match_info["request_id"]))


async def webhooks(request: web.Request) -> web.Response:
    """Delivery attempts, oldest first: `?request_id=` narrows to one job, `since` and
    `limit` page by the attempts' numbers `n`."""
    service = request.app[SERVICE]
    since = _int_query(request, "since", 0) or 0
    limit = _int_query(request, "limit", None)
    return web.json_response(service.deliveries(request.query.get("request_id"), since, limit))


async def events(request: web.Request) -> web.Response:
    """Scheduled work still to happen: refunds, callbacks, retries (soonest first)."""
    limit = _int_query(request, "limit", None)
    return web.json_response(request.app[SERVICE].events(limit))


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
    r.add_get("/_mock/jobs/{request_id}/story", job_story)
    r.add_get("/_mock/jobs/{request_id}/{which:input|output}", job_picture)
    r.add_get("/_mock/accounts", accounts)
    r.add_patch("/_mock/accounts/{account_id}", update_account)
    r.add_post("/_mock/clock/freeze", freeze)
    r.add_post("/_mock/clock/unfreeze", unfreeze)
    r.add_get("/_mock/vocabulary", vocabulary)
    r.add_get("/_mock/webhooks", webhooks)
    r.add_get("/_mock/events", events)
