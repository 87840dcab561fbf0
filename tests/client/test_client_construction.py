"""What the two clients' constructors keep and refuse: the default timeouts (30 s per call,
10 s per connection), the bounds on `timeout` and `connect_timeout` (each refused, to the
exact message, unless a finite positive number of seconds), and what the blocking client
hands on to its async client (`connect_timeout`, `rng`)."""

from __future__ import annotations

import asyncio
import math
import random

import pytest

from pixazo_client import AsyncPixazoClient, ConfigurationError, PixazoClient

from .conftest import KEY

NOWHERE = "http://127.0.0.1:9"  # nothing listens: no test here may reach a gateway
BOUNDS = "timeout and connect_timeout must be positive seconds"
BAD_SECONDS = [0, 0.0, -1.0, -math.inf, math.inf, math.nan]
GOOD = 5.0


def closed(client: AsyncPixazoClient) -> AsyncPixazoClient:
    asyncio.run(client.close())
    return client


# -- AsyncPixazoClient defaults --------------------------------------------------------------


def test_the_async_clients_default_timeouts_are_30_and_10_seconds() -> None:
    """Catches: AsyncPixazoClient's default timeout changed from 30 s or its default
    connect_timeout from 10 s (the documented ones), so each call or connection of a client
    made without them is bounded differently."""
    pixazo = closed(AsyncPixazoClient(KEY, NOWHERE))
    assert pixazo._transport.timeout == 30.0
    assert pixazo._transport.connect_timeout == 10.0


def test_the_async_client_keeps_the_timeouts_it_is_given() -> None:
    """Catches: a given timeout or connect_timeout not reaching the transport."""
    pixazo = closed(AsyncPixazoClient(KEY, NOWHERE, timeout=7.5, connect_timeout=2.5))
    assert pixazo._transport.timeout == 7.5
    assert pixazo._transport.connect_timeout == 2.5


# -- AsyncPixazoClient bounds ----------------------------------------------------------------


@pytest.mark.parametrize("seconds", BAD_SECONDS, ids=repr)
def test_a_timeout_not_finite_and_positive_is_refused_with_the_exact_message(
    seconds: float,
) -> None:
    """Catches: the timeout bound loosened (0 or inf let through by `<=`, or the two bounds
    joined by `or` so a good connect_timeout excuses a bad timeout), or the refusal's message
    lost or changed, so a caller is not told which arguments are wrong."""
    with pytest.raises(ConfigurationError) as caught:
        AsyncPixazoClient(KEY, NOWHERE, timeout=seconds, connect_timeout=GOOD)
    assert str(caught.value) == BOUNDS
    assert caught.value.args == (BOUNDS,)


@pytest.mark.parametrize("seconds", BAD_SECONDS, ids=repr)
def test_a_connect_timeout_not_finite_and_positive_is_refused_with_the_exact_message(
    seconds: float,
) -> None:
    """Catches: the connect_timeout bound loosened (0 or inf let through by `<=`, or the two
    bounds joined by `or` so a good timeout excuses a bad connect_timeout), or the refusal's
    message lost or changed."""
    with pytest.raises(ConfigurationError) as caught:
        AsyncPixazoClient(KEY, NOWHERE, timeout=GOOD, connect_timeout=seconds)
    assert str(caught.value) == BOUNDS
    assert caught.value.args == (BOUNDS,)


def test_the_blocking_client_refuses_a_bad_timeout_with_the_same_message() -> None:
    """Catches: PixazoClient letting a zero timeout or an infinite connect_timeout through
    (the bound it relies on, the async client's, loosened), or the message changed."""
    with pytest.raises(ConfigurationError) as caught:
        PixazoClient(KEY, NOWHERE, timeout=0)
    assert str(caught.value) == BOUNDS
    with pytest.raises(ConfigurationError) as caught:
        PixazoClient(KEY, NOWHERE, connect_timeout=math.inf)
    assert str(caught.value) == BOUNDS


def test_the_smallest_and_largest_finite_timeouts_are_accepted() -> None:
    """Catches: the bounds tightened, so a tiny or a huge but finite number of seconds is
    refused."""
    tiny, huge = math.ulp(0.0), 1e300
    pixazo = closed(AsyncPixazoClient(KEY, NOWHERE, timeout=tiny, connect_timeout=huge))
    assert (pixazo._transport.timeout, pixazo._transport.connect_timeout) == (tiny, huge)
    pixazo = closed(AsyncPixazoClient(KEY, NOWHERE, timeout=huge, connect_timeout=tiny))
    assert (pixazo._transport.timeout, pixazo._transport.connect_timeout) == (huge, tiny)


# -- PixazoClient hands its arguments on ------------------------------------------------------


def test_the_blocking_clients_default_connect_timeout_is_10_seconds() -> None:
    """Catches: PixazoClient's default connect_timeout changed from 10 s (the async client's,
    and the documented one), so each connection of the blocking client is bounded
    differently."""
    with PixazoClient(KEY, NOWHERE) as pixazo:
        assert pixazo._async._transport.connect_timeout == 10.0
        assert pixazo._async._transport.timeout == 30.0


def test_the_blocking_client_hands_its_connect_timeout_to_the_transport() -> None:
    """Catches: PixazoClient not passing connect_timeout on to its async client, so a given
    connect_timeout is ignored and every connection waits the default 10 s."""
    with PixazoClient(KEY, NOWHERE, connect_timeout=2.5) as pixazo:
        assert pixazo._async._transport.connect_timeout == 2.5
        assert pixazo._async._transport.timeout == 30.0


def test_the_blocking_client_uses_the_rng_it_is_given_for_jitter() -> None:
    """Catches: PixazoClient not passing rng on to its async client (None, or the argument
    dropped), so a fresh random.Random jitters the poll and retry waits and a test's seeded
    rng has no effect."""
    rng = random.Random(7)
    with PixazoClient(KEY, NOWHERE, rng=rng) as pixazo:
        assert pixazo._async._rng is rng
        assert pixazo._async._transport._rng is rng
        expected = pixazo._async.poll.delay(1, None, random.Random(7))
        assert pixazo._async.poll.delay(1, None, pixazo._async._rng) == expected
