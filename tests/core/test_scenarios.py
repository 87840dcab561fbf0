"""Faults as data: the X-Mock-Scenario header and the rule book."""

from __future__ import annotations

from typing import Any

import pytest

from mock_gateway.core.errors import InvalidParameters
from mock_gateway.core.jobs import Status
from mock_gateway.core.scenarios import (
    DEFAULT_ERROR,
    DEFAULT_FAILED,
    Effects,
    ScenarioBook,
    parse_header,
)

RMBG = "bria-rmbg-2-0-682"
FIBO = "bria-fibo-bbq-preview"
KEY = "sk-live-0123456789abcdef0123456789"

# -- the header ------------------------------------------------------------------------------


def test_fail_forces_a_failed_outcome() -> None:
    e = parse_header("fail")
    assert (e.outcome, e.error) == (Status.FAILED, DEFAULT_FAILED)
    assert (e.http, e.latency_ms, e.flags) == (None, 0, set())
    assert e.rules == ["header"]


def test_error_forces_an_error_outcome() -> None:
    e = parse_header("error")
    assert (e.outcome, e.error) == (Status.ERROR, DEFAULT_ERROR)


def test_http_token_forces_a_status() -> None:
    assert parse_header("http-503").http == 503
    assert parse_header("http-429").http == 429


def test_latency_token_adds_milliseconds() -> None:
    assert parse_header("latency-250").latency_ms == 250
    assert parse_header("latency-250,latency-50").latency_ms == 300


def test_flag_token_sets_the_flag() -> None:
    assert parse_header("timestamps-mixed").flags == {"timestamps-mixed"}


def test_tokens_combine() -> None:
    e = parse_header("fail,http-503,latency-250,timestamps-mixed")
    assert e.outcome is Status.FAILED
    assert e.http == 503
    assert e.latency_ms == 250
    assert e.flags == {"timestamps-mixed"}


def test_whitespace_case_and_empty_tokens_are_forgiven() -> None:
    e = parse_header("  FAIL , Latency-10 ,, HTTP-500,Timestamps-Mixed ")
    assert e.outcome is Status.FAILED
    assert e.latency_ms == 10
    assert e.http == 500
    assert e.flags == {"timestamps-mixed"}


def test_an_empty_header_has_no_effect() -> None:
    e = parse_header(" , ")
    assert (e.outcome, e.http, e.latency_ms, e.flags) == (None, None, 0, set())


@pytest.mark.parametrize(
    "value", ["fial", "http-99", "http-600", "http-", "latency-", "latency-1234567", "fail,oops"]
)
def test_an_unknown_token_is_a_400_naming_the_header(value: str) -> None:
    with pytest.raises(InvalidParameters) as caught:
        parse_header(value)
    e = caught.value
    assert e.status == 400
    body = e.body()
    assert body["error"] == "Invalid request parameters"
    assert body["field"] == "X-Mock-Scenario"
    assert "unknown scenario" in str(body["message"])


def test_an_unknown_token_message_is_bounded() -> None:
    with pytest.raises(InvalidParameters) as caught:
        parse_header("x" * 10_000)
    assert len(str(caught.value.body()["message"])) < 300


# -- the rule book ---------------------------------------------------------------------------


def effects(
    book: ScenarioBook,
    key: str = KEY,
    model: str | None = RMBG,
    text: str | None = "https://example.com/cat.jpg",
    on: str = "submit",
) -> Effects:
    return book.effects_for(key, model, text, on)


def test_an_empty_book_has_no_effect() -> None:
    e = effects(ScenarioBook())
    assert (e.outcome, e.http, e.latency_ms, e.rules) == (None, None, 0, [])


def test_a_rule_without_match_applies_to_everything() -> None:
    book = ScenarioBook()
    rule = book.add({"http": 500})
    assert effects(book).http == 500
    assert effects(book, key="other", model=None, text=None, on="status").http == 500
    assert effects(book).rules == [rule.rule_id]


@pytest.mark.parametrize(
    ("match", "fits", "misses"),
    [
        ({"key": KEY}, {}, {"key": "someone-else"}),
        ({"model": FIBO}, {"model": FIBO}, {"model": RMBG}),
        ({"input_contains": "cat"}, {}, {"text": "https://example.com/dog.jpg"}),
        ({"input_contains": "cat"}, {}, {"text": None}),
        ({"on": "status"}, {"on": "status"}, {"on": "submit"}),
    ],
)
def test_rules_match_on_key_model_input_and_endpoint(
    match: dict[str, str], fits: dict[str, Any], misses: dict[str, Any]
) -> None:
    book = ScenarioBook()
    book.add({"match": match, "outcome": "FAILED"})
    assert effects(book, **fits).outcome is Status.FAILED
    assert effects(book, **misses).outcome is None


