"""The pytest plugin's costs: starting a session's server, and resetting it between tests.

Both are measured in a fresh interpreter, the way a test session pays them: the imports,
the sink's CA, the server in its thread, then resets of a gateway that a test has used
(jobs, a key, a rule, journal entries).
"""

from __future__ import annotations

import json
import subprocess
import sys

from .procs import ROOT, HarnessError
from .report import Targets, say, table

_PROBE = r"""
import json, statistics, tempfile, time
from pathlib import Path
started = time.perf_counter()
from mock_gateway.running import RunningGateway
from mock_gateway.settings import Settings
from mock_gateway.sink import WebhookSink, local_tls
folder = Path(tempfile.mkdtemp())
tls, ca = local_tls(folder)
server = RunningGateway(Settings(manual_clock=True, access_log=False, webhook_ca=str(ca))).start()
server.host(WebhookSink().app, tls)
session = time.perf_counter() - started
import urllib.request
def use():
    for _ in range(5):
        request = urllib.request.Request(
            server.url + "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request",
            data=b'{"prompt": "a lighthouse"}',
            headers={"Content-Type": "application/json", "Ocp-Apim-Subscription-Key": "test-key"})
        urllib.request.urlopen(request).read()
    server.put_key("extra", balance_usd=1)
    server.scenario(http=503, match={"on": "status"})
resets = []
for _ in range(200):
    use()
    t = time.perf_counter()
    server.reset()
    resets.append(time.perf_counter() - t)
server.stop()
resets.sort()
print(json.dumps({"session": session, "reset_median": statistics.median(resets),
                  "reset_p99": resets[int(0.99 * len(resets)) - 1]}))
"""


def run(targets: Targets) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        raise HarnessError(f"plugin probe failed:\n{result.stderr[-2000:]}")
    found = json.loads(result.stdout.strip().splitlines()[-1])
    session, median, p99 = found["session"], found["reset_median"], found["reset_p99"]
    table(
        ["session start s", "reset median ms", "reset p99 ms"],
        [[f"{session:.3f}", f"{median * 1000:.2f}", f"{p99 * 1000:.2f}"]],
    )
    say("  session start: imports, the sink's CA, the server and the sink in their thread")
    say("  reset: after each of 200 simulated tests (5 jobs, a key, a rule, 5 journal entries)")
    targets.check("plugin session start < 1 s", session < 1.0, f"{session:.3f} s")
    targets.check("plugin reset < 10 ms", p99 < 0.010, f"p99 {p99 * 1000:.2f} ms")
