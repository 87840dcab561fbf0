"""Request bodies checked against `schemas/`, with errors that name the field.

Two validators, one authority: a body that `fastjsonschema`'s compiled check accepts is
accepted at once (a couple of microseconds, on every submit); anything else goes to
`jsonschema`, which decides and explains. So the fast path can only ever save time, never
accept what jsonschema would reject (tests/core/test_validation.py checks that property).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import fastjsonschema
from jsonschema import ValidationError
from jsonschema.exceptions import best_match

import pixazo_schemas as schemas

from .errors import InvalidParameters


def check(schema_name: str, body: Any) -> dict[str, Any]:
    """Return `body` if it fits the schema, else raise InvalidParameters naming the field."""
    if not isinstance(body, dict):
        raise InvalidParameters("the request body must be a JSON object")
    fast = compiled(schema_name)
    if fast is not None:
        try:
            fast(body)
            return body
        except fastjsonschema.JsonSchemaValueException:
            pass  # jsonschema decides, and says why
    v = schemas.validator(schema_name)
    if v.is_valid(body):
        return body
    error = best_match(v.iter_errors(body))
    assert error is not None
    field, message = describe(error)
    raise InvalidParameters(f"{field}: {message}" if field else message, field=field or None)


@cache
def compiled(schema_name: str) -> Callable[[Any], Any] | None:
    """fastjsonschema's compiled check of a schema (None if it cannot compile it)."""
    try:
        check_: Callable[[Any], Any] = fastjsonschema.compile(
            schemas.load(schema_name),
            use_default=False,  # never fill in the caller's body
        )
    except fastjsonschema.JsonSchemaDefinitionException:
        return None
    return check_


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
