"""How long to wait: between retries of a failed read, and between polls of a running job.

Both are plain data with a pure `delay()`, so tests check the numbers without sleeping and
swap in a policy of their own (`RetryPolicy.none()`, `PollPolicy.fixed(0.01)`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["PollPolicy", "RetryPolicy"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retries of reads (status, result, download) after a 429, a 5xx or any network fault:
    no connection, reset, closed with no answer, cut short, not HTTP, or timed out.

    A submit is never retried: it costs money, and a lost answer may hide an accepted job
    (`SubmitOutcomeUnknownError`).
    """

    attempts: int = 4  # tries in all, the first included
    base_delay: float = 0.5  # before the first retry; doubles each time
    max_delay: float = 8.0
    jitter: float = 0.25  # each backoff is spread by up to this fraction either way
    max_retry_after: float = 120.0  # a longer Retry-After is not waited out: the error is raised

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("attempts must be >= 1 and delays >= 0")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")

    @classmethod
    def none(cls) -> RetryPolicy:
        """Never retry."""
        return cls(attempts=1)

    def delay(self, retry: int, retry_after: float | None, rng: random.Random) -> float | None:
        """Seconds to wait before retry number `retry` (1 = the first), or None to give up.

        A server's `Retry-After` is honoured exactly (it is when a slot frees); otherwise
        exponential backoff with jitter.
        """
        if retry_after is not None:
            return float(retry_after) if retry_after <= self.max_retry_after else None
        backoff = min(self.max_delay, self.base_delay * 2.0 ** (retry - 1))
        return backoff * (1 + rng.uniform(-self.jitter, self.jitter))


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """Gaps between status polls in `wait()`.

    The page asks for a poll every 5-10 s: the gap starts at `interval` and grows by
    `growth` up to `max_interval`, each spread by `jitter`. When the gateway estimates the
    job will end sooner (generation 1's `estimated_completion_time_seconds`), the next poll
    comes at that estimate instead, but never sooner than `min_interval`.
    """

    interval: float = 5.0
    max_interval: float = 10.0
    growth: float = 1.5
    jitter: float = 0.1
    min_interval: float = 1.0

    def __post_init__(self) -> None:
        if not 0 < self.min_interval <= self.interval <= self.max_interval:
            raise ValueError("need 0 < min_interval <= interval <= max_interval")
        if self.growth < 1 or not 0 <= self.jitter < 1:
            raise ValueError("growth must be >= 1 and jitter in [0, 1)")

    @classmethod
    def fixed(cls, seconds: float) -> PollPolicy:
        """Exactly `seconds` between polls, whatever the estimate (for tests and scripts)."""
        return cls(seconds, seconds, 1.0, 0.0, seconds)

    def delay(self, polls: int, estimate: float | None, rng: random.Random) -> float:
        """Seconds to wait after poll number `polls` (1 = the first) before the next one."""
        gap = min(self.max_interval, self.interval * self.growth ** (polls - 1))
        low, high = self.interval, self.max_interval
        if estimate is not None and estimate < gap:
            gap = low = max(self.min_interval, float(estimate))  # never before the estimate
            high = gap * (1 + self.jitter)
        spread = gap * (1 + rng.uniform(-self.jitter, self.jitter))
        return min(high, max(low, spread))
