"""Bad parameters are stopped client-side, with the field named, before any request is sent."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mock_gateway.running import RunningGateway
from pixazo_client import AsyncPixazoClient, PixazoClient, ValidationError
from pixazo_client.validation import _describe

from .conftest import CAT


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"prompt": ""}, "prompt", "must not be empty"),
        ({"prompt": "   "}, "prompt", "must not be blank"),
        ({"prompt": 42}, "prompt", "42 is not of type 'string'"),
        ({"prompt": "x", "aspect_ratio": "2:1"}, "aspect_ratio", "'2:1' is not one of"),
        ({"prompt": "x", "seed": "5555"}, "seed", "is not of type 'integer'"),
        ({"prompt": "x", "seed": True}, "seed", "is not of type 'integer'"),
        ({"prompt": "x", "steps_num": 0}, "steps_num", "less than the minimum of 1"),
        ({"prompt": "x", "steps_num": 2.5}, "steps_num", "is not of type 'integer'"),
        ({"prompt": "x", "guidance_scale": 11}, "guidance_scale", "greater than the maximum"),
        ({"prompt": "x", "guidance_scale": 4.9}, "guidance_scale", "less than the minimum"),
    ],
)
def test_fibo_parameters_are_checked_against_the_schema(
    pixazo: PixazoClient, gw: RunningGateway, params: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        pixazo.text_to_image(**params)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ") and message in str(caught.value)
    assert gw.requests == [], "nothing was sent, nothing was spent"


@pytest.mark.parametrize(
    "image_url", ["", "cat.jpg", "ftp://example.com/cat.jpg", "https://", "file:///etc/passwd"]
)
def test_rmbg_image_url_is_checked_against_the_schema(
    pixazo: PixazoClient, gw: RunningGateway, image_url: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        pixazo.remove_background(image_url)
    assert caught.value.field == "image_url"
    assert gw.requests == []


@pytest.mark.parametrize(
    ("url", "mode", "field"),
    [
        ("http://example.com/hook", None, "webhook_url"),  # the gateway refuses plain http
        ("example.com/hook", None, "webhook_url"),
        ("https://example.com/hook", "loud", "webhook_mode"),
        (None, "sync", "webhook_mode"),
    ],
)
def test_webhook_settings_are_checked_too(
    pixazo: PixazoClient, gw: RunningGateway, url: str | None, mode: str | None, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        pixazo.remove_background(CAT, webhook_url=url, webhook_mode=mode)
    assert caught.value.field == field
    assert gw.requests == []


def test_a_validation_error_is_also_a_value_error(pixazo: PixazoClient) -> None:
    with pytest.raises(ValueError, match="guidance_scale"):
        pixazo.text_to_image("x", guidance_scale=50)


async def test_the_async_client_checks_the_same_way(
    apixazo: AsyncPixazoClient, gw: RunningGateway
) -> None:
    with pytest.raises(ValidationError) as caught:
        await apixazo.text_to_image("x", aspect_ratio="3:2")
    assert caught.value.field == "aspect_ratio"
    assert gw.requests == []


def test_valid_edge_values_pass_and_the_gateway_agrees(
    pixazo: PixazoClient, gw: RunningGateway
) -> None:
    pixazo.text_to_image("x", guidance_scale=5, steps_num=100, seed=-(2**63), aspect_ratio="9:16")
    pixazo.text_to_image("x", guidance_scale=10.0, steps_num=1, seed=2**63 - 1)
    pixazo.remove_background("data:image/png;base64,iVBORw0KGgo=")
    pixazo.remove_background(CAT, webhook_url="https://example.com/hook", webhook_mode="SYNC")
    assert [e["status"] for e in gw.requests] == [202, 202, 202, 202]
    assert gw.jobs[-1]["webhook_url"] == "https://example.com/hook"
    assert gw.jobs[-1]["webhook_mode"] == "sync"


def test_request_ids_are_checked_before_any_request(
    pixazo: PixazoClient, gw: RunningGateway
) -> None:
    for bad in ("", "  ", "../_mock/reset", "a/b"):
        with pytest.raises(ValidationError) as caught:
            pixazo.status(bad)
        assert caught.value.field == "request_id"
    with pytest.raises(ValidationError) as model:
        pixazo.status("01a20138-0fc8-7d82-b082-532b629f6fbe", model="sdxl")
    assert model.value.field == "model" and "rmbg" in str(model.value)
    assert gw.requests == []


# -- the words of a client-side refusal, one schema error at a time ---------------------------


def only_error(schema: dict[str, Any], instance: Any) -> Any:
    (error,) = Draft202012Validator(schema).iter_errors(instance)
    return error


def test_a_missing_field_is_named_by_its_whole_path() -> None:
    nested = {"type": "object", "required": ["a", "image_url"]}
    schema = {"properties": {"input": nested}}
    assert _describe(only_error(schema, {"input": {"a": 1}})) == ("input.image_url", "is required")
    assert _describe(only_error(nested, {"a": 1})) == ("image_url", "is required")
    deep = {"properties": {"a": {"properties": {"b": nested}}}}
    assert _describe(only_error(deep, {"a": {"b": {"a": 1}}})) == ("a.b.image_url", "is required")


def test_a_schemas_own_message_wins_and_others_keep_jsonschemas_words() -> None:
    schema = {"properties": {"seed": {"maximum": 9, "x-messages": {"maximum": "0 to 9"}}}}
    assert _describe(only_error(schema, {"seed": 10})) == ("seed", "0 to 9")
    plain = {"properties": {"seed": {"maximum": 9}}}
    assert _describe(only_error(plain, {"seed": 10})) == (
        "seed",
        "10 is greater than the maximum of 9",
    )
    error = only_error({"properties": {"seed": False}}, {"seed": 1})
    assert _describe(error)[1] == "False schema does not allow 1"


def test_a_message_is_cut_after_200_characters() -> None:
    def message_of(length: int) -> str:
        return _describe(only_error({"maxLength": 1}, "x" * length))[1]

    assert message_of(186) == f"'{'x' * 186}' is too long"  # 200 characters: whole
    assert message_of(187) == f"'{'x' * 187}' is too lon" + "…"
