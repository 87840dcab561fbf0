"""Edges of two pure pieces: how a submit answer is read (`Submission.from_answer`), and the
retry delay (`RetryPolicy.delay`) at its Retry-After limit and in its jitter's direction."""

from __future__ import annotations

import random
from typing import Any

import pytest

from pixazo_client import Model, RetryPolicy, Submission, UnexpectedResponseError

POLL = "https://gateway.pixazo.ai/v2/requests/status/bria-rmbg-2-0-682_abc"
RESULT = "https://gateway.pixazo.ai/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request-result"


class FixedUniform(random.Random):
    """A `random.Random` whose `uniform(a, b)` always answers `a + share * (b - a)`."""

    def __init__(self, share: float) -> None:
        super().__init__(0)
        self.share = share
        self.calls: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.calls.append((a, b))
        return a + self.share * (b - a)


# -- Submission.from_answer ----------------------------------------------------------------


def test_a_refused_answer_read_without_a_status_code_reports_202() -> None:
    """Catches: `from_answer`'s default status code changed from 202 (what a generation-2
    submit answers), so a caller reading a body without passing the code gets an error
    naming another status."""
    with pytest.raises(UnexpectedResponseError) as caught:
        Submission.from_answer(Model.RMBG, {"request_id": "x", "status": "DONE"})
    assert caught.value.status_code == 202
    assert caught.value.body == {"request_id": "x", "status": "DONE"}
    with pytest.raises(UnexpectedResponseError) as given:
        Submission.from_answer(Model.RMBG, ["not", "a", "dict"], 200)
    assert given.value.status_code == 200, "a code passed in is the one reported"


def test_a_polling_url_under_another_status_is_not_read_as_generation_2() -> None:
    """Catches: generation 2 recognised by a polling_url OR a QUEUED status rather than
    both, so a generation-1 answer that also carries a polling_url becomes a generation-2
    submission polled at the wrong place, and a non-QUEUED answer is accepted."""
    gen1 = {"request_id": "r1", "status": "IN_QUEUE", "response_url": RESULT, "polling_url": POLL}
    submission = Submission.from_answer(Model.RMBG, gen1)
    assert (submission.generation, submission.status_url) == (1, RESULT)
    assert submission.request_id == "r1" and submission.model is Model.RMBG
    for status in ("FAILED", "PROCESSING", None):
        body: dict[str, Any] = {"request_id": "r2", "status": status, "polling_url": POLL}
        with pytest.raises(UnexpectedResponseError) as caught:
            Submission.from_answer(Model.FIBO, body, 202)
        assert caught.value.status_code == 202 and caught.value.body == body


def test_queued_without_a_polling_url_is_an_unexpected_answer() -> None:
    """Catches: generation 2 recognised by a QUEUED status alone, so an answer with no
    polling_url (or a non-text one) fails with a bare KeyError or is accepted with it,
    instead of an UnexpectedResponseError carrying the body and status."""
    for body in (
        {"request_id": "r3", "status": "QUEUED"},
        {"request_id": "r3", "status": "QUEUED", "polling_url": 7},
    ):
        with pytest.raises(UnexpectedResponseError) as caught:
            Submission.from_answer(Model.RMBG, body, 202)
        assert caught.value.status_code == 202 and caught.value.body == body
    queued = {"request_id": "r4", "status": "QUEUED", "polling_url": POLL}
    submission = Submission.from_answer(Model.RMBG, queued)
    assert (submission.generation, submission.status_url) == (2, POLL)


# -- RetryPolicy.delay ------------------------------------------------------------------------


def test_a_retry_after_exactly_at_the_limit_is_waited_out() -> None:
    """Catches: the Retry-After limit made exclusive (`<=` turned into `<`), so a server
    asking for exactly `max_retry_after` seconds is given up on instead of waited for."""
    rng = FixedUniform(0.5)
    assert RetryPolicy().delay(1, 120, rng) == 120.0
    assert RetryPolicy().delay(1, 120.0001, rng) is None
    assert RetryPolicy(max_retry_after=5.0).delay(3, 5.0, rng) == 5.0
    assert RetryPolicy(max_retry_after=0.0).delay(1, 0, rng) == 0.0
    assert rng.calls == [], "a Retry-After is honoured exactly, with no jitter drawn"


def test_jitter_moves_the_backoff_the_way_the_random_draw_points() -> None:
    """Catches: the jitter's sign flipped (`1 + draw` turned into `1 - draw`), so a high
    draw shortens the backoff and a low one lengthens it, and a seeded run waits other
    times than the ones its random generator gives."""
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, jitter=0.25)
    high = FixedUniform(1.0)  # the draw is +0.25
    assert policy.delay(1, None, high) == pytest.approx(1.25)
    assert policy.delay(3, None, high) == pytest.approx(5.0)
    assert high.calls == [(-0.25, 0.25), (-0.25, 0.25)]
    low = FixedUniform(0.0)  # the draw is -0.25
    assert policy.delay(2, None, low) == pytest.approx(1.5)
    assert policy.delay(1, None, FixedUniform(0.75)) == pytest.approx(1.125)
    seeded = random.Random(7)
    expected = 4.0 * (1 + random.Random(7).uniform(-0.25, 0.25))
    assert policy.delay(3, None, seeded) == pytest.approx(expected)
