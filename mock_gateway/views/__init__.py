"""How a job looks on the wire: one renderer per API generation over the one job record.

`gen2` is the current page (status endpoint, webhooks), `gen1` the older RMBG page (result
endpoint) and `fal` the fal-style queue its `response_url` points into; `control` is the
mock's own view of a job.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii
from typing import Any

from ..core.jobs import Job

# A string as json.dumps writes it (ensure_ascii, quotes included); None is null.
quoted = encode_basestring_ascii


def nullable(value: str | None) -> str:
    return "null" if value is None else quoted(value)


class Body(dict[str, Any]):
    """An answer body of a fixed shape that writes its own JSON text (`text`), byte for
    byte what json.dumps writes for it, at a fraction of the cost: the hot answers (a
    submit's, a status poll's) are made thousands of times a second. Everything else still
    sees a dict. tests/http/test_body_text.py holds each shape's text to json.dumps, and
    the bodies the views build to their shape."""

    __slots__ = ()
    fields: tuple[str, ...] = ()  # the keys `text` writes, in order (and no others)

    def text(self) -> str:
        raise NotImplementedError


def media_url(job: Job) -> str:
    """Where the job's output is served: the mock's own CDN, on the host the job came in on."""
    return f"{job.base_url}/_mock/cdn/v1/{job.request_id}/output.png"
