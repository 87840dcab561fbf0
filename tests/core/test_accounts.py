"""Accounts: redacted keys, the sliding-window rate limit, and an exact wallet."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_gateway.core.accounts import Account, RateLimit, SlidingWindow, account_id, redact
from mock_gateway.core.errors import InsufficientBalance, RateLimited

# -- redaction -------------------------------------------------------------------------------


@given(key=st.text(min_size=0, max_size=200))
def test_redact_never_shows_more_than_a_quarter_nor_over_four_chars(key: str) -> None:
    shown = redact(key).removesuffix("…")
    assert key.startswith(shown)
    assert len(shown) <= 4
    assert len(shown) * 4 <= len(key)
    if len(key) >= 8:
        assert key not in redact(key)


def test_redact_examples() -> None:
    assert redact("sk-live-0123456789abcdef") == "sk-l…"
    assert redact("abcdefgh") == "ab…"
    assert redact("abc") == "…"  # too short to show anything


def test_account_label_is_the_redacted_key() -> None:
    key = "sk-live-0123456789abcdef0123456789"
    account = Account(key, Decimal("1"))
    assert account.label == "sk-l…"
    assert account.view(2)["key"] == "sk-l…"


def test_account_repr_does_not_show_the_key() -> None:
    key = "sk-live-0123456789abcdef0123456789"
    assert key not in repr(Account(key, Decimal("1")))


# -- rate limit --------------------------------------------------------------------------------


def test_n_hits_fit_in_the_window_and_the_next_is_rejected() -> None:
    window = SlidingWindow(RateLimit(3, 10.0))
    for t in (100.0, 101.0, 102.0):
        window.hit(t)
    with pytest.raises(RateLimited) as caught:
        window.hit(103.0)
    # The oldest hit (100) frees its slot at 110: 7 s from 103.
    assert caught.value.retry_after == 7
    assert caught.value.headers() == {"Retry-After": "7"}
    assert caught.value.status == 429


def test_retry_after_rounds_up_to_whole_seconds() -> None:
    window = SlidingWindow(RateLimit(1, 10.0))
    window.hit(100.0)
    with pytest.raises(RateLimited) as caught:
        window.hit(102.5)  # frees at 110: 7.5 s away
    assert caught.value.retry_after == 8


def test_retry_after_is_never_zero() -> None:
    window = SlidingWindow(RateLimit(1, 0.5))
    window.hit(100.0)
    with pytest.raises(RateLimited) as caught:
        window.hit(100.4999)
    assert caught.value.retry_after == 1


def test_a_slot_frees_once_the_window_has_passed() -> None:
    window = SlidingWindow(RateLimit(2, 1.0))
    window.hit(100.0)
    window.hit(100.5)
    with pytest.raises(RateLimited):
        window.hit(100.9)
    window.hit(101.0)  # the hit at 100.0 has left the window
    with pytest.raises(RateLimited) as caught:
        window.hit(101.2)  # the hit at 100.5 is still in it
    assert caught.value.retry_after == 1
    window.hit(101.5)


def test_a_rejected_hit_is_not_counted() -> None:
    window = SlidingWindow(RateLimit(2, 10.0))
    window.hit(0.0)
    window.hit(1.0)
    for t in (2.0, 3.0, 9.0):
        with pytest.raises(RateLimited):
            window.hit(t)
    # Were the rejections counted, the window would still be full at 10 and 11.
    window.hit(10.0)
    window.hit(11.0)


def test_account_without_a_rate_limit_admits_everything() -> None:
    account = Account("k", Decimal("0"))
    for _ in range(10_000):
        account.admit(100.0)


def test_account_admit_uses_its_window_and_can_be_reconfigured() -> None:
    account = Account("k", Decimal("0"), rate_limit=RateLimit(1, 5.0))
    account.admit(0.0)
    with pytest.raises(RateLimited):
        account.admit(1.0)
    account.set_rate_limit(None)
    account.admit(1.0)
    account.set_rate_limit(RateLimit(1, 5.0))  # a fresh window
    account.admit(1.0)
    with pytest.raises(RateLimited):
        account.admit(2.0)


# -- wallet ------------------------------------------------------------------------------------


def test_charges_are_exact_decimal_money() -> None:
    account = Account("k", Decimal("18"))
    for _ in range(1_000):
        account.charge(Decimal("0.018"))
    assert account.balance_usd == Decimal("0")
    with pytest.raises(InsufficientBalance):
        account.charge(Decimal("0.018"))


def test_insufficient_balance_takes_nothing() -> None:
    account = Account("k", Decimal("0.03"))
    with pytest.raises(InsufficientBalance) as caught:
        account.charge(Decimal("0.04"))
    assert account.balance_usd == Decimal("0.03")
    assert caught.value.status == 402
    assert caught.value.body() == {
        "error": "Insufficient Balance",
        "message": "Your wallet does not have enough balance.",
    }


def test_the_last_cent_can_be_spent() -> None:
    account = Account("k", Decimal("0.04"))
    account.charge(Decimal("0.04"))
    assert account.balance_usd == 0


def test_refund_gives_back_exactly() -> None:
    account = Account("k", Decimal("1"))
    account.charge(Decimal("0.018"))
    account.refund(Decimal("0.018"))
    assert account.balance_usd == Decimal("1.000")


# -- model allowance ---------------------------------------------------------------------------


def test_may_use_every_model_when_unrestricted() -> None:
    account = Account("k", Decimal("0"), models=None)
    assert account.may_use("bria-rmbg-2-0-682")
    assert account.may_use("anything")


def test_may_use_only_the_listed_models() -> None:
    account = Account("k", Decimal("0"), models=frozenset({"bria-rmbg-2-0-682"}))
    assert account.may_use("bria-rmbg-2-0-682")
    assert not account.may_use("bria-fibo-bbq-preview")


def test_an_empty_allowance_allows_nothing() -> None:
    assert not Account("k", Decimal("0"), models=frozenset()).may_use("bria-rmbg-2-0-682")


def test_view_shows_the_account_with_the_default_generation() -> None:
    account = Account(
        "sk-0123456789abcdef", Decimal("12.5"), frozenset({"b", "a"}), RateLimit(5, 2.0)
    )
    assert account.view(2) == {
        "key": "sk-0…",
        "balance_usd": 12.5,
        "models": ["a", "b"],
        "rate_limit": {"requests": 5, "per_seconds": 2.0},
        "api_generation": 2,
    }
    account.api_generation = 1
    assert account.view(2)["api_generation"] == 1


def test_the_gauge_counts_the_hits_inside_the_window_that_ends_now() -> None:
    window = SlidingWindow(RateLimit(5, 10.0))
    for t in (100.0, 104.0, 109.0):
        window.hit(t)
    assert window.used(109.0) == 3
    assert window.used(110.0) == 2  # the hit at 100 is exactly one window old: gone
    assert window.used(113.9) == 2
    assert window.used(114.0) == 1
    assert window.used(119.0) == 0


def test_a_key_that_is_not_valid_unicode_still_has_an_account_id() -> None:
    """A header's bytes that are not UTF-8 reach the mock as lone surrogates (aiohttp decodes
    them so): the key still gets its inspector name, the hash of those bytes, not an error."""
    assert account_id("key-\udcff") == hashlib.sha256(b"key-\xed\xb3\xbf").hexdigest()[:16]
    assert account_id("key-\udcff") != account_id("key-\udcfe")
    assert account_id("test-key") == hashlib.sha256(b"test-key").hexdigest()[:16]
