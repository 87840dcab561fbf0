"""The fal-style queue a generation-1 `response_url` points into (the mock's stand-in).

Live, `response_url` is `https://queue.fal.run/fal-ai/bria/requests/<id>`, unusable without a
fal key; the mock serves the same path shape on itself and answers it as fal does.
"""

from __future__ import annotations

from typing import Any

from ..core.jobs import Job, Status
from . import media_url

# fal never says FAILED: a failed run is COMPLETED and its result GET is an error.
SHOWN: dict[Status, str] = {
    Status.QUEUED: "IN_QUEUE",
    Status.PROCESSING: "IN_PROGRESS",
    Status.COMPLETED: "COMPLETED",
    Status.FAILED: "COMPLETED",
    Status.ERROR: "COMPLETED",
}


def response_url(base_url: str, request_id: str) -> str:
    return f"{base_url}/fal-ai/bria/requests/{request_id}"


def status(job: Job, now: float) -> dict[str, Any]:
    shown = SHOWN[job.status_at(now)]
    url = response_url(job.base_url, job.request_id)
    body: dict[str, Any] = {
        "status": shown,
        "request_id": job.request_id,
        "response_url": url,
        "status_url": f"{url}/status",
    }
    if shown == "IN_QUEUE":
        body["queue_position"] = 0
    else:
        body["logs"] = []
    return body


def output(job: Job, file_size: int) -> dict[str, Any]:
    """The result GET of a completed job: fal's `image` object."""
    width, height = job.output_size
    return {
        "image": {
            "url": media_url(job),
            "content_type": "image/png",
            "file_name": "output.png",
            "file_size": file_size,
            "width": width,
            "height": height,
        }
    }
