"""The inspector page (/_mock/ui/) driven as a person would, in a real Chromium.

Jobs are submitted through the gateway's API (as a client would), the page is only looked at
and clicked; each test also checks the page never reloaded (a marker set on `window` at the
start is still there) and reported no console error.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from mock_gateway.core.scenarios import FLAGS
from mock_gateway.pytest_plugin import GatewayFixture, SinkFixture

FIBO = "bria-fibo-bbq-preview"
UPDATE_MS = 1_000  # the bound for an update to reach the page


def submit(gw: GatewayFixture, prompt: str = "a lighthouse", **headers: str) -> str:
    answer = requests.post(
        f"{gw.url}/{FIBO}/v1/{FIBO}-request",
        json={"prompt": prompt},
        headers={"Ocp-Apim-Subscription-Key": gw.api_key, **headers},
        timeout=10,
    )
    assert answer.status_code == 202, answer.text
    request_id: str = answer.json()["request_id"]
    return request_id


def open_page(page: Page, gw: GatewayFixture) -> None:
    page.goto(f"{gw.url}/_mock/ui/")
    expect(page.locator("#live")).to_have_text("live")
    page.evaluate("window.__notReloaded = true")


def iso_after(iso: str, seconds: float) -> str:
    """The clock's ISO text `seconds` later (the page shows the mock's own form)."""
    at = datetime.fromisoformat(iso.replace("Z", "+00:00")) + timedelta(seconds=seconds)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def row(page: Page, request_id: str) -> Any:
    return page.locator(f'#jobs-table tr[data-request-id="{request_id}"]')


# Chromium reports every 4xx a script fetches as a console error; a 401 is how the mock
# answers a page that has no (or a wrong) admin token yet: the token test expects those.
UNAUTHORIZED = "the server responded with a status of 401"


@pytest.fixture
def clean_page(
    page: Page, console_errors: list[str], request: pytest.FixtureRequest
) -> Iterator[Page]:
    """The page; after the test: never reloaded, and no console error."""
    yield page
    assert page.evaluate("window.__notReloaded === true"), "the page reloaded"
    expected = UNAUTHORIZED if request.node.get_closest_marker("mock_gateway") else None
    assert [e for e in console_errors if not (expected and expected in e)] == []


def test_submitted_jobs_appear_with_their_full_id_and_status(
    mock_gateway: GatewayFixture, clean_page: Page
) -> None:
    page = clean_page
    open_page(page, mock_gateway)
    expect(page.locator("#jobs-empty")).to_be_visible()
    ids = [submit(mock_gateway, f"job {i}") for i in range(3)]
    for request_id in ids:
        found = row(page, request_id)
        expect(found).to_be_visible(timeout=UPDATE_MS)
        expect(found.locator("td.rid")).to_have_text(request_id)  # the whole id, as text
        expect(found.locator("td.status")).to_have_text("QUEUED")
    # newest first
    shown = page.locator("#jobs-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.requestId)"
    )
    assert shown == ids[::-1]
    expect(page.locator("#page-info")).to_have_text("1\u20133 of 3")  # en dash


def test_advancing_the_clock_from_the_page_moves_statuses_without_a_reload(
    mock_gateway: GatewayFixture, clean_page: Page
) -> None:
    page = clean_page
    open_page(page, mock_gateway)
    request_id = submit(mock_gateway)
    status = row(page, request_id).locator("td.status")
    expect(status).to_have_text("QUEUED", timeout=UPDATE_MS)
    before = page.locator("#clock-now").inner_text()
    page.get_by_role("button", name="+30 s").click()
    expect(status).to_have_text("COMPLETED", timeout=UPDATE_MS)
    assert page.locator("#clock-now").inner_text() != before
    expect(row(page, request_id).locator("td").nth(7)).not_to_have_text("—")  # completed at
    moved = page.locator("#clock-now").inner_text()
    page.fill("#advance-seconds", "2.5")
    page.get_by_role("button", name="Advance", exact=True).click()
    expect(page.locator("#clock-now")).to_have_text(iso_after(moved, 2.5))
    expect(page.locator("#clock-kind")).to_have_text("frozen")


def test_a_dropped_then_retried_webhook_shows_both_attempts_in_the_story(
    mock_gateway: GatewayFixture, webhook_sink: SinkFixture, clean_page: Page
) -> None:
    page = clean_page
    open_page(page, mock_gateway)
    request_id = submit(
        mock_gateway, **{"X-Webhook-URL": webhook_sink.url, "X-Mock-Scenario": "webhook-drop"}
    )
    mock_gateway.advance(60)  # the job ends; attempt 1 is lost, attempt 2 (after 5 s) lands
    row(page, request_id).locator("td.rid").click()
    story = page.locator("#story")
    expect(story).to_be_visible()
    attempts = story.locator("tr[data-attempt]")
    expect(attempts).to_have_count(2, timeout=UPDATE_MS)
    first, second = attempts.nth(0), attempts.nth(1)
    expect(first.locator("td.outcome")).to_have_text("dropped")
    expect(second.locator("td.outcome")).to_have_text("delivered")
    ids = attempts.locator("td code").all_inner_texts()
    assert len(set(ids)) == 1 and ids[0].startswith("dlv_"), ids  # one callback, two attempts
    expect(story.locator("#story-title")).to_contain_text(request_id)
    expect(story.locator("#story-shaped")).to_contain_text("flags: webhook-drop")
    # the status answers the client saw, with the job's status then: the submit's QUEUED
    expect(story.locator("#story-answers td.status")).to_have_text(["QUEUED"])
    # the callback as sent, ready to replay against the receiver
    curl = second.locator("button.copy").get_attribute("data-copy") or ""
    assert curl.startswith(f"curl -sS -X POST {webhook_sink.url}")
    assert f"X-Webhook-Delivery-Id: {ids[0]}" in curl and "X-Webhook-Attempt: 2" in curl
    assert f'"request_id": "{request_id}"' in curl and '"status": "COMPLETED"' in curl
    # both attempts sit on the story's time axis
    expect(story.locator("#story-axis circle.out-dropped")).to_have_count(1)
    expect(story.locator("#story-axis circle.out-delivered")).to_have_count(1)


def test_a_rule_added_in_the_form_fails_the_next_job(
    mock_gateway: GatewayFixture, clean_page: Page
) -> None:
    page = clean_page
    open_page(page, mock_gateway)
    page.get_by_role("tab", name="Scenario rules").click()
    form = page.locator("#rule-form")
    # flags are offered, never typed: exactly the mock's own, so none can be misspelt
    offered = form.locator("#rule-flags input[type=checkbox]").evaluate_all(
        "boxes => boxes.map(b => b.value)"
    )
    assert sorted(offered) == sorted(FLAGS)
    form.locator("select[name=outcome]").select_option("FAILED")
    form.locator("input[name=error]").fill("the model refused the prompt")
    form.locator("input[name=times]").fill("1")
    form.get_by_role("button", name="Add rule").click()
    expect(page.locator("#rules-table tbody tr[data-rule]")).to_have_count(1)
    expect(form.locator(".error")).to_have_text("")

    page.get_by_role("tab", name="Jobs").click()
    request_id = submit(mock_gateway)
    mock_gateway.advance(60)
    expect(row(page, request_id).locator("td.status")).to_have_text("FAILED", timeout=UPDATE_MS)
    row(page, request_id).locator("td.rid").click()
    shaped = page.locator("#story-shaped")
    expect(shaped).to_contain_text("forced outcome: FAILED")
    expect(shaped).to_contain_text("error: the model refused the prompt")


def test_a_rule_the_mock_refuses_says_why_in_the_form(
    mock_gateway: GatewayFixture, page: Page, console_errors: list[str]
) -> None:
    open_page(page, mock_gateway)
    page.get_by_role("tab", name="Scenario rules").click()
    form = page.locator("#rule-form")
    rules = page.locator("#rules-table tbody tr[data-rule]")
    form.get_by_role("button", name="Add rule").click()  # no effect at all: said at once
    expect(form.locator(".error")).to_have_text(
        "a rule needs at least one effect: outcome, http, latency_ms, flags or fault"
    )
    assert console_errors == []  # never sent
    # what only the mock judges (a probability must be above 0) comes back in its words
    form.locator("input[name=latency_ms]").fill("5")
    form.locator("input[name=probability]").fill("0")
    form.get_by_role("button", name="Add rule").click()
    expect(form.locator(".error")).to_contain_text("probability")
    expect(rules).to_have_count(0)
    # Chromium logs the 400 itself; the page's own code logged nothing
    assert len(console_errors) == 1 and "status of 400" in console_errors[0], console_errors
    form.locator("input[name=probability]").fill("0.5")
    form.get_by_role("button", name="Add rule").click()
    expect(rules).to_have_count(1)
    expect(form.locator(".error")).to_have_text("")


def test_a_key_edited_in_the_page_changes_the_wallet(
    mock_gateway: GatewayFixture, clean_page: Page
) -> None:
    page = clean_page
    open_page(page, mock_gateway)
    page.get_by_role("tab", name="Keys").click()
    keys = page.locator("#keys-table tbody tr")
    expect(keys).to_have_count(1)
    assert mock_gateway.api_key not in page.content()  # redacted, never the key itself
    keys.first.get_by_role("button", name="Edit").click()
    page.fill("#key-form input[name=balance_usd]", "0.01")
    page.get_by_role("button", name="Save key").click()
    expect(keys.first.locator("td.balance")).to_have_text("0.01")
    answer = requests.post(
        f"{mock_gateway.url}/{FIBO}/v1/{FIBO}-request",
        json={"prompt": "too dear now"},
        headers={"Ocp-Apim-Subscription-Key": mock_gateway.api_key},
        timeout=10,
    )
    assert answer.status_code == 402, answer.text


def test_the_clock_can_be_let_run_and_frozen_from_the_page(
    mock_gateway: GatewayFixture, clean_page: Page
) -> None:
    page = clean_page
    open_page(page, mock_gateway)
    expect(page.locator("#clock-kind")).to_have_text("frozen")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#clock-kind")).to_have_text("running")
    first = page.locator("#clock-now").inner_text()
    expect(page.locator("#clock-now")).not_to_have_text(first, timeout=2_500)  # it ticks
    page.get_by_role("button", name="Freeze").click()
    expect(page.locator("#clock-kind")).to_have_text("frozen")


@pytest.mark.mock_gateway(admin_token="inspector-test-token")
def test_the_page_asks_for_the_admin_token_and_shows_nothing_without_it(
    mock_gateway: GatewayFixture, clean_page: Page
) -> None:
    page = clean_page
    request_id = submit(mock_gateway)
    page.goto(f"{mock_gateway.url}/_mock/ui/")
    page.evaluate("window.__notReloaded = true")
    dialog = page.locator("#token-dialog")
    expect(dialog).to_be_visible()
    expect(row(page, request_id)).to_have_count(0)
    dialog.locator("input[name=token]").fill("not-the-token")
    dialog.get_by_role("button", name="Use token").click()
    expect(dialog.locator(".error")).to_contain_text("Not accepted")
    expect(row(page, request_id)).to_have_count(0)
    dialog.locator("input[name=token]").fill("inspector-test-token")
    dialog.get_by_role("button", name="Use token").click()
    expect(dialog).to_be_hidden()
    expect(row(page, request_id)).to_be_visible()
    expect(page.locator("#live")).to_have_text("live")


def test_an_open_story_keeps_what_the_reader_opened_while_it_updates(
    mock_gateway: GatewayFixture, clean_page: Page
) -> None:
    """Broken page: the story rebuilt on every change (its raw JSON closing, its pictures
    fetched again) instead of keeping what did not change."""
    page = clean_page
    open_page(page, mock_gateway)
    request_id = submit(mock_gateway)
    row(page, request_id).locator("td.rid").click()
    story = page.locator("#story")
    expect(story.locator("#story-title")).to_contain_text("QUEUED")
    story.locator("details summary").click()
    expect(story.locator("details")).to_have_attribute("open", "")
    mock_gateway.advance(1)  # a change the story shows only on its axis ("now")
    page.wait_for_timeout(700)
    expect(story.locator("details")).to_have_attribute("open", "")
    mock_gateway.advance(60)  # the job ends: the story is drawn anew, the section stays open
    expect(story.locator("#story-title")).to_contain_text("COMPLETED", timeout=UPDATE_MS)
    expect(story.locator("details")).to_have_attribute("open", "")


def test_a_malformed_job_link_opens_the_page_without_a_job(
    mock_gateway: GatewayFixture, clean_page: Page
) -> None:
    page = clean_page
    page.goto(f"{mock_gateway.url}/_mock/ui/#job=%E0%A4%A")
    expect(page.locator("#live")).to_have_text("live")
    page.evaluate("window.__notReloaded = true")
    expect(page.locator("#story")).to_be_hidden()
    request_id = submit(mock_gateway)
    expect(row(page, request_id)).to_be_visible(timeout=UPDATE_MS)
