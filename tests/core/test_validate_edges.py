"""Gateway.validate's edges: the mock's relaxed checks reach the schema check, and an
image_url the schema admits but no URL parser can read is refused with the documented
message. Each test's docstring names the broken mock it catches."""

from __future__ import annotations

from typing import Any

import pytest

from mock_gateway.core.catalog import FIBO, RMBG
from mock_gateway.core.clock import ManualClock
from mock_gateway.core.errors import InvalidParameters
from mock_gateway.core.validation import check
from mock_gateway.gateway import Gateway
from mock_gateway.settings import Settings
from tests.core.test_gateway import T0, FakeResolver


def gateway(**settings: object) -> Gateway:
    return Gateway(Settings(manual_clock=True, **settings), FakeResolver(), ManualClock(T0))


def test_a_relaxed_gateway_lets_a_lifted_constraint_through() -> None:
    """Catches: validate checking the body without the mock's relaxed settings
    (`check(schema, body)`), so a guidance_scale the relaxed range admits is refused."""
    body = {"prompt": "a fox", "guidance_scale": 42}
    strict = gateway()
    with pytest.raises(InvalidParameters):
        strict.validate(FIBO, body)
    relaxed = gateway(relaxed=frozenset({"assumed.validation.guidance-range"}))
    assert relaxed.validate(FIBO, body) == body


def test_an_unparsable_image_url_is_refused_with_the_documented_message() -> None:
    """Catches: the message of the refusal of an image_url no URL parser can read dropped
    or altered (its case, stray characters): the body must name the field and say why."""
    gw = gateway()
    with pytest.raises(InvalidParameters) as caught:
        gw.validate(RMBG, {"image_url": "http://[::1/x.png"})
    assert caught.value.body() == {
        "error": "Invalid request parameters",
        "message": "image_url: must be an absolute http(s) URL or a data:image/...;base64 URL",
        "field": "image_url",
    }


def test_a_relaxed_check_names_the_field_still_wrong_not_the_lifted_one() -> None:
    """Catches: check falling back to the strict validator (`validator(schema_name)`,
    relaxed dropped) once the fast path refuses, so the 400 names a constraint the
    relaxed mock had lifted (guidance_scale 42) instead of the field still wrong."""
    body = {"prompt": "a cat", "guidance_scale": 42, "aspect_ratio": "7:3"}
    relaxed = frozenset({"assumed.validation.guidance-range"})
    with pytest.raises(InvalidParameters) as refused:
        check("gen2/fibo_request", body, relaxed)
    assert refused.value.field == "aspect_ratio"
    assert str(refused.value) == (
        "aspect_ratio: '7:3' is not one of ['16:9', '4:3', '1:1', '9:16']"
    )
    with pytest.raises(InvalidParameters) as strict:  # the strict check names guidance
        check("gen2/fibo_request", body)
    assert strict.value.field == "guidance_scale"


@pytest.mark.parametrize("body", [[1, 2], "prompt", None, 7])
def test_a_body_that_is_not_an_object_is_refused_with_the_documented_message(body: Any) -> None:
    """Catches: check's message for a body that is not a JSON object changed (the 400's
    `message`, which the README shows), or the refusal naming a field."""
    with pytest.raises(InvalidParameters) as refused:
        check("gen2/fibo_request", body)
    assert refused.value.body() == {
        "error": "Invalid request parameters",
        "message": "the request body must be a JSON object",
    }
