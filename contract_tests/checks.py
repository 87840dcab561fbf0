"""The contract's checks: plain functions that raise `ContractViolation` naming the rule.

Each message is one line: `[rule] what happened, the contract says what`. The rule is a check
id from `registry` (documented or assumed), so the report, the suite's own sharpness tests
and a reader can tell which promise broke. Each rule that holds is told to the run's ledger.
Every body is validated against `schemas/`; a schema keyword marked `x-assumed` there is an
assumption, reported as such, never a violation on a live target.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

from jsonschema.exceptions import ValidationError, best_match

import pixazo_schemas as schemas

from .contract import GEN1_ERRORS, NEXT, STATUS_PATH, TERMINAL
from .expectations import expected
from .http import Answer
from .ledger import ContractViolation, current
from .registry import ASSUMED, check_for

__all__ = [
    "ContractViolation",
    "check_error",
    "check_history",
    "check_json_answer",
    "check_json_error_body",
    "check_png",
    "check_schema",
    "check_status_answer",
    "check_submit_accepted",
    "check_table_body",
    "parse_timestamp",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _assumed_by(error: ValidationError) -> str | None:
    """The assumed check behind a schema error: the `x-assumed` mark ({id: [keywords]}) on
    the subschema whose keyword failed, or None when the keyword is documented."""
    marks = error.schema.get("x-assumed") if isinstance(error.schema, dict) else None
    if isinstance(marks, dict):
        for rule, keywords in marks.items():
            if error.validator in keywords:
                return str(rule)
    return None


def check_schema(
    name: str, body: Any, what: str, answer: Answer | None = None
) -> dict[str, Any]:
    """`body` if it fits the schema called `name`, else a violation naming the field.

    Errors on keywords marked `x-assumed` are assumptions: told to the ledger (which raises
    on the mock) and otherwise let through.
    """
    validator = schemas.validator(name)
    documented: list[ValidationError] = []
    for error in validator.iter_errors(body):
        rule = _assumed_by(error)
        if rule is None:
            documented.append(error)
            continue
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        current().assumption(
            rule,
            holds=False,
            observed=error.instance if isinstance(error.instance, str) else repr(error.instance),
            answer=answer,
            message=f"{what}: {where} is {error.instance!r} ({_short(error.message)})",
        )
    error = best_match(documented)
    if error is not None:
        error = _within_branch(error)
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ContractViolation(
            f"schema:{name}", f"{what} breaks {name} at {where}: {_short(error.message)}", answer
        )
    if not isinstance(body, dict):  # every schema of ours is an object; keep mypy honest
        raise ContractViolation(f"schema:{name}", f"{what} is not a JSON object", answer)
    ledger = current()
    ledger.passed(f"schema:{name}", answer)
    broken = {e.check.id for e in ledger.entries.values() if e.broke}
    for rule in _marks(name) - broken:  # the schema's assumptions held for this body
        ledger.passed(rule, answer)
    return body


@cache
def _marks(name: str) -> frozenset[str]:
    """The assumed checks marked (`x-assumed`) anywhere in a schema."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found.update(node.get("x-assumed") or {})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schemas.load(name))
    return frozenset(found)


