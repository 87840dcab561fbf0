"""The grammar of a rule's `fault` value (`faults.parse`), pinned exactly: which whitespace is
forgiven, the modifier in either place, and the words of a refusal. Each was a change no test
noticed (make mutation)."""

from __future__ import annotations

import pytest

from mock_gateway.core import faults
from mock_gateway.core.faults import Fault

KNOWN = (
    "known: fault-reset, fault-empty, fault-truncated, fault-garbage, fault-hang, "
    "fault-slow-<ms>, fault-after-accept; slow up to 600000 ms"
)


def refusal(token: str) -> str:
    return f"unknown or repeated fault '{token}' ({KNOWN})"


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("fault-after-accept,fault-hang", Fault("hang", 0, True)),
        ("fault-after-accept, fault-slow-250", Fault("slow", 250, True)),
        ("fault-after-accept,fault-truncated", Fault("truncated", 0, True)),
    ],
)
def test_a_fault_after_the_modifier_is_still_read(text: str, fault: Fault) -> None:
    """Catches: the loop stopping at `fault-after-accept`, so a fault named after it is
    dropped and the rule silently becomes a reset."""
    assert faults.parse(text) == fault


def test_an_unknown_token_after_the_modifier_is_refused() -> None:
    """Catches: the loop stopping at `fault-after-accept`, so a misspelt token after it is
    never looked at and the rule is accepted as a reset."""
    with pytest.raises(ValueError) as caught:
        faults.parse("fault-after-accept,fault-resett")
    assert str(caught.value) == refusal("fault-resett")


def test_a_long_unknown_token_is_quoted_to_40_characters() -> None:
    """Catches: the refused token cut at another length than 40 characters."""
    token = "fault-" + "abcdefghij" * 6
    with pytest.raises(ValueError) as caught:
        faults.parse(token)
    assert str(caught.value) == refusal("fault-abcdefghijabcdefghijabcdefghijabcd")


def test_empty_text_is_refused_as_an_empty_token() -> None:
    """Catches: a change to the words of the refusal of an empty `fault` value."""
    with pytest.raises(ValueError) as caught:
        faults.parse("")
    assert str(caught.value) == refusal("")


def test_spaces_and_tabs_around_tokens_are_forgiven() -> None:
    """Catches: spaces and tabs around a token no longer stripped."""
    assert faults.parse(" \tfault-empty\t , \tfault-after-accept ") == Fault("empty", 0, True)


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("fault-reset\n", "fault-reset\n"),
        ("\rfault-hang", "\rfault-hang"),
        ("fault-empty\x0b", "fault-empty\x0b"),
        ("\x0cfault-garbage", "\x0cfault-garbage"),
        ("fault-reset\u00a0", "fault-reset\u00a0"),
    ],
)
def test_other_whitespace_around_a_token_is_refused(text: str, token: str) -> None:
    """Catches: any whitespace stripped (`str.strip()`), not only spaces and tabs, so a token
    with a stray newline or other control character is taken for a fault."""
    with pytest.raises(ValueError) as caught:
        faults.parse(text)
    assert str(caught.value) == refusal(token)


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("Xfault-reset", "xfault-reset"),
        ("fault-hangX", "fault-hangx"),
        ("fault-reset,XXfault-after-acceptXX", "xxfault-after-acceptxx"),
    ],
)
def test_letters_around_a_token_are_not_stripped(text: str, token: str) -> None:
    """Catches: characters other than space and tab (here `X`) stripped around a token."""
    with pytest.raises(ValueError) as caught:
        faults.parse(text)
    assert str(caught.value) == refusal(token)
