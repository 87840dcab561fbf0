"""A tiny synchronous HTTP client on the standard library, for a black-box suite.

One method, `Http.request`, sends one call and returns an `Answer` (status, headers, raw body,
JSON or None). A 429 is waited out using its `Retry-After` (on the target's own clock: the
mock's manual clock is advanced, a live gateway is slept on) and counted in `RateLimitWaits`,
never reported as a failure; whether it carried `Retry-After` in whole seconds is told to the
run's ledger (an assumed check). The key is held in a `Secret`, sent only to the target's own
origin, and never part of a repr, so it cannot reach a traceback or the report.
"""

from __future__ import annotations

import http.client
import json
import re
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from .contract import KEY_HEADER
from .ledger import current

__all__ = [
    "AUTH",
    "Answer",
    "GatewayUnreachable",
    "Http",
    "KeyChoice",
    "RateLimitWaits",
    "Secret",
    "StillRateLimited",
    "UseTargetKey",
]

MAX_RATE_LIMIT_RETRIES: Final = 5


class Secret:
    """A string that does not show itself: repr and str are redacted."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


class UseTargetKey:
    """The target's own key (the default of `Http.request(key=...)`)."""

    def __repr__(self) -> str:
        return "AUTH"


AUTH: Final = UseTargetKey()
KeyChoice = UseTargetKey | str | None  # AUTH, another key to send, or None for no key
_NO_BODY: Final = object()


class GatewayUnreachable(ConnectionError):
    """The target did not answer at all (refused, reset, timed out, TLS failure)."""


class StillRateLimited(RuntimeError):
    """The target kept answering 429 after every wait: the check could not run (an error in
    the report, never a contract finding)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP answer; `json` is the parsed body, or None when the body is not JSON."""

    method: str
    url: str
    status: int
    headers: Mapping[str, str]  # names lower-cased
    body: bytes = field(repr=False)
    json: Any = None
    sent: bytes = field(default=b"", repr=False)  # the request body, for the report's evidence
    # The body with the key (if the target echoed it) replaced by ***: what messages, the
    # parsed `json` and the report are made from, so no cut can leave part of a key behind.
    shown: bytes = field(default=b"", repr=False)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def snippet(self, limit: int = 160) -> str:
        """The body (key scrubbed) as one short line, for messages."""
        text = self.shown.decode("utf-8", "replace")
        text = " ".join(text.split())
        return text if len(text) <= limit else text[:limit] + "…"


@dataclass(slots=True)
class RateLimitWaits:
    """429 answers that were waited out: how many, how long, and which lacked Retry-After."""

    count: int = 0
    seconds: float = 0.0
    without_retry_after: int = 0

    def record(self, seconds: float, *, had_header: bool) -> None:
        self.count += 1
        self.seconds += seconds
        if not had_header:
            self.without_retry_after += 1


class Http:
    """Calls to one target; `pause(seconds)` is how a 429 is waited out on that target."""

    def __init__(
        self,
        base_url: str,
        key: Secret,
        *,
        pause: Callable[[float], None],
        waits: RateLimitWaits | None = None,
        max_retry_after: float = 60.0,
        timeout: float = 60.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._key = key
        self._origin = _origin(self.base_url)
        self.pause = pause
        self.waits = waits or RateLimitWaits()
        self.max_retry_after = max_retry_after
        self.timeout = timeout
        self._tls = ssl.create_default_context()

    def __repr__(self) -> str:
        return f"Http({self.base_url!r})"

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        json_body: Any = _NO_BODY,
        raw: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        key: KeyChoice = AUTH,
        wait_rate_limit: bool = True,
    ) -> Answer:
        """Send one call (a path is taken on the target); a 429 is retried after Retry-After.

        `key`: AUTH for the target's key, None for no key header, or another key to send.
        """
        url = path_or_url if "://" in path_or_url else self.base_url + path_or_url
        sent = dict(headers or {})
        if key is not None and _origin(url) == self._origin:  # never hand the key elsewhere
            sent[KEY_HEADER] = self._key.reveal() if isinstance(key, UseTargetKey) else key
        data = raw
        if json_body is not _NO_BODY:
            data = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        for _ in range(MAX_RATE_LIMIT_RETRIES):
            answer = self._send(method, url, data, sent)
            if answer.status != 429 or not wait_rate_limit:
                return answer
            delay, had_header = _retry_after(answer)
            _observe_retry_after(answer)
            delay = min(delay, self.max_retry_after)
            self.waits.record(delay, had_header=had_header)
            self.pause(delay)
        answer = self._send(method, url, data, sent)
        if answer.status == 429:
            raise StillRateLimited(
                f"{method} {url[:120]} still answered 429 after {MAX_RATE_LIMIT_RETRIES} waits"
            )
        return answer

    def _send(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> Answer:
        parts = urlsplit(url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                parts.netloc, timeout=self.timeout, context=self._tls
            )
        elif parts.scheme == "http":
            connection = http.client.HTTPConnection(parts.netloc, timeout=self.timeout)
        else:
            raise ValueError(f"not an http(s) URL: {url[:120]!r}")
        try:
            connection.request(method, target, body=data, headers=headers)
            response = connection.getresponse()
            body = response.read()
            found = {name.lower(): value for name, value in response.getheaders()}
            status = response.status
        except (OSError, http.client.HTTPException) as e:
            # One place turns transport errors into ours, with the URL but never the headers.
            raise GatewayUnreachable(f"{method} {url[:200]}: {type(e).__name__}: {e}") from None
        finally:
            connection.close()
        key = self._key.reveal().encode()
        shown = body.replace(key, b"***") if len(key) >= 4 else body
        sent = (data or b"").replace(key, b"***") if len(key) >= 4 else data or b""
        return Answer(method, url, status, found, body, _parse(shown), sent, shown)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:  # not UTF-8, or not JSON
        return None


def _observe_retry_after(answer: Answer) -> None:
    """A 429 waited out: did it say when to come back, in whole seconds (an assumption)?"""
    raw = answer.headers.get("retry-after")
    seen = raw.strip() if raw is not None else None
    current().assumption(
        "assumed.rate-limit.retry-after",
        holds=whole_seconds(seen) is not None,
        observed="no Retry-After" if seen is None else f"Retry-After {seen[:40]!r}",
        answer=answer,
        message=f"a 429 to {answer.method} {answer.url[:120]} came with "
        f"{'no Retry-After' if seen is None else f'Retry-After {seen[:40]!r}'}, "
        "expected whole seconds",
    )


def _retry_after(answer: Answer) -> tuple[float, bool]:
    """Seconds to wait (whole seconds per the contract), and whether the header was there."""
    seconds = whole_seconds(answer.headers.get("retry-after", "").strip())
    if seconds is not None:
        return float(seconds), True
    return 1.0, False


def whole_seconds(text: str | None) -> int | None:
    """A Retry-After in whole seconds (ASCII digits, at least 1), else None."""
    if text is None or not re.fullmatch(r"[0-9]{1,9}", text) or int(text) < 1:
        return None
    return int(text)
