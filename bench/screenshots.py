"""`make screenshots`: the README's pictures of the inspector, from a scripted scenario.

    python -m bench.screenshots docs/images

A mock (manual clock) and an HTTPS webhook sink run in this process; a few jobs go through
the gateway's API the way a client sends them: a callback sent twice (webhook-duplicate), a
callback lost then retried (webhook-drop), a platform ERROR that is refunded, a job failed by
a scenario rule, a background removal of a sample picture, and two jobs still under way.
Chromium (bench/browser.py) then takes the jobs view and the dropped callback's story.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import urllib.request
from pathlib import Path

FIBO = "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request"
RMBG = "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request"
WIDTH, HEIGHT, STORY_HEIGHT = 1500, 900, 1250


def submit(url: str, path: str, body: dict[str, object], **headers: str) -> str:
    request = urllib.request.Request(
        url + path,
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            "Ocp-Apim-Subscription-Key": "test-key",
            **headers,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return str(json.loads(answer.read())["request_id"])


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    from mock_gateway.running import RunningGateway
    from mock_gateway.settings import Settings
    from mock_gateway.sink import WebhookSink, local_tls

    from .browser import launch

    # The scenario leaves two jobs under way on purpose: not worth a warning at the stop.
    logging.getLogger("mock_gateway.shutdown").setLevel(logging.ERROR)
    tls, ca = local_tls(Path(tempfile.mkdtemp()))
    server = RunningGateway(
        Settings(manual_clock=True, access_log=False, webhook_ca=str(ca), seed=15)
    ).start()
    try:
        sink = server.host(WebhookSink().app, tls) + "/webhook"
        url = server.url

        def hook(mode: str, scenario: str = "") -> dict[str, str]:
            headers = {"X-Webhook-URL": sink, "X-Webhook-Mode": mode}
            return headers | ({"X-Mock-Scenario": scenario} if scenario else {})

        submit(url, FIBO, {"prompt": "a lighthouse at dusk"}, **hook("sync", "webhook-duplicate"))
        dropped = submit(url, FIBO, {"prompt": "a red bicycle"}, **hook("terminal", "webhook-drop"))
        submit(url, FIBO, {"prompt": "a cracked teapot"}, **hook("terminal", "ERROR"))
        server.scenario(outcome="FAILED", error="prompt refused", match={"input_contains": "storm"})
        submit(url, FIBO, {"prompt": "a storm over the sea"})
        sample = f"{url}/_mock/samples/portrait.png"
        submit(url, RMBG, {"image_url": sample}, **hook("terminal"))
        server.advance(12)  # the retry of the dropped callback comes 5 s after the first
        server.advance(30)
        submit(url, FIBO, {"prompt": "a paper boat"})
        submit(url, FIBO, {"prompt": "a fox in the snow"}, **hook("sync"))
        server.advance(4)  # two still under way, with sync updates pending

        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{url}/_mock/ui/")
            page.locator("#jobs-table tbody tr").nth(6).wait_for()
            page.locator("#live").filter(has_text="live").wait_for()
            page.screenshot(path=str(out / "inspector-jobs.png"))
            page.locator(f'tr[data-request-id="{dropped}"] td.rid').click()
            page.locator("#story tr[data-attempt]").nth(1).wait_for()
            page.locator("#output-img[src]").wait_for()
            page.mouse.move(0, 0)  # no row highlighted by the pointer
            page.set_viewport_size({"width": WIDTH, "height": STORY_HEIGHT})
            page.screenshot(path=str(out / "inspector-story.png"))
            browser.close()
        if errors:
            raise SystemExit(f"the page reported console errors: {errors}")
        print(f"wrote {out / 'inspector-jobs.png'} and {out / 'inspector-story.png'}")
    finally:
        server.stop()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m bench.screenshots OUT_DIR")
    main(Path(sys.argv[1]))
