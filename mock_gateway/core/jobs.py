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
from functools import lru_cache, partial
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


Options = tuple[tuple[str, Any], ...]


class Details:
    """What a job shares with many others until it needs its own: the request's options
    (every field but the input and the seed, the model's defaults filled in) and the rare
    fields (forced outcome, error, scenario flags, webhook, an input still in flight).

    A shared record is never changed: setting a field on a job gives it its own copy first.
    """

    __slots__ = (
        "error",
        "flags",
        "forced",
        "options",
        "settled",
        "shared",
        "webhook_mode",
        "webhook_url",
    )

    def __init__(
        self,
        options: Options,
        forced: Status | None = None,
        error: str | None = None,
        flags: frozenset[str] = NO_FLAGS,
        webhook_url: str | None = None,
        webhook_mode: str | None = None,
        settled: bool = True,
        shared: bool = False,
    ) -> None:
        self.options = options
        self.forced = forced
        self.error = error
        self.flags = flags
        self.webhook_url = webhook_url
        self.webhook_mode = webhook_mode
        self.settled = settled
        self.shared = shared

    def own(self) -> Details:
        return Details(
            self.options,
            self.forced,
            self.error,
            self.flags,
            self.webhook_url,
            self.webhook_mode,
            self.settled,
        )


# Values many jobs repeat (option sets, a key with its generation and host, a stand-in's
# size) are kept once and shared, so a million jobs do not hold a million copies. Bounded:
# past the cap a value is kept unshared; a reset forgets them all (`forget_shared`).
_SHARED: dict[Any, Any] = {}
_SHARED_CAP = 8192
_SHAREABLE_TEXT = 256  # longer text (a free-form extra field) is never kept for sharing


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


def _typed(value: Any) -> Any:
    """What tells two option values apart: 7, 7.0 and True are equal, and so are 0.0 and
    -0.0, but a job echoes what its client sent."""
    return (float, repr(value)) if type(value) is float else (type(value), value)


# Options -> the plain record of the jobs that set no rare field: the submit path's lookup,
# by the options tuple's id (checked with `is`; the record holds the tuple, so the id is
# not reused while the entry lives). A model's defaults always get an entry, whatever the
# cap: every request that sets no option of its own shares it.
_PLAIN: dict[int, Details] = {}


def plain_details(options: Options, *, defaults: bool = False) -> Details:
    """The shared record of plain jobs (no rare field set) with these options; a model's
    `defaults` are kept whatever the cap (every request setting no option shares them)."""
    known = _PLAIN.get(id(options))
    if known is not None and known.options is options:
        return known
    if defaults:
        known = _PLAIN[id(options)] = Details(options, shared=True)
        return known
    if any(type(v) is str and len(v) > _SHAREABLE_TEXT for _, v in options):
        return Details(options, shared=True)  # one of a kind: not worth a cache entry
    typed = ("details", *((name, _typed(value)) for name, value in options))
    details: Details = _shared(Details(options, shared=True), typed)
    if details.options is options and len(_PLAIN) < _SHARED_CAP:
        _PLAIN[id(options)] = details
    return details


_ORIGINS: dict[tuple[str, int, str, int], tuple[str, int, str, Model]] = {}


def _origin(key: str, generation: int, base_url: str, model: Model) -> tuple[str, int, str, Model]:
    origin = (key, generation, base_url, model)
    if len(_ORIGINS) < _SHARED_CAP:
        _ORIGINS[key, generation, base_url, id(model)] = origin
    return origin


def forget_shared() -> None:
    """Forget the shared values (a reset): the jobs that hold them keep them, and a shared
    record is copied before any change, so nothing a job reads changes."""
    _SHARED.clear()
    _PLAIN.clear()
    _ORIGINS.clear()


def _split(model: Model, params: dict[str, Any]) -> tuple[Any, Any, Options]:
    """(input value, seed, options) of a request's fields; the model's defaults fill in the
    options left out. None marks "not sent" in the first two: a null stays an option."""
    subject = params.get(model.input_field)
    # Only a generated picture has a seed of its own (elsewhere a "seed" is one more option).
    seed = params.get("seed") if model.input_field == "prompt" else None
    if len(params) == (subject is not None) + (seed is not None):
        return subject, seed, model.defaults  # the common request: nothing but input and seed
    merged = dict(model.defaults)
    merged.update(params)
    if subject is not None:
        del merged[model.input_field]
    if seed is not None:
        del merged["seed"]
    return subject, seed, tuple(merged.items())


