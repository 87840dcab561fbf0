"""Webhooks: the URL rule (https only: plain http is a 400, nothing charged) on any target;
on the mock, deliveries over HTTPS to a local sink whose CA the mock trusts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import example, given

from .checks import ContractViolation, check_error, check_schema
from .contract import COMPLETED, ERROR, FAILED, FIBO, TERMINAL
from .jobs import accept, expected_size, run_to_end
from .ledger import current
from .strategies import http_webhook_urls
from .target import MockControl, Target

if TYPE_CHECKING:
    from mock_gateway.sink import Received

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
    check_error(
        answer, 400, "assumed.webhook.bad-mode-400", "a submit with X-Webhook-Mode: sometimes"
    )


@pytest.mark.mock_only
def test_a_terminal_webhook_is_one_post_of_the_final_status(
    target: Target, mock: MockControl
) -> None:
    answer = target.submit(FIBO, BODY, headers={"X-Webhook-URL": mock.sink_url})
    job = accept(target, FIBO, answer, SIZE)
    final = run_to_end(target, job, expect=frozenset({COMPLETED}))
    callback = one_callback(mock, job.request_id)
    check_callback(callback, final)
    target.pause(600)  # long after the end: nothing more may come
    # The sink records a callback just after answering it: give a second one time to show.
    later = mock.callbacks(job.request_id, 2, timeout=0.25)
    if len(later) != 1:
        raise ContractViolation(
            "webhook-once",
            f"terminal mode delivered {len(later)} callbacks "
            f"({', '.join(str(c.status) for c in later)}), the page says one, at the end",
        )
    current().passed("webhook-once")


def one_callback(mock: MockControl, request_id: str) -> Received:
    """The one terminal-mode callback of a job (two or more break webhook-once)."""
    found = mock.callbacks(request_id, 1)
    if len(found) != 1:
        raise ContractViolation(
            "webhook-once",
            f"terminal mode delivered {len(found)} callbacks "
            f"({', '.join(str(c.status) for c in found)}), the page says one, at the end",
        )
    return found[0]


def check_callback(callback: Received, expected: dict[str, Any]) -> None:
    """A callback is application/json with exactly the status answer's body."""
    if callback.content_type != "application/json":
        raise ContractViolation(
            "webhook-json", f"a callback came as {callback.content_type or 'untyped'}"
        )
    current().passed("webhook-json")
    body = check_schema("gen2/status_response", callback.body, "the webhook callback")
    if body != expected:
        raise ContractViolation(
            "webhook-body", f"the callback {body} differs from the status answer {expected}"
        )
    current().passed("webhook-body")


@pytest.mark.mock_only
@pytest.mark.parametrize(("scenario", "outcome"), [("fail", FAILED), ("error", ERROR)])
def test_failed_and_errored_jobs_call_back_with_their_error(
    target: Target, mock: MockControl, scenario: str, outcome: str
) -> None:
    headers = {"X-Webhook-URL": mock.sink_url, "X-Mock-Scenario": scenario}
    job = accept(target, FIBO, target.submit(FIBO, BODY, headers=headers), SIZE)
    final = run_to_end(target, job, expect=frozenset({outcome}))
    callback = one_callback(mock, job.request_id)
    check_callback(callback, final)


@pytest.mark.mock_only
def test_sync_mode_calls_back_on_each_cycle_then_at_the_end(
    target: Target, mock: MockControl
) -> None:
    headers = {"X-Webhook-URL": mock.sink_url, "X-Webhook-Mode": "sync"}
    job = accept(target, FIBO, target.submit(FIBO, BODY, headers=headers), SIZE)
    final = run_to_end(target, job, expect=frozenset({COMPLETED}))
    target.pause(60)
    callbacks = mock.callbacks(job.request_id, 2)
    statuses = [c.status for c in callbacks]
    progress, last = statuses[:-1], statuses[-1:]
    if not progress or any(s in TERMINAL for s in progress) or last != [COMPLETED]:
        raise ContractViolation(
            "webhook-sync",
            f"sync mode delivered {statuses}; the page says progress callbacks, then the end",
        )
    current().passed("webhook-sync")
    check_callback(callbacks[-1], final)


@pytest.mark.mock_only
def test_a_duplicated_webhook_repeats_the_same_delivery(target: Target, mock: MockControl) -> None:
    headers = {"X-Webhook-URL": mock.sink_url, "X-Mock-Scenario": "webhook-duplicate"}
    job = accept(target, FIBO, target.submit(FIBO, BODY, headers=headers), SIZE)
    final = run_to_end(target, job, expect=frozenset({COMPLETED}))
    first, second = mock.callbacks(job.request_id, 2)[:2]
    for callback in (first, second):
        if check_schema("gen2/status_response", callback.body, "a callback") != final:
            raise ContractViolation("webhook-body", "a callback differs from the status answer")
    same = first.delivery_id == second.delivery_id and first.delivery_id is not None
    current().assumption(
        "assumed.webhook.delivery-id", holds=same,
        observed=f"delivery ids {first.delivery_id!r} and {second.delivery_id!r}",
        message="a duplicate callback must carry the same X-Webhook-Delivery-Id",
    )  # fmt: skip
    # A receiver deduplicating on (request_id, status), as the page advises, drops the repeat.
    assert second.duplicate and not first.duplicate, "the sink did not see one repeat"
    logged = [d for d in mock.webhooks(job.request_id) if d["outcome"] == "delivered"]
    assert len(logged) == 2 and any(d["duplicate"] for d in logged), f"the mock logged {logged}"
