"""The `mock-gateway` command, before anything else is imported: the allocator of `serve`.

`serve` is a long-running server whose resets must give memory back. Python's allocator for
small objects (pymalloc) returns a 1 MB arena to the system only once every object in it is
gone, and a run leaves a few long-lived objects (free lists, pooled connections, caches) in
most arenas it filled: after 100,000 jobs with webhooks, a reset left RSS at 145 MB against
58 MB at start. On the C library's allocator the same run resets to 65 MB of 61 (`make
soak`, README: Soak). The allocator is chosen when the interpreter starts (PYTHONMALLOC), so
`serve` starts itself once more with PYTHONMALLOC=malloc: the same process id and the same
command line, before any of the mock is imported. A PYTHONMALLOC you set is kept:
`PYTHONMALLOC=pymalloc mock-gateway serve` holds about 8% less memory per job, and its
resets keep what the arenas hold.

Where jemalloc is installed (Debian's `libjemalloc2`; `make bench` installs it), that second
start also preloads it (LD_PRELOAD), so the C allocator is jemalloc rather than glibc's
malloc. Measured with wrk on the 2-core machine (README: Performance), glibc's malloc made a
submit 10-15% slower than pymalloc does, jemalloc none, and a reset gives memory back on it
too (`media.memory.give_back` asks it to purge). Without it, glibc's malloc is used, as before;
`PYTHONMALLOC=malloc mock-gateway serve` chooses glibc's outright (a PYTHONMALLOC you set
means no second start, so no preload either).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

ALLOCATOR = "malloc"
JEMALLOC = "libjemalloc.so.2"
_ALLOCATORS = ("jemalloc", "tcmalloc", "mimalloc")  # as named in a preloaded library's file
# Where distributions put it: Debian and Ubuntu's multiarch folder first, then the others.
_MULTIARCH = getattr(sys.implementation, "_multiarch", "")
_LIBRARY_DIRS = (
    f"/usr/lib/{_MULTIARCH}" if _MULTIARCH else "",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib",
)
# How this package is run with -m: the command line the interpreter can replay.
_MODULES = ("mock_gateway", "mock_gateway.cli")


def main() -> int:
    if os.getpid() == 1:
        # PID 1 (a container's entry point) ignores SIGTERM unless it handles it: until the
        # server's own handler is in place (imports, and the re-exec below), `docker stop`
        # would wait out its timeout. Stopping before the server listens loses nothing.
        signal.signal(signal.SIGTERM, lambda *_: os._exit(128 + signal.SIGTERM))
    if wants_reexec(sys.argv[1:], os.environ) and replayable(sys.argv, sys.orig_argv):
        os.environ.update(serve_allocator(os.environ))
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


def serve_allocator(environ: Mapping[str, str]) -> dict[str, str]:
    """What the second start of `serve` sets: PYTHONMALLOC, and LD_PRELOAD where jemalloc
    is installed."""
    chosen = {"PYTHONMALLOC": ALLOCATOR}
    preload = with_jemalloc(environ.get("LD_PRELOAD", ""), find_jemalloc())
    if preload is not None:
        chosen["LD_PRELOAD"] = preload
    return chosen


def find_jemalloc(dirs: Sequence[str] = _LIBRARY_DIRS) -> str | None:
    """The path of jemalloc's shared library where it is installed, else None. A look at a
    few folders, not ctypes.util.find_library: that runs ldconfig, tens of ms of start-up."""
    for folder in dirs:
        if folder and (path := Path(folder, JEMALLOC)).is_file():
            return str(path)
    return None


def with_jemalloc(preload: str, library: str | None) -> str | None:
    """LD_PRELOAD with `library` added after what it already holds (the user's own
    preloads keep their order); None to leave it alone: no library, or an allocator of the
    user's own in it (jemalloc, tcmalloc, mimalloc: the first one loaded would serve)."""
    if library is None or any(name in preload for name in _ALLOCATORS):
        return None
    return f"{preload} {library}" if preload.strip() else library


def allocator() -> str:
    """The allocator this interpreter runs on, as far as PYTHONMALLOC and LD_PRELOAD tell
    (for the banner)."""
    if sys.flags.ignore_environment:
        return "pymalloc"
    chosen = os.environ.get("PYTHONMALLOC") or "pymalloc"
    if chosen == "malloc" and jemalloc_loaded():
        return "jemalloc"
    return chosen


def jemalloc_loaded() -> bool:
    """Whether jemalloc is this process's malloc: its mallctl is in the global symbols (as
    when preloaded), not just named in LD_PRELOAD (a library that failed to load is)."""
    import ctypes

    try:
        return hasattr(ctypes.CDLL(None), "mallctl")
    except (OSError, TypeError):  # no process-wide handle here (Windows, a static build)
        return False
