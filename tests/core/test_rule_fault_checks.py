"""check_rule's own look at a rule's `fault`: a value the schema's pattern lets through but
`faults.parse` refuses is a 400 naming the `fault` field when the rule is made, not a failure
later. Python's `$` also matches before a final newline, so `"fault-reset\\n"` fits the schema's
pattern; only the parse in check_rule refuses it."""

from __future__ import annotations

from typing import Any

import pytest

from mock_gateway.core.errors import InvalidParameters
from mock_gateway.core.scenarios import check_rule
from tests.conftest import Gw

KNOWN = (
    "known: fault-reset, fault-empty, fault-truncated, fault-garbage, fault-hang, "
    "fault-slow-<ms>, fault-after-accept; slow up to 600000 ms"
)


def refused_body(token: str) -> dict[str, Any]:
    return {
        "error": "Invalid request parameters",
        "message": f"fault: unknown or repeated fault '{token}' ({KNOWN})",
        "field": "fault",
    }


@pytest.mark.parametrize(
    ("fault", "token"),
    [
        ("fault-reset\n", "fault-reset\n"),
        ("fault-hang,fault-after-accept\n", "fault-after-accept\n"),
        ("fault-slow-5\n", "fault-slow-5\n"),  # once accepted: `$` matched before the newline
    ],
)
def test_a_fault_the_schema_lets_through_but_parse_refuses_is_refused_by_check_rule(
    fault: str, token: str
) -> None:
    """Catches: check_rule skipping its `if "fault" in rule` parse (the key misspelt), so a
    fault only `faults.parse` refuses is accepted; or the refusal losing its message
    ("fault: <parse error>") or its `field="fault"` (None, misspelt, upper case)."""
    with pytest.raises(InvalidParameters) as refused:
        check_rule({"fault": fault})
    err = refused.value
    assert err.message == f"fault: unknown or repeated fault '{token}' ({KNOWN})"
    assert err.field == "fault"
    assert err.body() == refused_body(token)


def test_a_good_fault_passes_check_rule_unchanged() -> None:
    """Catches: check_rule refusing or rewriting a rule whose fault parses."""
    rule = {"fault": "fault-slow-250, fault-after-accept", "times": 1}
    assert check_rule(rule) == {"fault": "fault-slow-250, fault-after-accept", "times": 1}


async def test_posting_a_rule_with_such_a_fault_is_a_400_naming_the_field(gw: Gw) -> None:
    """Catches: the control API accepting (or failing with a 500 on) a rule whose fault only
    `faults.parse` refuses, instead of the 400 naming `fault`; and no rule is stored."""
    resp = await gw.client.post("/_mock/scenarios", json={"fault": "fault-reset\n"})
    assert resp.status == 400
    assert await resp.json() == refused_body("fault-reset\n")
    listed = await (await gw.client.get("/_mock/scenarios")).json()
    assert listed["scenarios"] == []
