"""Accounts: one per API key, each with a wallet, a model allowance and a rate limit."""

from __future__ import annotations

import hashlib
import math
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from .errors import InsufficientBalance, RateLimited

KEY_HEADER = "Ocp-Apim-Subscription-Key"  # where a gateway call carries its key


def redact(key: str) -> str:
    """A key shortened for logs and views: at most a quarter of it, and at most 4 chars."""
    return key[: min(4, len(key) // 4)] + "…"


def account_id(kept_key: str) -> str:
    """A key's public name in the inspector: 16 hex digits of the hash of the key as its
    store keeps it (the key itself, or its digest in a durable store). Stable while the
    store keeps the key, and it reveals nothing a hash of the key would not."""
    return hashlib.sha256(kept_key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class RateLimit:
    requests: int
    per_seconds: float


class SlidingWindow:
    """At most `requests` hits in any `per_seconds` window, on the simulated clock.

    Keeps the last `requests` hit times; the oldest tells when a slot frees, which is what
    `Retry-After` reports (rounded up to whole seconds, never 0).
    """

    __slots__ = ("_hits", "limit")

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._hits: deque[float] = deque(maxlen=limit.requests)

    def hit(self, now: float) -> None:
        """Count one request at `now`, or raise RateLimited without counting it."""
        hits = self._hits
        if len(hits) == self.limit.requests:
            frees_at = hits[0] + self.limit.per_seconds
            if frees_at > now:
                raise RateLimited(max(1, math.ceil(frees_at - now)))
        hits.append(now)

    def used(self, now: float) -> int:
        """Requests counted in the window that ends at `now` (the inspector's gauge)."""
        start = now - self.limit.per_seconds
        return sum(1 for t in self._hits if t > start)


@dataclass(slots=True, eq=False)
class Account:
    """What the gateway knows about one key. The key itself is never shown, only `label`."""

    key: str = field(repr=False)  # never in a repr, traceback or test report
    balance_usd: Decimal
    models: frozenset[str] | None = None  # None: every model
    rate_limit: RateLimit | None = None  # None: unlimited
    api_generation: int | None = None  # None: the server default
    window: SlidingWindow | None = field(default=None, repr=False)
    label: str = field(default="", init=False)  # the key redacted, for logs and views

    def __post_init__(self) -> None:
        self.set_rate_limit(self.rate_limit)
        self.label = redact(self.key)

    def set_rate_limit(self, limit: RateLimit | None) -> None:
        self.rate_limit = limit
        self.window = SlidingWindow(limit) if limit else None

    def admit(self, now: float) -> None:
        """Count a request against the rate limit (raises RateLimited)."""
        if self.window is not None:
            self.window.hit(now)

    def may_use(self, model_id: str) -> bool:
        return self.models is None or model_id in self.models

    def charge(self, price: Decimal) -> None:
        """Take `price` from the wallet, or raise InsufficientBalance taking nothing."""
        if self.balance_usd < price:
            raise InsufficientBalance()
        self.balance_usd -= price

    def refund(self, amount: Decimal) -> None:
        self.balance_usd += amount

    def view(self, default_generation: int) -> dict[str, object]:
        """The control API's picture of this account (the key redacted)."""
        return {
            "key": self.label,
            "balance_usd": float(self.balance_usd),
            "models": sorted(self.models) if self.models is not None else None,
            "rate_limit": (
                {"requests": self.rate_limit.requests, "per_seconds": self.rate_limit.per_seconds}
                if self.rate_limit
                else None
            ),
            "api_generation": self.api_generation or default_generation,
        }
