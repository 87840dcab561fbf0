"""The fidelity report: every check with its outcome, the target, the spend, the differences,
and what became of each assumption; as fidelity-report.json and fidelity-report.md.

`Report` knows nothing of pytest's hooks: conftest feeds it one `record` per test phase and
asks it to `write` at the end. Every text it keeps has the key scrubbed out first.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .expectations import expected
from .http import Secret
from .ledger import ContractViolation, Entry, Ledger
from .target import Target

__all__ = ["Outcome", "Report", "describe"]

REPORT_FILE = "fidelity-report.md"
JSON_FILE = "fidelity-report.json"


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


def _violations(error: BaseException | None) -> list[ContractViolation]:
    if isinstance(error, BaseExceptionGroup):
        return [e for e in _leaves(error) if isinstance(e, ContractViolation)]
    return [error] if isinstance(error, ContractViolation) else []


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
    ledger: Ledger = field(default_factory=lambda: Ledger(strict=True))
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
        for violation in _violations(error):
            self.ledger.violated(violation)
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

    # -- the fidelity report ---------------------------------------------------------------

    def violations(self) -> list[Outcome]:
        """Tests that failed on a contract finding (on the mock, assumptions included)."""
        return [o for o in self.outcomes.values() if o.result == "failed"]

    def data(self) -> dict[str, Any]:
        """The JSON report: target, spend, every documented check and every assumption."""
        label = self.target.label if self.target is not None else self.label
        spent = self.target.budget.spent if self.target is not None else 0
        return {
            "target": label,
            "live": self.live,
            "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "spend_usd": float(spent),
            "time_scale": expected().time_scale,
            "profile": expected().profile,
            "documented": [
                {
                    "id": e.check.id,
                    "outcome": e.outcome,
                    "basis": e.check.basis,
                    "held": e.held,
                    "message": e.message,
                    "evidence": e.evidence,
                }
                for e in sorted(self.ledger.documented(), key=_failures_first)
            ],
            "assumptions": [
                {
                    "id": e.check.id,
                    "outcome": e.outcome,
                    "expected": e.check.expected,
                    "observed": e.observed,
                    "basis": e.check.basis,
                    "message": e.message,
                    "evidence": e.evidence,
                }
                for e in self.ledger.assumptions()
            ],
            "measured": self.ledger.measured,
            "not_run": self.ledger.not_run(),
            "tests": [
                {"test": o.check, "result": o.result, "rule": o.rule, "message": o.message}
                for o in self.outcomes.values()
            ],
        }

    def summary_lines(self) -> list[str]:
        """A few lines for the terminal: violations, then what became of the assumptions."""
        assumptions = self.ledger.assumptions()
        by: dict[str, list[str]] = {"confirmed": [], "contradicted": [], "unobserved": []}
        for entry in assumptions:
            by[entry.outcome].append(entry.check.id)
        failed = [e.check.id for e in self.ledger.documented() if e.outcome == "fail"]
        lines = [f"contract violations: {len(self.violations())}" + (
            f" ({', '.join(sorted(set(failed)))})" if failed else ""
        )]
        lines.append(
            f"assumptions: {len(by['confirmed'])} confirmed, {len(by['contradicted'])} "
            f"contradicted, {len(by['unobserved'])} unobserved"
        )
        for rule in by["contradicted"]:
            entry = self.ledger.entries[rule]
            lines.append(f"  contradicted {rule}: observed {', '.join(entry.observed) or '?'}")
        return lines

    def render(self) -> str:
        label = self.target.label if self.target is not None else self.label
        counts = self.counts()
        tally = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
        elapsed = time.monotonic() - self.started
        findings = self.violations()
        errors = [o for o in self.outcomes.values() if o.result == "error"]
        lines = [
            "# Fidelity report",
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
        assumptions = self.ledger.assumptions()
        contradicted = [e for e in assumptions if e.outcome == "contradicted"]
        lines += ["", "## Contradicted assumptions", ""]
        if contradicted:
            for e in contradicted:
                lines.append(
                    f"- `{e.check.id}`: expected {e.check.expected}; observed "
                    f"{', '.join(e.observed) or e.message} ({e.check.basis})"
                )
                if e.evidence:
                    lines.append(f"  - {_cell(e.evidence['request'])} -> "
                                 f"{_cell(e.evidence['response'])}")
        else:
            lines.append("None.")
        if errors:
            lines += ["", "## Errors (the check could not finish; not a contract finding)", ""]
            lines += [f"- {o.check}: {o.message}" for o in errors]
        lines += ["", "## Documented checks", "", "| id | outcome | held | basis |",
                  "|---|---|---|---|"]
        for e in sorted(self.ledger.documented(), key=_failures_first):
            lines.append(f"| `{e.check.id}` | {e.outcome} | {e.held} | {_cell(e.check.basis)} |")
        not_run = self.ledger.not_run()
        if not_run:
            lines += ["", f"Not run here: {', '.join(f'`{i}`' for i in not_run)}."]
        lines += ["", "## Assumptions", "", "| id | outcome | expected | observed | basis |",
                  "|---|---|---|---|---|"]
        for e in sorted(assumptions, key=_contradicted_first):
            lines.append(
                f"| `{e.check.id}` | {e.outcome} | {_cell(e.check.expected)} | "
                f"{_cell(', '.join(e.observed))} | {_cell(e.check.basis)} |"
            )
        lines += ["", "## Tests", "", "| test | result | detail |", "|---|---|---|"]
        for o in self.outcomes.values():
            detail = f"[{o.rule}] {o.message}" if o.rule else o.message
            lines.append(f"| {_cell(o.check)} | {o.result} | {_cell(detail)} |")
        return self.scrub("\n".join(lines) + "\n")

    def write(self) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / JSON_FILE).write_text(
            self.scrub(json.dumps(self.data(), indent=2, ensure_ascii=False)) + "\n", "utf-8"
        )
        path = self.directory / REPORT_FILE
        path.write_text(self.render(), encoding="utf-8")
        return path


def _failures_first(entry: Entry) -> tuple[int, str]:
    return (0 if entry.outcome == "fail" else 1, entry.check.id)


def _contradicted_first(entry: Entry) -> tuple[int, str]:
    order = {"contradicted": 0, "confirmed": 1, "unobserved": 2}
    return (order[entry.outcome], entry.check.id)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")[:400]
