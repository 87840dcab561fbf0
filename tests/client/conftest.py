"""Fixtures for the client's tests: a mock gateway in a thread, and simulated time.

`sim.sleep` is the client's sleep in most tests: instead of waiting it advances the mock's
manual clock by the same amount, so a 10-second poll gap costs nothing and stays exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mock_gateway.running import RunningGateway, running
from pixazo_client import AsyncPixazoClient, PixazoClient, PollPolicy, RetryPolicy

KEY = "test-key"
CAT = "https://storage.googleapis.com/generativeai-downloads/images/cat.jpg"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
RMBG_SUBMIT = "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request"
FIBO_SUBMIT = "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request"
RMBG_RESULT = "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request-result"
# Quick, exact retries for tests: the delays go through `sim.sleep` anyway.
TEST_RETRY = RetryPolicy(attempts=3, base_delay=0.5, max_delay=2.0, jitter=0.0)


class SimTime:
    """The client's sleep and clock, both on the mock's manual clock; with no gateway, the
    client's own (a job on the mock then stays queued however long the client waits)."""

    def __init__(self, gw: RunningGateway | None = None) -> None:
        self.gw = gw
        self.now = 0.0
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.gw is not None:
            self.gw.advance(seconds)

    def clock(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _no_pixazo_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own PIXAZO_* settings never leak into a test."""
    for name in ("PIXAZO_API_KEY", "PIXAZO_BASE_URL", "PIXAZO_POLL_INTERVAL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def gw() -> Iterator[RunningGateway]:
    """A fresh mock on a manual clock."""
    with running(manual_clock=True) as gateway:
        yield gateway


@pytest.fixture
def sim(gw: RunningGateway) -> SimTime:
    return SimTime(gw)


def client_options(sim: SimTime, **overrides: Any) -> dict[str, Any]:
    assert sim.gw is not None, "a client of the mock: time on the mock's clock"
    options: dict[str, Any] = {
        "base_url": sim.gw.url,
        "sleep": sim.sleep,
        "clock": sim.clock,
        "retry": TEST_RETRY,
        "poll": PollPolicy(jitter=0.0),
    }
    return {**options, **overrides}


@pytest.fixture
def make_sync(sim: SimTime) -> Iterator[Callable[..., PixazoClient]]:
    """Sync clients on the mock and simulated time, closed after the test."""
    made: list[PixazoClient] = []

    def make(api_key: str = KEY, **overrides: Any) -> PixazoClient:
        made.append(PixazoClient(api_key, **client_options(sim, **overrides)))
        return made[-1]

    yield make
    for c in made:
        c.close()


@pytest.fixture
def pixazo(make_sync: Callable[..., PixazoClient]) -> PixazoClient:
    return make_sync()


@pytest.fixture
async def apixazo(sim: SimTime) -> Any:
    async with AsyncPixazoClient(KEY, **client_options(sim)) as c:
        yield c


def journal(gw: RunningGateway) -> list[tuple[str, str, int]]:
    """(method, path, status) of every gateway request so far."""
    return [(e["method"], e["path"], e["status"]) for e in gw.requests]
