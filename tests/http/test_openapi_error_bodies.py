"""Generation-1 error bodies are exactly `{"error"}` on every path, and the served document
says which shape each answer of each operation takes.

The regression: an error was rendered in the generation seen when the key was admitted. A key
whose generation changed while its request was still in flight (a slow body, a latency
scenario) then got a generation-2 body, `message` and all, from a generation-1 endpoint, while
a success in that same window was already rendered in the key's new generation.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import pixazo_schemas as schemas
from tests.conftest import AUTH, CAT, FIBO_SUBMIT, KEY, RMBG_SUBMIT, Gw

RMBG_RESULT = "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request-result"
FLIP = "flip-key"
FLIP_AUTH = {"Ocp-Apim-Subscription-Key": FLIP, "Content-Type": "application/json"}
HINT = (
    ". This key uses API generation 2: poll GET /v2/requests/status/<request_id> "
    "(this result endpoint is generation 1's)"
)


async def documented(gw: Gw, path: str, method: str, status: int, body: Any) -> None:
    """`body` fits what the served document says `method path` answers with `status`, every
    reference resolved from the document's root."""
    doc = await (await gw.client.get("/openapi.json")).json()
    registry: Registry[Any] = Registry().with_resource(
        "urn:openapi", Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    escaped = path.replace("~", "~0").replace("/", "~1")
    pointer = f"/paths/{escaped}/{method}/responses/{status}/content/application~1json/schema"
    validator = Draft202012Validator({"$ref": f"urn:openapi#{pointer}"}, registry=registry)
    errors = [e.message for e in validator.iter_errors(body)]
    assert not errors, (path, method, status, body, errors)


async def gated_body(payload: bytes, opened: asyncio.Event, release: asyncio.Event) -> Any:
    async def chunks() -> AsyncIterator[bytes]:
        yield payload[:1]
        opened.set()
        await release.wait()
        yield payload[1:]

    return chunks()


async def while_in_flight(gw: Gw, path: str, payload: dict[str, Any], **change: Any) -> Any:
    """POST `payload` to `path` with FLIP's key, changing FLIP (`change`) once the request
    has been admitted and while its body is still arriving."""
    opened, release = asyncio.Event(), asyncio.Event()
    data = await gated_body(json.dumps(payload).encode(), opened, release)
    request = asyncio.ensure_future(gw.client.post(path, data=data, headers=FLIP_AUTH))
    await opened.wait()
    await asyncio.sleep(0.2)  # the server has read the headers and admitted the key
    await gw.put_key(FLIP, **change)
    release.set()
    resp = await request
    return resp.status, await resp.json()


async def test_a_key_turned_generation_1_mid_request_gets_the_generation_1_404(gw: Gw) -> None:
    await gw.put_key(FLIP, balance_usd=10, api_generation=2)
    unknown = str(uuid.uuid4())
    status, body = await while_in_flight(gw, RMBG_RESULT, {"request_id": unknown}, api_generation=1)
    assert (status, body) == (404, {"error": "Endpoint not found"})
    assert schemas.validator("gen1/error").is_valid(body)


async def test_a_key_turned_generation_1_mid_submit_gets_the_generation_1_402(gw: Gw) -> None:
    await gw.put_key(FLIP, balance_usd=0, api_generation=2)
    status, body = await while_in_flight(gw, FIBO_SUBMIT, {"prompt": "a fox"}, api_generation=1)
    assert (status, body) == (402, {"error": "Insufficient Balance"})


async def test_a_key_turned_generation_2_mid_request_gets_the_generation_2_404(gw: Gw) -> None:
    await gw.put_key(FLIP, balance_usd=10, api_generation=1)
    unknown = str(uuid.uuid4())
    status, body = await while_in_flight(gw, RMBG_RESULT, {"request_id": unknown}, api_generation=2)
    assert (status, body) == (
        404,
        {"error": "Request not found", "message": f"No request with id '{unknown}'{HINT}"},
    )


async def test_generation_1_errors_are_exactly_the_generation_1_shape(gw: Gw) -> None:
    await gw.put_key(FLIP, balance_usd=10, api_generation=1)
    headers = {"Ocp-Apim-Subscription-Key": FLIP}
    unknown = str(uuid.uuid4())
    resp = await gw.client.post(RMBG_RESULT, json={"request_id": unknown}, headers=headers)
    assert (resp.status, await resp.json()) == (404, {"error": "Endpoint not found"})
    resp = await gw.client.get(f"/v2/requests/status/{unknown}", headers=headers)
    assert (resp.status, await resp.json()) == (404, {"error": "Endpoint not found"})
    resp = await gw.client.post(RMBG_RESULT, json={"request_id": "x"}, headers=headers)
    assert resp.status == 400
    assert await resp.json() == {"error": "Invalid request parameters"}
    forced = {**headers, "X-Mock-Scenario": "http-404"}
    resp = await gw.client.post(RMBG_SUBMIT, json={"image_url": CAT}, headers=forced)
    assert (resp.status, await resp.json()) == (404, {"error": "Endpoint not found"})
    resp = await gw.client.post(RMBG_SUBMIT + "x", json={"image_url": CAT}, headers=headers)
    assert (resp.status, await resp.json()) == (404, {"error": "Endpoint not found"})


async def test_the_document_says_which_shape_each_error_takes(gw: Gw) -> None:
    await gw.put_key(FLIP, balance_usd=10, api_generation=1)
    unknown = str(uuid.uuid4())
    gen1 = {"Ocp-Apim-Subscription-Key": FLIP}
    resp = await gw.client.post(RMBG_RESULT, json={"request_id": unknown}, headers=gen1)
    await documented(gw, RMBG_RESULT, "post", 404, await resp.json())
    # A generation-2 key on the generation-1 endpoint is answered in its own shape, with a
    # hint (README, "Generation 1"): the document says so rather than promising Gen1Error.
    resp = await gw.client.post(RMBG_RESULT, json={"request_id": unknown}, headers=AUTH)
    body = await resp.json()
    assert (resp.status, body) == (
        404,
        {"error": "Request not found", "message": f"No request with id '{unknown}'{HINT}"},
    )
    await documented(gw, RMBG_RESULT, "post", 404, body)
    resp = await gw.client.post(
        FIBO_SUBMIT, json={"prompt": "x"}, headers={**AUTH, "X-Mock-Scenario": "bogus"}
    )
    assert resp.status == 400
    await documented(gw, FIBO_SUBMIT, "post", 400, await resp.json())
    assert KEY
