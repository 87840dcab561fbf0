"""Faults as data: scenario rules and the X-Mock-Scenario header.

A rule matches requests by key, model, input and endpoint, and brings effects: a forced
outcome for the job (FAILED or ERROR with a message), a forced HTTP status, added latency,
and flags (e.g. `timestamps-mixed`). The header carries the same effects for one request.
Gateway code asks for the `Effects` of a request and never branches on "test mode".
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import faults
from .accounts import redact
from .errors import InvalidParameters
from .faults import Fault
from .jobs import Status
from .validation import check

# Flags a rule or the header may set. Each is read where its behaviour lives.
FLAGS = frozenset(
    {
        "timestamps-mixed",  # updated_at/completed_at in the webhook example's second form
        "webhook-duplicate",  # the terminal callback delivered twice
        "webhook-delay",  # the terminal callback arrives well after the status shows the end
        "webhook-out-of-order",  # sync mode: an older status arrives after the terminal one
        "webhook-drop",  # each callback's first attempt is lost; the retry delivers it
    }
)

DEFAULT_FAILED = "The model could not process this input"
DEFAULT_ERROR = "Internal processing error; the request was not charged"


@dataclass(slots=True)
class Effects:
    """What scenarios do to one request. Empty by default."""

    outcome: Status | None = None
    error: str | None = None
    http: int | None = None
    latency_ms: int = 0
    flags: set[str] = field(default_factory=set)
    rules: list[str] = field(default_factory=list)  # ids of the rules that applied, for the journal
    fault: Fault | None = None  # what the connection does instead of a clean answer

    def merge(self, other: Effects) -> None:
        """Add `other` under self: what self already decided wins."""
        if self.outcome is None and other.outcome is not None:
            self.outcome, self.error = other.outcome, other.error
        if self.http is None:
            self.http = other.http
        if self.fault is None:
            self.fault = other.fault
        self.latency_ms += other.latency_ms
        self.flags |= other.flags
        self.rules += other.rules


NO_EFFECTS = Effects()  # shared, read-only: the answer when no rule exists


@dataclass(frozen=True, slots=True)
class Match:
    key: str | None = field(default=None, repr=False)  # never in a repr or traceback
    model: str | None = None
    input_contains: str | None = None  # a substring of the model's input (image_url, prompt)
    on: str | None = None  # submit, status, result or cdn; None: every one of them

    def fits(self, key: str, model_id: str | None, text: str | None, endpoint: str) -> bool:
        return (
            (self.key is None or self.key == key)
            and (self.model is None or self.model == model_id)
            and (self.input_contains is None or (text is not None and self.input_contains in text))
            and (self.on is None or self.on == endpoint)
        )


@dataclass(slots=True)
class Rule:
    rule_id: str
    match: Match
    effects: Effects
    times: int | None = None  # uses left; None: unlimited
    key_label: str | None = None  # how to show match.key when it is kept as a digest
    probability: float | None = None  # the share of matching requests it applies to

    def view(self) -> dict[str, Any]:
        e = self.effects
        return {
            "id": self.rule_id,
            "match": {
                "key": self.key_label or (redact(self.match.key) if self.match.key else None),
                "model": self.match.model,
                "input_contains": self.match.input_contains,
                "on": self.match.on,
            },
            "outcome": e.outcome.value if e.outcome else None,
            "error": e.error,
            "http": e.http,
            "latency_ms": e.latency_ms,
            "flags": sorted(e.flags),
            "fault": e.fault.token if e.fault else None,
            "probability": self.probability,
            "times": self.times,
        }


def check_rule(body: Any) -> dict[str, Any]:
    """A rule body checked against its schema and the known flags (raises InvalidParameters)."""
    rule = check("control/scenario_rule", body)
    unknown = set(rule.get("flags") or ()) - FLAGS
    if unknown:
        raise InvalidParameters(
            f"flags: unknown flag(s) {sorted(unknown)} (known: {sorted(FLAGS)})", field="flags"
        )
    if "fault" in rule:
        try:
            faults.parse(rule["fault"])  # a misspelt fault fails here, where the rule is made
        except ValueError as e:
            raise InvalidParameters(f"fault: {e}", field="fault") from None
    return rule


def rule_from_json(rule_id: str, body: dict[str, Any]) -> Rule:
    """Build a rule from an already schema-validated body (control API or config)."""
    m = body.get("match") or {}
    outcome = Status(body["outcome"]) if body.get("outcome") else None
    error = body.get("error")
    if outcome is not None and error is None:
        error = DEFAULT_FAILED if outcome is Status.FAILED else DEFAULT_ERROR
    effects = Effects(
        outcome=outcome,
        error=error,
        http=body.get("http"),
        latency_ms=int(body.get("latency_ms") or 0),
        flags=set(body.get("flags") or ()),
        rules=[rule_id],
        fault=faults.parse(body["fault"]) if body.get("fault") else None,
    )
    match = Match(m.get("key"), m.get("model"), m.get("input_contains"), m.get("on"))
    return Rule(rule_id, match, effects, body.get("times"), probability=body.get("probability"))


_HTTP_TOKEN = re.compile(r"^http-([45][0-9][0-9])$")  # only errors: a 1xx would hang clients
MAX_LATENCY_MS = 600_000  # as for rules (schemas/control/scenario_rule.json)
_LATENCY_TOKEN = re.compile(r"^latency-([0-9]{1,6})$")


def parse_header(value: str) -> Effects:
    """Effects of an `X-Mock-Scenario` header: comma-separated tokens.

    `fail` and `error` force the job's outcome, `http-<code>` the answer's status,
    `latency-<ms>` adds delay; any flag name sets that flag. Unknown tokens are a 400, so a
    typo never silently runs the happy path.
    """
    effects = Effects(rules=["header"])
    fault, after_accept = None, False
    for token in (t.strip(" \t").lower() for t in value.split(",")):  # HTTP whitespace only
        if not token:
            continue
        if token == faults.AFTER_ACCEPT:
            after_accept = True
        elif token.startswith("fault-") and (kind := faults.fault_kind(token)) is not None:
            fault = kind
        elif token == "fail":
            effects.outcome, effects.error = Status.FAILED, DEFAULT_FAILED
        elif token == "error":
            effects.outcome, effects.error = Status.ERROR, DEFAULT_ERROR
        elif m := _HTTP_TOKEN.match(token):
            effects.http = int(m.group(1))
        elif (m := _LATENCY_TOKEN.match(token)) and int(m.group(1)) <= MAX_LATENCY_MS:
            effects.latency_ms += int(m.group(1))
        elif token in FLAGS:
            effects.flags.add(token)
        else:
            known = ", ".join(
                [
                    "fail",
                    "error",
                    "http-<4xx|5xx>",
                    "latency-<ms up to 600000>",
                    faults.SHORT,
                    *sorted(FLAGS),
                ]
            )
            raise InvalidParameters(
                f"unknown scenario '{token[:40]}' (known: {known})", field="X-Mock-Scenario"
            )
    effects.fault = faults.combine(fault, after_accept)
    return effects


class ScenarioBook:
    """The active rules, in the order they were added."""

    def __init__(self) -> None:
        self.rules: list[Rule] = []
        self.rng: random.Random = random.Random(0)  # the gateway's seeded one (probability)
        self.next_number = 1  # of the next rule (a store keeps it across restarts)

    def add(self, body: dict[str, Any]) -> Rule:
        rule = rule_from_json(f"rule-{self.next_number}", body)
        self.next_number += 1
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: str) -> bool:
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.rule_id != rule_id]
        return len(self.rules) < before

    def clear(self) -> None:
        self.rules.clear()
        self.next_number = 1

    def effects_for(
        self, key: str, model_id: str | None, text: str | None, endpoint: str
    ) -> Effects:
        """Effects of every matching rule (earlier rules win), using up counted rules.

        With no rules, the shared NO_EFFECTS: callers must not change what they get.
        """
        if not self.rules:
            return NO_EFFECTS
        out = Effects()
        for rule in self.matching(key, model_id, text, endpoint):
            if rule.times is not None:
                rule.times -= 1
            out.merge(rule.effects)  # merge changes `out` only, never the rule
        return out

    def matching(
        self, key: str, model_id: str | None, text: str | None, endpoint: str
    ) -> Iterator[Rule]:
        """The rules that apply to a request, in order: not used up, matching, and drawn
        (a rule's probability) from the seeded generator: the same requests under --seed."""
        for rule in self.rules:
            if rule.times == 0 or not rule.match.fits(key, model_id, text, endpoint):
                continue
            if rule.probability is not None and self.rng.random() >= rule.probability:
                continue
            yield rule
