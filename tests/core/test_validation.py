"""The fast validation path never accepts what jsonschema, the authority, rejects."""

from __future__ import annotations

from typing import Any

import fastjsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

import pixazo_schemas as schemas
from mock_gateway.core.errors import InvalidParameters
from mock_gateway.core.validation import check, compiled, describe

REQUESTS = ["gen2/fibo_request", "gen2/rmbg_request", "gen1/result_request"]
CONTROL = ["control/key_update", "control/scenario_rule", "control/clock_advance"]

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def fast_accepts(name: str, body: Any) -> bool:
    fast = compiled(name)
    assert fast is not None, f"{name} should compile"
    try:
        fast(body)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


@pytest.mark.parametrize("name", REQUESTS + CONTROL)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_bodies_near_the_schema_get_the_same_verdict(name: str, data: st.DataObject) -> None:
    keys = list(schemas.load(name).get("properties", {}))
    body = data.draw(
        st.dictionaries(
            st.sampled_from(keys) if keys else st.text(), values, max_size=len(keys) + 1
        )
        | from_schema(schemas.load(name))
    )
    authority = schemas.validator(name).is_valid(body)
    if fast_accepts(name, body):
        assert authority, f"the fast path accepted what jsonschema rejects: {body!r}"


@pytest.mark.parametrize("name", ["gen2/fibo_request", "gen2/rmbg_request"])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_valid_bodies_pass_both_and_are_not_changed(name: str, data: st.DataObject) -> None:
    body = data.draw(from_schema(schemas.load(name)))
    before = dict(body)
    assert check(name, body) is body
    assert body == before, "validation must never fill in defaults"
    assert schemas.validator(name).is_valid(body)


def test_a_rejection_is_still_explained_by_jsonschema() -> None:
    with pytest.raises(InvalidParameters) as e:
        check("gen2/fibo_request", {"prompt": "x", "guidance_scale": 11})
    assert e.value.field == "guidance_scale"
    assert e.value.message == "guidance_scale: 11 is greater than the maximum of 10"


# -- describe: the field and words of a 400, one schema error at a time ---------------------


def only_error(schema: dict[str, Any], instance: Any) -> Any:
    (error,) = Draft202012Validator(schema).iter_errors(instance)
    return error


def test_a_missing_nested_field_is_named_by_its_whole_path() -> None:
    schema = {"properties": {"input": {"type": "object", "required": ["a", "image_url"]}}}
    assert describe(only_error(schema, {"input": {"a": 1}})) == ("input.image_url", "is required")
    assert describe(only_error(schema["properties"]["input"], {"a": 1})) == (
        "image_url",
        "is required",
    )


def test_an_unexpected_field_keeps_jsonschemas_words() -> None:
    schema = {"properties": {"input": {"additionalProperties": False}}}
    assert describe(only_error(schema, {"input": {"zoom": 2}})) == (
        "input",
        "Additional properties are not allowed ('zoom' was unexpected)",
    )


def test_an_unexpected_field_with_a_huge_name_is_cut_like_any_message() -> None:
    path, message = describe(only_error({"additionalProperties": False}, {"z" * 300: 1}))
    assert path == "" and len(message) == 201 and message.endswith("…")
    assert message.startswith("Additional properties are not allowed ('zzz")


def test_a_schemas_own_message_wins() -> None:
    schema = {"properties": {"seed": {"maximum": 9, "x-messages": {"maximum": "seed: 0 to 9"}}}}
    assert describe(only_error(schema, {"seed": 10})) == ("seed", "seed: 0 to 9")


def test_a_false_schema_is_described_without_custom_messages() -> None:
    error = only_error({"properties": {"seed": False}}, {"seed": 1})
    assert describe(error)[1] == "False schema does not allow 1"


def test_a_message_is_cut_after_200_characters() -> None:
    def message_of(length: int) -> tuple[str, str]:
        return describe(only_error({"maxLength": 1}, "x" * length))

    # "'xxx' is too long": the instance plus 14 characters
    assert message_of(186) == ("", f"'{'x' * 186}' is too long")
    assert len(message_of(186)[1]) == 200
    assert message_of(187)[1] == f"'{'x' * 187}' is too lon" + "…"
