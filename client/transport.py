"""HTTP for the client: the one module that touches aiohttp.

Every aiohttp exception (and a timeout) becomes `TransportError` here, its `kind` saying
what the connection did (reset, closed, cut short, garbled, timed out, or never made); every
error status becomes the `GatewayError` subclass for it (`errors.error_for`). Reads are
retried by the `RetryPolicy`; a caller asks for that per request, so a submit is never
retried. aiohttp's own silent second try of an idempotent request is switched off: every
try is one the policy counted and spaced out.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp

from ._version import __version__
from .errors import (
    FailureKind,
    GatewayError,
    RateLimitError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    error_for,
    retry_after_seconds,
)
from .policy import RetryPolicy

__all__ = ["Answer", "Transport"]

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
USER_AGENT = f"pixazo-client/{__version__}"
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Answer:
    """A success answer: status, headers and the body, read in full."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            text = self.body[:200].decode("utf-8", "replace")
            raise UnexpectedResponseError(
                f"HTTP {self.status}: the answer is not JSON: {text!r}",
                status_code=self.status,
                body=text,
                headers=self.headers,
            ) from None


class Transport:
    """One aiohttp session (opened on first use, on the running loop) and the retry loop."""

    def __init__(
        self,
        *,
        timeout: float,
        connect_timeout: float,
        retry: RetryPolicy,
        sleep: Sleep,
        rng: random.Random,
    ) -> None:
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.retry = retry
        self._sleep = sleep
        self._rng = rng
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    async def close(self) -> None:
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _open(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("this client is closed")
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers={"User-Agent": USER_AGENT},
                timeout=aiohttp.ClientTimeout(total=self.timeout, connect=self.connect_timeout),
            )
            # aiohttp resends a GET once, at once, when its connection is reset or closed
            # (as its own TestClient, switch that off): retries are the policy's, counted
            # and backed off, and one GET is one request on the wire.
            self._session._retry_connection = False
        return self._session

    async def request(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        retry: bool,
    ) -> Answer:
        """One gateway call; error statuses raised, reads retried when `retry` is set.

        Redirects are not followed: the key header must never travel to another host.
        """

        async def once() -> Answer:
            async with (
                self._calling(method, url),
                self._open().request(
                    method, url, json=json_body, headers=headers, allow_redirects=False
                ) as response,
            ):
                body = await response.read()
                answer_headers = dict(response.headers)
                if response.status >= 300:
                    raise error_for(response.status, answer_headers, body, response.reason or "")
                return Answer(response.status, answer_headers, body)

        return await self._retrying(once, retry=retry)

    async def download(self, url: str, path: Path) -> int:
        """Stream `url` into `path` (whole or not at all); the byte count. Sends no key."""

        async def once() -> int:
            part = path.with_name(f".{path.name}.{os.getpid()}.part")
            size = 0
            async with self._calling("GET", url):
                timeout = aiohttp.ClientTimeout(
                    total=None, sock_connect=self.connect_timeout, sock_read=self.timeout
                )
                async with self._open().get(url, timeout=timeout) as response:
                    if response.status >= 300:
                        body = await response.read()
                        raise error_for(
                            response.status, dict(response.headers), body, response.reason or ""
                        )
                    try:
                        with part.open("wb") as out:
                            async for chunk in response.content.iter_chunked(_CHUNK):
                                out.write(chunk)
                                size += len(chunk)
                        part.replace(path)
                    finally:
                        with contextlib.suppress(FileNotFoundError):
                            part.unlink()
            return size

        return await self._retrying(once, retry=True)

    async def _retrying(self, call: Callable[[], Awaitable[T]], *, retry: bool) -> T:
        attempt = 1
        while True:
            try:
                return await call()
            except (TransportError, RateLimitError, ServerError) as e:
                if not retry or attempt >= self.retry.attempts:
                    if retry and isinstance(e, TransportError):
                        raise _counted(e, attempt) from e.__cause__
                    raise
                after = retry_after_seconds(e.headers) if isinstance(e, GatewayError) else None
                wait = self.retry.delay(attempt, after, self._rng)
                if wait is None:
                    raise
            await self._sleep(wait)
            attempt += 1

    @contextlib.asynccontextmanager
    async def _calling(self, method: str, url: str) -> AsyncIterator[None]:
        """Turn aiohttp's exceptions (and timeouts) into TransportError, naming the call and
        what the connection did."""
        try:
            yield
        except (aiohttp.ClientError, TimeoutError, ConnectionError) as e:
            kind, what = self._failure(e)
            raise TransportError(f"{method} {_shown(url)}: {what}", kind=kind) from e

    def _failure(self, e: BaseException) -> tuple[FailureKind, str]:
        """(kind, what happened, in a few words) for a failed call; see `FailureKind`."""
        if isinstance(e, aiohttp.ConnectionTimeoutError):
            return "connect", f"cannot connect within {self.connect_timeout:g} s"
        if isinstance(e, aiohttp.ClientConnectorError):
            return "connect", " ".join(str(e).split()) or "cannot connect"
        if isinstance(e, TimeoutError):  # aiohttp's read timeouts are TimeoutErrors too
            return "timeout", f"no answer within {self.timeout:g} s"
        if isinstance(e, aiohttp.ClientPayloadError):
            return "truncated", "the answer was cut short"
        if isinstance(e, aiohttp.ServerDisconnectedError):
            return "closed", "the connection closed with no answer"
        if isinstance(e, aiohttp.ClientResponseError) and not isinstance(
            e, aiohttp.TooManyRedirects
        ):
            return "garbage", "the answer is not HTTP"
        if isinstance(e, ConnectionError) or getattr(e, "errno", None) in _RESETS:
            return "reset", "the connection was reset"
        return "other", " ".join(str(e).split()) or type(e).__name__


_RESETS = (errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE)


def _counted(e: TransportError, attempts: int) -> TransportError:
    """A read's transport error given up on, saying how many tries it had."""
    tries = f"{attempts} attempts" if attempts > 1 else "1 attempt"
    return TransportError(f"{e.message} ({tries})", kind=e.kind, attempts=attempts)


def _shown(url: str) -> str:
    """A URL for a message: no query string (a signed CDN URL may carry a token there)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
