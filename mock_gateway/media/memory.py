"""Giving memory back to the system once big pictures are gone (a reset).

Dropping the last reference frees Python's and Pillow's buffers, but glibc's malloc keeps freed
heap memory (and each decoding thread's arena) mapped for reuse, so the process's RSS does not
fall: eight large decodes stayed at 1.4 GB after a reset. `give_back` collects what is left and
asks glibc to return its free pages, or jemalloc to purge its arenas when `serve` preloaded it
(mock_gateway/launch.py): it keeps freed pages for seconds, and returns them only while it is
busy. Elsewhere (musl, macOS, Windows) only the collection runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import platform
import urllib.parse
from collections.abc import Callable
from functools import cache

import yarl
import yarl._url as yarl_url

PURGE_AGAIN_SECONDS = 0.25


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    function: Callable[[int], int] = trim
    return function


@cache
def _jemalloc_purge() -> Callable[[], int] | None:
    """jemalloc's purge of every arena, when jemalloc is this process's malloc (preloaded)."""
    try:
        mallctl = ctypes.CDLL(None).mallctl
    except (OSError, AttributeError, TypeError):  # TypeError: no CDLL(None) on Windows
        return None
    void = ctypes.c_void_p
    mallctl.argtypes = [ctypes.c_char_p, void, void, void, ctypes.c_size_t]
    mallctl.restype = ctypes.c_int
    # MALLCTL_ARENAS_ALL (4096) names all arenas at once.
    return lambda: int(mallctl(b"arena.4096.purge", None, None, None, 0))


def trim() -> None:
    """Return free heap pages to the system where the C library can (cheap: no collection).

    Each thread has its own malloc arena, and what a decoding thread freed is not reused by the
    next one: without this, a handful of large pictures in turn ends up held by every worker.
    """
    malloc_trim = _malloc_trim()
    if malloc_trim is not None:
        malloc_trim(0)


def forget_parsed_urls() -> None:
    """Empty the URL parsing caches of yarl and the standard library.

    They keep the last 128 or so URLs parsed. Requests arrive through a whole run, so the
    entries left after a reset lie all over the memory the run filled, and a few live objects
    keep a whole 1 MB arena of Python's allocator from going back. Measured in the webhook
    soak, RSS after a reset fell from 94 to 87 MB (10,000 jobs) and from 162 to 145 MB
    (100,000 jobs); what still holds arenas is mostly C free lists and pooled connections,
    out of reach. yarl's per-URL caches have no public clear: they are found by name.
    """
    yarl.cache_clear()
    for name in ("encode_url", "pre_encoded_url", "build_pre_encoded_url", "from_parts"):
        clear = getattr(getattr(yarl_url, name, None), "cache_clear", None)
        if clear is not None:
            clear()
    urllib.parse.clear_cache()  # type: ignore[attr-defined]  # public, but not in typeshed


def give_back() -> None:
    """Collect garbage, then return free heap pages to the system where the C library can."""
    forget_parsed_urls()
    gc.collect()
    trim()
    # jemalloc returns freed pages after 10 s, and only while it is in use: a reset of a quiet
    # server would hold them. A purge of all arenas takes ms, so only here, not in trim()
    # (after every large picture). Once more a moment later: the connection that asked for
    # the reset holds its previous answer (aiohttp lets it go when the next one replaces it),
    # often a big listing (make soak: 6 MB of jobs; RSS after the reset 66 MB of 54 without).
    purge = _jemalloc_purge()
    if purge is not None:
        purge()
        with contextlib.suppress(RuntimeError):  # no running loop: nothing answers after
            asyncio.get_running_loop().call_later(PURGE_AGAIN_SECONDS, purge)
