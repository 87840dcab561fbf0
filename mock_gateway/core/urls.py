"""URL parts on the submit path, as `urllib.parse.urlsplit` gives them, without its cost.

An RMBG submit reads its `image_url`'s host twice (the body's check, the outbound policy),
and `urlsplit` plus `.hostname` cost a few microseconds for every new URL: a tenth of the
submit. The URLs clients send are almost all of one plain form (lowercase http(s), a
lowercase name or IPv4 address, printable ASCII after it), for which the parts are read off
one regular expression; anything else goes to `urlsplit` itself. tests/core/test_urls.py
holds the two to the same answers.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# scheme :// host [:port] then nothing, or /, ? or # and printable ASCII (no space).
_PLAIN = re.compile(r"https?://([a-z0-9.\-]+)(:[0-9]*)?((?:[/?#][!-~]*)?)\Z")
_PATH_END = re.compile(r"[?#]")


def url_parts(url: str) -> tuple[str | None, str, str]:
    """(hostname, netloc, path) of `url` as `urlsplit` reads them; raises ValueError where
    it does (e.g. an unclosed `[` in the host)."""
    plain = _PLAIN.match(url)
    if plain is not None:
        host, port, rest = plain.groups()
        end = _PATH_END.search(rest)
        return host, host + port if port else host, rest[: end.start()] if end else rest
    parts = urlsplit(url)
    return parts.hostname, parts.netloc, parts.path
