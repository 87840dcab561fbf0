"""Network-level faults: what the connection does instead of carrying a clean answer.

A fault is parsed once, from a token of `X-Mock-Scenario` or a rule's `fault`, into a
`Fault`; the front door runs it (`mock_gateway/http/faults.py`). Nothing else compares
fault names. Kinds, in WireMock's words where it has them:

- `fault-reset`      the connection is reset (TCP RST) before any byte of the answer;
- `fault-empty`      the connection closes (FIN) with no answer;
- `fault-truncated`  the status line, the headers and the first half of the body, then close;
- `fault-garbage`    random bytes (from the seeded generator), then close;
- `fault-slow-<ms>`  the whole answer, dribbled over that many milliseconds;
- `fault-hang`       no answer until the client gives up (closed after `MAX_HANG_SECONDS`).

On a submit a fault happens before the job is accepted (nothing is charged), except
`fault-slow-<ms>` (the client gets the whole 202 in the end) and any fault combined with
`fault-after-accept`: then the job exists and is charged, and the client never sees the 202.
`fault-after-accept` alone means `fault-reset` after the job was accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RESET = "reset"
EMPTY = "empty"
TRUNCATED = "truncated"
GARBAGE = "garbage"
SLOW = "slow"
HANG = "hang"
AFTER_ACCEPT = "fault-after-accept"

MAX_SLOW_MS = 600_000
MAX_HANG_SECONDS = 300.0  # a hung answer is closed after this, whatever the client does
_SIMPLE = {f"fault-{k}": k for k in (RESET, EMPTY, TRUNCATED, GARBAGE, HANG)}
_SLOW = re.compile(r"^fault-slow-([0-9]{1,6})$")
TOKENS = (*_SIMPLE, "fault-slow-<ms>", AFTER_ACCEPT)  # for messages and the docs
SHORT = "fault-<reset|empty|truncated|garbage|hang|slow-ms|after-accept>"  # in a long list


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str
    slow_ms: int = 0  # fault-slow-<ms>: how long the answer takes to arrive
    after_accept: bool = False  # a submit's job is accepted (and charged) first

    @property
    def token(self) -> str:
        base = f"fault-slow-{self.slow_ms}" if self.kind == SLOW else f"fault-{self.kind}"
        return f"{base},{AFTER_ACCEPT}" if self.after_accept else base

    @property
    def keeps_the_job(self) -> bool:
        """Whether a submit under this fault accepts (and charges) the job."""
        return self.after_accept or self.kind == SLOW


def fault_kind(token: str) -> Fault | None:
    """The fault one token names (without `fault-after-accept`), or None if it names none."""
    kind = _SIMPLE.get(token)
    if kind is not None:
        return Fault(kind)
    m = _SLOW.fullmatch(token)  # not match: its `$` would let a trailing newline through
    if m and int(m.group(1)) <= MAX_SLOW_MS:
        return Fault(SLOW, slow_ms=int(m.group(1)))
    return None


def combine(kind: Fault | None, after_accept: bool) -> Fault | None:
    """A fault from its kind and the `fault-after-accept` modifier (alone: a reset)."""
    if kind is None and not after_accept:
        return None
    kind = kind or Fault(RESET)
    return Fault(kind.kind, kind.slow_ms, after_accept) if after_accept else kind


def parse(text: str) -> Fault:
    """A rule's `fault` value: one fault token, optionally `,fault-after-accept` (ValueError
    naming the known tokens otherwise)."""
    kind, after = None, False
    for token in (t.strip(" \t").lower() for t in text.split(",")):
        if token == AFTER_ACCEPT:
            after = True
            continue
        found = fault_kind(token)
        if found is None or kind is not None:
            raise ValueError(
                f"unknown or repeated fault '{token[:40]}' (known: {', '.join(TOKENS)}; "
                f"slow up to {MAX_SLOW_MS} ms)"
            )
        kind = found
    fault = combine(kind, after)
    assert fault is not None  # every token set `kind` or `after`, or raised (even an empty one)
    return fault
