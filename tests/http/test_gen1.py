"""Generation 1 (the older RMBG page), served by the same jobs as generation 2."""

from __future__ import annotations

import math
import uuid
from typing import Any

import pytest

import pixazo_schemas as schemas
from tests.conftest import AUTH, BALLOONS, CAT, FIBO_SUBMIT, RMBG_SUBMIT, Gw, _epoch

RMBG_RESULT = "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request-result"
FIBO_RESULT = "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request-result"
OLD = "old-key"
OLD_AUTH = {"Ocp-Apim-Subscription-Key": OLD}


def valid(name: str, body: Any) -> None:
    errors = [e.message for e in schemas.validator(name).iter_errors(body)]
    assert not errors, errors


@pytest.fixture
async def old(gw: Gw) -> Gw:
    """The same mock, with a generation-1 key beside the default generation-2 key."""
    await gw.put_key(OLD, balance_usd=10, api_generation=1)
    return gw


async def submit_old(
    gw: Gw, path: str = RMBG_SUBMIT, body: Any = None, **headers: str
) -> dict[str, Any]:
    resp = await gw.client.post(
        path, json=body or {"image_url": CAT}, headers={**OLD_AUTH, **headers}
    )
    assert resp.status == 200, await resp.text()
    return dict(await resp.json())


async def result(gw: Gw, request_id: Any, path: str = RMBG_RESULT) -> tuple[int, Any]:
    resp = await gw.client.post(path, json={"request_id": request_id}, headers=OLD_AUTH)
    return resp.status, await resp.json()


async def now(gw: Gw) -> float:
    return float((await (await gw.client.get("/_mock/clock")).json())["epoch"])


async def test_submit_answers_200_in_queue_with_a_response_url(old: Gw) -> None:
    body = await submit_old(old)
    assert set(body) == {"status", "request_id", "response_url"}
    assert body["status"] == "IN_QUEUE"
    assert uuid.UUID(body["request_id"]).version == 7
    base = str(old.client.make_url("")).rstrip("/")
    assert body["response_url"] == f"{base}/fal-ai/bria/requests/{body['request_id']}"
    valid("gen1/submit_response", body)


async def test_a_job_walks_in_queue_in_progress_completed_on_the_manual_clock(old: Gw) -> None:
    rid = (await submit_old(old))["request_id"]
    plan = await old.job(rid)
    assert await result(old, rid) == (200, {"status": "IN_QUEUE", "request_id": rid})
    await old.advance(_epoch(plan["processing_at"]) - await now(old) + 0.01)
    estimates = []
    while True:
        status, body = await result(old, rid)
        assert status == 200
        valid("gen1/result_response", body)
        if body["status"] != "IN_PROGRESS":
            break
        expected = math.ceil(_epoch(plan["ends_at"]) - await now(old))
        assert abs(body["estimated_completion_time_seconds"] - expected) <= 1
        estimates.append(body["estimated_completion_time_seconds"])
        await old.advance(0.7)
    assert len(estimates) >= 2 and estimates == sorted(estimates, reverse=True), "never grows"
    assert body["status"] == "COMPLETED"
    out = body["result"]
    assert set(out) == {"image_url", "width", "height", "content_type", "original_image_url"}
    assert out["content_type"] == "image/png"
    assert out["original_image_url"] == CAT
    status, content_type, data = await old.download(out["image_url"])
    assert (status, content_type) == (200, "image/png")
    from io import BytesIO

    from PIL import Image

    assert Image.open(BytesIO(data)).size == (out["width"], out["height"])
    assert await result(old, rid) == (200, body), "a terminal answer never changes"


async def test_the_original_image_url_is_echoed_unchanged(old: Gw) -> None:
    url = "https://Images.Example.com/a%20b/Cat.JPG?size=Large&x=1#frag"
    rid = (await submit_old(old, body={"image_url": url}))["request_id"]
    await old.advance(60)
    _, body = await result(old, rid)
    assert body["result"]["original_image_url"] == url


@pytest.mark.parametrize(("token", "refunded"), [("fail", False), ("error", True)])
async def test_failed_and_errored_jobs_both_show_failed(
    old: Gw, token: str, refunded: bool
) -> None:
    rid = (await submit_old(old, **{"X-Mock-Scenario": token}))["request_id"]
    await old.advance(60)
    status, body = await result(old, rid)
    assert status == 200
    assert body["status"] == "FAILED" and isinstance(body["error"], str) and "result" not in body
    valid("gen1/result_response", body)
    assert await old.balance(OLD) == (10.0 if refunded else 10 - 0.018)


