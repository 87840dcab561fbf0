"""The fidelity report: every check with its outcome, the target, the spend, the differences.

`Report` knows nothing of pytest's hooks: conftest feeds it one `record` per test phase and
asks it to `write` at the end. Every text it keeps has the key scrubbed out first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checks import ContractViolation
from .http import Secret
from .target import Target

__all__ = ["Outcome", "Report", "describe"]

REPORT_FILE = "contract-report.md"
JUNIT_FILE = "contract-report.xml"


@dataclass(slots=True)
class Outcome:
    """One check's result: passed, failed, error (not a contract finding) or skipped."""

    check: str
    result: str = "passed"
    rule: str | None = None
    message: str = ""
    seconds: float = 0.0


def describe(error: BaseException) -> tuple[str | None, str]:
    """(rule, one-line message) for an exception a check raised."""
    if isinstance(error, BaseExceptionGroup):  # hypothesis: several distinct failures
        inner = [e for e in _leaves(error) if isinstance(e, ContractViolation)]
        error = inner[0] if inner else next(iter(_leaves(error)), error)
    if isinstance(error, ContractViolation):
        return error.rule, error.detail
    lines = str(error).strip().splitlines()
    return None, f"{type(error).__name__}: {lines[0] if lines else ''}"[:300]


def _leaves(group: BaseExceptionGroup[Any]) -> list[BaseException]:
    found: list[BaseException] = []
    for e in group.exceptions:
        found += _leaves(e) if isinstance(e, BaseExceptionGroup) else [e]
    return found


@dataclass(slots=True)
class Report:
    """Outcomes in the order the checks ran, and what the run needs to say about itself."""

    live: bool
    label: str  # the target, before it is started (a live URL, or "the mock")
    directory: Path
    secret: Secret | None = None  # the key, scrubbed from every text kept here
    target: Target | None = None
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def scrub(self, text: str) -> str:
        key = self.secret.reveal() if self.secret is not None else ""
        return text.replace(key, "***") if len(key) >= 4 else text

    def record(
        self,
        check: str,
        phase: str,
        result: str,
        seconds: float,
        error: BaseException | None = None,
        reason: str = "",
    ) -> None:
        """One phase (setup, call, teardown) of one check; the worst phase wins."""
        outcome = self.outcomes.setdefault(check, Outcome(check))
        outcome.seconds += seconds
        if result == "passed" or outcome.result in ("failed", "error"):
            return
        if result == "skipped":
            if outcome.result == "passed":
                outcome.result, outcome.message = "skipped", self.scrub(reason)
            return
        rule, message = describe(error) if error is not None else (None, reason)
        is_finding = phase == "call" and isinstance(rule, str)
        outcome.result = "failed" if is_finding else "error"
        outcome.rule, outcome.message = rule, self.scrub(message)

    # -- writing ------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        found = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
        for outcome in self.outcomes.values():
            found[outcome.result] += 1
        return found

    def spend_line(self) -> str:
        if self.target is None:
            return "nothing (the target was never started)"
        return self.target.budget.summary()

    def waits_line(self) -> str:
        if self.target is None:
            return "none"
        waits = self.target.waits
        line = f"{waits.count} answers 429 waited out ({waits.seconds:g} s)"
        if waits.without_retry_after:
            line += f", {waits.without_retry_after} without Retry-After (waited 1 s)"
        return line

    def render(self) -> str:
        label = self.target.label if self.target is not None else self.label
        counts = self.counts()
        tally = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
        elapsed = time.monotonic() - self.started
        findings = [o for o in self.outcomes.values() if o.result == "failed"]
        errors = [o for o in self.outcomes.values() if o.result == "error"]
        lines = [
            "# Contract report",
            "",
            f"- Target: {label}",
            f"- Result: {tally or 'no checks ran'} in {elapsed:.1f} s",
            f"- Spend: {self.spend_line()}",
            f"- Rate limiting: {self.waits_line()}",
            "",
            "## Differences from the documented contract",
            "",
        ]
        if findings:
            lines += [f"- {o.check}: [{o.rule}] {o.message}" for o in findings]
        elif errors:
            lines.append(f"None found, but {len(errors)} checks could not finish (see Errors).")
        else:
            lines.append("None: every check that ran agrees with the documented contract.")
        if errors:
            lines += ["", "## Errors (the check could not finish; not a contract finding)", ""]
            lines += [f"- {o.check}: {o.message}" for o in errors]
        lines += ["", "## Checks", "", "| check | result | detail |", "|---|---|---|"]
        for o in self.outcomes.values():
            detail = f"[{o.rule}] {o.message}" if o.rule else o.message
            lines.append(f"| {_cell(o.check)} | {o.result} | {_cell(detail)} |")
        return self.scrub("\n".join(lines) + "\n")

    def write(self) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / REPORT_FILE
        path.write_text(self.render(), encoding="utf-8")
        return path


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")[:400]
