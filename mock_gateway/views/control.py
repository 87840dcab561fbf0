"""The control API's view of a job: its plan as well as its state now (key redacted)."""

from __future__ import annotations

from typing import Any

from ..core.accounts import account_id, redact
from ..core.jobs import Job, iso


def job_summary(job: Job, now: float, label: str | None = None) -> dict[str, Any]:
    """The control API's view of a job: its plan as well as its state now (key redacted)."""
    status, updated_at, completed_at = job.timeline(now)
    return {
        "request_id": job.request_id,
        "model_id": job.model.model_id,
        "key": label if label is not None else redact(job.key),
        "account_id": account_id(job.key),  # the key's id in /_mock/accounts
        "generation": job.generation,
        "status": status.value,
        "updated_at": iso(updated_at),
        "completed_at": iso(completed_at) if completed_at is not None else None,
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
