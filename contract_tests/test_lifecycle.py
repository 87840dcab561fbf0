"""The job lifecycle as a state machine: submit either model, poll, re-poll, let time pass.

Invariants after every step: statuses move only along the documented flow, a terminal
answer repeats identically, timestamps are ordered. At the end every job is driven to its
end; a COMPLETED one has a downloadable PNG of the right size (FIBO by aspect ratio, RMBG
the input's own size).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from .checks import check_stable_fields, check_terminal_stable, check_timestamps, check_transitions
from .contract import FIBO, RMBG
from .jobs import Job, accept, expected_outcomes, expected_size, run_to_end
from .strategies import fibo_bodies
from .target import Target

# Jobs per run: every one is paid on a live target and takes real seconds there.
MAX_JOBS = {True: 4, False: 2}  # keyed by target.is_mock
# Simulated seconds a pause lets pass on the mock (a live pause is the poll interval).
MOCK_PAUSES = (0.5, 1.0, 2.0, 5.0, 15.0)


class Lifecycle(RuleBasedStateMachine):
    """Submits, polls and pauses against one target; every job's polls are kept."""

    jobs = Bundle("jobs")

    def __init__(self, target: Target) -> None:
        super().__init__()
        self.target = target
        self.submitted: list[Job] = []
        self.broken = False  # a step failed: the teardown must not pile on more failures

    @contextmanager
    def checking(self) -> Iterator[None]:
        """Run checks; a failure marks the machine broken."""
        try:
            yield
        except BaseException:
            self.broken = True
            raise

    def room(self) -> bool:
        return len(self.submitted) < MAX_JOBS[self.target.is_mock]

    @precondition(room)
    @rule(target=jobs, data=st.data())
    def submit_fibo(self, data: st.DataObject) -> Job:
        body = data.draw(fibo_bodies(realistic=not self.target.is_mock), label="body")
        size = expected_size(FIBO, body, None)
        with self.checking():
            job = accept(self.target, FIBO, self.target.submit(FIBO, body), size)
        self.submitted.append(job)
        return job

    @precondition(room)
    @rule(target=jobs, data=st.data())
    def submit_rmbg(self, data: st.DataObject) -> Job:
        picture = data.draw(st.sampled_from(self.target.inputs), label="input")
        answer = self.target.submit(RMBG, {"image_url": picture.url})
        with self.checking():
            job = accept(self.target, RMBG, answer, picture.size)
        self.submitted.append(job)
        return job

    @rule(job=jobs)
    def poll(self, job: Job) -> None:
        with self.checking():
            job.poll(self.target)
            job.check_output(self.target)  # once, when it first shows COMPLETED

    @rule(seconds=st.sampled_from(MOCK_PAUSES))
    def pause(self, seconds: float) -> None:
        self.target.pause(seconds if self.target.is_mock else self.target.poll_interval)

    @invariant()
    def a_terminal_answer_repeats_identically(self) -> None:
        with self.checking():
            for job in self.submitted:
                check_terminal_stable(job.polls)

    @invariant()
    def statuses_move_only_forward(self) -> None:
        with self.checking():
            for job in self.submitted:
                check_transitions(job.polls)

    @invariant()
    def timestamps_are_ordered(self) -> None:
        with self.checking():
            for job in self.submitted:
                for body in job.polls:
                    check_timestamps(body)
                check_stable_fields(job.polls)

    def teardown(self) -> None:
        if self.broken:
            return
        for job in self.submitted:
            run_to_end(self.target, job, expect=expected_outcomes(self.target))


def test_lifecycle(target: Target) -> None:
    # Hypothesis documents a factory here; its annotation only admits a class.
    run_state_machine_as_test(lambda: Lifecycle(target))  # type: ignore[arg-type]
