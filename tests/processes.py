"""Running `mock-gateway` as a child process, the way users run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TIMEOUT = 20.0


def command(*args: str) -> list[str]:
    """argv for `mock-gateway <args>` with this interpreter."""
    return [sys.executable, "-m", "mock_gateway", *args]


def child_env() -> dict[str, str]:
    # The redacted key ends in "…": make the child's stderr UTF-8 whatever the locale.
    return {**os.environ, "PYTHONIOENCODING": "utf-8"}


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `mock-gateway <args>` to its end (no stdin), output captured as text."""
    return subprocess.run(
        command(*args),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        cwd=cwd,
        env=child_env(),
        stdin=subprocess.DEVNULL,
    )
