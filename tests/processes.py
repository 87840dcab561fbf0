"""Running `mock-gateway` as a child process, the way users run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

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


def count_in_flight(app: web.Application) -> list[int]:
    """Count the requests `app` is answering: the list's one item, read at any time (a
    receiver's slow answers must end before its loop closes)."""
    busy = [0]

    @web.middleware
    async def count(request: web.Request, handler: Any) -> web.StreamResponse:
        busy[0] += 1
        try:
            response: web.StreamResponse = await handler(request)
            return response
        finally:
            busy[0] -= 1

    app.middlewares.append(count)
    return busy
