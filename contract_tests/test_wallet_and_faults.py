"""What only the mock can be steered into: an empty wallet (402), rate limits (429 with
Retry-After), FAILED and ERROR jobs and who pays for them, and its manual clock."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .checks import ContractViolation, check_error
from .contract import (
    COMPLETED,
    ERROR,
    FAILED,
    FIBO,
    INSUFFICIENT_BALANCE,
    PRICES,
    QUEUED,
    RMBG,
    STATUS_PATH,
)
from .http import whole_seconds
from .jobs import accept, expected_size, run_to_end
from .ledger import current
from .target import MockControl, Target

pytestmark = pytest.mark.mock_only

BODY = {"prompt": "An oil painting of a red fox in the snow"}
SIZE = expected_size(FIBO, BODY, None)
UNKNOWN = "bria-fibo-bbq-preview_019d0000-0000-7000-8000-000000000000"


def test_an_empty_wallet_is_402_with_the_documented_body(target: Target, mock: MockControl) -> None:
    mock.put_key("contract-poor", balance_usd=0)
    answer = target.submit(FIBO, BODY, key="contract-poor")
    body = check_error(answer, 402, "balance-402", "a FIBO submit from an empty wallet")
    if body != INSUFFICIENT_BALANCE:
        raise ContractViolation("balance-402", f"the 402 body is {body}, not the page's")


def test_a_wallet_pays_exact_prices_and_refuses_what_it_cannot(
    target: Target, mock: MockControl
) -> None:
    mock.put_key("contract-thin", balance_usd="0.03")
    rmbg = target.submit(RMBG, {"image_url": target.inputs[0].url}, key="contract-thin")
    accept(target, RMBG, rmbg, target.inputs[0].size, key="contract-thin")
    if mock.balance("contract-thin") != Decimal("0.03") - PRICES[RMBG]:
        raise ContractViolation("price", "an RMBG submit was not charged exactly $0.018")
    current().passed("price", rmbg)
    fibo = target.submit(FIBO, BODY, key="contract-thin")  # $0.012 left, FIBO costs $0.04
    check_error(fibo, 402, "balance-402", "a FIBO submit from a wallet of $0.012")
    left = mock.balance("contract-thin")
    current().assumption(
        "assumed.wallet.rejected-free", holds=left == Decimal("0.012"), observed=f"wallet {left}",
        answer=fibo, message="a refused submit changed the wallet",
    )  # fmt: skip


def test_a_rejected_submit_is_not_charged(target: Target, mock: MockControl) -> None:
    mock.put_key("contract-wallet", balance_usd=1)
    answer = target.submit(FIBO, {"prompt": ""}, key="contract-wallet")
    check_error(answer, 400, "assumed.validation.blank-prompt", "a FIBO submit, empty prompt")
    left = mock.balance("contract-wallet")
    current().assumption(
        "assumed.wallet.rejected-free", holds=left == Decimal(1), observed=f"wallet {left}",
        answer=answer, message="a 400 submit was charged",
    )  # fmt: skip


def test_a_rate_limited_key_gets_429_with_retry_after(target: Target, mock: MockControl) -> None:
    mock.put_key("contract-limited", balance_usd=1, rate_limit={"requests": 2, "per_seconds": 30})
    answers = [
        target.http.request(
            "GET", STATUS_PATH + UNKNOWN, key="contract-limited", wait_rate_limit=False
        )
        for _ in range(3)
    ]
    check_error(answers[0], 404, "unknown-id-404", "a first status poll")
    limited = answers[2]
    check_error(limited, 429, "rate-limit-429", "a third poll within the limit's window")
    retry_after = limited.headers.get("retry-after", "")
    current().assumption(
        "assumed.rate-limit.retry-after", holds=whole_seconds(retry_after) is not None,
        observed=f"Retry-After {retry_after[:40]!r}", answer=limited,
        message=f"Retry-After is {retry_after!r}, not whole seconds",
    )  # fmt: skip
    waits = target.waits.count
    check_error(target.status(UNKNOWN, key="contract-limited"), 404, "unknown-id-404", "a poll")
    assert target.waits.count == waits + 1, "the client waits a 429 out instead of failing"


def test_a_forced_429_is_waited_out_and_the_submit_then_accepted(
    target: Target, mock: MockControl
) -> None:
    mock.put_key("contract-forced", balance_usd=1)
    mock.scenario(match={"key": "contract-forced", "on": "submit"}, http=429, times=1)
    waits = target.waits.count
    answer = target.submit(FIBO, BODY, key="contract-forced")
    accept(target, FIBO, answer, SIZE, key="contract-forced")
    assert target.waits.count == waits + 1, "the forced 429 was not waited out once"


@pytest.mark.parametrize(
    ("scenario", "outcome", "charged"), [("fail", FAILED, True), ("error", ERROR, False)]
)
def test_failed_jobs_are_charged_and_errored_ones_refunded(
    target: Target, mock: MockControl, scenario: str, outcome: str, charged: bool
) -> None:
    key = f"contract-{scenario}"
    mock.put_key(key, balance_usd=1)
    answer = target.submit(FIBO, BODY, headers={"X-Mock-Scenario": scenario}, key=key)
    job = accept(target, FIBO, answer, SIZE, key=key)
    final = run_to_end(target, job, expect=frozenset({outcome}))
    assert final["error"] and final["output"] is None, f"{outcome} without error: {final}"
    expected = Decimal(1) - (PRICES[FIBO] if charged else 0)
    if mock.balance(key) != expected:
        rule = "assumed.outcome.failed-charged" if charged else "error-refunded"
        raise ContractViolation(rule, f"after {outcome} the wallet holds {mock.balance(key)}")
    current().passed("assumed.outcome.failed-charged" if charged else "error-refunded")


def test_an_input_that_cannot_be_fetched_ends_failed(target: Target) -> None:
    answer = target.submit(RMBG, {"image_url": "http://127.0.0.1:9/contract-tests/missing.png"})
    job = accept(target, RMBG, answer, None)
    final = run_to_end(target, job, expect=frozenset({FAILED}))
    assert "could not be fetched" in final["error"], f"FAILED for another reason: {final}"


def test_on_a_manual_clock_a_job_waits_until_time_moves(target: Target) -> None:
    job = accept(target, FIBO, target.submit(FIBO, BODY), SIZE)
    for _ in range(3):
        job.poll(target)
    if any(body != job.polls[0] or body["status"] != QUEUED for body in job.polls):
        raise ContractViolation("manual-clock", "a job moved while the clock stood still")
    current().passed("manual-clock")
    run_to_end(target, job, expect=frozenset({COMPLETED}))
