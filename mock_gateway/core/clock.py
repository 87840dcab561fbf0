"""The one source of time in the mock.

Everything that asks "what time is it?" asks a Clock, so a test can freeze time and move it
forward on demand (`ManualClock`), and a server can run on wall time (`SystemClock`). Both
accept `advance()`: on a system clock it adds a fixed offset, so a running server can also
jump ahead (useful to skip a long queue without waiting).
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Seconds since the Unix epoch, as a float, never going backwards."""

    manual: bool

    def now(self) -> float: ...

    def advance(self, seconds: float) -> float: ...

    def state(self) -> float:
        """What a store keeps so a restart goes on from here (see `restore`)."""

    def restore(self, state: float) -> None: ...


class SystemClock:
    """Wall time plus an offset that only `advance()` grows."""

    manual = False

    def __init__(self) -> None:
        self._offset = 0.0
        # Seconds to add to this machine's clock to read the one all processes share: a
        # shared store sets it from Redis's TIME, so machines agree without relying on NTP.
        self.skew = 0.0

    @classmethod
    def starting_at(cls, instant: float) -> SystemClock:
        """A running clock that reads `instant` now (a frozen clock let go: the inspector)."""
        clock = cls()
        clock._offset = instant - time.time()
        return clock

    def now(self) -> float:
        return time.time() + self._offset + self.skew

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("time cannot go backwards")
        self._offset += seconds
        return self.now()

    def state(self) -> float:
        return self._offset  # wall time goes on by itself; only the jumps are kept

    def restore(self, state: float) -> None:
        self._offset = max(self._offset, state)


class ManualClock:
    """Frozen time that moves only when told to."""

    manual = True

    def __init__(self, start: float | None = None) -> None:
        # Start at the wall time (whole seconds) so timestamps look current in logs.
        self._now = float(int(time.time())) if start is None else float(start)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("time cannot go backwards")
        self._now += seconds
        return self._now

    def state(self) -> float:
        return self._now

    def restore(self, state: float) -> None:
        self._now = state  # a restart goes on from the simulated instant it stopped at
