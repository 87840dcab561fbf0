"""The stores' tests share one redis-server of their own (tests/redis_server.py).

The Redis store's tests import mock_gateway.stores.redis when collected: imported first
deep inside a test's stack instead, pytest's assertion rewriting (the mock's package is a
pytest plugin) compiles it there, and CPython 3.11.7 may fail that compile with
"SystemError: AST constructor recursion depth mismatch" (fixed in later 3.11 releases).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.http.test_webhooks import ca, receiver  # noqa: F401  (fixtures: a CA, an HTTPS hook)
from tests.redis_server import RedisServer


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """Started at the first test that asks for it, stopped at the end of the run."""
    server = RedisServer().start()
    yield server
    server.close()
