"""The request journal: what came in and what went out, keys redacted, bounded in size."""

from __future__ import annotations

import itertools
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
    "fault",
)


def _view(e: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(FIELDS, (e[0], iso(e[1]), *e[2:8], list(e[8]), e[9]), strict=True))


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
        status: int | None,  # None: the client closed the connection before the answer
        key: str | None,
        model_id: str | None,
        request_id: str | None,
        rules: list[str],
        fault: str | None = None,
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
                    fault,
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
        return [_view(e) for e in out]

    def of_request(self, request_id: str) -> tuple[list[dict[str, Any]], list[float]]:
        """The kept entries that name one job, oldest first (the inspector's job story), and
        their times as numbers."""
        kept = [e for e in self._entries if e[7] == request_id]
        return [_view(e) for e in kept], [e[1] for e in kept]

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class DeliveryLog:
    """Every webhook delivery attempt (dicts, oldest first), bounded like the journal.

    Each entry gets a number `n` (1, 2, ...): never reused, a reset does not start it again,
    and a store keeps it across restarts. Memory keeps the newest `size` entries (0: all) and
    counts the older ones it let go (`dropped`); a store that keeps more serves them from
    `_older`.
    """

    def __init__(self, size: int) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=size or None)
        self.next_number = 1  # of the next callback (a store keeps it across restarts)
        self.next_n = 1  # of the next entry: never reused (a store keeps it across restarts)
        self.evicted = 0  # entries let go by the bound since the last reset

    def new_delivery_id(self, request_id: str) -> str:
        """A callback's id: the same on each of its attempts and duplicates."""
        number, self.next_number = self.next_number, self.next_number + 1
        return f"dlv_{number:06d}_{request_id[-12:]}"

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Log one attempt; the entry as kept, numbered."""
        numbered = {"n": self.next_n, **entry}
        self.next_n += 1
        self.load(numbered)
        return numbered

    def load(self, entry: dict[str, Any]) -> None:
        """Keep a numbered entry (a store's, oldest first); numbering goes on after it."""
        if len(self._entries) == self._entries.maxlen:
            self.evicted += 1
        self._entries.append(entry)
        self.next_n = max(self.next_n, entry["n"] + 1)

    @property
    def dropped(self) -> int:
        """How many entries older than the oldest kept are no longer kept (since a reset)."""
        return self.evicted

    def page(
        self, request_id: str | None = None, since: int = 0, limit: int | None = None
    ) -> dict[str, Any]:
        """Entries with n > since (of one job with `request_id`), oldest first, at most
        `limit` (None: all kept); `next`, the n to pass as `since` for what follows; and
        `dropped`."""
        found: list[dict[str, Any]] = []
        kept = self._entries
        first = kept[0]["n"] if kept else self.next_n
        if since + 1 < first:
            found = self._older(since, first, request_id, limit)
        start = max(0, since + 1 - first)  # kept entries are numbered without gaps
        for entry in itertools.islice(kept, start, None):
            if limit is not None and len(found) >= limit:
                break
            if request_id is None or entry["request_id"] == request_id:
                found.append(entry)
        full = limit is not None and len(found) >= limit
        after = (found[-1]["n"] if found else since) if full else max(since, self.next_n - 1)
        return {"deliveries": found, "dropped": self.dropped, "next": after}

    def _older(
        self, since: int, before: int, request_id: str | None, limit: int | None
    ) -> list[dict[str, Any]]:
        """Entries with since < n < before that memory no longer keeps: none here."""
        return []

    def entries(self, request_id: str | None = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.page(request_id)["deliveries"]
        return found

    def clear(self) -> None:
        """Forget every entry; callback ids start again, entry numbers go on."""
        self._entries.clear()
        self.next_number = 1
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._entries)
