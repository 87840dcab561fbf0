"""Edges of the client's policies and session: a PollPolicy's bounds and its exact refusal
messages, and the session's connect timeout taken from `connect_timeout`."""

from __future__ import annotations

import random

import aiohttp
import pytest

from pixazo_client import PollPolicy, RetryPolicy
from pixazo_client.transport import Transport

INTERVALS = "need 0 < min_interval <= interval <= max_interval"
GROWTH_JITTER = "growth must be >= 1 and jitter in [0, 1)"


def test_a_zero_min_interval_is_refused_with_the_exact_message() -> None:
    """Catches: `0 < min_interval` turned into `0 <=` in PollPolicy, so a zero minimum gap
    (polls back to back when the estimate is near) is accepted; or the message changed."""
    with pytest.raises(ValueError) as refused:
        PollPolicy(interval=1.0, max_interval=2.0, min_interval=0.0)
    assert str(refused.value) == INTERVALS
    assert PollPolicy(interval=1.0, max_interval=2.0, min_interval=0.001).min_interval == 0.001


def test_intervals_out_of_order_are_refused_with_the_exact_message() -> None:
    """Catches: the PollPolicy interval error's message changed (None, padded, upper-cased)."""
    with pytest.raises(ValueError) as refused:
        PollPolicy(interval=20.0)
    assert str(refused.value) == INTERVALS
    assert refused.value.args == (INTERVALS,)


@pytest.mark.parametrize("jitter", [1.0, 1.5])
def test_a_jitter_of_one_or_more_is_refused_with_the_exact_message(jitter: float) -> None:
    """Catches: `jitter < 1` turned into `<= 1` or `< 2` in PollPolicy, so a jitter that can
    spread a gap down to nothing is accepted; or the message changed."""
    with pytest.raises(ValueError) as refused:
        PollPolicy(jitter=jitter)
    assert str(refused.value) == GROWTH_JITTER
    assert refused.value.args == (GROWTH_JITTER,)
    assert PollPolicy(jitter=0.99).jitter == 0.99


def test_a_growth_below_one_is_refused_with_the_exact_message() -> None:
    """Catches: the PollPolicy growth/jitter error's message changed (None, padded,
    upper-cased)."""
    with pytest.raises(ValueError) as refused:
        PollPolicy(growth=0.5)
    assert str(refused.value) == GROWTH_JITTER


async def no_sleep(_seconds: float) -> None:
    """Never called: no request is made."""


async def test_the_session_connect_timeout_is_connect_timeout() -> None:
    """Catches: Transport._open building the session's ClientTimeout without
    `connect=self.connect_timeout`, so a gateway that never accepts holds a call for the
    whole total timeout instead of the connect timeout."""
    transport = Transport(
        timeout=30.0,
        connect_timeout=2.5,
        retry=RetryPolicy.none(),
        sleep=no_sleep,
        rng=random.Random(0),
    )
    try:
        session = transport._open()
        assert session.timeout == aiohttp.ClientTimeout(total=30.0, connect=2.5)
        assert (session.timeout.total, session.timeout.connect) == (30.0, 2.5)
        assert transport._open() is session
    finally:
        await transport.close()
