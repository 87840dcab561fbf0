"""A gateway on a shared store (Redis): scenario rules see the submit's input, and a submit's
webhook mode is kept with its job. Each test's docstring names the broken mock it catches."""

from __future__ import annotations

import mock_gateway.stores.redis  # noqa: F401  # see tests/stores/conftest.py
from tests.conftest import FIBO_SUBMIT, RMBG_SUBMIT, Gw

HOOK = "https://127.0.0.1:9/hook"


async def test_an_input_rule_matches_the_submits_prompt_on_a_shared_store(
    pair: tuple[Gw, Gw],
) -> None:
    """Catches: on a shared store the rules are matched against no input at all
    (`input_text(None)`), so a rule with `input_contains` never applies to a submit (202
    instead of the rule's 503)."""
    a, _ = pair
    rule = {"match": {"on": "submit", "input_contains": "volcano"}, "http": 503}
    resp = await a.client.post("/_mock/scenarios", json=rule)
    assert resp.status in (200, 201), await resp.text()
    hit, _ = await a.submit(FIBO_SUBMIT, {"prompt": "a volcano at night"})
    assert hit == 503
    miss, _ = await a.submit(FIBO_SUBMIT, {"prompt": "a quiet lake"})
    assert miss == 202


async def test_a_submits_webhook_mode_is_kept_on_a_shared_store(pair: tuple[Gw, Gw]) -> None:
    """Catches: on a shared store a submit's webhook mode is dropped (`webhook_mode=None`),
    so a job asked for with `X-Webhook-Mode: sync` is kept with no mode."""
    a, b = pair
    headers = {"X-Webhook-URL": HOOK, "X-Webhook-Mode": "sync"}
    status, answer = await a.submit(FIBO_SUBMIT, {"prompt": "a fox"}, headers=headers)
    assert status == 202, answer
    job = await b.job(answer["request_id"])
    assert (job["webhook_url"], job["webhook_mode"]) == (HOOK, "sync")


async def test_a_model_rule_matches_the_submits_model_on_a_shared_store(
    pair: tuple[Gw, Gw],
) -> None:
    """Catches: on a shared store the rules are matched against no model (`model_id=None`),
    so a rule for one model never applies (202 instead of the rule's 503), on the process
    that took the rule or on another."""
    a, b = pair
    rule = {"match": {"on": "submit", "model": "bria-fibo-bbq-preview"}, "http": 503}
    resp = await a.client.post("/_mock/scenarios", json=rule)
    assert resp.status in (200, 201), await resp.text()
    for gw in (a, b):
        hit, _ = await gw.submit(FIBO_SUBMIT, {"prompt": "a fox"})
        miss, _ = await gw.submit(RMBG_SUBMIT, {"image_url": "https://127.0.0.1:9/cat.png"})
        assert (hit, miss) == (503, 202)
