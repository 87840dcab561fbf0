"""A missing or wrong key: 401 with a JSON error body, on submits and status polls alike.

The key is checked before anything else but the route, so these calls are never charged.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given

from .checks import check_error, check_table_body
from .contract import FIBO, MODELS, RMBG
from .strategies import unknown_request_ids, wrong_keys
from .target import Target

BODIES = {FIBO: {"prompt": "A watercolor of a lighthouse at dusk"}}


def body_for(target: Target, model: str) -> dict[str, str]:
    return BODIES.get(model) or {"image_url": target.inputs[0].url}


@pytest.mark.parametrize("model", MODELS)
def test_submit_without_a_key_is_401(target: Target, model: str) -> None:
    answer = target.submit(model, body_for(target, model), key=None)
    body = check_error(answer, 401, "auth-401", f"a {model} submit without a key")
    check_table_body(answer, body)


@given(key=wrong_keys())
@example(key="not-a-real-key")
def test_submit_with_a_wrong_key_is_401(target: Target, key: str) -> None:
    assume(key != target.key_text)
    answer = target.submit(RMBG, body_for(target, RMBG), key=key)
    check_error(answer, 401, "auth-401", "an RMBG submit with a wrong key")


@given(request_id=unknown_request_ids(), key=wrong_keys())
def test_status_without_or_with_a_wrong_key_is_401(
    target: Target, request_id: str, key: str
) -> None:
    assume(key != target.key_text)
    check_error(target.status(request_id, key=None), 401, "auth-401", "a status poll without a key")
    answer = target.status(request_id, key=key)
    check_error(answer, 401, "auth-401", "a status poll with a wrong key")
