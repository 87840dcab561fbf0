"""The tables mutation testing cannot change (module constants and class attributes), each
written out here in full from the pages or API_NOTES, so a changed entry fails a test.

mutmut 3 leaves module-level constants and class attributes alone, so `make mutation` cannot
show that these are tested; these tests are what does (tests/mutation-equivalents.md).
"""

from __future__ import annotations

import pytest

from mock_gateway.core import errors, faults
from mock_gateway.core.jobs import ALLOWED_NEXT, TERMINAL, Status
from mock_gateway.core.scenarios import (
    DEFAULT_ERROR,
    DEFAULT_FAILED,
    FLAGS,
    MAX_LATENCY_MS,
    parse_header,
)

# The generation-1 page's error table (seeds/000, "Error codes"), word for word.
GEN1_PAGE = {
    400: "Invalid request parameters",
    401: "Invalid or missing authentication",
    403: "Access denied for this operation",
    404: "Endpoint not found",
    429: "Rate limit exceeded, please retry later",
    500: "An unexpected error occurred, please try again later",
}
# What `http-<code>` forces on a generation-2 key: the page's text where it has one (the
# 402 body is seeds/001's), the status's reason otherwise (API_NOTES: forced errors).
GEN2_FORCED = {
    400: "Invalid request parameters",
    401: "Invalid or missing authentication",
    403: "Access denied for this operation",
    404: "Endpoint not found",
    429: "Rate limit exceeded, please retry later",
    500: "An unexpected error occurred, please try again later",
    502: "Bad gateway",
    503: "Service temporarily unavailable",
    504: "Gateway timeout",
}


def test_the_generation_1_table_is_the_pages() -> None:
    assert errors.GEN1_TABLE == GEN1_PAGE


@pytest.mark.parametrize("status", sorted(GEN2_FORCED))
def test_a_forced_status_answers_the_documented_body_in_each_generation(status: int) -> None:
    forced = errors.ForcedError(status)
    assert forced.body(2) == {"error": GEN2_FORCED[status], "message": "Forced by a mock scenario"}
    assert forced.body(1) == {"error": GEN1_PAGE.get(status, GEN2_FORCED[status])}


def test_a_forced_402_is_the_wallets_body() -> None:
    forced = errors.ForcedError(402)
    assert forced.body(2) == errors.InsufficientBalance().body(2)
    assert forced.body(2)["error"] == "Insufficient Balance"
    assert forced.body(1) == errors.InsufficientBalance().body(1)


@pytest.mark.parametrize("status", [418, 451, 599])
def test_a_status_without_a_documented_body_names_itself(status: int) -> None:
    assert errors.ForcedError(status).body(2)["error"] == f"HTTP {status}"
    assert errors.ForcedError(status).body(1) == {"error": f"HTTP {status}"}


@pytest.mark.parametrize(
    "cls, status, text",
    [
        (errors.InvalidParameters, 400, "Invalid request parameters"),
        (errors.ModelNotFound, 400, "Model not found"),
        (errors.Unauthorized, 401, "Invalid or missing authentication"),
        (errors.InsufficientBalance, 402, "Insufficient Balance"),
        (errors.Forbidden, 403, "Access denied for this operation"),
        (errors.EndpointNotFound, 404, "Endpoint not found"),
        (errors.RequestNotFound, 404, "Request not found"),
        (errors.PayloadTooLarge, 413, "Request body too large"),
        (errors.RateLimited, 429, "Rate limit exceeded, please retry later"),
        (errors.InternalError, 500, "An unexpected error occurred, please try again later"),
        (errors.StoreUnavailable, 503, "Service temporarily unavailable"),
    ],
)
def test_each_error_class_keeps_its_status_and_words(
    cls: type[errors.GatewayError], status: int, text: str
) -> None:
    assert (cls.status, cls.error) == (status, text)


def test_the_transition_table_in_full() -> None:
    q, p, c = Status.QUEUED, Status.PROCESSING, Status.COMPLETED
    f, e = Status.FAILED, Status.ERROR
    assert {c, f, e} == TERMINAL
    assert {
        q: {q, p, c, f, e},
        p: {p, c, f, e},
        c: {c},
        f: {f},
        e: {e},
    } == ALLOWED_NEXT


def test_the_flags_are_the_five_documented_ones() -> None:
    assert {
        "timestamps-mixed",
        "webhook-duplicate",
        "webhook-delay",
        "webhook-out-of-order",
        "webhook-drop",
    } == FLAGS


