"""Webhooks: the URL rule (https only: plain http is a 400, nothing charged) on any target;
on the mock, deliveries over HTTPS to a local sink whose CA the mock trusts."""

from __future__ import annotations

import pytest
from hypothesis import example, given

from .checks import ContractViolation, check_error, check_schema
from .contract import COMPLETED, FIBO
from .jobs import accept, expected_size, run_to_end
from .strategies import http_webhook_urls
from .target import MockControl, Target

BODY = {"prompt": "A pencil sketch of a sailboat by the sea"}
SIZE = expected_size(FIBO, BODY, None)


@given(url=http_webhook_urls())
@example(url="http://127.0.0.1:9/webhook")
def test_a_plain_http_webhook_url_is_400(target: Target, url: str) -> None:
    answer = target.submit(FIBO, BODY, headers={"X-Webhook-URL": url})
    check_error(
        answer,
        400,
        "webhook-https-400",
        f"a submit with X-Webhook-URL {url}",
        field="X-Webhook-URL",
    )


@pytest.mark.mock_only
def test_an_unknown_webhook_mode_is_400(target: Target, mock: MockControl) -> None:
    headers = {"X-Webhook-URL": mock.sink_url, "X-Webhook-Mode": "sometimes"}
    answer = target.submit(FIBO, BODY, headers=headers)
    check_error(answer, 400, "webhook-mode-400", "a submit with X-Webhook-Mode: sometimes")


@pytest.mark.mock_only
def test_a_terminal_webhook_is_one_post_of_the_final_status(
    target: Target, mock: MockControl
) -> None:
    answer = target.submit(FIBO, BODY, headers={"X-Webhook-URL": mock.sink_url})
    job = accept(target, FIBO, answer, SIZE)
    final = run_to_end(target, job, expect=frozenset({COMPLETED}))
    (callback,) = mock.callbacks(job.request_id, 1)
    body = check_schema("gen2/status_response", callback.body, "the webhook callback")
    if body != final:
        raise ContractViolation("webhook-body", "the callback differs from the status answer")
    target.pause(600)  # long after the end: nothing more may come
    later = mock.callbacks(job.request_id, 1)
    if len(later) != 1:
        raise ContractViolation("webhook-once", f"terminal mode delivered {len(later)} callbacks")


@pytest.mark.mock_only
def test_a_duplicated_webhook_repeats_the_same_delivery(target: Target, mock: MockControl) -> None:
    headers = {"X-Webhook-URL": mock.sink_url, "X-Mock-Scenario": "webhook-duplicate"}
    job = accept(target, FIBO, target.submit(FIBO, BODY, headers=headers), SIZE)
    final = run_to_end(target, job, expect=frozenset({COMPLETED}))
    first, second = mock.callbacks(job.request_id, 2)[:2]
    for callback in (first, second):
        if check_schema("gen2/status_response", callback.body, "a callback") != final:
            raise ContractViolation("webhook-body", "a callback differs from the status answer")
    if first.delivery_id != second.delivery_id or first.delivery_id is None:
        raise ContractViolation(
            "webhook-duplicate", "a duplicate callback must carry the same X-Webhook-Delivery-Id"
        )
    # A receiver deduplicating on (request_id, status), as the page advises, drops the repeat.
    assert second.duplicate and not first.duplicate, "the sink did not see one repeat"
    logged = [d for d in mock.webhooks(job.request_id) if d["outcome"] == "delivered"]
    assert len(logged) == 2 and any(d["duplicate"] for d in logged), f"the mock logged {logged}"
