"""The target: the gateway the suite talks to, the mock (in-process) or a live one (HTTP only).

A `Target` knows its base URL, holds its key (never shown), its budget and clock, and makes
the calls every test makes, with the live-safety rules applied in one place: every submit is
budgeted and every image or webhook URL it carries is checked to point only at loopback or
at the target's own samples. `pause(seconds)` waits on the target's clock: the mock's manual
clock is advanced, a live gateway is slept on. Against the mock, `mock` adds the control
verbs (keys, scenarios, clock, the webhook sink).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pixazo_schemas as schemas

from .budget import Budget, limit_from_env
from .contract import SAMPLES_PATH, STATUS_PATH, SUBMIT_HEADERS, SUBMIT_PATHS
from .http import AUTH, Answer, Http, KeyChoice, RateLimitWaits, Secret
from .safety import check_outbound, is_loopback

if TYPE_CHECKING:
    from mock_gateway.running import RunningGateway
    from mock_gateway.sink import Received, WebhookSink

    from .serving import ServedApp

__all__ = [
    "DEFAULT_LIVE_URL",
    "Input",
    "MockControl",
    "RunConfig",
    "Target",
    "open_target",
    "outbound_reach",
]

DEFAULT_LIVE_URL: Final = "https://gateway.pixazo.ai"
SUITE_KEY: Final = "contract-suite"  # the mock target's own rich key, made with put_key
# An RMBG input for a target that serves no samples: on this machine, never reachable from a
# remote gateway, so a live job with it is expected to end FAILED (and costs one RMBG).
UNREACHABLE_INPUT: Final = "http://127.0.0.1:9/contract-tests/input.png"


@dataclass(frozen=True, slots=True)
class Input:
    """An RMBG input picture; `size` None when the target is not expected to fetch it."""

    url: str
    size: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class RunConfig:
    """How this run was asked to go (from the runner's options and the environment)."""

    live: bool
    base_url: str
    poll_interval: float
    job_timeout: float
    max_spend: Decimal

    @classmethod
    def from_env(cls, live: bool, base_url: str | None) -> RunConfig:
        poll = _seconds("CONTRACT_POLL_INTERVAL", 5.0 if live else 1.0)
        timeout = _seconds("CONTRACT_JOB_TIMEOUT", 300.0 if live else 120.0)
        url = (base_url or os.environ.get("PIXAZO_BASE_URL") or DEFAULT_LIVE_URL).rstrip("/")
        return cls(live, url if live else "", poll, timeout, limit_from_env())


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} is not a number of seconds: {raw[:40]!r}") from None
    if not 0 < value <= 3600:
        raise ValueError(f"{name} must be more than 0 and at most 3600 seconds, not {raw!r}")
    return value


class MockControl:
    """The mock's control verbs, reached through running() (the mock target only)."""

    def __init__(self, gateway: RunningGateway, sink: WebhookSink, sink_server: ServedApp) -> None:
        self.gateway = gateway
        self.sink = sink
        self.sink_server = sink_server

    def __repr__(self) -> str:
        return f"MockControl({self.gateway.url!r})"

    @property
    def sink_url(self) -> str:
        """Where the HTTPS webhook sink listens (its CA is trusted by the mock)."""
        return self.sink_server.url + "/webhook"

    def advance(self, seconds: float) -> None:
        self.gateway.advance(seconds)

    def put_key(self, key: str, **fields: Any) -> dict[str, Any]:
        return self.gateway.put_key(key, **fields)

    def scenario(self, **rule: Any) -> dict[str, Any]:
        return self.gateway.scenario(**rule)

    def webhooks(self, request_id: str) -> list[dict[str, Any]]:
        return [d for d in self.gateway.webhooks if d["request_id"] == request_id]

    def balance(self, key: str) -> Decimal:
        """The key's wallet, as the mock's control verbs report it."""
        return Decimal(str(self.gateway.key(key)["balance_usd"]))

    def callbacks(self, request_id: str, count: int, timeout: float = 10.0) -> list[Received]:
        """The callbacks the sink accepted for `request_id`, once there are `count` (or the
        timeout passed). The sink records an answer just after sending it: hence the wait."""
        deadline = time.monotonic() + timeout
        while True:
            found = [r for r in self.sink.accepted() if r.request_id == request_id]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.01)


