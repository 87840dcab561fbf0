"""The inspector with 100,000 jobs in the store: how long the jobs view takes to load, and
how long a new job takes to appear on an open page (issue 15: both under 1 s).

The mock runs in this process (a thread, `mock_gateway.running`), filled in-core the way
bench/memory.py fills it (validate + submit, no HTTP: 100,000 HTTP submits would measure the
submit path, not the page). The page is Debian's Chromium driven by Playwright
(bench/browser.py). Each time is from the action to the row being visible in the DOM:
- load: `goto` to the first page of 50 rows shown (vocabulary, clock, keys, events, jobs);
- filtered: choosing a status that no job has, so the listing walks all 100,000;
- update: a submit over HTTP to its row shown (the change feed, then the listing).
"""

from __future__ import annotations

import json
import statistics
import time
import urllib.request
from typing import Any

from .report import Targets, note, say, table

FIBO = "bria-fibo-bbq-preview"
LOADS = 5  # page loads timed
UPDATES = 5  # new jobs timed


def fill(server: Any, count: int) -> None:
    """`count` FIBO jobs in the server's gateway, submitted on its own loop."""
    from mock_gateway.core.scenarios import Effects

    async def submit_all() -> None:
        gateway = server.service.gateway
        server.service.put_key(server.api_key, {"balance_usd": "100000000"})
        account = gateway.authenticate(server.api_key)
        model = gateway.models[FIBO]
        for n in range(count):
            params = gateway.validate(model, {"prompt": f"a lighthouse, take {n}"})
            gateway.submit(account, model, params, Effects(), server.url)

    server.call(submit_all(), timeout=600)


def submit(url: str, key: str) -> str:
    request = urllib.request.Request(
        f"{url}/{FIBO}/v1/{FIBO}-request",
        data=b'{"prompt": "one more"}',
        headers={"Content-Type": "application/json", "Ocp-Apim-Subscription-Key": key},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return str(json.loads(answer.read())["request_id"])


def measure(jobs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from mock_gateway.running import RunningGateway
    from mock_gateway.settings import Settings

    from .browser import launch

    server = RunningGateway(Settings(manual_clock=True, access_log=False)).start()
    try:
        started = time.perf_counter()
        fill(server, jobs)
        note(f"{jobs:,} jobs in the store in {time.perf_counter() - started:.1f} s")
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            rows = page.locator("#jobs-table tbody tr")
            loads = []
            for _ in range(LOADS):
                t = time.perf_counter()
                page.goto(f"{server.url}/_mock/ui/")
                rows.nth(49).wait_for()
                loads.append(time.perf_counter() - t)
            page.locator("#live").filter(has_text="live").wait_for()
            t = time.perf_counter()
            page.select_option("#job-filters [name=status]", "FAILED")
            page.locator("#page-info").filter(has_text="0 of 0").wait_for()
            filtered = time.perf_counter() - t
            page.select_option("#job-filters [name=status]", "")
            rows.nth(49).wait_for()
            updates = []
            for _ in range(UPDATES):
                t = time.perf_counter()
                request_id = submit(server.url, server.api_key)
                page.locator(f'tr[data-request-id="{request_id}"]').wait_for()
                updates.append(time.perf_counter() - t)
            shown = server.call(_count(server))
            browser.close()
    finally:
        server.stop()
    return {
        "jobs": shown,
        "load": loads,
        "filtered": filtered,
        "update": updates,
        "console_errors": errors,
    }


async def _count(server: Any) -> int:
    return len(server.service.store.jobs)


def run(targets: Targets, jobs: int) -> None:
    found = measure(jobs)
    load, update = found["load"], found["update"]

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f}"

    table(
        [
            "jobs in the store",
            "load median ms",
            "load max ms",
            "filter ms",
            "update median ms",
            "update max ms",
        ],
        [
            [
                f"{found['jobs']:,}",
                ms(load),
                f"{max(load) * 1000:.0f}",
                f"{found['filtered'] * 1000:.0f}",
                ms(update),
                f"{max(update) * 1000:.0f}",
            ]
        ],
    )
    say(f"  ({LOADS} page loads, {UPDATES} new jobs; Chromium headless on this machine)")
    targets.check("inspector: jobs view loads in < 1 s", max(load) < 1.0, f"max {max(load):.2f} s")
    targets.check(
        "inspector: an update arrives in < 1 s", max(update) < 1.0, f"max {max(update):.2f} s"
    )
    targets.check(
        "inspector: no console errors", not found["console_errors"], str(found["console_errors"])
    )
