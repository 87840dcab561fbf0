"""The request journal: what came in and what went out, keys redacted, bounded in size."""

from __future__ import annotations

from collections import deque
from typing import Any

from .jobs import iso

# Entries are kept as tuples (cheap to make, untracked by the garbage collector) and become
# dicts with these fields, in this order, when read.
FIELDS = (
    "seq",
    "time",
    "method",
    "path",
    "status",
    "key",
    "model_id",
    "request_id",
    "scenario_rules",
)


class Journal:
    def __init__(self, size: int) -> None:
        self._entries: deque[tuple[Any, ...]] = deque(maxlen=size or None)
        self._size = size
        self.next_number = 1  # seq of the next entry; a reset does not start it again

    def record(
        self,
        time: float,
        method: str,
        path: str,
        status: int,
        key: str | None,
        model_id: str | None,
        request_id: str | None,
        rules: list[str],
    ) -> None:
        """One request, with the key already redacted."""
        if self._size:
            self._entries.append(
                (
                    self._number(),
                    time,
                    method,
                    path,
                    status,
                    key,
                    model_id,
                    request_id,
                    tuple(rules),
                )
            )

    def load(self, entry: tuple[Any, ...]) -> None:
        """Put back an entry kept by a store (oldest first); numbering goes on after it."""
        self._entries.append(entry)
        self.next_number = max(self.next_number, entry[0] + 1)

    def _number(self) -> int:
        number, self.next_number = self.next_number, self.next_number + 1
        return number

    def entries(self, *, since: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        """Entries with seq > since, oldest first, at most `limit` of the newest.

        Times are stored as numbers and formatted here, off the request path.
        """
        out = [e for e in self._entries if e[0] > since]
        out = out[len(out) - limit :] if limit is not None else out  # limit=0: none
        return [dict(zip(FIELDS, (e[0], iso(e[1]), *e[2:8], list(e[8])), strict=True)) for e in out]

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class DeliveryLog:
    """Every webhook delivery attempt (dicts, oldest first), bounded like the journal."""

    def __init__(self, size: int) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=size or None)
        self.next_number = 1  # of the next callback (a store keeps it across restarts)

    def new_delivery_id(self, request_id: str) -> str:
        """A callback's id: the same on each of its attempts and duplicates."""
        number, self.next_number = self.next_number, self.next_number + 1
        return f"dlv_{number:06d}_{request_id[-12:]}"

    def append(self, entry: dict[str, Any]) -> None:
        self._entries.append(entry)

    def entries(self, request_id: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self._entries if request_id is None or e["request_id"] == request_id]

    def clear(self) -> None:
        self._entries.clear()
        self.next_number = 1

    def __len__(self) -> int:
        return len(self._entries)
