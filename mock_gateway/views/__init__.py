"""How a job looks on the wire: one renderer per API generation over the one job record.

`gen2` is the current page (status endpoint, webhooks), `gen1` the older RMBG page (result
endpoint) and `fal` the fal-style queue its `response_url` points into; `control` is the
mock's own view of a job.
"""

from __future__ import annotations

from ..core.jobs import Job


def media_url(job: Job) -> str:
    """Where the job's output is served: the mock's own CDN, on the host the job came in on."""
    return f"{job.base_url}/_mock/cdn/v1/{job.request_id}/output.png"
