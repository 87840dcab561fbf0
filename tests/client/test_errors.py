"""Each error class from a real answer of the mock, and the answer parser on every body shape."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

import pixazo_client.async_client
from mock_gateway.core.catalog import DEFAULT_MODELS, FIBO
from mock_gateway.running import RunningGateway, running
from pixazo_client import (
    AuthenticationError,
    BadRequestError,
    GatewayError,
    InsufficientBalanceError,
    ModelNotFoundError,
    NotFoundError,
    PermissionDeniedError,
    PixazoClient,
    PixazoError,
    RateLimitError,
    ServerError,
    UnexpectedResponseError,
)
from pixazo_client.errors import error_for, retry_after_seconds

from .conftest import CAT, FIBO_SUBMIT, RMBG_SUBMIT, SimTime, client_options, journal

UNKNOWN_ID = "bria-fibo-bbq-preview_01a20138-0fc8-7d82-b082-532b629f6fbe"


# -- from the mock --------------------------------------------------------------------------


def test_400_names_the_field_the_gateway_blames(
    make_sync: Callable[..., PixazoClient], gw: RunningGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Switch the client-side check off to see the gateway's own answer to the same mistake.
    monkeypatch.setattr(
        pixazo_client.async_client, "check_params", lambda model, params: dict(params)
    )
    with pytest.raises(BadRequestError) as caught:
        make_sync().text_to_image("a lighthouse", guidance_scale=11)
    e = caught.value
    assert type(e) is BadRequestError and e.status_code == 400
    assert e.field == "guidance_scale"
    assert e.body["error"] == "Invalid request parameters"
    assert "guidance_scale" in str(e) and "maximum of 10" in str(e)
    assert journal(gw) == [("POST", FIBO_SUBMIT, 400)]


def test_400_model_not_found_for_a_disabled_model(sim: SimTime) -> None:
    disabled = {**DEFAULT_MODELS, FIBO.model_id: dataclasses.replace(FIBO, enabled=False)}
    with running(manual_clock=True, models=disabled) as gw:
        with PixazoClient("test-key", **client_options(sim, base_url=gw.url)) as pixazo:
            with pytest.raises(ModelNotFoundError) as caught:
                pixazo.text_to_image("a lighthouse")
            assert pixazo.remove_background(CAT).generation == 2, "only FIBO is disabled"
        assert isinstance(caught.value, BadRequestError) and caught.value.status_code == 400
        assert str(caught.value) == (
            "HTTP 400: Model not found: Model 'bria-fibo-bbq-preview' not found or is disabled"
        )
        assert journal(gw)[0] == ("POST", FIBO_SUBMIT, 400)


def test_401_for_an_unknown_key(make_sync: Callable[..., PixazoClient], gw: RunningGateway) -> None:
    with pytest.raises(AuthenticationError) as caught:
        make_sync("no-such-key").remove_background(CAT)
    assert caught.value.status_code == 401
    assert caught.value.body == {"error": "Invalid or missing authentication"}
    assert "no-such-key" not in str(caught.value)


def test_402_for_an_empty_wallet_is_not_retried(
    make_sync: Callable[..., PixazoClient], gw: RunningGateway
) -> None:
    gw.put_key("poor", balance_usd=0.01)
    with pytest.raises(InsufficientBalanceError) as caught:
        make_sync("poor").remove_background(CAT)
    assert caught.value.body == {
        "error": "Insufficient Balance",
        "message": "Your wallet does not have enough balance.",
    }
    assert journal(gw) == [("POST", RMBG_SUBMIT, 402)]


def test_403_for_a_model_the_key_may_not_use(
    make_sync: Callable[..., PixazoClient], gw: RunningGateway
) -> None:
    gw.put_key("rmbg-only", balance_usd=10, models=["bria-rmbg-2-0-682"])
    pixazo = make_sync("rmbg-only")
    with pytest.raises(PermissionDeniedError) as caught:
        pixazo.text_to_image("a lighthouse")
    assert caught.value.status_code == 403
    assert "Access denied" in str(caught.value)
    assert pixazo.remove_background(CAT).model.value == "bria-rmbg-2-0-682"


def test_404_for_an_unknown_request_id_is_not_retried(
    pixazo: PixazoClient, gw: RunningGateway, sim: SimTime
) -> None:
    with pytest.raises(NotFoundError) as caught:
        pixazo.status(UNKNOWN_ID)
    assert caught.value.body["error"] == "Request not found"
    assert journal(gw) == [("GET", f"/v2/requests/status/{UNKNOWN_ID}", 404)]
    assert sim.sleeps == []


def test_429_on_a_submit_is_raised_with_retry_after_and_never_retried(
    make_sync: Callable[..., PixazoClient], gw: RunningGateway, sim: SimTime
) -> None:
    gw.put_key("tight", balance_usd=10, rate_limit={"requests": 1, "per_seconds": 30})
    pixazo = make_sync("tight")
    pixazo.remove_background(CAT)
    with pytest.raises(RateLimitError) as caught:
        pixazo.remove_background(CAT)
    assert caught.value.retry_after == 30.0
    assert caught.value.headers["Retry-After"] == "30"
    assert journal(gw) == [("POST", RMBG_SUBMIT, 202), ("POST", RMBG_SUBMIT, 429)]
    assert sim.sleeps == []
    assert len(gw.jobs) == 1


def test_429_on_a_read_waits_out_retry_after_then_succeeds(
    make_sync: Callable[..., PixazoClient], gw: RunningGateway, sim: SimTime
) -> None:
    gw.put_key("tight", balance_usd=10, rate_limit={"requests": 2, "per_seconds": 10})
    pixazo = make_sync("tight")
    job = pixazo.remove_background(CAT)
    pixazo.status(job)
    status = pixazo.status(job)  # the third request in 10 s: 429, then a retry
    assert status.request_id == job.request_id
    assert sim.sleeps == [10.0], "exactly the Retry-After, on the gateway's clock"
    assert [s for _, _, s in journal(gw)] == [202, 200, 429, 200]


def test_5xx_on_a_submit_is_raised_after_exactly_one_post(
    pixazo: PixazoClient, gw: RunningGateway, sim: SimTime
) -> None:
    gw.scenario(http=503, match={"on": "submit"}, times=1)
    with pytest.raises(ServerError) as caught:
        pixazo.text_to_image("a lighthouse")
    assert caught.value.status_code == 503
    assert "Service temporarily unavailable" in str(caught.value)
    assert journal(gw) == [("POST", FIBO_SUBMIT, 503)], "a submit costs money: never retried"
    assert sim.sleeps == [] and gw.jobs == []


def test_5xx_on_a_status_get_is_retried_with_backoff(
    pixazo: PixazoClient, gw: RunningGateway, sim: SimTime
) -> None:
    job = pixazo.text_to_image("a lighthouse")
    gw.scenario(http=503, match={"on": "status"}, times=2)
    assert pixazo.status(job).request_id == job.request_id
    path = f"/v2/requests/status/{job.request_id}"
    assert journal(gw)[1:] == [("GET", path, 503), ("GET", path, 503), ("GET", path, 200)]
    assert sim.sleeps == [1.0, 1.0], "the forced 503 says Retry-After: 1, which wins"


def test_500_retries_back_off_exponentially_then_give_up(
    pixazo: PixazoClient, gw: RunningGateway, sim: SimTime
) -> None:
    job = pixazo.text_to_image("a lighthouse")
    gw.scenario(http=500, match={"on": "status"})
    with pytest.raises(ServerError) as caught:
        pixazo.status(job)
    assert caught.value.status_code == 500
    assert [s for _, _, s in journal(gw)] == [202, 500, 500, 500], "3 attempts (TEST_RETRY)"
    assert sim.sleeps == [0.5, 1.0]


@pytest.fixture
def apim() -> Iterator[RunningGateway]:
    with running(manual_clock=True, error_style="apim") as gw:
        yield gw


@pytest.mark.parametrize(
    ("call", "cls", "status"),
    [
        (lambda p: p.remove_background(CAT), AuthenticationError, 401),
        (lambda p: p.status(UNKNOWN_ID), NotFoundError, 404),
    ],
)
def test_the_front_doors_own_body_shape_is_understood(
    apim: RunningGateway,
    sim: SimTime,
    call: Callable[[PixazoClient], Any],
    cls: type[GatewayError],
    status: int,
) -> None:
    key = "no-such-key" if status == 401 else "test-key"
    pixazo = PixazoClient(key, **client_options(sim, base_url=apim.url))
    with pixazo, pytest.raises(cls) as caught:
        call(pixazo)
    assert caught.value.body["statusCode"] == status
    assert str(caught.value) == f"HTTP {status}: {caught.value.body['message']}"


def test_apim_429_carries_retry_after(apim: RunningGateway, sim: SimTime) -> None:
    apim.put_key("tight", balance_usd=10, rate_limit={"requests": 1, "per_seconds": 5})
    with PixazoClient("tight", **client_options(sim, base_url=apim.url)) as pixazo:
        pixazo.remove_background(CAT)
        with pytest.raises(RateLimitError) as caught:
            pixazo.remove_background(CAT)
    assert caught.value.retry_after == 5.0
    assert str(caught.value) == "HTTP 429: Rate limit is exceeded. Try again later."


# -- the parser alone -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "cls", "message"),
    [
        (
            400,
            b'{"error": "Invalid request parameters", "message": "seed: is required", '
            b'"field": "seed"}',
            BadRequestError,
            "HTTP 400: Invalid request parameters: seed: is required",
        ),
        (
            400,
            b'{"error": "Invalid request parameters: request_id: is required"}',  # generation 1
            BadRequestError,
            "HTTP 400: Invalid request parameters: request_id: is required",
        ),
        (
            400,
            b'{"error": "Model not found", "message": "Model \'m\' not found or is disabled"}',
            ModelNotFoundError,
            "HTTP 400: Model not found: Model 'm' not found or is disabled",
        ),
        (
            401,
            b'{"statusCode": 401, "message": "Access denied"}',
            AuthenticationError,
            "HTTP 401: Access denied",
        ),
        (
            402,
            b'{"error": "Insufficient Balance"}',
            InsufficientBalanceError,
            "HTTP 402: Insufficient Balance",
        ),
        (
            403,
            b'{"error": "Access denied for this operation"}',
            PermissionDeniedError,
            "HTTP 403: Access denied for this operation",
        ),
        (404, b'{"detail": "Request not found"}', NotFoundError, "HTTP 404: Request not found"),
        (
            413,
            b'{"error": "Request body too large"}',
            GatewayError,
            "HTTP 413: Request body too large",
        ),
        (
            502,
            b"<html><head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad "
            b"Gateway</h1></center><hr><center>nginx</center></body></html>",
            ServerError,
            "HTTP 502: 502 Bad Gateway 502 Bad Gateway nginx",
        ),
        (504, b"", ServerError, "HTTP 504: Gateway Time-out"),
        (500, b"\xff\xfe not text", ServerError, "HTTP 500: \ufffd\ufffd not text"),
    ],
)
def test_every_body_shape_becomes_the_right_class_with_a_useful_message(
    status: int, body: bytes, cls: type[GatewayError], message: str
) -> None:
    e = error_for(status, {}, body, reason="Gateway Time-out")
    assert type(e) is cls and e.status_code == status
    assert str(e) == message
    assert isinstance(e, PixazoError)


def test_a_non_json_body_is_kept_as_text() -> None:
    e = error_for(502, {}, b"<h1>Bad Gateway</h1>")
    assert e.body == "<h1>Bad Gateway</h1>"
    assert isinstance(e, ServerError)
    assert UnexpectedResponseError.__mro__[1] is GatewayError


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    assert retry_after_seconds({"retry-after": "7"}) == 7.0
    assert retry_after_seconds({}) is None
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (retry_after_seconds({"Retry-After": later}) or 0) <= 30
    earlier = format_datetime(datetime.now(UTC) - timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds({"Retry-After": earlier}) == 0.0
