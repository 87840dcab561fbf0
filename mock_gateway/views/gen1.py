"""Generation 1 (the older RMBG page): IN_QUEUE submit answer and the result endpoint."""

from __future__ import annotations

import math
from typing import Any

from ..core.jobs import Job, Status
from . import fal, media_url

# The older page knows four states; an ERROR job shows as FAILED there.
SHOWN: dict[Status, str] = {
    Status.QUEUED: "IN_QUEUE",
    Status.PROCESSING: "IN_PROGRESS",
    Status.COMPLETED: "COMPLETED",
    Status.FAILED: "FAILED",
    Status.ERROR: "FAILED",
}


def submitted(job: Job, base_url: str) -> dict[str, Any]:
    """Generation 1's 200 body: IN_QUEUE with a `response_url` into the fal-style queue."""
    return {
        "status": "IN_QUEUE",
        "request_id": job.request_id,
        "response_url": fal.response_url(base_url, job.request_id),
    }


def result(job: Job, now: float) -> dict[str, Any]:
    """The result endpoint's answer at `now`."""
    state = job.status_at(now)
    body: dict[str, Any] = {"status": SHOWN[state], "request_id": job.request_id}
    if state is Status.PROCESSING:
        # Counts down on the simulated clock; never grows (0 while an input is still in flight).
        body["estimated_completion_time_seconds"] = max(0, math.ceil(job.ended_at - now))
    elif state is Status.COMPLETED:
        width, height = job.output_size
        out: dict[str, Any] = {
            "image_url": media_url(job),
            "width": width,
            "height": height,
            "content_type": "image/png",
        }
        if job.model.input_field == "image_url":
            out["original_image_url"] = job.subject  # echoed unchanged
        body["result"] = out
    elif state in (Status.FAILED, Status.ERROR):
        body["error"] = job.error
    return body
