"""The check registry, the ledger and the fidelity report, without a gateway."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from pixazo_contract.http import Answer
from pixazo_contract.ledger import ContractViolation, Ledger
from pixazo_contract.registry import ASSUMED, CHECKS, DOCUMENTED, check_for
from pixazo_contract.report import Outcome, Report

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "contract_tests"
RULE_SHAPE = r"[a-z][a-z0-9]*[.:-][a-z0-9.:/-]+"  # "submit-202", "assumed.x.y", "schema:a/b"
RULE_TAKERS = {"ContractViolation", "passed", "assumption", "measure", "check_error"}


def rules_in_the_suite() -> set[str]:
    """Every string literal handed to something that takes a check id."""
    found: set[str] = set()
    for path in SUITE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in RULE_TAKERS:
                continue
            for arg in node.args:
                text = arg.value if isinstance(arg, ast.Constant) else None
                if isinstance(text, str) and re.fullmatch(RULE_SHAPE, text):
                    found.add(text)
    return found


def test_every_rule_the_suite_names_is_registered() -> None:
    rules = rules_in_the_suite()
    assert len(rules) > 30
    for rule in rules:
        check_for(rule)  # KeyError names an unregistered one


def test_every_check_has_a_kind_and_a_basis_and_assumptions_say_what_they_expect() -> None:
    for check in CHECKS.values():
        assert check.kind in (DOCUMENTED, ASSUMED)
        assert len(check.basis) > 15, check
        assert check.id.startswith("assumed.") == (check.kind == ASSUMED), check
        if check.kind == ASSUMED:
            assert check.expected, check


def test_the_api_notes_list_exactly_the_registered_assumptions() -> None:
    notes = (ROOT / "docs" / "API_NOTES.md").read_text("utf-8")
    listed = set(re.findall(r"^\| `(assumed\.[a-z0-9.-]+)` \|", notes, re.M))
    registered = {c.id for c in CHECKS.values() if c.kind == ASSUMED}
    assert listed == registered, (listed - registered, registered - listed)


def test_an_unregistered_rule_is_a_bug_where_it_is_made() -> None:
    with pytest.raises(KeyError, match="not a registered check"):
        ContractViolation("made-up-rule", "x")


def answer(status: int = 200, body: bytes = b'{"a": 1}') -> Answer:
    return Answer(
        "GET",
        "http://127.0.0.1:9/x",
        status,
        {"content-type": "application/json"},
        body,
        json.loads(body),
        b"",
        body,
    )


def test_on_the_mock_a_contradicted_assumption_fails_like_a_violation() -> None:
    ledger = Ledger(strict=True)
    with pytest.raises(ContractViolation) as caught:
        ledger.assumption("assumed.output.media-type", holds=False, observed="text/plain")
    assert caught.value.rule == "assumed.output.media-type"
    entry = ledger.entries["assumed.output.media-type"]
    assert entry.outcome == "contradicted" and entry.observed == ["text/plain"]


def test_live_a_contradicted_assumption_is_reported_and_the_run_goes_on() -> None:
    ledger = Ledger(strict=False)
    for seen in ("text/plain", "text/plain", "image/webp"):
        ledger.assumption("assumed.output.media-type", holds=False, observed=seen, answer=answer())
    ledger.assumption("assumed.timestamps.form", holds=True, observed="iso")
    outcomes = {e.check.id: e for e in ledger.assumptions()}
    assert outcomes["assumed.output.media-type"].outcome == "contradicted"
    assert outcomes["assumed.output.media-type"].observed == ["text/plain", "image/webp"]
    assert outcomes["assumed.timestamps.form"].outcome == "confirmed"
    assert outcomes["assumed.durations"].outcome == "unobserved"
    with pytest.raises(ValueError, match="not an assumed check"):
        ledger.assumption("submit-202", holds=True, observed="202")


def test_a_violation_is_recorded_once_with_its_evidence() -> None:
    ledger = Ledger(strict=False)
    ledger.passed("submit-202", answer(202))
    error = ContractViolation("submit-202", "answered 200", answer(200))
    ledger.violated(error)
    ledger.violated(error)
    entry = ledger.entries["submit-202"]
    assert (entry.held, entry.broke, entry.outcome) == (1, 1, "fail")
    assert entry.evidence is not None and entry.evidence["response"].startswith("200 ")
    assert "submit-202" not in ledger.not_run() and "webhook-once" in ledger.not_run()


def test_the_report_puts_violations_first_then_contradictions_and_writes_json(
    tmp_path: Path,
) -> None:
    report = Report(
        live=True,
        label="live at http://127.0.0.1:9",
        directory=tmp_path,
        ledger=Ledger(strict=False),
    )
    report.ledger.assumption("assumed.output.media-type", holds=False, observed="text/plain")
    report.ledger.passed("auth-401")
    report.record(
        "t::broken",
        "call",
        "failed",
        0.1,
        ContractViolation("submit-202", "answered 200", answer(200)),
    )
    report.outcomes["t::fine"] = Outcome("t::fine")
    report.write()
    text = (tmp_path / "fidelity-report.md").read_text("utf-8")
    order = [
        text.index(h)
        for h in (
            "## Differences from the documented contract",
            "## Contradicted assumptions",
            "## Documented checks",
            "## Assumptions",
            "## Tests",
        )
    ]
    assert order == sorted(order)
    assert "[submit-202] answered 200" in text.split("## Contradicted")[0]
    data = json.loads((tmp_path / "fidelity-report.json").read_text("utf-8"))
    assert {"target", "generated_at", "spend_usd", "documented", "assumptions"} <= set(data)
    documented = {d["id"]: d for d in data["documented"]}
    assert documented["submit-202"]["outcome"] == "fail"
    assert documented["submit-202"]["evidence"]["request"].startswith("GET http://127.0.0.1:9")
    assert documented["auth-401"]["outcome"] == "pass"
    media = next(a for a in data["assumptions"] if a["id"] == "assumed.output.media-type")
    assert (media["outcome"], media["observed"]) == ("contradicted", ["text/plain"])
    assert media["expected"] == "output.media_type is image/png"
    assert report.summary_lines()[0] == "contract violations: 1 (submit-202)"


def test_the_mock_can_lift_exactly_the_validation_the_suite_can_find_unenforced() -> None:
    from mock_gateway.settings import RELAXABLE as LIFTABLE
    from pixazo_contract.expectations import RELAXABLE

    assert LIFTABLE == RELAXABLE
    marked = set()
    for name in ("gen2/fibo_request", "gen2/rmbg_request"):
        text = (ROOT / "schemas" / f"{name}.json").read_text("utf-8")
        marked |= set(re.findall(r'"(assumed\.validation\.[a-z-]+)"', text))
    assert marked == RELAXABLE, "every liftable check is marked x-assumed in a request schema"


KEY = "sk-live-0123456789abcdef0123456789abcdef"


def test_a_key_the_target_echoes_never_reaches_messages_evidence_or_parsed_bodies() -> None:
    from aiohttp import web

    from pixazo_contract.http import Http, Secret
    from pixazo_contract.serving import ServedApp

    async def echo(request: web.Request) -> web.Response:
        key = request.headers.get("Ocp-Apim-Subscription-Key", "")
        # Long enough that any cut (a snippet, an evidence excerpt) falls inside the key.
        padding = "x" * 150
        return web.json_response(
            {"error": f"{padding}{key}", "message": f"unknown key {key}"}, status=404
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    with ServedApp(app) as served:
        http = Http(served.url, Secret(KEY), pause=lambda _: None)
        found = http.request("POST", "/x", json_body={"echo": KEY})
    ledger = Ledger(strict=False)
    ledger.assumption(
        "assumed.error.texts", holds=False, observed=found.json["message"], answer=found,
        message=found.snippet(170),
    )  # fmt: skip
    entry = ledger.entries["assumed.error.texts"]
    texts = [json.dumps(found.json), found.snippet(160), found.snippet(170),
             json.dumps(entry.evidence), entry.message, *entry.observed]  # fmt: skip
    for text in texts:
        for start in range(0, len(KEY) - 6):
            assert KEY[start : start + 6] not in text, text
    assert found.body.count(KEY.encode()) == 2, "the raw body is kept as sent"


def test_the_webhook_console_line_never_shows_credentials_or_a_query() -> None:
    import logging

    from mock_gateway.webhooks import Webhooks

    class Job:
        webhook_url = "https://hookuser:hook-password-123@127.0.0.1:9/hooks/abc?token=s3cret"
        request_id = "r1"

    class Event:
        status = "COMPLETED"

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    log = logging.getLogger("mock_gateway.webhooks")
    log.addHandler(handler)
    try:
        Webhooks._tell(Event(), Job(), 1, "failed", "answered HTTP 500")  # type: ignore[arg-type]
    finally:
        log.removeHandler(handler)
    (line,) = [r.getMessage() for r in records]
    assert "https://127.0.0.1:9/hooks/abc: answered HTTP 500" in line
    assert "hook-password" not in line and "hookuser" not in line and "s3cret" not in line


def test_a_target_that_never_stops_answering_429_is_an_error_not_a_finding() -> None:
    from aiohttp import web

    from pixazo_contract.http import Http, Secret, StillRateLimited
    from pixazo_contract.serving import ServedApp

    async def always_429(request: web.Request) -> web.Response:
        return web.json_response({"error": "slow down"}, status=429, headers={"Retry-After": "1"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", always_429)
    waited: list[float] = []
    with ServedApp(app) as served:
        http = Http(served.url, Secret("test-key"), pause=waited.append)
        with pytest.raises(StillRateLimited, match="still answered 429 after 5 waits"):
            http.request("GET", "/v2/requests/status/x")
        assert http.request("GET", "/x", wait_rate_limit=False).status == 429
    assert waited == [1.0] * 5
    assert not issubclass(StillRateLimited, ContractViolation)
