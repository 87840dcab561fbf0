"""Properties over any input: parsers fail only in planned ways; waits stay in bounds."""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pixazo_client import (
    BadRequestError,
    GatewayError,
    PollPolicy,
    RateLimitError,
    ServerError,
    ValidationError,
    parse_callback,
)
from pixazo_client.errors import error_for

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
bodies = st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode())


@settings(deadline=None)
@given(status=st.integers(300, 599), body=bodies, retry_after=st.none() | st.text(max_size=12))
def test_any_error_answer_becomes_a_gateway_error_of_the_right_family(
    status: int, body: bytes, retry_after: str | None
) -> None:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    e = error_for(status, headers, body)
    assert isinstance(e, GatewayError) and e.status_code == status
    assert str(e).startswith(f"HTTP {status}: ") and "\n" not in str(e).strip()
    assert isinstance(e, ServerError) == (status >= 500)
    assert isinstance(e, BadRequestError) == (status == 400)
    if isinstance(e, RateLimitError):
        assert e.retry_after is None or e.retry_after >= 0


@settings(deadline=None)
@given(body=bodies | json_values)
def test_parse_callback_returns_a_status_or_raises_validation_error(body: Any) -> None:
    try:
        parsed = parse_callback(body if isinstance(body, bytes | dict) else json.dumps(body))
    except ValidationError as e:
        assert e.field in ("body", "request_id", "status")
    else:
        assert parsed.status in ("QUEUED", "PROCESSING", "COMPLETED", "FAILED", "ERROR")


@given(
    polls=st.integers(1, 1000),
    estimate=st.none() | st.integers(0, 100_000),
    seed=st.integers(0, 2**32),
)
def test_poll_gaps_stay_within_the_page_bounds_or_follow_a_shorter_estimate(
    polls: int, estimate: int | None, seed: int
) -> None:
    policy = PollPolicy()
    gap = policy.delay(polls, estimate, random.Random(seed))
    if estimate is None or estimate >= 10:
        assert 5.0 <= gap <= 10.0
    elif estimate <= 5:  # shorter than any scheduled gap: followed, never sooner than 1 s
        assert max(1.0, estimate) <= gap <= max(1.0, estimate) * 1.1
    else:  # followed when the scheduled gap is longer, else the 5-10 s schedule holds
        assert 5.0 <= gap <= max(10.0, estimate * 1.1)
