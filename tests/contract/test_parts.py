"""The suite's own parts, without a gateway: budget, URL safety, checks, strategies, runner."""

from __future__ import annotations

import os
import subprocess
import sys
import unittest
from decimal import Decimal

import pytest
from hypothesis import given, settings

import pixazo_schemas as schemas
from pixazo_contract.budget import Budget, BudgetExhausted
from pixazo_contract.checks import ContractViolation, check_history, check_timestamps
from pixazo_contract.contract import FIBO, RMBG
from pixazo_contract.http import Secret
from pixazo_contract.safety import UnsafeUrl, check_outbound
from pixazo_contract.strategies import (
    FIBO_SCHEMA,
    RMBG_SCHEMA,
    Invalid,
    bad_image_urls,
    out_of_range_guidance,
    wrong_types,
)


def status(
    state: str, *, created: str = "2026-03-31T10:00:00.000Z", **extra: object
) -> dict[str, object]:
    body = {
        "request_id": "bria-fibo-bbq-preview_x",
        "status": state,
        "model_id": FIBO,
        "error": None,
        "output": None,
        "created_at": created,
        "updated_at": created,
        "completed_at": None,
    }
    return {**body, **extra}


def test_the_budget_refuses_a_paid_call_past_its_limit_and_refunds_errors() -> None:
    budget = Budget(Decimal("0.05"), enforced=True)
    budget.check(FIBO)
    budget.record(FIBO, "a")
    with pytest.raises(BudgetExhausted):  # a SkipTest: pytest and hypothesis skip, not fail
        budget.check(RMBG)
    assert issubclass(BudgetExhausted, unittest.SkipTest)
    budget.refund("a")
    assert budget.spent == 0
    budget.check(RMBG)
    assert "$0.000 of $0.05 allowed" in budget.summary()


def test_the_mock_budget_counts_but_never_refuses() -> None:
    budget = Budget(Decimal(0), enforced=False)
    budget.check(FIBO)
    budget.record(FIBO, "a")
    assert budget.spent == Decimal("0.04")


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/x.png", "https://localhost/x", "http://[::1]:80/x", "127.0.0.1/x", ""],
)
def test_loopback_and_hostless_urls_may_be_sent(url: str) -> None:
    check_outbound(url)


@pytest.mark.parametrize(
    "url", ["https://example.com/cat.jpg", "http://10.0.0.1/x", "http://[::1/x", "http://u@evil/"]
)
def test_anything_else_is_refused_unless_it_is_a_known_sample(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_outbound(url)
    check_outbound(
        "https://gw.example/_mock/samples/cat.png", {"https://gw.example/_mock/samples/cat.png"}
    )


def test_the_key_does_not_show_itself() -> None:
    secret = Secret("k-123456")
    assert "k-123456" not in repr(secret) + str(secret) and secret.reveal() == "k-123456"


def test_timestamps_in_the_webhook_form_may_lose_their_fraction() -> None:
    # created 13:19:23.500, completed "13:19:23": the same second, truncated: in order.
    check_timestamps(
        status(
            "COMPLETED",
            created="2026-05-22T13:19:23.500Z",
            updated_at="2026-05-22 13:19:23",
            completed_at="2026-05-22 13:19:23",
        )
    )
    with pytest.raises(ContractViolation, match=r"\[timestamps-ordered\]"):
        check_timestamps(status("COMPLETED", completed_at="2026-03-31T09:59:00.000Z"))


def test_a_status_going_back_or_a_terminal_changing_is_named() -> None:
    queued, processing = status("QUEUED"), status("PROCESSING")
    done = status("FAILED", error="x", completed_at=queued["created_at"])
    check_history([queued, queued, processing, done, done])
    with pytest.raises(ContractViolation, match=r"\[transition\]"):
        check_history([processing, queued])
    with pytest.raises(ContractViolation, match=r"\[terminal-stable\]"):
        check_history([done, {**done, "error": "y"}])


@settings(max_examples=50, deadline=None)
@given(case=wrong_types(FIBO_SCHEMA) | wrong_types(RMBG_SCHEMA) | out_of_range_guidance())
def test_invalid_bodies_are_invalid_by_the_schema(case: Invalid) -> None:
    name = RMBG_SCHEMA if "image_url" in case.body else FIBO_SCHEMA
    assert not schemas.validator(name).is_valid(case.body)


@settings(max_examples=50, deadline=None)
@given(case=bad_image_urls())
def test_bad_image_urls_are_invalid_and_stay_on_this_machine(case: Invalid) -> None:
    assert not schemas.validator(RMBG_SCHEMA).is_valid(case.body)
    check_outbound(case.body["image_url"])


def test_a_live_run_without_a_key_refuses_to_start_naming_the_variable() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIXAZO_", "CONTRACT_"))}
    done = subprocess.run(
        [sys.executable, "-m", "pixazo_contract", "--live"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
    assert "PIXAZO_API_KEY" in done.stderr
