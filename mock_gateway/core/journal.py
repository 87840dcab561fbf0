"""The request journal: what came in and what went out, keys redacted, bounded in size."""

from __future__ import annotations

import itertools
from collections import deque
from typing import Any


class Journal:
    def __init__(self, size: int) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=size or None)
        self._size = size
        self._seq = itertools.count(1)

    def record(self, entry: dict[str, Any]) -> None:
        if self._size:
            entry["seq"] = next(self._seq)
            self._entries.append(entry)

    def entries(self, *, since: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        """Entries with seq > since, oldest first, at most `limit` of the newest."""
        out = [e for e in self._entries if e["seq"] > since]
        return out[-limit:] if limit is not None else out

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