class Job:
    """One accepted request: who sent what, and its planned timeline.

    Compact, because a load test keeps a million of them (under 500 bytes each, `make
    bench`): seven slots, and what jobs repeat is shared, not copied.
    - `subject` (the prompt or image URL) has a slot; so has what the model adds, the seed
      of a generated picture or the resolved input of a cut-out. The other request fields,
      with the rare ones, are a Details record shared by every plain job with the same
      options. `params` gives the request's fields back as a dict.
    - The key, its generation, the host the submit came in on and the model: one shared
      tuple.
    - The plan's two instants, processing start and end, are the two exact doubles of one
      complex number (one object instead of two floats).
    - A stand-in input (a remote URL not fetched) is kept as its shared size alone.
    Records refer to each other by id: the key, and the model by its model_id in a store.
    """

    __slots__ = (
        # FIBO: the request's or the drawn seed (or None). RMBG: the input, None until it is
        # known, an InputImage, or a shared (width, height) for a stand-in of `subject`.
        "_extra",
        "_more",  # Details, usually shared
        "_origin",  # (key, generation, base_url, model), shared
        "_plan",  # complex(started_at, ended_at)
        "created_at",
        "request_id",
        "subject",  # the value of the model's input field (prompt, image_url), or None
    )
    _extra: Any
    _more: Details
    _origin: tuple[str, int, str, Model]
    _plan: complex
    created_at: float
    request_id: str
    subject: Any

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
        # The submit path: each step has a fast case inline, and its general case in a helper.
        self.request_id = request_id
        self.subject, self._extra, options = _split(model, params)
        # Keyed by the model's id, not its value: hashing a Model hashes all its fields. The
        # kept tuple holds the model, so no other model can come to have that id meanwhile.
        origin = _ORIGINS.get((key, generation, base_url, id(model)))
        self._origin = origin or _origin(key, generation, base_url, model)
        self.created_at = created_at
        self._plan = complex(started_at, ended_at)
        rare = forced is not None or error is not None or webhook_url is not None
        if rare or flags or webhook_mode is not None or not settled:
            self._more = Details(
                plain_details(options).options,
                forced,
                error,
                flags,
                webhook_url,
                webhook_mode,
                settled,
            )
        else:
            plain = _PLAIN.get(id(options))  # plain_details' first step, inline: every submit
            if plain is None or plain.options is not options:
                plain = plain_details(options, defaults=options is model.defaults)
            self._more = plain
        if input is not None:
            self.input = input

    # -- what the Details record keeps: read there; a change first gives the job its own copy

    def _own(self) -> Details:
        if self._more.shared:
            self._more = self._more.own()
        return self._more

    @property
    def forced(self) -> Status | None:
        """The outcome a scenario forced (FAILED or ERROR), if any."""
        return self._more.forced

    @property
    def error(self) -> str | None:
        return self._more.error

    @error.setter
    def error(self, value: str | None) -> None:
        self._own().error = value

    @property
    def settled(self) -> bool:
        """False while an RMBG input is still being fetched."""
        return self._more.settled

    @settled.setter
    def settled(self, value: bool) -> None:
        self._own().settled = value

    @property
    def flags(self) -> frozenset[str]:
        """Scenario flags, e.g. timestamps-mixed, webhook-drop."""
        return self._more.flags

    @property
    def webhook_url(self) -> str | None:
        return self._more.webhook_url

    @property
    def webhook_mode(self) -> str | None:
        return self._more.webhook_mode

    @property
    def options(self) -> Options:
        """Every request field but the input and the seed, as (name, value) pairs."""
        return self._more.options

    @property
    def model(self) -> Model:
        """An immutable catalog entry (a store keeps its model_id)."""
        return self._origin[3]

    @property
    def seed(self) -> Any:
        """The request's or the drawn seed of a generated picture; None for other models."""
        return self._extra if self._origin[3].input_field == "prompt" else None

    @property
    def key(self) -> str:
        """The key that submitted it."""
        return self._origin[0]

    @property
    def generation(self) -> int:
        return self._origin[1]

    @property
    def base_url(self) -> str:
        """Where the submit came in, for URLs in callbacks."""
        return self._origin[2]

    def belongs_to(self, key: str, generation: int) -> bool:
        """Submitted with `key` under that generation (the status path's check, in one call)."""
        origin = self._origin
        return origin[0] == key and origin[1] == generation

    @property
    def started_at(self) -> float:
        return self._plan.real

    @property
    def ended_at(self) -> float:
        return self._plan.imag

    @property
    def input(self) -> InputImage | None:
        """The resolved RMBG input; None before it is known, and for FIBO."""
        if self._origin[3].input_field == "prompt":
            return None
        image = self._extra
        if isinstance(image, tuple):
            return InputImage("stand-in", self.subject, *image)
        assert image is None or isinstance(image, InputImage)
        return image

    @input.setter
    def input(self, image: InputImage | None) -> None:
        if self._origin[3].input_field == "prompt":
            raise ValueError("a generated picture has no input")
        if image is not None and image.source == "stand-in" and image.ref == self.subject:
            # The usual RMBG input in a load test (a remote URL not fetched): its size alone.
            self._extra = _shared((image.width, image.height))
        else:
            self._extra = image

    def option(self, name: str) -> Any:
        """One of the options (a request field other than the input and the seed), or None."""
        for option, value in self._more.options:
            if option == name:
                return value
        return None

    @property
    def params(self) -> dict[str, Any]:
        """The request's fields, the model's defaults filled in and the seed drawn (a new
        dict: the compact form is what the job keeps)."""
        params = dict(self._more.options)
        if self.subject is not None:
            params[self.model.input_field] = self.subject
        if self.seed is not None:
            params["seed"] = self.seed
        return params

    def __repr__(self) -> str:
        return f"Job({self.request_id!r}, {self.model.model_id!r}, {self.params!r})"

    @property
    def outcome(self) -> Status:
        more = self._more
        if more.forced is not None:
            return more.forced
        return Status.FAILED if more.error else Status.COMPLETED

    # The three reads of the status path: one look at the plan each, no property calls.

    def timeline(self, t: float) -> tuple[Status, float, float | None]:
        """(status, updated_at, completed_at) at `t`, all three from one read of the plan
        (the status body's, and every callback's)."""
        plan = self._plan
        if t < plan.real:
            return Status.QUEUED, self.created_at, None
        if t < plan.imag or not self._more.settled:
            # An input still in flight holds the job in PROCESSING: the outcome is unknown.
            return Status.PROCESSING, plan.real, None
        return self.outcome, plan.imag, plan.imag

    def status_at(self, t: float) -> Status:
        return self.timeline(t)[0]

    def updated_at(self, t: float) -> float:
        return self.timeline(t)[1]

    @property
    def output_size(self) -> tuple[int, int]:
        """(width, height) of the output: the input's for RMBG, the aspect ratio's for FIBO."""
        if self.model.input_field == "prompt":
            return ASPECT_RATIO_SIZES[self.option("aspect_ratio")]
        image = self.input
        assert image is not None, "only a completed RMBG job has an output"
        return image.width, image.height

    def completed_at(self, t: float) -> float | None:
        return self.timeline(t)[2]


def _iso(t: float) -> str:
    """`2026-03-31T10:00:00.000Z`, the form of the status page's example."""
    ms = int(t * 1000)
    return f"{_iso_second(ms // 1000)}.{ms % 1000:03d}Z"


def _plain(t: float) -> str:
    """`2026-05-22 13:19:23`, the second form in the webhook example (the default mixed form)."""
    # Rounded up: this form has no milliseconds, and must never read before created_at.
    return _plain_second(math.ceil(t))


def _second(form: str, second: int) -> str:
    return time.strftime(form, time.gmtime(second))


# Cached (a polled job formats the same few instants again and again; `plain` is the default
# form now, as hot), and wrapped rather than decorated so that make mutation can change them.
# A job not yet formatted still shares its second with the jobs submitted next to it: the
# seconds are cached too (strftime is most of a new instant's cost), a few of them.
_iso_second = lru_cache(maxsize=16)(partial(_second, "%Y-%m-%dT%H:%M:%S"))
_plain_second = lru_cache(maxsize=16)(partial(_second, "%Y-%m-%d %H:%M:%S"))
iso = lru_cache(maxsize=65536)(_iso)
plain = lru_cache(maxsize=65536)(_plain)
