"""Generation 2, as the page documents it: submit, status, lifecycle, outputs."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

import pixazo_schemas as schemas
from tests.conftest import AUTH, BALLOONS, FIBO_SUBMIT, RMBG_SUBMIT, Gw, MakeClient

STATUS_FIELDS = {
    "request_id",
    "status",
    "model_id",
    "error",
    "output",
    "created_at",
    "updated_at",
    "completed_at",
}


def assert_valid(schema: str, body: Any) -> None:
    errors = [e.message for e in schemas.validator(schema).iter_errors(body)]
    assert not errors, errors


async def test_fibo_submit_answers_202_with_exactly_the_documented_fields(
    client: TestClient[Any, Any],
) -> None:
    resp = await client.post(FIBO_SUBMIT, json={"prompt": BALLOONS}, headers=AUTH)
    assert resp.status == 202
    body = await resp.json()
    assert set(body) == {"request_id", "status", "polling_url"}
    assert body["status"] == "QUEUED"
    model, _, uid = body["request_id"].partition("_")
    assert model == "bria-fibo-bbq-preview"
    assert uuid.UUID(uid).version == 7
    base = str(client.make_url("")).rstrip("/")
    assert body["polling_url"] == f"{base}/v2/requests/status/{body['request_id']}"
    assert_valid("gen2/submit_response", body)


async def test_rmbg_submit_answers_202_with_a_model_prefixed_uuid7(gw: Gw) -> None:
    body = await gw.rmbg()
    model, _, uid = body["request_id"].partition("_")
    assert model == "bria-rmbg-2-0-682"
    assert uuid.UUID(uid).version == 7
    assert_valid("gen2/submit_response", body)


async def test_polling_url_honours_the_host_the_client_used(client: TestClient[Any, Any]) -> None:
    resp = await client.post(
        FIBO_SUBMIT, json={"prompt": "x"}, headers={**AUTH, "Host": "gateway.test:9999"}
    )
    body = await resp.json()
    assert body["polling_url"].startswith("http://gateway.test:9999/v2/requests/status/")


async def test_request_ids_are_unique_and_sort_by_creation(gw: Gw) -> None:
    ids = []
    for _ in range(20):
        ids.append((await gw.fibo())["request_id"])
        await gw.advance(0.01)
    uids = [i.partition("_")[2] for i in ids]
    assert len(set(uids)) == 20
    assert uids == sorted(uids)


@pytest.fixture
async def iso_gw(make_client: MakeClient) -> Gw:
    """A mock with every timestamp in the status example's form (`timestamps = "iso"`)."""
    return Gw(await make_client(timestamps="iso"))


async def test_by_default_timestamps_are_mixed_as_in_the_webhook_example(gw: Gw) -> None:
    rid = (await gw.fibo())["request_id"]
    queued = await gw.status(rid)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", queued["created_at"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", queued["updated_at"])
    final = await gw.finish(rid)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", final["completed_at"])
    assert final["completed_at"] == final["updated_at"]
    assert_valid("gen2/status_response", final)


async def test_status_of_a_new_job_has_every_field_and_nulls_until_the_end(iso_gw: Gw) -> None:
    gw = iso_gw
    rid = (await gw.fibo())["request_id"]
    body = await gw.status(rid)
    assert set(body) == STATUS_FIELDS
    assert body["request_id"] == rid
    assert body["status"] == "QUEUED"
    assert body["model_id"] == "bria-fibo-bbq-preview"
    assert body["error"] is None and body["output"] is None and body["completed_at"] is None
    assert body["created_at"] == body["updated_at"]
    assert body["created_at"].endswith("Z") and len(body["created_at"]) == 24
    assert_valid("gen2/status_response", body)


