"""RMBG inputs: where an `image_url` is read from, under the outbound policy.

By default the mock opens no connection beyond loopback. A URL on any other host gets a
deterministic synthetic stand-in picture (same URL, same picture), so the pages' own
examples complete offline; `allow_remote_fetch` or the allowlist lift that. `data:` URLs
are decoded in place; loopback URLs are fetched for real (redirects are followed by hand,
each hop checked against the same policy). Bytes are kept once per content.

The policy decides on spelling only: an address literal, or the name `localhost`. The
sessions resolve names with `resolver.PolicyResolver`, so an allowed name is never handed to
DNS. A fetch reads the whole body, up to `max_input_bytes`, within `fetch_timeout_seconds`
for all of it (redirects included), after connecting within `fetch_connect_timeout_seconds`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import hashlib
import ipaddress
import re
import sys
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import aiohttp

from ..core.errors import InputRejected
from ..core.jobs import InputImage
from ..core.store import BlobStore
from ..core.urls import url_parts
from ..settings import Settings
from ..stores.memory import MemoryBlobs
from . import samples
from .memory import give_back
from .resolver import is_localhost_name

_SAMPLE_PATH = re.compile(r"^/_mock/samples/([a-z0-9-]+)\.png$")
_MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
GIVE_BACK_AFTER_JOBS = 1000  # a reset after fewer leaves little to give back


@functools.lru_cache(maxsize=1024)  # asked on every RMBG submit; a name costs a ValueError
def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip("[]")
    if is_localhost_name(host):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost: never resolved, so never reached by accident


# A client's RMBG submits name a few URLs, again and again: what `resolve_now` makes of each
# (immutable) is kept, for the short ones (a few hundred KB at most), until a reset (`forget`).
_KEPT_URL = 512
_KEPT = 256


class Inputs:
    """The mock's InputResolver: policy, fetching, decoding, and the content store."""

    def __init__(
        self,
        settings: Settings,
        session: Callable[[], aiohttp.ClientSession],
        blobs: BlobStore | None = None,
    ) -> None:
        self.settings = settings
        self._allowed = frozenset(h.lower() for h in settings.fetch_allowlist)
        self._session = session
        self._store: BlobStore = (
            blobs if blobs is not None else MemoryBlobs()
        )  # sha256 hex -> image
        self._on_forget: list[Callable[[], bool]] = []  # each: whether it held anything
        # A function of the URL, the base URL and this resolver's settings alone.
        self._kept = functools.lru_cache(maxsize=_KEPT)(self._resolve_now)

    def may_reach(self, host: str | None) -> bool:
        """Whether the outbound policy lets the mock open a connection to `host`."""
        return (
            is_loopback(host)
            or self.settings.allow_remote_fetch
            or (host or "").lower() in self._allowed
        )

    def resolve_now(self, url: str, base_url: str) -> InputImage | None:
        if url.startswith("data:"):
            return None
        if len(url) <= _KEPT_URL and len(base_url) <= _KEPT_URL:
            return self._kept(url, base_url)
        return self._resolve_now(url, base_url)

    def _resolve_now(self, url: str, base_url: str) -> InputImage | None:
        hostname, netloc, path = url_parts(url)
        sample = _SAMPLE_PATH.match(path)
        if sample and netloc == _netloc(base_url) and sample[1] in samples.SAMPLES:
            # The mock's own sample, asked of this very server: same bytes as an HTTP fetch.
            name = sample[1]
            return InputImage("sample", name, *samples.sample_size(name))
        if not self.may_reach(hostname):
            return self._stand_in(url)
        return None

    async def resolve(self, url: str) -> InputImage:
        if url.startswith("data:"):
            data = _decode_data_url(url)
        else:
            fetched = await self._fetch(url)
            if isinstance(fetched, InputImage):
                return fetched
            data = fetched
        if len(data) > self.settings.max_input_bytes:
            raise _too_large(f"{len(data)} bytes", self.settings.max_input_bytes)
        from . import pictures  # on the first picture, not at start-up (media/samples.py)

        try:
            width, height = await asyncio.to_thread(pictures.probe_image, data)
        except pictures.NotAnImage as e:
            raise InputRejected(f"image_url is not an image: {e}") from None
        digest = hashlib.sha256(data).hexdigest()
        self._store.put(digest, data)
        return InputImage("bytes", digest, width, height)

    def encoded(self, image: InputImage) -> bytes:
        """The encoded input picture behind a resolved input."""
        if image.source == "bytes":
            data = self._store.get(image.ref)
            if data is None:
                raise KeyError(f"input {image.ref} is no longer stored")
            return data
        from . import pictures  # on the first picture, not at start-up (media/samples.py)

        if image.source == "sample":
            return pictures.sample_picture(image.ref)
        return pictures.stand_in_picture(image.ref)

    def on_forget(self, callback: Callable[[], bool]) -> None:
        """Have `callback` drop its own cache whenever the inputs are forgotten (a reset)."""
        self._on_forget.append(callback)

    def forget(self, jobs: int = 0) -> None:
        """Drop stored inputs (on reset, when no job refers to them any more), every cache
        derived from pictures, and give the memory they held back to the system when there
        was much (`jobs`: how many jobs the reset dropped). A full collection costs tens of
        ms, too much for the reset before every test when there is nothing to give back."""
        heavy = bool(self._store) or jobs >= GIVE_BACK_AFTER_JOBS
        self._store.clear()
        # The rendered samples: none unless pictures was imported, on a first picture.
        pictures = sys.modules.get(f"{__package__}.pictures")
        if pictures is not None:
            pictures.forget_samples()
        self._kept.cache_clear()
        for callback in self._on_forget:
            heavy = callback() or heavy
        if heavy:
            is_loopback.cache_clear()  # its entries would pin arenas the run filled
            give_back()

    def _stand_in(self, url: str) -> InputImage:
        return InputImage("stand-in", url, *samples.stand_in_size(url))

    async def _fetch(self, url: str) -> bytes | InputImage:
        """The body at `url`, redirects followed by hand; one deadline for all of it."""
        total = self.settings.fetch_timeout_seconds
        try:
            async with asyncio.timeout(total):
                return await self._follow(url)
        except TimeoutError:
            raise InputRejected(
                f"image_url was not received within {total:g} s (fetch_timeout_seconds): "
                "the server stopped sending or is too slow"
            ) from None

    async def _follow(self, url: str) -> bytes | InputImage:
        connect = self.settings.fetch_connect_timeout_seconds
        # The total is _fetch's deadline; this bounds the TCP connect alone.
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect)
        for _ in range(_MAX_REDIRECTS + 1):
            try:
                async with self._session().get(
                    url, allow_redirects=False, timeout=timeout
                ) as response:
                    if (
                        response.status in (301, 302, 303, 307, 308)
                        and "Location" in response.headers
                    ):
                        url = urljoin(url, response.headers["Location"])
                        if not self.may_reach(urlsplit(url).hostname):
                            return self._stand_in(url)
                        continue
                    if response.status != 200:
                        raise InputRejected(f"image_url answered HTTP {response.status}")
                    return await self._body(response)
            except aiohttp.ConnectionTimeoutError:
                raise InputRejected(
                    f"image_url could not be fetched: no connection within {connect:g} s "
                    "(fetch_connect_timeout_seconds)"
                ) from None
            except aiohttp.ClientError as e:
                raise InputRejected(f"image_url could not be fetched: {_reason(e)}") from None
        raise InputRejected(f"image_url redirected more than {_MAX_REDIRECTS} times")

    async def _body(self, response: aiohttp.ClientResponse) -> bytes:
        """All of the body (read() alone gives what is buffered), refused past the limit."""
        limit = self.settings.max_input_bytes
        if response.content_length is not None and response.content_length > limit:
            raise _too_large(f"{response.content_length} bytes", limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _too_large(f"more than {limit} bytes", limit)
            chunks.append(chunk)
        return b"".join(chunks)


def _too_large(what: str, limit: int) -> InputRejected:
    return InputRejected(f"image_url is too large ({what}, max_input_bytes {limit})")


@functools.lru_cache(maxsize=64)  # the few hosts the mock is reached on, on every RMBG submit
def _netloc(url: str) -> str | None:
    """The host:port of a URL, None if it cannot be parsed (e.g. a client's odd Host header)."""
    try:
        return url_parts(url)[1]
    except ValueError:
        return None


def _decode_data_url(url: str) -> bytes:
    _, _, payload = url.partition(",")
    try:
        return base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InputRejected("image_url is a data: URL whose base64 payload is invalid") from None


def _reason(e: aiohttp.ClientError) -> str:
    if isinstance(e, aiohttp.ClientConnectorError):
        return f"cannot connect to {e.host}:{e.port} ({e.os_error.strerror or 'refused'})"
    return type(e).__name__