def _within_branch(error: ValidationError) -> ValidationError:
    """For a body that fits no branch of a per-status `oneOf`, the error inside the branch of
    its own status (e.g. "completed_at is a required property"), not "fits no branch"."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return error
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    own = [
        errors
        for errors in branches.values()
        if not any(list(e.relative_path) == ["status"] for e in errors)
    ]
    if len(own) != 1:
        return error  # the status itself fits no branch: the top-level message says so
    found = best_match(own[0])
    return error if found is None else _within_branch(found)


def _short(message: str) -> str:
    return message if len(message) <= 160 else message[:160] + "…"


def check_json_answer(answer: Answer, what: str) -> Any:
    """The parsed body of a JSON answer, which must be served as application/json."""
    json_type = answer.content_type == "application/json" or (
        answer.content_type.startswith("application/") and answer.content_type.endswith("+json")
    )
    if answer.json is None or not json_type:
        raise ContractViolation(
            "json-content-type",
            f"the {answer.status} answer to {what} is {answer.content_type or 'untyped'} "
            f"({answer.snippet(60)!r}), the contract says JSON as application/json",
            answer,
        )
    current().passed("json-content-type", answer)
    return answer.json


def check_json_error_body(answer: Answer, what: str) -> dict[str, Any]:
    """The error body of `answer` if it is a JSON object fitting common/error."""
    if "json" not in answer.content_type or not isinstance(answer.json, dict):
        raise ContractViolation(
            "error-json",
            f"the {answer.status} answer to {what} is {answer.content_type or 'untyped'} "
            f"({answer.snippet(60)!r}), the contract says a JSON error body",
            answer,
        )
    current().passed("error-json", answer)
    check_json_answer(answer, what)
    body: dict[str, Any] = answer.json
    if answer.status in (401, 404, 429) or "statusCode" in body:
        # The front door (Azure APIM) is known to answer these as {"statusCode", "message"}:
        # that shape is an assumption's business, not a broken error body.
        style = "apim" if "statusCode" in body and "error" not in body else "page"
        current().assumption(
            "assumed.error.apim-style",
            holds=style == expected().error_style,
            observed=style,
            answer=answer,
            message=f"the {answer.status} body of {what} is in the APIM shape: {body}",
        )
        if style == "apim":
            return body
    return check_schema("common/error", body, f"the {answer.status} body of {what}", answer)


def check_error(
    answer: Answer, status: int, rule: str, what: str, *, field: str | None = None
) -> dict[str, Any]:
    """An error answer: the status, a JSON body fitting common/error, and (when the body
    names one) the offending `field`."""
    message = f"{what} answered {answer.status}, the contract says {status} ({_body(answer)})"
    if check_for(rule).kind == ASSUMED:
        # Only the mock's choice says `status` here: on a live target, what came is reported.
        # A profile may say the target accepts what the mock refuses (a lifted constraint).
        accepts = rule in expected().relaxed
        holds = 200 <= answer.status < 300 if accepts else answer.status == status
        current().assumption(
            rule, holds=holds, observed=f"HTTP {answer.status}", answer=answer, message=message
        )
        if answer.status != status:  # contradicted, or accepted as the profile expects
            return answer.json if isinstance(answer.json, dict) else {}
    elif answer.status != status:
        raise ContractViolation(rule, message, answer)
    current().passed(rule, answer)
    body = check_json_error_body(answer, what)
    named = body.get("field")
    if field is not None and named is not None:
        current().assumption(
            "assumed.error.texts",
            holds=named == field,
            observed=f"field {named!r}",
            answer=answer,
            message=f"the 400 answer to {what} names field {named!r}, not {field!r}",
        )
    return body


def check_table_body(answer: Answer, body: dict[str, Any], *, generation: int = 2) -> None:
    """An error body against the generation-1 page's table: exactly that body on generation 1
    (documented); on generation 2, which lists these codes without bodies, the same `error`
    text is an assumption (an APIM-shaped body is its own)."""
    text = GEN1_ERRORS.get(answer.status)
    if text is None:
        return
    if generation == 1:
        if body != {"error": text}:
            raise ContractViolation(
                "gen1-error-body",
                f"the {answer.status} body is {body}, the page's is {{'error': {text!r}}}",
                answer,
            )
        current().passed("gen1-error-body", answer)
    elif "statusCode" not in body:
        current().assumption(
            "assumed.error.gen2-borrowed-bodies",
            holds=body.get("error") == text,
            observed=f"{answer.status} error {body.get('error')!r}",
            answer=answer,
            message=f"the {answer.status} body is {body}, the generation-1 table's error is "
            f"{text!r}",
        )


def check_submit_accepted(answer: Answer, model: str, base_url: str) -> dict[str, Any]:
    """A generation-2 submit answer: 202, the three fields, an id of the model, a polling URL
    on the target that points at that id."""
    if answer.status != 202:
        raise ContractViolation(
            "submit-202",
            f"a {model} submit answered {answer.status}, the contract says 202 ({_body(answer)})",
            answer,
        )
    current().passed("submit-202", answer)
    if not isinstance(answer.json, dict):
        raise ContractViolation(
            "submit-json", f"the 202 body is not a JSON object: {_body(answer)}", answer
        )
    check_json_answer(answer, f"a {model} submit")
    current().passed("submit-json", answer)
    body = check_schema("gen2/submit_response", answer.json, f"the {model} submit answer", answer)
    request_id: str = body["request_id"]
    if not request_id.startswith(model + "_"):
        raise ContractViolation(
            "request-id",
            f"request_id {request_id!r} is not prefixed by the model {model!r}",
            answer,
        )
    current().passed("request-id", answer)
    polling_url: str = body["polling_url"]
    if not polling_url.endswith(STATUS_PATH + request_id):
        raise ContractViolation(
            "polling-url", f"polling_url {polling_url!r} does not point at {request_id!r}", answer
        )
    if _origin(polling_url) != _origin(base_url):
        raise ContractViolation(
            "polling-url", f"polling_url {polling_url!r} is not on the target {base_url!r}", answer
        )
    current().passed("polling-url", answer)
    return body


def check_status_answer(answer: Answer, request_id: str, model: str, what: str) -> dict[str, Any]:
    """A status answer for a known job: 200, a body fitting gen2/status_response, this job."""
    if answer.status != 200:
        raise ContractViolation(
            "status-200",
            f"{what} of {request_id} answered {answer.status}, the contract says 200 "
            f"({_body(answer)})",
            answer,
        )
    current().passed("status-200", answer)
    check_json_answer(answer, f"{what} of {request_id}")
    body = check_schema("gen2/status_response", answer.json, f"{what} of {request_id}", answer)
    if body["request_id"] != request_id or body["model_id"] != model:
        raise ContractViolation(
            "job-identity",
            f"{what} of {request_id} describes {body['request_id']!r} of model "
            f"{body['model_id']!r}",
            answer,
        )
    current().passed("job-identity", answer)
    if "polling_url" in body:
        raise ContractViolation(
            "status-fields", f"{what} of {request_id} carries polling_url, a submit field", answer
        )
    current().passed("status-fields", answer)
    observe_conventions(body, answer)
    return body


# The two forms the generation-2 page shows: its status example, and the second one in its
# webhook example.
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
_PLAIN = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def timestamp_form(body: Mapping[str, Any]) -> str:
    """"iso" (every stamp like 2026-03-31T10:00:00.000Z), "mixed" (created_at so, the rest
    like 2026-05-22 13:19:23, as the webhook example), "plain", or "other" (one value, so a
    profile can expect it and the observed list is not filled by every odd stamp)."""
    stamps = [body[n] for n in ("created_at", "updated_at", "completed_at") if body.get(n)]
    forms = ["iso" if _ISO.match(s) else "plain" if _PLAIN.match(s) else "other" for s in stamps]
    if all(f == "iso" for f in forms):
        return "iso"
    if all(f == "plain" for f in forms):
        return "plain"
    if forms[0] == "iso" and all(f == "plain" for f in forms[1:]):
        return "mixed"
    return "other"


def observe_conventions(body: Mapping[str, Any], answer: Answer | None = None) -> None:
    """The assumed conventions of a status body: the timestamp form and the media type."""
    ledger, wanted = current(), expected()
    form = timestamp_form(body)
    ledger.assumption(
        "assumed.timestamps.form",
        holds=form == wanted.timestamp_form,
        observed=form,
        answer=answer,
        message=f"timestamps in the {form!r} form (created_at {body['created_at']!r}, "
        f"updated_at {body['updated_at']!r}), expected {wanted.timestamp_form!r}",
    )
    output = body.get("output")
    if isinstance(output, dict):
        media_type = output.get("media_type")
        ledger.assumption(
            "assumed.output.media-type",
            holds=media_type == wanted.media_type,
            observed=str(media_type),
            answer=answer,
            message=f"output.media_type is {media_type!r}, expected {wanted.media_type!r}",
        )


def check_history(polls: Sequence[Mapping[str, Any]]) -> None:
    """Every rule that spans polls of one job, over its polls so far, oldest first."""
    check_terminal_stable(polls)  # first: a changed terminal is a transition too, but this says why
    check_transitions(polls)
    for body in polls:
        check_timestamps(body)
    check_stable_fields(polls)
    ledger = current()
    for rule in ("terminal-stable", "transition", "timestamps-ordered", "created-at-stable"):
        ledger.passed(rule)


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
        raise ContractViolation("png", f"{what}: download answered {answer.status}", answer)
    data = answer.body
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR" or len(data) < 24:
        raise ContractViolation("png", f"{what}: the output is not a PNG ({data[:16]!r})", answer)
    current().passed("png", answer)
    found: tuple[int, int] = struct.unpack(">II", data[16:24])
    if size is not None:
        current().assumption(
            "assumed.output.sizes",
            holds=found == size,
            observed=f"{found[0]}x{found[1]} where {size[0]}x{size[1]} was expected",
            answer=answer,
            message=f"{what}: the PNG is {found[0]}x{found[1]}, expected {size[0]}x{size[1]}",
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
