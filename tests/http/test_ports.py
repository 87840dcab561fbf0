"""Absolute URLs follow the address the client used; behind a proxy, only when trusted."""

from __future__ import annotations

from typing import Any

from tests.conftest import AUTH, FIBO_SUBMIT, MakeClient

PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "mock.example.test:8443"}


async def submit(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    resp = await client.post(FIBO_SUBMIT, json={"prompt": "a fox"}, headers={**AUTH, **headers})
    assert resp.status == 202
    return dict(await resp.json())


async def test_the_openapi_document_lists_this_server_first(make_client: MakeClient) -> None:
    client = await make_client()
    doc = await (await client.get("/openapi.json")).json()
    here = f"http://127.0.0.1:{client.port}"
    assert doc["servers"] == [
        {"url": here, "description": "this mock"},
        {"url": "https://gateway.pixazo.ai", "description": "the live gateway"},
    ]


async def test_forwarded_headers_are_ignored_unless_trusted(make_client: MakeClient) -> None:
    client = await make_client()
    job = await submit(client, PROXY)
    assert job["polling_url"].startswith(f"http://127.0.0.1:{client.port}/v2/")
    doc = await (await client.get("/openapi.json", headers=PROXY)).json()
    assert doc["servers"][0]["url"] == f"http://127.0.0.1:{client.port}"


async def test_with_trust_forwarded_every_absolute_url_is_the_proxys(
    make_client: MakeClient,
) -> None:
    client = await make_client(trust_forwarded=True)
    proxy = "https://mock.example.test:8443"
    job = await submit(client, PROXY)
    assert job["polling_url"] == f"{proxy}/v2/requests/status/{job['request_id']}"
    doc = await (await client.get("/openapi.json", headers=PROXY)).json()
    assert doc["servers"][0]["url"] == proxy
    await client.post("/_mock/clock/advance", json={"seconds": 600})
    poll = await client.get(f"/v2/requests/status/{job['request_id']}", headers=AUTH)
    status = await poll.json()
    assert status["output"]["media_url"][0].startswith(f"{proxy}/_mock/cdn/")
    samples = await (await client.get("/_mock/samples", headers=PROXY)).json()
    urls = _urls(samples)
    assert urls
    assert all(url.startswith(f"{proxy}/_mock/samples/") for url in urls)


async def test_a_forwarded_host_that_is_not_a_host_is_ignored(make_client: MakeClient) -> None:
    client = await make_client(trust_forwarded=True)
    for bad in ("evil.test/path", "a b", "x@evil.test", ""):
        job = await submit(client, {"X-Forwarded-Proto": "gopher", "X-Forwarded-Host": bad})
        assert job["polling_url"].startswith(f"http://127.0.0.1:{client.port}/v2/"), bad


async def test_only_the_first_hop_of_a_forwarded_list_counts(make_client: MakeClient) -> None:
    client = await make_client(trust_forwarded=True)
    headers = {"X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "a.test, b.test"}
    job = await submit(client, headers)
    assert job["polling_url"].startswith("https://a.test/v2/")


def _urls(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node] if node.startswith(("http://", "https://")) else []
    if isinstance(node, dict):
        return [u for v in node.values() for u in _urls(v)]
    if isinstance(node, list):
        return [u for v in node for u in _urls(v)]
    return []
