"""Issue 14 (start-up under 0.5 s): what a starting mock leaves for later.

PIL and the scenes (tens of ms to import) come in with the first picture, and the system
trust store (15-100 ms to read) loads in a thread of its own, so neither is on the way from
`mock-gateway serve` to its first answer. Each check runs in a fresh interpreter: this
process has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

# A fresh interpreter that imports what `mock-gateway serve` imports, starts a mock and runs
# STEPS (the body of `run`, with `client`, `headers` and `seen` at hand); prints `seen`.
_IN_A_STARTED_MOCK = """
import asyncio, json, sys
from mock_gateway.cli import main  # what `mock-gateway serve` imports
from mock_gateway.app import create_app
from mock_gateway.settings import Settings
from aiohttp.test_utils import TestClient, TestServer

async def run():
    settings = Settings(manual_clock=True, access_log=False)
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    seen = {}
    headers = {"Ocp-Apim-Subscription-Key": "test-key"}
    try:
STEPS
    finally:
        await client.close()
    return seen

print(json.dumps(asyncio.run(run())))
"""

_STARTED = """
for name, url in [
    ("stand-in", "https://example.com/cat.jpg"),
    ("sample", str(client.make_url("/_mock/samples/cat.png"))),
]:
    r = await client.post(
        "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request", json={"image_url": url},
        headers=headers,
    )
    seen[name] = [r.status, "PIL" in sys.modules]
await client.post("/_mock/reset")
seen["reset"] = "PIL" in sys.modules
r = await client.get("/_mock/samples")
seen["listing"] = [r.status, "PIL" in sys.modules]
r = await client.get("/_mock/samples/cat.png")
seen["picture"] = [r.status, "PIL" in sys.modules]
"""


def _in_a_started_mock(steps: str) -> str:
    return _IN_A_STARTED_MOCK.replace("STEPS", textwrap.indent(steps.strip("\n"), " " * 8))


def _run(script: str) -> Any:
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_pil_is_imported_by_the_first_picture_not_by_the_start_or_a_submit() -> None:
    """Catches: a module on the start-up path importing `pictures` (or PIL) again, an RMBG
    submit's sizing (a stand-in's, a sample's) or a reset reaching for PIL; and, the other
    way, a picture that no longer imports what it draws with."""
    seen = _run(_in_a_started_mock(_STARTED))
    assert seen == {
        "stand-in": [202, False],
        "sample": [202, False],
        "reset": False,
        "listing": [200, False],
        "picture": [200, True],
    }


def test_the_system_trust_store_loads_off_the_start_up_path() -> None:
    """Catches: `create_app` reading the system store on its own thread (the thread never
    started, or joined before returning), or a second read for a second gateway. The read is
    held until the app is made, so that the check does not depend on how fast it is."""
    seen = _run(
        """
import json, ssl, threading
from mock_gateway.app import create_app, webhook_tls
from mock_gateway.settings import Settings

release, reads, made = threading.Event(), [], ssl.create_default_context

def held():
    reads.append(threading.current_thread() is threading.main_thread())
    assert release.wait(10)
    return made()

ssl.create_default_context = held
create_app(Settings())
create_app(Settings())
loading = webhook_tls(Settings())
pending = not loading.done()
release.set()
context = loading.result(timeout=60)
print(json.dumps([pending, reads, context.verify_mode == ssl.CERT_REQUIRED]))
"""
    )
    assert seen == [True, [False], True]


_VALIDATED = """
RMBG = "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request"
FIBO = "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request"
seen["start"] = "jsonschema" in sys.modules
for name, path, body in [
    ("rmbg", RMBG, {"image_url": "https://example.com/cat.jpg"}),
    ("fibo", FIBO, {"prompt": "a lighthouse", "aspect_ratio": "16:9"}),
    ("bad fibo", FIBO, {"prompt": "a lighthouse", "aspect_ratio": "2:1"}),
    ("no prompt", FIBO, {"aspect_ratio": "1:1"}),
]:
    r = await client.post(path, json=body, headers=headers)
    answer = await r.json()
    seen[name] = [r.status, answer.get("message"), "jsonschema" in sys.modules]
"""


def test_jsonschema_is_imported_by_the_first_refused_body_not_by_the_start_or_a_submit() -> None:
    """Catches: the catalog's load checking the shipped catalog with jsonschema again (its
    verified digest gone stale or never compared), a module on the start-up path importing
    jsonschema at its top, or a well-formed submit reaching the authoritative validator; and,
    the other way, a refused body that no longer gets jsonschema's field and message."""
    seen = _run(_in_a_started_mock(_VALIDATED))
    assert seen["start"] is False
    assert seen["rmbg"][0] == seen["fibo"][0] == 202
    assert [seen["rmbg"][2], seen["fibo"][2]] == [False, False]
    status, message, imported = seen["bad fibo"]
    assert (status, imported) == (400, True)
    assert message.startswith("aspect_ratio: ")
    assert seen["no prompt"] == [400, "prompt: is required", True]
