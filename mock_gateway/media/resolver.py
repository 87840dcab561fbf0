"""Name resolution under the outbound policy: the policy decides, DNS never does.

The policy (`inputs.is_loopback`, `webhooks.may_deliver`) lets a URL through on its spelling:
a loopback address, or the name `localhost`. Left to aiohttp's own resolver, such a name would
then be looked up, and `localhost.` (a fully qualified name) may well go to a DNS server, whose
answer could point anywhere. So the outbound sessions resolve with `PolicyResolver`:

- `localhost` and `localhost.`, in any case, are 127.0.0.1 and ::1, from a static table;
- an IP literal is itself;
- any other name is refused without a lookup, unless the policy allows that host (an
  `--allow-remote-...` flag or an allowlist entry), when the ordinary resolver answers.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

LOCALHOST: tuple[tuple[str, socket.AddressFamily], ...] = (
    ("127.0.0.1", socket.AF_INET),
    ("::1", socket.AF_INET6),
)


def is_localhost_name(host: str) -> bool:
    """`localhost` spelt any way the policy accepts it (any case, a trailing dot)."""
    return host.rstrip(".").lower() == "localhost"


def allowed_names(allow_all: bool, allowlist: Iterable[str]) -> Callable[[str], bool]:
    """The policy's say on a name other than localhost: may it be looked up in DNS?"""
    names = frozenset(name.lower() for name in allowlist)
    return lambda host: allow_all or host.lower() in names


class PolicyResolver(AbstractResolver):
    """Resolves localhost statically and IP literals as themselves; other names only if allowed."""

    def __init__(
        self, may_resolve: Callable[[str], bool], fallback: AbstractResolver | None = None
    ) -> None:
        self._may_resolve = may_resolve
        self._fallback = fallback

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        name = host.strip("[]")
        if is_localhost_name(name):
            return [
                _result(host, address, port, kind)
                for address, kind in LOCALHOST
                if family in (socket.AF_UNSPEC, kind)
            ]
        try:
            ip = ipaddress.ip_address(name)
        except ValueError:
            pass
        else:
            kind = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
            return [_result(host, str(ip), port, kind)]
        if not self._may_resolve(name):
            raise socket.gaierror(
                socket.EAI_NONAME,
                f"{name} is not looked up: the outbound policy allows loopback only",
            )
        if self._fallback is None:
            self._fallback = DefaultResolver()
        return await self._fallback.resolve(host, port, family)

    async def close(self) -> None:
        if self._fallback is not None:
            await self._fallback.close()


def _result(host: str, address: str, port: int, family: socket.AddressFamily) -> ResolveResult:
    return {
        "hostname": host,
        "host": address,
        "port": port,
        "family": family,
        "proto": 0,
        "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
    }


def policy_connector(
    may_resolve: Callable[[str], bool], *, limit: int = 100, limit_per_host: int = 0
) -> aiohttp.TCPConnector:
    """A connector for one outbound session, resolving names by the policy only.

    Make one per session (each owns its resolver); it needs a running event loop.
    """
    return aiohttp.TCPConnector(
        resolver=PolicyResolver(may_resolve), limit=limit, limit_per_host=limit_per_host
    )
