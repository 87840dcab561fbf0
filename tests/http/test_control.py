"""The control API under /_mock/: keys, clock, scenarios, journal, jobs, reset, OpenAPI."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import pixazo_schemas as schemas
from tests.conftest import AUTH, FIBO_SUBMIT, RMBG_SUBMIT, Gw

LONG_KEY = "sk-live-0123456789abcdef0123456789abcdef"


async def get(gw: Gw, path: str) -> Any:
    resp = await gw.client.get(path)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_health_answers_ok(gw: Gw) -> None:
    body = await get(gw, "/_mock/health")
    assert body["status"] == "ok" and body["manual_clock"] is True and body["jobs"] == 0
    assert body["store"] == "memory"


async def test_put_key_creates_then_updates_and_get_returns_every_field(gw: Gw) -> None:
    resp = await gw.client.put(
        f"/_mock/keys/{LONG_KEY}",
        json={
            "balance_usd": "12.5",
            "models": ["bria-rmbg-2-0-682"],
            "rate_limit": {"requests": 5, "per_seconds": 2},
            "api_generation": 1,
        },
    )
    assert resp.status == 201
    view = await get(gw, f"/_mock/keys/{LONG_KEY}")
    assert view == {
        "key": view["key"],
        "balance_usd": 12.5,
        "models": ["bria-rmbg-2-0-682"],
        "rate_limit": {"requests": 5, "per_seconds": 2.0},
        "api_generation": 1,
    }
    assert LONG_KEY not in json.dumps(view) and view["key"].endswith("…")
    assert not list(schemas.validator("control/key_view").iter_errors(view))
    resp = await gw.client.put(f"/_mock/keys/{LONG_KEY}", json={"balance_usd": 3, "models": None})
    assert resp.status == 200
    view = await get(gw, f"/_mock/keys/{LONG_KEY}")
    assert (view["balance_usd"], view["models"], view["api_generation"]) == (3.0, None, 1)
    assert view["rate_limit"] == {"requests": 5, "per_seconds": 2.0}, (
        "fields left out keep their value"
    )


async def test_a_new_key_gets_the_documented_defaults_and_works_at_once(gw: Gw) -> None:
    # A newcomer sets only a rate limit; the key must not answer 402 on its first submit.
    resp = await gw.client.put(
        "/_mock/keys/slow", json={"rate_limit": {"requests": 2, "per_seconds": 60}}
    )
    assert resp.status == 201
    view = await get(gw, "/_mock/keys/slow")
    assert {k: v for k, v in view.items() if k != "key"} == {
        "balance_usd": 100.0,
        "models": None,
        "rate_limit": {"requests": 2, "per_seconds": 60.0},
        "api_generation": 2,  # the server's default generation
    }
    status, job = await gw.submit(FIBO_SUBMIT, {"prompt": "a fox"}, key="slow")
    assert status == 202, job
    resp = await gw.client.put("/_mock/keys/plain", json={})
    assert (await resp.json())["rate_limit"] == {"requests": 1000, "per_seconds": 1.0}
    resp = await gw.client.put("/_mock/keys/unlimited", json={"rate_limit": None})
    assert (await resp.json())["rate_limit"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"balance_usd": -1}, "balance_usd"),
        ({"balance_usd": "lots"}, "balance_usd"),
        ({"models": "all"}, "models"),
        ({"rate_limit": {"requests": 0, "per_seconds": 1}}, "rate_limit.requests"),
        ({"api_generation": 3}, "api_generation"),
        ({"colour": "red"}, ""),
    ],
)
async def test_put_key_rejects_bad_fields_naming_them(
    gw: Gw, body: dict[str, Any], field: str
) -> None:
    resp = await gw.client.put("/_mock/keys/k", json=body)
    assert resp.status == 400
    answer = await resp.json()
    assert field in answer["message"] if field else "colour" in answer["message"]
    assert (await gw.client.get("/_mock/keys/k")).status == 404, "nothing was created"


async def test_unknown_key_is_404_json(gw: Gw) -> None:
    resp = await gw.client.get("/_mock/keys/nobody")
    assert resp.status == 404 and (await resp.json())["error"] == "Key not found"


async def test_clock_advance_answers_the_new_time_and_refuses_going_back(gw: Gw) -> None:
    before = await get(gw, "/_mock/clock")
    after = await gw.advance(90)
    assert after["epoch"] == pytest.approx(before["epoch"] + 90)
    resp = await gw.client.post("/_mock/clock/advance", json={"seconds": -1})
    assert resp.status == 400 and (await resp.json())["field"] == "seconds"
    resp = await gw.client.post("/_mock/clock/advance", json={})
    assert resp.status == 400


async def test_reset_restores_keys_and_forgets_jobs_rules_and_journal(gw: Gw) -> None:
    await gw.fibo()
    await gw.put_key("temp", balance_usd=1)
    await gw.client.post("/_mock/scenarios", json={"http": 503})
    assert (await gw.client.post("/_mock/reset")).status == 200
    assert await gw.balance() == 100.0
    assert (await gw.client.get("/_mock/keys/temp")).status == 404
    assert (await get(gw, "/_mock/jobs"))["total"] == 0
    assert (await get(gw, "/_mock/scenarios"))["scenarios"] == []
    assert (await get(gw, "/_mock/requests"))["requests"] == []
    await gw.fibo()  # the 503 rule is gone


async def test_reset_makes_a_run_reproducible(gw: Gw) -> None:
    first = [(await gw.fibo())["request_id"] for _ in range(3)]
    seeds = [(await gw.job(r))["params"]["seed"] for r in first]
    await gw.client.post("/_mock/reset")
    again = [(await gw.fibo())["request_id"] for _ in range(3)]
    assert [(await gw.job(r))["params"]["seed"] for r in again] == seeds


async def test_rule_forces_failed_with_a_message_for_matching_jobs_only(gw: Gw) -> None:
    resp = await gw.client.post(
        "/_mock/scenarios",
        json={
            "match": {"model": "bria-fibo-bbq-preview", "input_contains": "volcano"},
            "outcome": "FAILED",
            "error": "Content refused",
        },
    )
    assert resp.status == 201
    rule = await resp.json()
    assert rule["id"] and rule["outcome"] == "FAILED"
    hit = (await gw.fibo(prompt="a volcano at dusk"))["request_id"]
    miss = (await gw.fibo(prompt="a quiet lake"))["request_id"]
    body = await gw.finish(hit)
    assert (body["status"], body["error"], body["output"]) == ("FAILED", "Content refused", None)
    assert (await gw.finish(miss))["status"] == "COMPLETED"


async def test_rule_matches_by_key(gw: Gw) -> None:
    await gw.put_key(LONG_KEY, balance_usd=1)
    await gw.client.post("/_mock/scenarios", json={"match": {"key": LONG_KEY}, "outcome": "ERROR"})
    listed = (await get(gw, "/_mock/scenarios"))["scenarios"]
    assert LONG_KEY not in json.dumps(listed), "rules show keys redacted"
    _, answer = await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, key=LONG_KEY)
    await gw.advance(60)  # past any FIBO job's end
    assert (await gw.status(answer["request_id"], key=LONG_KEY))["status"] == "ERROR"
    assert (await gw.finish((await gw.fibo())["request_id"]))["status"] == "COMPLETED"


async def test_rule_forces_an_http_status_on_submit_a_number_of_times(gw: Gw) -> None:
    await gw.client.post(
        "/_mock/scenarios", json={"match": {"on": "submit"}, "http": 503, "times": 2}
    )
    codes = [(await gw.submit(FIBO_SUBMIT, {"prompt": "x"}))[0] for _ in range(3)]
    assert codes == [503, 503, 202]
    rules = (await get(gw, "/_mock/scenarios"))["scenarios"]
    assert rules[0]["times"] == 0


async def test_rule_forces_an_http_status_on_status_polls(gw: Gw) -> None:
    rid = (await gw.fibo())["request_id"]
    await gw.client.post("/_mock/scenarios", json={"match": {"on": "status"}, "http": 500})
    resp = await gw.client.get(f"/v2/requests/status/{rid}", headers=AUTH)
    assert resp.status == 500
    assert await resp.json() == {
        "error": "An unexpected error occurred, please try again later",
        "message": "Forced by a mock scenario",
    }
    assert (await gw.submit(FIBO_SUBMIT, {"prompt": "x"}))[0] == 202, "submits are untouched"


async def test_rule_adds_latency(gw: Gw) -> None:
    await gw.client.post("/_mock/scenarios", json={"latency_ms": 150})
    started = time.monotonic()
    await gw.fibo()
    assert time.monotonic() - started >= 0.15


async def test_rules_can_be_deleted_one_or_all(gw: Gw) -> None:
    a = await (await gw.client.post("/_mock/scenarios", json={"http": 500})).json()
    await gw.client.post("/_mock/scenarios", json={"latency_ms": 1})
    assert (await gw.client.delete(f"/_mock/scenarios/{a['id']}")).status == 200
    assert (await gw.client.delete(f"/_mock/scenarios/{a['id']}")).status == 404
    assert len((await get(gw, "/_mock/scenarios"))["scenarios"]) == 1
    assert await (await gw.client.delete("/_mock/scenarios")).json() == {"deleted": 1}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"match": {"model": "x"}},
        {"http": 200},
        {"outcome": "COMPLETED"},
        {"flags": ["nope"]},
        {"match": {"colour": "red"}, "http": 500},
    ],
)
async def test_a_rule_without_a_valid_effect_is_400(gw: Gw, body: dict[str, Any]) -> None:
    resp = await gw.client.post("/_mock/scenarios", json=body)
    assert resp.status == 400 and (await resp.json())["error"]


@pytest.mark.parametrize(("token", "status"), [("fail", "FAILED"), ("error", "ERROR")])
async def test_scenario_header_forces_the_outcome(gw: Gw, token: str, status: str) -> None:
    rid = (await gw.rmbg(**{"X-Mock-Scenario": token}))["request_id"]
    body = await gw.finish(rid)
    assert body["status"] == status and isinstance(body["error"], str) and body["output"] is None


async def test_scenario_header_forces_a_status_with_the_documented_body(gw: Gw) -> None:
    resp = await gw.client.post(
        RMBG_SUBMIT,
        json={"image_url": "https://a.test/x.png"},
        headers={**AUTH, "X-Mock-Scenario": "http-429"},
    )
    assert resp.status == 429 and resp.headers["Retry-After"] == "1"
    assert (await resp.json())["error"] == "Rate limit exceeded, please retry later"


async def test_an_unknown_scenario_token_is_a_clear_400(gw: Gw) -> None:
    status, body = await gw.submit(
        FIBO_SUBMIT, {"prompt": "x"}, headers={"X-Mock-Scenario": "fial"}
    )
    assert status == 400 and body["field"] == "X-Mock-Scenario" and "fial" in body["message"]


async def test_timestamps_mixed_reproduces_the_webhook_examples_second_form(gw: Gw) -> None:
    _, answer = await gw.submit(
        FIBO_SUBMIT, {"prompt": "x"}, headers={"X-Mock-Scenario": "timestamps-mixed"}
    )
    body = await gw.finish(answer["request_id"])
    assert body["created_at"].endswith("Z") and "T" in body["created_at"]
    assert len(body["completed_at"]) == 19 and body["completed_at"][10] == " "
    assert not list(schemas.validator("gen2/status_response").iter_errors(body))


async def test_journal_records_every_gateway_request_with_keys_redacted(gw: Gw) -> None:
    await gw.put_key(LONG_KEY, balance_usd=1)
    await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, key=LONG_KEY)
    await gw.submit(FIBO_SUBMIT, {"prompt": ""}, key=LONG_KEY)
    await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, key=None)
    entries = (await get(gw, "/_mock/requests"))["requests"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", FIBO_SUBMIT, 202),
        ("POST", FIBO_SUBMIT, 400),
        ("POST", FIBO_SUBMIT, 401),
    ]
    assert entries[0]["request_id"].startswith("bria-fibo-bbq-preview_")
    assert entries[0]["key"] and entries[2]["key"] is None
    assert LONG_KEY not in json.dumps(entries)
    assert [
        e["seq"] for e in (await get(gw, f"/_mock/requests?since={entries[0]['seq']}"))["requests"]
    ] == [entries[1]["seq"], entries[2]["seq"]]
    resp = await gw.client.get("/_mock/requests?limit=x")
    assert resp.status == 400


async def test_no_full_key_anywhere_in_the_control_api(gw: Gw) -> None:
    await gw.put_key(LONG_KEY, balance_usd=1)
    rid = (await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, key=LONG_KEY))[1]["request_id"]
    for path in ("/_mock/jobs", f"/_mock/jobs/{rid}", "/_mock/requests", f"/_mock/keys/{LONG_KEY}"):
        text = await (await gw.client.get(path)).text()
        assert LONG_KEY not in text and LONG_KEY[:8] not in text, path


async def test_jobs_list_filters_by_model_and_status(gw: Gw) -> None:
    rid = (await gw.fibo())["request_id"]
    await gw.rmbg()
    await gw.finish(rid)
    by_model = (await get(gw, "/_mock/jobs?model=bria-fibo-bbq-preview"))["jobs"]
    assert [j["request_id"] for j in by_model] == [rid]
    done = (await get(gw, "/_mock/jobs?status=COMPLETED"))["jobs"]
    assert rid in [j["request_id"] for j in done]
    assert (await gw.client.get("/_mock/jobs?status=DONE")).status == 400
    assert (await gw.client.get("/_mock/jobs/nope")).status == 404


async def test_openapi_document_is_assembled_from_the_schemas(gw: Gw) -> None:
    doc = await get(gw, "/openapi.json")
    assert doc["openapi"].startswith("3.1")
    components = doc["components"]["schemas"]
    assert len(components) == len(schemas.names())
    for schema in components.values():
        Draft202012Validator.check_schema(schema)
    refs = {m for m in json.dumps(doc["paths"]).split('"') if m.startswith("#/components/schemas/")}
    assert refs and all(r.rsplit("/", 1)[1] in components for r in refs)
    assert {FIBO_SUBMIT, RMBG_SUBMIT, "/v2/requests/status/{request_id}"} <= set(doc["paths"])
    # A component, resolved inside the document, still validates a real status body.
    status_schema = doc["paths"]["/v2/requests/status/{request_id}"]["get"]["responses"]["200"]
    ref = status_schema["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    # Every reference resolves from the document's root (no $id): validate through it.
    registry: Registry[Any] = Registry().with_resource(
        "urn:openapi", Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    validator = Draft202012Validator(
        {"$ref": f"urn:openapi#/components/schemas/{ref}"}, registry=registry
    )
    body = await gw.status((await gw.fibo())["request_id"])
    assert not list(validator.iter_errors(body))
    assert list(validator.iter_errors({**body, "status": "SUCCEEDED"})), "it can fail"


async def test_events_list_pending_work_as_data_and_a_reset_clears_it(gw: Gw) -> None:
    assert await get(gw, "/_mock/events") == {"events": [], "total": 0}
    status, job = await gw.submit(
        FIBO_SUBMIT, {"prompt": "a kite"}, headers={"X-Mock-Scenario": "error"}
    )
    assert status == 202
    body = await get(gw, "/_mock/events")
    assert not list(schemas.validator("control/events").iter_errors(body))
    (refund,) = body["events"]
    planned = await get(gw, f"/_mock/jobs/{job['request_id']}")
    assert refund == {
        "id": 1,
        "kind": "refund",
        "due": planned["ends_at"],  # an ERROR job's price comes back as it ends
        "held": False,
        "request_id": job["request_id"],
        "delivery_id": None,
        "status": None,
        "final": False,
        "attempts_made": 0,
    }
    assert body["total"] == 1
    await gw.client.post("/_mock/reset")
    assert await get(gw, "/_mock/events") == {"events": [], "total": 0}


async def test_limit_shows_the_soonest_events_and_total_counts_them_all(gw: Gw) -> None:
    for prompt in ("a kite", "a boat", "a bell"):
        await gw.submit(FIBO_SUBMIT, {"prompt": prompt}, headers={"X-Mock-Scenario": "error"})
    every = await get(gw, "/_mock/events")
    assert every["total"] == 3 and len(every["events"]) == 3
    soonest = sorted(every["events"], key=lambda e: (e["due"], e["id"]))
    assert every["events"] == soonest
    assert await get(gw, "/_mock/events?limit=2") == {"events": soonest[:2], "total": 3}
    assert await get(gw, "/_mock/events?limit=0") == {"events": [], "total": 3}


async def test_a_fired_event_leaves_the_list(gw: Gw) -> None:
    _, job = await gw.submit(
        FIBO_SUBMIT, {"prompt": "a kite"}, headers={"X-Mock-Scenario": "error"}
    )
    await gw.finish(job["request_id"])
    assert (await get(gw, "/_mock/events"))["total"] == 0
    key = await get(gw, "/_mock/keys/test-key")
    assert key["balance_usd"] == 100.0, "the refund ran, once"
