"""What the run may spend on paid submits, and what it did spend, at the documented prices.

`Budget.check(model)` runs before each paid call: when the submit would take the run past
its limit, it raises `BudgetExhausted`, a `unittest.SkipTest`, so pytest and hypothesis both
skip the test instead of failing it. Only an accepted submit counts; an ERROR job is
refunded (the page: "System error - not charged").
"""

from __future__ import annotations

import os
import unittest
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .contract import PRICES

__all__ = ["DEFAULT_LIMIT", "Budget", "BudgetExhausted", "limit_from_env"]

DEFAULT_LIMIT = Decimal("0.50")


class BudgetExhausted(unittest.SkipTest):
    """The next paid call would exceed CONTRACT_MAX_SPEND_USD."""


def limit_from_env() -> Decimal:
    """CONTRACT_MAX_SPEND_USD as exact dollars (default 0.50); ValueError if unusable."""
    raw = os.environ.get("CONTRACT_MAX_SPEND_USD", "").strip()
    if not raw:
        return DEFAULT_LIMIT
    try:
        limit = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"CONTRACT_MAX_SPEND_USD is not an amount: {raw[:40]!r}") from None
    if not limit.is_finite() or limit < 0:
        raise ValueError(f"CONTRACT_MAX_SPEND_USD must be 0 or more, not {raw[:40]!r}")
    return limit


@dataclass(slots=True)
class Budget:
    """Paid submits against a limit; `enforced` is off for the mock, whose money is play money."""

    limit: Decimal
    enforced: bool
    charged: dict[str, str] = field(default_factory=dict)  # request_id -> model
    refunded: set[str] = field(default_factory=set)
    refused: int = 0  # paid calls not made because of the limit

    def check(self, model: str) -> None:
        """Raise BudgetExhausted if one more `model` submit would pass the limit."""
        if self.enforced and self.spent + PRICES[model] > self.limit:
            self.refused += 1
            raise BudgetExhausted(
                f"budget: a {model} submit (${PRICES[model]}) would take the spend from "
                f"${self.spent:.3f} past CONTRACT_MAX_SPEND_USD=${self.limit}"
            )

    def record(self, model: str, request_id: str) -> None:
        """An accepted submit: charged at the documented price."""
        self.charged.setdefault(request_id, model)

    def refund(self, request_id: str) -> None:
        """A job seen ending ERROR: the gateway does not charge it."""
        if request_id in self.charged:
            self.refunded.add(request_id)

    @property
    def spent(self) -> Decimal:
        return sum(
            (PRICES[m] for rid, m in self.charged.items() if rid not in self.refunded),
            Decimal("0"),
        )

    def summary(self) -> str:
        """One line: what was spent, on what, against which limit."""
        counts = {model: 0 for model in PRICES}
        for rid, model in self.charged.items():
            if rid not in self.refunded:
                counts[model] += 1
        jobs = ", ".join(f"{n} {model}" for model, n in counts.items())
        limit = f"of ${self.limit} allowed" if self.enforced else "simulated, not enforced"
        line = f"${self.spent:.3f} {limit} ({jobs}; {len(self.refunded)} refunded as ERROR)"
        if self.refused:
            line += f"; {self.refused} paid calls skipped by the budget"
        return line
