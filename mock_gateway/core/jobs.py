"""Jobs: one canonical life per request, planned once, read at any moment.

A job's timeline (queue wait, processing time, outcome) is fixed when it is accepted.
Its status at time t is computed from that plan and t, so nothing polls, sleeps or runs
per job; reading a status never changes a job. The generation-1 and generation-2 APIs are
views over this one record.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from .catalog import ASPECT_RATIO_SIZES, Model


class Status(StrEnum):
    QUEUED = "QUEUED"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"  # the input or the model refused the job: charged
    ERROR = "ERROR"  # a platform fault: not charged (refunded)


NO_FLAGS: frozenset[str] = frozenset()  # shared, so a job without flags costs nothing

TERMINAL = frozenset({Status.COMPLETED, Status.FAILED, Status.ERROR})

# Forward only; a poller may see a job skip PROCESSING between two polls.
ALLOWED_NEXT: dict[Status, frozenset[Status]] = {
    Status.QUEUED: frozenset(Status),
    Status.PROCESSING: frozenset(Status) - {Status.QUEUED},
    **{s: frozenset({s}) for s in TERMINAL},
}


@dataclass(frozen=True, slots=True)
class InputImage:
    """A resolved RMBG input: where its pixels come from and how big it is.

    `source` is "bytes" (then `ref` is a key into the mock's content-addressed input store),
    "sample" (`ref` is a sample name) or "stand-in" (`ref` is the remote URL the mock did not
    fetch; the picture is re-created from it on demand).
    """

    source: str
    ref: str
    width: int
    height: int


@dataclass(slots=True, eq=False)
class Job:
    request_id: str
    model: Model  # an immutable catalog entry: stored as its model_id
    key: str  # the key that submitted it (records refer to each other by id)
    generation: int
    params: dict[str, Any]
    created_at: float
    started_at: float
    ended_at: float
    base_url: str  # where the submit came in, for URLs in callbacks
    forced: Status | None = None  # outcome forced by a scenario (FAILED or ERROR)
    error: str | None = None
    input: InputImage | None = None
    settled: bool = True  # False while an RMBG input is still being fetched
    flags: frozenset[str] = NO_FLAGS  # scenario flags, e.g. timestamps-mixed, webhook-drop
    webhook_url: str | None = None
    webhook_mode: str | None = None

    @property
    def outcome(self) -> Status:
        if self.forced is not None:
            return self.forced
        return Status.FAILED if self.error else Status.COMPLETED

    def status_at(self, t: float) -> Status:
        if t < self.started_at:
            return Status.QUEUED
        if t < self.ended_at or not self.settled:
            # An input still in flight holds the job in PROCESSING: the outcome is unknown.
            return Status.PROCESSING
        return self.outcome

    def updated_at(self, t: float) -> float:
        if t < self.started_at:
            return self.created_at
        if t < self.ended_at or not self.settled:
            return self.started_at
        return self.ended_at

    @property
    def output_size(self) -> tuple[int, int]:
        """(width, height) of the output: the input's for RMBG, the aspect ratio's for FIBO."""
        if self.model.input_field == "prompt":
            return ASPECT_RATIO_SIZES[self.params["aspect_ratio"]]
        assert self.input is not None, "only a completed RMBG job has an output"
        return self.input.width, self.input.height

    def completed_at(self, t: float) -> float | None:
        return self.ended_at if self.status_at(t) in TERMINAL else None


@lru_cache(maxsize=65536)  # a polled job formats the same few instants again and again
def iso(t: float) -> str:
    """`2026-03-31T10:00:00.000Z`, the form of the status page's example."""
    ms = int(t * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


@lru_cache(maxsize=65536)  # the default form now: as hot as `iso`
def plain(t: float) -> str:
    """`2026-05-22 13:19:23`, the second form in the webhook example (the default mixed form)."""
    # Rounded up: this form has no milliseconds, and must never read before created_at.
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(math.ceil(t)))
