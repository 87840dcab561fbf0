"""A headless Chromium for Playwright: Debian's `chromium`, which the project installs itself.

`playwright install` downloads its browsers from Playwright's CDN, which CI machines (and
many others) cannot reach; Debian's package comes from the package mirror like everything
else. So the browser tests (tests/ui) drive `/usr/bin/chromium` through Playwright's
`executable_path`, installed with apt-get when missing and running as root (a fresh
machine: the project's own files install what it needs, as for redis-server).

    with sync_playwright() as p:
        browser = launch(p)
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from playwright.sync_api import Browser, Playwright

from .procs import find_or_install

# Names a Chromium goes by on PATH; Debian's package (the one installed) comes first.
_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str:
    """The path of a Chromium, installing Debian's `chromium` first when none is there."""
    for name in _NAMES:
        if found := shutil.which(name):
            return found
    found = find_or_install("chromium", "chromium")
    if found is None:
        raise RuntimeError(
            "no Chromium for the browser tests: install Debian's package "
            "(apt-get install -y chromium, as root) or put chromium on PATH"
        )
    return found


def launch_args() -> list[str]:
    """Command-line switches Chromium needs in a container."""
    args = ["--disable-dev-shm-usage"]  # a small /dev/shm (Docker's 64 MB) crashes tabs
    if os.name == "posix" and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to start as root with its sandbox
    return args


def launch(playwright: Playwright, **kw: Any) -> Browser:
    """A headless Chromium under `playwright` (extra `args` are added to the needed ones)."""
    args = [*launch_args(), *kw.pop("args", [])]
    options: dict[str, Any] = {"headless": True, **kw}
    return playwright.chromium.launch(executable_path=chromium_path(), args=args, **options)
