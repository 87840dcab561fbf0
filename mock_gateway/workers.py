"""`serve --workers N`: N mock processes on one port, one gateway (the road to more cores).

Python runs one process on one core, so more requests a second take more processes. The
kernel spreads the port's connections over them (SO_REUSEPORT: each worker listens on the
same address; Linux and the BSDs). They answer as one gateway only through a store they
share, so this needs `--store redis://...`: with the in-memory store each worker would be a
gateway of its own, and a `--state` file belongs to one process.

This process starts the workers (`serve` again, with `--reuse-port` and a fixed port), the
first alone until it answers (it sets a fresh namespace up), then the others; it starts a
worker again if one exits by itself, and on Ctrl-C or SIGTERM passes SIGTERM on to each (so
each drains its deliveries as one `serve` does) and waits for them.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

from .settings import ConfigError, Settings

PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies
START_SECONDS = 30.0  # for a worker to answer /_mock/health
RESTART_PAUSE_SECONDS = 1.0  # between a worker's exit and its next start


def check(settings: Settings, workers: int) -> None:
    """ConfigError unless `workers` processes can serve `settings` as one gateway."""
    if workers < 1:
        raise ConfigError("--workers: at least 1")
    if workers > 1 and not settings.store:
        raise ConfigError(
            f"--workers {workers} needs --store redis://HOST:PORT/DB: each worker would "
            "otherwise be a gateway of its own (the in-memory store and a --state file "
            "belong to one process)"
        )
    if workers > 1 and not hasattr(socket, "SO_REUSEPORT"):
        raise ConfigError("--workers needs SO_REUSEPORT, which this system lacks")


def reserve_port(host: str, port: int) -> tuple[socket.socket, int]:
    """A socket bound (not listening) to `host:port` with SO_REUSEPORT, held while the
    workers run so that `--port 0` names one free port for all of them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock, sock.getsockname()[1]


def worker_argv(args: Sequence[str], port: int) -> list[str]:
    """The `serve` command line of one worker: these arguments without --workers and
    --port, then the fixed port and --reuse-port."""
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in ("--workers", "--port"):
            skip = True
            continue
        if arg.startswith(("--workers=", "--port=")):
            continue
        kept.append(arg)
    return [sys.executable, "-m", "mock_gateway", *kept, "--port", str(port), "--reuse-port"]


def _die_with_parent() -> None:
    """In a worker, before it runs: end (SIGTERM: a clean stop) when this process dies, even
    by SIGKILL, so no worker outlives it holding the port (Linux; elsewhere a no-op)."""
    if sys.platform.startswith("linux"):
        import ctypes  # here, not at the top: `serve` alone never needs it (start-up time)

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _start(argv: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)


def _answering(host: str, port: int) -> int | None:
    """The process number of the worker that answered a health check on a new connection
    (the kernel picks the worker), or None if none answered."""
    import urllib.request  # only with --workers (start-up time)

    shown = f"[{host}]" if ":" in host else host
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"http://{shown}:{port}/_mock/health", timeout=1) as response:
            return int(json.load(response)["shared"]["process"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _wait_until_all_answer(
    settings: Settings, port: int, procs: list[subprocess.Popen[bytes]], count: int
) -> bool:
    """Whether `count` workers answer on the port before START_SECONDS (new connections
    land on a worker the kernel picks, so every one is seen after a few tries)."""
    seen: set[int] = set()
    deadline = time.monotonic() + START_SECONDS
    while len(seen) < count:
        if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
            return False
        number = _answering(settings.host, port)
        if number is None:
            time.sleep(0.05)
        else:
            seen.add(number)
    return True


def run(settings: Settings, workers: int, args: Sequence[str]) -> int:
    """Start and watch the workers until Ctrl-C or SIGTERM; the exit code."""
    held, port = reserve_port(settings.host, settings.port)
    argv = worker_argv(args, port)
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(_start(argv))  # the first sets a fresh namespace up, then the others
        if not _wait_until_all_answer(settings, port, procs, 1):
            print("mock-gateway: the first worker did not start", file=sys.stderr)
            return 1
        procs.extend(_start(argv) for _ in range(workers - 1))
        if not _wait_until_all_answer(settings, port, procs, workers):
            print(f"mock-gateway: not all {workers} workers started", file=sys.stderr)
            return 1
        print(
            f"mock-gateway: {workers} workers on http://{settings.host}:{port} "
            f"(pids {', '.join(str(p.pid) for p in procs)}); Ctrl-C stops them",
            file=sys.stderr,
            flush=True,
        )
        while not stopping:
            time.sleep(0.2)
            for i, proc in enumerate(procs):
                code = proc.poll()
                if code == 2:  # a usage or config error: every start would end the same
                    print("mock-gateway: a worker refused its settings", file=sys.stderr)
                    return 2
                if code is not None and not stopping:
                    print(
                        f"mock-gateway: worker {proc.pid} exited ({code}); starting another",
                        file=sys.stderr,
                        flush=True,
                    )
                    time.sleep(RESTART_PAUSE_SECONDS)
                    procs[i] = _start(argv)
        return 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        grace = settings.shutdown_grace_seconds + 10
        for proc in procs:
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        held.close()
