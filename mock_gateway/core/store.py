"""The store seam: what the gateway keeps, behind small protocols.

Records refer to each other by id (a job holds its key and its model id, an event its job's
request id), so any part can be written out and read back. Records are plain objects that
the gateway changes in place and then hands back with `put`/`save`: a memory store ignores
that (it holds the very objects), a durable one writes them at the next `commit`. Reads come
from memory in every store, so the status path costs the same whatever keeps the state.

Implementations: `mock_gateway.stores.memory` (the default), `mock_gateway.stores.sqlite`
(`--state PATH`) and `mock_gateway.stores.redis` (`--store redis://...`, a `SharedStore`:
several processes, one gateway).
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Iterator
from decimal import Decimal
from typing import Any, Protocol

from .accounts import Account
from .catalog import Model
from .events import EventStore
from .jobs import Job
from .journal import DeliveryLog, Journal
from .scenarios import Effects, ScenarioBook


class AccountStore(Protocol):
    def get(self, key: str, /) -> Account | None: ...

    def put(self, account: Account, *, balance: bool = True) -> None:
        """Keep a new account, or the changes made to a kept one (balance, limits);
        `balance=False`: its wallet is not to be set (a shared store keeps it apart)."""

    def delete(self, key: str) -> bool: ...

    def label(self, key: str) -> str:
        """The redacted label for a key as jobs keep it (a durable store keeps digests)."""

    def values(self) -> Iterable[Account]:
        """Every kept account (the inspector's list of keys)."""

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
    def shared(self) -> bool:
        """Whether other processes serve the same gateway (then it is a SharedStore)."""

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


class SharedStore(Store, Protocol):
    """A store several processes share: what must be exact across them (a charge, a rate
    limit, a counted rule, the clock) is asked of it by the service, which otherwise runs
    as on any store. `gateway` is the process's mock_gateway.gateway.Gateway."""

    def follow(self) -> None:
        """Take in keys and rules other processes changed (cheap when none did)."""

    async def admit(self, account: Account, now: float) -> None:
        """Count a request in the key's shared rate-limit window (raises RateLimited)."""

    async def effects(
        self, key: str, model_id: str | None, text: str | None, endpoint: str
    ) -> Effects:
        """The matching rules' effects, each counted rule's use taken once across all."""

    async def submit(
        self, gateway: Any, account: Account, model: Model, *plan: Any, **options: Any
    ) -> Job:
        """Charge and keep a job planned by `gateway.plan(account, model, *plan, **options)`."""

    async def fetch(self, request_id: str, now: float, *, wait: bool = True) -> None:
        """Bring the job in, as kept now, if another process accepted it; `wait`: once it
        is due, wait for its input (or take a dead process's fetch over)."""

    def refund(self, job: Job) -> Awaitable[Any]: ...

    async def advance(self, gateway: Any, seconds: float) -> float:
        """Move every process's clock; return once the work due by then is done."""

    def refresh(self) -> None:
        """Everything other processes changed, asked now (a control read: one round trip)."""

    def load_job(self, request_id: str) -> None:
        """`fetch` for a control read (blocking: control calls are rare)."""

    def balance(self, account: Account) -> Decimal:
        """The key's wallet as all processes have spent it."""

    def health(self) -> dict[str, Any]:
        """What /_mock/health says of the shared store (and whether it answers)."""

    async def start(self, gateway: Any) -> None: ...

    async def stop(self) -> None: ...

    async def run_due(self, gateway: Any) -> None:
        """Claim the work due now (others' included) and start it."""
