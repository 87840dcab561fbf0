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
from typing import Any, Generic, TypeVar

from .catalog import ASPECT_RATIO_SIZES, Model

T = TypeVar("T")


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


class _Extras:
    """What few jobs have: a forced outcome, an error, scenario flags, a webhook.

    Kept apart so that a plain job (most of a load test's million) pays one pointer for all
    five: they share `_PLAIN` until one of them is set."""

    __slots__ = ("error", "flags", "forced", "webhook_mode", "webhook_url")

    def __init__(
        self,
        forced: Status | None = None,
        error: str | None = None,
        flags: frozenset[str] = NO_FLAGS,
        webhook_url: str | None = None,
        webhook_mode: str | None = None,
    ) -> None:
        self.forced = forced
        self.error = error
        self.flags = flags
        self.webhook_url = webhook_url
        self.webhook_mode = webhook_mode

    def copy(self) -> _Extras:
        return _Extras(self.forced, self.error, self.flags, self.webhook_url, self.webhook_mode)


_PLAIN = _Extras()  # shared and never changed: setting a field on a job copies it first

# Values many jobs repeat (the option sets, a key with its generation and host, a stand-in's
# size) are kept once and shared, so a million jobs do not hold a million copies. Bounded:
# past the cap a value is kept unshared.
_SHARED: dict[Any, Any] = {}
_SHARED_CAP = 8192


def _shared(value: Any, key: Any = None) -> Any:
    """The one kept copy of `value` (looked up by `key`, default the value itself)."""
    try:
        kept = _SHARED.get(value if key is None else key)
    except TypeError:  # an unhashable value (relaxed mode's extra fields): kept as it is
        return value
    if kept is not None:
        return kept
    if len(_SHARED) < _SHARED_CAP:
        _SHARED[value if key is None else key] = value
    return value


def _options(pairs: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, Any], ...]:
    # Types are part of the key: 7 == 7.0 == True, but a job echoes what the client sent.
    shared: tuple[tuple[str, Any], ...] = _shared(
        pairs, ("options", *((name, type(value), value) for name, value in pairs))
    )
    return shared


def _split(model: Model, params: dict[str, Any]) -> tuple[Any, Any, tuple[tuple[str, Any], ...]]:
    """(input value, seed, options) of a request's fields; the model's defaults fill in the
    options left out. None marks "not sent" in the first two: a null stays among the options."""
    subject = params.get(model.input_field)
    seed = params.get("seed")
    if len(params) == (subject is not None) + (seed is not None):
        return subject, seed, model.defaults  # the common request: nothing but input and seed
    merged = dict(model.defaults)
    merged.update(params)
    if subject is not None:
        del merged[model.input_field]
    if seed is not None:
        del merged["seed"]
    return subject, seed, _options(tuple(merged.items()))


class _Rare(Generic[T]):
    """A job field kept in its `_more` record: read there, and copied out of the shared
    `_PLAIN` before the first change."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, job: Job, owner: type | None = None) -> T:
        value: T = getattr(job._more, self.name)
        return value

    def __set__(self, job: Job, value: T) -> None:
        if job._more is _PLAIN:
            job._more = _PLAIN.copy()
        setattr(job._more, self.name, value)


class Job:
    """One accepted request: who sent what, and its planned timeline.

    Compact, because a load test keeps a million of them: the request's input (prompt or
    image URL) and seed sit in slots of their own, the other fields as an interned tuple
    shared by every job with the same options, and the rare fields in one shared record
    until a job needs its own. `params` gives the request's fields back as a dict.
    """

    __slots__ = (
        "_input",  # an InputImage, or a shared (width, height): a stand-in for `subject`
        "_more",
        "_origin",  # (key, generation, base_url), shared by a key's jobs
        "created_at",
        "ended_at",
        "model",  # an immutable catalog entry: stored as its model_id
        "options",  # every other request field, as (name, value) pairs (interned)
        "request_id",
        "seed",  # the request's or the drawn seed (FIBO), or None
        "settled",  # False while an RMBG input is still being fetched
        "started_at",
        "subject",  # the value of the model's input field (prompt, image_url), or None
    )

    forced: _Rare[Status | None] = _Rare()  # outcome forced by a scenario (FAILED or ERROR)
    error: _Rare[str | None] = _Rare()
    flags: _Rare[frozenset[str]] = _Rare()  # scenario flags, e.g. timestamps-mixed, webhook-drop
    webhook_url: _Rare[str | None] = _Rare()
    webhook_mode: _Rare[str | None] = _Rare()

    def __init__(
        self,
        request_id: str,
        model: Model,
        key: str,
        generation: int,
        params: dict[str, Any],
        created_at: float,
        started_at: float,
        ended_at: float,
        base_url: str,
        forced: Status | None = None,
        error: str | None = None,
        input: InputImage | None = None,
        settled: bool = True,
        flags: frozenset[str] = NO_FLAGS,
        webhook_url: str | None = None,
        webhook_mode: str | None = None,
    ) -> None:
        self.request_id = request_id
        self.model = model
        self._origin = _shared((key, generation, base_url))
        self.subject, self.seed, self.options = _split(model, params)
        self.created_at = created_at
        self.started_at = started_at
        self.ended_at = ended_at
        self.input = input
        self.settled = settled
        rare = forced or error or flags or webhook_url or webhook_mode
        self._more = _Extras(forced, error, flags, webhook_url, webhook_mode) if rare else _PLAIN

    @property
    def key(self) -> str:
        """The key that submitted it (records refer to each other by id)."""
        key: str = self._origin[0]
        return key

    @property
    def generation(self) -> int:
        generation: int = self._origin[1]
        return generation

    @property
    def base_url(self) -> str:
        """Where the submit came in, for URLs in callbacks."""
        base_url: str = self._origin[2]
        return base_url

    @property
    def input(self) -> InputImage | None:
        """The resolved RMBG input; None before it is known, and for FIBO."""
        image = self._input
        if type(image) is tuple:
            return InputImage("stand-in", self.subject, *image)
        return image  # type: ignore[no-any-return]

    @input.setter
    def input(self, image: InputImage | None) -> None:
        if image is not None and image.source == "stand-in" and image.ref == self.subject:
            # The usual RMBG input in a load test (a remote URL not fetched): its size alone.
            self._input = _shared((image.width, image.height))
        else:
            self._input = image

    def option(self, name: str) -> Any:
        """One of the options (a request field other than the input and the seed), or None."""
        for option, value in self.options:
            if option == name:
                return value
        return None

    @property
    def params(self) -> dict[str, Any]:
        """The request's fields, the model's defaults filled in and the seed drawn (a new
        dict: the compact form is what the job keeps)."""
        params = dict(self.options)
        if self.subject is not None:
            params[self.model.input_field] = self.subject
        if self.seed is not None:
            params["seed"] = self.seed
        return params

    def __repr__(self) -> str:
        return f"Job({self.request_id!r}, {self.model.model_id!r}, {self.params!r})"

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
            return ASPECT_RATIO_SIZES[self.option("aspect_ratio")]
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
