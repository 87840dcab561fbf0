"""Subprocesses the harness starts, and the guarantee that none of them outlives it."""

from __future__ import annotations

import collections
import os
import re
import selectors
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_LISTENING = re.compile(r"listening on https?://127\.0\.0\.1:(\d+)")


class HarnessError(RuntimeError):
    """The harness itself could not do its job (as opposed to a target being missed)."""


class Reaper:
    """Every process the harness spawns, so that `stop_all()` can end each one.

    Used in a try/finally around the whole run: on success, error or Ctrl-C, each child
    gets SIGTERM (the mock stops cleanly on it), then SIGKILL if it lingers.
    """

    def __init__(self) -> None:
        self._procs: list[subprocess.Popen[bytes]] = []

    def spawn(self, argv: Sequence[str], **kwargs: object) -> subprocess.Popen[bytes]:
        """A started process, registered for clean-up."""
        proc: subprocess.Popen[bytes] = subprocess.Popen(list(argv), **kwargs)  # type: ignore[call-overload]
        self._procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], grace: float = 3.0) -> int | None:
        """Terminate then, if needed, kill `proc`; returns its exit code (None if unknown)."""
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                try:
                    proc.wait(grace)
                except subprocess.TimeoutExpired:
                    return None
        if proc in self._procs:
            self._procs.remove(proc)
        return proc.returncode

    def stop_all(self) -> None:
        """Stop every process still registered (children first, in reverse spawn order)."""
        for proc in reversed(list(self._procs)):
            self.stop(proc)


class Server:
    """A server subprocess that announces `listening on http://127.0.0.1:PORT` on stderr.

    Its stderr is drained by a thread for its whole life: a full pipe would otherwise
    stall the server mid-benchmark. The last lines are kept for error messages.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        reaper: Reaper,
        timeout: float = 15.0,
        cwd: Path | None = None,
        cpus: str | None = None,
    ):
        """`cpus`: the CPUs it runs on (a taskset list, see `pinned`); None: any."""
        self.name = name
        self._reaper = reaper
        self._tail: collections.deque[str] = collections.deque(maxlen=20)
        self.proc = reaper.spawn(
            pinned(argv, cpus),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=cwd or ROOT,
        )
        self.port = self._wait_for_port(timeout)
        threading.Thread(target=self._drain, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> int | None:
        """Stop the server; returns its exit code."""
        return self._reaper.stop(self.proc)

    def tail(self) -> str:
        """The server's last stderr lines, indented, for error messages."""
        return "\n".join("    " + line for line in self._tail) or "    (nothing)"

    def _wait_for_port(self, timeout: float) -> int:
        """The port from the first stderr lines (raises HarnessError if it never comes)."""
        assert self.proc.stderr is not None
        deadline = time.monotonic() + timeout
        buffer = b""
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stderr, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if not sel.select(max(0.0, deadline - time.monotonic())):
                    break
                chunk = os.read(self.proc.stderr.fileno(), 4096)
                if not chunk:  # the process exited before listening
                    break
                buffer += chunk
                for line in buffer.decode(errors="replace").splitlines():
                    self._tail.append(line)
                    if match := _LISTENING.search(line):
                        return int(match[1])
        self.stop()
        said = "\n    ".join(buffer.decode(errors="replace").splitlines()[-10:]) or "(nothing)"
        raise HarnessError(
            f"{self.name} did not start listening within {timeout:g} s; stderr:\n    {said}"
        )

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            self._tail.append(raw.decode(errors="replace").rstrip())


def find_or_install(binary: str, package: str, say: object = print) -> str | None:
    """The path of `binary`, installing Debian's `package` with apt-get first when it is
    missing and this runs as root (a fresh machine: the project's own files install what it
    needs). None when it is missing and cannot be installed here."""
    path = shutil.which(binary)
    if path is None:
        apt_install(package, f"{binary} is not installed", say)
        path = shutil.which(binary)
    return path


def apt_install(package: str, why: str, say: object = print) -> None:
    """apt-get install `package` when this runs as root on a system with apt-get; else
    nothing (the caller finds out whether what it needs is there)."""
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    assert callable(say)
    say(f"{why}; installing it: apt-get install -y {package}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", package]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        # Usually stale package lists on a fresh machine: refresh once and retry.
        say("apt-get install failed; running apt-get update and retrying once")
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=False)
        subprocess.run(install, env=env, capture_output=True, check=False)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picked it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_split() -> tuple[str, str] | None:
    """(the servers' CPU, the load generator's), as taskset names them, where two or more
    CPUs are usable and taskset (util-linux) is installed; else None.

    Left to the scheduler, the server and wrk may share a core in one round and not in the
    next; pinned, every server loaded in turn meets the same placement, the one issue 14's
    peer figures assume. (It did not narrow the spread between two servers with the same
    code: about 9% either way in five runs; README, Performance.)"""
    usable = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(usable) < 2 or shutil.which("taskset") is None:
        return None
    return str(usable[-1]), str(usable[0])


def pinned(argv: Sequence[str], cpus: str | None) -> list[str]:
    """`argv` run on the CPUs `cpus` (a taskset list, e.g. "1"; its threads and the
    processes it starts inherit them), or as it is for None."""
    return ["taskset", "-c", cpus, *argv] if cpus else list(argv)


def mock_command(*args: str) -> list[str]:
    """argv that runs `mock-gateway <args>` with this interpreter's environment."""
    script = Path(sys.executable).parent / "mock-gateway"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "mock_gateway", *args]
