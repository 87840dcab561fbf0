"""The contract's checks: plain functions that raise `ContractViolation` naming the rule.

Each message is one line: `[rule] what happened, the contract says what`. The rule tag is
stable, so the report, the suite's own sharpness tests and a reader can tell which promise
broke. Every body is validated against `schemas/`.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

from jsonschema.exceptions import best_match

import pixazo_schemas as schemas

from .contract import NEXT, STATUS_PATH, TERMINAL
from .http import Answer

__all__ = [
    "ContractViolation",
    "check_error",
    "check_history",
    "check_json_error_body",
    "check_png",
    "check_schema",
    "check_status_answer",
    "check_submit_accepted",
    "parse_timestamp",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class ContractViolation(AssertionError):
    """A gateway answer that breaks the documented contract; `rule` names the promise."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"[{rule}] {message}")
        self.rule = rule
        self.detail = message


def check_schema(name: str, body: Any, what: str) -> dict[str, Any]:
    """`body` if it fits the schema called `name`, else a violation naming the field."""
    validator = schemas.validator(name)
    error = best_match(validator.iter_errors(body))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        message = error.message if len(error.message) <= 160 else error.message[:160] + "…"
        raise ContractViolation(f"schema:{name}", f"{what} breaks {name} at {where}: {message}")
    if not isinstance(body, dict):  # every schema of ours is an object; keep mypy honest
        raise ContractViolation(f"schema:{name}", f"{what} is not a JSON object")
    return body


def check_json_error_body(answer: Answer, what: str) -> dict[str, Any]:
    """The error body of `answer` if it is a JSON object fitting common/error."""
    if "json" not in answer.content_type or not isinstance(answer.json, dict):
        raise ContractViolation(
            "error-json",
            f"the {answer.status} answer to {what} is {answer.content_type or 'untyped'} "
            f"({answer.snippet(60)!r}), the contract says a JSON error body",
        )
    return check_schema("common/error", answer.json, f"the {answer.status} body of {what}")


def check_error(
    answer: Answer, status: int, rule: str, what: str, *, field: str | None = None
) -> dict[str, Any]:
    """An error answer: the status, a JSON body fitting common/error, and (when the body
    names one) the offending `field`."""
    if answer.status != status:
        raise ContractViolation(
            rule, f"{what} answered {answer.status}, the contract says {status} ({_body(answer)})"
        )
    body = check_json_error_body(answer, what)
    named = body.get("field")
    if field is not None and named is not None and named != field:
        raise ContractViolation(
            "error-field", f"the 400 answer to {what} names field {named!r}, not {field!r}"
        )
    return body


def check_submit_accepted(answer: Answer, model: str, base_url: str) -> dict[str, Any]:
    """A generation-2 submit answer: 202, the three fields, an id of the model, a polling URL
    on the target that points at that id."""
    if answer.status != 202:
        raise ContractViolation(
            "submit-202",
            f"a {model} submit answered {answer.status}, the contract says 202 ({_body(answer)})",
        )
    if not isinstance(answer.json, dict):
        raise ContractViolation(
            "submit-json", f"the 202 body is not a JSON object: {_body(answer)}"
        )
    body = check_schema("gen2/submit_response", answer.json, f"the {model} submit answer")
    request_id: str = body["request_id"]
    if not request_id.startswith(model + "_"):
        raise ContractViolation(
            "request-id", f"request_id {request_id!r} is not prefixed by the model {model!r}"
        )
    polling_url: str = body["polling_url"]
    if not polling_url.endswith(STATUS_PATH + request_id):
        raise ContractViolation(
            "polling-url", f"polling_url {polling_url!r} does not point at {request_id!r}"
        )
    if _origin(polling_url) != _origin(base_url):
        raise ContractViolation(
            "polling-url", f"polling_url {polling_url!r} is not on the target {base_url!r}"
        )
    return body


def check_status_answer(answer: Answer, request_id: str, model: str, what: str) -> dict[str, Any]:
    """A status answer for a known job: 200, a body fitting gen2/status_response, this job."""
    if answer.status != 200:
        raise ContractViolation(
            "status-200",
            f"{what} of {request_id} answered {answer.status}, the contract says 200 "
            f"({_body(answer)})",
        )
    body = check_schema("gen2/status_response", answer.json, f"{what} of {request_id}")
    if body["request_id"] != request_id or body["model_id"] != model:
        raise ContractViolation(
            "job-identity",
            f"{what} of {request_id} describes {body['request_id']!r} of model "
            f"{body['model_id']!r}",
        )
    return body


