"""How a job looks on the wire, per API generation: views over the one job record."""

from __future__ import annotations

from typing import Any

from .core.jobs import TERMINAL, Job, Status, iso, plain


def media_url(job: Job) -> str:
    """Where the job's output is served: the mock's own CDN, on the host the job came in on."""
    return f"{job.base_url}/_mock/cdn/v1/{job.request_id}/output.png"


def polling_url(base_url: str, request_id: str) -> str:
    return f"{base_url}/v2/requests/status/{request_id}"


def submitted(job: Job, base_url: str) -> dict[str, Any]:
    """Generation 2's 202 body: exactly these three fields."""
    return {
        "request_id": job.request_id,
        "status": Status.QUEUED.value,
        "polling_url": polling_url(base_url, job.request_id),
    }


def status(job: Job, now: float, media_type: str) -> dict[str, Any]:
    """`GET /v2/requests/status/{id}` at `now`; also the body of every webhook callback."""
    state = job.status_at(now)
    late = plain if job.timestamps_mixed else iso
    terminal = state in TERMINAL
    return {
        "request_id": job.request_id,
        "status": state.value,
        "model_id": job.model.model_id,
        "error": job.error if state in (Status.FAILED, Status.ERROR) else None,
        "output": (
            {"media_url": [media_url(job)], "media_type": media_type}
            if state is Status.COMPLETED
            else None
        ),
        "created_at": iso(job.created_at),
        "updated_at": late(job.updated_at(now)),
        "completed_at": late(job.ended_at) if terminal else None,
    }


def job_summary(job: Job, now: float) -> dict[str, Any]:
    """The control API's view of a job: its plan as well as its state now (key redacted)."""
    return {
        "request_id": job.request_id,
        "model_id": job.model.model_id,
        "key": job.account.label,
        "generation": job.generation,
        "status": job.status_at(now).value,
        "planned_outcome": job.outcome.value if job.settled else None,
        "error": job.error,
        "params": {k: v for k, v in job.params.items() if k != "image_url"}
        | ({"image_url": _short(job.params["image_url"])} if "image_url" in job.params else {}),
        "created_at": iso(job.created_at),
        "processing_at": iso(job.started_at),
        "ends_at": iso(job.ended_at),
        "price_usd": float(job.model.price_usd),
        "webhook_url": job.webhook_url,
        "webhook_mode": job.webhook_mode,
    }


def _short(url: str) -> str:
    return url if len(url) <= 200 else url[:200] + "…"
