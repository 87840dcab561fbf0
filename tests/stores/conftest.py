"""The stores' tests share one redis-server of their own (tests/redis_server.py).

The Redis store's tests import mock_gateway.stores.redis when collected: imported first
deep inside a test's stack instead, pytest's assertion rewriting (the mock's package is a
pytest plugin) compiles it there, and CPython 3.11.7 may fail that compile with
"SystemError: AST constructor recursion depth mismatch" (fixed in later 3.11 releases).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.conftest import Gw
from tests.http import test_webhooks
from tests.redis_server import RedisServer
from tests.stores import test_redis_details


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """Started at the first test that asks for it, stopped at the end of the run."""
    server = RedisServer().start()
    yield server
    server.close()


@pytest.fixture
def namespace() -> str:
    """A namespace of the test's own on the session's Redis."""
    return f"t-{uuid.uuid4().hex[:12]}"


# The Redis store's tests open stores on a namespace of the test's own (test_redis_details).
open_store = test_redis_details.open_store

# The webhook tests' fixtures, for these tests too: a CA of their own, an HTTPS receiver.
ca = test_webhooks.ca
receiver = test_webhooks.receiver

MakePair = Callable[..., Awaitable[tuple[Gw, Gw]]]


@pytest.fixture
def make_pair(
    make_client: Any, redis_server: RedisServer, namespace: str, tmp_path: Path, ca: trustme.CA
) -> MakePair:
    """A and B: two gateways on one Redis namespace (B joins after A set it up), trusting
    the `receiver` fixture's CA; settings overridable."""
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    async def make(**overrides: Any) -> tuple[Gw, Gw]:
        shared = {
            "store": redis_server.url,
            "namespace": namespace,
            "webhook_ca": str(ca_file),
            "webhook_timeout_seconds": 5.0,
            **overrides,
        }
        return Gw(await make_client(**shared)), Gw(await make_client(**shared))

    return make


@pytest.fixture
async def pair(make_pair: MakePair) -> tuple[Gw, Gw]:
    return await make_pair()
