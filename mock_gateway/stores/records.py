"""A job as text fields and back: the form a shared store keeps it in (a Redis hash).

One field, `job`, holds the JSON array of its attributes in the order of FIELDS (one field
rather than one per attribute: a submit sends the job in the accept script's arguments,
and each argument costs the client time to pack). JSON keeps types across the trip (7, 7.0
and True stay apart, a float comes back bit for bit since JSON writes Python's repr), and
None stays apart from "". The model is kept by its model_id and found again in the catalog
the reader has; the key is kept as the store gives it (a digest, never the key itself).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from ..core.catalog import Model
from ..core.jobs import NO_FLAGS, InputImage, Job, Status

DIGEST = "sha256:"
JOB = "job"  # the hash field that holds the job


def _digest(key: str) -> str:
    """How a store keeps a key: never the key itself."""
    return DIGEST + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


# A hot key is hashed once (wrapped, not decorated, so that make mutation can change it).
digest = functools.lru_cache(maxsize=4096)(_digest)


FIELDS = (
    "request_id",
    "key",
    "model_id",
    "generation",
    "params",
    "created_at",
    "started_at",
    "ended_at",
    "base_url",
    "forced",
    "error",
    "input",
    "settled",
    "flags",
    "webhook_url",
    "webhook_mode",
)


def job_fields(job: Job) -> dict[str, str]:
    """The job as {field: JSON text}, every field of FIELDS."""
    image = job.input
    values: dict[str, Any] = {
        "request_id": job.request_id,
        "key": job.key,
        "model_id": job.model.model_id,
        "generation": job.generation,
        "params": job.params,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "ended_at": job.ended_at,
        "base_url": job.base_url,
        "forced": job.forced.value if job.forced is not None else None,
        "error": job.error,
        "input": [image.source, image.ref, image.width, image.height] if image else None,
        "settled": job.settled,
        "flags": sorted(job.flags),
        "webhook_url": job.webhook_url,
        "webhook_mode": job.webhook_mode,
    }
    return {JOB: json.dumps([values[name] for name in FIELDS])}


def job_from_fields(fields: Mapping[Any, str | bytes], models: Mapping[str, Model]) -> Job:
    """The job written by `job_fields`, as written or as a Redis hash comes back (bytes);
    other fields (a store's own) are ignored. KeyError for a missing field or a model this
    reader does not sell."""
    text = fields.get(JOB) or fields[JOB.encode()]
    v = dict(zip(FIELDS, json.loads(text), strict=True))
    image = v["input"]
    return Job(
        request_id=v["request_id"],
        model=models[v["model_id"]],
        key=v["key"],
        generation=v["generation"],
        params=v["params"],
        created_at=v["created_at"],
        started_at=v["started_at"],
        ended_at=v["ended_at"],
        base_url=v["base_url"],
        forced=Status(v["forced"]) if v["forced"] is not None else None,
        error=v["error"],
        input=InputImage(*image) if image is not None else None,
        settled=v["settled"],
        flags=frozenset(v["flags"]) if v["flags"] else NO_FLAGS,
        webhook_url=v["webhook_url"],
        webhook_mode=v["webhook_mode"],
    )