def check_history(polls: Sequence[Mapping[str, Any]]) -> None:
    """Every rule that spans polls of one job, over its polls so far, oldest first."""
    check_terminal_stable(polls)  # first: a changed terminal is a transition too, but this says why
    check_transitions(polls)
    for body in polls:
        check_timestamps(body)
    check_stable_fields(polls)


def check_transitions(polls: Sequence[Mapping[str, Any]]) -> None:
    """Statuses only move along QUEUED -> PROCESSING -> COMPLETED | FAILED | ERROR."""
    for before, after in pairwise(polls):
        old, new = before["status"], after["status"]
        if new not in NEXT.get(old, frozenset()):
            raise ContractViolation(
                "transition", f"{after['request_id']} went from {old} to {new}, not allowed"
            )


def check_terminal_stable(polls: Sequence[Mapping[str, Any]]) -> None:
    """Once terminal, every later poll answers the identical body."""
    first = next((body for body in polls if body["status"] in TERMINAL), None)
    if first is None:
        return
    for later in polls[polls.index(first) + 1 :]:
        if later != first:
            changed = sorted(k for k in {*first, *later} if first.get(k) != later.get(k))
            raise ContractViolation(
                "terminal-stable",
                f"{first['request_id']} was {first['status']}, a later poll changed "
                f"{', '.join(changed)} (status now {later.get('status')})",
            )


def check_timestamps(body: Mapping[str, Any]) -> None:
    """created_at <= updated_at <= completed_at (when there is one)."""
    names = ["created_at", "updated_at"] + (["completed_at"] if body["completed_at"] else [])
    moments = [(name, *parse_timestamp(body[name])) for name in names]
    for (a, at, a_exact), (b, bt, b_exact) in pairwise(moments):
        # The webhook example's form has no fraction: allow the truncated second.
        slack = timedelta(0) if a_exact and b_exact else timedelta(seconds=1)
        if bt + slack < at:
            raise ContractViolation(
                "timestamps-ordered",
                f"{body['request_id']}: {b} {body[b]} is before {a} {body[a]}",
            )


def check_stable_fields(polls: Sequence[Mapping[str, Any]]) -> None:
    """created_at never changes; updated_at never goes back."""
    for before, after in pairwise(polls):
        if after["created_at"] != before["created_at"]:
            raise ContractViolation(
                "created-at-stable",
                f"{after['request_id']}: created_at changed from {before['created_at']} "
                f"to {after['created_at']}",
            )
        old, old_exact = parse_timestamp(before["updated_at"])
        new, new_exact = parse_timestamp(after["updated_at"])
        slack = timedelta(0) if old_exact and new_exact else timedelta(seconds=1)
        if new + slack < old:
            raise ContractViolation(
                "timestamps-ordered",
                f"{after['request_id']}: updated_at went back from {before['updated_at']} "
                f"to {after['updated_at']}",
            )


def parse_timestamp(text: str) -> tuple[datetime, bool]:
    """The moment (UTC) and whether it has a fraction of a second.

    Both documented forms: `2026-03-31T10:00:00.000Z` and `2026-05-22 13:19:23`.
    """
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment, "." in text


def check_png(answer: Answer, size: tuple[int, int] | None, what: str) -> tuple[int, int]:
    """A downloaded output: 200, PNG bytes, and (when known) exactly `size` pixels."""
    if answer.status != 200:
        raise ContractViolation("png", f"{what}: download answered {answer.status}")
    data = answer.body
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR" or len(data) < 24:
        raise ContractViolation("png", f"{what}: the output is not a PNG ({data[:16]!r})")
    found: tuple[int, int] = struct.unpack(">II", data[16:24])
    if size is not None and found != size:
        raise ContractViolation(
            "png-size",
            f"{what}: the PNG is {found[0]}x{found[1]}, the contract says {size[0]}x{size[1]}",
        )
    return found


def _body(answer: Answer) -> str:
    return f"body {answer.snippet(100)!r}" if answer.body else "empty body"


def _origin(url: str) -> tuple[str, str]:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower(), parts.netloc.lower()
    except ValueError:
        return "", url
