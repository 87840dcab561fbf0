"""Shared fixtures: a mock gateway on a manual clock behind aiohttp's test client."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import settings

from mock_gateway.app import create_app
from mock_gateway.core import jobs, validation
from mock_gateway.settings import Settings
from mock_gateway.stores import records

# Under `make mutation` (mutmut sets MUTANT_UNDER_TEST) property tests draw the same examples
# on every run, and fewer: whether a mutant survives must not depend on the luck of the draw.
if "MUTANT_UNDER_TEST" in os.environ:
    settings.register_profile("mutation", derandomize=True, max_examples=25, database=None)
    settings.load_profile("mutation")


@pytest.fixture(autouse="MUTANT_UNDER_TEST" in os.environ)
def _mutmut_sees_every_call() -> None:
    """Under `make mutation`, each test starts with empty caches: a cached answer skips the
    function, so mutmut would neither link the test to it (its statistics run) nor run its
    mutant (a run forked from a process whose caches hold the unmutated answers)."""
    for cached in (jobs.iso, jobs.plain, jobs._iso_second, jobs._plain_second, records.digest):
        cached.cache_clear()
    jobs.forget_shared()
    if (
        os.environ["MUTANT_UNDER_TEST"] in ("stats", "")
        or ".core.validation." in os.environ["MUTANT_UNDER_TEST"]
    ):  # compiling schemas again costs: only where a mutant can be in it
        validation.compiled.cache_clear()
        validation.validator.cache_clear()


KEY = "test-key"
AUTH = {"Ocp-Apim-Subscription-Key": KEY}
RMBG_SUBMIT = "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request"
FIBO_SUBMIT = "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request"
CAT = "https://storage.googleapis.com/generativeai-downloads/images/cat.jpg"
BALLOONS = (
    "A magnificent hot air balloon festival at sunrise, dozens of colorful balloons "
    "floating over a misty valley with rolling hills"
)

MakeClient = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
def make_client(aiohttp_client: Any) -> MakeClient:
    """Build a mock on a manual clock (settings overridable) and a client for it."""

    async def make(**overrides: Any) -> TestClient[Any, Any]:
        settings = Settings(**{"manual_clock": True, "access_log": False, **overrides})
        client: TestClient[Any, Any] = await aiohttp_client(create_app(settings))
        return client

    return make


@pytest.fixture
async def client(make_client: MakeClient) -> TestClient[Any, Any]:
    return await make_client()


class Gw:
    """Small verbs over the test client, so tests read like the gateway's own docs."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client

    async def submit(
        self, path: str, body: Any, key: str | None = KEY, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        h = {"Ocp-Apim-Subscription-Key": key} if key else {}
        resp = await self.client.post(path, json=body, headers={**h, **(headers or {})})
        return resp.status, await resp.json()

    async def fibo(self, **body: Any) -> dict[str, Any]:
        status, answer = await self.submit(FIBO_SUBMIT, {"prompt": BALLOONS, **body})
        assert status == 202, answer
        return dict(answer)

    async def rmbg(self, image_url: str = CAT, **headers: str) -> dict[str, Any]:
        status, answer = await self.submit(RMBG_SUBMIT, {"image_url": image_url}, headers=headers)
        assert status == 202, answer
        return dict(answer)

    async def status(self, request_id: str, key: str = KEY) -> dict[str, Any]:
        resp = await self.client.get(
            f"/v2/requests/status/{request_id}", headers={"Ocp-Apim-Subscription-Key": key}
        )
        assert resp.status == 200, await resp.text()
        return dict(await resp.json())

    async def advance(self, seconds: float) -> dict[str, Any]:
        resp = await self.client.post("/_mock/clock/advance", json={"seconds": seconds})
        assert resp.status == 200, await resp.text()
        return dict(await resp.json())

    async def finish(self, request_id: str) -> dict[str, Any]:
        """Advance exactly to the job's planned end and return its status."""
        plan = await self.job(request_id)
        now = (await (await self.client.get("/_mock/clock")).json())["epoch"]
        ends = _epoch(plan["ends_at"])
        await self.advance(max(0.0, ends - now + 0.002))
        return await self.status(request_id)

    async def job(self, request_id: str) -> dict[str, Any]:
        resp = await self.client.get(f"/_mock/jobs/{request_id}")
        assert resp.status == 200
        return dict(await resp.json())

    async def put_key(self, key: str, **fields: Any) -> dict[str, Any]:
        resp = await self.client.put(f"/_mock/keys/{key}", json=fields)
        assert resp.status in (200, 201), await resp.text()
        return dict(await resp.json())

    async def balance(self, key: str = KEY) -> float:
        resp = await self.client.get(f"/_mock/keys/{key}")
        return float((await resp.json())["balance_usd"])

    async def download(self, url: str) -> tuple[int, str, bytes]:
        path = url.split("://", 1)[1].split("/", 1)[1]
        resp = await self.client.get("/" + path)
        return resp.status, resp.content_type, await resp.read()


def _epoch(iso_text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso_text.replace("Z", "+00:00")).timestamp()


@pytest.fixture
def gw(client: TestClient[Any, Any]) -> Gw:
    return Gw(client)
