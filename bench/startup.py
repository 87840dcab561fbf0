"""Section 3: wall time from spawning `mock-gateway serve` to its first 200 on /_mock/health."""

from __future__ import annotations

import http.client
import statistics
import subprocess
import tempfile
import time

from .procs import HarnessError, Reaper, free_port, mock_command
from .report import Targets, note, say, table

TARGET_SECONDS = 0.5  # issue 14 (it was 1.5)
POLL_SECONDS = 0.01


def health_ok(port: int) -> bool:
    """True once the mock answers GET /_mock/health with 200 (False while it cannot)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        conn.request("GET", "/_mock/health")
        return conn.getresponse().status == 200
    except OSError:  # refused (not listening yet), reset, timeout
        return False
    finally:
        conn.close()


def time_one(reaper: Reaper, timeout: float = 15.0) -> float:
    """Seconds from spawning the mock to its first healthy answer."""
    port = free_port()
    with tempfile.TemporaryFile() as stderr:
        began = time.perf_counter()
        proc = reaper.spawn(
            mock_command("serve", "--port", str(port), "--quiet"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            while not health_ok(port):
                if proc.poll() is not None or time.perf_counter() - began > timeout:
                    stderr.seek(0)
                    said = stderr.read().decode(errors="replace").strip()[-1000:]
                    raise HarnessError(f"the mock never became healthy on port {port}: {said}")
                time.sleep(POLL_SECONDS)
            return time.perf_counter() - began
        finally:
            reaper.stop(proc)


def run(reaper: Reaper, runs: int, targets: Targets) -> None:
    """Time `runs` cold starts, print them and check the target on the median."""
    note(f"timing {runs} cold starts")
    times = [time_one(reaper) for _ in range(runs)]
    table(
        ["runs", "each s", "median s", "max s"],
        [
            [
                str(runs),
                " ".join(f"{t:.3f}" for t in times),
                f"{statistics.median(times):.3f}",
                f"{max(times):.3f}",
            ]
        ],
    )
    say()
    median = statistics.median(times)
    targets.check(
        f"startup median < {TARGET_SECONDS:g} s",
        median < TARGET_SECONDS,
        f"median {median:.3f} s, max {max(times):.3f} s",
    )
