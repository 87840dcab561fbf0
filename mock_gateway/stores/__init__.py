"""Where the gateway's state lives: `memory` (the default) or `sqlite` (`--state PATH`)."""

from __future__ import annotations

from ..core.store import Store
from ..settings import Settings


def open_store(settings: Settings) -> Store:
    """The store the settings ask for: durable at `settings.state`, else in memory."""
    if settings.state:
        from .sqlite import SqliteStore  # sqlite3 is loaded only when asked for

        return SqliteStore(settings.state, settings)
    from .memory import MemoryStore

    return MemoryStore(settings.journal_size)