async def test_an_unreachable_input_fails_the_job_with_a_clear_error(
    old: Gw, unused_tcp_port: int
) -> None:
    rid = (await submit_old(old, body={"image_url": f"http://127.0.0.1:{unused_tcp_port}/x.png"}))[
        "request_id"
    ]
    await old.advance(60)
    _, body = await result(old, rid)
    assert body["status"] == "FAILED" and "could not be fetched" in body["error"]


@pytest.mark.parametrize("request_id", [None, "", 42, "not-a-uuid", ["x"]])
async def test_a_missing_or_malformed_request_id_is_400_in_the_gen1_shape(
    old: Gw, request_id: Any
) -> None:
    body = {} if request_id is None else {"request_id": request_id}
    resp = await old.client.post(RMBG_RESULT, json=body, headers=OLD_AUTH)
    assert resp.status == 400
    answer = await resp.json()
    # Exactly the older page's table: the body names no field (that page's only 400 body).
    assert answer == {"error": "Invalid request parameters"}
    valid("gen1/error", answer)


async def test_an_unknown_request_id_is_404_in_the_gen1_shape(old: Gw) -> None:
    status, body = await result(old, str(uuid.uuid4()))
    assert (status, body) == (404, {"error": "Endpoint not found"})


async def test_gen1_errors_carry_only_error(old: Gw) -> None:
    await old.put_key("old-poor", balance_usd=0, api_generation=1)
    await old.put_key("old-none", balance_usd=1, api_generation=1, models=[])
    cases = [
        (
            {"Ocp-Apim-Subscription-Key": "old-poor"},
            {"image_url": CAT},
            402,
            {"error": "Insufficient Balance"},
        ),
        (
            {"Ocp-Apim-Subscription-Key": "old-none"},
            {"image_url": CAT},
            403,
            {"error": "Access denied for this operation"},
        ),
        (
            {**OLD_AUTH, "X-Mock-Scenario": "http-500"},
            {"image_url": CAT},
            500,
            {"error": "An unexpected error occurred, please try again later"},
        ),
        ({}, {"image_url": CAT}, 401, {"error": "Invalid or missing authentication"}),
    ]
    for headers, body, code, expected in cases:
        resp = await old.client.post(RMBG_SUBMIT, json=body, headers=headers)
        assert (resp.status, await resp.json()) == (code, expected)
    resp = await old.client.post(RMBG_SUBMIT, json={"image_url": "ftp://x"}, headers=OLD_AUTH)
    answer = await resp.json()
    assert (resp.status, answer) == (400, {"error": "Invalid request parameters"})


async def test_rate_limits_count_result_polls_and_answer_in_the_gen1_shape(old: Gw) -> None:
    await old.put_key(OLD, rate_limit={"requests": 2, "per_seconds": 5})
    rid = (await submit_old(old))["request_id"]
    assert (await result(old, rid))[0] == 200
    resp = await old.client.post(RMBG_RESULT, json={"request_id": rid}, headers=OLD_AUTH)
    assert resp.status == 429 and resp.headers["Retry-After"] == "5"
    assert await resp.json() == {"error": "Rate limit exceeded, please retry later"}


async def test_both_generations_side_by_side_on_one_mock(old: Gw) -> None:
    resp_old = await old.client.post(RMBG_SUBMIT, json={"image_url": CAT}, headers=OLD_AUTH)
    new = await old.rmbg()
    assert resp_old.status == 200 and (await resp_old.json())["status"] == "IN_QUEUE"
    assert new["status"] == "QUEUED" and new["request_id"].startswith("bria-rmbg-2-0-682_")
    old_id = (await resp_old.json())["request_id"]
    jobs = {
        j["request_id"]: j["generation"]
        for j in (await (await old.client.get("/_mock/jobs")).json())["jobs"]
    }
    assert jobs == {old_id: 1, new["request_id"]: 2}
    await old.advance(60)
    assert (await result(old, old_id))[1]["status"] == "COMPLETED"
    assert (await old.status(new["request_id"]))["status"] == "COMPLETED"


async def test_the_generations_keep_separate_id_spaces(old: Gw) -> None:
    old_id = (await submit_old(old))["request_id"]
    new_id = (await old.rmbg())["request_id"]
    await old.put_key(OLD, api_generation=2)  # same key, now answered by generation 2
    resp = await old.client.get(f"/v2/requests/status/{old_id}", headers=OLD_AUTH)
    assert resp.status == 404, "a generation-1 id is unknown to the generation-2 status endpoint"
    await old.put_key(OLD, api_generation=1)
    assert (await result(old, new_id.partition("_")[2]))[0] == 404
    assert (await result(old, old_id, path=FIBO_RESULT))[0] == 404, (
        "a result path knows its own model only"
    )


