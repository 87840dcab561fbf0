"""`GET /openapi.json`: an OpenAPI 3.1 document assembled from `schemas/`.

Every schema file is a component, unchanged in meaning (OpenAPI 3.1 speaks JSON Schema 2020-12),
so the document can never drift from what the mock validates. A schema file names another by
its file (`"../common/timestamp.json"`); here that reference becomes
`#/components/schemas/CommonTimestamp`, so every `$ref` resolves from the document's root and
no component carries an `$id` of its own (tools that read the document whole, such as
openapi-spec-validator, Redocly, openapi-typescript and openapi-python-client, follow it).
A component whose `oneOf` branches each pin the same required property to a constant (the
status bodies: one schema per status) gets a `discriminator` on that property.

The paths are the gateway's (both generations and the fal-style queue), each with every answer
the mock can give, the mock-only `X-Mock-Scenario` header included, and the mock's own control
API under `/_mock/` (tag `mock`), in the same document.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aiohttp import web

import pixazo_schemas as schemas

from .. import __version__
from ..core import faults
from ..core.accounts import KEY_HEADER
from ..core.catalog import DEFAULT_MODELS, Model
from ..core.scenarios import FLAGS, MAX_LATENCY_MS
from .front import SCENARIO_HEADER, base_url
from .inspector import _FILES as UI_FILES

LIVE_GATEWAY = "https://gateway.pixazo.ai"
COMPONENTS = "#/components/schemas/"
JSON = "application/json"


def _component(name: str) -> str:
    """`gen2/status_response` -> `Gen2StatusResponse`."""
    return "".join(part.capitalize() for part in name.replace("/", "_").split("_"))


def _ref(name: str) -> dict[str, str]:
    return {"$ref": COMPONENTS + _component(name)}


# -- components ----------------------------------------------------------------------------------


def _rooted(name: str, node: Any) -> Any:
    """`node` of the schema file `name` with each reference to another file made a reference
    to that file's component, from the document's root."""
    if isinstance(node, list):
        return [_rooted(name, item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _rooted(name, value) for key, value in node.items()}
    if isinstance(node.get("$ref"), str):
        out["$ref"] = COMPONENTS + _component(schemas.ref_target(name, node["$ref"]))
    return out


def _discriminator(name: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    """A discriminator for a `oneOf` of references whose targets each pin one required
    property (the same in all) to a distinct constant; None for any other schema."""
    branches = schema.get("oneOf")
    if not branches or not all(set(b) == {"$ref"} for b in branches):
        return None
    targets = [schemas.ref_target(name, b["$ref"]) for b in branches]
    bodies = [schemas.source(t) for t in targets]
    shared = set.intersection(*(set(b.get("required", ())) for b in bodies))
    for prop in sorted(shared):
        values = [b.get("properties", {}).get(prop, {}).get("const") for b in bodies]
        if all(isinstance(v, str) for v in values) and len(set(values)) == len(values):
            mapping = {v: COMPONENTS + _component(t) for v, t in zip(values, targets, strict=True)}
            return {"propertyName": prop, "mapping": mapping}
    return None


def _components() -> dict[str, Any]:
    components: dict[str, Any] = {}
    for name in schemas.names():
        source = schemas.source(name)
        schema = _rooted(name, {k: v for k, v in source.items() if k != "$schema"})
        discriminator = _discriminator(name, source)
        if discriminator is not None:
            schema["discriminator"] = discriminator
        components[_component(name)] = schema
    return components


# -- answers -------------------------------------------------------------------------------------


def _schema(*names: str) -> dict[str, Any]:
    return _ref(names[0]) if len(names) == 1 else {"anyOf": [_ref(n) for n in names]}


def _json(description: str, *names: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _schema(*names)}}, **extra}


def _png(description: str) -> dict[str, Any]:
    png = {"schema": {"type": "string", "format": "binary", "contentMediaType": "image/png"}}
    return {"description": description, "content": {"image/png": png}}


# What a job's input picture may come as (its type told by its first bytes: `http/control.py
# picture_type`): the picture as the mock read it, in whatever format it came.
PICTURE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif", "application/octet-stream")


def _picture(description: str) -> dict[str, Any]:
    content = {
        media: {"schema": {"type": "string", "format": "binary", "contentMediaType": media}}
        for media in PICTURE_TYPES
    }
    return {"description": description, "content": content}


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _change_feed() -> dict[str, Any]:
    """The inspector's change feed: server-sent events, each described by the schema (OpenAPI
    3.1 has no `itemSchema`), its `data` a JSON object."""
    data = {
        "type": "object",
        "required": ["now", "manual", "jobs"],
        "additionalProperties": False,
        "properties": {
            "now": {**_ref("common/timestamp"), "description": "The simulated time."},
            "manual": {
                "type": "boolean",
                "description": "Whether the clock is manual (frozen: only an advance moves it).",
            },
            "jobs": {"type": "integer", "minimum": 0, "description": "How many jobs are kept."},
        },
    }
    event = {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"const": "change"},
            "data": {"type": "string", "contentMediaType": JSON, "contentSchema": data},
        },
    }
    return {
        "description": (
            "Server-sent events that never end on their own (the mock's shutdown ends them): "
            "`event: change` with `data: {now, manual, jobs}` at once, then whenever what the "
            "inspector shows may have changed (looked at every 0.2 s; a running clock alone "
            "at most once a second), and a comment line after 15 s without one."
        ),
        "content": {"text/event-stream": {"schema": event}},
    }


def _retry_after(description: str) -> dict[str, Any]:
    schema = {"type": "integer", "minimum": 0}
    return {"Retry-After": {"description": description, "required": True, "schema": schema}}


FORCED = f"forced by a scenario rule (`http`) or the `{SCENARIO_HEADER}` header (`http-<code>`)"

# Error bodies by who asks: a generation-2 key (and anyone before the key is known) gets
# `error` with `message` and `field` where there is one; a generation-1 key only `error`; with
# `error_style = "apim"` 401, 404 and 429 come in the front door's shape instead.
PAGE = ("common/error", "gen1/error")
FRONT = (*PAGE, "common/apim_error")
SHAPES = (
    " Generation-2 keys get `error`, with `message` and `field` where there is one "
    "(Error); generation-1 keys only `error` (Gen1Error)."
)


def _gateway_errors(answers: dict[str, str]) -> dict[str, Any]:
    """The error answers of a gateway operation; `answers` gives its own reasons by status,
    and every other documented status is one a scenario can force."""
    reasons = {
        "400": f"Invalid request parameters: an unknown `{SCENARIO_HEADER}` token "
        f"(`field`: `{SCENARIO_HEADER}`), or {FORCED}.",
        "401": f"Invalid or missing `{KEY_HEADER}`.",
        "402": f"Only when {FORCED}: the body of a real 402.",
        "403": f"Only when {FORCED}.",
        "404": f"Only when {FORCED}; an unknown path, or a wrong method on this one, also "
        "answers 404 `Endpoint not found`.",
        "429": "Rate limit exceeded (the key's window, counted on the simulated clock), or "
        f"{FORCED}.",
        "500": f"Only when {FORCED}, or a bug of the mock.",
        "502": f"Only when {FORCED}.",
        "503": f"Only when {FORCED}.",
        "504": f"Only when {FORCED}.",
        **answers,
    }
    out: dict[str, Any] = {}
    for code, reason in sorted(reasons.items()):
        bodies = FRONT if code in ("401", "404", "429") else PAGE
        out[code] = _json(reason + SHAPES, *bodies, **_retry_after_of(code))
    any_other = "Any other status " + FORCED + ': `{"error": "HTTP <code>"}`.' + SHAPES
    out["4XX"] = _json(any_other, *PAGE)
    out["5XX"] = _json(any_other, *PAGE)
    return out


def _retry_after_of(code: str) -> dict[str, Any]:
    """The Retry-After header an error answer with this code carries, as `_json` keywords."""
    if code == "429":
        return {"headers": _retry_after("Whole seconds until the window frees (1 if forced).")}
    if code == "503":
        return {"headers": _retry_after("1 (forced).")}
    return {}


def _fal_errors(answers: dict[str, str]) -> dict[str, Any]:
    """The error answers of a fal-style operation: always `{"detail"}`, as fal sends it."""
    reasons = {
        "400": f"An unknown `{SCENARIO_HEADER}` token, or {FORCED}.",
        "401": "Missing or unknown key.",
        "402": f"Only when {FORCED}.",
        "403": f"Only when {FORCED}.",
        "404": "No generation-1 job of this key has this id.",
        "429": f"Rate limit exceeded, or {FORCED}.",
        "500": f"Only when {FORCED}.",
        "502": f"Only when {FORCED}.",
        "503": f"Only when {FORCED}.",
        "504": f"Only when {FORCED}.",
        **answers,
    }
    out: dict[str, Any] = {}
    for code, reason in sorted(reasons.items()):
        out[code] = _json(reason, "fal/error", **_retry_after_of(code))
    out["4XX"] = _json(f"Any other status {FORCED}.", "fal/error")
    out["5XX"] = _json(f"Any other status {FORCED}.", "fal/error")
    return out


def _control_error(reason: str) -> dict[str, Any]:
    return _json(reason, "common/error")


# -- parameters ----------------------------------------------------------------------------------


def _anycase(word: str) -> str:
    """A pattern matching `word` in any letter case (`fail` -> `[Ff][Aa][Ii][Ll]`)."""
    return "".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in word)


def _up_to(limit: int) -> str:
    """A pattern for the decimal numbers 0..limit, leading zeros allowed, written in at most
    as many digits as `limit` (what `latency-<ms>` takes)."""
    digits = str(limit)
    shorter = f"[0-9]{{1,{len(digits) - 1}}}" if len(digits) > 1 else None
    same = []  # equal to `limit` up to position i, then smaller there, then anything
    for i, d in enumerate(digits):
        if d != "0":
            low = "0" if d == "1" else f"[0-{int(d) - 1}]"
            rest = len(digits) - i - 1
            same.append(digits[:i] + low + (f"[0-9]{{{rest}}}" if rest else ""))
    same.append(digits)
    return "(?:" + "|".join(([shorter] if shorter else []) + same) + ")"


def scenario_pattern() -> str:
    """What `X-Mock-Scenario` accepts (`core/scenarios.py: parse_header`): comma-separated
    tokens in any case, blanks around them, empty ones skipped."""
    words = [_anycase(w) for w in ("fail", "error", *sorted(FLAGS))]
    words.append(_anycase("http-") + "[45][0-9]{2}")
    words.append(_anycase("latency-") + _up_to(MAX_LATENCY_MS))
    simple = ("reset", "empty", "truncated", "garbage", "hang", "after-accept")
    words += [_anycase(f"fault-{kind}") for kind in simple]
    words.append(_anycase("fault-slow-") + _up_to(faults.MAX_SLOW_MS))
    token = "(?:" + "|".join(words) + ")"
    blank = "[\t ]*"
    item = f"{blank}{token}?{blank}"
    return f"^{item}(?:,{item})*$"


def _scenario_header() -> dict[str, Any]:
    return {
        "name": SCENARIO_HEADER,
        "in": "header",
        "required": False,
        "description": (
            "Mock only: effects for this one request, comma-separated: `fail` or `error` (the "
            "job's outcome), `http-<4xx|5xx>` (answer that status instead), `latency-<ms>` (up "
            f"to {MAX_LATENCY_MS} ms of wall time first), a network-level fault (`fault-reset`, "
            "`fault-empty`, `fault-truncated`, `fault-garbage`, `fault-slow-<ms>`, `fault-hang`, "
            "and `fault-after-accept`: on a submit, accept and charge the job first), or a flag "
            f"({', '.join(f'`{f}`' for f in sorted(FLAGS))}). Case-insensitive. An unknown "
            "token is a 400 naming this header, never silently ignored. The header is read "
            "once the key, the body and (on status and result) the request id have passed."
        ),
        "schema": {
            "type": "string",
            "pattern": scenario_pattern(),
            "examples": ["fail", "webhook-duplicate, timestamps-mixed"],
        },
    }


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


WHOLE_NUMBER = {"type": "string", "pattern": "^[0-9]{1,12}$"}
# What `X-Webhook-URL` must be (`webhooks.py: check_headers`, by `urlsplit`): blanks around
# it, scheme https in any case, then a host (after any `userinfo@`) before any port, path,
# query or fragment; at most 2048 characters. A bracketed IPv6 host, and a host opening
# with a blank, are accepted too but not written here. Deliveries go to loopback hosts only
# unless the mock is told otherwise; any other host is logged as blocked.
WEBHOOK_URL = {
    "type": "string",
    "maxLength": 2048,
    "pattern": (
        "^[\t ]*[Hh][Tt][Tt][Pp][Ss]://(?:[^/?#\\[\\]]*@)?[^/?#@\\[\\]:\t ][^/?#@\\[\\]]*"
        "(?:[/?#].*)?[\t ]*$"
    ),
    "examples": ["https://127.0.0.1:8443/webhook"],
}


# -- operations ----------------------------------------------------------------------------------

GATEWAY_SECURITY: list[dict[str, list[str]]] = [{"subscriptionKey": []}]
FAL_SECURITY: list[dict[str, list[str]]] = [{"subscriptionKey": []}, {"falKey": []}]


def _submit(model: Model) -> dict[str, Any]:
    kind = model.kind.value
    gen1_id = "$response.body#/request_id"
    return {
        "tags": ["gateway"],
        "summary": f"Submit a {model.model_id} job (${model.price_usd} a job)",
        "description": (
            "Which generation answers is a property of the key (`api_generation`): 202 "
            "QUEUED for generation 2, 200 IN_QUEUE for generation 1. The checks run in the "
            "front door's order: key (401), rate limit (429), model (403), body (400/413), "
            "scenario effects, balance (402). Nothing rejected is charged."
        ),
        "operationId": f"submit_{kind}",
        "security": GATEWAY_SECURITY,
        "parameters": [
            {
                "name": "X-Webhook-URL",
                "in": "header",
                "required": False,
                "description": (
                    "Generation 2: where to POST the status body on each callback (an absolute "
                    "https URL; plain http is a 400). The mock delivers to loopback hosts only "
                    "unless told otherwise; a callback to any other host is logged as blocked. "
                    "Ignored for generation-1 keys."
                ),
                "schema": WEBHOOK_URL,
            },
            {
                "name": "X-Webhook-Mode",
                "in": "header",
                "required": False,
                "description": (
                    "Generation 2: `terminal` (default: one callback at the end) or `sync` (one "
                    "per poll cycle, then the terminal one); any case, blanks around it. "
                    "Anything else is a 400. Ignored for generation-1 keys."
                ),
                "schema": {
                    "type": "string",
                    "pattern": f"^[\t ]*(?:{_anycase('terminal')}|{_anycase('sync')})[\t ]*$",
                    "examples": ["terminal", "sync"],
                },
            },
            _scenario_header(),
        ],
        "requestBody": {
            "required": True,
            "content": {JSON: {"schema": _ref(model.request_schema)}},
        },
        "responses": {
            "200": _json(
                "Generation 1 (the key's `api_generation` is 1): IN_QUEUE.",
                "gen1/submit_response",
                links={
                    "Result": {
                        "operationId": f"result_{kind}",
                        "requestBody": {"request_id": gen1_id},
                        "description": "Poll the generation-1 result endpoint.",
                    },
                    "FalStatus": {
                        "operationId": "fal_status",
                        "parameters": {"request_id": gen1_id},
                        "description": "Follow `response_url` + `/status`.",
                    },
                    "FalResult": {
                        "operationId": "fal_result",
                        "parameters": {"request_id": gen1_id},
                        "description": "Follow `response_url`.",
                    },
                },
            ),
            "202": _json(
                "Generation 2: accepted, QUEUED; poll `polling_url`.",
                "gen2/submit_response",
                links={
                    "Status": {
                        "operationId": "status",
                        "parameters": {"request_id": "$response.body#/request_id"},
                        "description": "Poll `polling_url`.",
                    },
                    "MockJob": {
                        "operationId": "mock_job",
                        "parameters": {"request_id": "$response.body#/request_id"},
                        "description": "The mock's own view of the job.",
                    },
                },
            ),
            **_gateway_errors(
                {
                    "400": (
                        "Invalid request parameters: the body (a field, malformed JSON, not an "
                        "object, a `Content-Type` other than application/json), `X-Webhook-URL` "
                        "or `X-Webhook-Mode` of a generation-2 key, an unknown "
                        f"`{SCENARIO_HEADER}` token; or `Model not found` (the model is "
                        f"disabled in the mock's config); or {FORCED}."
                    ),
                    "402": f"Insufficient balance (nothing charged), or {FORCED}.",
                    "403": f"The key may not use this model, or {FORCED}.",
                    "413": "The body is over the size limit (default 25 MiB).",
                }
            ),
        },
    }


def _result(model: Model) -> dict[str, Any]:
    kind = model.kind.value
    return {
        "tags": ["gateway"],
        "summary": f"Generation 1: the state (and result) of a {model.model_id} job",
        "description": (
            "Knows only generation-1 jobs of this key and model. A generation-2 key is "
            "answered in its own shape, and its 400 or 404 `message` ends with where to poll "
            "instead (`GET /v2/requests/status/<request_id>`)."
        ),
        "operationId": f"result_{kind}",
        "security": GATEWAY_SECURITY,
        "parameters": [_scenario_header()],
        "requestBody": {
            "required": True,
            "content": {JSON: {"schema": _ref("gen1/result_request")}},
        },
        "responses": {
            "200": _json("The job's state, and its result once COMPLETED.", "gen1/result_response"),
            **_gateway_errors(
                {
                    "400": (
                        "Invalid request parameters: a missing or malformed `request_id`, "
                        "malformed JSON, not an object, a `Content-Type` other than "
                        f"application/json, an unknown `{SCENARIO_HEADER}` token; or `Model not "
                        f"found` (disabled in the mock's config); or {FORCED}."
                    ),
                    "403": f"The key may not use this model, or {FORCED}.",
                    "404": (
                        "Request not found: no generation-1 job of this key and model has this "
                        f"id; or {FORCED}."
                    ),
                    "413": "The body is over the size limit (default 25 MiB).",
                }
            ),
        },
    }


def _gateway_paths() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for model in DEFAULT_MODELS.values():
        paths[model.submit_path] = {"post": _submit(model)}
        paths[model.result_path] = {"post": _result(model)}
    request_id = _path_param("request_id", "The `request_id` the submit answered.")
    paths["/v2/requests/status/{request_id}"] = {
        "get": {
            "tags": ["gateway"],
            "summary": "Status of a request (generation 2); also the webhook callback body",
            "operationId": "status",
            "security": GATEWAY_SECURITY,
            "parameters": [request_id, _scenario_header()],
            "responses": {
                "200": _json(
                    "The request's status: one shape per status (discriminator `status`).",
                    "gen2/status_response",
                ),
                **_gateway_errors(
                    {
                        "404": (
                            "Request not found: no generation-2 job of this key has this id "
                            f"(generation-1 ids live on the result endpoint); or {FORCED}."
                        )
                    }
                ),
            },
        }
    }
    fal_id = _path_param("request_id", "The generation-1 `request_id` (a UUID).")
    paths["/fal-ai/bria/requests/{request_id}"] = {
        "get": {
            "tags": ["fal"],
            "summary": "Generation 1's response_url: the fal-style result (mock stand-in)",
            "operationId": "fal_result",
            "security": FAL_SECURITY,
            "parameters": [fal_id, _scenario_header()],
            "responses": {
                "200": _json("The output of a completed run.", "fal/result_response"),
                **_fal_errors(
                    {
                        "400": "Request is still in progress, an unknown "
                        f"`{SCENARIO_HEADER}` token, or {FORCED}.",
                        "422": f"The run failed on its input (FAILED), or {FORCED}.",
                        "500": f"The run failed on a platform fault (ERROR), or {FORCED}.",
                    }
                ),
            },
        }
    }
    paths["/fal-ai/bria/requests/{request_id}/status"] = {
        "get": {
            "tags": ["fal"],
            "summary": "fal-style queue status (never FAILED: a failed run is COMPLETED)",
            "operationId": "fal_status",
            "security": FAL_SECURITY,
            "parameters": [fal_id, _scenario_header()],
            "responses": {
                "200": _json(
                    "Queue status: one shape per status (discriminator `status`).",
                    "fal/status_response",
                ),
                **_fal_errors({}),
            },
        }
    }
    return paths


def _control(
    operation_id: str,
    summary: str,
    answers: dict[str, Any],
    *,
    parameters: list[dict[str, Any]] | None = None,
    body: str | None = None,
    body_also: dict[str, Any] | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "tags": ["mock"],
        "summary": summary,
        "operationId": operation_id,
        "security": [],
        "responses": answers,
    }
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        # `body_also` narrows the component where the operation checks more than it says;
        # beside a $ref it applies too (OpenAPI 3.1), and generators keep the component.
        schema = {**_ref(body), **(body_also or {})}
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": schema}}}
        bad = "Invalid request parameters: the body (as for the gateway's 400s)."
        op["responses"] = {
            **answers,
            "400": _control_error(bad),
            "413": _control_error("The body is over the size limit."),
        }
    return op


def _control_paths() -> dict[str, Any]:
    key = _path_param("key", "The key itself (never shown back: views redact it).")
    key_links = {
        "GetKey": {"operationId": "mock_get_key", "parameters": {"key": "$request.path.key"}},
        "DeleteKey": {"operationId": "mock_delete_key", "parameters": {"key": "$request.path.key"}},
    }
    no_key = _control_error("Key not found.")
    rule_id = _path_param("rule_id", "A rule's `id`, as POST /_mock/scenarios answered it.")
    job_id = _path_param("request_id", "A job's `request_id` (either generation).")
    no_job = _control_error("Request not found.")
    account = _path_param("account_id", "An account's `id`, as GET /_mock/accounts lists it.")
    clock_kept = _control_error(
        "Conflict: the clock's kind is kept with a durable store (--state, --store); restart "
        "with or without --manual-clock instead."
    )
    models = sorted(DEFAULT_MODELS)
    statuses = ["QUEUED", "PROCESSING", "COMPLETED", "FAILED", "ERROR"]
    return {
        "/_mock/health": {
            "get": _control(
                "mock_health",
                "Liveness and the mock's settings",
                {"200": _json("Up.", "control/health")},
            )
        },
        "/_mock/reset": {
            "post": _control(
                "mock_reset",
                "Back to the configured start: keys, wallets, scenarios; no jobs",
                {"200": _json("Reset.", "control/reset_done")},
            )
        },
        "/_mock/keys/{key}": {
            "parameters": [key],
            "put": _control(
                "mock_put_key",
                "Create or update a key (fields left out keep their value)",
                {
                    "200": _json("Updated.", "control/key_view", links=key_links),
                    "201": _json("Created.", "control/key_view", links=key_links),
                },
                body="control/key_update",
            ),
            "get": _control(
                "mock_get_key",
                "A key's balance, models, rate limit and generation",
                {"200": _json("The key.", "control/key_view"), "404": no_key},
            ),
            "delete": _control(
                "mock_delete_key",
                "Delete a key",
                {"200": _json("Deleted.", "control/key_deleted"), "404": no_key},
            ),
        },
        "/_mock/clock": {
            "get": _control(
                "mock_clock", "The simulated time", {"200": _json("Now.", "control/clock")}
            )
        },
        "/_mock/clock/advance": {
            "post": _control(
                "mock_advance_clock",
                "Move simulated time forward; answers once everything due has happened",
                {"200": _json("The new time.", "control/clock")},
                body="control/clock_advance",
            )
        },
        "/_mock/scenarios": {
            "post": _control(
                "mock_add_scenario",
                "Add a scenario rule (matched per gateway request)",
                {
                    "201": _json(
                        "Added.",
                        "control/scenario",
                        links={
                            "DeleteScenario": {
                                "operationId": "mock_delete_scenario",
                                "parameters": {"rule_id": "$response.body#/id"},
                            }
                        },
                    )
                },
                body="control/scenario_rule",
                # What the rule's schema leaves open and the mock checks (core/scenarios.py):
                # flags are the known ones.
                body_also={
                    "properties": {
                        "flags": {"items": {"type": "string", "enum": sorted(FLAGS)}},
                    },
                },
            ),
            "get": _control(
                "mock_list_scenarios",
                "The active scenario rules",
                {"200": _json("The rules.", "control/scenario_list")},
            ),
            "delete": _control(
                "mock_clear_scenarios",
                "Delete every scenario rule",
                {"200": _json("How many went.", "control/scenarios_deleted")},
            ),
        },
        "/_mock/scenarios/{rule_id}": {
            "parameters": [rule_id],
            "delete": _control(
                "mock_delete_scenario",
                "Delete one scenario rule",
                {
                    "200": _json("Deleted (1).", "control/scenarios_deleted"),
                    "404": _control_error("Scenario rule not found."),
                },
            ),
        },
        "/_mock/requests": {
            "get": _control(
                "mock_requests",
                "The request journal (gateway requests only)",
                {
                    "200": _json("Entries, oldest first.", "control/journal"),
                    "400": _control_error("`since` or `limit` is not a whole number."),
                },
                parameters=[
                    _query("since", "Only entries with a greater `seq`.", WHOLE_NUMBER),
                    _query("limit", "At most this many (the newest).", WHOLE_NUMBER),
                ],
            )
        },
        "/_mock/jobs": {
            "get": _control(
                "mock_jobs",
                "Every job, newest first, with its plan",
                {
                    "200": _json("The jobs.", "control/job_list"),
                    "400": _control_error(
                        "`status` is not a status, `generation` not 1 or 2, or `limit` or "
                        "`offset` not a whole number."
                    ),
                },
                parameters=[
                    _query(
                        "model", "Only this model's jobs.", {"type": "string", "examples": models}
                    ),
                    _query(
                        "status",
                        "Only jobs in this state now.",
                        {"type": "string", "enum": statuses},
                    ),
                    _query(
                        "account",
                        "Only the jobs of the key with this `id` (as GET /_mock/accounts "
                        "and each job's `account_id` give it).",
                        {"type": "string"},
                    ),
                    _query(
                        "generation",
                        "Only jobs submitted under this API generation.",
                        {"type": "integer", "enum": [1, 2]},
                    ),
                    _query(
                        "offset", "Skip this many matching jobs first (default 0).", WHOLE_NUMBER
                    ),
                    _query("limit", "At most this many (default 1000).", WHOLE_NUMBER),
                ],
            )
        },
        "/_mock/jobs/{request_id}": {
            "get": _control(
                "mock_job",
                "One job, with its plan (either generation)",
                {"200": _json("The job.", "control/job"), "404": no_job},
                parameters=[job_id],
            )
        },
        "/_mock/jobs/{request_id}/story": {
            "get": _control(
                "mock_job_story",
                "Everything the mock keeps about one job (the inspector's job story)",
                {"200": _json("The job's story.", "control/job_story"), "404": no_job},
                parameters=[job_id],
            )
        },
        "/_mock/jobs/{request_id}/input": {
            "get": _control(
                "mock_job_input",
                "A job's input picture, as the mock read it",
                {
                    "200": _picture("The picture, its type told by its first bytes."),
                    "404": _control_error(
                        "Request not found (no such job), or Media not found: the job has no "
                        "input picture (FIBO), or it is no longer kept."
                    ),
                },
                parameters=[job_id],
            )
        },
        "/_mock/jobs/{request_id}/output": {
            "get": _control(
                "mock_job_output",
                "A completed job's output picture (no CDN scenario rule is matched or used up)",
                {
                    "200": _png("The PNG, as the CDN serves it."),
                    "404": _control_error(
                        "Request not found (no such job), or Media not found: not COMPLETED (yet)."
                    ),
                },
                parameters=[job_id],
            )
        },
        "/_mock/accounts": {
            "get": _control(
                "mock_accounts",
                "Every key, redacted, with the id to edit it by and its rate-limit window",
                {"200": _json("The keys.", "control/account_list")},
            )
        },
        "/_mock/accounts/{account_id}": {
            "parameters": [account],
            "patch": _control(
                "mock_update_account",
                "Update the key with this id (as PUT /_mock/keys/{key}, without the key)",
                {
                    "200": _json("Updated.", "control/account_view"),
                    "404": _control_error("Key not found: no key has this id."),
                },
                body="control/key_update",
            ),
        },
        "/_mock/clock/freeze": {
            "post": _control(
                "mock_freeze_clock",
                "Stop simulated time where it is (the clock becomes manual)",
                {"200": _json("Now, on a manual clock.", "control/clock"), "409": clock_kept},
            )
        },
        "/_mock/clock/unfreeze": {
            "post": _control(
                "mock_unfreeze_clock",
                "Let simulated time run on from where it is, at wall-clock pace",
                {"200": _json("Now, on a running clock.", "control/clock"), "409": clock_kept},
            )
        },
        "/_mock/vocabulary": {
            "get": _control(
                "mock_vocabulary",
                "The words a scenario rule may use",
                {"200": _json("The vocabulary.", "control/vocabulary")},
            )
        },
        "/_mock/changes": {
            "get": _control(
                "mock_changes",
                "The inspector's change feed: when to read again",
                {"200": _change_feed()},
            )
        },
        "/_mock/ui": {
            "get": _control(
                "mock_ui_redirect",
                "The inspector (redirects to /_mock/ui/)",
                {
                    "302": {
                        "description": "To the inspector's page.",
                        "headers": {
                            "Location": {
                                "required": True,
                                "schema": {"type": "string", "const": "/_mock/ui/"},
                            }
                        },
                    }
                },
            )
        },
        "/_mock/ui/": {
            "get": _control(
                "mock_ui",
                "The inspector's page (no data in it, so open without the admin token)",
                {"200": _html("The page; it reads everything through the control API.")},
            )
        },
        "/_mock/ui/{name}": {
            "get": _control(
                "mock_ui_file",
                "One of the inspector's files (no data in them, so open)",
                {
                    "200": {
                        "description": "The file.",
                        "content": {
                            media: {"schema": {"type": "string"}}
                            for media in ("text/html", "text/javascript", "text/css")
                        },
                    },
                    "404": _control_error("Endpoint not found: no such file."),
                },
                parameters=[
                    {
                        **_path_param("name", "The file's name."),
                        "schema": {"type": "string", "enum": list(UI_FILES)},
                    }
                ],
            )
        },
        "/_mock/webhooks": {
            "get": _control(
                "mock_webhooks",
                "Webhook delivery attempts, numbered and paged",
                {
                    "200": _json(
                        "Attempts, oldest first; `next` to page on, `dropped` older ones "
                        "no longer kept.",
                        "control/webhook_log",
                    ),
                    "400": _control_error("`since` or `limit` is not a whole number."),
                },
                parameters=[
                    _query("request_id", "Only this job's.", {"type": "string"}),
                    _query("since", "Only attempts with a greater `n`.", WHOLE_NUMBER),
                    _query("limit", "At most this many (the oldest first).", WHOLE_NUMBER),
                ],
            )
        },
        "/_mock/events": {
            "get": _control(
                "mock_events",
                "Scheduled work still to happen: refunds, callbacks, retries",
                {
                    "200": _json("Pending events, soonest first.", "control/events"),
                    "400": _control_error("`limit` is not a whole number."),
                },
                parameters=[
                    _query(
                        "limit",
                        "At most this many (the soonest); `total` counts all.",
                        WHOLE_NUMBER,
                    ),
                ],
            )
        },
        "/_mock/cdn/v1/{request_id}/output.png": {
            "get": _control(
                "mock_cdn_output",
                "A completed job's output picture (the mock's CDN; no key needed)",
                {
                    "200": _png("The PNG (rendered at first download, then cached)."),
                    "404": _control_error("Media not found: no such job, or no output (yet)."),
                },
                parameters=[job_id],
            )
        },
        "/_mock/samples": {
            "get": _control(
                "mock_samples",
                "Sample input pictures served by the mock itself",
                {"200": _json("The samples.", "control/samples")},
            )
        },
        "/_mock/samples/{name}.png": {
            "get": _control(
                "mock_sample",
                "One sample picture",
                {
                    "200": _png("The PNG."),
                    "404": _control_error("Media not found: no sample of that name."),
                },
                parameters=[_path_param("name", "A sample's `name`, as /_mock/samples lists it.")],
            )
        },
        "/openapi.json": {
            "get": _control(
                "openapi",
                "This document",
                {
                    "200": {
                        "description": "OpenAPI 3.1, this mock listed first in `servers`.",
                        "content": {JSON: {"schema": {"type": "object"}}},
                    }
                },
            )
        },
    }


@cache
def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pixazo gateway (Bria RMBG 2.0, FIBO) as served by mock-gateway",
            "version": __version__,
            "description": (
                "The gateway's endpoints (both API generations and the fal-style queue of "
                "generation 1), and the mock's own control API under `/_mock/` (tag `mock`)."
            ),
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        # The mock's own server goes in per request (see `openapi`), first, so Swagger UI
        # and generated clients call the mock they were fetched from.
        "servers": [{"url": LIVE_GATEWAY, "description": "the live gateway"}],
        "tags": [
            {"name": "gateway", "description": "The Pixazo gateway's endpoints."},
            {"name": "fal", "description": "Generation 1's response_url (fal-style queue)."},
            {
                "name": "mock",
                "description": "The mock's own control API (not on the live gateway).",
            },
        ],
        "components": {
            "schemas": _components(),
            "securitySchemes": {
                "subscriptionKey": {"type": "apiKey", "in": "header", "name": KEY_HEADER},
                "falKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`Key <key>`, as fal's own clients send it (the gateway key).",
                },
            },
        },
        "paths": {**_gateway_paths(), **_control_paths()},
    }


async def openapi(request: web.Request) -> web.Response:
    """The document, listing first the server this request came through (port, proxy)."""
    doc = document()
    here = {"url": base_url(request), "description": "this mock"}
    return web.json_response({**doc, "servers": [here, *doc["servers"]]})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/openapi.json", openapi)
