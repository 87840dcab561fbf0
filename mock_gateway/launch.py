"""The `mock-gateway` command, before anything else is imported: the allocator of `serve`.

`serve` is a long-running server whose resets must give memory back. Python's allocator for
small objects (pymalloc) returns a 1 MB arena to the system only once every object in it is
gone, and a run leaves a few long-lived objects (free lists, pooled connections, caches) in
most arenas it filled: after 100,000 jobs with webhooks, a reset left RSS at 145 MB against
58 MB at start. On the C library's allocator the same run resets to 65 MB of 61 (`make
soak`, README: Soak). The allocator is chosen when the interpreter starts (PYTHONMALLOC), so
`serve` starts itself once more with PYTHONMALLOC=malloc: the same process id and the same
command line, before any of the mock is imported. A PYTHONMALLOC you set is kept:
`PYTHONMALLOC=pymalloc mock-gateway serve` holds about 8% less memory per job and answers up
to 7% more requests per second, and its resets keep what the arenas hold.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

ALLOCATOR = "malloc"


def main() -> int:
    if wants_reexec(sys.argv[1:], os.environ):
        os.environ["PYTHONMALLOC"] = ALLOCATOR
        # orig_argv is the interpreter's own command line (its -X and -W options too).
        os.execv(sys.executable, sys.orig_argv)
    from .cli import main as run

    return run()


def wants_reexec(args: list[str], environ: Mapping[str, str]) -> bool:
    """Whether this start must be done again on the C allocator: `serve`, on a system with
    exec (not Windows), with a known interpreter, and no PYTHONMALLOC chosen already."""
    return (
        args[:1] == ["serve"]
        and "PYTHONMALLOC" not in environ
        and os.name == "posix"
        and bool(sys.executable)
    )
