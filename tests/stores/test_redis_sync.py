"""The blocking client's failures: Redis gone under a blocking read or a blocking flush is
a 503 whose message says the shared store does not answer, and how. Each test's docstring
names the broken mock it catches."""

from __future__ import annotations

from typing import Any

import pytest
import redis.client
from redis.exceptions import ConnectionError as RedisConnectionError

from mock_gateway.core.errors import StoreUnavailable
from tests.stores.test_redis_details import Opener

GONE = {
    "error": "Service temporarily unavailable",
    "message": "the shared store does not answer (ConnectionError)",
}


def refused(*args: Any, **kwargs: Any) -> Any:
    raise RedisConnectionError("Connection refused")


async def test_a_blocking_read_redis_does_not_take_is_a_503_that_says_why(
    open_store: Opener,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Broken: a blocking call to a Redis that is gone is a 503 with no message, or one
    naming no error (`NoneType`)."""
    store = open_store()
    store.save_clock(5.0)
    assert store.clock_state() == 5.0
    monkeypatch.setattr(redis.client.Redis, "execute_command", refused)
    with pytest.raises(StoreUnavailable) as gone:
        store.clock_state()
    assert gone.value.body() == GONE


async def test_a_blocking_flush_redis_does_not_take_is_a_503_that_says_why_and_keeps_the_writes(
    open_store: Opener,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Broken: a blocking flush to a Redis that is gone is a 503 with no message, or one
    naming no error (`NoneType`)."""
    store = open_store()
    store.queue(lambda pipe: pipe.set(store.key("queued-write"), "landed"))
    with monkeypatch.context() as m:
        m.setattr(redis.client.Pipeline, "execute", refused)
        with pytest.raises(StoreUnavailable) as gone:
            store.flush_now()
    assert gone.value.body() == GONE
    store.flush_now()
    assert store.db.get(store.key("queued-write")) == b"landed"
