"""A scenario rule matched on a job's status or result call sees the job's input (its prompt
or image URL): `input_contains` applies there as on submit. Each test's docstring names the
broken mock it catches."""

from __future__ import annotations

from tests.conftest import CAT, KEY, Gw

RESULT = "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request-result"


async def test_a_status_rule_matches_the_jobs_prompt(gw: Gw) -> None:
    """Catches: the status call matches rules against no input at all, so a rule with
    `input_contains` never applies to a status poll (200 instead of the rule's 503)."""
    volcano = await gw.fibo(prompt="a volcano at night")
    lake = await gw.fibo(prompt="a quiet lake")
    rule = {"match": {"on": "status", "input_contains": "volcano"}, "http": 503}
    resp = await gw.client.post("/_mock/scenarios", json=rule)
    assert resp.status in (200, 201), await resp.text()
    headers = {"Ocp-Apim-Subscription-Key": KEY}
    hit = await gw.client.get(f"/v2/requests/status/{volcano['request_id']}", headers=headers)
    assert hit.status == 503
    miss = await gw.client.get(f"/v2/requests/status/{lake['request_id']}", headers=headers)
    assert miss.status == 200


async def test_a_result_rule_matches_the_jobs_image_url(gw: Gw) -> None:
    """Catches: the generation-1 result call matches rules against no input at all, so a
    rule with `input_contains` on the image URL never applies (200 instead of 503)."""
    await gw.put_key("gen1-key", balance_usd=10, api_generation=1)
    status, job = await gw.submit(
        "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request", {"image_url": CAT}, key="gen1-key"
    )
    assert status == 200, job
    rule = {"match": {"on": "result", "input_contains": "cat.jpg"}, "http": 503}
    resp = await gw.client.post("/_mock/scenarios", json=rule)
    assert resp.status in (200, 201), await resp.text()
    hit = await gw.client.post(
        RESULT,
        json={"request_id": job["request_id"]},
        headers={"Ocp-Apim-Subscription-Key": "gen1-key"},
    )
    assert hit.status == 503, await hit.text()
