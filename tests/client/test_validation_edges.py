"""Client-side refusals at their edges: a schema error with no field, the exact words of a
webhook refusal, and a webhook_url that is not a string."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

import pixazo_client.validation as validation
import pixazo_schemas
from pixazo_client import Model, ValidationError
from pixazo_client.validation import check_params, check_webhook

HTTPS_ONLY = "webhook_url: must be an absolute https:// URL (the gateway refuses plain http)"


def test_a_top_level_schema_error_has_no_field_and_no_field_prefix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Catches: an error of the body as a whole (no field at fault, e.g. an unknown field under
    a schema that refuses extra fields) worded ": <message>", a field prefix with no field.

    The shipped request schemas accept extra fields, so the FIBO schema is made strict here:
    the words of a root-level refusal are check_params' own, whatever the schema."""
    shipped = pixazo_schemas.validator

    def strict(name: str) -> Draft202012Validator:
        return Draft202012Validator({**shipped(name).schema, "additionalProperties": False})

    monkeypatch.setattr(validation.schemas, "validator", strict)
    with pytest.raises(ValidationError) as caught:
        check_params(Model.FIBO, {"prompt": "x", "negative_prompt": "blur"})
    expected = "Additional properties are not allowed ('negative_prompt' was unexpected)"
    assert str(caught.value) == expected, str(caught.value)
    assert caught.value.message == expected
    assert caught.value.field is None
    # A field at fault still leads the message, under the same strict schema.
    with pytest.raises(ValidationError) as named:
        check_params(Model.FIBO, {"prompt": ""})
    assert str(named.value) == "prompt: must not be empty"
    assert named.value.field == "prompt"


@pytest.mark.parametrize("mode", ["terminal", "sync", "loud"])
def test_a_webhook_mode_without_a_url_is_refused_in_these_words(mode: str) -> None:
    """Catches: the refusal of a webhook_mode given without a webhook_url reworded (its
    message, which names the field, is what the caller reads)."""
    with pytest.raises(ValidationError) as caught:
        check_webhook(None, mode)
    assert str(caught.value) == "webhook_mode: needs a webhook_url", str(caught.value)
    assert caught.value.message == "webhook_mode: needs a webhook_url"
    assert caught.value.field == "webhook_mode"


@pytest.mark.parametrize("url", [123, 4.5, b"https://example.com/hook", ["https://e.com/h"]])
@pytest.mark.parametrize("mode", [None, "terminal"])
def test_a_webhook_url_that_is_no_string_is_a_validation_error(url: Any, mode: str | None) -> None:
    """Catches: a webhook_url that is not a string read as one (`url.strip()`), so the caller
    gets an AttributeError from inside the client instead of the field's ValidationError."""
    with pytest.raises(ValidationError) as caught:
        check_webhook(url, mode)
    assert str(caught.value) == HTTPS_ONLY, str(caught.value)
    assert caught.value.field == "webhook_url"


def test_a_string_webhook_url_is_stripped_into_its_header() -> None:
    """Catches: the string check on webhook_url also turning away a good (padded) string."""
    assert check_webhook("  https://example.com/hook ", " Sync ") == {
        "X-Webhook-Mode": "sync",
        "X-Webhook-URL": "https://example.com/hook",
    }
