"""Shared fixtures: a mock gateway on a manual clock behind aiohttp's test client."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Awaitable, Callable, Iterator
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
    for cached in (jobs.iso, jobs.plain, records.digest):
        cached.cache_clear()
    jobs.forget_shared()
    if (
        os.environ["MUTANT_UNDER_TEST"] in ("stats", "")
        or ".core.validation." in os.environ["MUTANT_UNDER_TEST"]
    ):  # compiling schemas again costs: only where a mutant can be in it
        validation.compiled.cache_clear()
        validation.validator.cache_clear()


# Under `make mutation`: each test's time in the unmutated run (mutmut's statistics, in
# mutants/), read by the fork server's warm-up so that every mutant's run inherits it.
_clean_seconds: dict[str, float] = {}
_clean_seconds_read: float | None = None  # the statistics file's mtime when read


def _read_clean_seconds() -> None:
    global _clean_seconds, _clean_seconds_read
    try:
        mtime = os.stat("mutmut-stats.json").st_mtime
    except OSError:
        return
    if mtime != _clean_seconds_read:
        with open("mutmut-stats.json", encoding="utf-8") as stats:
            _clean_seconds = json.load(stats)["duration_by_test"]
        _clean_seconds_read = mtime


def _mutant() -> str:
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    return mutant if "__mutmut_" in mutant else ""


def pytest_configure(config: pytest.Config) -> None:
    # read in the warm-up before the mutants (once, not per mutant: it takes 0.1 s), or in a
    # mutant's run that had none
    if "MUTANT_UNDER_TEST" in os.environ and (not _mutant() or _clean_seconds_read is None):
        _read_clean_seconds()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under `make mutation`, a mutant's tests run its module's own test file first, then the
    files whose quickest test is quickest, each file's tests quickest first (a file at a time,
    so a file's shared fixtures start once): mutmut stops at the first failure, and passes
    the tests in no useful order, so a mutant dies sooner."""
    mutant = _mutant()
    if not mutant:
        return
    module = mutant.split(".x")[0].rsplit(".", 1)[-1]  # mock_gateway.core.jobs.xǁJobǁ... -> jobs
    seconds = _clean_seconds
    quickest: dict[str, float] = {}
    for item in items:
        file = item.nodeid.split("::")[0]
        quickest[file] = min(quickest.get(file, 1e9), seconds.get(item.nodeid, 1e9))

    def order(item: pytest.Item) -> tuple[bool, float, str, float]:
        file = item.nodeid.split("::")[0]
        own = item.path.name.startswith(f"test_{module}")
        return (not own, quickest[file], file, seconds.get(item.nodeid, 1e9))

    items.sort(key=order)


# Under `make mutation`, a test that runs far past its unmutated time is a mutant that hangs
# or spins: stop the mutant's run at once as a timeout (mutmut's exit code 36, caught)
# instead of waiting out mutmut's own limit, which covers all of its tests together.
# Not less than 5 s: on a busy machine a slow test is not a hang.
PER_TEST_SLACK = 5.0
PER_TEST_FACTOR = 10.0
MUTMUT_TIMEOUT = 36


def _hung(signum: int, frame: object) -> None:
    os._exit(MUTMUT_TIMEOUT)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    if not _mutant():
        yield
        return
    limit = PER_TEST_SLACK + PER_TEST_FACTOR * _clean_seconds.get(item.nodeid, 3.0)
    previous = signal.signal(signal.SIGALRM, _hung)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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
