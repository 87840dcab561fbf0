"""Webhook latency: from a job's terminal moment to its terminal callback's arrival.

The mock (real clock, time scale 0.2) and the HTTPS sink run as separate processes, as a
team would run them. All jobs are submitted before the first one ends, so every callback is
in flight (planned on the scheduler) at once; they fall due over a few seconds. The delay of
each is the sink's wall-clock arrival time minus the job's planned end (`ends_at` in
`GET /_mock/jobs`: the mock's clock is wall time; `ends_at` is cut to the millisecond, so
delays read up to 1 ms long). Not the callback's `completed_at`: in the default "mixed"
form it is rounded up to the whole second, which made delays read negative.
"""

from __future__ import annotations

import http.client
import json
import ssl
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from .client import KEY_HEADER, Client
from .procs import HarnessError, Reaper, Server, mock_command
from .report import Targets, note, say, table

KEY = "bench-webhooks"
FIBO = "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request"


def run(reaper: Reaper, jobs: int, targets: Targets) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-sink-") as folder:
        ca = Path(folder) / "sink-ca.pem"
        sink = Server(
            "sink", mock_command("sink", "--https", "--port", "0", "--ca-dir", folder), reaper
        )
        mock = Server(
            "mock",
            mock_command(
                "serve", "--port", "0", "--quiet", "--time-scale", "0.2", "--webhook-ca", str(ca)
            ),
            reaper,
        )
        try:
            measure(mock.port, sink.port, ca, jobs, targets)
        finally:
            mock.stop()
            sink.stop()


def measure(mock_port: int, sink_port: int, ca: Path, jobs: int, targets: Targets) -> None:
    with Client(mock_port) as control:
        control.expect(201, "PUT", f"/_mock/keys/{KEY}", {"balance_usd": 10**6, "rate_limit": None})
    hook = f"https://127.0.0.1:{sink_port}/hook"
    note(f"submitting {jobs} jobs with a terminal webhook to {hook}")
    started = time.monotonic()
    ids = submit_all(mock_port, hook, jobs)
    took = time.monotonic() - started
    say(f"{jobs:,} FIBO jobs submitted in {took:.2f} s, each with X-Webhook-URL {hook} (terminal)")
    ends = planned_ends(mock_port, ids)
    first_end, last_end = min(ends.values()), max(ends.values())
    say(
        f"all submitted before the first job ended: {'yes' if time.time() < first_end else 'NO'}; "
        f"jobs end over {last_end - first_end:.1f} s"
    )
    # Ask the sink only once the last job has ended: listing hundreds of records is work for
    # the sink, and doing it mid-burst would add to the very delays being measured.
    time.sleep(max(0.0, last_end - time.time()) + 1.0)
    arrivals = wait_for_callbacks(sink_port, ca, set(ids), timeout=60)
    delays = [1000 * (at - ends[rid]) for rid, (at, _) in arrivals.items()]
    lost = len(ids) - len(arrivals)
    delays.sort()
    p50 = statistics.median(delays) if delays else float("nan")
    p99 = delays[min(len(delays) - 1, int(0.99 * len(delays)))] if delays else float("nan")
    table(
        ["callbacks", "delivered", "lost", "p50 ms", "p99 ms", "max ms"],
        [
            [
                f"{jobs:,}",
                f"{len(arrivals):,}",
                str(lost),
                f"{p50:.1f}",
                f"{p99:.1f}",
                f"{delays[-1] if delays else float('nan'):.1f}",
            ]
        ],
    )
    targets.check("webhook p99 terminal-to-arrival < 50 ms", p99 < 50, f"p99 {p99:.1f} ms")
    targets.check("no webhook callback lost", lost == 0, f"{lost} lost of {jobs:,}")


def submit_all(port: int, hook: str, jobs: int) -> list[str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {KEY_HEADER: KEY, "Content-Type": "application/json", "X-Webhook-URL": hook}
    ids = []
    try:
        for n in range(jobs):
            body = json.dumps({"prompt": f"a lighthouse, take {n}", "seed": n}).encode()
            conn.request("POST", FIBO, body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            if response.status != 202:
                raise HarnessError(f"submit answered {response.status}: {answer[:200]!r}")
            ids.append(json.loads(answer)["request_id"])
    finally:
        conn.close()
    return ids


def planned_ends(port: int, ids: list[str]) -> dict[str, float]:
    """request_id -> when the job ends (epoch seconds), from the mock's own plan."""
    with Client(port) as control:
        jobs = control.expect(200, "GET", f"/_mock/jobs?limit={len(ids)}").json()["jobs"]
    return {j["request_id"]: parse(j["ends_at"]) for j in jobs}


def wait_for_callbacks(
    port: int, ca: Path, wanted: set[str], timeout: float
) -> dict[str, tuple[float, dict[str, object]]]:
    """request_id -> (arrival, body) of the first accepted terminal callback of each job."""
    context = ssl.create_default_context(cafile=str(ca))
    deadline = time.monotonic() + timeout
    found: dict[str, tuple[float, dict[str, object]]] = {}
    while time.monotonic() < deadline:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
        try:
            conn.request("GET", "/received")
            received = json.loads(conn.getresponse().read())["received"]
        finally:
            conn.close()
        for r in received:
            if r["request_id"] in wanted and 200 <= r["answered"] < 300:
                found.setdefault(r["request_id"], (r["at"], r["body"]))
        if len(found) == len(wanted):
            break
        time.sleep(0.5)
    return found


def parse(stamp: object) -> float:
    """Epoch seconds of `2026-03-31T10:00:00.000Z`."""
    return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp()
