"""The client's exact words and shapes: what a user reads in an error, and what `to_dict()`
and the defaults give. Each was a change no test noticed (make mutation)."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from pixazo_client import (
    AsyncPixazoClient,
    JobFailedError,
    JobStatus,
    PixazoClient,
    State,
    SubmitOutcomeUnknownError,
    UnexpectedResponseError,
    ValidationError,
)
from pixazo_client.config import redact
from pixazo_client.errors import error_for
from pixazo_client.models import Model, status_from_gen2

RID = "bria-fibo-bbq-preview_019d0000-0000-7000-8000-000000000000"


def test_a_status_as_a_dict_has_every_field_by_name() -> None:
    status = JobStatus(
        request_id=RID,
        status=State.COMPLETED,
        model_id="bria-fibo-bbq-preview",
        generation=2,
        media_urls=("https://cdn/x.png",),
        media_type="image/png",
        error=None,
        estimated_seconds=3.0,
        raw={"a": 1},
    )
    assert status.to_dict() == {
        "request_id": RID,
        "status": "COMPLETED",
        "model_id": "bria-fibo-bbq-preview",
        "generation": 2,
        "media_urls": ["https://cdn/x.png"],
        "media_type": "image/png",
        "error": None,
        "estimated_seconds": 3.0,
        "raw": {"a": 1},
    }


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ({"status": "COMPLETED"}, "{'status': 'COMPLETED'}"),
        ("x" * 198, "'" + "x" * 198 + "'"),  # 200 characters: whole
        ("x" * 199, "'" + "x" * 199 + "…"),  # 201: cut to 200
    ],
)
def test_an_unexpected_answer_is_shown_cut_to_200_characters(body: Any, shown: str) -> None:
    with pytest.raises(UnexpectedResponseError) as caught:
        status_from_gen2(body, 200)
    e = caught.value
    assert str(e) == f"unexpected status answer: {shown}"
    assert (e.status_code, e.body) == (200, body)


def test_an_unknown_model_names_the_known_ones() -> None:
    with pytest.raises(ValueError) as caught:
        Model.parse("dalle")
    known = ", ".join(f"{m.name.lower()} ({m.value})" for m in Model)
    assert str(caught.value) == f"unknown model 'dalle'; known: {known}"
    assert known.startswith("rmbg (bria-rmbg-2-0-682), fibo (bria-fibo-bbq-preview)")


def test_error_objects_carry_their_words_and_defaults() -> None:
    e = ValidationError("prompt: is required", field="prompt")
    assert (e.message, e.field, str(e)) == ("prompt: is required", "prompt", "prompt: is required")
    lost = SubmitOutcomeUnknownError("lost")
    assert (lost.kind, lost.attempts, lost.model_id, lost.message) == ("other", 1, "", "lost")
    lost = SubmitOutcomeUnknownError("lost", kind="reset", attempts=3, model_id="m")
    assert (lost.kind, lost.attempts, lost.model_id) == ("reset", 3, "m")
    failed = JobFailedError(JobStatus(request_id=RID, status=State.FAILED, model_id="m"))
    assert str(failed) == f"request {RID} ended FAILED: no error message"


@pytest.mark.parametrize(
    ("raw", "reason", "said"),
    [
        (b"", "", "no details in the answer"),
        (b"", "Bad Gateway", "Bad Gateway"),
        (b'{"error": "", "message": "only this"}', "", "only this"),
        (b'{"error": 5, "message": "words"}', "", "words"),
        (b"x" * 200, "", "x" * 200),
        (b"x" * 201, "", "x" * 200 + "…"),
        ("é".encode("latin-1"), "", "\ufffd"),
    ],
)
def test_what_an_error_answer_says(raw: bytes, reason: str, said: str) -> None:
    assert str(error_for(503, {}, raw, reason)) == f"HTTP 503: {said}"
    if not reason:
        assert str(error_for(503, {}, raw)) == f"HTTP 503: {said}"  # no reason given at all


def test_keys_are_shown_as_at_most_a_quarter_and_at_most_four_characters() -> None:
    assert redact("abcdefghijkl") == "abc…"  # 12 characters: a quarter is 3
    assert redact("abcdefghijklmnopqrstuvwx") == "abcd…"
    assert redact("abc") == "…"


def test_wait_gives_up_after_ten_minutes_by_default() -> None:
    for wait in (AsyncPixazoClient.wait, PixazoClient.wait):
        assert inspect.signature(wait).parameters["timeout"].default == 600.0


def test_an_empty_error_answer_has_no_body() -> None:
    assert error_for(503, {}, b"").body is None
    assert error_for(503, {}, b"  ").body == "  "  # not JSON: kept as text
