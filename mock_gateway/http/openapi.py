"""`GET /openapi.json`: an OpenAPI 3.1 document assembled from `schemas/`.

The schemas are embedded as components unchanged (OpenAPI 3.1 speaks JSON Schema 2020-12),
so the document can never drift from what the mock validates.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aiohttp import web

import pixazo_schemas as schemas

from .. import __version__
from ..core.catalog import DEFAULT_MODELS, Kind
from .front import KEY_HEADER, SCENARIO_HEADER, base_url

LIVE_GATEWAY = "https://gateway.pixazo.ai"

SCHEMA_BASE = "https://mock-gateway.invalid/schemas/"


def _component(name: str) -> str:
    """`gen2/status_response` -> `Gen2StatusResponse`."""
    return "".join(part.capitalize() for part in name.replace("/", "_").split("_"))


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{_component(name)}"}


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


_ERRORS = {
    "400": "Invalid parameters, malformed body, or model not found",
    "401": "Invalid or missing authentication",
    "402": "Insufficient balance",
    "403": "Access denied for this operation",
    "404": "Endpoint or request not found",
    "429": "Rate limit exceeded (see Retry-After)",
    "500": "Internal server error",
}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: _json("common/error", _ERRORS[code]) for code in codes}


@cache
def document() -> dict[str, Any]:
    components = {}
    for name in schemas.names():
        schema = {k: v for k, v in schemas.load(name).items() if k != "$schema"}
        # An $id makes each schema its own resource, so its internal "#/$defs/..." refs
        # resolve inside it rather than against the OpenAPI document's root.
        schema["$id"] = f"{SCHEMA_BASE}{name}.json"
        components[_component(name)] = schema
    security: list[dict[str, list[str]]] = [{"subscriptionKey": []}]
    scenario = {
        "name": SCENARIO_HEADER,
        "in": "header",
        "required": False,
        "description": "Mock only: fail, error, http-<code>, latency-<ms>, or a flag.",
        "schema": {"type": "string"},
    }
    paths: dict[str, Any] = {}
    for model in DEFAULT_MODELS.values():
        request_schema = "gen2/rmbg_request" if model.kind is Kind.RMBG else "gen2/fibo_request"
        paths[model.submit_path] = {
            "post": {
                "summary": f"Submit a {model.model_id} job (${model.price_usd} a job)",
                "description": "Which generation answers is a property of the key.",
                "operationId": f"submit_{model.kind.value}",
                "security": security,
                "parameters": [scenario],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref(request_schema)}},
                },
                "responses": {
                    "200": _json("gen1/submit_response", "Generation 1: IN_QUEUE"),
                    "202": _json("gen2/submit_response", "Generation 2: accepted, QUEUED"),
                    **_errors("400", "401", "402", "403", "404", "429", "500"),
                },
            }
        }
        paths[model.result_path] = {
            "post": {
                "summary": f"Generation 1: the result of a {model.model_id} job",
                "operationId": f"result_{model.kind.value}",
                "security": security,
                "parameters": [scenario],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("gen1/result_request")}},
                },
                "responses": {
                    "200": _json("gen1/result_response", "The job's state (and result)"),
                    **{
                        code: _json("gen1/error", _ERRORS[code])
                        for code in ("400", "401", "403", "404", "429", "500")
                    },
                },
            }
        }
    request_id = {
        "name": "request_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    }
    paths["/v2/requests/status/{request_id}"] = {
        "get": {
            "summary": "Status of a request (generation 2); also the webhook callback body",
            "operationId": "status",
            "security": security,
            "parameters": [request_id, scenario],
            "responses": {
                "200": _json("gen2/status_response", "The request's status"),
                **_errors("401", "404", "429", "500"),
            },
        }
    }
    fal_errors = {
        "400": _json("fal/error", "Still in progress"),
        "401": _json("fal/error", "Invalid or missing key"),
        "404": _json("fal/error", "Unknown request"),
        "422": _json("fal/error", "The run failed on its input"),
        "500": _json("fal/error", "The run failed on a platform fault"),
    }
    paths["/fal-ai/bria/requests/{request_id}"] = {
        "get": {
            "summary": "Generation 1's response_url: the fal-style result (mock stand-in)",
            "operationId": "fal_result",
            "security": security,
            "parameters": [request_id],
            "responses": {"200": _json("fal/result_response", "The output"), **fal_errors},
        }
    }
    paths["/fal-ai/bria/requests/{request_id}/status"] = {
        "get": {
            "summary": "fal-style queue status (never FAILED: a failed run is COMPLETED)",
            "operationId": "fal_status",
            "security": security,
            "parameters": [request_id],
            "responses": {
                "200": _json("fal/status_response", "Queue status"),
                **{c: fal_errors[c] for c in ("401", "404")},
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pixazo gateway (Bria RMBG 2.0, FIBO) as served by mock-gateway",
            "version": __version__,
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        # The mock's own server goes in per request (see `openapi`), first, so Swagger UI
        # and generated clients call the mock they were fetched from.
        "servers": [{"url": LIVE_GATEWAY, "description": "the live gateway"}],
        "components": {
            "schemas": components,
            "securitySchemes": {
                "subscriptionKey": {"type": "apiKey", "in": "header", "name": KEY_HEADER}
            },
        },
        "paths": paths,
    }


async def openapi(request: web.Request) -> web.Response:
    """The document, listing first the server this request came through (port, proxy)."""
    doc = document()
    here = {"url": base_url(request), "description": "this mock"}
    return web.json_response({**doc, "servers": [here, *doc["servers"]]})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/openapi.json", openapi)
