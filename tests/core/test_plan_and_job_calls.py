"""What Gateway.plan draws for a job: a generated picture's seed from the whole 31-bit range,
and queue and processing times rounded to the microsecond. Each test's docstring names the
broken mock it catches."""

from __future__ import annotations

import random

from mock_gateway.core.catalog import FIBO
from mock_gateway.core.clock import ManualClock
from mock_gateway.core.scenarios import Effects
from mock_gateway.gateway import Gateway
from mock_gateway.settings import Settings
from tests.core.test_gateway import BASE, FakeResolver

NOW = 1000.0  # a small epoch: a difference of 1e-7 s stays exact in the job's timestamps


class StubRng(random.Random):
    """A seeded generator whose seed and time draws are fixed: the largest seed allowed by
    randrange's argument, and times with more than six decimals."""

    def __init__(self, queue: float = 0.25, processing: float = 0.5) -> None:
        super().__init__(7)
        self.ranges: list[int] = []
        self.times = [queue, processing]

    def randrange(self, *args: int, **kwargs: int) -> int:  # type: ignore[override]
        self.ranges.append(args[0])
        return args[0] - 1

    def uniform(self, a: float, b: float) -> float:
        return self.times.pop(0)


def stubbed(rng: StubRng) -> Gateway:
    gw = Gateway(Settings(manual_clock=True, time_scale=1.0), FakeResolver(), ManualClock(NOW))
    gw.rng = rng
    return gw


def test_a_drawn_seed_comes_from_the_whole_31_bit_range() -> None:
    """Catches: plan draws a generated picture's seed with randrange(2 * 31) (at most 61)
    instead of randrange(2**31) (up to 2147483647)."""
    rng = StubRng()
    gw = stubbed(rng)
    job = gw.plan(gw.authenticate("test-key"), FIBO, {"prompt": "a cat"}, Effects(), BASE)
    assert rng.ranges == [2**31]
    assert job.seed == 2_147_483_647
    assert job.params["seed"] == 2_147_483_647
    # A seed the caller gives is kept, and none is drawn.
    given = StubRng()
    gw = stubbed(given)
    job = gw.plan(
        gw.authenticate("test-key"), FIBO, {"prompt": "a cat", "seed": 5}, Effects(), BASE
    )
    assert (given.ranges, job.seed) == ([], 5)


def test_the_queue_time_is_rounded_to_the_microsecond() -> None:
    """Catches: plan rounds the drawn queue time to 7 decimals instead of 6, so the job
    starts processing 0.4444444 s after it was created instead of 0.444444 s."""
    gw = stubbed(StubRng(queue=0.4444444444, processing=0.5))
    job = gw.plan(gw.authenticate("test-key"), FIBO, {"prompt": "a cat"}, Effects(), BASE)
    assert job.created_at == NOW
    assert job.started_at == NOW + 0.444444
    assert job.ended_at == NOW + 0.444444 + 0.5


def test_the_processing_time_is_rounded_to_the_microsecond() -> None:
    """Catches: plan rounds the drawn processing time to 7 decimals instead of 6, so the job
    ends 0.7777778 s after it started processing instead of 0.777778 s."""
    gw = stubbed(StubRng(queue=0.25, processing=0.7777777777))
    job = gw.plan(gw.authenticate("test-key"), FIBO, {"prompt": "a cat"}, Effects(), BASE)
    assert job.started_at == NOW + 0.25
    assert job.ended_at == NOW + 0.25 + 0.777778
