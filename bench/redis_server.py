"""A real `redis-server` of the project's own (the tests' and the bench's), on a free
loopback port.

Installed from Debian's package when missing and the tests run as root (a fresh machine:
the project's own files install what it needs), started with no persistence (or with
every write on disk, `persistent=True`), stopped afterwards. `stop()` and `start()` again
on the same port stand for Redis going away and coming back.
"""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .procs import find_or_install, free_port

STARTUP_SECONDS = 10.0


def _die_with_parent() -> None:
    """In the child, before exec: Linux ends this redis-server when the process that started
    it dies, even by SIGKILL (no fixture teardown runs then: a mutant stopped as a hang under
    `make mutation`, a test run killed), instead of leaving it running for good."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class RedisServer:
    def __init__(self, *, persistent: bool = False) -> None:
        """`persistent`: every write is in the append-only file before Redis answers it, so
        a stop and start again loses nothing (as a production Redis would be set up)."""
        binary = find_or_install("redis-server", "redis-server")
        if binary is None:
            raise RuntimeError(
                "redis-server is not installed and cannot be installed here "
                "(apt-get install redis-server, as root)"
            )
        self.binary = binary
        self.port = free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="redis-test-")
        self._proc: subprocess.Popen[bytes] | None = None
        self.persistent = persistent

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        argv = [
            self.binary,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--save", "",
            "--appendonly", "yes" if self.persistent else "no",
            "--appendfsync", "always",
            "--dir", self._dir.name,
            "--logfile", str(Path(self._dir.name) / "redis.log"),
        ]  # fmt: skip
        self._proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"redis-server exited ({self._proc.returncode}): {self.log()}")
            if self._answers():
                return self
            time.sleep(0.02)
        raise RuntimeError(f"redis-server did not answer within {STARTUP_SECONDS} s")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()

    def log(self) -> str:
        path = Path(self._dir.name) / "redis.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False
