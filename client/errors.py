"""Everything the client raises on purpose, under one base:

    PixazoError
    ├── ConfigurationError          no API key, a base URL that is not http(s) (also ValueError)
    ├── ValidationError             parameters refused before sending; .field (also ValueError)
    ├── TransportError              no usable HTTP answer; .kind (FailureKind), .attempts, .sent
    │   └── SubmitOutcomeUnknownError  a submit's answer was lost after it was sent: the job
    │                                  may exist and be charged (never resubmitted)
    ├── GatewayError                the gateway answered an error; .status_code, .body, .message
    │   ├── BadRequestError         400; .field when the gateway names one
    │   │   └── ModelNotFoundError  400 "Model not found" (unknown or disabled model)
    │   ├── AuthenticationError     401
    │   ├── InsufficientBalanceError 402
    │   ├── PermissionDeniedError   403
    │   ├── NotFoundError           404 (unknown path, or a request id this key does not own)
    │   ├── RateLimitError          429; .retry_after in seconds (None when not sent)
    │   ├── ServerError             5xx, including a proxy's HTML error page
    │   └── UnexpectedResponseError a success status whose body cannot be read
    ├── JobFailedError              wait() ended in FAILED or ERROR; .status is the final JobStatus
    └── WaitTimeoutError            wait() ran out of time; .last_status (also TimeoutError)

A status the pages do not document (e.g. 413) is a plain `GatewayError`. `error_for()` is
the one place an HTTP answer becomes an exception; the transport is the one place aiohttp's
own exceptions become `TransportError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .models import JobStatus

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "FailureKind",
    "GatewayError",
    "InsufficientBalanceError",
    "JobFailedError",
    "ModelNotFoundError",
    "NotFoundError",
    "PermissionDeniedError",
    "PixazoError",
    "RateLimitError",
    "ServerError",
    "SubmitOutcomeUnknownError",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
    "WaitTimeoutError",
    "error_for",
]


class PixazoError(Exception):
    """Base of every error this client raises on purpose."""


class ConfigurationError(PixazoError, ValueError):
    """The client cannot be built as asked (no API key, an unusable base URL)."""


class ValidationError(PixazoError, ValueError):
    """Parameters refused client-side, before any request (and any money) is spent."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


FailureKind = Literal["connect", "reset", "closed", "truncated", "garbage", "timeout", "other"]
"""What became of a call that got no usable HTTP answer:

- `connect`    no connection (refused, unknown host, TLS refused, connect timeout): nothing sent;
- `reset`      the connection was reset;
- `closed`     the connection closed with no answer;
- `truncated`  the answer was cut short (fewer bytes than its Content-Length or chunks said);
- `garbage`    what came back is not HTTP;
- `timeout`    no complete answer within the client's `timeout`;
- `other`      any other network failure.
"""


class TransportError(PixazoError):
    """No usable HTTP answer: the connection failed, was reset, closed, cut short, garbled or
    timed out. `.kind` says which (`FailureKind`), `.attempts` how many tries were made (reads
    are retried; a submit never is), `.sent` whether the request may have reached the gateway
    (False only when no connection was made)."""

    def __init__(self, message: str, *, kind: FailureKind = "other", attempts: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.kind: FailureKind = kind
        self.attempts = attempts

    @property
    def sent(self) -> bool:
        return self.kind != "connect"


class SubmitOutcomeUnknownError(TransportError):
    """A submit's connection failed after the request was sent: the gateway may have accepted
    (and charged) the job, and the client cannot know. It is never submitted again; the
    message says how to look for the job before submitting again. `.model_id` is the model
    submitted to."""

    def __init__(
        self, message: str, *, kind: FailureKind = "other", attempts: int = 1, model_id: str = ""
    ) -> None:
        super().__init__(message, kind=kind, attempts=attempts)
        self.model_id = model_id


class GatewayError(PixazoError):
    """The gateway answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.body = body  # the parsed JSON body, or the text when it was not JSON
        self.headers = dict(headers or {})


class BadRequestError(GatewayError):
    """400: the gateway refused the parameters (`.field` names the one it blames)."""

    @property
    def field(self) -> str | None:
        field = self.body.get("field") if isinstance(self.body, dict) else None
        return field if isinstance(field, str) else None


class ModelNotFoundError(BadRequestError):
    """400 "Model not found": the model id is unknown or disabled."""


class AuthenticationError(GatewayError):
    """401: the API key is missing or unknown."""


class InsufficientBalanceError(GatewayError):
    """402: the wallet cannot pay for this job."""


class PermissionDeniedError(GatewayError):
    """403: the key may not use this model or operation."""


class NotFoundError(GatewayError):
    """404: unknown endpoint, or a request id this key does not own."""


class RateLimitError(GatewayError):
    """429: too many requests; `.retry_after` says how many seconds to wait (if sent)."""

    @property
    def retry_after(self) -> float | None:
        return retry_after_seconds(self.headers)


class ServerError(GatewayError):
    """5xx: the gateway (or a proxy in front of it) failed."""


class UnexpectedResponseError(GatewayError):
    """A success status whose body is not what the gateway documents."""


class JobFailedError(PixazoError):
    """The job ended FAILED (input or model refused it; charged) or ERROR (platform fault;
    not charged, may be resubmitted). `.status` is the final JobStatus."""

    def __init__(self, status: JobStatus) -> None:
        error = status.error or "no error message"
        super().__init__(f"request {status.request_id} ended {status.status}: {error}")
        self.status = status


class WaitTimeoutError(PixazoError, TimeoutError):
    """wait() gave up before the job ended; `.last_status` is the last status seen."""

    def __init__(self, request_id: str, timeout: float, last_status: JobStatus | None) -> None:
        state = last_status.status if last_status else "unknown"
        super().__init__(f"request {request_id} still {state} after {timeout:g} s")
        self.request_id = request_id
        self.timeout = timeout
        self.last_status = last_status


_BY_STATUS: dict[int, type[GatewayError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientBalanceError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}
_TAGS = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def error_for(
    status: int, headers: Mapping[str, str], raw: bytes, reason: str = ""
) -> GatewayError:
    """The exception for an error answer: its class from the status (and, for 400, the
    body), its message from whichever body shape came back (page, front door, fal, HTML)."""
    body: Any
    try:
        body = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        body = raw.decode("utf-8", "replace")
    if status >= 500:
        cls: type[GatewayError] = ServerError
    elif status == 400 and isinstance(body, dict) and body.get("error") == "Model not found":
        cls = ModelNotFoundError
    else:
        cls = _BY_STATUS.get(status, GatewayError)
    return cls(
        f"HTTP {status}: {_describe(body, reason)}", status_code=status, body=body, headers=headers
    )


def _describe(body: Any, reason: str) -> str:
    """One line saying what went wrong, from any body shape the gateway or a proxy sends."""
    if isinstance(body, dict):
        error, message = body.get("error"), body.get("message")
        parts = [str(p) for p in (error, message) if isinstance(p, str) and p]
        if not parts and isinstance(body.get("detail"), str):  # fal's shape
            parts = [body["detail"]]
        if parts:
            # Generation 2's 400 repeats the field in the message; say each thing once.
            return ": ".join(dict.fromkeys(parts))
    text = body if isinstance(body, str) else ""
    text = _SPACE.sub(" ", _TAGS.sub(" ", text)).strip()
    if text:
        return text[:200] + ("…" if len(text) > 200 else "")
    return reason or "no details in the answer"


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` in seconds: whole seconds (the gateway) or an HTTP date (some proxies)."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