def test_every_match_field_must_fit() -> None:
    book = ScenarioBook()
    book.add({"match": {"key": KEY, "model": FIBO}, "http": 503})
    assert effects(book, model=FIBO).http == 503
    assert effects(book, model=RMBG).http is None
    assert effects(book, key="other", model=FIBO).http is None


def test_a_counted_rule_is_used_up() -> None:
    book = ScenarioBook()
    rule = book.add({"outcome": "ERROR", "times": 2})
    assert effects(book).outcome is Status.ERROR
    assert effects(book).outcome is Status.ERROR
    assert effects(book).outcome is None
    assert rule.times == 0


def test_a_request_the_rule_does_not_match_does_not_use_it_up() -> None:
    book = ScenarioBook()
    book.add({"match": {"on": "submit"}, "http": 500, "times": 1})
    assert effects(book, on="status").http is None
    assert effects(book, on="submit").http == 500
    assert effects(book, on="submit").http is None


def test_earlier_rules_win_for_outcome_and_http_and_latencies_add() -> None:
    book = ScenarioBook()
    first = book.add({"outcome": "FAILED", "error": "first", "latency_ms": 100})
    second = book.add({"outcome": "ERROR", "error": "second", "http": 502, "latency_ms": 20})
    third = book.add({"http": 503, "flags": ["timestamps-mixed"]})
    e = effects(book)
    assert (e.outcome, e.error) == (Status.FAILED, "first")
    assert e.http == 502
    assert e.latency_ms == 120
    assert e.flags == {"timestamps-mixed"}
    assert e.rules == [first.rule_id, second.rule_id, third.rule_id]


def test_the_header_goes_first_when_merged_with_rules() -> None:
    book = ScenarioBook()
    book.add({"outcome": "FAILED", "http": 500, "latency_ms": 5})
    e = parse_header("error,latency-10")
    e.merge(effects(book))
    assert e.outcome is Status.ERROR
    assert e.http == 500
    assert e.latency_ms == 15


def test_an_outcome_without_error_gets_the_default_message() -> None:
    book = ScenarioBook()
    assert book.add({"outcome": "FAILED"}).effects.error == DEFAULT_FAILED
    assert book.add({"outcome": "ERROR"}).effects.error == DEFAULT_ERROR


def test_matching_does_not_change_the_rule_itself() -> None:
    book = ScenarioBook()
    rule = book.add({"flags": ["timestamps-mixed"]})
    e = effects(book)
    e.flags.add("tampered")
    e.rules.append("tampered")
    assert rule.effects.flags == {"timestamps-mixed"}
    assert rule.effects.rules == [rule.rule_id]


def test_remove_and_clear() -> None:
    book = ScenarioBook()
    a = book.add({"http": 500})
    b = book.add({"http": 503})
    assert book.remove(a.rule_id) is True
    assert book.remove(a.rule_id) is False
    assert effects(book).http == 503
    assert [r.rule_id for r in book.rules] == [b.rule_id]
    book.clear()
    assert effects(book).http is None
    assert book.rules == []


def test_rule_ids_are_distinct() -> None:
    book = ScenarioBook()
    ids = [book.add({"http": 500}).rule_id for _ in range(3)]
    assert len(set(ids)) == 3


def test_rule_view_redacts_the_key() -> None:
    book = ScenarioBook()
    rule = book.add(
        {
            "match": {"key": KEY, "model": FIBO, "input_contains": "balloon", "on": "submit"},
            "outcome": "FAILED",
            "error": "refused",
            "latency_ms": 7,
            "flags": ["timestamps-mixed"],
            "times": 3,
        }
    )
    view = rule.view()
    assert KEY not in repr(view)
    assert view == {
        "id": rule.rule_id,
        "match": {"key": "sk-l…", "model": FIBO, "input_contains": "balloon", "on": "submit"},
        "outcome": "FAILED",
        "error": "refused",
        "http": None,
        "latency_ms": 7,
        "flags": ["timestamps-mixed"],
        "fault": None,
        "probability": None,
        "times": 3,
    }


def test_with_no_rules_the_shared_empty_effects_come_back_unchanged() -> None:
    from mock_gateway.core.scenarios import NO_EFFECTS

    book = ScenarioBook()
    effects = book.effects_for("k", "m", "text", "submit")
    assert effects is NO_EFFECTS
    assert (effects.outcome, effects.http, effects.latency_ms, effects.flags) == (
        None,
        None,
        0,
        set(),
    )


def test_applying_a_rule_never_changes_the_rule() -> None:
    book = ScenarioBook()
    book.add({"latency_ms": 10, "flags": ["webhook-drop"]})
    for _ in range(3):
        effects = book.effects_for("k", "m", None, "submit")
        assert (effects.latency_ms, effects.flags, effects.rules) == (
            10,
            {"webhook-drop"},
            ["rule-1"],
        )
    view = book.rules[0].view()
    assert (view["latency_ms"], view["flags"]) == (10, ["webhook-drop"])
