"""Request bodies checked against `schemas/`, with errors that name the field.

Two validators, one authority: a body that `fastjsonschema`'s compiled check accepts is
accepted at once (a couple of microseconds, on every submit); anything else goes to
`jsonschema`, which decides and explains. So the fast path can only ever save time, never
accept what jsonschema would reject (tests/core/test_validation.py checks that property).

jsonschema is imported on the first body the compiled check refuses, not at start: its import
is about a tenth of the mock's start-up, and a well-formed submit never needs it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

import fastjsonschema

import pixazo_schemas as schemas

from .errors import InvalidParameters

if TYPE_CHECKING:
    from jsonschema import ValidationError


def check(
    schema_name: str, body: Any, relaxed: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Return `body` if it fits the schema, else raise InvalidParameters naming the field.

    `relaxed`: assumed checks whose constraints (keywords marked `x-assumed` in the schema)
    are lifted, for a mock calibrated to a gateway that accepts more.
    """
    if not isinstance(body, dict):
        raise InvalidParameters("the request body must be a JSON object")
    fast = compiled(schema_name, relaxed)
    if fast is not None:
        try:
            fast(body)
            return body
        except fastjsonschema.JsonSchemaValueException:
            pass  # jsonschema decides, and says why
    v = validator(schema_name, relaxed)
    if v.is_valid(body):
        return body
    from jsonschema.exceptions import best_match

    error = best_match(v.iter_errors(body))
    assert error is not None
    field, message = describe(error)
    raise InvalidParameters(f"{field}: {message}" if field else message, field=field or None)


@cache
def compiled(
    schema_name: str, relaxed: frozenset[str] = frozenset()
) -> Callable[[Any], Any] | None:
    """fastjsonschema's compiled check of a schema (None if it cannot compile it)."""
    try:
        check_: Callable[[Any], Any] = fastjsonschema.compile(
            lifted(schemas.load(schema_name), relaxed),
            use_default=False,  # never fill in the caller's body
        )
    except fastjsonschema.JsonSchemaDefinitionException:
        return None
    return check_


@cache
def validator(schema_name: str, relaxed: frozenset[str] = frozenset()) -> Any:
    """The authoritative jsonschema validator, with `relaxed` assumptions lifted."""
    if not relaxed:
        return schemas.validator(schema_name)
    base = schemas.validator(schema_name)
    return type(base)(lifted(schemas.load(schema_name), relaxed))


def lifted(schema: Any, relaxed: frozenset[str]) -> Any:
    """A copy of `schema` without the keywords that `x-assumed` ties to a relaxed check."""
    if not relaxed:
        return schema
    if isinstance(schema, list):
        return [lifted(item, relaxed) for item in schema]
    if not isinstance(schema, dict):
        return schema
    marks = schema.get("x-assumed") or {}
    dropped = {k for rule, keywords in marks.items() if rule in relaxed for k in keywords}
    return {k: lifted(v, relaxed) for k, v in schema.items() if k not in dropped}


def describe(error: ValidationError) -> tuple[str, str]:
    """(field path, readable message) for one schema error."""
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        required: list[str] = list(error.validator_value)  # type: ignore[arg-type]
        instance: dict[str, object] = error.instance  # type: ignore[assignment]
        missing = [name for name in required if name not in instance]
        name = missing[0] if missing else ""
        return (f"{path}.{name}" if path else name), "is required"
    custom = error.schema.get("x-messages", {}) if isinstance(error.schema, dict) else {}
    if error.validator in custom:
        return path, str(custom[error.validator])
    message = error.message
    if len(message) > 200:  # e.g. a huge data: URL echoed back
        message = message[:200] + "…"
    return path, message