class Target:
    """The gateway under test and the calls the suite makes to it."""

    def __init__(
        self,
        config: RunConfig,
        base_url: str,
        key: Secret,
        *,
        mock: MockControl | None = None,
    ) -> None:
        self.config = config
        self.base_url = base_url.rstrip("/")
        self.mock = mock
        self.waits = RateLimitWaits()
        self.http = Http(self.base_url, key, pause=self.pause, waits=self.waits)
        self.budget = Budget(config.max_spend, enforced=mock is None)
        self.inputs: list[Input] = []
        self._key = key

    def __repr__(self) -> str:
        return f"Target({self.label!r})"

    @property
    def is_mock(self) -> bool:
        return self.mock is not None

    @property
    def label(self) -> str:
        if self.mock is not None:
            return f"mock, in-process on a manual clock, at {self.base_url}"
        return f"live (black-box) at {self.base_url}"

    @property
    def key_text(self) -> str:
        """The key itself: only for scrubbing it out of reports."""
        return self._key.reveal()

    @property
    def poll_interval(self) -> float:
        return self.config.poll_interval

    @property
    def job_timeout(self) -> float:
        return self.config.job_timeout

    def pause(self, seconds: float) -> None:
        """Let `seconds` pass on the target's clock."""
        if self.mock is not None:
            self.mock.advance(seconds)
        else:
            time.sleep(seconds)

    # -- the calls -------------------------------------------------------------------------

    def submit(
        self,
        model: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        key: KeyChoice = AUTH,
    ) -> Answer:
        """POST a submit for `model`: budgeted when made with the target's key, its URLs
        checked first. `raw` sends bytes as they are (malformed JSON)."""
        sent = {**SUBMIT_HEADERS, **(headers or {})}
        allowed = {i.url for i in self.inputs}
        if isinstance(body, dict) and isinstance(body.get("image_url"), str):
            check_outbound(body["image_url"], allowed)
        if "X-Webhook-URL" in sent:
            check_outbound(sent["X-Webhook-URL"])
        if key is AUTH:
            self.budget.check(model)
        path = SUBMIT_PATHS[model]
        if raw is not None:
            answer = self.http.request("POST", path, raw=raw, headers=sent, key=key)
        else:
            answer = self.http.request("POST", path, json_body=body, headers=sent, key=key)
        accepted = answer.json if isinstance(answer.json, dict) else {}
        if answer.status in (200, 202) and isinstance(accepted.get("request_id"), str):
            self.budget.record(model, accepted["request_id"])  # whoever's key, it was charged
        return answer

    def status(self, request_id: str, *, key: KeyChoice = AUTH) -> Answer:
        return self.http.request("GET", STATUS_PATH + request_id, key=key)

    def get(self, url: str, *, key: KeyChoice = AUTH) -> Answer:
        """GET an absolute URL (a polling URL); the key goes only to the target's origin."""
        return self.http.request("GET", url, key=key)

    def download(self, url: str) -> Answer:
        """An output from the CDN: no key needed, none sent."""
        return self.http.request("GET", url, key=None)

    def discover_inputs(self) -> None:
        """RMBG inputs: the target's own samples if it serves them, else an unreachable one."""
        answer = self.http.request("GET", SAMPLES_PATH, key=None)
        found: list[Input] = []
        if answer.status == 200 and schemas.validator("control/samples").is_valid(answer.json):
            for sample in answer.json["samples"]:
                url: str = sample["url"]
                if url.startswith(self.base_url + "/") or _on_loopback(url):
                    found.append(Input(url, (sample["width"], sample["height"])))
        self.inputs = found or [Input(UNREACHABLE_INPUT, None)]


def _on_loopback(url: str) -> bool:
    try:
        check_outbound(url)
    except RuntimeError:
        return False
    return True


def outbound_reach(gateway: RunningGateway) -> list[str]:
    """The mock's settings that would let it connect beyond loopback (none, normally)."""
    s = gateway.settings
    found = [name for name in ("allow_remote_fetch", "allow_remote_webhooks") if getattr(s, name)]
    found += [name for name in ("fetch_allowlist", "webhook_allowlist") if getattr(s, name)]
    return found + ([f"host {s.host}"] if not is_loopback(s.host) else [])


@contextlib.contextmanager
def open_target(config: RunConfig, key: str | None = None) -> Iterator[Target]:
    """The target for this run: a live gateway, or a mock started here and stopped after."""
    if config.live:
        if not key:
            raise ValueError("PIXAZO_API_KEY is not set")
        target = Target(config, config.base_url, Secret(key))
        target.discover_inputs()
        yield target
        return
    with _mock_target(config) as target:
        yield target


@contextlib.contextmanager
def _mock_target(config: RunConfig) -> Iterator[Target]:
    # Imported here: the live path is black-box and needs nothing of the mock.
    from mock_gateway.running import running
    from mock_gateway.sink import WebhookSink, local_tls

    from .serving import ServedApp

    with tempfile.TemporaryDirectory(prefix="contract-ca-") as tmp:
        tls, ca_file = local_tls(Path(tmp))
        sink = WebhookSink()
        with (
            ServedApp(sink.app, tls) as sink_server,
            running(manual_clock=True, webhook_ca=str(ca_file), access_log=False) as gateway,
        ):
            # Live safety holds against the mock too: nothing it does reaches past this machine.
            reaching = outbound_reach(gateway)
            if reaching:
                raise RuntimeError(f"the mock would reach past this machine: {reaching}")
            gateway.put_key(SUITE_KEY, balance_usd=1_000_000, rate_limit=None)
            control = MockControl(gateway, sink, sink_server)
            target = Target(config, gateway.url, Secret(SUITE_KEY), mock=control)
            target.discover_inputs()
            yield target