async def test_fibo_on_generation_1_by_analogy(old: Gw) -> None:
    rid = (await submit_old(old, FIBO_SUBMIT, {"prompt": BALLOONS, "aspect_ratio": "16:9"}))[
        "request_id"
    ]
    await old.advance(60)
    status, body = await result(old, rid, path=FIBO_RESULT)
    assert status == 200 and body["status"] == "COMPLETED"
    assert (body["result"]["width"], body["result"]["height"]) == (1344, 768)
    assert "original_image_url" not in body["result"]
    assert await old.balance(OLD) == 10 - 0.04


async def test_the_server_default_generation_applies_to_keys_without_one(make_client: Any) -> None:
    gw = Gw(await make_client(api_generation=1))
    status, body = await gw.submit(RMBG_SUBMIT, {"image_url": CAT})
    assert status == 200 and body["status"] == "IN_QUEUE"
    assert (await (await gw.client.get("/_mock/keys/test-key")).json())["api_generation"] == 1


async def test_response_url_answers_like_the_fal_queue(old: Gw) -> None:
    body = await submit_old(old)
    rid, url = body["request_id"], body["response_url"]
    path = "/" + url.split("/", 3)[3]
    resp = await old.client.get(path, headers=OLD_AUTH)
    assert (resp.status, await resp.json()) == (400, {"detail": "Request is still in progress"})
    resp = await old.client.get(f"{path}/status", headers=OLD_AUTH)
    queued = await resp.json()
    valid("fal/status_response", queued)
    assert queued["status"] == "IN_QUEUE" and queued["queue_position"] == 0
    assert queued["response_url"] == url
    plan = await old.job(rid)
    await old.advance(_epoch(plan["processing_at"]) - await now(old) + 0.01)
    running = await (await old.client.get(f"{path}/status", headers=OLD_AUTH)).json()
    assert running["status"] == "IN_PROGRESS" and running["logs"] == []
    await old.advance(60)
    done = await (await old.client.get(f"{path}/status", headers=OLD_AUTH)).json()
    assert done["status"] == "COMPLETED"
    resp = await old.client.get(path, headers={"Authorization": f"Key {OLD}"})
    assert resp.status == 200
    out = await resp.json()
    valid("fal/result_response", out)
    image = out["image"]
    _, _, data = await old.download(image["url"])
    assert image["file_size"] == len(data) and image["file_name"] == "output.png"


@pytest.mark.parametrize(("token", "code"), [("fail", 422), ("error", 500)])
async def test_a_failed_run_is_completed_on_fal_and_its_result_is_an_error(
    old: Gw, token: str, code: int
) -> None:
    body = await submit_old(old, **{"X-Mock-Scenario": token})
    path = "/" + body["response_url"].split("/", 3)[3]
    await old.advance(60)
    assert (await (await old.client.get(f"{path}/status", headers=OLD_AUTH)).json())[
        "status"
    ] == "COMPLETED"
    resp = await old.client.get(path, headers=OLD_AUTH)
    answer = await resp.json()
    assert resp.status == code and answer["detail"]
    valid("fal/error", answer)


async def test_response_url_needs_the_owning_key(old: Gw) -> None:
    body = await submit_old(old)
    path = "/" + body["response_url"].split("/", 3)[3]
    resp = await old.client.get(path)
    assert resp.status == 401 and "detail" in await resp.json()
    resp = await old.client.get(path, headers={"Ocp-Apim-Subscription-Key": "test-key"})
    assert resp.status == 404 and "detail" in await resp.json()


async def test_a_generation_2_key_on_the_result_endpoint_is_told_where_to_poll(gw: Gw) -> None:
    request_id = (await gw.rmbg())["request_id"]  # test-key: generation 2
    expected_hint = (
        "This key uses API generation 2: poll GET /v2/requests/status/<request_id> "
        "(this result endpoint is generation 1's)"
    )
    for sent, status in ((request_id, 400), (request_id.partition("_")[2], 404)):
        resp = await gw.client.post(RMBG_RESULT, json={"request_id": sent}, headers=AUTH)
        body = await resp.json()
        assert resp.status == status, body
        assert body["message"].endswith(expected_hint), body
    # A generation-1 key gets no such hint: the id is simply unknown.
    await gw.put_key(OLD, api_generation=1)
    status, body = await result(gw, "00000000-0000-4000-8000-000000000000")
    assert status == 404 and body == {"error": "Endpoint not found"}


async def test_the_generation_hint_is_only_for_request_id_mistakes(gw: Gw) -> None:
    resp = await gw.client.post(
        RMBG_RESULT, data="not json", headers={**AUTH, "Content-Type": "text/plain"}
    )
    body = await resp.json()
    assert resp.status == 400 and "generation" not in body.get("message", ""), body
