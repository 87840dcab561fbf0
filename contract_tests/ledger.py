"""What every check saw during a run, by check id: the material of the fidelity report.

The checks are plain functions; they tell the run's `Ledger` (`current()`) each time a rule
held, and `ContractViolation` carries the rule that broke. An assumed check goes through
`assumption()`: on the mock (strict) a contradiction raises like a violation, on a live target
it is written down with what was observed and the run goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .registry import ASSUMED, CHECKS, DOCUMENTED, Check, check_for

if TYPE_CHECKING:
    from .http import Answer

__all__ = [
    "ContractViolation",
    "Entry",
    "Ledger",
    "current",
    "evidence",
    "pop",
    "push",
]

MAX_OBSERVED = 5  # distinct observed values kept per check


class ContractViolation(AssertionError):
    """A gateway answer that breaks a check; `rule` is the check's registered id."""

    def __init__(self, rule: str, message: str, answer: Answer | None = None) -> None:
        check_for(rule)  # an unregistered id is a bug in the suite, caught where it is made
        super().__init__(f"[{rule}] {message}")
        self.rule = rule
        self.detail = message
        self.answer = answer
        self.recorded = False  # set once the ledger has it (an assumption records first)


def evidence(answer: Answer | None) -> dict[str, str] | None:
    """Request and response excerpts of one call (the key is scrubbed when written)."""
    if answer is None:
        return None
    sent = answer.sent.decode("utf-8", "replace")
    sent = " ".join(sent.split())
    request = f"{answer.method} {answer.url}" + (f" {sent[:300]}" if sent else "")
    response = f"{answer.status} {answer.content_type or '(no content type)'} {answer.snippet(300)}"
    return {"request": request, "response": response.strip()}


@dataclass(slots=True)
class Entry:
    """One check's tally over the run."""

    check: Check
    held: int = 0
    broke: int = 0
    observed: list[str] = field(default_factory=list)  # assumed: what was seen instead
    message: str = ""
    evidence: dict[str, str] | None = None  # of the first break, else of the first hold

    def note(self, value: str) -> None:
        if value not in self.observed and len(self.observed) < MAX_OBSERVED:
            self.observed.append(value)

    @property
    def outcome(self) -> str:
        if self.check.kind == DOCUMENTED:
            return "fail" if self.broke else "pass"
        if self.broke:
            return "contradicted"
        return "confirmed" if self.held else "unobserved"


class Ledger:
    """Entries by check id; `strict` (the mock) makes a contradicted assumption raise."""

    def __init__(self, *, strict: bool) -> None:
        self.strict = strict
        self.entries: dict[str, Entry] = {}
        # Numbers seen for an assumption, by what they measure (e.g. a model's job
        # duration): what a calibrated mock adopts.
        self.measured: dict[str, dict[str, list[float]]] = {}

    def measure(self, rule: str, what: str, value: float) -> None:
        check_for(rule)
        self.measured.setdefault(rule, {}).setdefault(what, []).append(value)

    def _entry(self, rule: str) -> Entry:
        found = self.entries.get(rule)
        if found is None:
            found = self.entries[rule] = Entry(check_for(rule))
        return found

    def passed(self, rule: str, answer: Answer | None = None) -> None:
        """The rule held for one answer."""
        entry = self._entry(rule)
        entry.held += 1
        if entry.evidence is None:
            entry.evidence = evidence(answer)

    def violated(self, error: ContractViolation) -> None:
        """A check raised: a violation (documented) or a contradiction (assumed)."""
        if error.recorded:
            return
        error.recorded = True
        entry = self._entry(error.rule)
        entry.broke += 1
        if not entry.message:
            entry.message = error.detail
            entry.evidence = evidence(error.answer) or entry.evidence

    def assumption(
        self,
        rule: str,
        *,
        holds: bool,
        observed: Any,
        answer: Answer | None = None,
        message: str = "",
    ) -> None:
        """An assumed check's observation. On the mock a contradiction raises."""
        if check_for(rule).kind != ASSUMED:
            raise ValueError(f"{rule} is not an assumed check")
        if holds:
            self.passed(rule, answer)
            return
        entry = self._entry(rule)
        entry.note(observed if isinstance(observed, str) else repr(observed))
        error = ContractViolation(rule, message or f"observed {observed!r}", answer)
        self.violated(error)
        if self.strict:
            raise error

    # -- reading ---------------------------------------------------------------------------

    def documented(self) -> list[Entry]:
        return [e for e in self.entries.values() if e.check.kind == DOCUMENTED]

    def assumptions(self) -> list[Entry]:
        """Every registered assumption, observed or not, in registry order."""
        return [
            self.entries.get(c.id) or Entry(c) for c in CHECKS.values() if c.kind == ASSUMED
        ]

    def not_run(self) -> list[str]:
        """Documented checks that no test exercised (e.g. mock-only ones on a live target)."""
        return [c.id for c in CHECKS.values() if c.kind == DOCUMENTED and c.id not in self.entries]


_CURRENT: list[Ledger] = []


def current() -> Ledger:
    """The run's ledger (a throwaway strict one outside a run, e.g. in unit tests)."""
    return _CURRENT[-1] if _CURRENT else Ledger(strict=True)


def push(ledger: Ledger) -> None:
    """Make `ledger` the current one (until `pop`): a run's conftest does this."""
    _CURRENT.append(ledger)


def pop(ledger: Ledger) -> None:
    if ledger in _CURRENT:
        _CURRENT.remove(ledger)

