"""Section 6: 1,000 slow or silent connections, and what the mock's other clients notice.

Half the connections send nothing (idle), half dribble a request's headers forever
(slowloris). Meanwhile wrk polls `/_mock/health`. The mock must close every one of them
within its header deadline (3 s here, `header_timeout_seconds`) plus a second of slack,
and health must stay fast while they are open.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import tempfile
import threading
import time
from pathlib import Path

from .load import LoadGenerator, Request, Workload
from .procs import Reaper, Server, mock_command
from .report import Targets, say, table

HEADER_TIMEOUT = 3.0
HEALTH_P99_TARGET_MS = 10.0
SLACK = 1.0  # the sweep runs every 0.25 s; the rest is the measuring threads' own lag


def run(reaper: Reaper, generator: LoadGenerator, count: int, targets: Targets) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-slow-") as folder:
        config = Path(folder) / "limits.toml"
        config.write_text(f"[server]\nheader_timeout_seconds = {HEADER_TIMEOUT}\n")
        argv = mock_command("serve", "--port", "0", "--quiet", "--config", str(config))
        mock = Server("mock", argv, reaper)
        try:
            measure(mock, generator, count, targets)
        finally:
            mock.stop()


def measure(mock: Server, generator: LoadGenerator, count: int, targets: Targets) -> None:
    sockets, opened = [], []
    for n in range(count):
        s = socket.create_connection(("127.0.0.1", mock.port), timeout=10)
        opened.append(time.monotonic())
        if n % 2:
            s.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n")  # headers never end
        sockets.append(s)
    closed_at: dict[int, float] = {}
    stop = threading.Event()

    def dribble() -> None:  # the slowloris half keeps sending a header line now and then
        while not stop.is_set():
            for n, s in enumerate(sockets):
                if n % 2 and n not in closed_at:
                    with contextlib.suppress(OSError):
                        s.sendall(b"X-Slow: 1\r\n")
            stop.wait(0.5)

    def watch() -> None:  # when the server closed each connection (select: no polling lag)
        with selectors.DefaultSelector() as sel:
            for n, s in enumerate(sockets):
                sel.register(s, selectors.EVENT_READ, n)
            while len(closed_at) < count and not stop.is_set():
                for key, _ in sel.select(timeout=0.1):
                    n = key.data
                    try:
                        data = sockets[n].recv(4096)
                    except OSError:
                        data = b""
                    if not data:
                        closed_at[n] = time.monotonic() - opened[n]  # its own age
                        sel.unregister(sockets[n])

    threads = [threading.Thread(target=dribble), threading.Thread(target=watch)]
    for t in threads:
        t.start()
    health = Workload("health", (Request("GET", "/_mock/health"),))
    result = generator.run(health, mock.base_url, 2, 4)  # while all of them are open
    deadline = time.monotonic() + HEADER_TIMEOUT + SLACK + 5
    while len(closed_at) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join()
    for s in sockets:
        s.close()
    latest = max(closed_at.values(), default=float("nan"))  # the oldest connection's age
    table(
        ["connections", "closed by the mock", "oldest closed at age s", "health req/s", "p99 ms"],
        [
            [
                f"{count:,}",
                f"{len(closed_at):,}",
                f"{latest:.2f}",
                f"{result.rps:,.0f}",
                f"{result.p99_ms:.2f}",
            ]
        ],
    )
    say(f"  header_timeout_seconds = {HEADER_TIMEOUT:g}; half idle, half slowloris")
    targets.check(
        f"{count:,} slow connections closed within the header timeout + {SLACK:g} s",
        len(closed_at) == count and latest <= HEADER_TIMEOUT + SLACK,
        f"{len(closed_at):,} closed, the last after {latest:.2f} s",
    )
    targets.check(
        f"health p99 < {HEALTH_P99_TARGET_MS:g} ms among them",
        result.p99_ms < HEALTH_P99_TARGET_MS and result.failures == 0,
        f"p99 {result.p99_ms:.2f} ms, {result.failures} failures",
    )
