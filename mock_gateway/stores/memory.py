"""The in-memory store: today's dicts and deques behind the store protocols (the default).

Each part is the plain container it always was, so reads and writes on the hot path cost
what they did before the seam existed; `put`/`save`/`commit` are no-ops here.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from ..core.accounts import Account, redact
from ..core.events import HELD, Pending
from ..core.jobs import Job
from ..core.journal import DeliveryLog, Journal
from ..core.scenarios import ScenarioBook


class MemoryAccounts(dict[str, Account]):
    def put(self, account: Account, *, balance: bool = True) -> None:
        self[account.key] = account

    def delete(self, key: str) -> bool:
        return self.pop(key, None) is not None

    def label(self, key: str) -> str:
        return redact(key)


class MemoryJobs(dict[str, Job]):
    def add(self, job: Job) -> None:
        self[job.request_id] = job

    def save(self, job: Job) -> None:
        pass  # the job kept is the job changed

    def newest_first(self) -> Iterator[Job]:
        return reversed(self.values())


class MemoryBlobs(dict[str, bytes]):
    def put(self, digest: str, data: bytes) -> None:
        self.setdefault(digest, data)


class MemoryEvents:
    """A heap of due events; held and taken events are kept by id until done."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Pending]] = []
        self._by_id: dict[int, Pending] = {}
        self._held: dict[str, Pending] = {}  # request id -> its held callback (one at most)
        self._next_id = 1

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def peek_id(self) -> int:
        return self._next_id

    def skip_ids(self, next_id: int) -> None:
        """Number new events from `next_id` on (a store's saved count) or after the last."""
        self._next_id = max(next_id, max(self._by_id, default=0) + 1)

    def add(self, event: Pending) -> Pending:
        self._by_id[event.event_id] = event
        if event.due == HELD:
            self._held[event.request_id] = event
        else:
            heapq.heappush(self._heap, (event.due, event.event_id, event))
        return event

    @property
    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def take_due(self, now: float) -> list[Pending]:
        heap, taken = self._heap, []
        while heap and heap[0][0] <= now:
            taken.append(heapq.heappop(heap)[2])
        return taken

    def done(self, event: Pending) -> None:
        self._by_id.pop(event.event_id, None)

    def release(self, request_id: str, at: float) -> Pending | None:
        # Every final callback releases, held or not: a lookup, never a scan of all events.
        event = self._held.pop(request_id, None)
        if event is not None:
            event.due = at
            heapq.heappush(self._heap, (at, event.event_id, event))
        return event

    def pending(self) -> list[Pending]:
        return sorted(self._by_id.values(), key=lambda e: (e.due, e.event_id))

    def clear(self) -> None:
        self._heap.clear()
        self._by_id.clear()
        self._held.clear()
        self._next_id = 1

    def __len__(self) -> int:
        return len(self._by_id)


class MemoryStore:
    kind = "memory"
    durable = False
    shared = False
    incarnation = 0

    def __init__(self, journal_size: int) -> None:
        self.accounts = MemoryAccounts()
        self.jobs = MemoryJobs()
        self.rules = ScenarioBook()
        self.journal = Journal(journal_size)
        self.deliveries = DeliveryLog(journal_size)
        self.events = MemoryEvents()
        self.blobs = MemoryBlobs()
        self._clock: float | None = None

    def clock_state(self) -> float | None:
        return self._clock

    def save_clock(self, value: float) -> None:
        self._clock = value

    def commit(self) -> None:
        pass

    async def committed(self) -> None:
        pass

    def clear(self) -> None:
        self.accounts.clear()
        self.jobs.clear()
        self.rules.clear()
        self.journal.clear()
        self.deliveries.clear()
        self.events.clear()
        self.blobs.clear()

    def close(self) -> None:
        pass
