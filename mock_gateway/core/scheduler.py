"""One time-ordered queue of active work, driven by the clock.

Refunds, webhook deliveries, retries and sync-mode updates are events here, so a manual
clock fires them deterministically on `advance` and a real clock fires them from one runner
task. Nothing else in the mock keeps timers.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Awaitable, Callable

# An event may finish at once (returns None) or start I/O (returns an awaitable the caller
# may wait for, as `clock/advance` does).
Event = Callable[[], Awaitable[None] | None]


class Scheduler:
    def __init__(self) -> None:
        self._queue: list[tuple[float, int, Event]] = []
        self._seq = itertools.count()
        self.on_change: Callable[[], None] | None = None  # wakes a real-clock runner

    def at(self, when: float, event: Event) -> None:
        """Run `event` once the clock reaches `when` (events at equal times run in order added)."""
        heapq.heappush(self._queue, (when, next(self._seq), event))
        if self.on_change is not None:
            self.on_change()

    @property
    def next_due(self) -> float | None:
        return self._queue[0][0] if self._queue else None

    def run_due(self, now: float) -> list[Awaitable[None]]:
        """Run every event due by `now`, in time order; return the I/O they started."""
        started: list[Awaitable[None]] = []
        queue = self._queue
        while queue and queue[0][0] <= now:
            _, _, event = heapq.heappop(queue)
            result = event()
            if result is not None:
                started.append(result)
        return started

    def clear(self) -> None:
        self._queue.clear()

    def __len__(self) -> int:
        return len(self._queue)
