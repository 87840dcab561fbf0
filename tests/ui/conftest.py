"""Chromium for the session and a fresh page per test, with the errors the page reported.

    def test_something(mock_gateway, page, console_errors):
        page.goto(f"{mock_gateway.url}/_mock/ui/")
        ...
        assert console_errors == []

Browser tests are plain sync tests (sync Playwright refuses to start inside a running event
loop). No skips: when no Chromium can be found or installed, the browser fixtures raise
bench/browser.py's message, so each browser test errors (CI must not pass without them).

Sync Playwright leaves its own event loop marked as this thread's running loop between its
calls (playwright/_impl/_greenlets.py, wait_for_future); pytest-asyncio then refuses to run
every later async test ("Runner.run() cannot be called from a running event loop",
microsoft/playwright-pytest#167). So the mark is Playwright's only while a browser test
runs: `browser` sets it up for the test and clears it after.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Route, sync_playwright

from bench.browser import launch

# Fail a step in seconds rather than Playwright's default 30 s.
TIMEOUT_MS = 10_000
# Chromium asks every origin for /favicon.ico by itself: the mock would answer 404, which
# the page reports as a console error and the mock's journal records as a request.
ROOT_FAVICON = re.compile(r"^https?://[^/]+/favicon\.ico$")


@pytest.fixture(scope="session")
def _chromium() -> Iterator[tuple[Browser, asyncio.AbstractEventLoop]]:
    """One headless Chromium for the session (started at the first browser test), and
    Playwright's event loop, not marked as running between tests."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        loop = asyncio.get_running_loop()  # Playwright's, marked by the call just made
        asyncio._set_running_loop(None)
        try:
            yield browser, loop
        finally:
            asyncio._set_running_loop(loop)
            browser.close()


@pytest.fixture
def browser(_chromium: tuple[Browser, asyncio.AbstractEventLoop]) -> Iterator[Browser]:
    """The session's Chromium, usable for the length of this (sync) test."""
    browser, loop = _chromium
    asyncio._set_running_loop(loop)
    try:
        yield browser
    finally:
        asyncio._set_running_loop(None)


def _no_favicon(route: Route) -> None:
    route.fulfill(status=204)


@pytest.fixture
def _watched_page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    context.route(ROOT_FAVICON, _no_favicon)
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location
            errors.append(f"console.error: {message.text} ({where['url']}:{where['lineNumber']})")

    def on_page_error(error: Error) -> None:
        errors.append(f"uncaught: {error.message}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    try:
        yield page, errors
    finally:
        context.close()


@pytest.fixture
def page(_watched_page: tuple[Page, list[str]]) -> Page:
    """A fresh page in a browser context of its own (no cookies or storage from other tests)."""
    return _watched_page[0]


@pytest.fixture
def console_errors(_watched_page: tuple[Page, list[str]]) -> list[str]:
    """What `page` reported so far: console.error messages and uncaught exceptions."""
    return _watched_page[1]
