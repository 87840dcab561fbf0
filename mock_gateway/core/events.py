"""Scheduled work as data: pending events, and the one dispatcher that runs them on the clock.

Refunds, sync-mode progress updates, terminal callbacks and delivery attempts are records
(kind, due time, the job's request id, the simulated instant they stand for, and for a
delivery its payload, delivery id and attempt count). Records can be stored, listed
(`GET /_mock/events`), survive a restart and be cleared by a reset; nothing holds a closure.

An event stays in its store while it runs and is removed only when its work is done, so a
process killed mid-delivery finds the attempt still pending at its next start: at-least-once,
with the same delivery id. A reset cancels the work in flight (the dispatcher owns those
tasks), so no handler needs to ask "did a reset happen while I was waiting?".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from .jobs import iso

REFUND = "refund"  # give a platform fault's price back when the job ends
PROGRESS = "progress"  # a sync-mode poll cycle: POST the status as it is at `at`
TERMINAL = "terminal"  # the final callback falls due: settle the job, then deliver
DELIVER = "deliver"  # one delivery attempt of a callback (its payload is fixed)
KINDS = (REFUND, PROGRESS, TERMINAL, DELIVER)

log = logging.getLogger("mock_gateway.events")
HELD = float("inf")  # the due time of a held callback: released by its job's final one


@dataclass(slots=True, eq=False)
class Pending:
    """One piece of scheduled work. `attempt` counts the attempts already made."""

    event_id: int
    kind: str
    due: float
    request_id: str
    at: float  # the simulated instant the work stands for
    delivery_id: str = ""
    payload: bytes = b""
    status: str = ""  # the job status the payload carries
    final: bool = False
    attempt: int = 0

    @property
    def held(self) -> bool:
        return self.due == HELD

    def view(self) -> dict[str, Any]:
        """The control API's picture of a pending event (payloads are left out)."""
        return {
            "id": self.event_id,
            "kind": self.kind,
            "due": None if self.held else iso(self.due),
            "held": self.held,
            "request_id": self.request_id,
            "delivery_id": self.delivery_id or None,
            "status": self.status or None,
            "final": self.final,
            "attempts_made": self.attempt,
        }


class EventStore(Protocol):
    """Pending events, time-ordered. Taken events stay stored until `done`."""

    def add(self, event: Pending) -> Pending: ...

    def new_id(self) -> int: ...

    @property
    def next_due(self) -> float | None: ...

    def take_due(self, now: float) -> list[Pending]:
        """Every untaken event due by `now`, in time order (equal times: in order added)."""

    def done(self, event: Pending) -> None: ...

    def release(self, request_id: str, at: float) -> Pending | None:
        """Make the job's held callback (if any) due at `at`; that callback."""

    def pending(self) -> list[Pending]: ...

    def clear(self) -> None: ...

    def __len__(self) -> int: ...


# A handler finishes at once (returns None) or starts I/O (returns an awaitable).
Handler = Callable[[Pending], Awaitable[None] | None]


class Dispatcher:
    """Runs due events by kind; owns the tasks their I/O runs in."""

    def __init__(self, events: EventStore, commit: Callable[[], None]) -> None:
        self.events = events
        self._commit = commit  # the store's: what an event changed is kept as it finishes
        self.handlers: dict[str, Handler] = {}
        self.running: set[asyncio.Future[None]] = set()
        self.on_change: Callable[[], None] | None = None  # wakes a real-clock runner
        self.closing = False  # shutting down: nothing new starts; what is due stays pending

    def schedule(self, kind: str, due: float, request_id: str, at: float, **fields: Any) -> Pending:
        event = self.events.add(Pending(self.events.new_id(), kind, due, request_id, at, **fields))
        if self.on_change is not None:
            self.on_change()
        return event

    def release(self, request_id: str, at: float) -> None:
        """Let the job's held callback go at `at`."""
        self.events.release(request_id, at)
        if self.on_change is not None:
            self.on_change()

    def run_due(self, now: float) -> int:
        """Start every event due by `now`, those they make due included; the number started."""
        started = 0
        while not self.closing and (due := self.events.take_due(now)):
            for event in due:
                result = self.handlers[event.kind](event)
                if result is None:
                    self.events.done(event)
                else:
                    # The handler's own coroutine as the task: cancelled before it even
                    # started (a reset at once), it is closed cleanly, never left unawaited.
                    task = asyncio.ensure_future(result)
                    self.running.add(task)
                    task.add_done_callback(partial(self._finished, event))
            started += len(due)
        if started:
            self._commit()
        return started

    def _finished(self, event: Pending, task: asyncio.Future[None]) -> None:
        self.running.discard(task)
        if task.cancelled():  # a reset or a shutdown: not done, so a stored event stays
            return
        error = task.exception()
        if error is not None:  # a bug: logged once, never retried forever
            log.error(
                "scheduled %s for %s failed", event.kind, event.request_id, exc_info=error
            )
        self.events.done(event)
        self._commit()

    def undelivered(self) -> int:
        """Callbacks still to deliver: each pending delivery attempt, terminal callback and
        progress update (work abandoned in flight included: it stays pending)."""
        return sum(1 for e in self.events.pending() if e.kind != REFUND)

    def cancel(self) -> None:
        """Abandon the work in flight (a reset): none of it logs, retries or delivers after."""
        for task in self.running:
            task.cancel()
        self.running = set()