# -- the X-Mock-Scenario grammar, token by token ---------------------------------------------


@pytest.mark.parametrize("code", [400, 404, 429, 499, 500, 503, 599])
def test_http_takes_any_4xx_or_5xx(code: int) -> None:
    assert parse_header(f"http-{code}").http == code


@pytest.mark.parametrize("token", ["http-399", "http-600", "http-200", "http-1500", "http-4xx"])
def test_http_refuses_anything_else(token: str) -> None:
    with pytest.raises(errors.InvalidParameters):
        parse_header(token)


@pytest.mark.parametrize("ms", [0, 1, 12_345, MAX_LATENCY_MS])
def test_latency_takes_up_to_ten_minutes(ms: int) -> None:
    assert MAX_LATENCY_MS == 600_000
    assert parse_header(f"latency-{ms}").latency_ms == ms


@pytest.mark.parametrize("token", ["latency-600001", "latency-999999", "latency--1", "latency-1.5"])
def test_latency_refuses_more_or_other(token: str) -> None:
    with pytest.raises(errors.InvalidParameters):
        parse_header(token)


def test_outcome_tokens_bring_the_default_messages() -> None:
    assert DEFAULT_FAILED == "The model could not process this input"
    assert DEFAULT_ERROR == "Internal processing error; the request was not charged"
    assert (parse_header("fail").outcome, parse_header("fail").error) == (
        Status.FAILED,
        DEFAULT_FAILED,
    )
    assert (parse_header("error").outcome, parse_header("error").error) == (
        Status.ERROR,
        DEFAULT_ERROR,
    )


def test_the_unknown_token_message_lists_the_whole_grammar() -> None:
    with pytest.raises(errors.InvalidParameters) as caught:
        parse_header("nonsense")
    known = (
        "fail, error, http-<4xx|5xx>, latency-<ms up to 600000>, "
        "fault-<reset|empty|truncated|garbage|hang|slow-ms|after-accept>, timestamps-mixed, "
        "webhook-delay, webhook-drop, webhook-duplicate, webhook-out-of-order"
    )
    assert caught.value.body()["message"] == f"unknown scenario 'nonsense' (known: {known})"


def test_the_unknown_token_is_quoted_up_to_40_characters() -> None:
    with pytest.raises(errors.InvalidParameters) as caught:
        parse_header("y" * 50)
    assert str(caught.value.body()["message"]).startswith(f"unknown scenario '{'y' * 40}' (")


@pytest.mark.parametrize("token", ["fail\x0b", "\x0cfail", "fail\r", "\u00a0fail"])
def test_only_spaces_and_tabs_around_a_token_are_forgiven(token: str) -> None:
    assert parse_header(" \tfail\t ").outcome is Status.FAILED
    with pytest.raises(errors.InvalidParameters):
        parse_header(token)  # HTTP's whitespace is SP and HTAB; anything else is a typo


# -- faults: each token, what it reads back as, and whether the job is kept ----------------


@pytest.mark.parametrize(
    ("text", "token", "keeps_the_job"),
    [
        ("fault-reset", "fault-reset", False),
        ("fault-empty", "fault-empty", False),
        ("fault-truncated", "fault-truncated", False),
        ("fault-garbage", "fault-garbage", False),
        ("fault-hang", "fault-hang", False),
        ("fault-slow-250", "fault-slow-250", True),  # the whole 202 arrives in the end
        ("fault-slow-600000", "fault-slow-600000", True),
        ("fault-after-accept", "fault-reset,fault-after-accept", True),
        (" Fault-Empty , fault-after-accept", "fault-empty,fault-after-accept", True),
    ],
)
def test_each_fault_token_reads_back_and_says_whether_the_job_is_kept(
    text: str, token: str, keeps_the_job: bool
) -> None:
    fault = faults.parse(text)
    assert (fault.token, fault.keeps_the_job) == (token, keeps_the_job)
    assert faults.parse(fault.token) == fault


@pytest.mark.parametrize("text", ["fault-slow-600001", "fault-slow-", "fault-reset,fault-hang", ""])
def test_other_fault_text_is_refused_naming_the_tokens(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        faults.parse(text)
    assert "fault-reset, fault-empty, fault-truncated, fault-garbage, fault-hang" in str(
        caught.value
    )
