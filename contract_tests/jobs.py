"""A submitted job as the suite follows it: every poll recorded and checked, its output
downloaded and measured.

`Job.poll` validates one status answer and records it; `check_history` (in checks) holds the
rules that span polls. `run_to_end` polls on the target's clock until the job is terminal,
checking everything on every poll, then re-polls once to see the terminal answer repeat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .checks import (
    ContractViolation,
    check_history,
    check_png,
    check_status_answer,
    check_submit_accepted,
    parse_timestamp,
)
from .contract import (
    COMPLETED,
    DEFAULT_ASPECT_RATIO,
    ERROR,
    FIBO,
    FIBO_SIZES,
    TERMINAL,
)
from .expectations import expected
from .http import AUTH, Answer, KeyChoice
from .ledger import current
from .target import Target

__all__ = ["Job", "accept", "expected_outcomes", "expected_size", "run_to_end"]


def expected_size(
    model: str, body: dict[str, Any], input_size: tuple[int, int] | None
) -> tuple[int, int] | None:
    """The output's pixels: FIBO by aspect ratio, RMBG the input's own size (None: unknown)."""
    if model == FIBO:
        size: tuple[int, int] = FIBO_SIZES[body.get("aspect_ratio", DEFAULT_ASPECT_RATIO)]
        return size
    return input_size


def expected_outcomes(target: Target) -> frozenset[str]:
    """How a plain job may end: the mock must complete it; a live gateway may fail it (an
    input it cannot fetch, a refused prompt) or report a platform ERROR."""
    return frozenset({COMPLETED}) if target.is_mock else TERMINAL


@dataclass(slots=True)
class Job:
    """One accepted submit and every status answer seen for it, oldest first."""

    request_id: str
    model: str
    polling_url: str
    size: tuple[int, int] | None  # the output's expected pixels, when known
    key: KeyChoice = field(default=AUTH, repr=False)  # whose job it is (another key: 404)
    polls: list[dict[str, Any]] = field(default_factory=list)
    downloaded: bool = False

    @property
    def last(self) -> dict[str, Any] | None:
        return self.polls[-1] if self.polls else None

    @property
    def terminal(self) -> bool:
        return self.last is not None and self.last["status"] in TERMINAL

    def poll(self, target: Target, *, via_polling_url: bool = False) -> dict[str, Any]:
        """One status poll, validated and recorded; an ERROR is refunded in the budget."""
        if via_polling_url:
            answer = target.get(self.polling_url, key=self.key)
        else:
            answer = target.status(self.request_id, key=self.key)
        what = "the polling_url" if via_polling_url else "a status poll"
        body = check_status_answer(answer, self.request_id, self.model, what)
        self.polls.append(body)
        if body["status"] == ERROR:
            target.budget.refund(self.request_id)
        return body

    def check_output(self, target: Target) -> None:
        """A COMPLETED job's first media_url is a PNG of the expected size (checked once)."""
        last = self.last
        if last is None or last["status"] != COMPLETED or self.downloaded:
            return
        self.downloaded = True
        url = last["output"]["media_url"][0]
        check_png(target.download(url), self.size, f"the output of {self.request_id}")


def accept(
    target: Target,
    model: str,
    answer: Answer,
    size: tuple[int, int] | None,
    *,
    key: KeyChoice = AUTH,
) -> Job:
    """A Job from a submit answer that must be a 202; its polling_url is polled at once."""
    body = check_submit_accepted(answer, model, target.base_url)
    job = Job(body["request_id"], model, body["polling_url"], size, key)
    job.poll(target, via_polling_url=True)  # the polling_url resolves, to this very job
    return job


def run_to_end(target: Target, job: Job, *, expect: frozenset[str] = TERMINAL) -> dict[str, Any]:
    """Poll until terminal (on the target's clock), checking every poll; then re-poll once.

    Returns the terminal body. `expect` narrows which terminal statuses are acceptable.
    """
    waited = 0.0
    while not job.terminal:
        if waited >= target.job_timeout:
            status = job.last["status"] if job.last else "unseen"
            raise ContractViolation(
                "terminal-reached",
                f"{job.request_id} is still {status} after {waited:g} s of polling",
            )
        target.pause(target.poll_interval)
        waited += target.poll_interval
        job.poll(target)
        check_history(job.polls)
    job.poll(target)  # a terminal answer must repeat exactly
    check_history(job.polls)
    final = job.polls[-1]
    current().passed("terminal-reached")
    observe_duration(job.model, final)
    if final["status"] not in expect:
        raise ContractViolation(
            "outcome",
            f"{job.request_id} ended {final['status']} (error {final['error']!r}), "
            f"expected {' or '.join(sorted(expect))}",
        )
    current().passed("outcome")
    job.check_output(target)
    return final


def observe_duration(model: str, final: dict[str, Any]) -> None:
    """How long the job took, submit to end (by its own timestamps): measured for a
    calibrated mock, and held against the mock's default durations."""
    (end, end_exact), (start, start_exact) = (
        parse_timestamp(final["completed_at"]),
        parse_timestamp(final["created_at"]),
    )
    seconds = round((end - start).total_seconds(), 3)
    slack = 0.0 if end_exact and start_exact else 1.0  # whole-second stamps round up
    ledger, longest = current(), expected().max_seconds_for(model)
    ledger.measure("assumed.durations", model, seconds)
    ledger.assumption(
        "assumed.durations",
        holds=seconds <= longest + slack,
        observed=f"{model} took {seconds:g} s",
        message=f"a {model} job took {seconds:g} s, expected within {longest:g} s",
    )
