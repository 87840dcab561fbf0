"""Where the gateway's state lives: `memory` (the default), `sqlite` (`--state PATH`) or
`redis` (`--store redis://...`, shared by several processes)."""

from __future__ import annotations

from ..core.store import Store
from ..settings import ConfigError, Settings


def open_store(settings: Settings) -> Store:
    """The store the settings ask for: shared in Redis at `settings.store`, durable at
    `settings.state`, else in memory."""
    if settings.store and settings.state:
        raise ConfigError("choose one of --store (Redis, shared) and --state (a SQLite file)")
    if settings.store:
        from .redis import RedisStore  # the redis client is loaded only when asked for

        return RedisStore(settings)
    if settings.state:
        from .sqlite import SqliteStore  # sqlite3 is loaded only when asked for

        return SqliteStore(settings.state, settings)
    from .memory import MemoryStore

    return MemoryStore(settings.journal_size)
