"""Request bodies checked against `schemas/`, with errors that name the field."""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match

import schemas

from .errors import InvalidParameters


def check(schema_name: str, body: Any) -> dict[str, Any]:
    """Return `body` if it fits the schema, else raise InvalidParameters naming the field."""
    v = schemas.validator(schema_name)
    if not isinstance(body, dict):
        raise InvalidParameters("the request body must be a JSON object")
    if v.is_valid(body):  # the fast path: one pass, no error objects
        return body
    error = best_match(v.iter_errors(body))
    assert error is not None
    field, message = describe(error)
    raise InvalidParameters(f"{field}: {message}" if field else message, field=field or None)


def describe(error: ValidationError) -> tuple[str, str]:
    """(field path, readable message) for one schema error."""
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        required: list[str] = list(error.validator_value)  # type: ignore[arg-type]
        instance: dict[str, object] = error.instance  # type: ignore[assignment]
        missing = [name for name in required if name not in instance]
        name = missing[0] if missing else ""
        return (f"{path}.{name}" if path else name), "is required"
    if error.validator == "additionalProperties":
        return path, error.message
    custom = error.schema.get("x-messages", {}) if isinstance(error.schema, dict) else {}
    if error.validator in custom:
        return path, str(custom[error.validator])
    message = error.message
    if len(message) > 200:  # e.g. a huge data: URL echoed back
        message = message[:200] + "…"
    return path, message