async def test_lifecycle_moves_forward_and_a_terminal_status_never_changes(iso_gw: Gw) -> None:
    gw = iso_gw
    rid = (await gw.fibo())["request_id"]
    plan = await gw.job(rid)
    seen = []
    # Step through the plan in small steps; each poll must be valid and never go backwards.
    for _ in range(60):
        body = await gw.status(rid)
        assert_valid("gen2/status_response", body)
        seen.append(body)
        await gw.advance(0.5)
    states = [b["status"] for b in seen]
    order = ["QUEUED", "PROCESSING", "COMPLETED"]
    assert states == sorted(states, key=order.index)
    assert set(states) == set(order)
    processing = next(b for b in seen if b["status"] == "PROCESSING")
    assert processing["updated_at"] == plan["processing_at"]
    assert processing["output"] is None and processing["completed_at"] is None
    done = [b for b in seen if b["status"] == "COMPLETED"]
    assert all(b == done[0] for b in done), "a terminal status must stay identical"
    final = done[0]
    assert final["completed_at"] == final["updated_at"] == plan["ends_at"]
    assert final["created_at"] <= final["updated_at"] <= final["completed_at"]
    assert final["error"] is None
    assert final["output"]["media_type"] == "image/png"
    assert final["output"]["media_url"][0].endswith(f"/{rid}/output.png")


async def test_default_durations_are_realistic_and_fibo_is_slower_than_rmbg(gw: Gw) -> None:
    fibo = await gw.job((await gw.fibo())["request_id"])
    rmbg = await gw.job((await gw.rmbg())["request_id"])

    def span(job: dict[str, Any], a: str, b: str) -> float:
        from tests.conftest import _epoch

        return _epoch(job[b]) - _epoch(job[a])

    assert 1 <= span(rmbg, "created_at", "processing_at") <= 3
    assert 2 <= span(rmbg, "processing_at", "ends_at") <= 5
    assert 8 <= span(fibo, "processing_at", "ends_at") <= 15
    assert span(fibo, "created_at", "ends_at") > span(rmbg, "created_at", "ends_at")


async def test_time_scale_multiplies_every_duration(make_client: Any) -> None:
    gw = Gw(await make_client(time_scale=0.01))
    rid = (await gw.fibo())["request_id"]
    await gw.advance(0.2)  # FIBO takes at most 20 s unscaled: at most 0.2 s scaled
    assert (await gw.status(rid))["status"] == "COMPLETED"


async def test_status_of_an_unknown_or_foreign_request_is_404(gw: Gw) -> None:
    resp = await gw.client.get("/v2/requests/status/bria-fibo-bbq-preview_nope", headers=AUTH)
    assert resp.status == 404
    assert (await resp.json())["error"] == "Request not found"
    rid = (await gw.fibo())["request_id"]
    await gw.put_key("other-key", balance_usd=1)
    resp = await gw.client.get(
        f"/v2/requests/status/{rid}", headers={"Ocp-Apim-Subscription-Key": "other-key"}
    )
    assert resp.status == 404, "another key's job must look exactly like an unknown one"


async def test_seed_page_full_request_is_accepted(gw: Gw) -> None:
    body = {
        "prompt": BALLOONS,
        "aspect_ratio": "16:9",
        "seed": 5555,
        "steps_num": 50,
        "guidance_scale": 5,
    }
    status, answer = await gw.submit(FIBO_SUBMIT, body)
    assert status == 202, answer
    job = await gw.job(answer["request_id"])
    assert job["params"] == body


async def test_fibo_defaults_are_filled_in(gw: Gw) -> None:
    job = await gw.job((await gw.fibo())["request_id"])
    params = job["params"]
    assert params["aspect_ratio"] == "1:1"
    assert params["steps_num"] == 30
    assert params["guidance_scale"] == 7.5
    assert isinstance(params["seed"], int)


async def test_rmbg_submit_takes_the_seed_page_example(gw: Gw) -> None:
    status, answer = await gw.submit(
        RMBG_SUBMIT, {"image_url": "https://fal.media/files/panda/K5Rndvzmn1j-OI1VZXDVd.jpeg"}
    )
    assert status == 202, answer
