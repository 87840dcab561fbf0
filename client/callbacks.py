"""For webhook receivers: read a callback, and tell a repeat from news.

The gateway POSTs the status body (generation 2's shape) to `X-Webhook-URL`; deliveries
can repeat, and the page says to use `request_id` with the status as the idempotency key.

    dedup = CallbackDeduplicator()

    async def receive(request):                      # any web framework
        status = parse_callback(await request.read())
        if not dedup.seen(status):
            handle(status)                           # quickly: answer 2xx within seconds
        return web.Response(status=200)              # a repeat is acknowledged too

`seen()` and `forget()` also take the body itself, raw or already parsed by a framework
(`dedup.seen(await request.json())`): the same answer as for its `parse_callback()` status.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from .errors import UnexpectedResponseError, ValidationError
from .models import JobStatus, State, status_from_gen2

__all__ = ["Callback", "CallbackDeduplicator", "parse_callback"]

# What a receiver may hand over: the parsed status, or the body (raw, or parsed JSON).
Callback = JobStatus | bytes | str | Mapping[str, Any]
_ORDER = {State.QUEUED: 0, State.PROCESSING: 1}  # every terminal state ranks 2


def parse_callback(body: bytes | str | Mapping[str, Any]) -> JobStatus:
    """The normalized status a callback carries; ValidationError if it is not one."""
    data: Any = body
    if isinstance(body, bytes | str):
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise ValidationError("the callback body is not JSON", field="body") from None
    if isinstance(data, Mapping):
        data = dict(data)
    try:
        return status_from_gen2(data)
    except UnexpectedResponseError:
        field = "request_id" if not isinstance(data, dict) or "request_id" not in data else "status"
        raise ValidationError(
            f"{field}: missing or not valid in the callback body", field=field
        ) from None


class CallbackDeduplicator:
    """Remembers (request_id, status) pairs: `seen()` answers whether a callback is a repeat.

    A callback also counts as seen when its request already reached a later state (an
    older PROCESSING arriving after COMPLETED is stale). Memory is bounded: the
    `max_requests` most recently active request ids are kept. Thread-safe.
    """

    def __init__(self, max_requests: int = 100_000) -> None:
        if max_requests < 1:
            raise ValueError("max_requests must be at least 1")
        self.max_requests = max_requests
        self._seen: OrderedDict[str, set[State]] = OrderedDict()
        self._lock = threading.Lock()

    def seen(self, callback: Callback) -> bool:
        """True if this callback (or a later state of its request) was seen before;
        otherwise records it and returns False. A body is read by `parse_callback`
        (ValidationError, nothing recorded, if it is not a status)."""
        callback = _status(callback)
        with self._lock:
            states = self._seen.get(callback.request_id)
            if states is None:
                states = self._seen[callback.request_id] = set()
            self._seen.move_to_end(callback.request_id)
            while len(self._seen) > self.max_requests:
                self._seen.popitem(last=False)
            rank = _rank(callback.status)
            if callback.status in states or any(_rank(s) > rank for s in states):
                return True
            states.add(callback.status)
            return False

    def forget(self, callback: Callback) -> None:
        """Unrecord a callback (e.g. its handling failed, so a redelivery must be handled)."""
        callback = _status(callback)
        with self._lock:
            states = self._seen.get(callback.request_id)
            if states is not None:
                states.discard(callback.status)
                if not states:
                    del self._seen[callback.request_id]

    def __len__(self) -> int:
        """How many request ids are remembered."""
        with self._lock:
            return len(self._seen)


def _status(callback: Callback) -> JobStatus:
    return callback if isinstance(callback, JobStatus) else parse_callback(callback)


def _rank(state: State) -> int:
    return _ORDER.get(state, 2)
