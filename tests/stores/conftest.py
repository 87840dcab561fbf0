"""The stores' tests share one redis-server of their own (tests/redis_server.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.redis_server import RedisServer


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """Started at the first test that asks for it, stopped at the end of the run."""
    server = RedisServer().start()
    yield server
    server.close()
