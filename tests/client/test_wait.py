"""wait(): its poll gaps (as numbers, with injected sleep and clock), its endings and failures."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from mock_gateway.running import RunningGateway
from pixazo_client import (
    AuthenticationError,
    JobFailedError,
    NotFoundError,
    PermissionDeniedError,
    PixazoClient,
    PixazoError,
    PollPolicy,
    RetryPolicy,
    State,
    WaitTimeoutError,
)

from .conftest import CAT, SimTime, journal

# -- the policies as plain numbers ------------------------------------------------------------


def test_poll_gaps_start_at_5_s_and_grow_to_10_s() -> None:
    policy = PollPolicy(jitter=0.0)
    rng = random.Random(0)
    assert [policy.delay(n, None, rng) for n in range(1, 6)] == [5.0, 7.5, 10.0, 10.0, 10.0]


def test_jitter_spreads_gaps_but_stays_within_5_to_10_s() -> None:
    policy = PollPolicy()
    rng = random.Random(1)
    gaps = [policy.delay(n, None, rng) for n in range(1, 200)]
    assert all(5.0 <= g <= 10.0 for g in gaps)
    assert len({round(g, 6) for g in gaps}) > 50, "jittered, not a fixed beat"


def test_a_shorter_server_estimate_brings_the_next_poll_forward() -> None:
    policy = PollPolicy(jitter=0.0)
    rng = random.Random(0)
    assert policy.delay(1, 2, rng) == 2.0
    assert policy.delay(3, 0, rng) == 1.0, "never sooner than min_interval"
    assert policy.delay(1, 30, rng) == 5.0, "a longer estimate does not stretch the gap"
    jittered = PollPolicy()
    assert all(2.0 <= jittered.delay(2, 2, rng) <= 2.2 for _ in range(50)), "never before it"


def test_a_fixed_policy_ignores_growth_estimate_and_jitter() -> None:
    policy = PollPolicy.fixed(0.05)
    rng = random.Random(0)
    assert {policy.delay(n, e, rng) for n in (1, 9) for e in (None, 0, 30)} == {0.05}


def test_retry_backoff_doubles_to_a_cap_and_honours_retry_after() -> None:
    policy = RetryPolicy(attempts=6, base_delay=0.5, max_delay=3.0, jitter=0.0)
    rng = random.Random(0)
    assert [policy.delay(n, None, rng) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert policy.delay(1, 42, rng) == 42.0
    assert policy.delay(1, 121, rng) is None, "too long a Retry-After is not waited out"
    spread = [RetryPolicy().delay(2, None, rng) for _ in range(100)]
    assert all(d is not None and 0.75 <= d <= 1.25 for d in spread) and len(set(spread)) > 10


@pytest.mark.parametrize(
    "bad",
    [
        lambda: PollPolicy(interval=0.0),
        lambda: PollPolicy(interval=20.0),
        lambda: PollPolicy(growth=0.5),
        lambda: RetryPolicy(attempts=0),
        lambda: RetryPolicy(jitter=1.5),
    ],
)
def test_nonsense_policies_are_refused(bad: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        bad()


# -- wait() on the mock -------------------------------------------------------------------------


def test_wait_sleeps_the_policy_gaps_on_the_injected_clock(
    pixazo: PixazoClient, sim: SimTime
) -> None:
    job = pixazo.text_to_image("a lighthouse")  # queued 2-5 s, processing 8-15 s
    done = pixazo.wait(job, timeout=120)
    assert done.status is State.COMPLETED
    assert sim.sleeps == [5.0, 7.5, 10.0, 10.0][: len(sim.sleeps)]
    assert 2 <= len(sim.sleeps) <= 4


def test_the_poll_interval_comes_from_the_environment_when_set(
    make_sync: Callable[..., PixazoClient], sim: SimTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIXAZO_POLL_INTERVAL", "0.5")
    pixazo = make_sync(poll=None)
    assert pixazo.wait(pixazo.remove_background(CAT), timeout=60).status is State.COMPLETED
    assert set(sim.sleeps) == {0.5} and len(sim.sleeps) >= 6  # RMBG takes 3-8 s


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "inf"])
def test_a_nonsense_poll_interval_in_the_environment_is_refused(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pixazo_client import ConfigurationError

    monkeypatch.setenv("PIXAZO_POLL_INTERVAL", value)
    with pytest.raises(ConfigurationError, match="PIXAZO_POLL_INTERVAL"):
        PixazoClient("k", "http://127.0.0.1:9")


def test_wait_never_sleeps_past_its_timeout(pixazo: PixazoClient, sim: SimTime) -> None:
    job = pixazo.text_to_image("a lighthouse")  # needs at least 10 s
    with pytest.raises(WaitTimeoutError) as caught:
        pixazo.wait(job, timeout=8)
    e = caught.value
    assert sim.sleeps == [5.0, 3.0] and sim.now == 8.0
    assert e.last_status is not None and e.last_status.status in (State.QUEUED, State.PROCESSING)
    assert e.request_id == job.request_id and e.timeout == 8
    assert isinstance(e, TimeoutError) and isinstance(e, PixazoError)
    assert pixazo.wait(job, timeout=60).status is State.COMPLETED, "the job went on"


def test_wait_uses_the_last_fraction_of_a_second_before_giving_up(
    pixazo: PixazoClient, sim: SimTime
) -> None:
    job = pixazo.text_to_image("a lighthouse")
    with pytest.raises(WaitTimeoutError):
        pixazo.wait(job, timeout=5.5)
    assert sim.sleeps == [5.0, 0.5] and sim.now == 5.5


@pytest.mark.parametrize(("outcome", "charged"), [("FAILED", True), ("ERROR", False)])
def test_wait_raises_job_failed_with_the_final_status(
    pixazo: PixazoClient, gw: RunningGateway, outcome: str, charged: bool
) -> None:
    gw.scenario(outcome=outcome, error="Content refused", match={"input_contains": "volcano"})
    job = pixazo.text_to_image("a volcano")
    with pytest.raises(JobFailedError) as caught:
        pixazo.wait(job, timeout=120)
    final = caught.value.status
    assert final.status == outcome and final.error == "Content refused"
    assert final.media_urls == () and final.raw["output"] is None
    assert str(caught.value) == f"request {job.request_id} ended {outcome}: Content refused"
    balance = gw.put_key("test-key")["balance_usd"]
    assert balance == (99.96 if charged else 100.0)


@pytest.mark.parametrize(
    ("http", "cls"),
    [(401, AuthenticationError), (403, PermissionDeniedError), (404, NotFoundError)],
)
def test_wait_stops_at_once_on_401_403_404(
    pixazo: PixazoClient, gw: RunningGateway, sim: SimTime, http: int, cls: type[Exception]
) -> None:
    job = pixazo.remove_background(CAT)
    gw.scenario(http=http, match={"on": "status"}, times=1)
    with pytest.raises(cls):
        pixazo.wait(job, timeout=60)
    assert [s for _, _, s in journal(gw)] == [202, http]
    assert sim.sleeps == []
