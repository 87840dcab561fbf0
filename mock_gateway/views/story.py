"""A job's story, for the inspector: its plan, what its client saw, its callbacks and money.

Everything here is read from what the mock already keeps (the job's plan, the journal, the
delivery log, the pending events); nothing is recorded for the inspector's sake but each
callback's body, which the delivery log keeps so the receiver's side can be replayed.
"""

from __future__ import annotations

import shlex
from typing import Any

from ..core.accounts import KEY_HEADER
from ..core.events import REFUND, Pending
from ..core.jobs import Job, Status, iso


def money(job: Job, now: float, pending: list[Pending], key_kept: bool) -> dict[str, Any]:
    """The charge (every kept job was charged at its submit) and the refund, if the job ends
    in ERROR: `pending` until the refund has happened, `refunded` after; `not_refunded` if
    the key was deleted first (a deleted key gets nothing back)."""
    price = float(job.model.price_usd)
    refund = None
    if job.settled and job.outcome is Status.ERROR:
        if any(e.kind == REFUND for e in pending) or now < job.ended_at:
            state = "pending" if key_kept else "not_refunded"
        else:
            state = "refunded" if key_kept else "not_refunded"
        refund = {"amount_usd": price, "at": iso(job.ended_at), "state": state}
    return {"charged_usd": price, "charged_at": iso(job.created_at), "refund": refund}


def status_curl(job: Job) -> str:
    """The poll a client of this job's generation makes, with the key left to the shell."""
    key = f"{KEY_HEADER}: $PIXAZO_API_KEY"
    if job.generation == 1:
        body = f'{{"request_id": "{job.request_id}"}}'
        url = job.base_url + job.model.result_path
        return (
            f"curl -sS -X POST {shlex.quote(url)} -H {shlex.quote(key)} "
            f"-H 'Content-Type: application/json' -d {shlex.quote(body)}"
        )
    url = f"{job.base_url}/v2/requests/status/{job.request_id}"
    return f"curl -sS {shlex.quote(url)} -H {shlex.quote(key)}"


def callback_curl(attempt: dict[str, Any], headers: dict[str, str]) -> str:
    """One delivery attempt as the mock sent it: its URL, `headers` and body."""
    parts = ["curl -sS -X POST", shlex.quote(attempt["url"])]
    parts += [f"-H {shlex.quote(f'{name}: {value}')}" for name, value in headers.items()]
    parts.append(f"--data-raw {shlex.quote(attempt.get('body') or '')}")
    return " ".join(parts)


def seen(job: Job, entries: list[dict[str, Any]], times: list[float]) -> list[dict[str, Any]]:
    """Journal entries with the job's status at each (`job_status`): what a status answer
    told its client (a submit: QUEUED)."""
    return [e | {"job_status": job.status_at(t).value} for e, t in zip(entries, times, strict=True)]


def shaped_by(job: Job, journal: list[dict[str, Any]]) -> dict[str, Any]:
    """What made this job what it is: the rules (ids) or the header that applied at its
    submit, the flags, the forced outcome and error."""
    path = job.model.submit_path  # a generation-1 result poll is a POST too
    submits = [e for e in journal if e["path"] == path and e["status"] in (200, 202)]
    return {
        "rules": submits[0]["scenario_rules"] if submits else [],
        "flags": sorted(job.flags),
        "forced_outcome": job.forced.value if job.forced is not None else None,
        "error": job.error,
    }
