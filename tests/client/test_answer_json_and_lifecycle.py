"""The error a success answer that is not JSON raises (`Answer.json`), what a request of no
string type is told, and the blocking client's own duties: its default timeout, its closed
state and its refusal inside a running event loop, each to the exact message."""

from __future__ import annotations

import asyncio

import pytest

from pixazo_client import AsyncPixazoClient, PixazoClient, UnexpectedResponseError, ValidationError
from pixazo_client.transport import Answer

from .conftest import KEY

NOWHERE = "http://127.0.0.1:9"  # nothing listens: no test here may reach a gateway
HEADERS = {"Content-Type": "text/html", "X-Request-Id": "req-42"}
SHAPES = (
    "expected <model id>_<uuid> (generation 2) or a bare <uuid> (generation 1), "
    "a <uuid> looking like 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
)
GEN2_ID = "bria-rmbg-2-0-682_0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"


def not_json(body: bytes, status: int = 200) -> UnexpectedResponseError:
    answer = Answer(status=status, headers=dict(HEADERS), body=body)
    with pytest.raises(UnexpectedResponseError) as caught:
        answer.json()
    return caught.value


# -- Answer.json ---------------------------------------------------------------------------


def test_a_body_not_json_is_reported_by_its_first_200_bytes_and_the_answers_headers() -> None:
    """Catches: the error's body text lost (None, or the argument dropped), cut at 201
    bytes instead of 200, or its headers lost (None, or the argument dropped), so a caller
    cannot see what the gateway sent or its request id."""
    body = b"<html>" + b"x" * 194 + b"ABCDEFGHIJ" + b"</html>"
    error = not_json(body, 200)
    text = "<html>" + "x" * 194
    assert len(text) == 200
    assert error.body == text
    assert str(error) == f"HTTP 200: the answer is not JSON: {text!r}"
    assert error.message == f"HTTP 200: the answer is not JSON: {text!r}"
    assert error.status_code == 200
    assert error.headers == HEADERS
    short = not_json(b"Service Unavailable", 202)
    assert short.body == "Service Unavailable"
    assert str(short) == "HTTP 202: the answer is not JSON: 'Service Unavailable'"
    assert short.headers == HEADERS and short.status_code == 202


def test_a_body_with_invalid_utf8_is_reported_with_replacement_characters() -> None:
    """Catches: the body decoded strictly (or with an error handler Python does not know,
    such as "XXreplaceXX" or "REPLACE"), so a body with invalid bytes raises
    UnicodeDecodeError or LookupError instead of the UnexpectedResponseError documented."""
    error = not_json(b"<html>\xff\xfe oops</html>")
    assert error.body == "<html>\ufffd\ufffd oops</html>"
    assert str(error) == "HTTP 200: the answer is not JSON: '<html>\ufffd\ufffd oops</html>'"
    assert error.headers == HEADERS
    # A two-byte character cut in half at byte 200: its first byte becomes U+FFFD.
    cut = not_json(b"a" * 199 + "\u00e9t\u00e9".encode())
    assert cut.body == "a" * 199 + "\ufffd"


# -- _locate -------------------------------------------------------------------------------


@pytest.mark.parametrize("request_ref", [None, 123, 4.5, ["x"]])
async def test_a_request_of_no_string_type_is_a_validation_error(request_ref: object) -> None:
    """Catches: a request that is not a string stripped as if it were one (the type check
    bypassed), so status(None) or status(123) raises AttributeError instead of the
    ValidationError naming the field and the shapes expected."""
    async with AsyncPixazoClient(KEY, NOWHERE) as client:
        with pytest.raises(ValidationError) as caught:
            await client.status(request_ref)  # type: ignore[arg-type]
        assert str(caught.value) == f"{request_ref!r} is not a request id: {SHAPES}"
        assert caught.value.field == "request_id"
        with pytest.raises(ValidationError) as waited:
            await client.wait(request_ref, timeout=1)  # type: ignore[arg-type]
        assert str(waited.value) == f"{request_ref!r} is not a request id: {SHAPES}"


# -- PixazoClient --------------------------------------------------------------------------


def test_the_blocking_clients_default_timeout_is_30_seconds() -> None:
    """Catches: PixazoClient's default timeout changed from 30 s (the async client's, and
    the documented one), so each HTTP call of the blocking client is bounded differently."""
    with PixazoClient(KEY, NOWHERE) as pixazo:
        assert pixazo._async._transport.timeout == 30.0
        assert pixazo._async._transport.connect_timeout == 10.0
    with PixazoClient(KEY, NOWHERE, timeout=7.5) as given:
        assert given._async._transport.timeout == 7.5


def test_a_client_closed_before_any_call_refuses_every_call() -> None:
    """Catches: close() not marking the client closed, so a client closed before its first
    call opens a new loop and goes on working (a typo then a ValidationError, a good id a
    request) instead of raising RuntimeError("this client is closed")."""
    pixazo = PixazoClient(KEY, NOWHERE)
    pixazo.close()
    for request in ("not-an-id", GEN2_ID):
        with pytest.raises(RuntimeError) as caught:
            pixazo.status(request)
        assert str(caught.value) == "this client is closed"
        assert type(caught.value) is RuntimeError
    assert pixazo._loop is None, "no loop opened after close"
    pixazo.close()  # twice is fine


def test_a_call_after_close_says_exactly_that_the_client_is_closed() -> None:
    """Catches: the closed client's message changed ("XXthis client is closedXX"), which a
    `match=` on a substring does not notice."""
    pixazo = PixazoClient(KEY, NOWHERE)
    with pytest.raises(ValidationError):
        pixazo.status("not-an-id")  # the private loop opened
    assert pixazo._loop is not None
    pixazo.close()
    with pytest.raises(RuntimeError) as caught:
        pixazo.status("not-an-id")
    assert str(caught.value) == "this client is closed"


async def test_inside_a_running_loop_the_exact_message_names_the_async_client() -> None:
    """Catches: the message for a blocking call inside a running event loop changed
    ("XXPixazoClient blocks: ...XX"), which a `match=` on a substring does not notice."""
    with PixazoClient(KEY, NOWHERE) as pixazo:
        with pytest.raises(RuntimeError) as caught:
            pixazo.status(GEN2_ID)
        assert str(caught.value) == ("PixazoClient blocks: inside async code use AsyncPixazoClient")
        assert pixazo._loop is None
    assert asyncio.get_running_loop().is_running()
