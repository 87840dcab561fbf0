"""What the client hands back: models, submissions and one status shape for both API generations.

Generation 2 (the current page) answers a submit with 202 `{request_id: "<model id>_<uuid>",
status: "QUEUED", polling_url}` and reports on `GET /v2/requests/status/{id}`. Generation 1
(the older page; which one answers is a property of the key) answers 200 `{status:
"IN_QUEUE", request_id: <uuid>, response_url}` and reports on
`POST /<model>/v1/<name>-request-result`.
`JobStatus` is the same for both; `.raw` keeps the body exactly as it came.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pixazo_schemas

from .errors import UnexpectedResponseError

__all__ = ["JobStatus", "Model", "State", "Submission", "status_from_gen1", "status_from_gen2"]


class Model(StrEnum):
    """A model the gateway sells; the value is its model id. Its endpoint name and price come
    from the model catalog (`pixazo_schemas.catalog()`), which the mock reads too."""

    RMBG = "bria-rmbg-2-0-682"
    FIBO = "bria-fibo-bbq-preview"

    @property
    def endpoint_name(self) -> str:
        """The `<name>` in `/<model id>/v1/<name>-request`."""
        return _NAMES[self]

    @property
    def price_usd(self) -> Decimal:
        return _PRICES[self]

    @property
    def submit_path(self) -> str:
        return f"/{self.value}/v1/{self.endpoint_name}-request"

    @property
    def result_path(self) -> str:
        """Generation 1's result endpoint."""
        return f"/{self.value}/v1/{self.endpoint_name}-request-result"

    @classmethod
    def parse(cls, text: str | Model) -> Model:
        """A model from its id or its short name (`rmbg`, `fibo`), any case."""
        if isinstance(text, Model):
            return text
        wanted = text.strip().lower()
        for model in cls:
            if wanted in (model.value, model.name.lower()):
                return model
        names = ", ".join(f"{m.name.lower()} ({m.value})" for m in cls)
        raise ValueError(f"unknown model {text!r}; known: {names}")


# Every member's catalog entry (a KeyError here: the catalog lost a model the client names).
_ENTRIES = {entry["model_id"]: entry for entry in pixazo_schemas.catalog()["models"]}
_NAMES: dict[Model, str] = {model: _ENTRIES[model.value]["name"] for model in Model}
_PRICES: dict[Model, Decimal] = {
    model: Decimal(_ENTRIES[model.value]["price_usd"]) for model in Model
}


class State(StrEnum):
    """A job's state, in generation 2's words (generation 1's are translated)."""

    QUEUED = "QUEUED"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"  # the input or the model refused the job (charged)
    ERROR = "ERROR"  # a platform fault (not charged); generation 1 shows it as FAILED

    @property
    def terminal(self) -> bool:
        return self in (State.COMPLETED, State.FAILED, State.ERROR)


_GEN1_STATES = {
    "IN_QUEUE": State.QUEUED,
    "IN_PROGRESS": State.PROCESSING,
    "COMPLETED": State.COMPLETED,
    "FAILED": State.FAILED,
}


@dataclass(frozen=True, slots=True)
class Submission:
    """An accepted job: its request id, model, and the API generation that took it."""

    request_id: str
    model: Model
    generation: int  # 2: polled on /v2/requests/status; 1: on the model's result endpoint
    status_url: str  # generation 2's polling_url, generation 1's response_url
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "status": State.QUEUED.value,
            "model_id": self.model.value,
            "generation": self.generation,
            "status_url": self.status_url,
            "price_usd": str(self.model.price_usd),
        }

    @classmethod
    def from_answer(cls, model: Model, body: Any, status_code: int = 202) -> Submission:
        """The submission from a submit answer of either generation."""
        if isinstance(body, dict) and isinstance(body.get("request_id"), str):
            if isinstance(body.get("polling_url"), str) and body.get("status") == "QUEUED":
                return cls(body["request_id"], model, 2, body["polling_url"], body)
            if isinstance(body.get("response_url"), str) and body.get("status") == "IN_QUEUE":
                return cls(body["request_id"], model, 1, body["response_url"], body)
        raise _unexpected("submit answer", body, status_code)


@dataclass(frozen=True, slots=True)
class JobStatus:
    """One job's state, the same shape whichever generation reported it."""

    request_id: str
    status: State
    model_id: str | None
    media_urls: tuple[str, ...] = ()
    media_type: str | None = None
    error: str | None = None
    estimated_seconds: int | None = None  # generation 1 says, while IN_PROGRESS
    generation: int = 2
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def terminal(self) -> bool:
        return self.status.terminal

    def to_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "status": self.status.value,
            "model_id": self.model_id,
            "generation": self.generation,
            "media_urls": list(self.media_urls),
            "media_type": self.media_type,
            "error": self.error,
            "estimated_seconds": self.estimated_seconds,
            "raw": dict(self.raw),
        }


def status_from_gen2(body: Any, status_code: int = 200) -> JobStatus:
    """A generation-2 status body (the status endpoint, and every webhook callback)."""
    if not isinstance(body, dict) or not isinstance(body.get("request_id"), str):
        raise _unexpected("status answer", body, status_code)
    try:
        state = State(str(body.get("status")))
    except ValueError:
        raise _unexpected("status answer", body, status_code) from None
    output: dict[str, Any] = body["output"] if isinstance(body.get("output"), dict) else {}
    urls = output.get("media_url") or []
    return JobStatus(
        request_id=body["request_id"],
        status=state,
        model_id=_text(body.get("model_id")),
        media_urls=tuple(u for u in urls if isinstance(u, str)) if isinstance(urls, list) else (),
        media_type=_text(output.get("media_type")),
        error=_text(body.get("error")),
        generation=2,
        raw=body,
    )


def status_from_gen1(body: Any, model: Model, status_code: int = 200) -> JobStatus:
    """A generation-1 result body; its IN_QUEUE/IN_PROGRESS become QUEUED/PROCESSING."""
    if not isinstance(body, dict) or body.get("status") not in _GEN1_STATES:
        raise _unexpected("result answer", body, status_code)
    result: dict[str, Any] = body["result"] if isinstance(body.get("result"), dict) else {}
    url = result.get("image_url")
    estimate = body.get("estimated_completion_time_seconds")
    return JobStatus(
        request_id=str(body.get("request_id", "")),
        status=_GEN1_STATES[body["status"]],
        model_id=model.value,
        media_urls=(url,) if isinstance(url, str) else (),
        media_type=_text(result.get("content_type")),
        error=_text(body.get("error")),
        estimated_seconds=estimate if type(estimate) is int else None,
        generation=1,
        raw=body,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _unexpected(what: str, body: Any, status_code: int) -> UnexpectedResponseError:
    shown = repr(body)
    shown = shown[:200] + ("…" if len(shown) > 200 else "")
    return UnexpectedResponseError(
        f"unexpected {what}: {shown}", status_code=status_code, body=body
    )
