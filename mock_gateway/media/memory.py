"""Giving memory back to the system once big pictures are gone (a reset).

Dropping the last reference frees Python's and Pillow's buffers, but glibc's malloc keeps freed
heap memory (and each decoding thread's arena) mapped for reuse, so the process's RSS does not
fall: eight large decodes stayed at 1.4 GB after a reset. `give_back` collects what is left and
asks glibc to return its free pages. Elsewhere (musl, macOS, Windows) only the collection runs.
"""

from __future__ import annotations

import ctypes
import gc
import platform
import urllib.parse
from collections.abc import Callable
from functools import cache

import yarl
import yarl._url as yarl_url


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
