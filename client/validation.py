"""Submit parameters checked before any money is spent, against the same `schemas/` the
gateway mock uses; the error names the field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from jsonschema import ValidationError as SchemaError
from jsonschema.exceptions import best_match

import pixazo_schemas as schemas

from .errors import ValidationError
from .models import Model

__all__ = ["check_params", "check_webhook"]

_SCHEMAS = {Model.RMBG: "gen2/rmbg_request", Model.FIBO: "gen2/fibo_request"}
WEBHOOK_MODES = ("terminal", "sync")


def check_params(model: Model, params: Mapping[str, Any]) -> dict[str, Any]:
    """The submit body for `model`, or ValidationError naming the first field at fault."""
    body = dict(params)
    validator = schemas.validator(_SCHEMAS[model])
    error = best_match(validator.iter_errors(body))
    if error is not None:
        field, message = _describe(error)
        raise ValidationError(f"{field}: {message}" if field else message, field=field or None)
    return body


def check_webhook(url: str | None, mode: str | None) -> dict[str, str]:
    """The submit's webhook headers: an absolute https URL (the gateway refuses plain http)
    and, if given, a mode of `terminal` or `sync`."""
    headers: dict[str, str] = {}
    if mode is not None:
        if url is None:
            raise ValidationError("webhook_mode: needs a webhook_url", field="webhook_mode")
        if not isinstance(mode, str) or mode.strip().lower() not in WEBHOOK_MODES:
            raise ValidationError(
                f"webhook_mode: must be 'terminal' or 'sync', not {mode!r}", field="webhook_mode"
            )
        headers["X-Webhook-Mode"] = mode.strip().lower()
    if url is not None:
        parts = urlsplit(url.strip()) if isinstance(url, str) else None
        if parts is None or parts.scheme.lower() != "https" or not parts.hostname:
            raise ValidationError(
                "webhook_url: must be an absolute https:// URL (the gateway refuses plain http)",
                field="webhook_url",
            )
        headers["X-Webhook-URL"] = url.strip()
    return headers


def _describe(error: SchemaError) -> tuple[str, str]:
    """(field, readable message) for one schema error; the schema's `x-messages` first."""
    field = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in error.validator_value if name not in instance]  # type: ignore[union-attr]
        name = missing[0] if missing else ""
        return (f"{field}.{name}" if field else name), "is required"
    custom = error.schema.get("x-messages", {}) if isinstance(error.schema, dict) else {}
    if isinstance(custom, dict) and error.validator in custom:
        return field, str(custom[error.validator])
    message = error.message
    return field, message[:200] + ("…" if len(message) > 200 else "")
