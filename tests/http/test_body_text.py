"""Issue 14: the hot bodies write their own JSON text (views.Body), byte for byte json.dumps's.

The fast lane sends `body.text()` for a submit's 202 and a status poll's 200, and the ordinary
path (aiohttp's json_response) sends json.dumps(body): the two must never differ, whatever a
field holds (a Host header puts quotes or backslashes into the polling URL, an error message
anything at all, and ensure_ascii escapes every non-ASCII character).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from mock_gateway.core.catalog import FIBO, RMBG
from mock_gateway.core.jobs import Job, Status
from mock_gateway.views import Body, gen2

# Any text at all: quotes, backslashes, control characters, non-ASCII, surrogates.
texts = st.text(st.characters(codec=None), max_size=40)
maybe = st.none() | texts


def status_body(values: dict[str, Any]) -> gen2.StatusBody:
    return gen2.StatusBody(**{name: values[name] for name in gen2.StatusBody.fields})


@given(
    request_id=texts,
    status=texts,
    model_id=texts,
    error=maybe,
    output=st.none()
    | st.builds(  # in gen2.status's order (fixed_dictionaries would sort the keys)
        lambda urls, media_type: {"media_url": urls, "media_type": media_type},
        st.lists(texts, max_size=3),
        texts,
    ),
    created_at=texts,
    updated_at=texts,
    completed_at=maybe,
)
def test_a_status_body_writes_what_json_dumps_writes(**values: Any) -> None:
    body = status_body(values)
    assert body.text() == json.dumps(body)


@given(request_id=texts, status=texts, polling_url=texts)
def test_a_submitted_body_writes_what_json_dumps_writes(**values: Any) -> None:
    body = gen2.Submitted(**values)
    assert body.text() == json.dumps(body)


def test_the_escapes_are_jsons() -> None:
    """Pinned by hand, not only against json.dumps: a quote, a backslash, a newline and
    non-ASCII (BMP and astral) in the URL a Host header shaped."""
    body = gen2.submitted_as("r1", 'http://a"b\\c\n\u00e9\U0001f600')
    assert body.text() == (
        '{"request_id": "r1", "status": "QUEUED", "polling_url": '
        '"http://a\\"b\\\\c\\n\\u00e9\\ud83d\\ude00/v2/requests/status/r1"}'
    )


def job(*, forced: Status | None = None, error: str | None = None, model: Any = RMBG) -> Job:
    params = {"image_url": "https://example.com/cat.jpg"} if model is RMBG else {"prompt": "x"}
    return Job(
        request_id=f"{model.model_id}_0193a6f0-1234-7abc-8def-0123456789ab",
        model=model,
        key="k",
        generation=2,
        params=params,
        created_at=1_764_000_000.25,
        started_at=1_764_000_001.5,
        ended_at=1_764_000_004.75,
        base_url='http://127.0.0.1:8080"',
        forced=forced,
        error=error,
    )


def test_every_state_of_a_real_job_is_written_as_json_dumps_writes_it() -> None:
    """gen2.status's own bodies, in every state and both timestamp forms, have the shape
    their text is written for (the keys in this order) and the same text."""
    seen = set()
    for made in (
        job(),
        job(model=FIBO),
        job(forced=Status.FAILED, error='input "x" is not an image'),
        job(forced=Status.ERROR, error="platform fault \u2014 retry"),
    ):
        for now in (1_764_000_000.5, 1_764_000_002.0, 1_764_000_010.0):
            for mixed in (False, True):
                body = gen2.status(made, now, "image/png", mixed)
                assert isinstance(body, Body)
                assert tuple(body) == gen2.StatusBody.fields
                assert body.text() == json.dumps(body)
                seen.add(body["status"])
    assert seen == {"QUEUED", "PROCESSING", "COMPLETED", "FAILED", "ERROR"}


def test_a_submit_answer_has_the_shape_its_text_is_written_for() -> None:
    body = gen2.submitted(job(), "http://127.0.0.1:8080")
    assert isinstance(body, gen2.Submitted)
    assert tuple(body) == gen2.Submitted.fields
    assert body.text() == json.dumps(body)
