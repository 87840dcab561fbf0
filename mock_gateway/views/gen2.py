"""Generation 2: the submit answer and the universal status body (also every callback body)."""

from __future__ import annotations

from ..core.jobs import Job, Status, iso, plain
from . import Body, media_url, nullable, quoted


def polling_url(base_url: str, request_id: str) -> str:
    return f"{base_url}/v2/requests/status/{request_id}"


def submitted(job: Job, base_url: str) -> Submitted:
    """Generation 2's 202 body: exactly these three fields."""
    return submitted_as(job.request_id, base_url)


class Submitted(Body):
    __slots__ = ()
    fields = ("request_id", "status", "polling_url")

    def text(self) -> str:
        return (
            f'{{"request_id": {quoted(self["request_id"])}, "status": {quoted(self["status"])}, '
            f'"polling_url": {quoted(self["polling_url"])}}}'
        )


def submitted_as(request_id: str, base_url: str) -> Submitted:
    return Submitted(
        request_id=request_id,
        status=Status.QUEUED.value,
        polling_url=polling_url(base_url, request_id),
    )


class StatusBody(Body):
    __slots__ = ()
    fields = (
        "request_id",
        "status",
        "model_id",
        "error",
        "output",
        "created_at",
        "updated_at",
        "completed_at",
    )

    def text(self) -> str:
        output, written = self["output"], "null"
        if output is not None:
            urls = ", ".join(map(quoted, output["media_url"]))
            written = f'{{"media_url": [{urls}], "media_type": {quoted(output["media_type"])}}}'
        return (
            f'{{"request_id": {quoted(self["request_id"])}, "status": {quoted(self["status"])}, '
            f'"model_id": {quoted(self["model_id"])}, "error": {nullable(self["error"])}, '
            f'"output": {written}, "created_at": {quoted(self["created_at"])}, '
            f'"updated_at": {quoted(self["updated_at"])}, '
            f'"completed_at": {nullable(self["completed_at"])}}}'
        )


def status(job: Job, now: float, media_type: str, mixed: bool = False) -> StatusBody:
    """`GET /v2/requests/status/{id}` at `now`; also the body of every webhook callback.

    `mixed`: updated_at and completed_at in the webhook example's `2026-05-22 13:19:23` form
    (the `timestamps = "mixed"` setting; the `timestamps-mixed` flag does it per job).
    """
    state, updated_at, completed_at = job.timeline(now)
    late = plain if mixed or "timestamps-mixed" in job.flags else iso
    return StatusBody(
        request_id=job.request_id,
        status=state.value,
        model_id=job.model.model_id,
        error=job.error if state in (Status.FAILED, Status.ERROR) else None,
        output=(
            {"media_url": [media_url(job)], "media_type": media_type}
            if state is Status.COMPLETED
            else None
        ),
        created_at=iso(job.created_at),
        updated_at=late(updated_at),
        completed_at=late(completed_at) if completed_at is not None else None,
    )
