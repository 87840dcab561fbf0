"""The front door: its checks in order, the documented error bodies, nothing charged on a 4xx."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import AUTH, FIBO_SUBMIT, KEY, RMBG_SUBMIT, Gw

UNAUTHORIZED = {"error": "Invalid or missing authentication"}
FORBIDDEN = {"error": "Access denied for this operation"}
NOT_FOUND = {"error": "Endpoint not found"}


async def answer(resp: Any) -> tuple[int, Any]:
    assert resp.content_type == "application/json"
    return resp.status, await resp.json()


async def jobs_count(gw: Gw) -> int:
    return int((await (await gw.client.get("/_mock/jobs")).json())["total"])


async def test_missing_or_unknown_key_is_401_with_the_documented_body(gw: Gw) -> None:
    assert await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, key=None) == (401, UNAUTHORIZED)
    assert await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, key="nope") == (401, UNAUTHORIZED)
    resp = await gw.client.get("/v2/requests/status/whatever")
    assert await answer(resp) == (401, UNAUTHORIZED)


async def test_a_key_not_allowed_a_model_is_403(gw: Gw) -> None:
    await gw.put_key("rmbg-only", balance_usd=5, models=["bria-rmbg-2-0-682"])
    assert await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, key="rmbg-only") == (403, FORBIDDEN)
    status, _ = await gw.submit(RMBG_SUBMIT, {"image_url": "https://a.test/x.png"}, key="rmbg-only")
    assert status == 202
    assert await gw.balance("rmbg-only") == pytest.approx(5 - 0.018)


async def test_an_unknown_model_path_is_the_documented_400(gw: Gw) -> None:
    status, body = await gw.submit("/bria-nope/v1/bria-nope-request", {"prompt": "x"})
    assert (status, body) == (
        400,
        {"error": "Model not found", "message": "Model 'bria-nope' not found or is disabled"},
    )


async def test_a_disabled_model_is_model_not_found(make_client: Any) -> None:
    from dataclasses import replace

    from mock_gateway.core.catalog import DEFAULT_MODELS, FIBO

    models = {**DEFAULT_MODELS, FIBO.model_id: replace(FIBO, enabled=False)}
    gw = Gw(await make_client(models=models))
    status, body = await gw.submit(FIBO_SUBMIT, {"prompt": "x"})
    assert status == 400 and body["error"] == "Model not found"


async def test_a_wrong_method_or_a_made_up_endpoint_is_404_endpoint_not_found(gw: Gw) -> None:
    for method, path in [
        ("GET", FIBO_SUBMIT),
        ("PUT", RMBG_SUBMIT),
        ("DELETE", "/v2/requests/status/x"),
        ("POST", "/v2/requests/status/x"),
        ("POST", "/bria-rmbg-2-0-682/v1/something-else-request"),
        ("GET", "/nowhere"),
        ("GET", "/_mock/nowhere"),
    ]:
        resp = await gw.client.request(method, path, headers=AUTH)
        assert await answer(resp) == (404, NOT_FOUND), (method, path)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (FIBO_SUBMIT, {}, "prompt"),
        (FIBO_SUBMIT, {"prompt": ""}, "prompt"),
        (FIBO_SUBMIT, {"prompt": "   "}, "prompt"),
        (FIBO_SUBMIT, {"prompt": 42}, "prompt"),
        (FIBO_SUBMIT, {"prompt": "x", "aspect_ratio": "5:4"}, "aspect_ratio"),
        (FIBO_SUBMIT, {"prompt": "x", "guidance_scale": 4.99}, "guidance_scale"),
        (FIBO_SUBMIT, {"prompt": "x", "guidance_scale": 10.01}, "guidance_scale"),
        (FIBO_SUBMIT, {"prompt": "x", "guidance_scale": "7"}, "guidance_scale"),
        (FIBO_SUBMIT, {"prompt": "x", "steps_num": 0}, "steps_num"),
        (FIBO_SUBMIT, {"prompt": "x", "steps_num": 2.5}, "steps_num"),
        (FIBO_SUBMIT, {"prompt": "x", "steps_num": True}, "steps_num"),
        (FIBO_SUBMIT, {"prompt": "x", "seed": "5555"}, "seed"),
        (FIBO_SUBMIT, {"prompt": "x", "seed": 1.5}, "seed"),
        (RMBG_SUBMIT, {}, "image_url"),
        (RMBG_SUBMIT, {"image_url": ""}, "image_url"),
        (RMBG_SUBMIT, {"image_url": "ftp://x.test/a.png"}, "image_url"),
        (RMBG_SUBMIT, {"image_url": "/relative/a.png"}, "image_url"),
        (RMBG_SUBMIT, {"image_url": "https://"}, "image_url"),
        (RMBG_SUBMIT, {"image_url": "data:text/plain;base64,AAAA"}, "image_url"),
        (RMBG_SUBMIT, {"image_url": ["https://x.test/a.png"]}, "image_url"),
    ],
)
async def test_invalid_parameters_are_400_naming_the_field_and_cost_nothing(
    gw: Gw, path: str, body: dict[str, Any], field: str
) -> None:
    before = await gw.balance()
    status, answer_body = await gw.submit(path, body)
    assert status == 400
    assert answer_body["error"] == "Invalid request parameters"
    assert answer_body["field"] == field
    assert answer_body["message"].startswith(f"{field}: ")
    assert await gw.balance() == before
    assert await jobs_count(gw) == 0


@pytest.mark.parametrize(
    ("data", "content_type", "says"),
    [
        (b"{not json", "application/json", "not valid JSON"),
        (b"", "application/json", "empty"),
        (b"[1, 2]", "application/json", "JSON object"),
        (b'"prompt"', "application/json", "JSON object"),
        (b"null", "application/json", "JSON object"),
        (b'{"prompt": NaN}', "application/json", "not valid JSON"),
        (b"\xff\xfe", "application/json", "not valid JSON"),
        (b'{"prompt": "x"}', "text/plain", "Content-Type must be application/json"),
        (b"prompt=x", "application/x-www-form-urlencoded", "Content-Type must be application/json"),
    ],
)
async def test_malformed_bodies_are_400_with_a_json_error(
    client: TestClient[Any, Any], data: bytes, content_type: str, says: str
) -> None:
    resp = await client.post(FIBO_SUBMIT, data=data, headers={**AUTH, "Content-Type": content_type})
    status, body = await answer(resp)
    assert status == 400
    assert says in body["message"]


async def test_a_body_over_the_size_limit_is_413_with_a_json_error(make_client: Any) -> None:
    client = await make_client(max_body_bytes=2048)
    resp = await client.post(FIBO_SUBMIT, json={"prompt": "x" * 5000}, headers=AUTH)
    status, body = await answer(resp)
    assert status == 413
    assert body["error"] == "Request body too large"


async def test_checks_run_in_the_front_doors_order(gw: Gw) -> None:
    bad = {"prompt": ""}
    # key before model: an unknown model without a key is 401
    assert (await gw.submit("/nope/v1/nope-request", bad, key=None))[0] == 401
    # rate limit before model access and body
    await gw.put_key(
        "slow", balance_usd=0, rate_limit={"requests": 1, "per_seconds": 60}, models=[]
    )
    assert (await gw.submit(FIBO_SUBMIT, bad, key="slow"))[0] == 403  # uses the one slot
    assert (await gw.submit(FIBO_SUBMIT, bad, key="slow"))[0] == 429
    # model access before body
    await gw.put_key("none", balance_usd=0, models=[])
    assert (await gw.submit(FIBO_SUBMIT, bad, key="none"))[0] == 403
    # body before balance
    await gw.put_key("poor", balance_usd=0)
    assert (await gw.submit(FIBO_SUBMIT, bad, key="poor"))[0] == 400
    assert (await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, key="poor"))[0] == 402


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
fuzz_bodies = json_values | st.fixed_dictionaries(
    {},
    optional={
        "prompt": json_values,
        "image_url": json_values,
        "aspect_ratio": json_values,
        "seed": json_values,
        "steps_num": json_values,
        "guidance_scale": json_values,
    },
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=fuzz_bodies, path=st.sampled_from([FIBO_SUBMIT, RMBG_SUBMIT]))
async def test_no_client_input_produces_a_500(
    client: TestClient[Any, Any], body: Any, path: str
) -> None:
    resp = await client.post(
        path, data=json.dumps(body), headers={**AUTH, "Content-Type": "application/json"}
    )
    assert resp.status in (202, 400), await resp.text()
    answer_body = await resp.json()
    if resp.status == 400:
        assert isinstance(answer_body["error"], str) and answer_body["error"]


async def test_apim_error_style_answers_auth_failures_in_the_front_doors_shape(
    make_client: Any,
) -> None:
    gw = Gw(await make_client(error_style="apim"))
    status, body = await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, key=None)
    assert status == 401
    assert body["statusCode"] == 401 and "subscription key" in body["message"]
    status, body = await gw.submit(FIBO_SUBMIT, {"prompt": ""})
    assert status == 400 and body["error"] == "Invalid request parameters", (
        "only 401/404/429 change"
    )
    assert KEY  # the default key still works in this style
