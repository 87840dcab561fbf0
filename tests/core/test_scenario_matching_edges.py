"""Edges of the rule book: an unknown flag's error names the `flags` field, and a rule's
probability is drawn as `random() < p` without hiding the rules after it."""

from __future__ import annotations

import pytest

from mock_gateway.core.errors import InvalidParameters
from mock_gateway.core.scenarios import FLAGS, ScenarioBook, check_rule

KEY = "sk-live-0123456789abcdef0123456789"
FIBO = "bria-fibo-bbq-preview"


class FixedRandom:
    """A stand-in for the book's generator: every draw is `value`."""

    def __init__(self, value: float) -> None:
        self.value = value
        self.draws = 0

    def random(self) -> float:
        self.draws += 1
        return self.value


def test_an_unknown_flag_is_refused_naming_the_flags_field() -> None:
    """Catches: check_rule raising the unknown-flag error without `field="flags"`, so the
    400 body no longer says which field of the rule is wrong."""
    with pytest.raises(InvalidParameters) as refused:
        check_rule({"flags": ["timestamps-mixed", "no-such-flag"]})
    err = refused.value
    message = f"flags: unknown flag(s) ['no-such-flag'] (known: {sorted(FLAGS)})"
    assert err.field == "flags"
    assert err.body() == {
        "error": "Invalid request parameters",
        "message": message,
        "field": "flags",
    }


def test_a_draw_exactly_at_the_probability_skips_the_rule() -> None:
    """Catches: `random() >= probability` turned into `>` in ScenarioBook.matching, so a
    draw equal to the probability applies the rule (it applies only when random() < p)."""
    book = ScenarioBook()
    book.add({"http": 503, "probability": 0.25})
    book.rng = FixedRandom(0.25)  # type: ignore[assignment]
    e = book.effects_for(KEY, FIBO, None, "submit")
    assert (e.http, e.rules) == (None, [])
    book.rng = FixedRandom(0.2499)  # type: ignore[assignment]
    e = book.effects_for(KEY, FIBO, None, "submit")
    assert (e.http, e.rules) == (503, ["rule-1"])


def test_a_rule_skipped_by_its_probability_does_not_stop_later_rules() -> None:
    """Catches: the `continue` after the probability draw in ScenarioBook.matching turned
    into `break`, so a probabilistic rule that was not drawn hides every rule after it."""
    book = ScenarioBook()
    book.add({"http": 500, "probability": 0.5})
    book.add({"http": 429})
    rng = FixedRandom(0.75)
    book.rng = rng  # type: ignore[assignment]
    e = book.effects_for(KEY, FIBO, None, "submit")
    assert (e.http, e.rules) == (429, ["rule-2"])
    assert rng.draws == 1


def test_a_book_of_its_own_draws_the_same_stream_every_time() -> None:
    """Catches: ScenarioBook seeding its own generator with `random.Random(None)` (from
    the OS), so a book used without a gateway (which hands it the seeded stream) applies
    a probabilistic rule differently on every run."""

    def applied(book: ScenarioBook) -> list[int | None]:
        book.add({"http": 503, "probability": 0.5})
        return [book.effects_for(KEY, FIBO, None, "submit").http for _ in range(64)]

    first, second = applied(ScenarioBook()), applied(ScenarioBook())
    assert first == second
    assert set(first) == {None, 503}  # both outcomes occur: the draws are not constant
