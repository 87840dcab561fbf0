"""The chain the browser tests stand on: Debian's chromium, Playwright, the mock."""

from __future__ import annotations

import json
import os
from pathlib import Path

from playwright.sync_api import Page

from bench.browser import chromium_path
from mock_gateway.pytest_plugin import GatewayFixture


def test_chromium_path_is_an_executable_file() -> None:
    path = Path(chromium_path())
    assert path.is_file(), path
    assert os.access(path, os.X_OK), f"{path} is not executable"


def test_the_browser_shows_the_mock_health_answer(
    mock_gateway: GatewayFixture, page: Page, console_errors: list[str]
) -> None:
    response = page.goto(f"{mock_gateway.url}/_mock/health")
    assert response is not None and response.ok, response
    text = page.locator("body").inner_text()
    assert '"status"' in text and '"ok"' in text, text
    assert json.loads(text)["status"] == "ok"
    assert console_errors == []


def test_the_page_fixture_collects_console_errors_and_uncaught_exceptions(
    page: Page, console_errors: list[str]
) -> None:
    page.set_content("<script>console.error('logged'); throw new Error('thrown');</script>")
    page.wait_for_function("true")  # the script has run
    assert len(console_errors) == 2, console_errors
    assert "logged" in console_errors[0] and "thrown" in console_errors[1]
