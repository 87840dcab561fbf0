"""pytest plugin: the mock gateway and a webhook sink as fixtures (entry point `mock_gateway`).

    def test_my_integration(mock_gateway, webhook_sink):
        ...  # your code against mock_gateway.url with mock_gateway.api_key
        mock_gateway.advance(30)

One server per session (so per xdist worker: each is its own process, on its own free
port), reset before every test, on a manual clock unless a test asks otherwise with
`@pytest.mark.mock_gateway(time_scale=0.01, manual_clock=False, api_generation=1, seed=3)`.
A test whose marker asks for other settings gets a server of its own for those settings,
kept for the rest of the session. The real logic lives in `mock_gateway.running` and
`mock_gateway.sink`; this module only wires fixtures. Disable it with `-p no:mock_gateway`.
"""

from __future__ import annotations

import dataclasses
import logging
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .running import RunningGateway
from .settings import Settings
from .sink import Received, WebhookSink, local_tls

__all__ = ["GatewayFixture", "SinkFixture"]

_SETTING_NAMES = {f.name for f in dataclasses.fields(Settings)}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mock_gateway(**settings): settings of the mock_gateway fixture for this test "
        "(any Settings field, e.g. time_scale=0.01, manual_clock=False, api_generation=1, seed=3)",
    )


class _ErrorCatcher(logging.Handler):
    """Errors the mock logs (a bug answered as a 500) fail the test that caused them."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class GatewayFixture:
    """What a test gets from `mock_gateway`: the URL, a working key, and the control verbs."""

    def __init__(self, server: RunningGateway) -> None:
        self._server = server
        self.url = server.url
        self.api_key = server.api_key

    def advance(self, seconds: float) -> float:
        """Move simulated time; returns once everything due by then has happened."""
        return self._server.advance(seconds)

    def put_key(self, key: str, **fields: Any) -> dict[str, Any]:
        """Create or update a key: balance_usd, models, rate_limit, api_generation."""
        return self._server.put_key(key, **fields)

    def scenario(self, **rule: Any) -> dict[str, Any]:
        """Add a scenario rule (match, outcome, error, http, latency_ms, flags, times)."""
        return self._server.scenario(**rule)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """This test's gateway requests (the journal is reset before each test)."""
        return self._server.requests

    @property
    def webhooks(self) -> list[dict[str, Any]]:
        """This test's webhook delivery attempts."""
        return self._server.webhooks

    @property
    def jobs(self) -> list[dict[str, Any]]:
        """This test's jobs with their planned timelines."""
        return self._server.jobs

    def __repr__(self) -> str:
        return f"<mock_gateway {self.url}>"


class SinkFixture:
    """What a test gets from `webhook_sink`: an HTTPS receiver the mock trusts."""

    def __init__(self, server: RunningGateway, sink: WebhookSink, url: str) -> None:
        self._server = server
        self._sink = sink
        self.url = url

    @property
    def received(self) -> list[dict[str, Any]]:
        """Parsed bodies of the callbacks accepted (answered 2xx) so far, in arrival order."""
        return [r.body for r in self._sink.accepted()]

    @property
    def attempts(self) -> list[Received]:
        """Every callback that arrived, refused ones included, with headers' details."""
        return list(self._sink.received)

    def wait_for(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The first `n` accepted callbacks' bodies, waiting up to `timeout` seconds."""
        found = self._server.call(self._sink.wait_for(n, timeout), timeout=timeout + 5)
        return [r.body for r in found]

    @property
    def fail_first(self) -> int:
        return self._sink.fail_first

    @fail_first.setter
    def fail_first(self, n: int) -> None:
        """Answer the next `n` callbacks 500 (counted from the start of the test)."""
        self._sink.fail_first = n

    @property
    def delay(self) -> float:
        return self._sink.delay

    @delay.setter
    def delay(self, seconds: float) -> None:
        """Answer each callback only after `seconds` (past the mock's timeout: a failure)."""
        self._sink.delay = seconds

    def __repr__(self) -> str:
        return f"<webhook_sink {self.url}>"


class _Servers:
    """The session's servers, one per distinct settings, all trusting the sink's CA."""

    def __init__(self, ca_file: Path, tls: ssl.SSLContext) -> None:
        self.ca_file = ca_file
        self.tls = tls
        self._by_settings: dict[str, RunningGateway] = {}
        self._sinks: dict[RunningGateway, tuple[WebhookSink, str]] = {}

    def server(self, overrides: dict[str, Any]) -> RunningGateway:
        settings = Settings(manual_clock=True, access_log=False, webhook_ca=str(self.ca_file))
        key = repr(sorted(overrides.items()))
        found = self._by_settings.get(key)
        if found is None:
            settings = settings.with_overrides(**overrides)
            found = self._by_settings[key] = RunningGateway(settings).start()
        return found

    def sink(self, server: RunningGateway) -> tuple[WebhookSink, str]:
        if server not in self._sinks:
            sink = WebhookSink()
            url = server.host(sink.app, self.tls)
            self._sinks[server] = (sink, f"{url}/webhook")
        return self._sinks[server]

    def stop(self) -> None:
        for server in self._by_settings.values():
            server.stop()


@pytest.fixture(scope="session")
def _mock_gateway_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Servers]:
    folder = tmp_path_factory.mktemp("mock-gateway-ca")
    tls, ca_file = local_tls(folder)
    servers = _Servers(ca_file, tls)
    try:
        yield servers
    finally:
        servers.stop()


def _overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("mock_gateway")
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError("@pytest.mark.mock_gateway takes keyword arguments only")
    unknown = set(marker.kwargs) - _SETTING_NAMES
    if unknown:
        raise pytest.UsageError(
            f"@pytest.mark.mock_gateway: unknown setting(s) {sorted(unknown)}; "
            "any field of mock_gateway.settings.Settings is allowed"
        )
    return dict(marker.kwargs)


@pytest.fixture
def mock_gateway(
    request: pytest.FixtureRequest, _mock_gateway_servers: _Servers
) -> Iterator[GatewayFixture]:
    """A clean mock gateway for this test (reset before it), on a manual clock by default."""
    server = _mock_gateway_servers.server(_overrides(request))
    server.reset()
    catcher = _ErrorCatcher()
    logger = logging.getLogger("mock_gateway")
    logger.addHandler(catcher)
    try:
        yield GatewayFixture(server)
    finally:
        logger.removeHandler(catcher)
    if catcher.records:
        first = catcher.records[0]
        trace = logging.Formatter().formatException(first.exc_info) if first.exc_info else ""
        pytest.fail(
            f"the mock gateway logged an error during this test: {first.getMessage()}\n{trace}",
            pytrace=False,
        )


@pytest.fixture
def webhook_sink(mock_gateway: GatewayFixture, _mock_gateway_servers: _Servers) -> SinkFixture:
    """An HTTPS webhook receiver (trustme CA) that this test's mock_gateway trusts."""
    server = mock_gateway._server
    sink, url = _mock_gateway_servers.sink(server)

    async def clear() -> None:
        sink.clear()
        sink.fail_first, sink.delay, sink.status = 0, 0.0, 200

    server.call(clear())
    return SinkFixture(server, sink, url)
