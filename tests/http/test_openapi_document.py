"""The served OpenAPI document: every reference resolves from its root, the status bodies are
one schema per status with a discriminator, the control API has paths, every operation lists
the answers the mock gives, and the header patterns say exactly what the mock accepts."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import pixazo_schemas as schemas
from mock_gateway.core.errors import InvalidParameters
from mock_gateway.core.scenarios import FLAGS, parse_header
from mock_gateway.http.openapi import WEBHOOK_URL, document, scenario_pattern
from mock_gateway.webhooks import check_headers
from tests.conftest import AUTH, FIBO_SUBMIT, RMBG_SUBMIT, Gw

GATEWAY_OPERATIONS = {
    "submit_rmbg",
    "submit_fibo",
    "result_rmbg",
    "result_fibo",
    "status",
    "fal_result",
    "fal_status",
}


def refs(node: Any) -> list[str]:
    """Every `$ref` and discriminator mapping target in `node`."""
    if isinstance(node, list):
        return [r for item in node for r in refs(item)]
    if not isinstance(node, dict):
        return []
    found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
    mapping = node.get("discriminator", {}).get("mapping", {})
    found += [t for t in mapping.values() if isinstance(t, str)]
    return found + [r for value in node.values() for r in refs(value)]


def resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} is not a pointer from the document's root"
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def operations(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        op["operationId"]: op
        for item in doc["paths"].values()
        for method, op in item.items()
        if method in ("get", "put", "post", "delete")
    }


def validator_for(doc: dict[str, Any], pointer: str) -> Draft202012Validator:
    """A validator for the schema at `pointer`, references resolved in the document."""
    registry: Registry[Any] = Registry().with_resource(
        "urn:openapi", Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    return Draft202012Validator({"$ref": f"urn:openapi#{pointer}"}, registry=registry)


def answer_pointer(path: str, method: str, status: int) -> str:
    escaped = path.replace("~", "~0").replace("/", "~1")
    return f"/paths/{escaped}/{method}/responses/{status}/content/application~1json/schema"


def test_every_reference_resolves_from_the_root_and_no_component_has_an_id() -> None:
    doc = document()
    found = refs(doc)
    assert found
    for ref in found:
        resolve(doc, ref)
    assert "$id" not in str(doc["components"]), "an $id would rebase the references inside it"
    components = doc["components"]["schemas"]
    assert set(components) == {
        "".join(p.capitalize() for p in n.replace("/", "_").split("_")) for n in schemas.names()
    }
    referenced = {r.rsplit("/", 1)[1] for r in found if r.startswith("#/components/schemas/")}
    assert set(components) == referenced, f"orphans: {set(components) - referenced}"


@pytest.mark.parametrize(
    ("component", "statuses"),
    [
        ("Gen2StatusResponse", ["QUEUED", "PROCESSING", "COMPLETED", "FAILED", "ERROR"]),
        ("FalStatusResponse", ["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]),
        ("Gen1ResultResponse", ["IN_QUEUE", "IN_PROGRESS", "COMPLETED", "FAILED"]),
    ],
)
def test_status_bodies_are_one_schema_per_status_with_a_discriminator(
    component: str, statuses: list[str]
) -> None:
    doc = document()
    schema = doc["components"]["schemas"][component]
    assert "if" not in str(schema) and "allOf" not in schema
    discriminator = schema["discriminator"]
    assert discriminator["propertyName"] == "status"
    assert list(discriminator["mapping"]) == statuses
    assert [b["$ref"] for b in schema["oneOf"]] == list(discriminator["mapping"].values())
    for value, ref in discriminator["mapping"].items():
        branch = resolve(doc, ref)
        assert branch["properties"]["status"]["const"] == value
        assert "status" in branch["required"]


def test_fal_logs_have_items() -> None:
    components = document()["components"]["schemas"]
    for name in ("FalStatusInQueue", "FalStatusInProgress", "FalStatusCompleted"):
        assert "items" in components[name]["properties"]["logs"]


def test_the_control_api_has_paths_of_its_own() -> None:
    doc = document()
    ops = operations(doc)
    control = {name for name, op in ops.items() if op["tags"] == ["mock"]}
    assert {
        "mock_health",
        "mock_reset",
        "mock_put_key",
        "mock_get_key",
        "mock_delete_key",
        "mock_clock",
        "mock_advance_clock",
        "mock_add_scenario",
        "mock_list_scenarios",
        "mock_clear_scenarios",
        "mock_delete_scenario",
        "mock_requests",
        "mock_jobs",
        "mock_job",
        "mock_webhooks",
        "mock_cdn_output",
        "mock_samples",
        "mock_sample",
    } <= control
    assert all(ops[name]["security"] == [] for name in control)
    assert set(ops) - control - {"openapi"} == GATEWAY_OPERATIONS


@pytest.mark.parametrize("operation_id", sorted(GATEWAY_OPERATIONS))
def test_every_gateway_operation_documents_the_mock_header_and_every_answer(
    operation_id: str,
) -> None:
    op = operations(document())[operation_id]
    assert "X-Mock-Scenario" in [p["name"] for p in op["parameters"]]
    codes = set(op["responses"])
    assert {"200", "400", "401", "402", "403", "404", "429", "500", "503", "4XX", "5XX"} <= codes
    for code in ("429", "503"):
        assert op["responses"][code]["headers"]["Retry-After"]["required"] is True
    if op["operationId"].startswith(("submit", "result")):
        assert "413" in codes
    if op["operationId"].startswith("submit"):
        assert "202" in codes
        names = [p["name"] for p in op["parameters"]]
        assert {"X-Webhook-URL", "X-Webhook-Mode"} <= set(names)


# -- what the headers' patterns say, against what the mock does --------------------------------

TOKENS = ["fail", "error", *sorted(FLAGS), "http-404", "http-503", "latency-0", "latency-600000"]


def scenario_accepted(value: str) -> bool:
    try:
        parse_header(value)
    except InvalidParameters:
        return False
    return True


near_tokens = st.lists(
    st.sampled_from([*TOKENS, "latency-600001", "latency-0000001", "http-600", "http-399", "x"])
    .flatmap(lambda t: st.sampled_from([t, t.upper(), t.title(), t[:-1], t + "0"]))
    .map(lambda t: t.strip()),
    max_size=3,
).flatmap(
    lambda tokens: st.sampled_from([",", ", ", " ,\t", ",,"]).map(lambda sep: sep.join(tokens))
)


@settings(max_examples=300, deadline=None)
@given(
    value=near_tokens
    | st.from_regex(scenario_pattern(), fullmatch=True).filter(lambda v: "\n" not in v)
    | st.text(string.printable.replace("\n", "").replace("\r", ""), max_size=20)
)
def test_the_scenario_pattern_accepts_exactly_what_the_mock_parses(value: str) -> None:
    assert scenario_accepted(value) == bool(re.search(scenario_pattern(), value)), value


def webhook_accepted(url: str) -> bool:
    try:
        check_headers(url, None)
    except InvalidParameters:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(
    url=st.builds(
        lambda scheme, rest: scheme + rest,
        st.sampled_from(["https://", "HTTPS://", "http://", " https://", "https:/", ""]),
        st.text(string.ascii_letters + string.digits + ":@/?#.-_ []", max_size=20),
    )
)
def test_the_webhook_url_pattern_accepts_what_the_mock_accepts(url: str) -> None:
    # Documented exceptions: a bracketed IPv6 host, and a host opening with a blank.
    netloc = re.split(r"[/?#]", url.split("//", 1)[-1], maxsplit=1)[0]
    if "[" in netloc or netloc.rpartition("@")[2][:1] == " ":
        return
    assert webhook_accepted(url) == bool(re.search(WEBHOOK_URL["pattern"], url)), url


# -- real answers, against the document ---------------------------------------------------------


async def test_real_answers_fit_the_document(gw: Gw) -> None:
    doc = await (await gw.client.get("/openapi.json")).json()
    status_path = "/v2/requests/status/{request_id}"
    rid = (await gw.fibo())["request_id"]
    failing = (await gw.rmbg(**{"X-Mock-Scenario": "fail"}))["request_id"]
    cases: list[tuple[str, str, int, Any]] = [
        (status_path, "get", 200, await gw.status(rid)),
        (status_path, "get", 200, await gw.finish(rid)),
        (status_path, "get", 200, await gw.finish(failing)),
    ]
    for path, method, code, url in [
        ("/_mock/health", "get", 200, "/_mock/health"),
        ("/_mock/clock", "get", 200, "/_mock/clock"),
        ("/_mock/jobs", "get", 200, "/_mock/jobs"),
        ("/_mock/jobs/{request_id}", "get", 200, f"/_mock/jobs/{rid}"),
        ("/_mock/requests", "get", 200, "/_mock/requests"),
        ("/_mock/webhooks", "get", 200, "/_mock/webhooks"),
        ("/_mock/scenarios", "get", 200, "/_mock/scenarios"),
        ("/_mock/samples", "get", 200, "/_mock/samples"),
        ("/_mock/jobs/{request_id}", "get", 404, "/_mock/jobs/nope"),
        (status_path, "get", 404, "/v2/requests/status/nope"),
    ]:
        resp = await gw.client.get(url, headers=AUTH)
        assert resp.status == code, url
        cases.append((path, method, code, await resp.json()))
    resp = await gw.client.post("/_mock/scenarios", json={"flags": ["webhook-drop"], "times": 1})
    cases.append(("/_mock/scenarios", "post", 201, await resp.json()))
    resp = await gw.client.post(
        RMBG_SUBMIT, json={"image_url": "x"}, headers={**AUTH, "X-Mock-Scenario": "http-418"}
    )
    cases.append((RMBG_SUBMIT, "post", 400, await resp.json()))
    resp = await gw.client.post(
        FIBO_SUBMIT, json={"prompt": "a fox"}, headers={**AUTH, "X-Mock-Scenario": "http-503"}
    )
    assert resp.status == 503 and resp.headers["Retry-After"] == "1"
    cases.append((FIBO_SUBMIT, "post", 503, await resp.json()))
    for path, method, code, body in cases:
        errors = [
            e.message
            for e in validator_for(doc, answer_pointer(path, method, code)).iter_errors(body)
        ]
        assert not errors, (path, method, code, body, errors)
