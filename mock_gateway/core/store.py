"""The store seam: what the gateway keeps, behind small protocols.

Records refer to each other by id (a job holds its key and its model id, an event its job's
request id), so any part can be written out and read back. Records are plain objects that
the gateway changes in place and then hands back with `put`/`save`: a memory store ignores
that (it holds the very objects), a durable one writes them at the next `commit`. Reads come
from memory in every store, so the status path costs the same whatever keeps the state.

Implementations: `mock_gateway.stores.memory` (the default) and `mock_gateway.stores.sqlite`
(`--state PATH`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from .accounts import Account
from .events import EventStore
from .jobs import Job
from .journal import DeliveryLog, Journal
from .scenarios import ScenarioBook


class AccountStore(Protocol):
    def get(self, key: str, /) -> Account | None: ...

    def put(self, account: Account) -> None:
        """Keep a new account, or the changes made to a kept one (balance, limits)."""

    def delete(self, key: str) -> bool: ...

    def label(self, key: str) -> str:
        """The redacted label for a key as jobs keep it (a durable store keeps digests)."""

    def __len__(self) -> int: ...


class JobStore(Protocol):
    def get(self, request_id: str, /) -> Job | None: ...

    def add(self, job: Job) -> None: ...

    def save(self, job: Job) -> None:
        """Keep the changes made to a kept job (its input resolved, its error known)."""

    def newest_first(self) -> Iterator[Job]: ...

    def __len__(self) -> int: ...


class BlobStore(Protocol):
    """Input pictures by content hash."""

    def get(self, digest: str, /) -> bytes | None: ...

    def put(self, digest: str, data: bytes) -> None: ...

    def clear(self) -> None: ...


class Store(Protocol):
    # Read-only here, so each store may keep its parts in its own (sub)types.
    @property
    def accounts(self) -> AccountStore: ...
    @property
    def jobs(self) -> JobStore: ...
    @property
    def rules(self) -> ScenarioBook: ...
    @property
    def journal(self) -> Journal: ...
    @property
    def deliveries(self) -> DeliveryLog: ...
    @property
    def events(self) -> EventStore: ...
    @property
    def blobs(self) -> BlobStore: ...
    @property
    def kind(self) -> str:
        """What keeps the state, as /_mock/health names it: "memory" or "sqlite"."""

    @property
    def durable(self) -> bool:
        """Whether what is kept outlives the process."""

    @property
    def incarnation(self) -> int:
        """How many times this store was opened before (0: a fresh store)."""

    def clock_state(self) -> float | None:
        """The simulated clock as last saved (None: never saved)."""

    def save_clock(self, value: float) -> None: ...

    def commit(self) -> None:
        """Make every change so far durable (a no-op in memory)."""

    async def committed(self) -> None:
        """Return once every change so far is durable; calls in one turn of the event loop
        may share one commit (a no-op in memory)."""

    def clear(self) -> None:
        """Forget everything (a reset); the clock and the incarnation stay."""

    def close(self) -> None: ...
