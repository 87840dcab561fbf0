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
import signal
import sys
from collections.abc import Mapping, Sequence

ALLOCATOR = "malloc"
# How this package is run with -m: the command line the interpreter can replay.
_MODULES = ("mock_gateway", "mock_gateway.cli")


def main() -> int:
    if os.getpid() == 1:
        # PID 1 (a container's entry point) ignores SIGTERM unless it handles it: until the
        # server's own handler is in place (imports, and the re-exec below), `docker stop`
        # would wait out its timeout. Stopping before the server listens loses nothing.
        signal.signal(signal.SIGTERM, lambda *_: os._exit(128 + signal.SIGTERM))
    if wants_reexec(sys.argv[1:], os.environ) and replayable(sys.argv, sys.orig_argv):
        os.environ["PYTHONMALLOC"] = ALLOCATOR
        # orig_argv is the interpreter's own command line (its -X and -W options too).
        os.execv(sys.executable, sys.orig_argv)
    from .cli import main as run

    return run()


def wants_reexec(args: Sequence[str], environ: Mapping[str, str]) -> bool:
    """Whether this start must be done again on the C allocator: `serve`, on a system with
    exec (not Windows), with a known interpreter that reads the environment (not -E or
    -I), and no PYTHONMALLOC chosen already."""
    return (
        args[:1] == ["serve"]
        and "PYTHONMALLOC" not in environ
        and os.name == "posix"
        and bool(sys.executable)
        and not sys.flags.ignore_environment
    )


def replayable(argv: Sequence[str], orig_argv: Sequence[str]) -> bool:
    """Whether the interpreter's command line `orig_argv` is the one that asked for `argv`,
    so that exec runs the same again: the `mock-gateway` script or `-m mock_gateway`, with
    these very arguments. Not a script read from stdin or `-c`, nor a caller that set
    sys.argv itself and called main() (found in review: exec replayed their command)."""
    args = list(argv[1:])
    head, tail = list(orig_argv[: len(orig_argv) - len(args)]), list(orig_argv[-len(args) :])
    if not args or tail != args or argv[0] in ("-", "-c", ""):
        return False
    return head[-1:] == [argv[0]] or any(head[-2:] == ["-m", m] for m in _MODULES)


def allocator() -> str:
    """The allocator this interpreter runs on, as far as PYTHONMALLOC tells (for the banner)."""
    if sys.flags.ignore_environment:
        return "pymalloc"
    return os.environ.get("PYTHONMALLOC") or "pymalloc"
