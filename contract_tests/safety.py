"""Where generated URLs may point: loopback, or the target's own samples. Nothing else.

Every image_url and webhook URL the suite sends passes `check_outbound` first, so even a
gateway that fetches whatever it is given (a lax live one, or a broken one) is only ever
sent to this machine or to pictures the target itself serves.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from urllib.parse import urlsplit

__all__ = ["UnsafeUrl", "check_outbound", "is_loopback"]

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost"})


class UnsafeUrl(RuntimeError):
    """The suite was about to send a URL pointing beyond this machine: a bug in the suite."""


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_outbound(url: str, allowed: Collection[str] = ()) -> None:
    """Raise UnsafeUrl unless `url` is one of `allowed` or names no host beyond loopback."""
    if url in allowed:
        return
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:  # e.g. a malformed IPv6 literal: refuse what we cannot read
        raise UnsafeUrl(f"cannot tell where {url[:80]!r} points") from None
    if host is not None and not is_loopback(host):
        raise UnsafeUrl(f"refusing to send a URL beyond loopback: {url[:80]!r}")
